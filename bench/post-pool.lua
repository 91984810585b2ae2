-- wrk script: replay a pool of pre-signed POSTs (bench/fill-epoch
-- challenges and submit), each line "path<TAB>Signature-Input<TAB>
-- Signature<TAB>Content-Digest<TAB>body".  Thread i of N
-- (LEADGATE_BENCH_THREADS, default 1) takes lines i, i+N, ... in order,
-- each once; past the end of its share it wraps around and the gateway
-- refuses the repeats (409 or 401), which wrk counts as non-2xx.
local counter = 0

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
end

function init(args)
	local nthreads = tonumber(os.getenv("LEADGATE_BENCH_THREADS") or "1")
	reqs = {}
	local i = 0
	for line in io.lines(os.getenv("LEADGATE_BENCH_POOL")) do
		if i % nthreads == id then
			local path, input, signature, digest, body =
				line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
			reqs[#reqs + 1] = wrk.format("POST", path, {
				["Signature-Input"] = input, ["Signature"] = signature,
				["Content-Digest"] = digest, ["Content-Type"] = "application/json"}, body)
		end
		i = i + 1
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
