/* Fuzz target: the evidence probes' /proc text parsers (/proc/PID/maps, /proc/net/{tcp,udp}[6], smaps_rollup, memory.stat) and the stratum marker search. */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cjd/evidence/memory.h"
#include "codesample_internal.h"
#include "network_internal.h"
#include "stratum_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The memory probe's parsers read a path: hand them the input through a memfd. */
static void memory_parsers(const char *text, size_t size, bool rollup)
{
	struct cjd_memory_rollup r;
	struct cjd_memory_stat st;
	struct cjd_error err;
	char path[64];
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, text, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (rollup) {
		(void)cjd_memory_parse_rollup(path, &r, &err); /* any sizes are allowed: no crash */
	} else if (cjd_memory_parse_stat(path, &st, &err) == 0 && st.version != 1 &&
		   st.version != 2) {
		abort(); /* a parsed memory.stat is v1 or v2 */
	}
	close(fd);
}

/* The stratum probe's maps line filter on the first line, and its search: reading in chunks
 * that overlap by cjd_stratum_overlap() finds exactly what one pass over the whole finds. */
static void stratum(const char *text, size_t size)
{
	const char *nl = memchr(text, '\n', size), *what = NULL;
	struct cjd_stratum_region r;
	size_t ov = cjd_stratum_overlap(), chunk = ov + 1 + size % 17;
	uint32_t whole = cjd_stratum_search(text, size, 0), parts = 0;

	if (cjd_stratum_maps_line(text, nl ? (size_t)(nl - text) : size, &r, &what) == 0 &&
	    r.start >= r.end)
		abort();
	for (size_t at = 0; at < size;) {
		size_t len = size - at < chunk ? size - at : chunk;
		parts = cjd_stratum_search(text + at, len, parts);
		at += len;
		if (at < size)
			at -= ov;
	}
	if (parts != whole)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_error err;

	if (size < 1)
		return 0;
	/* The first byte picks the parser; the rest is the file. */
	uint8_t pick = data[0];
	const char *text = (const char *)data + 1;
	size--;
	if (pick & 32)
		stratum(text, size);
	if (pick & 8) {
		memory_parsers(text, size, pick & 16);
	} else if (pick & 1) {
		struct cjd_maps m = {0};
		if (cjd_maps_parse(text, size, "/bin/x", "maps", &m, &err) == 0) {
			for (size_t i = 0; i < m.n; i++) {
				if (m.m[i].start >= m.m[i].end || (i && m.m[i].start < m.m[i - 1].end))
					abort(); /* the parser promises non-empty, ascending ranges */
				if (cjd_maps_find(&m, m.m[i].start) != &m.m[i])
					abort();
			}
		} else if (m.n || m.m) {
			abort(); /* left empty on error */
		}
		cjd_maps_release(&m);
	} else {
		struct cjd_net_list l = {0};
		int family = pick & 2 ? AF_INET6 : AF_INET, proto = pick & 4 ? IPPROTO_UDP : IPPROTO_TCP;
		if (cjd_procnet_parse(text, size, family, proto, "tcp", &l, &err) == 0)
			for (size_t i = 0; i < l.n; i++)
				if (l.e[i].state == 0 || l.e[i].state > 12)
					abort();
		cjd_net_list_release(&l);
	}
	return 0;
}
