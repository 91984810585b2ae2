-- wrk script: replay a pool of pre-signed POSTs (bench/fill-epoch
-- challenges), each line "path<TAB>Signature-Input<TAB>Signature<TAB>
-- Content-Digest<TAB>body", in order, each once; past the end of the pool
-- it wraps around and the gateway refuses the repeats (409 or 401),
-- which wrk counts as non-2xx.  Run it with one thread.
function init(args)
	reqs = {}
	for line in io.lines(os.getenv("LEADGATE_BENCH_POOL")) do
		local path, input, signature, digest, body =
			line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
		reqs[#reqs + 1] = wrk.format("POST", path, {
			["Signature-Input"] = input, ["Signature"] = signature,
			["Content-Digest"] = digest, ["Content-Type"] = "application/json"}, body)
	end
	n = 0
end

function request()
	n = n + 1
	if n > #reqs then
		n = 1
	end
	return reqs[n]
end
