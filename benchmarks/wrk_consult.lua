-- wrk script for benchmarks/bench_load.py.
-- Usage: wrk ... -s wrk_consult.lua URL -- MODE SESSIONS_FILE
--   MODE: health | page | save
--   SESSIONS_FILE: one line per link: "<cookie>\t<csrf_token>\t<post body without csrf>"
-- Requests rotate across every link's session (each thread starts at a different offset).
-- done() prints one JSON line the Python driver reads: requests, errors, latency percentiles.

local mode = "health"
local sessions = {}
local index = 0
local counter = 0

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

function init(args)
  mode = args[1] or "health"
  local path = args[2]
  if path then
    for line in io.lines(path) do
      local cookie, csrf, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      if cookie then
        table.insert(sessions, {cookie = cookie, body = "csrf_token=" .. urlencode(csrf) .. "&" .. body})
      end
    end
  end
  index = ((thread_number or 1) - 1) * 997
end

function request()
  if mode == "health" then
    return wrk.format("GET", "/healthz")
  end
  index = index + 1
  local s = sessions[(index % #sessions) + 1]
  local headers = {["Cookie"] = s.cookie}
  if mode == "page" then
    return wrk.format("GET", "/respond/section/principles", headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", "/respond/section/principles", headers, s.body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
