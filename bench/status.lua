-- status.lua - the wrk script of bench/status.sh: OCSP requests cycling
-- through every certificate, checked answers, one result line.
--
-- Environment (read in each thread's init):
--   STATUS_REQS   requests.bin of bench/ocspgen.py (2-byte big-endian
--                 length, DER request, repeated)
--   STATUS_PATHS  get-paths.txt (one "/urlencoded-base64" per line)
--   STATUS_MODE   post (default) or get
--   STATUS_PREFIX a path prefix for GET (empty by default)
-- Every HTTP request is built once, up front, with wrk.format; request()
-- only hands the next one out, so that Lua is not what is measured.  Each
-- thread starts at a different place in the cycle.
--
-- response() checks every answer: HTTP 200 and an OCSPResponse whose
-- responseStatus is successful (0) with responseBytes present; the
-- others are counted (non-200, and 200 but not successful: cfssl, for
-- one, answers an unknown serial with 200 and "unauthorized").  done()
-- prints one line for bench/status.sh:
--   STATUS-RESULT requests seconds rps p50_us p99_us non200 unsuccessful
--     socket_errors http_errors
-- (http_errors: wrk's own count of HTTP statuses above 399, which it keeps
-- with or without response())
-- wrk's own wrk.resolve keeps the addresses it can connect to, by
-- connecting to each and closing without a request.  openssl ocsp (3.0)
-- takes that connection and spins on it at 100 % of a core for ever,
-- so the probe would cost openssl a core in every run: this one only
-- looks the address up (bench/status.sh waits for the listener itself).
function wrk.resolve(host, service)
	wrk.addrs = wrk.lookup(host, service)
end

local reqs, n, i = {}, 0, 0
non200, unsuccessful = 0, 0

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("thread_id", nthreads)
	table.insert(threads, thread)
end

local function load_post()
	local f = assert(io.open(os.getenv("STATUS_REQS"), "rb"))
	local data = f:read("*a")
	f:close()
	local pos, len = 1, #data
	local hdr = { ["Content-Type"] = "application/ocsp-request",
	    ["Host"] = "ocsp.example.org" }
	while pos + 1 <= len do
		local a, b = data:byte(pos, pos + 1)
		local l = a * 256 + b
		local der = data:sub(pos + 2, pos + 1 + l)
		n = n + 1
		reqs[n] = wrk.format("POST", "/", hdr, der)
		pos = pos + 2 + l
	end
end

local function load_get()
	local prefix = os.getenv("STATUS_PREFIX") or ""
	local hdr = { ["Host"] = "ocsp.example.org" }
	for line in io.lines(os.getenv("STATUS_PATHS")) do
		if #line > 0 then
			n = n + 1
			reqs[n] = wrk.format("GET", prefix .. line, hdr, nil)
		end
	end
end

function init(args)
	if (os.getenv("STATUS_MODE") or "post") == "get" then
		load_get()
	else
		load_post()
	end
	assert(n > 0, "status.lua: no requests loaded")
	-- threads start at different places in the cycle
	i = math.floor(((thread_id or 1) - 1) * n / 7) % n
end

function request()
	i = i + 1
	if i > n then i = 1 end
	return reqs[i]
end

-- STATUS_NOCHECK=1 leaves response() undefined: wrk then skips its
-- per-response Lua call, which builds a Lua table of every header and a
-- string of every body (what the check costs is what the canned server
-- loses between its checked and plain runs).  bench/status.sh's "plain"
-- runs use it; their answers are checked otherwise (see there).
local function check(status, headers, body)
	if status ~= 200 then
		non200 = non200 + 1
		return
	end
	-- OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
	--   responseBytes [0] EXPLICIT ... OPTIONAL }
	local b1, b2 = body:byte(1, 2)
	local off
	if b1 ~= 0x30 or b2 == nil then
		unsuccessful = unsuccessful + 1
		return
	elseif b2 < 0x80 then off = 3
	elseif b2 == 0x81 then off = 4
	elseif b2 == 0x82 then off = 5
	else off = 6 end
	local t, l, v, rb = body:byte(off, off + 3)
	if t ~= 0x0a or l ~= 1 or v ~= 0 or rb ~= 0xa0 then
		unsuccessful = unsuccessful + 1
	end
end

if os.getenv("STATUS_NOCHECK") ~= "1" then
	response = check
end

function done(summary, latency, requests)
	local bad200, bad = 0, 0
	for _, t in ipairs(threads) do
		bad200 = bad200 + (t:get("non200") or 0)
		bad = bad + (t:get("unsuccessful") or 0)
	end
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format("STATUS-RESULT %d %.3f %.1f %d %d %d %d %d %d\n",
	    summary.requests, secs, summary.requests / secs,
	    latency:percentile(50), latency:percentile(99), bad200, bad,
	    e.connect + e.read + e.write + e.timeout, e.status))
end
