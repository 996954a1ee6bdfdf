/* Test workload for the stratum probe: a process holding a received pool message (or an ordinary JSON-RPC one) in a heap buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Usage: evidence_poolmsg job|jsonrpc|churn. Prints "ready" once its memory
 * holds the message and sleeps until killed.
 *   job      a CryptoNote stratum job, as a pool sends it to XMRig, in a
 *            malloc'd buffer:
 *            {"method":"job","params":{"blob":"0707d6...(152 hex digits)","job_id":"1",
 *             "target":"b88d0600","algo":"rx/0","height":3141592,"seed_hash":"63ba..."}}
 *   jsonrpc  an ordinary JSON-RPC 2.0 message instead (a language server's
 *            textDocument/didOpen)
 *   churn    the job, plus 48 resident anonymous 1 MiB mappings to read; exits
 *            20 ms after "ready", while a scan is likely under way
 *   bulk N   the job, plus N resident anonymous 1 MiB regions that stay (the
 *            cost the stratum probe's bounds allow: bench/evidence-probes); a
 *            PROT_NONE MiB between two keeps the kernel from merging them into
 *            one region over the probe's per-region bound
 * The program keeps each message with every byte shifted up by one, decoded
 * at run time: the plain text exists only in the heap, the one place the
 * probe should find it (never in .rodata, which it must not read anyway).
 */

static const char job_shifted[] =
	"|#nfuipe#;#kpc#-#qbsbnt#;|#cmpc#;#1818e7ec:bc6167gcb2:d2f4c6b1d7f2f44ef:e3c21818e7ec:bc6"
	"167gcb2:d2f4c6b1d7f2f44ef:e3c21818e7ec:bc6167gcb2:d2f4c6b1d7f2f44ef:e3c21818e7ec:bc6167g"
	"cb2:d2f4c6#-#kpc`je#;#2#-#ubshfu#;#c99e1711#-#bmhp#;#sy01#-#ifjhiu#;42526:3-#tffe`ibti#;"
	"#74cb5e7g9bd2f7d62f4e3f3d63cb5f3:e9b8d8f7f1b2c3d4e5f6g718293:4b5c#~~";
static const char rpc_shifted[] =
	"|#ktposqd#;#3/1#-#nfuipe#;#ufyuEpdvnfou0ejePqfo#-#qbsbnt#;|#ufyuEpdvnfou#;|#vsj#;#gjmf;000i"
	"pnf0v0tsd0nbjo/d#-#mbohvbhfJe#;#d#-#wfstjpo#;2-#ufyu#;#jou!nbjo)wpje*!|!sfuvso!1<!~#~~~";

/* The message, each byte shifted back, in a new heap buffer. */
static char *decode(const char *shifted)
{
	size_t n = strlen(shifted);
	char *buf = malloc(n + 1);

	if (!buf)
		exit(1);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(shifted[i] - 1);
	buf[n] = '\0';
	return buf;
}

/* n resident 1 MiB read-write regions, each followed by a PROT_NONE MiB. */
static int bulk(long n)
{
	const size_t mib = 1 << 20;
	char *m = mmap(NULL, 2 * mib * (size_t)n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return -1;
	for (long i = 0; i < n; i++) {
		char *r = m + 2 * mib * (size_t)i;
		if (mprotect(r, mib, PROT_READ | PROT_WRITE))
			return -1;
		memset(r, (int)(i % 250) + 1, mib);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	volatile char *msg;
	char *end = NULL;
	long n = !strcmp(mode, "bulk") && argc > 2 ? strtol(argv[2], &end, 10) : 0;

	if (strcmp(mode, "job") && strcmp(mode, "jsonrpc") && strcmp(mode, "churn") &&
	    (strcmp(mode, "bulk") || !end || *end || n < 0 || n > 65536)) {
		fprintf(stderr, "usage: %s job|jsonrpc|churn|bulk MIB (0..65536)\n", argv[0]);
		return 2;
	}
	msg = decode(strcmp(mode, "jsonrpc") ? job_shifted : rpc_shifted);
	if (n && bulk(n)) {
		perror("evidence_poolmsg: mmap");
		return 1;
	}
	if (!strcmp(mode, "churn"))
		for (int i = 0; i < 48; i++) {
			char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				return 1;
			memset(m, i + 1, 1 << 20); /* resident: a read copies real pages */
		}
	fputs("ready\n", stdout);
	fflush(stdout);
	if (!strcmp(mode, "churn")) {
		usleep(20000);
		return msg[0] == '{' ? 0 : 1;
	}
	for (;;)
		pause();
}
