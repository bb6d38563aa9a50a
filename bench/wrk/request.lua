-- One wrk script for every scenario of bench/run.py. Configured by environment variables:
--
--   BENCH_METHOD   GET, POST, DELETE... (default GET)
--   BENCH_BODIES   a file of request bodies, one a line; without it requests have no body
--   BENCH_PATHS    a file of paths, one a line; without it every request uses the URL's path
--   BENCH_ONCE     "1": each line is used once (single-use codes, refresh tokens); the lines
--                  are dealt out to the threads, and a thread that runs out sends its last
--                  line again, which the server refuses, so it shows up as errors
--   BENCH_ADDRS    "host:port,host:port": thread i connects to address i mod n (several
--                  instances, as a load balancer would spread the connections)
--
-- Headers come from wrk's -H. At the end one line "BENCH_RESULT {json}" goes to stdout.

local threads = {}
local counter = 0

local function split(value, sep)
  local out = {}
  for item in string.gmatch(value, "([^" .. sep .. "]+)") do out[#out + 1] = item end
  return out
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  local addrs = os.getenv("BENCH_ADDRS")
  if addrs and addrs ~= "" then
    local list = split(addrs, ",")
    local host, port = string.match(list[(counter - 1) % #list + 1], "^(.+):(%d+)$")
    thread.addr = wrk.lookup(host, port)[1]
  end
  threads[#threads + 1] = thread
end

local lines_of = function(path, id, nthreads, once)
  local out = {}
  local i = 0
  for line in io.lines(path) do
    if not once or i % nthreads == id then out[#out + 1] = line end
    i = i + 1
  end
  return out
end

local bodies, paths, n = nil, nil, 0
local once = false

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  once = os.getenv("BENCH_ONCE") == "1"
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  local b = os.getenv("BENCH_BODIES")
  if b and b ~= "" then bodies = lines_of(b, id, nthreads, once) end
  local p = os.getenv("BENCH_PATHS")
  if p and p ~= "" then paths = lines_of(p, id, nthreads, once) end
end

function request()
  n = n + 1
  local body, path = nil, nil
  if bodies then
    local i = n
    if i > #bodies then i = once and #bodies or ((n - 1) % #bodies + 1) end
    body = bodies[i]
  end
  if paths then
    local i = n
    if i > #paths then i = once and #paths or ((n - 1) % #paths + 1) end
    path = paths[i]
  end
  return wrk.format(nil, path, nil, body)
end

-- The tail of the latency distribution, as (percentile, microseconds) points: enough to pool
-- several runs into one distribution (bench/load.pooled_percentile) and read its p99.
local TAIL = {50, 80, 90, 93, 95, 96, 97, 97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 99.99}

local function tail_json(latency)
  local parts = {}
  for _, p in ipairs(TAIL) do
    parts[#parts + 1] = string.format("[%s,%d]", p, latency:percentile(p))
  end
  parts[#parts + 1] = string.format("[100,%d]", latency.max)
  return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"tail":%s}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, tail_json(latency)))
end
