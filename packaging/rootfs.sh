# Sourced by packaging/build-image and tests/docker_lib.sh: puts a program and the shared libraries
# it loads into a directory that becomes a container's root filesystem (no registry, no base image).

# cjd_rootfs_add_binary BINARY DIR [PATH]: copies BINARY to DIR/PATH (default: its own path) and
# every shared library ldd names (with the dynamic loader) into DIR at their own paths. A library
# DIR already holds is left alone, so a root filesystem from debootstrap keeps its packaged copies.
cjd_rootfs_add_binary() {
	_bin=$1 _dir=$2 _to=${3:-$1}
	mkdir -p "$_dir$(dirname "$_to")" || return 1
	cp -L "$_bin" "$_dir$_to" || return 1
	# "libx.so => /lib/.../libx.so (0x...)" and "\t/lib64/ld-linux-x86-64.so.2 (0x...)"
	ldd "$_bin" | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r _lib; do
		[ -e "$_dir$_lib" ] && continue
		mkdir -p "$_dir$(dirname "$_lib")" && cp -L "$_lib" "$_dir$_lib" || exit 1
	done
}
