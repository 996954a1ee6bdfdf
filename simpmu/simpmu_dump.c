/* Streaming parser for one callgrind output file: the totals, and the time spent waiting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/common/array.h"
#include "cjd/simpmu/simpmu_dump.h"

/* The callgrind events we read, by name, and where each lands in the costs. */
enum dump_ev {
	EV_IR = 0,
	EV_BC,
	EV_BCM,
	EV_BI,
	EV_BIM,
	EV_I1MR,
	EV_D1MR,
	EV_D1MW,
	EV_ILMR,
	EV_DLMR,
	EV_DLMW,
	EV_SYSCOUNT,
	EV_SYSTIME,
	EV_SYSCPU,
	EV__COUNT
};

static const char *const ev_names[EV__COUNT] = {
    "Ir",   "Bc",   "Bcm",  "Bi",   "Bim",	"I1mr",	   "D1mr",
    "D1mw", "ILmr", "DLmr", "DLmw", "sysCount", "sysTime", "sysCpuTime",
};

/* The ones a dump must have: --cache-sim=yes --branch-sim=yes. */
#define EV_REQUIRED_LAST EV_DLMW

#define MAX_EVENTS 64

struct dump_state {
	const char *path;
	long line;
	int npos;		/* position columns before the costs */
	int nev;		/* columns in `events:` */
	int col[EV__COUNT];	/* column of each dump_ev, -1 when absent */
	unsigned char *wait_fn; /* by compressed fn id: 1 wait, 2 other */
	size_t wait_cap;
	bool cur_wait;	     /* the current fn= waits */
	bool skip_next_cost; /* the line after calls= is an inclusive cost */
	bool have_events, have_totals;
	struct cjd_simpmu_costs *out;
};

void cjd_simpmu_costs_add(struct cjd_simpmu_costs *a, const struct cjd_simpmu_costs *b)
{
	a->ir += b->ir;
	a->bc += b->bc;
	a->bcm += b->bcm;
	a->bi += b->bi;
	a->bim += b->bim;
	a->i1mr += b->i1mr;
	a->d1mr += b->d1mr;
	a->d1mw += b->d1mw;
	a->ilmr += b->ilmr;
	a->dlmr += b->dlmr;
	a->dlmw += b->dlmw;
	a->sys_count += b->sys_count;
	a->sys_ns += b->sys_ns;
	a->wait_ns += b->wait_ns;
	a->dumps += b->dumps;
}

bool cjd_simpmu_is_wait_function(const char *fn)
{
	/* Timers and network peers are outside the simulation, so the time a
	 * program blocks on them is real time on any machine. */
	static const char *const waits[] = {
	    "nanosleep",    "clock_nanosleep", "clock_nanosleep_time64",
	    "usleep",	    "sleep",	       "select",
	    "pselect",	    "pselect6",	       "poll",
	    "ppoll",	    "epoll_wait",      "epoll_pwait",
	    "epoll_pwait2", "accept",	       "accept4",
	    "recv",	    "recvfrom",	       "recvmsg",
	    "recvmmsg",	    "sigtimedwait",    "sigwaitinfo",
	};
	char name[64];
	size_t n;

	/* "__GI___poll", "__libc_recv", "clock_nanosleep@@GLIBC_2.17" -> the bare name. */
	while (*fn == '_')
		fn++;
	if (!strncmp(fn, "GI_", 3))
		for (fn += 3; *fn == '_'; fn++)
			;
	if (!strncmp(fn, "libc_", 5))
		fn += 5;
	n = strcspn(fn, "@ '(");
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, fn, n);
	name[n] = '\0';
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		if (!strcmp(name, waits[i]))
			return true;
	return false;
}

/* A value that went "negative": callgrind subtracts timestamps, and a forked
 * child's first syscall subtracts its parent's start time. Treat as 0. */
static uint64_t sane(uint64_t v)
{
	return v >= (UINT64_C(1) << 62) ? 0 : v;
}

static int bad(struct dump_state *st, struct cjd_error *err, const char *what)
{
	return cjd_error_set(err, -EINVAL, st->path, (int)st->line, 0, "callgrind dump: %s", what);
}

static int parse_events(struct dump_state *st, char *s, struct cjd_error *err)
{
	char *save = NULL;
	int n = 0;

	for (int i = 0; i < EV__COUNT; i++)
		st->col[i] = -1;
	for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		for (int i = 0; i < EV__COUNT; i++)
			if (!strcmp(tok, ev_names[i]))
				st->col[i] = n;
		if (++n > MAX_EVENTS)
			return bad(st, err, "more than 64 events");
	}
	for (int i = 0; i <= EV_REQUIRED_LAST; i++)
		if (st->col[i] < 0)
			return cjd_error_set(err, -EINVAL, st->path, (int)st->line, 0,
					     "callgrind dump has no '%s' event (was it run with "
					     "--cache-sim=yes --branch-sim=yes?)",
					     ev_names[i]);
	st->nev = n;
	st->have_events = true;
	return 0;
}

/* Reads up to MAX_EVENTS unsigned numbers; missing trailing ones are zero. */
static int parse_costs(struct dump_state *st, const char *s, uint64_t *v, struct cjd_error *err)
{
	memset(v, 0, sizeof(*v) * MAX_EVENTS);
	for (int i = 0; i < st->nev; i++) {
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n')
			break;
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (end == s || errno || (*end && *end != ' ' && *end != '\t' && *end != '\n'))
			return bad(st, err, "bad cost value");
		s = end;
	}
	return 0;
}

static int set_totals(struct dump_state *st, const char *s, struct cjd_error *err)
{
	uint64_t v[MAX_EVENTS];
	struct cjd_simpmu_costs *o = st->out;
	int rc;

	if (!st->have_events)
		return bad(st, err, "'totals:' before 'events:'");
	rc = parse_costs(st, s, v, err);
	if (rc)
		return rc;
#define COL(e) (st->col[e] < 0 ? 0 : sane(v[st->col[e]]))
	o->ir = COL(EV_IR);
	o->bc = COL(EV_BC);
	o->bcm = COL(EV_BCM);
	o->bi = COL(EV_BI);
	o->bim = COL(EV_BIM);
	o->i1mr = COL(EV_I1MR);
	o->d1mr = COL(EV_D1MR);
	o->d1mw = COL(EV_D1MW);
	o->ilmr = COL(EV_ILMR);
	o->dlmr = COL(EV_DLMR);
	o->dlmw = COL(EV_DLMW);
	o->sys_count = COL(EV_SYSCOUNT);
	o->sys_ns = COL(EV_SYSTIME);
#undef COL
	st->have_totals = true;
	return 0;
}

/* "fn=(12) name", "fn=(12)", or "fn=name": classifies the current function. */
static int set_fn(struct dump_state *st, const char *s, bool current, struct cjd_error *err)
{
	unsigned long id;
	char *end;
	bool wait;

	if (*s != '(') {
		if (current)
			st->cur_wait = cjd_simpmu_is_wait_function(s);
		return 0;
	}
	errno = 0;
	id = strtoul(s + 1, &end, 10);
	if (end == s + 1 || *end != ')' || errno || id > (1ul << 26))
		return bad(st, err, "bad compressed function id");
	if (cjd_array_reserve_zero(st->wait_fn, st->wait_cap, id + 1))
		return -ENOMEM;
	if (end[1] == ' ') {
		st->wait_fn[id] = cjd_simpmu_is_wait_function(end + 2) ? 1 : 2;
	} else if (st->wait_fn[id] == 0) {
		return bad(st, err, "function id used before its name");
	}
	wait = st->wait_fn[id] == 1;
	if (current)
		st->cur_wait = wait;
	return 0;
}

/* A cost line: npos positions, then costs. Only wait functions' self costs matter. */
static int cost_line(struct dump_state *st, const char *s, struct cjd_error *err)
{
	uint64_t v[MAX_EVENTS];
	int rc;

	if (st->skip_next_cost) {
		st->skip_next_cost = false;
		return 0;
	}
	if (!st->cur_wait || st->col[EV_SYSTIME] < 0)
		return 0;
	for (int i = 0; i < st->npos; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		s += strcspn(s, " \t\n");
	}
	rc = parse_costs(st, s, v, err);
	if (rc)
		return rc;
	{
		uint64_t t = sane(v[st->col[EV_SYSTIME]]);
		uint64_t c = st->col[EV_SYSCPU] < 0 ? 0 : sane(v[st->col[EV_SYSCPU]]);

		if (t > c)
			st->out->wait_ns += t - c;
	}
	return 0;
}

static int positions(struct dump_state *st, const char *s)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		n++;
		s += strcspn(s, " \t\n");
	}
	st->npos = n ? n : 1;
	return 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int dump_line(struct dump_state *st, char *s, struct cjd_error *err)
{
	char c = s[0];

	if (c == '\0' || c == '\n' || c == '#')
		return 0;
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*')
		return cost_line(st, s, err);
	if (starts(s, "fn="))
		return set_fn(st, s + 3, true, err);
	if (starts(s, "cfn="))
		return set_fn(st, s + 4, false, err);
	if (starts(s, "calls=")) {
		st->skip_next_cost = true;
		return 0;
	}
	if (starts(s, "events:"))
		return parse_events(st, s + 7, err);
	if (starts(s, "positions:"))
		return positions(st, s + 10);
	if (starts(s, "totals:"))
		return set_totals(st, s + 7, err);
	return 0; /* headers, ob=/fl=/fi=/fe=/cob=/cfi=, jump=, summary: */
}

int cjd_simpmu_parse_dump(const char *path, struct cjd_simpmu_costs *out, struct cjd_error *err)
{
	struct dump_state st = {.path = path, .npos = 1, .out = out};
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f)
		return cjd_error_set(err, -errno, path, 0, 0, "cannot open callgrind dump: %s",
				     strerror(errno));
	while ((n = getline(&buf, &cap, f)) > 0) {
		st.line++;
		/* totals: is the last line; a line without its newline is still being written. */
		if (buf[n - 1] != '\n') {
			rc = -EAGAIN;
			break;
		}
		buf[n - 1] = '\0';
		rc = dump_line(&st, buf, err);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = cjd_error_set(err, -EIO, path, (int)st.line, 0, "read error");
	if (!rc && !st.have_totals)
		rc = -EAGAIN;
	if (!rc)
		out->dumps = 1;
	free(buf);
	free(st.wait_fn);
	fclose(f);
	return rc;
}
