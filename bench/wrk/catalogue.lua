-- /trainings/ with random filters, drawn from the real values of trainings/filters.py.
--
--   wrk -c 8 -t 2 -d 30s -s bench/wrk/catalogue.lua http://127.0.0.1:8011
--
-- Each request takes a kind half the time, a model, a format or a county about a third of the
-- time each, "only with free seats" a fifth, a search word a tenth; with at most one filter it
-- asks for pages 2-10 a quarter of the time (every single filter has 10 pages or more). done()
-- prints one line, BENCH {json}, for bench/throughput.py.

local kinds = { "concepts", "phase_1", "phase_2", "community_of_practice", "other" }
local models = { "nmt", "nme" }
local formats = { "in_person", "online", "hybrid" }
local counties = {
  "alameda", "contra_costa", "marin", "napa", "san_francisco",
  "san_mateo", "santa_clara", "santa_cruz", "solano", "sonoma",
}
local words = { "regulation", "sensory", "relational", "classroom", "supervision", "health+campus" }

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
  base = args[1] or "/trainings/"
end

local function pick(list)
  return list[math.random(#list)]
end

function request()
  local q = {}
  if math.random() < 0.5 then q[#q + 1] = "kind=" .. pick(kinds) end
  if math.random() < 0.3 then q[#q + 1] = "model=" .. pick(models) end
  if math.random() < 0.3 then q[#q + 1] = "format=" .. pick(formats) end
  if math.random() < 0.25 then q[#q + 1] = "county=" .. pick(counties) end
  if math.random() < 0.2 then q[#q + 1] = "open=1" end
  if math.random() < 0.1 then q[#q + 1] = "q=" .. pick(words) end
  if #q <= 1 and math.random() < 0.25 then q[#q + 1] = "page=" .. math.random(2, 10) end
  local path = base
  if #q > 0 then path = path .. "?" .. table.concat(q, "&") end
  return wrk.format("GET", path)
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
