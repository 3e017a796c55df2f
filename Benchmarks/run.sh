#!/usr/bin/env bash
# Courier's performance comparison (issue 6). Loopback only; every loop is bounded.
#
# Installs (apt) and starts nginx on 127.0.0.1 (worker_processes 1, access log off, keepalive_requests 1000000,
# POST /post reads the whole body then answers 204, GET /get answers 13 bytes, stub_status), checks that nginx
# really reads POST bodies before answering, then runs every client interleaved (A B C … A B C …), ROUNDS times,
# on each workload, stores every raw JSON line, and prints the table (Benchmarks/summarize.py).
#
# Environment (all optional):
#   COURIER=path       release courier binary            (default ../.build/release/courier, next to this folder)
#   SCALE=f            multiply every N by f             (default 1; SCALE=0.05 for a quick run)
#   ROUNDS=n           rounds per workload               (default 3)
#   WORKLOADS="W1 W2 W3 W4"   which workloads
#   CLIENTS="courier courier-el courier-els ahc-async ahc-futures go curl wrk"   which clients, in this order
#           within a round (courier-el: `courier bench --executor event-loop`, every sending task on
#           Client.taskExecutor; courier-els: `--executor event-loops`, tasks spread over Client.taskExecutors)
#   W1_N W2_N W3_N W4_N       override a workload's request count (before SCALE is applied: no)
#   WRK_SECONDS=s      duration of each wrk run          (default 5 x SCALE, at least 1)
#   PORT=p             nginx port                        (default 18080)
#   RUN_TIMEOUT=s      kill any single client run after  (default 900)
#   SKIP_INSTALL=1     do not apt-get install            SKIP_BUILD=1  do not build go-bench / ahc-bench
#   OUT=dir            where results go                  (default Benchmarks/results/<date>)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COURIER=${COURIER:-$HERE/../.build/release/courier}
SCALE=${SCALE:-1}
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-"W1 W2 W3 W4"}
CLIENTS=${CLIENTS:-"courier courier-el courier-els ahc-async ahc-futures go curl wrk"}
PORT=${PORT:-18080}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
OUT=${OUT:-$HERE/results/$(date -u +%Y%m%d-%H%M%S)}
AHC_BENCH=${AHC_BENCH:-$HERE/.build/release/ahc-bench}
GO_BENCH=${GO_BENCH:-$HERE/go-bench/go-bench}
BASE="http://127.0.0.1:$PORT"

log() { printf '[run.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"   # one object per run: workload, round, nginx counts and the client's raw line
RAW="$OUT/raw.jsonl"           # the clients' JSON lines exactly as printed
: >"$RESULTS"
: >"$RAW"

# ---------------------------------------------------------------------------------------------------- install
if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
    need=()
    command -v nginx >/dev/null || need+=(nginx)
    ls /usr/share/nginx/modules/ngx_http_echo_module.so >/dev/null 2>&1 || need+=(libnginx-mod-http-echo)
    command -v wrk >/dev/null || need+=(wrk)
    command -v go >/dev/null || need+=(golang-go)
    [[ -x /usr/bin/time ]] || need+=(time)
    command -v curl >/dev/null || need+=(curl)
    command -v python3 >/dev/null || need+=(python3)
    if ((${#need[@]})); then
        log "apt-get install ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi
ECHO_MODULE=$(ls /usr/share/nginx/modules/ngx_http_echo_module.so /usr/lib/nginx/modules/ngx_http_echo_module.so 2>/dev/null | head -1 || true)
[[ -n "$ECHO_MODULE" ]] || die "ngx_http_echo_module.so not found (apt-get install libnginx-mod-http-echo)"

# ---------------------------------------------------------------------------------------------------- build
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building go-bench"
    (cd "$HERE/go-bench" && GOPATH=${GOPATH:-/tmp/courier-bench-gopath} GOCACHE=${GOCACHE:-/tmp/courier-bench-gocache} \
        GOFLAGS= GOPROXY=off nice go build -o go-bench .)
    log "building ahc-bench (swift build -c release in Benchmarks/)"
    (cd "$HERE" && nice swift build -c release --product ahc-bench >&2)
fi
[[ -x "$COURIER" ]] || die "no courier binary at $COURIER (swift build -c release --product courier in the repository root)"
for c in $CLIENTS; do
    case $c in
        ahc-*) [[ -x "$AHC_BENCH" ]] || die "no ahc-bench at $AHC_BENCH" ;;
        go) [[ -x "$GO_BENCH" ]] || die "no go-bench at $GO_BENCH" ;;
    esac
done

# ---------------------------------------------------------------------------------------------------- nginx
PREFIX=$(mktemp -d /tmp/courier-bench-nginx.XXXXXX)
chmod 755 "$PREFIX"
for d in client_body proxy fastcgi uwsgi scgi; do mkdir -p "$PREFIX/$d" && chmod 777 "$PREFIX/$d"; done
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@PORT@|$PORT|g" -e "s|@ECHO_MODULE@|$ECHO_MODULE|g" \
    "$HERE/nginx.conf.in" >"$PREFIX/nginx.conf"
cp "$PREFIX/nginx.conf" "$OUT/nginx.conf"
nginx -t -q -p "$PREFIX" -e "$PREFIX/error.log" -c "$PREFIX/nginx.conf"
nginx -p "$PREFIX" -e "$PREFIX/error.log" -c "$PREFIX/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
WORK=$(mktemp -d /tmp/courier-bench-work.XXXXXX)
cleanup() {
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    rm -rf "$WORK" "$PREFIX"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -sf "$BASE/nginx_status" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -sf "$BASE/nginx_status" >/dev/null || die "nginx did not start (see $PREFIX/error.log)"
log "nginx $(nginx -v 2>&1 | sed 's/.*\///') on $BASE (pid $NGINX_PID), results in $OUT"

# nginx must answer the POST only after it has read the whole body, keep the connection open, and serve 13 bytes.
python3 - "$PORT" <<'EOF' || die "nginx check failed"
import select, socket, sys, time
port = int(sys.argv[1])
size = 1 << 20
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /post HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
          b"Content-Length: %d\r\n\r\n" % size)
s.sendall(b"x" * (size // 2))
time.sleep(0.5)
r, _, _ = select.select([s], [], [], 0)
assert not r, "nginx answered before the whole body arrived"
s.sendall(b"x" * (size - size // 2))
head = b""
deadline = time.time() + 5
while b"\r\n\r\n" not in head and time.time() < deadline:
    chunk = s.recv(4096)
    if not chunk:
        break
    head += chunk
assert head.startswith(b"HTTP/1.1 204"), head
s.sendall(b"GET /get HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
data = b""
deadline = time.time() + 5
while not data.endswith(b"hello, world\n") and time.time() < deadline:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\nhello, world\n"), data
s.close()
print("nginx check: POST answered 204 only after the whole 1 MiB body; same connection then served 13 bytes",
      file=sys.stderr)
EOF

# stub_status: "accepts handled requests" counters and active connections (the status request itself included).
nginx_counts() { # prints: active accepts requests
    curl -s "$BASE/nginx_status" | awk 'NR==1{a=$3} NR==3{print a, $1, $3}'
}
wait_idle() { # until nginx has only the status connection (previous clients' sockets closed), at most 5 s
    local active
    for _ in $(seq 1 100); do
        read -r active _ _ < <(nginx_counts)
        [[ "$active" -le 1 ]] && return 0
        sleep 0.05
    done
    log "warning: nginx still has $active active connections"
}

# ---------------------------------------------------------------------------------------------------- workloads
wl_params() { # workload -> "C N B path"
    local c n b
    case $1 in
        W1) c=1 n=${W1_N:-20000} b=1024 ;;
        W2) c=16 n=${W2_N:-50000} b=1024 ;;
        W3) c=4 n=${W3_N:-3000} b=1048576 ;;
        W4) c=64 n=${W4_N:-100000} b=0 ;;
        *) die "unknown workload $1" ;;
    esac
    n=$(python3 -c "import sys; print(max(int(sys.argv[2]), round(int(sys.argv[1]) * float(sys.argv[3]))))" "$n" "$c" "$SCALE")
    echo "$c $n $b $([[ $b == 0 ]] && echo /get || echo /post)"
}
WRK_SECONDS=${WRK_SECONDS:-$(python3 -c "import sys; print(max(1, round(5 * float(sys.argv[1]))))" "$SCALE")}

# watch PID: samples /proc/PID/fd every 10 ms from outside (go-bench -watch), result in $1
start_watch() { # $1 = pid, $2 = output file
    "$GO_BENCH" -watch "$1" -watch-max-seconds "$RUN_TIMEOUT" >"$2" 2>/dev/null &
    WATCH_PID=$!
}
child_of() { # first child of $1, waiting up to 2 s
    local kid
    for _ in $(seq 1 200); do
        kid=$(pgrep -P "$1" | head -1 || true)
        [[ -n "$kid" ]] && { echo "$kid"; return 0; }
        sleep 0.01
    done
    return 1
}

# One run of one client; prints the client's JSON line (with the contract's keys) on stdout.
run_client() { # client C N B url
    local client=$1 c=$2 n=$3 b=$4 url=$5
    case $client in
        courier)
            timeout "$RUN_TIMEOUT" "$COURIER" bench --url "$url" --requests "$n" --concurrency "$c" --body-bytes "$b" ;;
        courier-el)
            timeout "$RUN_TIMEOUT" "$COURIER" bench --url "$url" --requests "$n" --concurrency "$c" --body-bytes "$b" \
                --executor event-loop ;;
        courier-els)
            timeout "$RUN_TIMEOUT" "$COURIER" bench --url "$url" --requests "$n" --concurrency "$c" --body-bytes "$b" \
                --executor event-loops ;;
        ahc-async | ahc-futures)
            timeout "$RUN_TIMEOUT" "$AHC_BENCH" --mode "${client#ahc-}" --url "$url" --requests "$n" \
                --concurrency "$c" --body-bytes "$b" ;;
        go)
            timeout "$RUN_TIMEOUT" "$GO_BENCH" --url "$url" --requests "$n" --concurrency "$c" --body-bytes "$b" ;;
        curl) run_curl "$c" "$n" "$b" "$url" ;;
        wrk) run_wrk "$c" "$b" "$url" ;;
    esac
}

# curl: ONE invocation, --parallel --parallel-max C, N URLs from a config file; rps from wall time, CPU and RSS
# from /usr/bin/time, descriptors from outside, connections = sum of %{num_connects}.
run_curl() {
    local c=$1 n=$2 b=$3 url=$4 cfg="$WORK/curl-$1-$2.cfg" args=() start end tpid kid status=0
    if [[ ! -f "$cfg" ]]; then
        python3 - "$url" "$n" >"$cfg" <<'EOF'
import sys
url, n = sys.argv[1], int(sys.argv[2])
sys.stdout.write(f'url = "{url}"\noutput = "/dev/null"\n' * n)
EOF
    fi
    if ((b > 0)); then
        head -c "$b" /dev/zero | tr '\0' x >"$WORK/body-$b"
        # Expect: off, as every other client here sends the body at once.
        args=(--data-binary "@$WORK/body-$b" -H 'Content-Type: application/octet-stream' -H 'Expect:')
    fi
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$WORK/curl.time" \
        timeout "$RUN_TIMEOUT" curl -s --parallel --parallel-max "$c" -K "$cfg" "${args[@]}" \
        -w '%{http_code} %{num_connects}\n' >"$WORK/curl.out" 2>"$WORK/curl.err" &
    tpid=$!
    if kid=$(child_of "$tpid"); then
        kid=$(child_of "$kid" || echo "$kid")   # time -> timeout -> curl
        start_watch "$kid" "$WORK/curl.watch"
    else
        WATCH_PID=""
    fi
    wait "$tpid" || status=$?
    end=$(date +%s.%N)
    [[ -n "$WATCH_PID" ]] && wait "$WATCH_PID" 2>/dev/null || true
    python3 - "$n" "$start" "$end" "$WORK/curl.time" "$WORK/curl.out" "$WORK/curl.watch" <<'EOF'
import json, sys
n, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
user, system, rss = open(sys.argv[4]).read().split()[-3:]
ok = conns = 0
for line in open(sys.argv[5]):
    parts = line.split()
    if len(parts) == 2:
        ok += parts[0].startswith("2")
        conns += int(parts[1])
try:
    watch = json.loads(open(sys.argv[6]).read())
except Exception:
    watch = {"peak_fds": -1}
seconds = end - start
print(json.dumps({"client": "curl", "requests": n, "errors": n - ok, "seconds": seconds, "rps": n / seconds,
                  "cpu_user": float(user), "cpu_sys": float(system), "max_rss_kb": int(rss),
                  "peak_fds": watch["peak_fds"], "connections_opened": conns}, separators=(",", ":")))
EOF
    return 0
}

# wrk: the reference limit (duration-based, WRK_SECONDS); one thread, C connections.
run_wrk() {
    local c=$1 b=$2 url=$3 tpid kid status=0
    WRK_BODY_BYTES=$b /usr/bin/time -f '%U %S %M' -o "$WORK/wrk.time" \
        timeout "$RUN_TIMEOUT" wrk -t1 -c "$c" -d "${WRK_SECONDS}s" -s "$HERE/wrk.lua" "$url" \
        >"$WORK/wrk.out" 2>"$WORK/wrk.err" &
    tpid=$!
    if kid=$(child_of "$tpid"); then
        kid=$(child_of "$kid" || echo "$kid")
        start_watch "$kid" "$WORK/wrk.watch"
    else
        WATCH_PID=""
    fi
    wait "$tpid" || status=$?
    [[ -n "$WATCH_PID" ]] && wait "$WATCH_PID" 2>/dev/null || true
    python3 - "$WORK/wrk.time" "$WORK/wrk.out" "$WORK/wrk.watch" <<'EOF'
import json, sys
user, system, rss = open(sys.argv[1]).read().split()[-3:]
line = [l for l in open(sys.argv[2]) if l.startswith('{"client":"wrk"')][-1]
result = json.loads(line)
try:
    watch = json.loads(open(sys.argv[3]).read())
except Exception:
    watch = {"peak_fds": -1, "sockets_seen": -1}
result.update(cpu_user=float(user), cpu_sys=float(system), max_rss_kb=int(rss), peak_fds=watch["peak_fds"],
              connections_opened=watch["sockets_seen"])
print(json.dumps(result, separators=(",", ":")))
EOF
}

# ---------------------------------------------------------------------------------------------------- run
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm), $(nproc) cores"
    echo "scale: $SCALE rounds: $ROUNDS wrk_seconds: $WRK_SECONDS"
    echo "courier: $COURIER"
    echo "nginx: $(nginx -v 2>&1)"
    echo "go: $(go version 2>/dev/null || true)"
    echo "curl: $(curl --version | head -1)"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "courier sha256: $(sha256sum "$COURIER" | cut -d' ' -f1)"
    echo "load average at start: $(cat /proc/loadavg)"
} >"$OUT/environment.txt"

for wl in $WORKLOADS; do
    read -r C N B PATH_ < <(wl_params "$wl")
    log "$wl: C=$C N=$N body=$B bytes ($PATH_)"
    for round in $(seq 1 "$ROUNDS"); do
        for client in $CLIENTS; do
            wait_idle
            read -r _ acc0 req0 < <(nginx_counts)
            status=0
            cpu0=$(head -1 /proc/stat)
            line=$(run_client "$client" "$C" "$N" "$B" "$BASE$PATH_" 2>"$WORK/stderr") || status=$?
            cpu1=$(head -1 /proc/stat)
            read -r _ acc1 req1 < <(nginx_counts)
            line=$(printf '%s\n' "$line" | grep '^{' | tail -1 || true)
            if [[ -z "$line" ]]; then
                log "  $client round $round: no JSON line (exit $status): $(tail -3 "$WORK/stderr" | tr '\n' ' ')"
                line='null'
            else
                printf '%s\n' "$line" >>"$RAW"
            fi
            # accepted/handled-requests deltas, less the one status request made after the run
            python3 - "$wl" "$round" "$client" "$C" "$N" "$B" "$status" "$((acc1 - acc0 - 1))" "$((req1 - req0 - 1))" \
                "$line" "$(cut -d' ' -f1 /proc/loadavg)" "$cpu0" "$cpu1" >>"$RESULTS" <<'EOF'
import json, sys
wl, rnd, client, c, n, b, status, acc, req, line, load, cpu0, cpu1 = sys.argv[1:]
# The host's CPU time during the run (all cores, /proc/stat ticks): the share stolen by the hypervisor says
# whether the run measured the client or the neighbours (summarize.py marks runs over 5% as disturbed).
before, after = [int(v) for v in cpu0.split()[1:9]], [int(v) for v in cpu1.split()[1:9]]
delta = [a - b for a, b in zip(after, before)]
steal = 100.0 * delta[7] / max(sum(delta), 1)
print(json.dumps({"workload": wl, "round": int(rnd), "client": client, "concurrency": int(c), "requests": int(n),
                  "body_bytes": int(b), "exit": int(status), "nginx_accepted": int(acc), "nginx_requests": int(req),
                  "loadavg_1m_after": float(load), "steal_pct": round(steal, 1), "result": json.loads(line)},
                 separators=(",", ":")))
EOF
            log "  round $round $client: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("—" if r is None else "%.0f rps, %d errors, %d conns" % (r["rps"], r["errors"], r["connections_opened"]))' "$line"), nginx accepted $((acc1 - acc0 - 1))"
        done
    done
done

python3 "$HERE/summarize.py" "$RESULTS" | tee "$OUT/table.md"
log "raw lines: $RAW; per-run records: $RESULTS; table: $OUT/table.md"
