#!/bin/sh
# Benign: the JVM (HotSpot's C2 JIT: hot code in anonymous executable memory): two threads of collections,
# string building, BigInteger and double math.
# Usage: java.sh real   (see lib.sh)
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign java "${1:-}"
command -v javac >/dev/null 2>&1 || wl_die "javac is not installed (openjdk-17-jdk-headless)"
javac -d "$WL_TMP" "$WL_DIR/src/JavaLoop.java" || wl_die "javac failed"
# A fixed heap and two GC threads: the JVM's own defaults would depend on the host's size.
wl_record -- java -Xms256m -Xmx256m -XX:ParallelGCThreads=2 -cp "$WL_TMP" JavaLoop 2
