# Per-file ISA flags for the SIMD tiers: only the named file is compiled for its ISA,
# so nothing else in the tree can execute an instruction the CPU may lack. Which tiers
# exist follows the target architecture (CMAKE_SYSTEM_PROCESSOR, which a toolchain file
# such as cmake/toolchain-aarch64.cmake sets): the x86 tiers on x86, NEON on arm64, and
# the portable scalar tier everywhere. detector/kernels.h makes the same choice from the
# compiler's own macros, so a disagreement fails the link instead of shrinking the table.
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _cjd_processor)
if(_cjd_processor MATCHES "^(x86_64|amd64|x64|i[3-6]86|x86)$")
  set(CJD_ISA_TIERS sse42 avx2 avx512)
elseif(_cjd_processor MATCHES "^(aarch64|arm64)$")
  set(CJD_ISA_TIERS neon)
else()
  set(CJD_ISA_TIERS "")
endif()
list(JOIN CJD_ISA_TIERS " " _cjd_tiers)
message(STATUS "cjd: SIMD tiers for ${CMAKE_SYSTEM_PROCESSOR}: scalar ${_cjd_tiers}")

# Every kernel file: no fused multiply-add contraction, so that every tier rounds as the
# scalar reference does (AArch64 has FMA in its baseline, and clang contracts by
# default); -fno-math-errno lets sqrtf compile to one instruction (it changes no result);
# -O3 in optimised builds (the baseline is "scalar at -O3 without auto-vectorisation").
set(CJD_ISA_COMMON_FLAGS -ffp-contract=off -fno-math-errno
    "$<$<CONFIG:Release,RelWithDebInfo>:-O3>")
set(CJD_ISA_FLAGS_scalar "-fno-tree-vectorize")
set(CJD_ISA_FLAGS_sse42 "-msse4.2")
set(CJD_ISA_FLAGS_avx2 "-mavx2;-mfma")
set(CJD_ISA_FLAGS_avx512 "-mavx512f;-mavx512dq;-mavx512vl;-mavx512bw;-mfma")
# Advanced SIMD is part of the AArch64 baseline: no flag needed.
set(CJD_ISA_FLAGS_neon "")
# Baseline ISA with the compiler's auto-vectoriser left on: not a dispatch tier, only
# the benchmark's "plain -O3 scalar" comparison point.
set(CJD_ISA_FLAGS_autovec "-ftree-vectorize")

# cjd_isa_source(<file> <isa>): compile <file> with the flags of <isa>.
function(cjd_isa_source file isa)
  if(NOT DEFINED CJD_ISA_FLAGS_${isa})
    message(FATAL_ERROR "unknown ISA tier '${isa}' for ${file}")
  endif()
  set_source_files_properties(${file} PROPERTIES
    COMPILE_OPTIONS "${CJD_ISA_FLAGS_${isa}};${CJD_ISA_COMMON_FLAGS}")
endfunction()

# cjd_isa_kernels(<target> <prefix>...): adds <prefix>_scalar.c and <prefix>_<tier>.c for
# every tier of the target architecture, each with its flags. A missing file is an error.
function(cjd_isa_kernels target)
  foreach(prefix ${ARGN})
    foreach(isa scalar ${CJD_ISA_TIERS})
      set(file ${CMAKE_CURRENT_SOURCE_DIR}/${prefix}_${isa}.c)
      target_sources(${target} PRIVATE ${file})
      cjd_isa_source(${file} ${isa})
    endforeach()
  endforeach()
endfunction()
