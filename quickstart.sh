#!/bin/bash
# leadgate quick start, on a fresh Debian 12 machine as root:
#   ./quickstart.sh serve   install what is missing, build, create a demo store
#                           and serve www/ and /v1/ through lighttpd on
#                           http://127.0.0.1:8080 in the foreground (Ctrl-C stops it)
#   ./quickstart.sh test    install what is missing, build with -Werror and run
#                           make check and make distcheck, then build with
#                           ASan+UBSan and run make check again
set -euo pipefail
cd "$(dirname "$0")"
top=$PWD

deb_packages=(build-essential autoconf automake libtool pkg-config
	libfcgi-dev liblmdb-dev libsodium-dev nettle-dev libjansson-dev libcurl4-openssl-dev
	lighttpd apache2 libapache2-mod-fcgid spawn-fcgi curl jq ca-certificates)

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

# The independent RFC 9421 client the tests use, from the npm registry.
install_interop_client() {
	if [ ! -d tests/interop/node_modules/http-message-signatures ]; then
		say "installing the interop test client (npm)"
		(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
	fi
	export LEADGATE_NODE_MODULES="$top/tests/interop/node_modules"
}

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

cmd_test() {
	install_packages
	install_interop_client
	build werror --enable-werror
	check _build/werror check -j2
	check _build/werror distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror
	build asan --enable-werror --enable-sanitizers
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		check _build/asan check -j2
	say "all tests passed: -Werror build, distcheck, and ASan+UBSan build"
}

# The demo: a fast chain clock (2 s blocks, 60-block epochs), a validator,
# three miners and one lead, behind lighttpd on 127.0.0.1:${LEADGATE_PORT:-8080}.
cmd_serve() {
	install_packages
	build werror --enable-werror
	local demo=$top/_demo b=$top/_build/werror port=${LEADGATE_PORT:-8080} k
	rm -rf "$demo"
	mkdir -p "$demo/run" "$demo/keys"
	cat > "$demo/leadgate.conf" <<-CONF
	# demo: a fast clock; everything else is the default of SPEC §2-§4
	store_dir = $demo/store
	block_seconds = 2
	epoch_length = 60
	distribution_end = 50
	commit_end = 54
	prefetch_start = 55
	reveal_end = 9
	submit_cooldown = 2
	CONF
	export LEADGATE_CONF=$demo/leadgate.conf
	"$b/leadgate-admin" init
	for k in validator1 validator2 miner1 miner2 miner3; do
		"$b/leadgate-admin" keygen "$demo/keys/$k" > "$demo/keys/$k.addr"
	done
	local a=()
	for k in validator1 validator2 miner1 miner2 miner3; do a+=("$(cat "$demo/keys/$k.addr")"); done
	cat > "$demo/snapshot.json" <<-JSON
	{"block": 6000, "block_time": $(date +%s), "netuid": 71, "neurons": [
	  {"uid": 0, "hotkey": "${a[0]}", "stake": 12000, "validator_trust": 0.97, "validator_permit": true},
	  {"uid": 1, "hotkey": "${a[1]}", "stake": 4000, "validator_trust": 0.81, "validator_permit": true},
	  {"uid": 2, "hotkey": "${a[2]}", "stake": 20, "validator_trust": 0, "validator_permit": false},
	  {"uid": 3, "hotkey": "${a[3]}", "stake": 15, "validator_trust": 0, "validator_permit": false},
	  {"uid": 4, "hotkey": "${a[4]}", "stake": 9, "validator_trust": 0, "validator_permit": false}]}
	JSON
	"$b/leadgate-sync" "$demo/snapshot.json"

	LEADGATE_BIND=127.0.0.1 LEADGATE_PORT=$port LEADGATE_WWW="$top/www" \
	LEADGATE_FCGI="$b/leadgate.fcgi" LEADGATE_RUN="$demo/run" LEADGATE_WORKERS=4 \
		lighttpd -D -f "$top/fcgi/lighttpd.conf" &
	local server=$!
	trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; say stopped; exit 0' INT TERM
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

	jq -n --arg w "${a[2]}" '{leads: [{business: "Acme Robotics", full_name: "Jane Doe",
	  first: "Jane", last: "Doe", email: "jane.doe@acmerobotics.com", role: "VP Sales",
	  website: "https://www.acmerobotics.com", industry: "Manufacturing", sub_industry: "Robotics",
	  country: "United States", state: "CA", city: "San Jose",
	  linkedin: "https://www.linkedin.com/in/jane-doe-acme", company_linkedin: "https://www.linkedin.com/company/acme-robotics",
	  source_url: "https://www.acmerobotics.com/team", description: "Industrial robot arms for small factories.",
	  employee_count: "51-200", hq_country: "United States", hq_state: "CA", wallet_ss58: $w,
	  terms_version_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	  lawful_collection: true, no_restricted_sources: true, license_granted: true,
	  source_type: "company_website"}]}' > "$demo/lead.json"
	"$b/leadgate-admin" sign --key "$demo/keys/miner1" POST "http://127.0.0.1:$port/v1/leads" "$demo/lead.json" > "$demo/headers"
	say "miner1 submits a demo lead:"
	curl -s -H @"$demo/headers" --data-binary @"$demo/lead.json" "http://127.0.0.1:$port/v1/leads"
	echo
	say "serving http://127.0.0.1:$port/ (www/) and /v1/ — Ctrl-C stops it"
	say "try: curl http://127.0.0.1:$port/v1/epoch/current ; curl 'http://127.0.0.1:$port/v1/log?after=0'"
	say "sign your own: LEADGATE_CONF=$LEADGATE_CONF $b/leadgate-admin sign --key $demo/keys/miner2 GET http://127.0.0.1:$port/v1/leads/<id> > h; curl -H @h ..."
	wait $server
}

case "${1:-}" in
serve) cmd_serve ;;
test) cmd_test ;;
*) echo "usage: $0 serve | test" >&2; exit 2 ;;
esac
