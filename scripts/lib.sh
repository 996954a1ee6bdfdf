# Shared by scripts/test and scripts/run: install missing Debian packages, configure, build.
# Sourced, not run.

CJD_ROOT=$(cd "$(dirname "$0")/.." && pwd)

cjd_say() { printf '==> %s\n' "$*" >&2; }
cjd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs every package of scripts/packages.txt that dpkg does not list as installed.
cjd_install_packages() {
	missing=""
	for p in $(sed 's/#.*//' "$CJD_ROOT/scripts/packages.txt"); do
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

# cjd_build <build-dir> <build-type> [extra cmake args...]
cjd_build() {
	dir=$1; type=$2; shift 2
	cjd_say "configuring $dir ($type)"
	cmake -S "$CJD_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DCJD_WERROR=ON "$@" >/dev/null \
		|| cjd_die "cmake configure failed"
	cjd_say "building"
	cmake --build "$dir" -j"$(nproc)" || cjd_die "build failed"
}
