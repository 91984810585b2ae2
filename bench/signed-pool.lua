-- wrk script: replay a pool of pre-signed requests (bench/presign), each
-- once.  Thread i of N takes lines i, i+N, ... of LEADGATE_BENCH_POOL, so
-- no nonce is sent twice; a thread that runs out wraps around, and the
-- gateway then refuses the replays, which wrk counts as non-2xx responses
-- (bench/run.sh discards such a run).
local threads = {}
local counter = 0

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	local nthreads = tonumber(os.getenv("LEADGATE_BENCH_THREADS") or "1")
	reqs = {}
	local i = 0
	for line in io.lines(os.getenv("LEADGATE_BENCH_POOL")) do
		if i % nthreads == id then
			local input, signature = line:match("^([^\t]*)\t(.*)$")
			reqs[#reqs + 1] = wrk.format(nil, nil,
				{["Signature-Input"] = input, ["Signature"] = signature})
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
