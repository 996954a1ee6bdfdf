/* Fuzz target: the model JSON loader (strict schema, located errors, flat arrays after load). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjd/detector/features_table.h"
#include "cjd/detector/model_load.h"
#include "cjd/detector/model_predict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cjd_model *m = NULL;
	struct cjd_error err;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	if (cjd_model_load_string(&m, "fuzz.json", text, size, &err) == 0) {
		/* a model that loads must score any finite input to a probability */
		static float x[CJD_FEATURES_MAX];
		size_t n = cjd_feature_count();
		for (size_t i = 0; i < n && i < CJD_FEATURES_MAX; i++)
			x[i] = (float)(i % 7) - 3.0f;
		float s = cjd_model_predict_one(m, x);
		if (!(s >= 0.0f && s <= 1.0f))
			abort();
		cjd_model_free(m);
	}
	free(text);
	return 0;
}
