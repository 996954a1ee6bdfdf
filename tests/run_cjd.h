/* For tests of the cjd binary: runs it through the shell and returns what it printed. */
#ifndef CJD_TESTS_RUN_CJD_H
#define CJD_TESTS_RUN_CJD_H

/*
 * Runs $CJD_BIN (else build/cjd) with args, a shell-quoted string that may
 * redirect (2>&1). Returns its stdout (malloc'd, NUL-terminated; the caller
 * frees it) and its exit code in *code (-1: killed by a signal). Fails the
 * test when the shell cannot be started.
 */
char *run_cjd(const char *args, int *code);

#endif
