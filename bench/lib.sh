# bench/lib.sh — shared by the benchmark scripts (bench/run.sh,
# bench/flood.sh): a free loopback port, waiting for a server, and nginx
# with the shipped site and worker pools.  Needs $src (the source tree).

free_port() {  # below the ephemeral range, where the clients' own ends live
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null || echo 32768)
	[ "$low" -gt 21000 ] || low=32768
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % (low - 20000)))
		if ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then echo "$p"; return; fi
	done
	echo "$(basename "$0"): no free port" >&2
	exit 1
}

wait_http() {  # wait_http URL: until a server answers there (ten seconds at most)
	for _ in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	echo "$(basename "$0"): nothing answers at $1" >&2
	exit 1
}

# spawn_pools DIR N WORKER: the four pools as leadgate-fcgi@.service starts
# them, N workers each on DIR/leadgate-CLASS/fcgi.sock, for the caller's
# LEADGATE_CONF; their spawn-fcgi PIDs are added to spawned_pids
spawned_pids=()
spawn_pools() {
	local pool
	for pool in validator miner client public; do
		mkdir -p "$1/leadgate-$pool"
		LEADGATE_POOL=$pool spawn-fcgi -n -s "$1/leadgate-$pool/fcgi.sock" -M 0666 -b 256 -- \
			"$(command -v multiwatch)" -f "$2" -- "$3" 2>> "$1/workers.stderr" &
		spawned_pids+=($!)
	done
}

# nginx_config DIR PORT WWW [SED-ARGUMENTS...]: DIR/nginx.conf, a private
# nginx (tests/nginx-main.conf) with the shipped site (DIR/site.conf) on
# 127.0.0.1:PORT, its root WWW and its pools those of spawn_pools DIR,
# the site edited further by SED-ARGUMENTS
nginx_config() {
	local dir=$1 port=$2 www=$3 user=
	shift 3
	[ "$(id -u)" = 0 ] && user="user www-data;"
	ln -sf /etc/nginx/fastcgi_params /etc/nginx/mime.types "$dir/"
	sed -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$port;|" -e "s|root /usr/share/leadgate/www;|root $www;|" \
		-e "s|/run/leadgate-\([a-z]*\)/fcgi.sock|$dir/leadgate-\1/fcgi.sock|g" "$@" \
		"$src/fcgi/nginx.conf" > "$dir/site.conf"
	sed -e "s|@RUN@|$dir|g" -e "s|@SITE@|$dir/site.conf|" -e "s|@USER@|$user|" \
		-e "s|worker_connections 256;|worker_connections 4096;|" "$src/tests/nginx-main.conf" > "$dir/nginx.conf"
}
