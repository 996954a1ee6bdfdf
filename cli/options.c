/* Generates a command's getopt table and --help lines from its own options and the configuration table. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

#define HELP_COLUMN 27 /* where the help text of an option starts */
#define HELP_WIDTH 88  /* where lines wrap */
#define MAX_ENTRIES 96

enum kind { K_OWN, K_CONFIG, K_KEY, K_HELP };

/* One option, whatever declared it. */
struct entry {
	enum kind kind;
	const char *name, *arg, *help;
	char short_name;
	const struct cjd_cli_opt *own; /* K_OWN */
	struct cjd_config_flag flag;   /* K_KEY */
	const char *shown_default;     /* K_KEY: the command's, else NULL */
};

struct table {
	struct entry e[MAX_ENTRIES];
	size_t n;
	struct option longopts[MAX_ENTRIES + 1];
	char optstring[2 * MAX_ENTRIES + 1];
};

static bool listed(const char *const *list, const char *s, size_t len)
{
	for (; list && *list; list++)
		if (strlen(*list) == len && !strncmp(*list, s, len))
			return true;
	return false;
}

static const char *shown_default(const struct cjd_cli_spec *spec, const char *key)
{
	for (const struct cjd_cli_default *d = spec->defaults; d && d->key; d++)
		if (!strcmp(d->key, key))
			return d->text;
	return NULL;
}

static void add_own(struct table *t, const struct cjd_cli_spec *spec, bool after)
{
	for (size_t i = 0; i < spec->n_own && t->n < MAX_ENTRIES; i++) {
		const struct cjd_cli_opt *o = &spec->own[i];
		if (o->after == after)
			t->e[t->n++] = (struct entry){K_OWN, o->name, o->arg, o->help, o->short_name, o};
	}
}

/* Every key of the sections the command names, in the table's order. */
static void add_keys(struct table *t, const struct cjd_cli_spec *spec)
{
	struct cjd_config_flag f;

	for (size_t i = 0; cjd_config_flag(i, &f) && t->n < MAX_ENTRIES; i++) {
		if (!listed(spec->sections, f.key, strcspn(f.key, ".")) ||
		    listed(spec->skip, f.key, strlen(f.key)))
			continue;
		t->e[t->n++] = (struct entry){.kind = K_KEY, .name = f.name, .arg = f.arg,
					      .help = f.help, .short_name = f.short_name,
					      .flag = f, .shown_default = shown_default(spec, f.key)};
	}
}

/* The command's options in --help order: own, -c, keys, own "after", -h. */
static void build(struct table *t, const struct cjd_cli_spec *spec)
{
	t->n = 0;
	add_own(t, spec, false);
	if (spec->config)
		t->e[t->n++] = (struct entry){K_CONFIG, "config", "FILE", spec->config, 'c'};
	add_keys(t, spec);
	add_own(t, spec, true);
	t->e[t->n++] = (struct entry){K_HELP, "help", NULL, "show this help", 'h'};
}

/* getopt_long's view: a short option returns its letter, a long-only one 256 + its index. */
static void build_getopt(struct table *t)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->e[i];
		int val = e->short_name ? e->short_name : 256 + (int)i;
		t->longopts[i] = (struct option){e->name, e->arg ? required_argument : no_argument,
						 NULL, val};
		if (e->short_name) {
			t->optstring[k++] = e->short_name;
			if (e->arg)
				t->optstring[k++] = ':';
		}
	}
	t->longopts[t->n] = (struct option){0};
	t->optstring[k] = '\0';
}

static const struct entry *entry_of(const struct table *t, int c)
{
	if (c >= 256 && (size_t)(c - 256) < t->n)
		return &t->e[c - 256];
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].short_name == c)
			return &t->e[i];
	return NULL;
}

/* Two declarations of one option would make getopt take the first silently. */
static int check_unique(const struct table *t, const char *cmd)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = i + 1; j < t->n; j++)
			if (!strcmp(t->e[i].name, t->e[j].name) ||
			    (t->e[i].short_name && t->e[i].short_name == t->e[j].short_name))
				return cjd_cli_fail(cmd, "option --%s is declared twice (a bug)",
						    t->e[j].name);
	return 0;
}

bool cjd_cli_given(const struct cjd_cli_args *args, const char *key)
{
	for (size_t i = 0; i < args->n_ov; i++)
		if (!strcmp(args->ov[i].key, key))
			return true;
	return false;
}

int cjd_cli_load_config(const struct cjd_cli_spec *spec, const struct cjd_cli_args *args,
			struct cjd_config *cfg)
{
	struct cjd_agent_options ao = {.config_path = args->config_path,
				       .config_required = true,
				       .overrides = args->ov,
				       .n_overrides = args->n_ov};
	struct cjd_error err;
	int rc = cjd_cli_report(spec->cmd, cjd_agent_load_config(&ao, cfg, &err), &err);

	if (rc)
		return rc;
	for (const struct cjd_cli_default *d = spec->defaults; d && d->key; d++)
		if (d->unset && !cjd_cli_given(args, d->key))
			cjd_config_unset(cfg, d->key); /* the spec names table keys */
	return 0;
}

static int add_override(const struct cjd_cli_spec *spec, struct cjd_cli_args *args,
			const struct cjd_config_flag *f, const char *value)
{
	bool replace = true;

	if (args->n_ov == CJD_CLI_MAX_OVERRIDES)
		return cjd_cli_usage_error(spec->cmd, "too many options");
	if (f->list)
		/* a default list gives way to the first option; a list without
		 * one grows the file's */
		replace = f->def && !cjd_cli_given(args, f->key);
	else if (!value[0])
		value = NULL;
	args->ov[args->n_ov++] = (struct cjd_override){f->key, value, replace};
	return 0;
}

static int take(const struct cjd_cli_spec *spec, const struct entry *e, struct cjd_cli_args *args)
{
	switch (e->kind) {
	case K_OWN: return spec->handle(spec->ctx, e->own->id, e->arg ? optarg : NULL);
	case K_CONFIG: args->config_path = optarg; return 0;
	case K_KEY: return add_override(spec, args, &e->flag, optarg);
	case K_HELP: cjd_cli_help(spec, stdout); return CJD_CLI_HELP;
	}
	return 0;
}

int cjd_cli_parse(const struct cjd_cli_spec *spec, int argc, char **argv,
		  struct cjd_cli_args *args)
{
	struct table *t = malloc(sizeof(*t));
	int c, rc = 0;

	args->n_ov = 0;
	args->config_path = NULL;
	if (!t)
		return cjd_cli_fail(spec->cmd, "out of memory");
	build(t, spec);
	build_getopt(t);
	if ((rc = check_unique(t, spec->cmd)))
		goto out;
	optind = 1;
	while (!rc && (c = getopt_long(argc, argv, t->optstring, t->longopts, NULL)) != -1) {
		const struct entry *e = entry_of(t, c);
		rc = e ? take(spec, e, args) : cjd_cli_bad_option(spec->cmd, argv, t->optstring);
	}
	args->first_operand = optind;
	if (!rc && !spec->operands && optind < argc)
		rc = cjd_cli_usage_error(spec->cmd, "unexpected argument '%s'", argv[optind]);
	else if (!rc && spec->operands && optind >= argc)
		rc = cjd_cli_usage_error(spec->cmd, "no %s given", spec->operands);
out:
	free(t);
	return rc;
}

/* ---- --help ---- */

/* The next word of text: up to a space, but `a quoted command` stays whole. */
static size_t word_len(const char *text)
{
	const char *close = text[0] == '`' ? strchr(text + 1, '`') : NULL;

	if (close)
		return (size_t)(close - text) + strcspn(close, " ");
	return strcspn(text, " ");
}

/* Prints text from column `col` on, wrapping at HELP_WIDTH under HELP_COLUMN. */
static void wrap(FILE *out, const char *text, size_t col)
{
	while (*text) {
		size_t word = word_len(text);
		if (col > HELP_COLUMN && col + 1 + word > HELP_WIDTH) {
			fprintf(out, "\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, word, out);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

/*
 * What --help says after a key's help: "(collector.interval, default 1s)",
 * "(detector.threshold, default: the model's)", "(publish.endpoints,
 * repeatable; the first replaces the default: a, b)".
 */
static void key_note(const struct entry *e, char *buf, size_t len)
{
	const struct cjd_config_flag *f = &e->flag;
	const char *prose = e->shown_default ? e->shown_default : f->def ? NULL : f->unset;
	char def[256] = "";

	if (f->def && f->list) {
		/* list items are '\n'-separated in the table */
		for (const char *p = f->def; *p; p += strcspn(p, "\n"), p += *p == '\n')
			snprintf(def + strlen(def), sizeof(def) - strlen(def), "%s%.*s",
				 p == f->def ? "" : ", ", (int)strcspn(p, "\n"), p);
	} else if (f->def) {
		snprintf(def, sizeof(def), strchr(f->def, ' ') ? "\"%s\"" : "%s", f->def);
	}
	if (prose)
		snprintf(buf, len, "(%s%s; default: %s)", f->key, f->list ? ", repeatable" : "",
			 prose);
	else if (f->list && def[0])
		snprintf(buf, len, "(%s, repeatable; the first replaces the default: %s)", f->key,
			 def);
	else if (def[0])
		snprintf(buf, len, "(%s, default %s)", f->key, def);
	else
		snprintf(buf, len, "(%s%s)", f->key, f->list ? ", repeatable" : "");
}

static void help_line(FILE *out, const struct entry *e)
{
	char left[128], text[1024], note[512];
	int n;

	if (e->short_name)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", e->short_name, e->name,
			     e->arg ? " " : "", e->arg ? e->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", e->name, e->arg ? " " : "",
			     e->arg ? e->arg : "");
	if (e->kind == K_KEY) {
		key_note(e, note, sizeof(note));
		snprintf(text, sizeof(text), "%s %s", e->help, note);
	} else {
		snprintf(text, sizeof(text), "%s", e->help);
	}
	fputs(left, out);
	if (n + 2 > HELP_COLUMN)
		fprintf(out, "\n%*s", HELP_COLUMN, "");
	else
		fprintf(out, "%*s", HELP_COLUMN - n, "");
	wrap(out, text, HELP_COLUMN);
}

void cjd_cli_help(const struct cjd_cli_spec *spec, FILE *out)
{
	struct table *t = malloc(sizeof(*t));

	fputs(spec->usage, out);
	fprintf(out, "\n%s\n", spec->heading ? spec->heading : "Options:");
	if (t) {
		build(t, spec);
		for (size_t i = 0; i < t->n; i++)
			help_line(out, &t->e[i]);
		free(t);
	}
	if (spec->tail)
		fprintf(out, "\n%s", spec->tail);
}
