# Per-file ISA flags for the SIMD tiers: only the named file is compiled for its ISA,
# so nothing else in the tree can execute an instruction the CPU may lack.
set(CJD_ISA_FLAGS_scalar "-fno-tree-vectorize")
set(CJD_ISA_FLAGS_sse42 "-msse4.2")
set(CJD_ISA_FLAGS_avx2 "-mavx2;-mfma")
set(CJD_ISA_FLAGS_avx512 "-mavx512f;-mavx512dq;-mavx512vl;-mavx512bw;-mfma")
# Baseline ISA with the compiler's auto-vectoriser left on: not a dispatch tier, only
# the benchmark's "plain -O3 scalar" comparison point.
set(CJD_ISA_FLAGS_autovec "-ftree-vectorize")

# cjd_isa_source(<file> <isa>): compile <file> with the flags of <isa>.
function(cjd_isa_source file isa)
  if(NOT DEFINED CJD_ISA_FLAGS_${isa})
    message(FATAL_ERROR "unknown ISA tier '${isa}' for ${file}")
  endif()
  set_source_files_properties(${file} PROPERTIES COMPILE_OPTIONS "${CJD_ISA_FLAGS_${isa}}")
endfunction()
