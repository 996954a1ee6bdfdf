# cjd_detector: the feature table, SIMD kernels (one file per ISA), window engine,
# classifier, alert state machine and detector core.
add_library(cjd_detector STATIC
  ${CMAKE_CURRENT_LIST_DIR}/features_table.c
  ${CMAKE_CURRENT_LIST_DIR}/features_dispatch.c
  ${CMAKE_CURRENT_LIST_DIR}/features_scalar.c
  ${CMAKE_CURRENT_LIST_DIR}/features_scalar_o3.c
  ${CMAKE_CURRENT_LIST_DIR}/features_sse42.c
  ${CMAKE_CURRENT_LIST_DIR}/features_avx2.c
  ${CMAKE_CURRENT_LIST_DIR}/features_avx512.c
  ${CMAKE_CURRENT_LIST_DIR}/window.c
  ${CMAKE_CURRENT_LIST_DIR}/featurizer.c
  ${CMAKE_CURRENT_LIST_DIR}/model_load.c
  ${CMAKE_CURRENT_LIST_DIR}/model_predict.c
  ${CMAKE_CURRENT_LIST_DIR}/model_gbdt_scalar.c
  ${CMAKE_CURRENT_LIST_DIR}/model_gbdt_avx2.c
  ${CMAKE_CURRENT_LIST_DIR}/model_gbdt_avx512.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_state.c
  ${CMAKE_CURRENT_LIST_DIR}/detector.c
  ${CMAKE_CURRENT_LIST_DIR}/bench.c)
# No -I for this folder: features.h would shadow glibc's <features.h>. Files here
# include each other with quotes (same folder); tests use -iquote.
target_include_directories(cjd_detector PUBLIC ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(cjd_detector PUBLIC cjd_common cjd::jansson ${CJD_LIBM} Threads::Threads)

# Kernels: the ISA flags of their tier, and -O3 in optimised builds (the issue's
# baseline is "scalar at -O3 without auto-vectorisation"). -fno-math-errno lets
# sqrtf compile to one instruction; it changes no result.
foreach(pair features_scalar:scalar features_scalar_o3:autovec features_sse42:sse42
             features_avx2:avx2 features_avx512:avx512 model_gbdt_scalar:scalar
             model_gbdt_avx2:avx2 model_gbdt_avx512:avx512)
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 file)
  list(GET pair 1 isa)
  cjd_isa_source(${CMAKE_CURRENT_LIST_DIR}/${file}.c ${isa})
  set_property(SOURCE ${CMAKE_CURRENT_LIST_DIR}/${file}.c APPEND PROPERTY COMPILE_OPTIONS
               "$<$<CONFIG:Release,RelWithDebInfo>:-O3>" -fno-math-errno)
endforeach()
