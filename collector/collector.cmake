# cjd_collector: perf_event counters per cgroup (libpfm4 for encodings, libcgroup for mounts).
add_library(cjd_collector STATIC
  ${CMAKE_CURRENT_LIST_DIR}/backend_perf.c
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_mount.c
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_run.c
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_scan.c
  ${CMAKE_CURRENT_LIST_DIR}/cgroup_table.c
  ${CMAKE_CURRENT_LIST_DIR}/collector.c
  ${CMAKE_CURRENT_LIST_DIR}/cpus.c
  ${CMAKE_CURRENT_LIST_DIR}/event_plan.c
  ${CMAKE_CURRENT_LIST_DIR}/groupread.c
  ${CMAKE_CURRENT_LIST_DIR}/pfm_encode.c
  ${CMAKE_CURRENT_LIST_DIR}/pmu_probe.c
  ${CMAKE_CURRENT_LIST_DIR}/procfs.c
  ${CMAKE_CURRENT_LIST_DIR}/sys_perf.c)
target_include_directories(cjd_collector PUBLIC ${PROJECT_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cjd_collector PUBLIC cjd_common cjd::pfm cjd::cgroup cjd::cap)
