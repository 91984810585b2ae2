#!/bin/bash
# leadgate quick start, on a fresh Debian 12 machine as root:
#   ./quickstart.sh serve   install what is missing, build, and run the demo:
#                           www/ and /v1/ through lighttpd on http://127.0.0.1:8080,
#                           a fast clock, the jobs every few seconds and
#                           leadgate-sim playing miners and validators (Ctrl-C stops it);
#                           LEADGATE_MODE=first3 runs the first-three-validators mode
#   ./quickstart.sh test    install what is missing, build with -Werror (and the
#                           tests' fault injection) and run make check and make
#                           distcheck (its make check with a CPU-bound process
#                           a core competing, at least two, to show the suite
#                           passes on a busy machine), build the Debian package and check it
#                           with lintian (tests/deb.sh; with CI=true it is also
#                           installed and purged), then build with clang, ASan+UBSan and the
#                           libFuzzer targets and run make check again (with
#                           tests/fuzz.test: each target 15 s)
#   ./quickstart.sh bench   install what is missing (wrk, Python's FastAPI for the
#                           baseline), build, and run bench/run.sh (figures, not tests)
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

deb_packages=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev liblmdb-dev libsodium-dev nettle-dev libjansson-dev libxxhash-dev libcurl4-openssl-dev
	lighttpd apache2 libapache2-mod-fcgid spawn-fcgi curl jq ca-certificates procps)

say() { printf 'quickstart: %s\n' "$*"; }

install_packages() {
	local missing=() p created_policy=no
	for p in "${deb_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	command -v node > /dev/null || missing+=(nodejs)
	command -v npm > /dev/null || missing+=(npm)
	[ ${#missing[@]} -eq 0 ] && return
	if [ "$(id -u)" != 0 ]; then
		say "missing Debian packages: ${missing[*]}; run this as root to install them"
		exit 1
	fi
	say "installing ${missing[*]}"
	# Installing lighttpd and apache2 would start both on port 80; leadgate
	# starts its own servers, so service starts are held back meanwhile.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created_policy=yes
	fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ [ $created_policy = yes ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
	[ $created_policy = yes ] && rm -f /usr/sbin/policy-rc.d
	return 0
}

# The independent clients the tests use, from the npm registry, each
# directory installed again whenever its package-lock.json changed since
# the last time: tests/interop (RFC 9421 clients, arbundles, the chain's
# SCALE codec) and tests/arweave (arlocal, the local Arweave gateway, and
# arweave-js; arlocal builds sqlite3 from source, a few minutes once).
npm_install() {
	local dir=$1 stamp=$1/node_modules/.leadgate-package-lock.json
	if ! cmp -s "$dir/package-lock.json" "$stamp"; then
		say "installing the test clients of $dir (npm)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) &&
			cp "$dir/package-lock.json" "$stamp"
	fi
}
install_interop_client() {
	npm_install tests/interop
	npm_install tests/arweave
	export LEADGATE_NODE_MODULES="$top/tests/interop/node_modules"
	export LEADGATE_ARWEAVE_MODULES="$top/tests/arweave/node_modules"
}

# The one configuration of _build/werror, whichever command builds it first.
# Fault injection lets the tests make a store step fail or stall through
# store_dir/faults; without that file (the demo, the bench) it does nothing.
werror_flags=(--enable-werror --enable-fault-injection)

# build DIR CONFIGURE-FLAGS...: an out-of-tree build in _build/DIR
build() {
	local dir=_build/$1
	shift
	[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || autoreconf -fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$dir/config.status" -ot configure ]; then
		(cd "$dir" && "$top/configure" --quiet "$@")
	fi
	make -C "$dir" -j"$(nproc)" --no-print-directory
}

# Show the logs of failed tests, so that CI output says why.
check() {
	local dir=$1
	shift
	if ! make -C "$dir" --no-print-directory "$@"; then
		find "$dir" -name '*.log' -newer "$dir/config.status" -exec grep -l -E '^(not ok|Bail out)' {} + 2>/dev/null |
			while read -r f; do echo "==== $f"; tail -n 60 "$f"; done
		return 1
	fi
}

# The browser the dashboard test drives (headless, over DevTools); clang
# with libFuzzer for the sanitizer build, which also fuzzes; nginx and
# multiwatch (the workers' systemd unit) for the nginx and cache tests;
# iproute2 (ss), which counts the requests waiting in a pool's socket;
# libfaketime, which moves the cache test's nginx clock with the store's;
# the Prometheus parser for the metrics test; systemd-analyze, man and
# mandoc for the units and man pages; and what builds and checks the
# Debian package.
test_packages=(chromium clang libclang-rt-14-dev nginx multiwatch libfaketime iproute2 python3 python3-prometheus-client python3-nacl
	systemd man-db mandoc dpkg-dev debhelper fakeroot lintian)

# The benchmark's load generator and the design it compares against; nginx
# and multiwatch for the reads and the flood through nginx's pools; perf
# and strace for the profile of a signed read.
bench_packages=(wrk python3-fastapi python3-uvicorn python3-nacl python3-uvloop python3-httptools
	nginx multiwatch linux-perf strace)

cmd_bench() {
	deb_packages+=("${bench_packages[@]}")
	install_packages
	# the figures from a production build (no fault injection); the
	# flood moves the store's clock, which needs it
	build bench --enable-werror
	bench/run.sh _build/bench
	build werror "${werror_flags[@]}"
	bench/flood.sh _build/werror
}

# stage NAME: say how long the stage begun at the last stage call took
# (a failing stage stops the script before, as set -e says)
stage_began=$SECONDS
stage() {
	say "$1: $((SECONDS - stage_began)) s"
	stage_began=$SECONDS
}

# CPU-bound processes (shell loops, one a core and at least two)
# competing with whatever runs meanwhile, stopped by PID, and each ending
# by itself should this script be killed: the tests move the store's
# clock instead of waiting for it, so a busy machine must not change a
# single result.
load_pids=()
cpu_load_start() {
	local i n
	n=$(nproc)
	[ "$n" -ge 2 ] || n=2
	for i in $(seq "$n"); do
		(while kill -0 $$ 2> /dev/null; do :; done) < /dev/null > /dev/null 2>&1 &
		load_pids+=($!)
	done
	say "$n CPU-bound processes compete with the suite: ${load_pids[*]}"
}
cpu_load_stop() {
	[ ${#load_pids[@]} -eq 0 ] && return 0
	kill "${load_pids[@]}" 2> /dev/null || true
	wait "${load_pids[@]}" 2> /dev/null || true
	load_pids=()
}

cmd_test() {
	deb_packages+=("${test_packages[@]}")
	trap cpu_load_stop EXIT
	install_packages
	install_interop_client
	stage "installing what is missing"
	build werror "${werror_flags[@]}"
	stage "the -Werror build"
	check _build/werror check -j2
	stage "make check (-Werror build)"
	cpu_load_start
	check _build/werror distcheck DISTCHECK_CONFIGURE_FLAGS="--enable-werror --enable-fault-injection"
	cpu_load_stop
	stage "make distcheck, its make check beside the CPU-bound processes"
	# the Debian package from the distribution tarball; under CI=true also
	# installed, checked and purged (tests/deb.sh)
	bash tests/deb.sh _build/werror
	stage "the Debian package (tests/deb.sh)"
	build asan CC=clang --enable-werror --enable-fault-injection --enable-sanitizers --enable-fuzzing
	stage "the clang ASan+UBSan build"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		check _build/asan check -j2
	stage "make check (ASan+UBSan build, with the fuzz smoke run)"
	say "all tests passed in $SECONDS s: -Werror build, distcheck under CPU load, the Debian package, and the clang ASan+UBSan build with its fuzz smoke run"
}

# The demo: a fast chain clock (2 s blocks, 30-block epochs: one epoch a
# minute), the gateway behind lighttpd on 127.0.0.1:${LEADGATE_PORT:-8080},
# the cron jobs run every few seconds by a loop, and leadgate-sim playing
# three miners, eight validators of every behaviour and a paying client
# (requests complete 20 s after they are made, the silent validator
# timing out).  Ctrl-C stops it.
demo_config() {
	cat > "$1/leadgate.conf" <<-CONF
	# demo: a fast clock; everything else is leadgate.conf(5)'s default
	store_dir = $1/store
	block_seconds = 2
	epoch_length = 30
	distribution_end = 22
	commit_end = 24
	prefetch_start = 25
	reveal_end = 4
	submit_cooldown = 2
	gateway_key = $1/gateway.key
	request_timeout = 20
	request_expiry = 40
	CONF
	# LEADGATE_MODE=first3: the first three validators to pull a lead decide it
	if [ "${LEADGATE_MODE:-epoch}" = first3 ]; then
		printf 'consensus_mode = first3\npull_timeout = 20\n' >> "$1/leadgate.conf"
	fi
}

# The jobs as cron would run them, only faster: prefetch, close and bundle
# every 3 seconds, prune every minute.
demo_jobs() {
	local b=$1 n=0
	while :; do
		"$b/leadgate-prefetch"
		"$b/leadgate-close"
		"$b/leadgate-bundle"
		[ $((n % 20)) = 0 ] && "$b/leadgate-prune"
		n=$((n + 1))
		sleep 3
	done
}

# The demo's challenges: two open for two hours, one opening in two
# minutes; the simulator's miners submit and its validators score.
demo_challenges() {
	local now
	now=$(date +%s)
	cat > "$1" <<-JSON
	{"challenges": [
	 {"id": "dach-saas-cto", "title": "SaaS CTOs in Germany, Austria and Switzerland", "tier": 2,
	  "difficulty": "hard", "multiplier": 1.5, "opens_at": $now, "closes_at": $((now + 7200)),
	  "document": {"task": "Decision makers at B2B software firms of 50-500 staff in DACH", "leads": 1}},
	 {"id": "us-logistics-ops", "title": "Heads of operations at US logistics firms", "tier": 1,
	  "difficulty": "medium", "multiplier": 1, "opens_at": $now, "closes_at": $((now + 7200)),
	  "document": {"task": "Operations leaders at US freight and logistics companies", "leads": 1}},
	 {"id": "nordic-fintech", "title": "Nordic fintech founders", "tier": 3, "difficulty": "expert",
	  "multiplier": 2, "opens_at": $((now + 120)), "closes_at": $((now + 7200)),
	  "document": {"task": "Founders of fintech start-ups in the Nordics", "leads": 1}}]}
	JSON
}

cmd_serve() {
	install_packages
	build werror "${werror_flags[@]}"
	local demo=$top/_demo b=$top/_build/werror port=${LEADGATE_PORT:-8080}
	rm -rf "$demo"
	mkdir -p "$demo/run"
	demo_config "$demo"
	export LEADGATE_CONF=$demo/leadgate.conf
	"$b/leadgate-admin" init
	say "gateway key (it signs results and weights): $("$b/leadgate-admin" keygen --gateway)"
	# the chain at offset 23 of epoch 100, after its distribution window:
	# the miners submit at once, and prefetch assigns their leads to epoch
	# 101 when its window opens at offset 25, four seconds later
	"$b/leadgate-sim" init "$demo/sim" --miners 3 --block 3023 --keys mixed \
		--validators honest,honest,honest,lazy,late,stale,mismatch,silent
	"$b/leadgate-sync" "$demo/sim/snapshot.json"
	demo_challenges "$demo/challenges.json"
	"$b/leadgate-admin" challenges load "$demo/challenges.json"
	# a paying client: the simulator asks for leads with this key
	"$b/leadgate-admin" clients add demo-client > "$demo/sim/client.key"

	LEADGATE_BIND=127.0.0.1 LEADGATE_PORT=$port LEADGATE_WWW="$top/www" \
	LEADGATE_FCGI="$b/leadgate.fcgi" LEADGATE_RUN="$demo/run" \
		lighttpd -D -f "$top/fcgi/lighttpd.conf" &
	local server=$! jobs sim
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	demo_jobs "$b" &
	jobs=$!
	"$b/leadgate-sim" run "$demo/sim" "http://127.0.0.1:$port" --leads 4 &
	sim=$!
	trap 'kill $sim $jobs $server 2>/dev/null; wait $sim $server 2>/dev/null; say stopped; exit 0' INT TERM
	say "serving http://127.0.0.1:$port/ (www/) and /v1/; epochs last a minute — Ctrl-C stops it"
	say "try: curl http://127.0.0.1:$port/v1/epoch/current ; curl 'http://127.0.0.1:$port/v1/log?after=0'"
	say "     curl http://127.0.0.1:$port/v1/epoch/<E>/results once the simulator reports E closed"
	say "     curl -H \"Authorization: Bearer \$(cat $demo/sim/client.key)\" http://127.0.0.1:$port/v1/requests/<id>"
	say "       for a client request the simulator reports; curl http://127.0.0.1:$port/v1/metrics"
	say "     curl http://127.0.0.1:$port/v1/challenges/active ; curl 'http://127.0.0.1:$port/v1/leaderboard/recent?cursor=0'"
	say "     curl http://127.0.0.1:$port/v1/log/bundles, then fetch one and check it:"
	say "     curl -o b.ans104 http://127.0.0.1:$port/v1/log/bundles/<E> && $b/leadgate-admin verify-bundle b.ans104"
	wait $server
}

case "${1:-}" in
serve) cmd_serve ;;
test) cmd_test ;;
bench) cmd_bench ;;
*) echo "usage: $0 serve | test | bench" >&2; exit 2 ;;
esac
