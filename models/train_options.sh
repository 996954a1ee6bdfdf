# The options the shipped models are trained with (sourced by models/build.sh and by
# tests/models/reproduce.sh, which retrains all three and compares them byte for byte).
# models/README.md explains each choice; change them together with it. The option lists
# hold globs for cjd (--drop '*.ac1'): expand them with pathname expansion off (set -f).

VERSION="2026.11.26"

# Miners and benign workloads of the base corpus (models/workloads/<name>.sh). The evasion
# workloads (evade-*) are never trained on.
MINERS="sha256d scrypt argon2id randomx-light randomx-interp randomx-fast randomx-throttled scrypt-throttled \
cryptonight"
BENIGN="sha256sum b2sum openssl-sha256 openssl-aes-gcm gzip xz zstd cc sqlite python sort bc idle sleep nginx mix argon2-passwords \
perl lua numeric numeric-fastmath interval"
# Thread-count variants, recorded in real mode only (the simulator runs all threads on one
# core, so their simulated traces would be their base workloads'): one-thread miners and
# two-thread benign jobs, so that "uses more than one CPU" cannot pass for "mines"; and (the
# last two) hashing families with no simulated trace.
MINERS_REAL_ONLY="sha256d-1t randomx-light-1t argon2id-1t cryptonight-1t \
blake2b keccak-solo stratum1-py"
# ... and benign programs that have no simulated trace: JIT runtimes (valgrind runs the JVM and
# V8 poorly), and jobs whose cost is start-up, other processes or a server.
BENIGN_REAL_ONLY="xz-t2 zstd-t2 openssl-sha256-multi2 cc-j2 \
ruby php tcl node java openssl-genrsa gmp stress-ng make-j2 cxx lame x264 postgres heartbeat \
roundsweep node-crypto openssl-speed-mix mqtt-fastmath rpc-worker"
# (blake2b, keccak-solo and the benign roundsweep to mqtt-fastmath above were HELD OUT: written
# and recorded after the verdict rule, and measured with it and the learned verdict as they were
# before being added here; models/README.md, "HELD-OUT". keccak-solo mines with no network at
# all. stratum1-py (a Python stratum v1 miner) and rpc-worker (a batch worker speaking JSON-RPC
# with a job queue's words) came with the stratum probe's pool-conversation test, 2026-12-04.)

# Workloads scripted and recorded by models/build.sh whose traces are not in models/data/ yet,
# so the shipped models are not trained on them: issue 11's additions, to be recorded with the
# evidence probes (cjd record --evidence) on a quiet machine. Empty this once their traces are
# committed, and retrain (models/build.sh --train-only); until then tests/models/reproduce.sh
# needs it as it is, and tests/models/corpus_traces.sh notes their traces as missing.
# (2026-12-03: each has a 40 s recording WITH evidence in models/evidence/, made on a loaded
# machine for the verdict's evaluation; the screening models are not retrained on them:
# models/README.md, "The corpus with evidence".)
UNTRAINED="cryptonight cryptonight-1t perl lua numeric numeric-fastmath interval \
ruby php tcl node java openssl-genrsa gmp stress-ng make-j2 cxx lame x264 postgres heartbeat \
blake2b keccak-solo roundsweep node-crypto openssl-speed-mix mqtt-fastmath stratum1-py rpc-worker"
# The RandomX container evasion (issue 13, evade-ctr4-randomx-light.sh) is scripted but its
# trace is not committed yet either (an evaluation trace: no model is trained on evade-*).
UNTRAINED="$UNTRAINED evade-ctr4-randomx-light"
# trained W...: the workloads W that are not UNTRAINED.
trained() {
	for w in "$@"; do case " $(echo $UNTRAINED) " in *" $w "*) ;; *) printf '%s ' "$w" ;; esac; done
}

# Hardware model: the simulated corpus at its own sample sizes and summed to 20 ms and
# 50 ms of simulated time (real agents sample far coarser than simrecord's ~3 ms); the
# score may only rise with CPU utilisation (an idle cgroup is never more suspicious than a
# busy one with the same instruction mix).
HW_TRAIN=$(trained $MINERS $BENIGN)
HW_OPTS="--features hw --kind gbdt --seed 1 --intervals native,20ms,50ms \
--increasing cpu_util.mean --increasing cpu_util.min --increasing cpu_util.max"
HW_DESC="Hardware-event model trained on SIMULATED counts (cjd simrecord: real programs under callgrind's cache and branch models), not on silicon; retrain on a host with a PMU (models/README.md)."

# Software model: full-speed miners only (a throttled miner's samples are those of a
# compressor reading a pipe: training on them teaches the model to flag compressors; they
# are evaluated, not trained on); the recorded 100 ms samples and their sums to 200 ms,
# 500 ms and 1 s; no context-switch or migration rates (on a shared host they measure the
# neighbours, not the cgroup); monotone: more CPU, fewer syscalls and page faults, flatter
# use are never less suspicious; benign windows weigh half and the threshold stays at 0.5
# (calibrating to 0.1 % benign FPR would also silence miners, which in software events look
# exactly like a CPU-bound benign job: see models/README.md).
SW_TRAIN=$(trained sha256d scrypt argon2id randomx-light randomx-interp randomx-fast cryptonight \
	$MINERS_REAL_ONLY $BENIGN $BENIGN_REAL_ONLY)
SW_OPTS="--features sw --kind gbdt --seed 1 --intervals native,200ms,500ms,1s \
--drop ctxsw_per_cpu_s.* --drop migr_per_cpu_s.* --drop *.ac1 \
--increasing cpu_util.mean --increasing cpu_util.min --increasing cpu_util.max \
--decreasing cpu_util.std --decreasing cpu_util.cv \
--decreasing syscall_per_cpu_s.* --decreasing pgflt_per_cpu_s.* \
--benign-weight 0.5 --target-fpr 0.3 --target-fpr-low 0.4"
SW_DESC="Software-event model: flags sustained compute consistent with mining; cannot tell a CPU-bound benign job from a miner reliably (models/README.md)."

# Software model without system calls, for hosts where raw_syscalls:sys_enter cannot be counted
# (tracefs not mounted and cjd not allowed to mount it: a container without CAP_SYS_ADMIN).
# The same recipe as SW_OPTS with the syscall features dropped (their --decreasing constraint
# goes with them); the agent picks it only when syscalls are missing (models/README.md).
SW_NOSYS_TRAIN="$SW_TRAIN"
SW_NOSYS_OPTS="--features sw --kind gbdt --seed 1 --intervals native,200ms,500ms,1s \
--drop ctxsw_per_cpu_s.* --drop migr_per_cpu_s.* --drop *.ac1 --drop syscall_per_cpu_s.* \
--increasing cpu_util.mean --increasing cpu_util.min --increasing cpu_util.max \
--decreasing cpu_util.std --decreasing cpu_util.cv \
--decreasing pgflt_per_cpu_s.* \
--benign-weight 0.5 --target-fpr 0.3 --target-fpr-low 0.4"
SW_NOSYS_DESC="Software-event model WITHOUT system calls, for hosts where raw_syscalls:sys_enter cannot be counted: task-clock and page faults only; weaker than sw-default (models/README.md)."
