/* The reference kernels again, at plain -O3 with auto-vectorisation on: the benchmark's compiler-only row. */
#define CJD_FX_TIER scalar_o3
#include "features_scalar.c"
