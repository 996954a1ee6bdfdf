# cjd_simpmu: the simulated PMU (a program run under valgrind's callgrind -> hardware-style samples).
add_library(cjd_simpmu STATIC
  ${CMAKE_CURRENT_LIST_DIR}/simpmu_dump.c
  ${CMAKE_CURRENT_LIST_DIR}/simpmu_meta.c
  ${CMAKE_CURRENT_LIST_DIR}/simpmu_model.c
  ${CMAKE_CURRENT_LIST_DIR}/simpmu_run.c)
target_include_directories(cjd_simpmu PUBLIC ${PROJECT_SOURCE_DIR}/include
                                      PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cjd_simpmu PUBLIC cjd_common)
