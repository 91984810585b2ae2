# tests/suites.sh — request suites run through every web server: what must
# be accepted, what must be refused, and an independent RFC 9421 client.
# Sourced after lib.sh, with $BASE pointing at a running server.

# accepted_suite SERVER: a signed submission, reading it back, public reads.
accepted_suite() {
	local server=$1 id before_seq
	make_lead m1 "${server}1" > "$T/lead.json"
	before_seq=$("$bin/leadgate-admin" status | sed -n 's/^log_seq: //p')
	req m1 POST /v1/leads "$T/lead.json"
	id=$(jq -r '.results[0].lead_id // empty' "$T/resp")
	[ "$status" = 200 ] && [ -n "$id" ] && jq -e '.accepted == 1 and .rejected == 0' "$T/resp" > /dev/null &&
		[ "$("$bin/leadgate-admin" status | sed -n 's/^log_seq: //p')" = $((before_seq + 1)) ]
	tap $? "$server: a signed lead submission is accepted (200, lead id $id, one LEAD_SUBMITTED entry)"
	req m1 GET "/v1/leads/$id"
	[ "$status" = 200 ] && jq -e --arg id "$id" '.lead_id == $id and .status == "pending" and .decision == null' \
		"$T/resp" > /dev/null && grep -qi '^cache-control: private, no-store' "$T/hdr"
	tap $? "$server: the submitting miner reads its lead back (200, pending, Cache-Control private)"
	LEAD_ID=$id

	status=$(curl -s -D "$T/hdr" -o "$T/resp" -w '%{http_code}' "$BASE/v1/participants")
	local etag
	etag=$(sed -n 's/^ETag: *"\(.*\)"\r$/"\1"/Ip' "$T/hdr")
	[ "$status" = 200 ] && jq -e '(.participants | length) == 6 and .participants[0].role == "validator"' "$T/resp" > /dev/null &&
		grep -qi '^cache-control: public, max-age=' "$T/hdr" && [ -n "$etag" ]
	tap $? "$server: GET /v1/participants serves the cached metagraph with a strong ETag ($etag)"
	status=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: W/$etag, \"other\"" "$BASE/v1/participants")
	[ "$status" = 304 ]
	tap $? "$server: If-None-Match with a weak form of that ETag in a list answers 304"

	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/v1/log?after=0&limit=500")
	[ "$status" = 200 ] && jq -e '.entries[0].entry.type == "METAGRAPH_SYNCED" and (.entries | map(.entry.type) | index("LEAD_SUBMITTED")) != null' "$T/resp" > /dev/null &&
		! grep -q '@' "$T/resp"
	tap $? "$server: GET /v1/log lists the entries and carries no email address"
	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/v1/epoch/current")
	[ "$status" = 200 ] && jq -e '.epoch == 20 and .windows.distribution.first_block == 7200 and .windows.reveal.first_block == 7560' "$T/resp" > /dev/null
	tap $? "$server: GET /v1/epoch/current tells epoch 20 and its windows"
	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/")
	[ "$status" = 200 ] && grep -q leadgate "$T/resp"
	tap $? "$server: www/ is served as the document root"
}

# interop_suite SERVER: a client nobody on this project wrote.
# interop_sign KEYFILE SS58 METHOD URL [BODYFILE]: the independent client
# signs and sends, with created from the gateway's clock (a client whose
# clock agrees with the gateway's, however the test has moved it).
interop_sign() { SIGN_CREATED=$(clock_now) node "$T/interop/sign-request.mjs" "$@"; }

interop_suite() {
	local server=$1 out modules=${LEADGATE_NODE_MODULES:-$src/tests/interop/node_modules}
	[ -d "$modules/http-message-signatures" ] || bail "the interop client is not installed (run ./quickstart.sh test)"
	command -v node >/dev/null || bail "node is not installed (run ./quickstart.sh test)"
	make_lead m2 "${server}interop" > "$T/lead-i.json"
	mkdir -p "$T/interop" && ln -sfn "$modules" "$T/interop/node_modules" &&
		cp "$src/tests/interop/sign-request.mjs" "$src/tests/interop/verify-request.mjs" "$T/interop/"
	out=$(interop_sign "$T/keys/m2" "$(addr m2)" POST "$BASE/v1/leads" "$T/lead-i.json")
	[ "$(echo "$out" | head -1)" = 200 ] && echo "$out" | tail -n +2 | jq -e '.accepted == 1' > /dev/null
	tap $? "$server: a submission signed by http-message-signatures (npm) with the hotkey is accepted"
	local id
	id=$(echo "$out" | tail -n +2 | jq -r '.results[0].lead_id')
	out=$(interop_sign "$T/keys/m2" "$(addr m2)" GET "$BASE/v1/leads/$id?view=full")
	[ "$(echo "$out" | head -1)" = 200 ]
	tap $? "$server: its signed GET with a query string is accepted too"
	interop_sr25519_suite "$server"
}

# interop_sr25519_suite SERVER: sr25519 signatures made by two signers
# nobody on this project wrote, over http-message-signatures' base.
interop_sr25519_suite() {
	local server=$1 out id
	make_lead m5 "${server}isr" > "$T/lead-isr.json"
	out=$(interop_sign "$T/keys/m5" "$(addr m5)" POST "$BASE/v1/leads" "$T/lead-isr.json")
	[ "$(echo "$out" | head -1)" = 200 ] && echo "$out" | tail -n +2 | jq -e '.accepted == 1' > /dev/null
	tap $? "$server: a submission signed by w3f/schnorrkel (@polkadot/wasm-crypto) with an sr25519 hotkey is accepted"
	id=$(echo "$out" | tail -n +2 | jq -r '.results[0].lead_id')
	out=$(SR25519_SIGNER=scure interop_sign "$T/keys/m5" "$(addr m5)" GET "$BASE/v1/leads/$id?view=full")
	[ "$(echo "$out" | head -1)" = 200 ]
	tap $? "$server: a GET with a query signed by @scure/sr25519 (@polkadot/util-crypto) is accepted"

	# alg confusion: the same 32-byte key read under the other algorithm
	out=$(ALG_LABEL=sr25519 interop_sign "$T/keys/m2" "$(addr m2)" GET "$BASE/v1/leads/$id")
	[ "$(echo "$out" | head -1)" = 401 ] && echo "$out" | tail -n +2 | jq -e '.detail | contains("not marked")' > /dev/null
	tap $? "$server: an ed25519 signature sent as alg=\"sr25519\" is refused: 401, not marked as schnorrkel"
	out=$(ALG_LABEL=ed25519 interop_sign "$T/keys/m5" "$(addr m5)" GET "$BASE/v1/leads/$id")
	[ "$(echo "$out" | head -1)" = 401 ] && echo "$out" | tail -n +2 | jq -e '.type | endswith("bad_signature")' > /dev/null
	tap $? "$server: an sr25519 signature sent as alg=\"ed25519\" is refused: 401 bad_signature"

	# and the other way round: what leadgate signs, schnorrkel verifies
	sign m5 POST /v1/leads "$T/lead-isr.json"
	out=$(node "$T/interop/verify-request.mjs" "$T/h" POST "$BASE/v1/leads")
	[ "$out" = "verified sr25519" ]
	tap $? "$server: leadgate-admin's sr25519 signature of a POST verifies with w3f/schnorrkel over http-message-signatures' base ($out)"
	sign m5 GET "/v1/leads/$id?view=full"
	node "$T/interop/verify-request.mjs" "$T/h" GET "$BASE/v1/leads/$id?view=full" > /dev/null &&
		sig_edit '.[40] = (.[40] + 1) % 256' &&
		! node "$T/interop/verify-request.mjs" "$T/h" GET "$BASE/v1/leads/$id?view=full" > /dev/null
	tap $? "$server: so does its signed GET with a query, and the same signature altered does not"
}

# sr25519_suite SERVER: m5's sr25519 signatures through the server, and
# every way of tampering with one refused with 401.
sr25519_suite() {
	local server=$1 id
	grep -q '^sr25519:' "$T/keys/m5" || bail "m5 is not an sr25519 key"
	make_lead m5 "${server}sr" > "$T/lead-sr.json"
	before=$(store_state)
	req m5 POST /v1/leads "$T/lead-sr.json"
	id=$(jq -r '.results[0].lead_id // empty' "$T/resp")
	[ "$status" = 200 ] && [ -n "$id" ] && grep -q 'alg="sr25519"' "$T/h"
	tap $? "$server: a lead submission signed with alg=\"sr25519\" is accepted (lead $id)"
	req m5 GET "/v1/leads/$id"
	[ "$status" = 200 ] && jq -e --arg id "$id" '.lead_id == $id' "$T/resp" > /dev/null
	tap $? "$server: an sr25519-signed GET reads it back"

	make_lead m5 "${server}sr2" > "$T/ok-sr.json"
	before=$(store_state)
	body_changed m5 "$T/ok-sr.json" "$server: sr25519: a body changed after signing"
	# DESC#JQ edit of the signature bytes#what the 401's detail must say
	local what desc edit why
	for what in "R negative (odd), not canonical#.[0] += 1 - 2 * (.[0] % 2)#R is the identity or not a canonical" \
		"R the identity#.[0:32] = [range(32) | 0]#R is the identity or not a canonical" \
		"s changed#.[40] = (.[40] + 1) % 256#equation does not hold" \
		"its marker bit cleared#.[63] -= 128#not marked" \
		"s + ℓ (the same point, a non-canonical scalar)#plus_l#not a canonical scalar"; do
		IFS='#' read -r desc edit why <<< "$what"
		altered_as m5 "$T/ok-sr.json" "sig_edit '$edit'" "$server: sr25519: a signature with $desc" 401 bad_signature
		jq -e --arg why "$why" '.detail | contains($why)' "$T/resp" > /dev/null
		tap $? "$server: ... and the detail says why: $(jq -r .detail "$T/resp" | sed 's/.*: //')"
	done
	altered_as m5 "$T/ok-sr.json" "sed -i 's/alg=\"sr25519\"/alg=\"ed25519\"/' $T/h" \
		"$server: an sr25519 signature relabelled alg=\"ed25519\"" 401 bad_signature
	altered_as m1 "$T/ok-sr.json" "sed -i 's/alg=\"ed25519\"/alg=\"sr25519\"/' $T/h" \
		"$server: an ed25519 signature labelled alg=\"sr25519\"" 401 bad_signature
	altered_as m5 "$T/ok-sr.json" "sed -i 's/keyid=\"$(addr m5)\"/keyid=\"$(addr m3)\"/' $T/h" \
		"$server: an sr25519 signature claimed for another sr25519 hotkey" 401 bad_signature
	sign m5 GET "/v1/leads/$id"
	send GET "/v1/leads/$id?view=full"
	refused "$server: an sr25519-signed GET sent with another query" 401 bad_signature
}

# altered_as KEY BODYFILE COMMAND DESC STATUS CODE: sign a submission of
# BODYFILE as KEY, run COMMAND (which edits the headers in $T/h), send,
# and expect a refusal.
altered_as() {
	sign "$1" POST /v1/leads "$2"
	cp "$T/h" "$T/h.signed"
	eval "$3"
	cmp -s "$T/h" "$T/h.signed" && echo "# the headers were not changed by: $3"
	send POST /v1/leads "$2"
	refused "$4" "$5" "$6"
}

# altered_headers SED DESC STATUS CODE: the same for m1's $T/ok.json, the
# headers edited by SED.
altered_headers() {
	altered_as m1 "$T/ok.json" "sed -i '$1' $T/h" "$2" "$3" "$4"
}

# body_changed KEY BODYFILE DESC: a body changed after KEY signed it.
body_changed() {
	sign "$1" POST /v1/leads "$2"
	jq '.leads[0].city = "Munich"' "$2" > "$T/tampered.json"
	send POST /v1/leads "$T/tampered.json"
	refused "$3" 401 digest_mismatch
}

# bad_lead JQ DESC STATUS CODE: $T/ok.json changed by JQ, correctly signed.
bad_lead() {
	jq "$1" "$T/ok.json" > "$T/bad.json"
	req m1 POST /v1/leads "$T/bad.json"
	refused "$2" "$3" "$4"
}

# signature_time_checks SERVER: created within clock_skew (60 s) of the
# gateway's clock and expires not past, each on both sides of its edge (a
# signed read of an unknown lead answers 404 once the signature passes).
signature_time_checks() {
	local server=$1 now c param offset refusal
	if [ "$have_faults" != yes ]; then
		skip "$server: created and expires at their edges need the test clock (--enable-fault-injection)"
		return
	fi
	# a minute on: a created 60 s old is then after the replay store's floor
	# (the moment it was made, SPEC §3)
	clock_advance 61
	now=$(clock_now)
	for c in created:-61:stale_signature created:-60: created:60: created:61:stale_signature \
		expires:-1:expired_signature expires:0:; do
		IFS=: read -r param offset refusal <<< "$c"
		req m1 GET /v1/leads/00000000-0000-7000-8000-000000000000 "" --$param $((now + offset))
		if [ -n "$refusal" ]; then problem_is 401 "$refusal"; else [ "$status" = 404 ]; fi
		tap $? "$server: $param $offset s from the gateway's clock: ${refusal:-the signature passes (404 for an unknown lead)}"
	done
	req m1 POST /v1/leads "$T/ok.json" --created $((now - 600))
	refused "$server: a write created 10 minutes in the past" 401 stale_signature
	req m1 POST /v1/leads "$T/ok.json" --expires $((now - 1))
	refused "$server: a write whose expires has passed" 401 expired_signature
}

# refused_suite SERVER: every bad request is refused and writes nothing.
refused_suite() {
	local server=$1
	make_lead m1 "${server}r" > "$T/ok.json"
	before=$(store_state)

	body_changed m1 "$T/ok.json" "$server: a body changed after signing (Content-Digest mismatch)"

	sign m2 POST /v1/leads "$T/ok.json"
	sed -i "s/keyid=\"$(addr m2)\"/keyid=\"$(addr m1)\"/" "$T/h"
	send POST /v1/leads "$T/ok.json"
	refused "$server: a signature made by another key than keyid" 401 bad_signature

	req u1 POST /v1/leads "$T/ok.json"
	refused "$server: a correctly signed request from an unregistered hotkey" 403 not_registered

	signature_time_checks "$server"

	req m1 GET /v1/leads/00000000-0000-7000-8000-000000000000 "" --nonce replayreplay0001
	send GET /v1/leads/00000000-0000-7000-8000-000000000000
	refused "$server: the same (keyid, nonce) a second time" 401 replayed_nonce

	altered_headers '/^Signature-Input:/d' "$server: no Signature-Input header" 401 bad_signature
	altered_headers 's/^Signature-Input: sig1=(/Signature-Input: sig1=/' "$server: a malformed Signature-Input" 401 bad_signature
	altered_headers 's/"content-digest")/)/; s/ )/)/' "$server: a body whose digest the signature does not cover" 401 bad_signature
	altered_headers 's/alg="ed25519"/alg="rsa-v1_5-sha256"/' "$server: an unknown alg" 401 unknown_alg
	altered_headers 's/alg="ed25519"/alg="hmac-sha256"/' "$server: an alg leadgate does not take (hmac-sha256)" 401 unknown_alg

	head -c 100000 /dev/zero | tr '\0' ' ' > "$T/big.json"
	req m1 POST /v1/leads "$T/big.json"
	refused "$server: a 100 kB body over max_body (64 KiB)" 413 body_too_large

	printf '{"leads": [' > "$T/bad.json"
	req m1 POST /v1/leads "$T/bad.json"
	refused "$server: malformed JSON" 400 malformed_json
	jq -c . "$T/ok.json" | sed 's/"city":"Berlin"/"city":"Berlin","city":"Paris"/' > "$T/bad.json"
	req m1 POST /v1/leads "$T/bad.json"
	refused "$server: a lead with a duplicate key" 400 malformed_json
	bad_lead '.leads[0].employee_count = 50' "$server: a number where a string belongs" 400 wrong_type
	jq -e '.field == "leads[0].employee_count"' "$T/resp" > /dev/null
	tap $? "$server: the 400 names the field leads[0].employee_count"
	bad_lead '.leads[0].nickname = "Pat"' "$server: an unknown field" 400 unknown_field
	bad_lead '.extra = 1' "$server: an unknown top-level member" 400 bad_body
	bad_lead '.leads[0].email = "pat at firm"' "$server: an invalid email" 400 invalid_email
	bad_lead '.leads[0].email = "pat@gmail.com"' "$server: a free-mail address" 400 free_mail_domain
	bad_lead '.leads[0].website = "javascript:alert(1)"' "$server: an invalid website URL" 400 invalid_url
	jq '.leads[0].wallet_ss58 = "'"$(addr m2)"'"' "$T/ok.json" > "$T/bad.json"
	req m1 POST /v1/leads "$T/bad.json"
	refused "$server: a wallet_ss58 that is not the signer" 400 wallet_mismatch
	bad_lead '.leads = []' "$server: an empty batch" 400 bad_batch

	req m1 GET /v1/leads/not-a-uuid
	refused "$server: a malformed lead id" 400 bad_lead_id
	req m2 GET "/v1/leads/$LEAD_ID"
	refused "$server: another miner reading my lead" 403 not_your_lead
	req u1 GET "/v1/leads/$LEAD_ID"
	refused "$server: an unregistered hotkey reading a lead" 403 not_registered
	req m1 GET /v1/leads/00000000-0000-7000-8000-000000000001
	refused "$server: a lead id nobody submitted" 404 no_such_lead

	status=$(curl -s -o "$T/resp" -w '%{http_code}' -X DELETE "$BASE/v1/leads")
	refused "$server: DELETE on /v1/leads" 405 method_not_allowed
	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/v1/nowhere")
	refused "$server: an unknown endpoint" 404 no_such_endpoint
	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/v1/log?after=-1")
	refused "$server: a negative log cursor" 400 bad_query
	status=$(curl -s -o "$T/resp" -w '%{http_code}' "$BASE/v1/log?limit=0")
	refused "$server: a zero log limit" 400 bad_query

	# A duplicate: the lead accepted by accepted_suite, sent again.
	make_lead m1 "${server}1" > "$T/dup.json"
	req m1 POST /v1/leads "$T/dup.json"
	local after
	after=$(store_state)
	[ "$status" = 409 ] && jq -e '.accepted == 0 and .results[0].reason == "duplicate_email" and .results[0].status_code == 409 and
		(.results[0].detail | test("[0-9a-f]{8}-[0-9a-f]{4}") or test("which is") | not)' \
		"$T/resp" > /dev/null && [ "$after" = "$before" ]
	tap $? "$server: a lead with the same normalised email: 409 duplicate_email naming neither the lead that holds it nor its state, no lead stored"
}

# rate_limit_suite SERVER: miner m3 fills its daily quota of 10.
rate_limit_suite() {
	local server=$1 i retry midnight
	jq -n '{leads: []}' > "$T/batch.json"
	for i in $(seq 1 10); do
		make_lead m3 "${server}rl$i" | jq -c '.leads[0]' > "$T/one.json"
		jq --slurpfile l "$T/one.json" '.leads += $l' "$T/batch.json" > "$T/b2.json" && mv "$T/b2.json" "$T/batch.json"
	done
	req m3 POST /v1/leads "$T/batch.json"
	[ "$status" = 200 ] && jq -e '.accepted == 10' "$T/resp" > /dev/null
	tap $? "$server: ten leads in one request fill miner m3's daily quota"
	make_lead m3 "${server}rl11" > "$T/one.json"
	before=$(store_state)
	req m3 POST /v1/leads "$T/one.json"
	refused "$server: the eleventh lead of the day" 429 daily_submission_limit
	retry=$(retry_after)
	if [ "$have_faults" != yes ]; then
		[ -n "$retry" ]
		tap $? "$server: the 429 carries Retry-After ($retry s)"
		skip "$server: the quota's midnight needs the test clock (--enable-fault-injection)"
		return
	fi
	midnight=$(( ($(clock_now) / 86400 + 1) * 86400 ))
	[ "$retry" = $((midnight - $(clock_now))) ]
	tap $? "$server: the 429 carries Retry-After until the next UTC midnight ($retry s)"
	clock_set $((midnight - 1))
	req m3 POST /v1/leads "$T/one.json"
	problem_is 429 daily_submission_limit && [ "$(retry_after)" = 1 ]
	tap $? "$server: one second before midnight: still 429, Retry-After: 1"
	clock_set "$midnight"
	req m3 POST /v1/leads "$T/one.json"
	[ "$status" = 200 ] && jq -e '.accepted == 1' "$T/resp" > /dev/null
	tap $? "$server: at midnight UTC a new day's quota: the lead is accepted"
}

# concurrency_suite SERVER: 16 submissions of one miner at once, through
# several workers, against a daily quota of 10: exactly 10 leads get in,
# the rest are refused with 429, and the log stays one unbroken chain.
concurrency_suite() {
	local server=$1 i before_leads after_leads
	before_leads=$("$bin/leadgate-admin" status | sed -n 's/^leads: //p')
	for i in $(seq 1 16); do
		make_lead m4 "${server}c$i" > "$T/c$i.json"
		"$bin/leadgate-admin" sign --key "$T/keys/m4" POST "$BASE/v1/leads" "$T/c$i.json" > "$T/ch$i"
	done
	local curls=()
	for i in $(seq 1 16); do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 -H @"$T/ch$i" --data-binary @"$T/c$i.json" \
			"$BASE/v1/leads" > "$T/cs$i" &
		curls+=($!)
	done
	wait "${curls[@]}"  # not the server, also a child of this shell
	after_leads=$("$bin/leadgate-admin" status | sed -n 's/^leads: //p')
	local ok200 ok429
	ok200=$(cat "$T"/cs* | grep -c '^200$')
	ok429=$(cat "$T"/cs* | grep -c '^429$')
	[ "$ok200" = 10 ] && [ "$ok429" = 6 ] && [ "$after_leads" = $((before_leads + 10)) ]
	tap $? "$server: 16 concurrent submissions against a quota of 10: $ok200 accepted, $ok429 refused with 429"
	"$bin/leadgate-admin" status > "$T/st"
	grep -q '^log_chain: ok' "$T/st"
	tap $? "$server: after concurrent writers the log is one chain ($(grep -E '^(log_chain|map_size)' "$T/st" | tr '\n' ' '))"
}

# client_suite SERVER: a client's API key reaches the worker (Apache keeps
# Authorization from FastCGI programs unless CGIPassAuth is on), and a
# missing one is refused with the Bearer challenge.  The key in $T/client.key.
client_suite() {
	local server=$1 id
	[ -s "$T/client.key" ] || "$bin/leadgate-admin" clients add "suite-$$" > "$T/client.key" 2> /dev/null ||
		bail "clients add"
	echo '{"num_leads": 2, "business_desc": "suite"}' > "$T/ask.json"
	status=$(curl -s -o "$T/resp" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/client.key")" \
		--data-binary @"$T/ask.json" "$BASE/v1/requests")
	id=$(jq -r '.request_id // empty' "$T/resp")
	[ "$status" = 202 ] && [ -n "$id" ] &&
		[ "$(curl -s -H "Authorization: Bearer $(cat "$T/client.key")" "$BASE/v1/requests/$id" | jq -r .status)" = pending ]
	tap $? "$server: a client's API key reaches the worker: its request is made (202) and read back"
	status=$(curl -s -D "$T/hdr" -o "$T/resp" -w '%{http_code}' "$BASE/v1/requests/$id")
	problem_is 401 missing_api_key && grep -qi '^WWW-Authenticate: Bearer' "$T/hdr"
	tap $? "$server: without the key: 401 missing_api_key with a Bearer challenge"
}

# large_body_suite SERVER: a body of several FastCGI records arrives
# whole.  The worker writes up to 65 535 bytes a record in one sendmsg and
# its last 4 KB through libfcgi with the end of the stream (fcgi/records.c):
# a page of 500 log entries (about 180 KB: three records and the tail)
# through the server is byte for byte what the CGI program writes.
large_body_suite() {
	local server=$1 uri="/v1/log?limit=500" size
	[ -f "$T/large-log" ] || { "$top_builddir/tests/fill-log" 900 500 && touch "$T/large-log"; } ||
		bail "fill-log"
	curl -s -o "$T/large.body" "$BASE$uri"
	: > "$T/h"
	cgi GET "$uri"
	size=$(wc -c < "$T/large.body")
	[ "$size" -gt $((2 * 65535 + 4096)) ] && cmp -s "$T/large.body" "$T/resp"
	tap $? "$server: a $size-byte log page (several FastCGI records) arrives byte for byte as the CGI program writes it"
}
