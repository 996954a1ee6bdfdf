# cjd_publish: the alert schema serializer, journal, ZeroMQ publisher, CURVE/ZAP and subscriber formats.
add_library(cjd_publish STATIC
  ${CMAKE_CURRENT_LIST_DIR}/publish_jw.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_json.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_status_json.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_id.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_procs.c
  ${CMAKE_CURRENT_LIST_DIR}/alert_format.c
  ${CMAKE_CURRENT_LIST_DIR}/journal.c
  ${CMAKE_CURRENT_LIST_DIR}/journal_read.c
  ${CMAKE_CURRENT_LIST_DIR}/curve_keys.c
  ${CMAKE_CURRENT_LIST_DIR}/curve_zap.c
  ${CMAKE_CURRENT_LIST_DIR}/publish_zmq.c)
# No -I for this folder: detector/features.h would shadow glibc's <features.h>; files here
# include each other with quotes.
target_link_libraries(cjd_publish PUBLIC cjd_common cjd::zmq cjd::jansson Threads::Threads)
