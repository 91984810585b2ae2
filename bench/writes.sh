# bench/writes.sh — the write path, sourced by bench/run.sh (its helpers:
# make_store, start_lighttpd, start_uvicorn, free_port, median, ratio).
# Figures, never pass/fail:
#   submit-1, submit-100  POST /v1/leads of 1 and of 100 new leads, each a
#            signed request written in one LMDB transaction with its log
#            entries and synced to disk (the store's production setting),
#            through the shipped lighttpd config; a pre-signed pool
#            (bench/fill-epoch submit), 16 connections
#   fastapi-submit-1, -100  the same requests to bench/fastapi_app.py on
#            uvloop, writing a SQLite file (WAL, synchronous=FULL), the
#            design leadgate replaces made durable
#   commit, reveal  POST /v1/epoch/{E}/commit and /reveal, one per
#            validator of 6 000 (a vote on each of the epoch's 50 leads),
#            for 2 s at 16 connections: each a signed request written in
#            one durable transaction with its log entry (the FastAPI design
#            has no equivalent)
#   close    leadgate-close of a 5 000-lead epoch with 64 validators'
#            votes, alone and while 16 connections read GET
#            /v1/epoch/current through the public pool (16 stays within
#            its queue_public): readers never wait for the writer, LMDB
#            readers take no lock

# submit_run NAME PER_REQUEST BASE POOL: accepted requests a second (the
# non-2xx, duplicates from a wrapped pool, left out), p99 ms, non-2xx
submit_run() {
	local out
	out=$(LEADGATE_BENCH_POOL=$4 LEADGATE_BENCH_THREADS=2 wrk -t2 -c16 -d"${duration}s" --latency \
		-s "$src/bench/post-pool.lua" "$3/")
	echo "$out" | awk -v name="$1" -v per="$2" -v d="$duration" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/requests in/ { n = $1 } /^ +99%/ { p99 = ms($2) } /Non-2xx/ { bad = $NF }
		END { printf "%s %d %.0f %.3f %d\n", name, per, (n - bad) / d, p99, bad }' >> "$W/writes"
}

# writes_of NAME FIELD: the median of a field of NAME's runs (3 requests/s,
# 4 p99 ms); writes_sum NAME FIELD: its sum (5 non-2xx)
writes_of() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$W/writes" | median; }
writes_sum() { awk -v n="$1" -v f="$2" '$1 == n { e += $f } END { print e + 0 }' "$W/writes"; }

# submit_pool DIR PER_REQUEST BASE: a fresh store in DIR and its pool
submit_pool() {
	make_store "$1" 50
	printf 'map_size = 4294967296\nrate_miner = 0\n' >> "$1/leadgate.conf"
	# enough requests that no run wraps around: 5 000 a second of one
	# lead, 1 000 of a hundred, at most
	local requests=$(( $2 == 1 ? 5000 * duration : 1000 * duration ))
	LEADGATE_CONF=$1/leadgate.conf "$bin/bench/fill-epoch" submit "$1/keys" "$requests" "$2" \
		"$1/pool" "$3" > /dev/null
}

writes_section() {
	local per d fdb miners fast_ok=
	: > "$W/writes"
	: > "$W/close-readers"
	echo '{"leads":[]}' > "$W/empty.json"
	$python -c 'import uvloop, httptools' 2> /dev/null && fast_ok=yes
	for per in 1 100; do
		for r in $(seq "$rounds"); do
			d=$W/submit-$per-$r
			lighttpd_port=$(free_port)
			submit_pool "$d" "$per" "http://127.0.0.1:$lighttpd_port"
			start_lighttpd "$d/leadgate.conf" "$W/empty.json"
			submit_run "submit-$per" "$per" "$base" "$d/pool"
			rm -rf "$d"
			if [ -n "$fast_ok" ]; then
				d=$W/fsubmit-$per-$r
				fdb=$d/leads.sqlite
				uvicorn_port=$(free_port)
				submit_pool "$d" "$per" "http://127.0.0.1:$uvicorn_port"
				miners=$(for k in "$d"/keys/miner-*; do "$bin/leadgate-admin" address "$k"; done | paste -sd,)
				# the app serves reads too: any body and key list will do here
				[ -f "$W/leads.json" ] || cp "$W/empty.json" "$W/leads.json"
				epoch=${epoch:-0} validators=${validators:-$miners} LEADGATE_BENCH_MINERS=$miners \
					LEADGATE_BENCH_DB=$fdb start_uvicorn uvloop httptools "$uvicorn_port"
				submit_run "fastapi-submit-$per" "$per" "http://127.0.0.1:$uvicorn_port" "$d/pool"
				kill "${pids[-1]}" 2> /dev/null || true
				wait "${pids[-1]}" 2> /dev/null || true
				rm -rf "$d"
			fi
		done
	done
	echo "lead submissions, signed, one durable write transaction each, 16 connections ($workers workers; median of $rounds):"
	printf '  %-20s %12s %10s %9s %8s\n' target requests/s leads/s p99_ms non-2xx
	local name
	for name in submit-1 fastapi-submit-1 submit-100 fastapi-submit-100; do
		[ -n "$(awk -v n="$name" '$1 == n' "$W/writes")" ] || continue
		local rps
		rps=$(writes_of "$name" 3)
		printf '  %-20s %12s %10s %9s %8s\n' "$name" "$rps" \
			"$(awk -v a="$rps" -v b="$(writes_of "$name" 2)" 'BEGIN { printf "%.0f", a * b }')" \
			"$(writes_of "$name" 4)" "$(writes_sum "$name" 5)"
	done
	for per in 1 100; do
		echo "  submit-$per / fastapi-submit-$per: $(ratio "$(writes_of "submit-$per" 3)" "$(writes_of "fastapi-submit-$per" 3)")"
	done
	votes_section
	close_while_reading
}

# commits for one epoch and reveals for the one before, both open at the
# chain's block (bench/fill-epoch votes)
votes_section() {
	local d=$W/votes r
	for r in $(seq "$rounds"); do
		make_store "$d" 50
		lighttpd_port=$(free_port)
		LEADGATE_CONF=$d/leadgate.conf "$bin/bench/fill-epoch" votes "$d/keys" 50 6000 "$d/commits" \
			"$d/reveals" "http://127.0.0.1:$lighttpd_port" > /dev/null
		start_lighttpd "$d/leadgate.conf" "$W/empty.json"
		duration=2 submit_run commit 1 "$base" "$d/commits"
		duration=2 submit_run reveal 1 "$base" "$d/reveals"
		rm -rf "$d"
	done
	echo "commits and reveals of 6 000 validators, 50 votes each, signed, one durable write transaction each, 16 connections:"
	local name
	for name in commit reveal; do
		printf '  %-8s %6s requests/s, p99 %s ms, non-2xx %s\n' "$name" \
			"$(writes_of "$name" 3)" "$(writes_of "$name" 4)" "$(writes_sum "$name" 5)"
	done
}

# leadgate-close of 5 000 leads x 64 validators, alone and under readers
close_while_reading() {
	local d alone=() busy=() t0 t1 wpid
	for r in $(seq "$rounds"); do
		for mode in alone busy; do
			d=$W/close-read-$r-$mode
			make_store "$d" 5000
			LEADGATE_CONF=$d/leadgate.conf "$bin/bench/fill-epoch" close "$d/keys" 5000 64 > /dev/null
			start_lighttpd "$d/leadgate.conf" "$W/empty.json"
			if [ $mode = busy ]; then
				wrk -t2 -c16 -d"$((duration + 2))s" --latency "$base/v1/epoch/current" > "$W/close-readers.out" &
				wpid=$!
				sleep 1
			fi
			t0=$(date +%s%N)
			LEADGATE_CONF=$d/leadgate.conf "$bin/leadgate-close" > "$W/close.out" 2>&1 ||
				{ echo "bench: leadgate-close failed: $(cat "$W/close.out")" >&2; exit 1; }
			t1=$(date +%s%N)
			if [ $mode = busy ]; then
				wait "$wpid" || true  # the readers go on after it
				busy+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
				awk '/Requests\/sec/ { rps = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { bad = $NF }
					END { printf "%s %s %d\n", rps, p99, bad }' "$W/close-readers.out" >> "$W/close-readers"
			else
				alone+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
			fi
			rm -rf "$d"
		done
	done
	echo "leadgate-close, 5 000 leads x 64 validators (median of $rounds, a fresh store each):"
	echo "  alone:                                  $(printf '%s\n' "${alone[@]}" | median) s"
	echo "  while 16 connections read GET /v1/epoch/current: $(printf '%s\n' "${busy[@]}" | median) s"
	echo "  the readers meanwhile: $(awk '{ print $1 }' "$W/close-readers" | median) req/s, p99 $(awk '{ print $2 }' "$W/close-readers" | head -n 1) (first run), non-2xx $(awk '{ e += $3 } END { print e + 0 }' "$W/close-readers")"
}
