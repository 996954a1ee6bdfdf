# Finds cjd's libraries and names the Debian package to install when one is missing.
include(FindPkgConfig)

# cjd_require_lib(<target> <header> <libnames> <debian-package>)
# Defines an IMPORTED target, or stops with the apt-get line that fixes it.
function(cjd_require_lib target header libnames package)
  find_path(${target}_INCLUDE_DIR ${header})
  find_library(${target}_LIBRARY NAMES ${libnames})
  if(NOT ${target}_INCLUDE_DIR OR NOT ${target}_LIBRARY)
    message(FATAL_ERROR
      "cjd needs ${header} and lib${libnames} (${target}).\n"
      "Install the Debian package: apt-get install ${package}\n"
      "(scripts/test and scripts/run do this for you.)")
  endif()
  add_library(${target} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION "${${target}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${target}_INCLUDE_DIR}")
  message(STATUS "cjd: ${target}: ${${target}_LIBRARY}")
endfunction()

# libpfm4 ships only a static libpfm.a in Debian, with no pkg-config file.
# Ask for the archive by its full name so a stray libpfm.so is never picked.
cjd_require_lib(cjd::pfm perfmon/pfmlib_perf_event.h libpfm.a libpfm4-dev)
cjd_require_lib(cjd::cgroup libcgroup.h cgroup libcgroup-dev)
cjd_require_lib(cjd::jansson jansson.h jansson libjansson-dev)
cjd_require_lib(cjd::zmq zmq.h zmq libzmq3-dev)
cjd_require_lib(cjd::zlib zlib.h z zlib1g-dev)
cjd_require_lib(cjd::cap sys/capability.h cap libcap-dev)
# The HTTP output (libcurl) and remote syslog over TLS (OpenSSL).
cjd_require_lib(cjd::curl curl/curl.h curl libcurl4-openssl-dev)
cjd_require_lib(cjd::ssl openssl/ssl.h ssl libssl-dev)
cjd_require_lib(cjd::crypto openssl/crypto.h crypto libssl-dev)
# The metrics HTTP server (/metrics, /healthz, /readyz); Debian builds it with GnuTLS (HTTPS).
cjd_require_lib(cjd::microhttpd microhttpd.h microhttpd libmicrohttpd-dev)
# Capstone decodes the hot code the code-sampling probe reads (x86-64 and arm64).
cjd_require_lib(cjd::capstone capstone/capstone.h capstone libcapstone-dev)
if(CJD_BUILD_TESTS)
  cjd_require_lib(cjd::cmocka cmocka.h cmocka libcmocka-dev)
endif()

find_library(CJD_LIBM m)
find_package(Threads REQUIRED)
# libcrypto (above) also serves the end-to-end test's SHA-256 nonce loop (a miner-shaped workload).
