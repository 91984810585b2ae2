# bench/lib.sh — shared by the benchmark scripts (bench/run.sh,
# bench/flood.sh): a free loopback port and waiting for a server.

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
