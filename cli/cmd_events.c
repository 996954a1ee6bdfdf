/* `cjd events`: which registry events this host can count per cgroup, and why the others cannot. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/collector/pfm_encode.h"
#include "cjd/collector/pmu_probe.h"
#include "cjd/common/event.h"
#include "cjd/common/json_dump.h"
#include "cli.h"

static const char events_usage[] =
	"Usage: cjd events [--json] [--root DIR]\n"
	"       cjd events --pfm [--all] [--list-events]\n"
	"       cjd events --encode STRING...\n"
	"\n"
	"Without options, probe every event of cjd's registry the way the collector\n"
	"counts it (CPU-wide, per cgroup, on the first online CPU) and print whether\n"
	"it can be counted here and, when not, why: no PMU, not supported, paranoid\n"
	"(needs kernel.perf_event_paranoid <= 0 or CAP_PERFMON), permission, or\n"
	"encoding. The last lines say which mode (hardware or software) cjd record\n"
	"and cjd run will choose, and why. Tracepoints (syscalls) are named under\n"
	"tracefs: when nothing has mounted it, cjd mounts it at /sys/kernel/tracing\n"
	"(as perf does; it needs CAP_SYS_ADMIN) and leaves it mounted; the tracefs\n"
	"line says where it is, that it was mounted, or why it could not be.\n"
	"\n"
	"Options:\n"
	"  --json            one JSON object instead of the table\n"
	"  --root DIR        probe with this cgroup directory (default: the root of\n"
	"                    the hierarchy perf_event lives on)\n"
	"  --pfm             list the PMUs libpfm4 detects here, with their counters\n"
	"    --all           include PMUs that are not present (their events can\n"
	"                    still be encoded with LIBPFM_ENCODE_INACTIVE=1)\n"
	"    --list-events   also list every event of those PMUs\n"
	"  --encode STRING   encode raw libpfm4 strings (\"amd64_fam19h_zen4::\n"
	"                    RETIRED_INSTRUCTIONS\", \"perf::cycles:u\") or\n"
	"                    \"tracepoint:<subsystem>:<name>\" and print the\n"
	"                    perf_event_attr type and config; exit 1 if one fails\n"
	"  -h, --help        this help\n"
	"\n"
	"Environment: LIBPFM_FORCE_PMU and LIBPFM_ENCODE_INACTIVE are honoured by\n"
	"libpfm4 (see libpfm(3)).\n";

static const char *kind_name(enum cjd_event_kind k)
{
	return k == CJD_EVK_HARDWARE ? "hardware" : k == CJD_EVK_SOFTWARE ? "software" : "tracepoint";
}

static const char *tracefs_state(const struct cjd_tracefs *t)
{
	return t->state == CJD_TRACEFS_FOUND     ? "found"
	       : t->state == CJD_TRACEFS_MOUNTED ? "mounted"
						 : "missing";
}

static int print_json(const struct cjd_probe *p)
{
	json_t *root = json_object(), *evs = json_array();
	char mask[256];

	json_object_set_new(root, "mode", json_string(cjd_mode_name(p->mode)));
	json_object_set_new(root, "mode_reason", json_string(p->mode_reason));
	json_object_set_new(root, "have_pmu", json_boolean(p->have_pmu));
	json_object_set_new(root, "permitted", json_boolean(p->permitted));
	if (!p->permitted)
		json_object_set_new(root, "permission_fix", json_string(p->permission_fix));
	if (p->paranoid != INT32_MIN)
		json_object_set_new(root, "perf_event_paranoid", json_integer(p->paranoid));
	json_object_set_new(root, "cap_perfmon", json_boolean(p->cap_perfmon));
	json_object_set_new(root, "cap_sys_admin", json_boolean(p->cap_sys_admin));
	json_object_set_new(root, "pmu",
			    json_pack("{s:s,s:i,s:i,s:b}", "name", p->caps.name, "generic",
				      p->caps.generic, "fixed", p->caps.fixed, "nmi_watchdog",
				      p->caps.watchdog));
	cjd_event_mask_format(p->countable, mask, sizeof(mask));
	json_object_set_new(root, "countable", json_string(mask));
	json_object_set_new(root, "tracefs",
			    json_pack("{s:s,s:s,s:s}", "state", tracefs_state(&p->tracefs), "path",
				      p->tracefs.path, "text", p->tracefs.text));
	for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
		const struct cjd_event_info *info = cjd_event_info((enum cjd_event)ev);
		const struct cjd_probe_event *pe = &p->ev[ev];
		json_t *o = json_pack("{s:s,s:s,s:b,s:s,s:s,s:s}", "name", info->name, "kind",
				      kind_name(info->kind), "countable", pe->why == CJD_WHY_OK,
				      "why", cjd_why_name(pe->why), "reason", pe->reason, "encoding",
				      pe->encoding);
		if (pe->encoded) {
			json_object_set_new(o, "type", json_integer(pe->type));
			json_object_set_new(o, "config", json_integer((json_int_t)pe->config));
		}
		json_array_append_new(evs, o);
	}
	json_object_set_new(root, "events", evs);
	char *text = cjd_json_dumps(root);
	json_decref(root);
	if (!text)
		return cjd_cli_fail("events", "out of memory");
	puts(text);
	free(text);
	return CJD_EXIT_OK;
}

static int print_table(const struct cjd_probe *p)
{
	char mask[256];

	printf("%-22s %-10s %-5s %-44s %s\n", "EVENT", "KIND", "HERE", "ENCODING", "WHY NOT");
	for (int ev = 0; ev < CJD_EV__COUNT; ev++) {
		const struct cjd_event_info *info = cjd_event_info((enum cjd_event)ev);
		const struct cjd_probe_event *pe = &p->ev[ev];
		char enc[200];

		if (pe->encoded)
			snprintf(enc, sizeof(enc), "%s [%" PRIu32 ":%#" PRIx64 "]", pe->encoding,
				 pe->type, pe->config);
		else
			snprintf(enc, sizeof(enc), "%s", pe->encoding);
		printf("%-22s %-10s %-5s %-44s %s%s%s\n", info->name, kind_name(info->kind),
		       pe->why == CJD_WHY_OK ? "yes" : "no", enc,
		       pe->why == CJD_WHY_OK ? "" : cjd_why_name(pe->why),
		       pe->why == CJD_WHY_OK ? "" : ": ", pe->reason);
	}
	cjd_event_mask_format(p->countable, mask, sizeof(mask));
	printf("\nPMU: %s\n", p->caps.name[0] ? p->caps.name : "none known to libpfm4");
	printf("tracefs: %s%s\n", p->tracefs.state == CJD_TRACEFS_FOUND ? "at " : "",
	       p->tracefs.text);
	printf("perf_event_paranoid: %d, CAP_PERFMON: %s, CAP_SYS_ADMIN: %s\n", p->paranoid,
	       p->cap_perfmon ? "yes" : "no", p->cap_sys_admin ? "yes" : "no");
	if (!p->permitted)
		printf("permission: denied: %s\n", p->permission_fix);
	printf("countable: %s\n", mask[0] ? mask : "(nothing)");
	printf("mode: %s (%s)\n", cjd_mode_name(p->mode), p->mode_reason);
	return CJD_EXIT_OK;
}

static int encode_strings(int argc, char **argv)
{
	int ret = CJD_EXIT_OK;

	for (int i = 0; i < argc; i++) {
		struct perf_event_attr a;
		char why[256];

		if (cjd_event_encode(argv[i], &a, why, sizeof(why)) != 0) {
			fprintf(stderr, "cjd events: %s\n", why);
			ret = CJD_EXIT_FAIL;
			continue;
		}
		printf("%s\ttype=%" PRIu32 " config=%#" PRIx64 " config1=%#" PRIx64
		       " exclude_user=%d exclude_kernel=%d exclude_hv=%d\n",
		       argv[i], a.type, (uint64_t)a.config, (uint64_t)a.config1,
		       (int)a.exclude_user, (int)a.exclude_kernel, (int)a.exclude_hv);
	}
	return ret;
}

int cmd_events(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_PFM, OPT_ALL, OPT_LIST, OPT_ENCODE, OPT_JSON };
	static const struct option opts[] = {{"json", no_argument, NULL, OPT_JSON},
					     {"root", required_argument, NULL, OPT_ROOT},
					     {"pfm", no_argument, NULL, OPT_PFM},
					     {"all", no_argument, NULL, OPT_ALL},
					     {"list-events", no_argument, NULL, OPT_LIST},
					     {"encode", no_argument, NULL, OPT_ENCODE},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	bool json = false, pfm = false, all = false, list = false, encode = false;
	const char *root = NULL;
	struct cjd_probe p;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_PFM:
			pfm = true;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_ENCODE:
			encode = true;
			break;
		case 'h':
			fputs(events_usage, stdout);
			return CJD_EXIT_OK;
		default:
			return cjd_cli_bad_option("events", argv, "h");
		}
	}
	if (pfm + encode > 1 || ((pfm || encode) && (json || root)))
		return cjd_cli_usage_error("events", "--pfm, --encode and the probe (--json, "
						     "--root) exclude each other");
	if ((all || list) && !pfm)
		return cjd_cli_usage_error("events", "--all and --list-events go with --pfm");
	if (encode) {
		if (optind >= argc)
			return cjd_cli_usage_error("events", "--encode needs at least one STRING");
		return encode_strings(argc - optind, argv + optind);
	}
	if (optind < argc)
		return cjd_cli_usage_error("events", "unexpected argument '%s'", argv[optind]);
	if (pfm) {
		char why[200];
		if (cjd_pfm_init(why, sizeof(why)))
			return cjd_cli_fail("events", "%s", why);
		if (cjd_pfm_list(stdout, all, list) == 0)
			printf("(libpfm4 detects no PMU here; try --all)\n");
		return CJD_EXIT_OK;
	}
	cjd_probe_run(&p, root, -1, NULL);
	return json ? print_json(&p) : print_table(&p);
}
