/* Placeholders for subcommands whose issues have not landed yet; each real cmd_*.c overrides one. */
#include <stdio.h>

#include "cli.h"

/*
 * Weak, so that adding cli/cmd_<name>.c replaces the placeholder without
 * touching this file or the table in main.c. This file goes away when the
 * last subcommand lands.
 */
#define CJD_PENDING(name, issue)                                                                   \
	__attribute__((weak)) int cmd_##name(int argc, char **argv)                                \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		fprintf(stderr, "cjd %s: not yet implemented (tracked in issue %d)\n", #name,      \
			issue);                                                                    \
		return CJD_EXIT_FAIL;                                                              \
	}

CJD_PENDING(run, 7)
CJD_PENDING(record, 3)
CJD_PENDING(events, 3)
CJD_PENDING(replay, 4)
CJD_PENDING(simrecord, 5)
CJD_PENDING(train, 5)
CJD_PENDING(eval, 5)
CJD_PENDING(bench, 4)
CJD_PENDING(sub, 6)
CJD_PENDING(relay, 6)
CJD_PENDING(keygen, 6)
CJD_PENDING(collect, 7)
CJD_PENDING(detect, 7)
CJD_PENDING(config, 7)
