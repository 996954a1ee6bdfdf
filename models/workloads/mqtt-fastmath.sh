#!/bin/sh
# Benign: a -ffast-math numeric job (numkern-fastmath, 2 threads: FTZ/DAZ) reporting telemetry once a second to
# an MQTT broker (Debian mosquitto, in a network namespace) over one long-lived connection (mosquitto_pub -l,
# 30 s keep-alive), and listening for commands on another (mosquitto_sub).
# Usage: mqtt-fastmath.sh real   (see lib.sh; held out of the verdict's design: models/README.md, "HELD-OUT")
set -u
. "$(dirname "$0")/lib.sh"
wl_init benign mqtt-fastmath "${1:-}"
command -v mosquitto >/dev/null 2>&1 && command -v mosquitto_pub >/dev/null 2>&1 \
	|| wl_die "mosquitto and mosquitto-clients are needed"
wl_need_miner # builds numkern-fastmath
wl_netns_up
printf 'listener 1883 %s\nallow_anonymous true\npersistence false\n' "$WL_NS_IP" > "$WL_TMP/mosquitto.conf"
ip netns exec "$WL_NS" mosquitto -c "$WL_TMP/mosquitto.conf" >"$WL_TMP/broker.log" 2>&1 &
broker=$!
WL_CLEANUP="kill $broker 2>/dev/null; wait $broker 2>/dev/null"
wl_wait_port 1883 "$broker" "$WL_TMP/broker.log"
# The job, a command listener, and a telemetry loop publishing the job's CPU time once a second.
wl_record -- /bin/sh -c '
	"$0" 2 >/dev/null & job=$!
	mosquitto_sub -h "$1" -k 30 -t "jobs/$2/cmd" >/dev/null &
	while kill -0 $job 2>/dev/null; do
		printf "{\"job\":\"%s\",\"t\":%s,\"stat\":\"%s\"}\n" "$2" "$(date +%s)" \
			"$(cut -d" " -f14-15 /proc/$job/stat)"
		sleep 1
	done | mosquitto_pub -h "$1" -k 30 -t "jobs/$2/telemetry" -l' \
	"$WL_WORK/bin/numkern-fastmath" "$WL_NS_IP" mqtt-fastmath
wl_say "broker: $(grep -c 'New client connected' "$WL_TMP/broker.log") clients connected"
