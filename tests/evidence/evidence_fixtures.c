/* Scratch directories and fake /proc and cgroup trees for the evidence tests. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence_fixtures.h"

void fixture_tmpdir(char *buf, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, len, "%s/cjd-ev-fp-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(buf))
		fail_msg("mkdtemp %s: %s", buf, strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fixture_rmtree(const char *dir)
{
	if (strstr(dir, "/cjd-ev-fp-")) /* never anything but our own scratch trees */
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

void fixture_write(const char *dir, const char *rel, const char *text)
{
	char path[4096], parent[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	mkdirs(parent);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
}

void fixture_task(const char *proc, pid_t pid, pid_t tid, long tracer_pid, char state)
{
	char rel[256], text[512];

	snprintf(rel, sizeof(rel), "%d/task/%d/status", (int)pid, (int)tid);
	snprintf(text, sizeof(text),
		 "Name:\tt%d\nState:\t%c (x)\nTgid:\t%d\nPid:\t%d\nTracerPid:\t%ld\n", (int)tid,
		 state, (int)pid, (int)tid, tracer_pid);
	fixture_write(proc, rel, text);
	snprintf(rel, sizeof(rel), "%d/task/%d/comm", (int)pid, (int)tid);
	snprintf(text, sizeof(text), "t%d\n", (int)tid);
	fixture_write(proc, rel, text);
	snprintf(rel, sizeof(rel), "%d/task/%d/stat", (int)pid, (int)tid);
	/* a name with a blank and a parenthesis, as real ones can have */
	snprintf(text, sizeof(text), "%d (t %d) x) %c 1 2 3\n", (int)tid, (int)tid, state);
	fixture_write(proc, rel, text);
}

void fixture_comm(const char *proc, pid_t pid, const char *comm)
{
	char rel[64], text[64];

	snprintf(rel, sizeof(rel), "%d/comm", (int)pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	fixture_write(proc, rel, text);
}

const char *fixture_data(const char *name)
{
	static char path[4096];
	const char *d = getenv("CJD_EVIDENCE_TEST_DATA");

	if (!d)
		fail_msg("CJD_EVIDENCE_TEST_DATA is not set (run the tests with ctest)");
	snprintf(path, sizeof(path), "%s/%s", d, name);
	return path;
}
