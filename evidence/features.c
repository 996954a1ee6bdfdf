/* The evidence feature vector computed from an inspection's JSON (one path for the agent and for traces). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cjd/evidence/features.h"

/* A connection that has lasted at least this long counts as long-lived. */
#define LONG_LIVED_MS 5000.0
/* Small exchanges: at most this many bytes per second each way over the window. */
#define SMALL_BYTES_PER_S 16384.0
/* Regular: data moved in the window, or within this long before it. */
#define REGULAR_MS 60000.0

static void put(struct cjd_evfeat *f, enum cjd_evfeat_id id, double v)
{
	f->v[id] = v;
	f->present |= UINT64_C(1) << id;
}

static double share(double part, double whole)
{
	return whole > 0 ? part / whole : 0;
}

/* The member at a dotted path ("samples.user") of obj, or NULL when a part is missing. */
static const json_t *at(const json_t *obj, const char *path)
{
	char part[64];

	while (obj && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(part) || !json_is_object(obj))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		obj = json_object_get(obj, part);
		path += n + (path[n] == '.');
	}
	return obj;
}

/* Reads the number at probe.path into *v: 0, or -EINVAL (missing or not a number). */
static int num(const json_t *probe, const char *pname, const char *path, double *v,
	       struct cjd_error *err)
{
	const json_t *j = at(probe, path);

	if (!json_is_number(j))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "inspection: %s.%s is %s, not a number",
				     pname, path, j ? "of another type" : "missing");
	*v = json_number_value(j);
	return 0;
}

/* Like num(), but a JSON null (not measured) gives *v = dflt and *is_null = 1. */
static int num_or_null(const json_t *probe, const char *pname, const char *path, double dflt,
		       double *v, int *is_null, struct cjd_error *err)
{
	const json_t *j = at(probe, path);

	*is_null = json_is_null(j);
	if (*is_null) {
		*v = dflt;
		return 0;
	}
	return num(probe, pname, path, v, err);
}

/* The probe's object when it ran ("status": "ok"), else NULL. */
static const json_t *ran(const json_t *inspection, const char *pname)
{
	const json_t *p = json_object_get(inspection, pname);
	const char *st = json_string_value(json_object_get(p, "status"));

	return json_is_object(p) && st && strcmp(st, "ok") == 0 ? p : NULL;
}

static int fpstate(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	double seen, looked, changed, nondef, tz, ftz, daz, traced;
	int rc;

	if ((rc = num(p, "fpstate", "threads_seen", &seen, err)) ||
	    (rc = num(p, "fpstate", "threads_looked", &looked, err)) ||
	    (rc = num(p, "fpstate", "threads_changed_rounding", &changed, err)) ||
	    (rc = num(p, "fpstate", "threads_nondefault_rounding", &nondef, err)) ||
	    (rc = num(p, "fpstate", "threads_toward_zero", &tz, err)) ||
	    (rc = num(p, "fpstate", "threads_ftz", &ftz, err)) ||
	    (rc = num(p, "fpstate", "threads_daz", &daz, err)) ||
	    (rc = num(p, "fpstate", "threads_already_traced", &traced, err)))
		return rc;
	if (seen > 0)
		put(f, CJD_EVFEAT_fp_traced_share, share(traced, seen));
	if (looked <= 0)
		return 0; /* nothing read: the rounding figures were not measured */
	put(f, CJD_EVFEAT_fp_threads, looked);
	put(f, CJD_EVFEAT_fp_changed_rounding_share, share(changed, looked));
	put(f, CJD_EVFEAT_fp_nondefault_rounding_share, share(nondef, looked));
	put(f, CJD_EVFEAT_fp_toward_zero_threads, tz);
	put(f, CJD_EVFEAT_fp_ftz_share, share(ftz, looked));
	put(f, CJD_EVFEAT_fp_daz_share, share(daz, looked));
	return 0;
}

static int mix(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	static const struct {
		enum cjd_evfeat_id id;
		const char *cls[2];
	} map[] = {
		{ CJD_EVFEAT_mix_aes, { "aes" } },           { CJD_EVFEAT_mix_clmul, { "clmul" } },
		{ CJD_EVFEAT_mix_mul64, { "mul64" } },       { CJD_EVFEAT_mix_int_simd, { "int_simd" } },
		{ CJD_EVFEAT_mix_alu, { "alu" } },           { CJD_EVFEAT_mix_fp, { "fp" } },
		{ CJD_EVFEAT_mix_loadstore, { "load", "store" } },
		{ CJD_EVFEAT_mix_branch, { "branch" } },     { CJD_EVFEAT_mix_call, { "call" } },
		{ CJD_EVFEAT_mix_syscall, { "syscall" } },
	};
	const json_t *avail = at(p, "mix.available");
	double decoded;
	int rc;

	if (!json_is_boolean(avail))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "inspection: codesample.mix.available is missing or not a boolean");
	if (!json_is_true(avail))
		return 0;
	if ((rc = num(p, "codesample", "mix.decoded_samples", &decoded, err)))
		return rc;
	if (decoded <= 0)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		double sum = 0, v;
		char path[64];

		for (size_t k = 0; k < 2 && map[i].cls[k]; k++) {
			snprintf(path, sizeof(path), "mix.classes.%s", map[i].cls[k]);
			if ((rc = num(p, "codesample", path, &v, err)))
				return rc;
			sum += v;
		}
		put(f, map[i].id, sum);
	}
	return 0;
}

static int codesample(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	double user, offdisk, anon, hot, kshare;
	int rc;

	if ((rc = num(p, "codesample", "samples.user", &user, err)) ||
	    (rc = num(p, "codesample", "kernel_share", &kshare, err)))
		return rc;
	if (user <= 0)
		return 0; /* no user time sampled: nothing to say where it went */
	if ((rc = num(p, "codesample", "regions.off_disk_share", &offdisk, err)) ||
	    (rc = num(p, "codesample", "regions.samples_by_kind.anon", &anon, err)) ||
	    (rc = num(p, "codesample", "hot90.bytes", &hot, err)))
		return rc;
	put(f, CJD_EVFEAT_code_samples, user);
	put(f, CJD_EVFEAT_code_offdisk_share, offdisk);
	put(f, CJD_EVFEAT_code_anon_share, share(anon, user));
	put(f, CJD_EVFEAT_code_hot90_log10_bytes, log10(hot > 1 ? hot : 1));
	put(f, CJD_EVFEAT_code_kernel_share, kshare);
	return mix(p, f, err);
}

/* The figures of one socket the network features need. */
struct sock_fig {
	int outbound, listening, pool, has_tcp;
	double age_ms, bytes, segs, last_ms;
};

static int sock_fig(const json_t *s, size_t i, struct sock_fig *g, struct cjd_error *err)
{
	const char *role = json_string_value(json_object_get(s, "role"));
	const json_t *tcp = json_object_get(s, "tcp");
	char path[96];
	double seen, age, sent, recv, so, si, ls, lr;
	int null_seen, null_age, nl;
	int rc;

	if (!role)
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "inspection: network.sockets[%zu].role is missing", i);
	memset(g, 0, sizeof(*g));
	g->outbound = strcmp(role, "outbound") == 0;
	g->listening = strcmp(role, "listen") == 0;
	g->pool = json_is_true(json_object_get(s, "pool_port_hint"));
	snprintf(path, sizeof(path), "sockets[%zu]", i);
	if ((rc = num_or_null(s, path, "seen_for_ms", 0, &seen, &null_seen, err)) ||
	    (rc = num_or_null(s, path, "process_age_ms", 0, &age, &null_age, err)))
		return rc;
	/* seen_for_ms is a lower bound of the age, process_age_ms an upper one: the lower when
	 * there is a history that has seen it for a while, else the process's age */
	g->age_ms = !null_seen && seen > 0 ? seen : age;
	if (!json_is_object(tcp))
		return 0; /* no counters (/proc/PID/net): the exchanges cannot be judged */
	g->has_tcp = 1;
	snprintf(path, sizeof(path), "network.sockets[%zu].tcp", i);
	if ((rc = num(tcp, path, "window_bytes_sent", &sent, err)) ||
	    (rc = num(tcp, path, "window_bytes_received", &recv, err)) ||
	    (rc = num(tcp, path, "window_segs_out", &so, err)) ||
	    (rc = num(tcp, path, "window_segs_in", &si, err)) ||
	    (rc = num_or_null(tcp, path, "last_send_ms", 1e12, &ls, &nl, err)) ||
	    (rc = num_or_null(tcp, path, "last_recv_ms", 1e12, &lr, &nl, err)))
		return rc;
	g->bytes = sent + recv;
	g->segs = so + si;
	g->last_ms = ls < lr ? ls : lr;
	return 0;
}

static int network(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	const json_t *socks = json_object_get(p, "sockets");
	double window_s, outbound = 0, small = 0, pool = 0, listening = 0, bytes = 0;
	int rc;

	if ((rc = num(p, "network", "window_s", &window_s, err)))
		return rc;
	if (!json_is_array(socks))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "inspection: network.sockets is missing or not an array");
	if (window_s <= 0)
		window_s = 1;
	for (size_t i = 0; i < json_array_size(socks); i++) {
		struct sock_fig g = { 0 };

		if ((rc = sock_fig(json_array_get(socks, i), i, &g, err)))
			return rc;
		listening += g.listening;
		bytes += g.bytes;
		if (!g.outbound)
			continue;
		outbound++;
		pool += g.pool;
		if (g.has_tcp && g.age_ms >= LONG_LIVED_MS &&
		    g.bytes / window_s <= 2 * SMALL_BYTES_PER_S && (g.segs > 0 || g.last_ms <= REGULAR_MS))
			small++;
	}
	put(f, CJD_EVFEAT_net_outbound, outbound);
	put(f, CJD_EVFEAT_net_small_regular, small);
	put(f, CJD_EVFEAT_net_pool_port, pool);
	put(f, CJD_EVFEAT_net_listening, listening);
	put(f, CJD_EVFEAT_net_log10_bytes_per_s, log10(1 + bytes / window_s));
	return 0;
}

static int memory(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	double nread, anon, thp, hugetlb;
	int rc;

	if ((rc = num(p, "memory", "processes_read", &nread, err)))
		return rc;
	if (nread <= 0)
		return 0;
	if ((rc = num(p, "memory", "anon_bytes", &anon, err)) ||
	    (rc = num(p, "memory", "anon_thp_bytes", &thp, err)) ||
	    (rc = num(p, "memory", "hugetlb_bytes", &hugetlb, err)))
		return rc;
	put(f, CJD_EVFEAT_mem_anon_log2_mib, log2(1 + (anon + hugetlb) / 1048576.0));
	put(f, CJD_EVFEAT_mem_huge_share, share(thp + hugetlb, anon + hugetlb));
	return 0;
}

static int stratum(const json_t *p, struct cjd_evfeat *f, struct cjd_error *err)
{
	const json_t *markers = json_object_get(p, "markers");
	double scanned, with2;
	int rc;

	if ((rc = num(p, "stratum", "processes_scanned", &scanned, err)))
		return rc;
	if (scanned <= 0)
		return 0; /* no memory read: nothing measured */
	/* a pool conversation (two markers, one specific to pools); traces recorded before
	 * that count existed have only the processes with two markers of any kind */
	const char *conv = json_object_get(p, "processes_with_conversation")
				   ? "processes_with_conversation"
				   : "processes_with_2_markers";
	if ((rc = num(p, "stratum", conv, &with2, err)))
		return rc;
	if (!json_is_array(markers))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0,
				     "inspection: stratum.markers is missing or not an array");
	put(f, CJD_EVFEAT_st_markers, (double)json_array_size(markers));
	put(f, CJD_EVFEAT_st_processes, with2);
	return 0;
}

int cjd_evfeat_from_json(const json_t *inspection, struct cjd_evfeat *out, struct cjd_error *err)
{
	static int (*const probes[])(const json_t *, struct cjd_evfeat *, struct cjd_error *) = {
		fpstate, codesample, network, memory, stratum
	};
	static const char *const names[] = { "fpstate", "codesample", "network", "memory",
					      "stratum" };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(inspection))
		return cjd_error_set(err, -EINVAL, NULL, 0, 0, "inspection: not a JSON object");
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const json_t *p = ran(inspection, names[i]);

		if (p && (rc = probes[i](p, out, err))) {
			memset(out, 0, sizeof(*out));
			return rc;
		}
	}
	return 0;
}

int cjd_evfeat_to_json(const struct cjd_evfeat *f, json_t **out)
{
	json_t *o = json_object();

	*out = NULL;
	if (!o)
		return -ENOMEM;
	for (unsigned i = 0; i < CJD_EVFEAT__COUNT; i++) {
		if (!(f->present & (UINT64_C(1) << i)))
			continue;
		if (json_object_set_new(o, cjd_evfeat_name(i), json_real(f->v[i]))) {
			json_decref(o);
			return -ENOMEM;
		}
	}
	*out = o;
	return 0;
}
