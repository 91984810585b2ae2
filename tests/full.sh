# full.sh — what tests/full.test and tests/diskfull.test share: fill the
# store through the web server until it answers 507, then check that reads
# work and that the store holds exactly what was accepted.

BATCH=20
accepted=0

# batch FIRST: $T/batch.json, BATCH leads of miner m1 numbered from FIRST
batch() {
	make_lead m1 0 | jq -c --argjson f "$1" --argjson c "$BATCH" '.leads[0] as $l | {leads: [
	  range($f; $f + $c) | tostring as $n | $l | .business = ("Firm " + $n) |
	  .email = ("pat" + $n + "@firm" + $n + ".example.com") |
	  .website = ("https://www.firm" + $n + ".example.com") |
	  .linkedin = ("https://www.linkedin.com/in/pat-lee-" + $n) |
	  .company_linkedin = ("https://www.linkedin.com/company/firm-" + $n) |
	  .source_url = ("https://firm" + $n + ".example.com/team")]}' > "$T/batch.json"
}

# fill_until_full WHAT: batches until a 507; taps the refusal
fill_until_full() {
	local i rc=1 unexpected=0
	for i in $(seq 0 199); do
		batch $((i * BATCH))
		before=$(store_state)
		req m1 POST /v1/leads "$T/batch.json"
		if [ "$status" = 200 ]; then
			accepted=$((accepted + $(jq .accepted "$T/resp")))
		elif [ "$status" = 507 ]; then
			rc=0
			break
		else
			unexpected=$((unexpected + 1))
			break
		fi
	done
	[ $rc = 0 ] && [ $unexpected = 0 ] && problem_is 507 store_full && [ "$(store_state)" = "$before" ]
	rc=$?
	[ $rc = 0 ] || cat "$T"/run/*.log "$T"/run/*.stderr 2>/dev/null | grep -h 'leadgate' | tail -n 5 | sed 's/^/# worker: /'
	tap $rc "$1: after $accepted leads accepted, the next batch gets 507 store_full problem+json ($(jq -r .detail "$T/resp")) and changes nothing"
	# retries while full (a client's, or the next miner's) are refused the
	# same way: the refusal left nothing half-done for them to trip on
	rc=0
	for i in 1 2 3; do
		req m1 POST /v1/leads "$T/batch.json"
		problem_is 507 store_full || rc=1
	done
	[ $rc = 0 ] && [ "$(store_state)" = "$before" ]
	tap $? "$1: the same batch three times more while full: 507 each time, nothing changed"
}

# consistent WHEN: leads, pending, LEAD_SUBMITTED entries and the chain agree
consistent() {
	local status_out entries after=0 page
	status_out=$("$bin/leadgate-admin" status)
	entries=0
	while :; do
		page=$(curl -s --max-time 20 "$BASE/v1/log?after=$after&limit=500") || break
		entries=$((entries + $(echo "$page" | jq '[.entries[] | select(.entry.type == "LEAD_SUBMITTED")] | length')))
		[ "$(echo "$page" | jq '.entries | length')" -lt 500 ] && break
		after=$(echo "$page" | jq ".entries[-1].seq")
	done
	echo "$status_out" | grep -qx "leads: $accepted" && echo "$status_out" | grep -qx "pending: $accepted" &&
		[ "$entries" = "$accepted" ] && echo "$status_out" | grep -q '^log_chain: ok'
	tap $? "$1: $accepted leads stored, $accepted pending, $entries LEAD_SUBMITTED entries, the log chain verifies"
}

full_reads_and_consistency() {
	local rc=0 p
	for p in /v1/epoch/current "/v1/log?limit=5" /v1/participants /v1/healthz; do
		status=$(curl -s --max-time 20 -o "$T/resp" -w '%{http_code}' "$BASE$p")
		[ "$status" = 200 ] || { rc=1; echo "# $p: $status"; }
	done
	tap $rc "while full, public reads answer 200 (epoch, log, participants, healthz)"
	consistent "while full"
}
