# Cross-compiling cjd for arm64 (aarch64 Linux) with Debian's cross toolchain and multiarch
# -dev packages (gcc-aarch64-linux-gnu, libjansson-dev:arm64, ...; scripts/test --arm64
# installs them, builds into build-arm64/ and runs the unit tests under qemu-user):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

# Multiarch: arm64 libraries live in /usr/lib/aarch64-linux-gnu beside the host's, headers in
# /usr/include (shared: Multi-Arch "same" packages have the same version on both) and
# /usr/include/aarch64-linux-gnu. The cross gcc searches both; CMake's find_library needs the
# architecture to look in lib/aarch64-linux-gnu and never in the host's lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# Tests (add_test of an executable target) run through qemu-user on a non-arm64 host.
find_program(CJD_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CJD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CJD_QEMU_AARCH64})
endif()
