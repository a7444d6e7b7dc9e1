-- GET paths picked at random from a file, one a line: "PATH" or "PATH<TAB>COOKIE".
--
--   wrk -c 8 -t 2 -d 30s -s bench/wrk/paths.lua http://127.0.0.1:8011 -- paths.txt
--
-- A line with a cookie (e.g. "sessionid=…") sends it with that path only, so signed-in and
-- anonymous pages can share a run. done() prints one line, BENCH {json}, for the bench scripts.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  requests_ = {}
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      requests_[#requests_ + 1] = wrk.format("GET", path, headers)
    end
  end
  assert(#requests_ > 0, "no paths in " .. args[1])
end

function request()
  return requests_[math.random(#requests_)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50": %.0f, "p95": %.0f, "p99": %.0f, '
      .. '"max": %.0f, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout
  ))
end
