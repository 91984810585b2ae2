# tests/lib.sh — shared by the integration tests: TAP output, a private
# gateway (config, store, hotkeys, metagraph) in a temp dir, real web
# servers on loopback high ports stopped by PID, and signed requests.
# Needs: top_srcdir, top_builddir (set by make check), curl, jq.

set -u
n=0
fails=0
bin="${top_builddir:?}"
src="${top_srcdir:?}"

tap() {  # tap RC DESCRIPTION: one TAP line from an exit status
	local rc=$1
	shift
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $*"
	else
		echo "not ok $n - $*"
		fails=$((fails + 1))
		[ -s "$T/resp" ] && echo "#   status $status, body: $(head -c 400 "$T/resp")"
	fi
	return 0
}

skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

# Whether this build can make store steps fail or stall (store_dir/faults).
have_faults=${LEADGATE_FAULT_INJECTION:-no}

bail() {
	echo "Bail out! $*"
	exit 99
}

finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}

for tool in curl jq; do
	command -v $tool >/dev/null || bail "$tool is not installed (run ./quickstart.sh test)"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/leadgate-it-XXXXXX") || bail "mktemp"
chmod 755 "$T"
pids=()
cleanup() {
	local p stopped=()
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && stopped+=("$p"); done
	for f in "$T"/run*/*.pid; do
		[ -f "$f" ] || continue
		for p in $(cat "$f" 2>/dev/null); do kill "$p" 2>/dev/null && stopped+=("$p"); done  # lighttpd may be removing it
	done
	wait_gone "${stopped[@]}"
	for p in "${stopped[@]}"; do kill -9 "$p" 2>/dev/null; done
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
mounts=()  # file systems a test mounted under $T, unmounted at exit
trap cleanup EXIT

# A free loopback port, below the kernel's ephemeral range: a port that
# some client connection holds as its own end cannot be bound either.
pick_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 21000 ] || low=32768
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % (low - 20000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	bail "no free port"
}

# gateway_setup: config, store, hotkeys v1 (validator), m1..m5 (miners),
# u1 (not registered), metagraph anchored now; in a build with fault
# injection the clock is set to $clock_start and stays there until the
# test moves it.  Extra config lines on stdin.
# v1, m3 and m5 are sr25519 keys (the Bittensor default), the rest ed25519.
gateway_setup() {
	mkdir -p "$T/run" "$T/keys" "$T/www"
	cp "$bin/leadgate.fcgi" "$T/leadgate.fcgi"   # readable by the web server's user
	cp -r "$src/www/." "$T/www/"
	{
		echo "store_dir = $T/store"
		echo "submit_cooldown = 0"
		echo "max_body = 65536"
		echo "rate_submissions_per_day = 10"
		cat
	} > "$T/leadgate.conf"
	export LEADGATE_CONF="$T/leadgate.conf"
	store_init
	for k in v1 m1 m2 m3 m4 m5 u1; do
		keygen "$k" $(case $k in v1 | m3 | m5) echo --sr25519 ;; esac)
	done
	cat > "$T/snapshot.json" <<-JSON
	{"block": ${SETUP_BLOCK:-7200}, "block_time": $(clock_now), "netuid": 71, "neurons": [
	  {"uid": 0, "hotkey": "$(addr v1)", "stake": 5000, "validator_trust": 0.95, "validator_permit": true},
	  {"uid": 1, "hotkey": "$(addr m1)", "stake": 10, "validator_trust": 0, "validator_permit": false},
	  {"uid": 2, "hotkey": "$(addr m2)", "stake": 10, "validator_trust": 0, "validator_permit": false},
	  {"uid": 3, "hotkey": "$(addr m3)", "stake": 10, "validator_trust": 0, "validator_permit": false},
	  {"uid": 4, "hotkey": "$(addr m4)", "stake": 10, "validator_trust": 0, "validator_permit": false},
	  {"uid": 9, "hotkey": "$(addr m5)", "stake": 10, "validator_trust": 0, "validator_permit": false}]}
	JSON
	"$bin/leadgate-sync" "$T/snapshot.json" > /dev/null || bail "leadgate-sync failed"
}

# cgi METHOD URI [BODYFILE]: run leadgate.fcgi as a plain CGI program for one
# request with the headers in $T/h (and LEADGATE_POOL when set);
# sets $status, the body in $T/resp, the headers in $T/hdr.
cgi() {
	local method=$1 uri=$2 body=${3:-/dev/null} line name value
	local -a envs=(REQUEST_METHOD="$method" REQUEST_URI="$uri" HTTP_HOST="${CGI_HOST:-127.0.0.1:8080}"
		CONTENT_LENGTH="$(wc -c < "$body")" GATEWAY_INTERFACE=CGI/1.1)
	[[ $uri == *\?* ]] && envs+=(QUERY_STRING="${uri#*\?}")
	while IFS= read -r line; do
		name=${line%%:*}
		value=${line#*: }
		name=$(echo "$name" | tr 'a-z-' 'A-Z_')
		[ "$name" = CONTENT_TYPE ] && envs+=(CONTENT_TYPE="$value") || envs+=("HTTP_$name=$value")
	done < "$T/h"
	env -i PATH="$PATH" LEADGATE_CONF="$LEADGATE_CONF" ${LEADGATE_POOL:+LEADGATE_POOL="$LEADGATE_POOL"} \
		"${envs[@]}" "$bin/leadgate.fcgi" < "$body" > "$T/out" 2> "$T/cgi-stderr"
	local cgi_rc=$?
	echo "$cgi_rc $method $uri" >> "$T/exit-codes"
	cat "$T/cgi-stderr" >> "$T/run/cgi-stderr.log"
	sed -n '1,/^\r$/p' "$T/out" > "$T/hdr"
	sed '1,/^\r$/d' "$T/out" > "$T/resp"
	status=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T/hdr")
}

# keygen NAME [--sr25519]: a hotkey file $T/keys/NAME and its address.
keygen() {
	"$bin/leadgate-admin" keygen ${2:-} "$T/keys/$1" > "$T/keys/$1.addr" || bail "keygen $1"
}

addr() { cat "$T/keys/$1.addr"; }

# make_lead KEY N: a valid lead of miner KEY, unique by N, as a request body.
make_lead() {
	jq -n --arg w "$(addr "$1")" --arg n "$2" '{leads: [{
	  business: ("Firm " + $n), full_name: "Pat Lee", first: "Pat", last: "Lee",
	  email: ("pat" + $n + "@firm" + $n + ".example.com"), role: "CTO",
	  website: ("https://www.firm" + $n + ".example.com"), industry: "Software",
	  sub_industry: "SaaS", country: "Germany", city: "Berlin",
	  linkedin: ("https://www.linkedin.com/in/pat-lee-" + $n),
	  company_linkedin: ("https://www.linkedin.com/company/firm-" + $n),
	  source_url: ("https://firm" + $n + ".example.com/team"), description: "B2B software.",
	  employee_count: "11-50", hq_country: "Germany", phone: "+49 30 1234567",
	  wallet_ss58: $w,
	  terms_version_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	  lawful_collection: true, no_restricted_sources: true, license_granted: true,
	  source_type: "company_website"}]}'
}

# store_state: the counts a refused request must leave unchanged.
store_state() {
	"$bin/leadgate-admin" status | grep -E '^(leads|pending|log_seq|neurons):' | tr '\n' ' '
}

# sign KEY METHOD PATH [BODYFILE] [sign options...]: headers into $T/h
sign() {
	local key=$1 method=$2 path=$3 body=${4:-}
	shift 3
	[ $# -gt 0 ] && shift
	"$bin/leadgate-admin" sign --key "$T/keys/$key" "$@" "$method" "$BASE$path" $body > "$T/h"
}

# send METHOD PATH [BODYFILE]: send with the headers in $T/h; sets $status
# and leaves the body in $T/resp, the response headers in $T/hdr.
send() {
	local method=$1 path=$2 body=${3:-}
	status=$(curl -sS -D "$T/hdr" -o "$T/resp" -w '%{http_code}' --max-time 20 -H @"$T/h" -X "$method" \
		${body:+--data-binary @"$body"} "$BASE$path")
}

# sig_edit JQ: rewrite the signature in $T/h; JQ maps the array of its 64
# byte values to another such array.  jq functions for it: plus_l adds the
# group order ℓ to s (R ‖ s with the marker bit, as sr25519 writes them).
sig_edit() {
	local bytes n
	local lib='def plus_l: (.[63] -= 128) | [237,211,245,92,26,99,18,88,214,156,247,162,222,249,222,20,
		0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,16] as $l |
		reduce range(32) as $i ({b: ., c: 0}; (.b[32 + $i] + $l[$i] + .c) as $t |
			.b[32 + $i] = $t % 256 | .c = ($t / 256 | floor)) | .b | (.[63] += 128);'
	bytes=$(sed -n 's/^Signature: [a-z0-9_.*-]*=:\(.*\):\r*$/\1/p' "$T/h" | base64 -d | od -An -v -tu1 |
		jq -s -c "$lib $1") && [ "$(echo "$bytes" | jq 'length == 64 and all(. >= 0 and . < 256)')" = true ] ||
		bail "sig_edit: '$1' does not give 64 byte values"
	n=$(echo "$bytes" | jq -r '.[]' | while read -r byte; do printf "\\$(printf '%03o' "$byte")"; done | base64 -w0)
	sed -i "s|^Signature: \([a-z0-9_.*-]*\)=:.*:|Signature: \1=:$n:|" "$T/h"
}

# req KEY METHOD PATH [BODYFILE]: sign and send.
req() {
	sign "$@" && send "$2" "$3" "${4:-}"
}

# retry_after: the seconds of the last answer's Retry-After header
retry_after() { sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$T/hdr"; }

# problem_is STATUS CODE: last answer was that status as RFC 9457 problem.
problem_is() {
	[ "$status" = "$1" ] && jq -e --arg t "urn:leadgate:problem:$2" --argjson s "$1" \
		'.type == $t and .status == $s and (.title | length > 0) and (.detail | length > 0)' \
		"$T/resp" > /dev/null
}

# refused DESC STATUS CODE: assert a problem answer and an unchanged store.
refused() {
	local desc=$1 want=$2 code=$3 after
	after=$(store_state)
	problem_is "$want" "$code" && [ "$after" = "$before" ]
	tap $? "$desc: $want $code, store unchanged"
}

# no_sanitizer_reports WHO: nothing in the servers' and workers' logs from
# AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer.
no_sanitizer_reports() {
	! cat "$T"/run*/*.log "$T"/run*/*.stderr 2>/dev/null | grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:'
	tap $? "$1: no sanitizer report in the server and worker logs"
}

wait_http() {  # wait_http URL: until the server answers
	for _ in $(seq 100); do   # a bounded poll: 100 tries
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1  # a bounded poll
	done
	return 1
}

# wait_gone PID...: until those processes have exited (a bounded poll,
# ten seconds at most each)
wait_gone() {
	local p
	for p in "$@"; do
		for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done  # a bounded poll
	done
}

# start_lighttpd: lighttpd on a free port ($BASE) with its workers;
# RUN (default $T/run) for its sockets and logs, WORKERS (default 2).
start_lighttpd() {
	command -v lighttpd >/dev/null || bail "lighttpd is not installed (run ./quickstart.sh test)"
	PORT=$(pick_port)
	BASE="http://127.0.0.1:$PORT"
	local run=${RUN:-$T/run}
	mkdir -p "$run"
	LEADGATE_BIND=127.0.0.1 LEADGATE_PORT=$PORT LEADGATE_WWW="$T/www" \
	LEADGATE_FCGI="$T/leadgate.fcgi" LEADGATE_RUN="$run" \
		lighttpd -D -f "$src/fcgi/lighttpd.conf" 2> "$run/lighttpd.stderr" &
	LIGHTTPD_PID=$!
	pids+=($!)
	wait_http "$BASE/" || bail "lighttpd did not start: $(cat "$run/lighttpd.stderr" "$run/lighttpd-error.log" 2>/dev/null)"
}

# stop_lighttpd: stop the last one started (its workers go with it)
stop_lighttpd() {
	kill "$LIGHTTPD_PID" 2>/dev/null
	wait "$LIGHTTPD_PID" 2>/dev/null
}

# start_apache MODE: MODE is fcgid (mod_fcgid spawns the workers) or proxy
# (mod_proxy_fcgi to workers started by spawn-fcgi).
start_apache() {
	local mode=$1 user group
	command -v apache2 >/dev/null || bail "apache2 is not installed (run ./quickstart.sh test)"
	user=$(id -un)
	group=$(id -gn)
	mkdir -p "$T/run/fcgid"
	if [ "$(id -u)" = 0 ]; then  # Apache will not serve as root
		user=www-data
		group=www-data
		chown -R www-data:www-data "$T/store" "$T/run"
	fi
	PORT=$(pick_port)
	BASE="http://127.0.0.1:$PORT"
	export LEADGATE_PORT=$PORT LEADGATE_RUN="$T/run" LEADGATE_APACHE_USER=$user \
		LEADGATE_APACHE_GROUP=$group LEADGATE_WWW="$T/www" LEADGATE_FCGI="$T/leadgate.fcgi"
	if [ "$mode" = proxy ]; then
		start_workers
		export LEADGATE_FCGI_RUN="$T/run" LEADGATE_SITE="$src/fcgi/apache-proxy-fcgi.conf"
		define=LEADGATE_PROXY
	else
		export LEADGATE_SITE="$src/fcgi/apache-fcgid.conf"
		define=LEADGATE_FCGID
	fi
	apache2 -f "$src/tests/apache-main.conf" -D "$define" -k start 2> "$T/run/apache.stderr" ||
		bail "apache2 did not start: $(cat "$T/run/apache.stderr")"
	wait_http "$BASE/" || bail "apache did not answer: $(cat "$T/run/apache-error.log" 2>/dev/null)"
}

# start_workers: the four worker pools (docs/operating.md "Worker pools"), each on
# $T/run/leadgate-CLASS/fcgi.sock, started as fcgi/systemd/leadgate-fcgi@.service
# starts them: spawn-fcgi binds the socket and becomes multiwatch, which
# keeps ${WORKERS:-2} workers alive on it.  $T/run/spawn-fcgi-CLASS.pid
# names each pool's multiwatch, $T/run/spawn-fcgi.pid all four.
POOLS="validator miner client public"
start_workers() {
	local tool pool
	for tool in spawn-fcgi multiwatch; do
		command -v $tool > /dev/null || bail "$tool is not installed (run ./quickstart.sh test)"
	done
	: > "$T/run/spawn-fcgi.pid"
	for pool in $POOLS; do
		mkdir -p "$T/run/leadgate-$pool"
		# (not on the test's stdout: a worker left behind would hold the TAP stream)
		LEADGATE_POOL=$pool spawn-fcgi -n -s "$T/run/leadgate-$pool/fcgi.sock" -M 0666 -b 256 -- \
			"$(command -v multiwatch)" -f "${WORKERS:-2}" -- "$T/leadgate.fcgi" >> "$T/run/workers.stderr" 2>&1 &
		echo $! > "$T/run/spawn-fcgi-$pool.pid"
		echo $! >> "$T/run/spawn-fcgi.pid"
		pids+=($!)
	done
	for pool in $POOLS; do
		for _ in $(seq 100); do   # a bounded poll: until they listen
			[ -S "$T/run/leadgate-$pool/fcgi.sock" ] && continue 2
			sleep 0.05  # a bounded poll
		done
		bail "the $pool workers did not listen: $(cat "$T/run/workers.stderr")"
	done
}
# the sed edit that points the shipped configs' sockets at start_workers'
workers_sed() { echo "s|/run/leadgate-\([a-z]*\)/fcgi.sock|$T/run/leadgate-\1/fcgi.sock|g"; }

# stop_pids FILE...: stop the processes each file names, waiting for them
stop_pids() {
	local f p
	for f in "$@"; do
		[ -f "$f" ] || continue
		for p in $(cat "$f"); do
			kill "$p" 2>/dev/null
			wait_gone "$p"
			kill -9 "$p" 2>/dev/null
		done
		rm -f "$f"  # only now: the old server removes its own on exit
	done
}

# stop_apache: Apache and, in proxy mode, its workers
stop_apache() { stop_pids "$T/run/apache.pid" "$T/run/spawn-fcgi.pid"; }

# start_nginx SITE [SED...]: a private nginx (tests/nginx-main.conf) on
# $PORT serving the shipped site file SITE, with its listen line made
# 127.0.0.1:$PORT and the given sed edits for its paths and upstreams.
# With NGINX_FAKETIME=yes nginx runs under libfaketime, its wall clock
# stopped at the store's time and moved with it by clock_set (its timers
# keep the real monotonic clock), so that a cache's max-age passes when
# the test says.
start_nginx() {
	local site=$1 user=
	shift
	command -v nginx > /dev/null || bail "nginx is not installed (run ./quickstart.sh test)"
	mkdir -p "$T/run"
	PORT=$(pick_port)
	BASE="http://127.0.0.1:$PORT"
	[ "$(id -u)" = 0 ] && user="user www-data;"  # its workers will not stay root
	# a site's relative includes are found beside the main config, as
	# in /etc/nginx
	ln -sf /etc/nginx/fastcgi_params /etc/nginx/mime.types "$T/run/"
	sed -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$PORT;|" "$@" "$site" > "$T/run/site.conf"
	sed -e "s|@RUN@|$T/run|g" -e "s|@SITE@|$T/run/site.conf|" -e "s|@USER@|$user|" \
		"$src/tests/nginx-main.conf" > "$T/run/nginx.conf"
	local preload=()
	if [ "${NGINX_FAKETIME:-no}" = yes ]; then
		preload=(env LD_PRELOAD="$(faketime_library)" FAKETIME_TIMESTAMP_FILE="$T/run/nginx-clock"
			FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 TZ=UTC)
		NGINX_CLOCK=$T/run/nginx-clock
		clock_set "$(clock_now)"   # writes nginx's clock too
	fi
	"${preload[@]}" nginx -p "$T/run" -e "$T/run/nginx-error.log" -c "$T/run/nginx.conf" -g 'daemon off;' \
		2> "$T/run/nginx.stderr" &
	NGINX_PID=$!
	echo $NGINX_PID > "$T/run/nginx-master.pid"
	wait_http "$BASE/" || bail "nginx did not start: $(cat "$T/run/nginx.stderr" "$T/run/nginx-error.log" 2>/dev/null)"
}

stop_nginx() {
	stop_pids "$T/run/nginx-master.pid"
	NGINX_CLOCK=
}

# A chain played by leadgate-sim in the directory $sim, against $BASE.
# tick NAME: one tick; its output in $T/NAME.out, its exit status in $rc
tick() {
	"$bin/leadgate-sim" tick "$sim" "$BASE" > "$T/$1.out" 2>&1
	rc=$?
}
said() {  # said NAME PATTERN: the tick's report has a line like this
	grep -qE "$2" "$T/$1.out"
}

# ---- Faults and the test clock (SPEC §2, docs/development.md "How tests control time") --
# store_dir/faults of the store LEADGATE_CONF names is read by every
# process of that store at each use (builds with --enable-fault-injection):
# lines NAME or NAME=VALUE.  The line clock=T is the time of every program
# at once, workers, jobs, leadgate-admin and leadgate-sim alike; a test
# moves it to the second it needs instead of sleeping.

# Where the tests' time starts: Monday 2026-01-05 10:00:00 UTC, fourteen
# hours from a UTC midnight (the daily quotas' edge), whenever they run.
clock_start=1767607200

# needs_clock: skip the whole test in a build without fault injection.
needs_clock() {
	[ "$have_faults" = yes ] && return 0
	echo "1..0 # SKIP this test moves the store's clock: configure with --enable-fault-injection"
	exit 0
}

faults_file() {  # store_dir as leadgate.conf(5) reads it: '#' comments, blanks trimmed
	local dir
	dir=$(awk '{ sub(/#.*/, "") } /^[ \t]*store_dir[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]+$/, ""); d = $0 }
		END { print d }' "${LEADGATE_CONF:?}")
	echo "${dir:-/var/lib/leadgate}/faults"
}

# faults_rewrite NAME [LINE]: the faults file without its NAME lines (the
# name compared whole, not as a pattern), and LINE added; a new file
# renamed into place.
faults_rewrite() {
	local f tmp
	f=$(faults_file)
	tmp=$(mktemp "$f.XXXXXX") || bail "cannot write beside $f"
	{ [ -f "$f" ] && awk -v n="$1" '{ k = $0; sub(/=.*/, "", k) } k != n' "$f"; [ $# -lt 2 ] || echo "$2"; } > "$tmp" &&
		chmod 644 "$tmp" && mv "$tmp" "$f" || bail "cannot write $f"
}

# fault_set NAME [VALUE]: the line NAME (or NAME=VALUE) in place of any
# NAME line, the others kept; the file is replaced whole, so a reader
# sees either the old or the new one.
fault_set() { faults_rewrite "$1" "$1${2:+=$2}"; }

# fault_clear NAME: no NAME line any more.
fault_clear() { faults_rewrite "$1"; }

# store_init [T]: the store LEADGATE_CONF names, made with the clock set
# to T (default $clock_start) from its first moment: the replay store
# takes no signature created before it was made (SPEC §3), so the clock
# is set first and moves only forwards.
store_init() {
	if [ "$have_faults" = yes ]; then
		mkdir -p -m 0750 "$(dirname "$(faults_file)")"   # the mode init gives it
		clock_set "${1:-$clock_start}"
	fi
	"$bin/leadgate-admin" init > /dev/null || bail "leadgate-admin init failed"
}

# clock_set T: the store's time is the unix second T for every process,
# and nginx's too when it runs under libfaketime (start_nginx).
clock_set() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || bail "clock_set: '${1:-}' is not a unix time"
	fault_set clock "$1"
	if [ -n "${NGINX_CLOCK:-}" ]; then
		date -u -d "@$1" '+%Y-%m-%d %H:%M:%S' > "$NGINX_CLOCK.new" && mv "$NGINX_CLOCK.new" "$NGINX_CLOCK" ||
			bail "cannot write $NGINX_CLOCK"
	fi
}
# faketime_library: the path of Debian's libfaketime
faketime_library() {
	local lib
	lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
	[ -n "$lib" ] || bail "libfaketime is not installed (run ./quickstart.sh test)"
	echo "$lib"
}
# clock_now: the store's time, as its programs take it.
clock_now() {
	local t
	t=$("$bin/leadgate-admin" now) && [ -n "$t" ] || bail "leadgate-admin now failed"
	echo "$t"
}
# clock_advance S: S seconds later.
clock_advance() {
	local t
	t=$("$bin/leadgate-admin" now) && [ -n "$t" ] || bail "leadgate-admin now failed"
	clock_set $((t + $1))
}
# before_block N: the last second before block N begins.
before_block() {
	local t
	t=$("$bin/leadgate-admin" now --block "$1") || bail "before_block $1: no anchor"
	clock_set $((t - 1))
}
# at_block N: the first second of block N by the stored anchor.
at_block() {
	local t
	t=$("$bin/leadgate-admin" now --block "$1") || bail "at_block $1: no anchor"
	clock_set "$t"
}
