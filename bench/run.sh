#!/bin/bash
# bench/run.sh — the epoch pipeline's benchmark (SPEC §12).  Figures and
# ratios, never pass/fail: every ratio is against a baseline measured in
# the same run, on the same machine, with the same worker count.
#
#   bench/run.sh [BUILD_DIR]      (./quickstart.sh bench runs it)
#
# One lighttpd (bench/lighttpd.conf = the shipped fcgi/lighttpd.conf plus
# the baselines) and one nginx (the shipped fcgi/nginx.conf, its
# per-address limits raised since every connection here comes from
# 127.0.0.1, with the spawn-fcgi pools of leadgate-fcgi@.service) serve:
#   static   the epoch's leads body as a static file
#   fixed    bench/fcgi-fixed: a bare fcgi2 responder writing that body from memory
#   leads    GET /v1/epoch/{E}/leads through leadgate.fcgi, RFC 9421-signed
#            with ed25519 keys, every request with a fresh nonce (a pool
#            pre-signed by bench/presign)
#   leads-sr the same signed with sr25519 keys
#   results  GET /v1/epoch/{E}/results through leadgate.fcgi, public, cached
#   active   GET /v1/challenges/active (51 challenges, ~32 KB), alone, while
#            results are written, and answered 304
# and, beside it, the design leadgate replaces:
#   fastapi  bench/fastapi_app.py under uvicorn as Debian packages it
#            (asyncio, h11): the same body from an in-process dict, the same
#            signature checked with PyNaCl
#   fastapi-uvloop  the same app on uvloop and httptools, when installed,
#            direct and behind the same nginx (proxy_pass with upstream
#            keep-alive, the way such a service is deployed)
# wrk at 32 and 64 connections, the targets interleaved, ROUNDS rounds;
# medians are printed.  Then leadgate-close is timed on epochs of 500 and
# 5 000 leads x 64 validators, bench/sigspeed counts ed25519 and sr25519
# verifications per second, and leadgate-bundle is timed on epochs of
# 10 000 and 100 000 log entries (tests/fill-log writes them).
# The write path follows (bench/writes.sh).  BUILD_DIR is a build without
# fault injection, as in production (./quickstart.sh bench makes
# _build/bench).
# Environment: ROUNDS (3), DURATION seconds per run (5), WORKERS (2),
# LEADS (50, the default leads_per_epoch), CONNS ("32 64"), ONLY=reads, ONLY=bundle,
# ONLY=challenges or ONLY=queue (that part alone).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$src/_build/bench}" && pwd)
rounds=${ROUNDS:-3}
duration=${DURATION:-5}
workers=${WORKERS:-2}
leads=${LEADS:-50}
conns=${CONNS:-32 64}
python=/usr/bin/python3   # Debian's, with python3-fastapi, -uvicorn, -nacl

for tool in lighttpd nginx spawn-fcgi multiwatch wrk curl jq; do
	command -v $tool > /dev/null || { echo "bench: $tool is missing (./quickstart.sh bench installs it)"; exit 1; }
done
$python -c 'import fastapi, uvicorn, nacl' 2> /dev/null ||
	{ echo "bench: python3-fastapi, python3-uvicorn and python3-nacl are missing"; exit 1; }
for p in leadgate.fcgi leadgate-close leadgate-bundle leadgate-admin bench/presign bench/fcgi-fixed \
	bench/fill-epoch bench/sigspeed tests/fill-log; do
	[ -x "$bin/$p" ] || { echo "bench: $bin/$p is not built"; exit 1; }
done
grep -q '^FAULT_INJECTION = no' "$bin/Makefile" ||
	echo "bench: $bin has fault injection built in (a file check per request): figures are low"

W=$(mktemp -d "${TMPDIR:-/tmp}/leadgate-bench-XXXXXX")
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
	[ -f "$W/run/lighttpd.pid" ] && kill "$(cat "$W/run/lighttpd.pid" 2> /dev/null)" 2> /dev/null || true
	stop_nginx
	sleep 0.3
	rm -rf "$W"
}
trap stop_all EXIT

. "$src/bench/lib.sh"

# ---- stores and servers ----------------------------------------------------
# make_store DIR LEADS: a config and an empty store in DIR.  One hotkey
# sends every signed read, and wrk's 64 connections all queue for one
# pool: the per-hotkey bucket and the pools' queue bounds (docs/operating.md
# "Worker pools") are lifted, so that the figures are the gateway's capacity, not
# its admission control (bench/flood.sh measures that).
make_store() {
	mkdir -p "$1/keys"
	cat > "$1/leadgate.conf" <<-EOF
	store_dir = $1/store
	map_size = 268435456
	leads_per_epoch = $2
	clock_skew = 600
	rate_submissions_per_day = 1000000
	rate_submissions_per_epoch = 1000000
	submit_cooldown = 0
	rate_validator = 0
	queue_validator = 1024
	queue_miner = 1024
	queue_public = 1024
	gateway_key = $W/gateway.key
	EOF
}

# start_lighttpd CONF BODY: leadgate.fcgi on CONF's store and fcgi-fixed
# with BODY, also at /static/body.json; stops the previous one
start_lighttpd() {
	[ -f "$W/run/lighttpd.pid" ] && kill "$(cat "$W/run/lighttpd.pid" 2> /dev/null)" 2> /dev/null && sleep 0.5
	cp "$2" "$W/www/static/body.json"
	port=${lighttpd_port:-$(free_port)}
	lighttpd_port=
	base=http://127.0.0.1:$port
	LEADGATE_CONF=$1 LEADGATE_SRC=$src LEADGATE_BENCH_FIXED="$bin/bench/fcgi-fixed" \
	LEADGATE_BENCH_BODY="$W/www/static/body.json" LEADGATE_BIND=127.0.0.1 LEADGATE_PORT=$port \
	LEADGATE_WWW="$W/www" LEADGATE_FCGI="$W/leadgate.fcgi" LEADGATE_RUN="$W/run" \
	LEADGATE_WORKERS=$workers lighttpd -D -f "$src/bench/lighttpd.conf" 2> "$W/run/lighttpd.stderr" &
	pids+=($!)
	wait_http "$base/static/body.json"
}

# start_nginx CONF BODY: the shipped nginx site on CONF's store, its four
# pools as leadgate-fcgi@.service starts them (WORKERS each), fcgi-fixed
# with BODY at /fixed/ and BODY at /static/body.json; and, when uvicorn
# on uvloop runs ($fast_port), a second server proxying to it with
# upstream keep-alive.  Stops the previous one.
start_nginx() {
	stop_nginx
	mkdir -p "$W/nginx"
	LEADGATE_CONF=$1 spawn_pools "$W/nginx" "$workers" "$W/leadgate.fcgi"
	LEADGATE_BENCH_BODY=$2 spawn-fcgi -n -s "$W/nginx/fixed.sock" -M 0666 -b 256 -- \
		"$(command -v multiwatch)" -f "$workers" -- "$bin/bench/fcgi-fixed" 2>> "$W/nginx/workers.stderr" &
	nginx_pids+=("${spawned_pids[@]}" $!)
	spawned_pids=()
	nport=$(free_port)
	nbase=http://127.0.0.1:$nport
	# the shipped site; the limits per address raised (every wrk
	# connection comes from 127.0.0.1), and the baselines added
	nginx_config "$W/nginx" "$nport" "$W/www" \
		-e "s|rate=50r/s|rate=1000000r/s|" -e "s|burst=200|burst=100000|" -e "s|limit_conn leadgate_conn 32;|limit_conn leadgate_conn 4096;|" \
		-e "s|^    location @leadgate_busy {|    location /fixed/ { include fastcgi_params; fastcgi_pass unix:$W/nginx/fixed.sock; }\n&|"
	if [ -n "${fast_port:-}" ]; then
		fast_proxy_port=$(free_port)
		cat >> "$W/nginx/site.conf" <<-EOF
		upstream uvicorn_uvloop { server 127.0.0.1:$fast_port; keepalive 64; }
		server {
		    listen 127.0.0.1:$fast_proxy_port;
		    location / {
		        proxy_pass http://uvicorn_uvloop;
		        proxy_http_version 1.1;
		        proxy_set_header Connection "";
		        proxy_set_header Host \$http_host;
		    }
		}
		EOF
	fi
	nginx -p "$W/nginx" -e "$W/nginx/nginx-error.log" -c "$W/nginx/nginx.conf" -g 'daemon off;' \
		2> "$W/nginx/nginx.stderr" &
	nginx_pids+=($!)
	wait_http "$nbase/static/body.json"
}
# start_uvicorn LOOP HTTP [PORT]: the FastAPI app on PORT or a free one
# ($uvicorn_port), serving $W/leads.json as epoch $epoch to $validators
start_uvicorn() {
	local fport
	fport=${3:-$(free_port)}
	(cd "$src/bench" && LEADGATE_BENCH_MINERS=${LEADGATE_BENCH_MINERS:-} \
		LEADGATE_BENCH_DB=${LEADGATE_BENCH_DB:-} LEADGATE_BENCH_BODY="$W/leads.json" LEADGATE_BENCH_EPOCH=$epoch \
		LEADGATE_BENCH_VALIDATORS=$validators exec $python -m uvicorn fastapi_app:app \
		--host 127.0.0.1 --port "$fport" --workers "$workers" --loop "$1" --http "$2" \
		--log-level warning --no-access-log) 2>> "$W/run/uvicorn.stderr" &
	pids+=($!)
	wait_http "http://127.0.0.1:$fport/docs"
	uvicorn_port=$fport
}
nginx_pids=()
stop_nginx() {
	local p
	for p in "${nginx_pids[@]}"; do kill "$p" 2> /dev/null || true; done
	for p in "${nginx_pids[@]}"; do wait "$p" 2> /dev/null || true; done
	nginx_pids=()
}

mkdir -p "$W/run" "$W/www/static"
chmod 755 "$W"
cp "$bin/leadgate.fcgi" "$W/leadgate.fcgi"
LEADGATE_CONF=/dev/null "$bin/leadgate-admin" keygen "$W/gateway.key" > /dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0) }'; }

# ---- leadgate-bundle -------------------------------------------------------
bundle_time() {  # bundle_time ENTRIES: seconds for one leadgate-bundle
	local d=$W/bundle-$1-$RANDOM t0 t1
	make_store "$d" 50
	LEADGATE_CONF=$d/leadgate.conf "$bin/leadgate-admin" init > /dev/null
	LEADGATE_CONF=$d/leadgate.conf "$bin/tests/fill-log" 1 "$1"
	t0=$(date +%s%N)
	LEADGATE_CONF=$d/leadgate.conf "$bin/leadgate-bundle" > "$W/bundle.out" 2>&1 ||
		{ echo "bench: leadgate-bundle failed: $(cat "$W/bundle.out")" >&2; exit 1; }
	t1=$(date +%s%N)
	grep -q ": $1 items," "$W/bundle.out" || { echo "bench: $(cat "$W/bundle.out")" >&2; exit 1; }
	rm -rf "$d"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
bundle_section() {
	echo "leadgate-bundle on one epoch's log (median of 3, fresh store each; signs on $(nproc) cores):"
	local t10k t100k
	t10k=$(for _ in 1 2 3; do bundle_time 10000; done | median)
	t100k=$(for _ in 1 2 3; do bundle_time 100000; done | median)
	echo "  10 000 entries:   ${t10k} s"
	echo "  100 000 entries:  ${t100k} s   [< 2 s]"
	echo "  100k/10k:         $(ratio "$t100k" "$t10k")x for 10x the work   [<= 12]"
}
# ---- wrk -----------------------------------------------------------------
# run_wrk NAME CONNS URL [ed25519|sr25519]: one wrk run, signed with keys
# of that kind when named; appends "NAME CONNS rps p50 p99 errors"
run_wrk() {
	local name=$1 conns=$2 url=$3 signed=${4:-} out first header=
	if [[ $signed == H:* ]]; then  # "H:Name: value": a request header instead
		header=${signed#H:}
		signed=
	fi
	if [ -n "$header" ]; then
		out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -H "$header" "$url")
	elif [ -n "$signed" ]; then
		first=$([ "$signed" = sr25519 ] && echo 1 || echo 0)  # fill-epoch: odd validators are sr25519
		# a pool larger than any run can use, so that no nonce is sent twice
		"$bin/bench/presign" "$W/serve/keys/validator-$((first + 2 * (RANDOM % 2)))" $((30000 * duration)) "$url" > "$W/pool"
		out=$(LEADGATE_BENCH_POOL="$W/pool" LEADGATE_BENCH_THREADS=2 wrk -t2 -c"$conns" -d"${duration}s" \
			--latency -s "$src/bench/signed-pool.lua" "$url")
	else
		out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency "$url")
	fi
	echo "$out" | awk -v name="$name" -v conns="$conns" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
		/Requests\/sec/ { rps = $2 }
		/Non-2xx/ { errors += $NF } /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
		END { printf "%s %s %.0f %.3f %.3f %d\n", name, conns, rps, p50, p99, errors }' >> "$W/runs"
}

stat_of() {  # stat_of NAME CONNS FIELD (3 rps, 4 p50, 5 p99): the median
	awk -v n="$1" -v c="$2" -v f="$3" '$1 == n && $2 == c { print $f }' "$W/runs" | median
}
errors_of() { awk -v n="$1" '$1 == n { e += $6 } END { print e + 0 }' "$W/runs"; }

# ---- GET /v1/challenges/active ----------------------------------------------
# 51 open challenges (a ~32 KB body, as in the design leadgate replaces)
# at 64 connections: leadgate against fcgi-fixed writing the same bytes;
# the same while one connection POSTs validators' results back to back
# (pre-signed, each written once: one LMDB write transaction and log entry
# each); and the 304 path (If-None-Match with the current ETag).
challenges_section() {
	local d=$W/ch etag r wpid
	: > "$W/runs"
	make_store "$d" 50
	lighttpd_port=$(free_port)  # the results are signed for it (@authority)
	LEADGATE_CONF=$d/leadgate.conf "$bin/bench/fill-epoch" challenges "$d/keys" 51 64 \
		"$W/active.json" "$W/results.pool" "http://127.0.0.1:$lighttpd_port" > "$W/fillc.out"
	split -n "l/$rounds" -d -a 3 "$W/results.pool" "$W/results.pool."
	start_lighttpd "$d/leadgate.conf" "$W/active.json"
	curl -s "$base/v1/challenges/active" | cmp -s - "$W/active.json" ||
		{ echo "bench: /v1/challenges/active does not serve the active body"; exit 1; }
	etag=$(curl -s -D - -o /dev/null "$base/v1/challenges/active" | sed -n 's/^ETag: //Ip' | tr -d '\r')
	echo "bench: GET /v1/challenges/active, a $(wc -c < "$W/active.json")-byte body (51 challenges), public"
	: > "$W/writer"
	for r in $(seq "$rounds"); do
		run_wrk fixed-active 64 "$base/fixed/body"
		run_wrk active 64 "$base/v1/challenges/active"
		LEADGATE_BENCH_POOL=$(printf '%s.%03d' "$W/results.pool" $((r - 1))) wrk -t1 -c1 \
			-d"$((duration + 2))s" -s "$src/bench/post-pool.lua" "$base/" > "$W/writer.out" &
		wpid=$!
		sleep 1
		run_wrk active-writing 64 "$base/v1/challenges/active"
		wait $wpid
		awk '/Requests\/sec/ { rps = $2 } /requests in/ { n = $1 } /Non-2xx/ { bad = $NF }
			END { printf "%.0f %d %d\n", rps, n, bad }' "$W/writer.out" >> "$W/writer"
		run_wrk active-304 64 "$base/v1/challenges/active" "H:If-None-Match: $etag"
	done
	printf '%-16s %10s %9s %9s %7s\n' target req/s p50_ms p99_ms errors
	for name in fixed-active active active-writing active-304; do
		printf '%-16s %10s %9s %9s %7s\n' "$name" "$(stat_of "$name" 64 3)" "$(stat_of "$name" 64 4)" \
			"$(stat_of "$name" 64 5)" "$([ $name = active-304 ] && echo '(304s)' || errors_of "$name")"
	done
	echo "  active / fixed req/s                   $(ratio "$(stat_of active 64 3)" "$(stat_of fixed-active 64 3)")   [>= 0.9]"
	echo "  active p99 read-only:                  $(stat_of active 64 5) ms"
	echo "  active p99 while results are written:  $(stat_of active-writing 64 5) ms, $(ratio "$(stat_of active-writing 64 5)" "$(stat_of active 64 5)")x the read-only p99   [<= 2]"
	echo "  errors while writing:                  $(errors_of active-writing)   [0]"
	echo "  the writer: $(awk '{ print $1 }' "$W/writer" | median) POSTs/s, $(awk '{ n += $2 - $3 } END { print n }' "$W/writer") results written, $(awk '{ b += $3 } END { print b + 0 }' "$W/writer") refused (pool wrapped)"
	echo "  304 path req/s:                        $(stat_of active-304 64 3) ($(ratio "$(stat_of active-304 64 3)" "$(stat_of active 64 3)")x the 200 path)"
}
# ---- the first3 mode: pull + vote ---------------------------------------------
# 20 validator processes (bench/queue-load) pull 10 leads at a time and
# vote on each through lighttpd until 5 000 queued leads are decided (or
# DURATION x 6 seconds pass); fcgi-fixed's req/s at 20 connections, in the
# same run, gives the scale of the FastCGI path.
queue_section() {
	local d=$W/q out decided requests unexpected took
	: > "$W/runs"
	make_store "$d" 50
	printf 'consensus_mode = first3\npull_timeout = 600\n' >> "$d/leadgate.conf"
	LEADGATE_CONF=$d/leadgate.conf "$bin/bench/fill-epoch" queue "$d/keys" 5000 20 > /dev/null
	echo '{"leads":[]}' > "$W/empty.json"
	start_lighttpd "$d/leadgate.conf" "$W/empty.json"
	run_wrk fixed-20 20 "$base/fixed/body"
	out=$(LEADGATE_CONF=$d/leadgate.conf "$bin/bench/queue-load" "$base" "$d/keys" 20 $((duration * 6)))
	read -r decided requests unexpected took _ <<< "$out"
	echo "first3 mode, 20 validators pulling 10 and voting on each, through lighttpd ($workers workers):"
	echo "  leads decided:        $decided of 5000 in ${took} s: $(awk -v a="$decided" -v b="$took" 'BEGIN { printf "%.0f", a / b }') leads/s"
	echo "  requests:             $requests ($(awk -v a="$requests" -v b="$took" 'BEGIN { printf "%.0f", a / b }') req/s, each one signed; $unexpected not 200)"
	echo "  fcgi-fixed, 20 conns: $(stat_of fixed-20 20 3) req/s (the bare FastCGI path, for scale)"
}
. "$src/bench/writes.sh"
if [ "${ONLY:-}" = writes ]; then
	writes_section
	exit 0
fi
if [ "${ONLY:-}" = queue ]; then
	queue_section
	exit 0
fi
if [ "${ONLY:-}" = challenges ]; then
	challenges_section
	exit 0
fi
if [ "${ONLY:-}" = bundle ]; then
	bundle_section
	exit 0
fi

# Phase 1: an epoch in its distribution window, read by validators.
make_store "$W/serve" "$leads"
LEADGATE_CONF=$W/serve/leadgate.conf "$bin/bench/fill-epoch" serve "$W/serve/keys" "$leads" 4 \
	"$W/leads.json" > "$W/fill.out"
epoch=$(sed -n 's/^epoch \([0-9]*\) ready.*/\1/p' "$W/fill.out")
path=/v1/epoch/$epoch/leads
start_lighttpd "$W/serve/leadgate.conf" "$W/leads.json"

validators=$(for k in "$W"/serve/keys/validator-*; do "$bin/leadgate-admin" address "$k"; done | paste -sd,)
# SPEC §12's baseline: Debian's python3-uvicorn as packaged (asyncio, h11)
start_uvicorn asyncio h11
fastapi_url=http://127.0.0.1:$uvicorn_port$path
# the same app on uvloop and httptools (python3-uvloop, python3-httptools),
# uvicorn's fastest set-up, shown beside it, direct and behind nginx
fast_url= fast_proxy_url= fast_port=
if $python -c 'import uvloop, httptools' 2> /dev/null; then
	start_uvicorn uvloop httptools
	fast_port=$uvicorn_port
	fast_url=http://127.0.0.1:$fast_port$path
fi
start_nginx "$W/serve/leadgate.conf" "$W/leads.json"
[ -z "$fast_port" ] || fast_proxy_url=http://127.0.0.1:$fast_proxy_port$path

# all serve the same bytes, and all check the same signatures
export LEADGATE_CONF=$W/serve/leadgate.conf
for url in "$base$path" "$nbase$path" "$fastapi_url" $fast_url $fast_proxy_url; do
	"$bin/leadgate-admin" sign --key "$W/serve/keys/validator-0" GET "$url" > "$W/h"
	curl -s -H @"$W/h" "$url" | cmp -s - "$W/leads.json" ||
		{ echo "bench: $url does not answer a signed request with the epoch's body"; exit 1; }
done

[ "${ONLY:-}" = profile ] && rounds=0
: > "$W/runs"
echo "bench: $rounds rounds of ${duration}s runs per target, $workers workers, wrk -t2"
echo "bench: GET $path, a $(wc -c < "$W/leads.json")-byte body ($leads leads), signed"
for r in $(seq "$rounds"); do
	for c in $conns; do
		run_wrk static "$c" "$base/static/body.json"
		run_wrk fixed "$c" "$base/fixed/body"
		run_wrk leads "$c" "$base$path" ed25519
		run_wrk leads-sr "$c" "$base$path" sr25519
		run_wrk nginx-static "$c" "$nbase/static/body.json"
		run_wrk nginx-fixed "$c" "$nbase/fixed/body"
		run_wrk nginx-leads "$c" "$nbase$path" ed25519
		run_wrk fastapi "$c" "$fastapi_url" ed25519
		[ -z "$fast_url" ] || run_wrk fastapi-uvloop "$c" "$fast_url" ed25519
		[ -z "$fast_url" ] || run_wrk uvloop-nginx "$c" "$fast_proxy_url" ed25519
	done
	echo "bench: round $r of $rounds done"
done

# Where each microsecond of a signed read goes (docs/performance.md):
# perf samples every process on both cores while wrk sends signed reads
# through lighttpd at 64 connections, grouped by who spent them; then
# strace counts one validator worker's system calls per request.
profile_section() {
	local secs=4 rps requests wpid worker=
	if ! command -v perf > /dev/null || ! perf record -o /dev/null -a -- true > /dev/null 2>&1; then
		echo "profile: perf is missing or not allowed here (linux-perf; perf_event_paranoid): skipped"
		return 0
	fi
	"$bin/bench/presign" "$W/serve/keys/validator-0" $((30000 * (secs + 4))) "$base$path" > "$W/pool"
	LEADGATE_BENCH_POOL="$W/pool" LEADGATE_BENCH_THREADS=2 wrk -t2 -c64 -d"$((secs + 3))s" \
		-s "$src/bench/signed-pool.lua" "$base$path" > "$W/profile-wrk.out" &
	wpid=$!
	sleep 1.5
	perf record -a -o "$W/perf.data" -- sleep "$secs" > /dev/null 2>&1
	wait $wpid
	rps=$(awk '/Requests\/sec/ { print $2 }' "$W/profile-wrk.out")
	requests=$(awk -v r="$rps" -v s="$secs" 'BEGIN { printf "%.0f", r * s }')
	echo "profile: signed reads through lighttpd, 64 connections, $rps req/s; CPU time per request"
	echo "(both cores, every process; perf samples over $secs s):"
	perf report -i "$W/perf.data" --sort comm,dso --stdio -g none 2> /dev/null |
		awk -v req="$requests" -v cores="$(nproc)" -v s="$secs" '
		/^ +[0-9.]+%/ {
			pct = $1 + 0; comm = $2; dso = $3
			if (comm == "leadgate.fcgi") {
				if (dso ~ /libsodium/) k = "worker: signature verification (libsodium)"
				else if (dso ~ /liblmdb/) k = "worker: LMDB reads and the replay store write"
				else if (dso ~ /leadgate/) k = "worker: leadgate (parse, signature base, route)"
				else if (dso ~ /libfcgi/) k = "worker: libfcgi (request parsing)"
				else if (dso ~ /kernel/) k = "worker: kernel (FastCGI connection, response write)"
				else k = "worker: libc and other libraries"
			} else if (comm == "lighttpd") k = "web server (lighttpd, user and kernel)"
			else if (comm == "wrk") k = "load generator (wrk)"
			else if (comm == "swapper") k = "idle"
			else k = "other"
			share[k] += pct
		}
		END {
			for (k in share)
				printf "  %-52s %5.1f%%  %6.1f us\n", k, share[k], share[k] / 100 * cores * s * 1e6 / req
		}' | sort -t'%' -k1,1 -rn -k2
	for p in $(pgrep -f "$W/leadgate.fcgi"); do  # lighttpd's validator workers, not nginx's
		[ "$(ps -o comm= -p "$(ps -o ppid= -p "$p" | tr -d ' ')")" = lighttpd ] &&
			tr '\0' '\n' < "/proc/$p/environ" | grep -qx 'LEADGATE_POOL=validator' && worker="$worker -p $p"
	done
	if [ -n "$worker" ] && command -v strace > /dev/null; then
		"$bin/bench/presign" "$W/serve/keys/validator-0" 2000 "$base$path" > "$W/pool"
		(sleep 0.5; LEADGATE_BENCH_POOL="$W/pool" LEADGATE_BENCH_THREADS=1 wrk -t1 -c1 -d2s \
			-s "$src/bench/signed-pool.lua" "$base$path" > /dev/null) &
		local wpid=$!
		# in the foreground: timeout's SIGINT ends the trace with its
		# summary (a script's background jobs ignore SIGINT)
		timeout -s INT 3 strace -c $worker -o "$W/strace.out" 2> "$W/strace.err" || true
		[ -s "$W/strace.out" ] || cat "$W/strace.err"
		wait $wpid
		local n
		n=$(awk '$NF == "accept" { print $4 }' "$W/strace.out")
		echo "system calls of a validator worker per request (strace -c, $n requests, one connection):"
		[ -n "$n" ] || cat "$W/strace.out"
		awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" && n > 0 {
			printf "  %-12s %5.2f\n", $NF, $4 / n }' "$W/strace.out"
	fi
}
if [ "${ONLY:-}" = profile ]; then
	profile_section
	exit 0
fi
echo
profile_section
echo

# A worker's private memory at rest (SPEC §12: under 8 MiB): what it does
# not share with the other processes, the store's map included.
worker_memory=$(for p in $(pgrep -f "$W/leadgate.fcgi"); do
	awk '/^Private_(Clean|Dirty):/ { kb += $2 } END { print kb }' "/proc/$p/smaps_rollup"
done | sort -n | tail -n 1)

# Phase 2: a closed epoch's signed results, a public cached read; the
# fixed responder now writes those bytes.
make_store "$W/closed" "$leads"
export LEADGATE_CONF=$W/closed/leadgate.conf
"$bin/bench/fill-epoch" close "$W/closed/keys" "$leads" 16 > /dev/null
"$bin/leadgate-close" > /dev/null
"$bin/leadgate-admin" published "$epoch" results > "$W/results.json"
start_lighttpd "$W/closed/leadgate.conf" "$W/results.json"
fast_port=
start_nginx "$W/closed/leadgate.conf" "$W/results.json"
for url in "$base" "$nbase"; do
	curl -s "$url/v1/epoch/$epoch/results" | cmp -s - "$W/results.json" ||
		{ echo "bench: the results endpoint at $url does not serve the published body"; exit 1; }
done
echo "bench: GET /v1/epoch/$epoch/results, a $(wc -c < "$W/results.json")-byte body, public"
for r in $(seq "$rounds"); do
	for c in $conns; do
		run_wrk fixed-results "$c" "$base/fixed/body"
		run_wrk results "$c" "$base/v1/epoch/$epoch/results"
		run_wrk nginx-fixed-results "$c" "$nbase/fixed/body"
		run_wrk nginx-results "$c" "$nbase/v1/epoch/$epoch/results"
	done
done

# ---- report --------------------------------------------------------------

echo
printf '%-20s %5s %10s %9s %9s %7s\n' target conns req/s p50_ms p99_ms errors
for name in static fixed leads leads-sr nginx-static nginx-fixed nginx-leads fastapi fastapi-uvloop \
	uvloop-nginx fixed-results results nginx-fixed-results nginx-results; do
	for c in $conns; do
		[ -n "$(awk -v n="$name" '$1 == n' "$W/runs")" ] || continue
		printf '%-20s %5s %10s %9s %9s %7s\n' "$name" "$c" "$(stat_of "$name" "$c" 3)" \
			"$(stat_of "$name" "$c" 4)" "$(stat_of "$name" "$c" 5)" \
			"$(awk -v n="$name" -v c="$c" '$1 == n && $2 == c { e += $6 } END { print e + 0 }' "$W/runs")"
	done
done
echo
echo "ratios (SPEC §12 budget in brackets):"
for c in $conns; do
	echo "  $c connections:"
	echo "    fixed / static req/s              $(ratio "$(stat_of fixed "$c" 3)" "$(stat_of static "$c" 3)")   [physical limit, ~0.2]"
	echo "    leads (signed) / fixed req/s      $(ratio "$(stat_of leads "$c" 3)" "$(stat_of fixed "$c" 3)")   [>= 0.55]"
	echo "    leads-sr (sr25519) / fixed req/s  $(ratio "$(stat_of leads-sr "$c" 3)" "$(stat_of fixed "$c" 3)")   [>= 0.55]"
	echo "    leads-sr / leads req/s            $(ratio "$(stat_of leads-sr "$c" 3)" "$(stat_of leads "$c" 3)")"
	echo "    leads / fastapi req/s             $(ratio "$(stat_of leads "$c" 3)" "$(stat_of fastapi "$c" 3)")   [>= 5]"
	echo "    fastapi p99 / leads p99           $(ratio "$(stat_of fastapi "$c" 5)" "$(stat_of leads "$c" 5)")   [>= 5]"
	echo "    nginx: fixed / static req/s       $(ratio "$(stat_of nginx-fixed "$c" 3)" "$(stat_of nginx-static "$c" 3)")"
	echo "    nginx: leads / fixed req/s        $(ratio "$(stat_of nginx-leads "$c" 3)" "$(stat_of nginx-fixed "$c" 3)")"
	echo "    nginx: leads / fastapi req/s      $(ratio "$(stat_of nginx-leads "$c" 3)" "$(stat_of fastapi "$c" 3)")   [>= 5]"
	echo "    fastapi p99 / nginx-leads p99     $(ratio "$(stat_of fastapi "$c" 5)" "$(stat_of nginx-leads "$c" 5)")   [>= 5]"
	if [ -n "$fast_url" ]; then
		echo "    leads / fastapi-uvloop req/s      $(ratio "$(stat_of leads "$c" 3)" "$(stat_of fastapi-uvloop "$c" 3)")   [>= 1.2]"
		echo "    nginx-leads / fastapi-uvloop      $(ratio "$(stat_of nginx-leads "$c" 3)" "$(stat_of fastapi-uvloop "$c" 3)")   [>= 1.2]"
		echo "    nginx-leads / uvloop-nginx req/s  $(ratio "$(stat_of nginx-leads "$c" 3)" "$(stat_of uvloop-nginx "$c" 3)")   [both behind nginx]"
		echo "    fastapi-uvloop p99 / leads p99    $(ratio "$(stat_of fastapi-uvloop "$c" 5)" "$(stat_of leads "$c" 5)")"
	fi
	echo "    results (public) / fixed req/s    $(ratio "$(stat_of results "$c" 3)" "$(stat_of fixed-results "$c" 3)")   [>= 0.9]"
	echo "    nginx: results / fixed req/s      $(ratio "$(stat_of nginx-results "$c" 3)" "$(stat_of nginx-fixed-results "$c" 3)")   [>= 0.9]"
done
echo "  leads p99 at 64 connections: $(stat_of leads 64 5) ms, leads-sr $(stat_of leads-sr 64 5) ms   [< 10 ms]"
echo "  largest leadgate.fcgi private memory after the runs: $((worker_memory / 1024)).$(((worker_memory % 1024) * 10 / 1024)) MiB   [< 8 MiB]"
echo "  non-2xx and socket errors: leads $(errors_of leads), leads-sr $(errors_of leads-sr), nginx-leads $(errors_of nginx-leads), results $(errors_of results), nginx-results $(errors_of nginx-results), fastapi $(errors_of fastapi), fastapi-uvloop $(errors_of fastapi-uvloop), uvloop-nginx $(errors_of uvloop-nginx)   [0]"
stop_nginx
[ "${ONLY:-}" = reads ] && exit 0

echo
challenges_section
echo
queue_section

# ---- leadgate-close --------------------------------------------------------
echo
echo "leadgate-close on one epoch x 64 validators (median of 3, fresh store each):"
close_time() {  # close_time LEADS: seconds for one leadgate-close
	local d=$W/close-$1-$RANDOM
	make_store "$d" "$1"
	LEADGATE_CONF=$d/leadgate.conf "$bin/bench/fill-epoch" close "$d/keys" "$1" 64 > /dev/null
	local t0 t1
	t0=$(date +%s%N)
	LEADGATE_CONF=$d/leadgate.conf "$bin/leadgate-close" > "$W/close.out" 2>&1 ||
		{ echo "bench: leadgate-close failed: $(cat "$W/close.out")" >&2; exit 1; }
	t1=$(date +%s%N)
	rm -rf "$d"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
t500=$(for _ in 1 2 3; do close_time 500; done | median)
t5000=$(for _ in 1 2 3; do close_time 5000; done | median)
echo "  500 leads:   ${t500} s   [< 2 s]"
echo "  5000 leads:  ${t5000} s   [< 2 s]"
echo "  5000/500:    $(ratio "$t5000" "$t500")x for 10x the work   [<= 12]"

# ---- signature verification ------------------------------------------------
echo
echo "signature verification in one process (median of 5 rounds of 2 s each):"
"$bin/bench/sigspeed" 2 5 | sed 's/^/  /'
echo "  [sr25519 within 3x of ed25519]"

echo
bundle_section

echo
writes_section
