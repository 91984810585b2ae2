#!/bin/bash
# bench/flood.sh — admission control under a flood (docs/operating.md "Worker pools"):
# figures, never pass/fail.  For each of the shipped lighttpd config and the
# shipped nginx config with the spawn-fcgi pools (leadgate-fcgi@.service's
# command line), on one machine:
#   baseline  8 validators poll their epoch's leads, signed, ten times a
#             second each (bench/flood), alone
#   flood     the same while 64 connections of miners submit leads as fast
#             as they are answered and 64 more read public endpoints; the
#             8 validators (leadgate-sim, honest) fetch and commit, then
#             reveal, under it
# and the store and log checked after: every lead a miner was told was
# accepted is in the log, the chain verifies.  The leadgate.conf is the
# shipped one but for the epoch's length and the quotas (miners may submit
# as often as they like; the per-hotkey buckets and the pools decide).
# The flood's clients run at nice 19: on a real network they are other
# machines, here they share its cores with the gateway.
#
#   bench/flood.sh [BUILD_DIR]      (./quickstart.sh bench runs it)
# Environment: DURATION seconds per phase (10), MINERS (64), READERS (64).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$src/_build/werror}" && pwd)
duration=${DURATION:-10}
miners=${MINERS:-64}
readers=${READERS:-64}

for tool in lighttpd nginx spawn-fcgi multiwatch curl jq; do
	command -v $tool > /dev/null || { echo "flood: $tool is missing (./quickstart.sh bench installs it)"; exit 1; }
done
for p in leadgate.fcgi leadgate-sim leadgate-sync leadgate-prefetch leadgate-close leadgate-admin bench/flood; do
	[ -x "$bin/$p" ] || { echo "flood: $bin/$p is not built"; exit 1; }
done
grep -q '^FAULT_INJECTION = yes' "$bin/Makefile" ||
	{ echo "flood: the build moves the store's clock: configure with --enable-fault-injection"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/leadgate-flood-XXXXXX")
chmod 755 "$W"
servers=()
stop_all() {
	local p
	for p in "${servers[@]}"; do kill "$p" 2> /dev/null || true; done
	sleep 0.5
	rm -rf "$W"
}
trap stop_all EXIT

. "$src/bench/lib.sh"

# a fresh store, its clock at block 0, the cast imported
setup() {
	rm -rf "$W/store" "$W/sim" "$W/run"
	mkdir -p "$W/run" "$W/www"
	cp -r "$src/www/." "$W/www/"
	cp "$bin/leadgate.fcgi" "$W/leadgate.fcgi"
	cat > "$W/leadgate.conf" <<-EOF
	store_dir = $W/store
	map_size = 1073741824
	epoch_length = 100
	distribution_end = 80
	commit_end = 85
	prefetch_start = 86
	reveal_end = 9
	rate_submissions_per_day = 10000000
	rate_submissions_per_epoch = 10000000
	submit_cooldown = 0
	gateway_key = $W/gateway.key
	EOF
	export LEADGATE_CONF=$W/leadgate.conf
	"$bin/leadgate-admin" init > /dev/null
	[ -f "$W/gateway.key" ] || "$bin/leadgate-admin" keygen --gateway > /dev/null
	clock "$(date +%s)"
	"$bin/leadgate-sim" init "$W/sim" --miners 32 --block 180 \
		--validators honest,honest,honest,honest,honest,honest,honest,honest > /dev/null
	"$bin/leadgate-sync" "$W/sim/snapshot.json" > /dev/null
}
# the store's clock moved to a block and running on from there, so that
# the hotkeys' buckets refill as they would
clock() { printf 'clock=%s\n' "$1" > "$W/store/faults.tmp" && mv "$W/store/faults.tmp" "$W/store/faults"; }
at_block() {
	local t
	t=$("$bin/leadgate-admin" now --block "$1")
	printf 'clock_offset=%s\n' $((t - $(date +%s))) > "$W/store/faults.tmp" && mv "$W/store/faults.tmp" "$W/store/faults"
}

start_lighttpd() {
	port=$(free_port)
	base=http://127.0.0.1:$port
	LEADGATE_BIND=127.0.0.1 LEADGATE_PORT=$port LEADGATE_WWW="$W/www" LEADGATE_FCGI="$W/leadgate.fcgi" \
	LEADGATE_RUN="$W/run" lighttpd -D -f "$src/fcgi/lighttpd.conf" 2> "$W/run/lighttpd.stderr" &
	servers+=($!)
	wait_http "$base/"
}

# nginx with the shipped site, per-address limits and all (bench/flood sends
# each participant from its own loopback address), and the four pools as
# leadgate-fcgi@.service starts them
start_nginx() {
	spawn_pools "$W/run" 2 "$W/leadgate.fcgi"
	servers+=("${spawned_pids[@]}")
	spawned_pids=()
	port=$(free_port)
	base=http://127.0.0.1:$port
	nginx_config "$W/run" "$port" "$W/www"
	nginx -p "$W/run" -e "$W/run/nginx-error.log" -c "$W/run/nginx.conf" -g 'daemon off;' 2> "$W/run/nginx.stderr" &
	servers+=($!)
	wait_http "$base/"
}

stop_servers() {
	local p
	for p in "${servers[@]}"; do kill "$p" 2> /dev/null || true; done
	for p in "${servers[@]}"; do wait "$p" 2> /dev/null || true; done
	servers=()
}

# phase NAME EPOCH MINERS READERS [BLOCK...]: the flood for DURATION
# seconds; at each BLOCK (moved to about evenly) one leadgate-sim tick
phase() {
	local name=$1 epoch=$2 m=$3 r=$4 b
	shift 4
	rm -f "$W/stop"
	mkdir -p "$W/out-$name/v"
	"$bin/bench/flood" "$W/sim" "$base" "$epoch" 8 0 0 "$W/stop" "$W/out-$name/v" > "$W/out-$name/v.txt" 2>&1 &
	local vpid=$! fpid=
	if [ "$m$r" != 00 ]; then
		mkdir -p "$W/out-$name/f"
		nice -n 19 "$bin/bench/flood" "$W/sim" "$base" "$epoch" 0 "$m" "$r" "$W/stop" "$W/out-$name/f" \
			> "$W/out-$name/f.txt" 2>&1 &
		fpid=$!
	fi
	sleep 1
	for b in "$@"; do
		at_block "$b"
		"$bin/leadgate-sim" tick "$W/sim" "$base" --timings "$W/out-$name/timings" >> "$W/out-$name/sim.txt" 2>&1 || true
	done
	sleep "$duration"
	touch "$W/stop"
	wait $vpid || true
	if [ -n "$fpid" ]; then wait "$fpid" || true; fi
}
line() { sed -n "s/^flood: $2 //p" "$W/out-$1/$3.txt"; }
p99_of() { line "$1" validator v | sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p'; }

run_server() {
	local who=$1
	setup
	"start_$who"
	at_block 180
	"$bin/leadgate-sim" tick "$W/sim" "$base" > /dev/null 2>&1 || true
	at_block 186
	"$bin/leadgate-prefetch" > /dev/null
	at_block 200
	phase "$who-base" 2 0 0
	phase "$who-flood" 2 "$miners" "$readers" 200
	at_block 286
	"$bin/leadgate-prefetch" > /dev/null
	phase "$who-reveal" 3 "$miners" "$readers" 300
	at_block 310
	"$bin/leadgate-close" > /dev/null
	local results revealed accepted logged missing
	results=$(curl -s "$base/v1/epoch/2/results")
	revealed=$(echo "$results" | jq '[.validators[] | select(.revealed)] | length')
	: > "$W/logged"
	local after=0 next
	while :; do
		curl -s "$base/v1/log?after=$after&limit=500" > "$W/page.json"
		jq -r '.entries[] | select(.entry.type == "LEAD_SUBMITTED") | .entry.payload.lead_id' "$W/page.json" >> "$W/logged"
		next=$(jq -r '.entries[-1].seq // empty' "$W/page.json")
		[ -z "$next" ] && break
		after=$next
	done
	cat "$W"/out-"$who"-*/f/accepted-* 2> /dev/null | sort -u > "$W/accepted"
	accepted=$(wc -l < "$W/accepted")
	missing=$(sort -u "$W/logged" | comm -23 "$W/accepted" - | wc -l)
	local chain=verified
	"$bin/leadgate-admin" status > /dev/null || chain=BROKEN
	stop_servers

	echo "$who ($(nproc) cores, ${duration} s a phase, $miners miner and $readers reader connections):"
	echo "  validators alone   $(line "$who-base" validator v)"
	echo "  validators, flood  $(line "$who-flood" validator v)"
	echo "  miners, flood      $(line "$who-flood" miner f)"
	echo "  readers, flood     $(line "$who-flood" reader f)"
	echo "  validators' p99 under the flood / alone: $(awk -v a="$(p99_of "$who-flood")" -v b="$(p99_of "$who-base")" \
		'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0) }')   [<= 2]"
	awk -F'\t' '$1 == "honest" { n[$2]++; if ($3 == 200) ok[$2]++; if ($4 > max[$2]) max[$2] = $4 }
		END { for (a in n) printf "  leadgate-sim under the flood: %s %d/%d answered 200, slowest %.1f ms\n", a, ok[a], n[a], max[a] * 1000 }' \
		"$W/out-$who-flood/timings" "$W/out-$who-reveal/timings" | sort
	echo "  epoch 2 closed with $revealed of 8 validators' reveals"
	echo "  $accepted leads accepted during the floods, $missing of them missing from the log; chain $chain"
}

run_server lighttpd
echo
run_server nginx
