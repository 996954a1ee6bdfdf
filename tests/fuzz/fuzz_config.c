/* Fuzz target: the configuration loader (strict JSON, located errors). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_config cfg;
	struct cjd_error err;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	if (cjd_config_defaults(&cfg) == 0) {
		if (cjd_config_load_string(&cfg, "fuzz.json", text, &err) == 0 &&
		    (cfg.interval_ns < 10000000ull || cfg.endpoints.n == 0))
			abort(); /* a loaded config always satisfies the table's rules */
		cjd_config_release(&cfg);
	}
	free(text);
	return 0;
}
