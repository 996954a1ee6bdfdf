/* Scratch directories and fake /proc and cgroup trees for the evidence tests. */
#ifndef CJD_TEST_EVIDENCE_FIXTURES_H
#define CJD_TEST_EVIDENCE_FIXTURES_H

#include <stddef.h>
#include <sys/types.h>

/* Makes a fresh directory "<TMPDIR or /tmp>/cjd-ev-fp-<tag>-XXXXXX" into buf; fails the test otherwise. */
void fixture_tmpdir(char *buf, size_t len, const char *tag);

/* Removes a tree made by the fixtures (nothing outside the scratch directory). */
void fixture_rmtree(const char *dir);

/* Writes <dir>/<rel> with text, making the directories on the way. */
void fixture_write(const char *dir, const char *rel, const char *text);

/* A fake thread: <proc>/<pid>/task/<tid>/{status,comm,stat} with TracerPid and state. */
void fixture_task(const char *proc, pid_t pid, pid_t tid, long tracer_pid, char state);

/* <proc>/<pid>/comm. */
void fixture_comm(const char *proc, pid_t pid, const char *comm);

/* The path of a committed fixture file: $CJD_EVIDENCE_TEST_DATA/<name> (static buffer). */
const char *fixture_data(const char *name);

#endif
