# Shared by scripts/test and scripts/run: install missing Debian packages, configure, build.
# Sourced, not run.

CJD_ROOT=$(cd "$(dirname "$0")/.." && pwd)

cjd_say() { printf '==> %s\n' "$*" >&2; }
cjd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# cjd_install_packages [list]: installs every package of the list (default
# scripts/packages.txt) that dpkg does not list as installed.
cjd_install_packages() {
	list=${1:-$CJD_ROOT/scripts/packages.txt}
	missing=""
	for p in $(sed 's/#.*//' "$list"); do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	if [ -z "$missing" ]; then
		cjd_say "all Debian packages present"
		return 0
	fi
	cjd_say "installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq || cjd_die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing \
		|| cjd_die "apt-get install failed for:$missing"
}

# What an arm64 cross-build and its tests under qemu-user need (scripts/test --arm64): the
# arm64 architecture in dpkg, the packages of scripts/packages-arm64.txt, and qemu-aarch64
# registered with binfmt_misc so that arm64 programs the tests spawn run too. The mount and
# the registration are what booting a Debian system with qemu-user-static installed does.
cjd_setup_arm64() {
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		cjd_say "adding the arm64 architecture to dpkg (multiarch)"
		$SUDO dpkg --add-architecture arm64 || cjd_die "dpkg --add-architecture arm64 failed"
	fi
	cjd_install_packages "$CJD_ROOT/scripts/packages-arm64.txt"
	bm=/proc/sys/fs/binfmt_misc
	if [ ! -e "$bm/register" ]; then
		$SUDO mount -t binfmt_misc binfmt_misc "$bm" \
			|| cjd_die "cannot mount binfmt_misc at $bm (the arm64 tests spawn arm64 programs through it)"
	fi
	if ! head -1 "$bm/qemu-aarch64" 2>/dev/null | grep -qx enabled; then
		$SUDO update-binfmts --enable qemu-aarch64 \
			|| cjd_die "cannot register qemu-aarch64 with binfmt_misc"
	fi
}

# cjd_build <build-dir> <build-type> [extra cmake args...]
cjd_build() {
	dir=$1; type=$2; shift 2
	cjd_say "configuring $dir ($type)"
	cmake -S "$CJD_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DCJD_WERROR=ON "$@" >/dev/null \
		|| cjd_die "cmake configure failed"
	cjd_say "building"
	cmake --build "$dir" -j"$(nproc)" || cjd_die "build failed"
}
