-- wrk script for Courier's benchmarks: WRK_BODY_BYTES > 0 sends POST of that many bytes; done() prints one JSON
-- line with client, requests, errors, seconds, rps (run.sh adds CPU, RSS and descriptors measured from outside).
local bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "0")
if bytes > 0 then
  wrk.method = "POST"
  wrk.body = string.rep("x", bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"client":"wrk","requests":%d,"errors":%d,"seconds":%.6f,"rps":%.3f}\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, seconds, summary.requests / seconds))
end
