-- Idle check-ins for wrk (run by bench/lib/wrk.ts):
--   wrk ... -s bench/wrk/checkin.lua <origin> -- <requests file> <seed> [<rate per thread>]
--
-- The requests file holds one complete HTTP request per computer, NUL-separated, written
-- by the benchmark from the same functions as the Node load generator's (so a change to
-- the check-in body flows through; see bench/lib/wrk-requests.ts). Each request goes to
-- a random computer, with that computer's own bearer credential.
--
-- Without a rate: closed loop (each connection sends again as soon as it is answered).
-- With a rate: open loop. Each thread sends on a fixed schedule, one slot every
-- 1/rate s; a free connection takes the next slot and waits for it. A slot taken late
-- (every connection was busy) is sent at once and its lateness recorded, because wrk
-- times a request from its send, not from its slot: latency + lateness bounds the time
-- from the slot to the answer (see wrk-output.ts).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } ringmaster_timespec;
int clock_gettime(int clock, ringmaster_timespec *tp);
]]
local timespec = ffi.new("ringmaster_timespec")
local CLOCK_MONOTONIC = 1
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

-- Main state: the threads, so that done() can read their lateness.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Thread state.
local requests, count = {}, 0
local period, next_slot = nil, nil
-- Slots taken by delay() and not yet sent, in order (wrk calls delay() then, when the
-- wait is over, request() for the same connection).
local slots, head, tail = {}, 1, 0
late = {} -- whole ms of lateness -> sends (a global: done() reads it with thread:get)

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  local from = 1
  while from <= #data do
    local to = string.find(data, "\0", from, true) or (#data + 1)
    count = count + 1
    requests[count] = string.sub(data, from, to - 1)
    from = to + 1
  end
  assert(count > 0, "no requests in " .. args[1])
  math.randomseed(tonumber(args[2]) + id * 7919)
  local rate = tonumber(args[3])
  if rate and rate > 0 then
    period = 1000 / rate
  else
    delay = nil -- wrk paces only when the script has a delay function
  end
end

function delay()
  local now = now_ms()
  next_slot = next_slot or now
  local slot = next_slot
  next_slot = slot + period
  tail = tail + 1
  slots[tail] = slot
  local wait = slot - now
  return wait > 0 and math.ceil(wait) or 0
end

function request()
  if period and head <= tail then
    local slot = slots[head]
    slots[head] = nil
    head = head + 1
    local ms = math.max(0, math.floor(now_ms() - slot))
    late[ms] = (late[ms] or 0) + 1
  end
  return requests[math.random(count)]
end

-- One line the benchmark parses beside wrk's own output.
function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for ms, n in pairs(thread:get("late") or {}) do
      merged[ms] = (merged[ms] or 0) + n
    end
  end
  local parts = {}
  for ms, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%d":%d', ms, n)
  end
  io.write(string.format(
    'ringmaster-wrk {"latencyP995Us":%d,"lateMs":{%s}}\n',
    latency:percentile(99.5),
    table.concat(parts, ",")
  ))
end
