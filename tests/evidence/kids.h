/* Integration-test workloads: start a helper program in a cgroup of its own, wait until it says "ready", stop and remove it. */
#ifndef CJD_TEST_EVIDENCE_KIDS_H
#define CJD_TEST_EVIDENCE_KIDS_H

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cjd/collector/cgroup_mount.h"
#include "cjd/collector/cgroup_run.h"

/* Set by main: the hierarchy and the test's parent cgroup ("/cjd-ev-code-<pid>"). */
static struct cjd_cgroupfs v2;
static char parent[64];

struct kid {
	char rel[128];
	char dir[4400];
	pid_t pid;
};

static void kid_stop(struct kid *k)
{
	struct cjd_error err;

	if (k->pid > 0) {
		/* The whole cgroup: helpers may have forked (a server child). */
		if (k->rel[0])
			cjd_cgroupfs_signal(&v2, k->rel, SIGKILL);
		kill(k->pid, SIGKILL);
		waitpid(k->pid, NULL, 0);
		k->pid = 0;
	}
	if (k->rel[0] && cjd_cgroupfs_destroy(&v2, k->rel, 2000, &err) != 0)
		fprintf(stderr, "teardown: %s\n", err.text);
	k->rel[0] = '\0';
}

/*
 * Runs argv in cgroup <parent>/<name> (in none when name is NULL) and waits
 * up to 5 s for the line "ready" on its stdout. Exit status 3 means "this
 * machine cannot run it": the test is skipped.
 */
static void kid_start(struct kid *k, const char *name, char *const argv[])
{
	struct cjd_error err;
	char line[64] = "";
	int pfd[2];

	memset(k, 0, sizeof(*k));
	if (name) {
		snprintf(k->rel, sizeof(k->rel), "%s/%s", parent, name);
		if (cjd_cgroupfs_create(&v2, k->rel, &err) != 0)
			fail_msg("cgroup %s: %s", k->rel, err.text);
		cjd_cgroupfs_join(&v2, k->rel, k->dir, sizeof(k->dir));
	}
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		/* Never outlive a test that crashed: it would hold ctest's pipes open. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (name && cjd_cgroupfs_enter_self(k->dir) != 0)
			_exit(1);
		dup2(pfd[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	struct pollfd p = {pfd[0], POLLIN, 0};
	if (poll(&p, 1, 5000) == 1)
		(void)!read(pfd[0], line, sizeof(line) - 1);
	close(pfd[0]);
	if (strncmp(line, "ready", 5) != 0) {
		int status = 0;
		kill(k->pid, SIGKILL);
		waitpid(k->pid, &status, 0);
		k->pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
			skip(); /* this machine cannot run the mode (no AES-NI, not x86-64...) */
		fail_msg("%s %s did not get ready (status %d)", argv[0], argv[1], status);
	}
}

static int setup_kid(void **state)
{
	*state = calloc(1, sizeof(struct kid));
	return *state ? 0 : -1;
}

static int teardown_kid(void **state)
{
	kid_stop(*state);
	free(*state);
	return 0;
}

#endif
