#!/usr/bin/env bash
# Courier interop suite (issue 6): `courier submit` and the library against HTTP servers nobody here wrote.
#
# Installs what is missing (apt: nginx, libnginx-mod-http-echo, python3), then, on 127.0.0.1 only, on free
# ports, in a temporary directory, with the config files in scripts/interop/:
#   - nginx keepalive_requests 50, keepalive_timeout 0, a keep-alive location that reads the whole body and
#     answers 204, and WebDAV (PUT);
#   - nginx keepalive_timeout 2s (idle close without notice), driven by the InteropIdleGaps Swift test
#     (3 batches, 3 s apart, on one Client);
#   - scripts/interop/recording_server.py (http.server) as HTTP/1.0 and as HTTP/1.1, and behind tinyproxy.
# For each it runs `courier submit` with thousands of generated files and checks the exit code, the --json
# summary, the server's own counts (nginx stub_status accepts/requests; the recording server's log), every
# body's length and SHA-256 on the server side (WebDAV: diff -r of the tree on disk), and the peak number of
# sockets of the courier process, sampled from outside every 10 ms in /proc/PID/fd, against the
# connection limit. One line per check, then `N passed, M failed`; exits 1 if any check failed.
#
# Environment: COURIER (the courier binary; default $COURIER_BUILD_PATH/debug/courier), COURIER_BUILD_PATH
# (the SwiftPM build path whose tests are already built, for the idle-gap test; default .build),
# INTEROP_FILES (files per run; default 3000), INTEROP_KEEP=1 (keep the temporary directory), TMPDIR (where
# to put it; default /dev/shm when it has room, else /tmp).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
HERE=$ROOT/scripts/interop
BUILD_PATH=${COURIER_BUILD_PATH:-.build}
COURIER=${COURIER:-$BUILD_PATH/debug/courier}
case $COURIER in /*) ;; *) COURIER=$ROOT/$COURIER ;; esac
FILES=${INTEROP_FILES:-3000}
RUN_TIMEOUT=120        # seconds for one courier run (it takes a few)
STARTED=$SECONDS
# No proxy from the environment: the tinyproxy target passes its proxy explicitly (--proxy).
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1: $2"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# verdict NAME DETAIL COMMAND... : PASS when COMMAND succeeds.
verdict() {
    local name=$1 detail=$2
    shift 2
    if "$@"; then pass "$name" "$detail"; else fail "$name" "$detail"; fi
}
finish() {
    echo "interop: $((SECONDS - STARTED)) s"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# ---------------------------------------------------------------- prerequisites
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v tinyproxy >/dev/null 2>&1 || missing+=(tinyproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
modules_path() { nginx -V 2>&1 | tr ' ' '\n' | sed -n 's/^--modules-path=//p'; }
export PATH=$PATH:/usr/sbin
if command -v nginx >/dev/null 2>&1; then
    ECHO_MODULE=$(modules_path)/ngx_http_echo_module.so
    [ -f "$ECHO_MODULE" ] || missing+=(libnginx-mod-http-echo)
else
    missing+=(libnginx-mod-http-echo)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "interop: installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { timeout 300 $SUDO apt-get -o DPkg::Lock::Timeout=120 update -qq &&
        timeout 600 $SUDO apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}"; } >"${TMPDIR:-/tmp}/courier-interop-apt.log" 2>&1; then
        tail -20 "${TMPDIR:-/tmp}/courier-interop-apt.log"
        fail "prerequisites" "apt-get install ${missing[*]} failed"
        finish
        exit 1
    fi
fi
ECHO_MODULE=$(modules_path)/ngx_http_echo_module.so
nginx_modules=$(nginx -V 2>&1)
for module in http_dav_module http_stub_status_module; do
    if ! grep -q -- "--with-$module" <<<"$nginx_modules"; then
        fail "prerequisites" "this nginx lacks $module ($(command -v nginx))"
        finish
        exit 1
    fi
done
if [ ! -f "$ECHO_MODULE" ] || [ ! -x "$COURIER" ]; then
    fail "prerequisites" "echo module $ECHO_MODULE or courier binary $COURIER missing (run swift build / swift test first)"
    finish
    exit 1
fi
echo "interop: $(nginx -v 2>&1), $(python3 --version), courier $COURIER, $FILES files per run"

# ---------------------------------------------------------------- temporary directory and cleanup
# On tmpfs when there is one with room (about 200 MB are written; removing them from a slow disk takes
# longer than writing them), else in $TMPDIR.
TMP_BASE=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -gt 1048576 ] 2>/dev/null; then
    TMP_BASE=/dev/shm
fi
TMP=$(mktemp -d "$TMP_BASE/courier-interop.XXXXXX")
PIDS=()
stop_pid() { # bounded: TERM, up to 5 s, then KILL; forgets the pid (never signalled twice: it may be reused)
    local pid=$1 i others=()
    for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || others+=("$i"); done
    PIDS=(${others[@]+"${others[@]}"})
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$pid"; done
    if [ "${INTEROP_KEEP:-0}" = 1 ]; then echo "interop: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'echo "interop: interrupted"; exit 130' INT TERM

# The interpreter itself, once: a version manager's python3 shim can cost most of a second per call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
tools() { "$PYTHON" "$HERE/tools.py" "$@"; }
slug() { tr -cs 'A-Za-z0-9.\n' '-' <<<"$1"; }

# ---------------------------------------------------------------- test data
DATA=$TMP/data
generated=$(tools generate "$DATA" "$FILES" 6) || { fail "generate" "could not write $FILES files"; finish; exit 1; }
MANIFEST=$DATA.manifest
COUNT=$(wc -l <"$MANIFEST")
STDIN_FILE=$TMP/stdin.bin
head -c $((2 * 1024 * 1024 + 4321)) /dev/urandom >"$STDIN_FILE"
echo "interop: generated $generated in $((SECONDS - STARTED)) s"

# ---------------------------------------------------------------- a CA and a server certificate for 127.0.0.1
TLS_DIR=$TMP/tls
make_certificates() {
    mkdir -p "$TLS_DIR" && cd "$TLS_DIR" &&
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=Courier Interop CA" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
            -subj "/CN=127.0.0.1" &&
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
            -extfile server.ext
}
if ! (make_certificates) >"$TMP/openssl.log" 2>&1; then TLS_DIR=; fi

# ---------------------------------------------------------------- servers
NGINX_PID= NGINX_PORT= NGINX_PREFIX=
start_nginx() { # CONFIG NAME; sets NGINX_PID, NGINX_PORT, NGINX_PREFIX
    local config=$1 name=$2 attempt user_line=
    NGINX_PREFIX=$TMP/nginx-$(slug "$name")
    mkdir -p "$NGINX_PREFIX/client_body" "$NGINX_PREFIX/dav"
    [ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
    for attempt in 1 2 3; do
        NGINX_PORT=$(tools free-port)
        sed -e "s|@PREFIX@|$NGINX_PREFIX|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER_LINE@|$user_line|g" \
            -e "s|@ECHO_MODULE@|$ECHO_MODULE|g" -e "s|@TLS_DIR@|$TLS_DIR|g" "$HERE/$config" >"$NGINX_PREFIX/nginx.conf"
        nginx -p "$NGINX_PREFIX/" -e "$NGINX_PREFIX/error.log" -c "$NGINX_PREFIX/nginx.conf" \
            >>"$NGINX_PREFIX/stdout.log" 2>&1 &
        NGINX_PID=$!
        PIDS+=("$NGINX_PID")
        if tools wait-port "$NGINX_PORT" 10 && kill -0 "$NGINX_PID" 2>/dev/null; then return 0; fi
        stop_pid "$NGINX_PID"
    done
    fail "$name: start" "nginx did not start: $(tail -3 "$NGINX_PREFIX/error.log" 2>/dev/null | tr '\n' ' ')"
    return 1
}

PY_PID= PY_PORT= PY_LOG=
start_python() { # PROTOCOL NAME; sets PY_PID, PY_PORT, PY_LOG
    local protocol=$1 name=$2
    local port_file=$TMP/$(slug "$name").port
    PY_LOG=$TMP/$(slug "$name").jsonl
    "$PYTHON" "$HERE/recording_server.py" --protocol "$protocol" --port 0 --port-file "$port_file" --log "$PY_LOG" \
        >"$TMP/$(slug "$name").stdout" 2>&1 &
    PY_PID=$!
    PIDS+=("$PY_PID")
    # The port file is written once the socket listens (no probe connection, which it would count).
    if tools wait-file "$port_file" 10 && PY_PORT=$(cat "$port_file") && kill -0 "$PY_PID" 2>/dev/null; then return 0; fi
    fail "$name: start" "recording server did not start: $(tail -3 "$TMP/$(slug "$name").stdout" | tr '\n' ' ')"
    return 1
}

# ---------------------------------------------------------------- one courier run, sampled from outside
# submit NAME STDIN ARGS... : runs courier submit --json ARGS, sets R_* (see tools.py vars).
submit() {
    local name=$1 stdin=$2
    shift 2
    local out=$TMP/$(slug "$name").result
    unset "${!R_@}"
    tools sampled-run "$out" "$RUN_TIMEOUT" "$stdin" -- "$COURIER" submit --json -q "$@"
    eval "$(tools vars R "$out")"
    RESULT=$out
}
# The common checks of one run: exit code, --json summary, peak sockets against LIMIT.
check_run() { # NAME EXPECTED_REQUESTS LIMIT
    local name=$1 expected=$2 limit=$3
    verdict "$name: exit" "exit ${R_exit:-?} in ${R_seconds:-?} s$([ "${R_timed_out:-0}" = 1 ] && echo ", killed after ${RUN_TIMEOUT} s")" \
        test "${R_exit:-1}" -eq 0
    if [ "${R_exit:-1}" -ne 0 ]; then tail -c 600 "$RESULT.stderr" | sed 's/^/    /'; fi
    verdict "$name: summary" "requests ${R_json_requests:-?}, succeeded ${R_json_succeeded:-?}, failed ${R_json_failed:-?}, retried ${R_json_retried:-?} (expected $expected, $expected, 0, 0)" \
        test "${R_json_requests:--1}" -eq "$expected" -a "${R_json_succeeded:--1}" -eq "$expected" \
        -a "${R_json_failed:--1}" -eq 0 -a "${R_json_retried:--1}" -eq 0
    verdict "$name: peak sockets" "peak ${R_peak_sockets:-?} socket descriptors over ${R_samples:-?} samples (limit $limit); courier's own peak_connections ${R_json_peak_connections:-?}, peak_fds ${R_json_peak_fds:-?}" \
        test "${R_peak_sockets:-99999}" -le "$limit" -a "${R_peak_sockets:-0}" -ge 1 -a "${R_samples:-0}" -ge 10
}

in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# nginx_post_target CONFIG NAME CONCURRENCY MAX_CONNECTIONS MIN_ACCEPTS MAX_ACCEPTS [stdin]
nginx_post_target() {
    local config=$1 name=$2 concurrency=$3 limit=$4 low=$5 high=$6 with_stdin=${7:-}
    start_nginx "$config" "$name" || return
    local url=http://127.0.0.1:$NGINX_PORT
    eval "$(tools stub-status "$url/nginx_status" B)"
    submit "$name" - -c "$concurrency" --max-connections "$limit" "$url/sink" "$DATA/"
    eval "$(tools stub-status "$url/nginx_status" A)"
    check_run "$name" "$COUNT" "$limit"
    # Each stub_status read is itself one connection and one request: the second one is in the difference.
    local accepts=$((A_accepts - B_accepts - 1)) requests=$((A_requests - B_requests - 1))
    verdict "$name: nginx requests" "nginx counted $requests requests (expected $COUNT)" test "$requests" -eq "$COUNT"
    verdict "$name: nginx connections" "nginx accepted $accepts connections (expected $low..$high), courier opened ${R_json_connections_opened:-?}" \
        eval 'in_range "$accepts" "$low" "$high" && [ "${R_json_connections_opened:--1}" -eq "$accepts" ]'
    local detail
    detail=$(tools compare-bodies "$MANIFEST" "dir:$NGINX_PREFIX/client_body")
    verdict "$name: bodies" "nginx read and kept $detail" test $? -eq 0
    if [ -n "$with_stdin" ]; then
        rm -f "$NGINX_PREFIX"/client_body/*
        submit "$name-stdin" "$STDIN_FILE" "$url/sink" -
        detail=$(tools compare-bodies "file:$STDIN_FILE" "dir:$NGINX_PREFIX/client_body")
        verdict "$name: standard input (chunked)" "exit ${R_exit:-?}, succeeded ${R_json_succeeded:-?}; $detail" \
            eval '[ "${R_exit:-1}" -eq 0 ] && [ "${R_json_succeeded:-0}" -eq 1 ] && tools compare-bodies "file:$STDIN_FILE" "dir:$NGINX_PREFIX/client_body" >/dev/null'
    fi
    stop_pid "$NGINX_PID"
}

# python_target PROTOCOL NAME METHOD URL_PATH CONCURRENCY MAX_CONNECTIONS EXPECTED_CONNECTIONS
python_target() {
    local protocol=$1 name=$2 method=$3 path=$4 concurrency=$5 limit=$6 expected=$7
    start_python "$protocol" "$name" || return
    local url=http://127.0.0.1:$PY_PORT detail
    eval "$(tools connections "$PY_LOG" B)"
    submit "$name" - -X "$method" -c "$concurrency" --max-connections "$limit" "$url$path" "$DATA/"
    check_run "$name" "$COUNT" "$limit"
    eval "$(tools connections "$PY_LOG" A)"
    local P_conns=$((A_connections - B_connections)) P_requests=$((A_requests - B_requests))
    verdict "$name: server requests" "recorded $P_requests $method requests (expected $COUNT)" test "$P_requests" -eq "$COUNT"
    verdict "$name: server connections" "server accepted $P_conns connections (expected $expected), courier opened ${R_json_connections_opened:-?}" \
        test "$P_conns" -eq "$expected" -a "${R_json_connections_opened:--1}" -eq "$P_conns"
    detail=$(tools compare-bodies "$MANIFEST" "log:$PY_LOG:${path%%\{\}*}")
    verdict "$name: bodies" "SHA-256 and length of every body: $detail" test $? -eq 0
    submit "$name-stdin" "$STDIN_FILE" "$url/stdin" -
    detail=$(tools compare-bodies "file:$STDIN_FILE" "log:$PY_LOG:/stdin")
    verdict "$name: standard input (chunked)" "exit ${R_exit:-?}, succeeded ${R_json_succeeded:-?}; $detail" \
        eval '[ "${R_exit:-1}" -eq 0 ] && [ "${R_json_succeeded:-0}" -eq 1 ] && [[ $detail == *" 0 missing, 0 unexpected" ]]'
    stop_pid "$PY_PID"
}

webdav_target() { # [tls]: the same over https, verified with --cacert
    local scheme=http name="nginx WebDAV PUT" config=nginx-webdav-put.conf limit=4 tls_args=()
    if [ "${1:-}" = tls ]; then
        scheme=https name="nginx WebDAV PUT over TLS" config=nginx-webdav-put-tls.conf
        if [ -z "$TLS_DIR" ]; then fail "$name: certificates" "openssl could not make the test CA"; return; fi
        tls_args=(--cacert "$TLS_DIR/ca.pem")
    fi
    start_nginx "$config" "$name" || return
    local url=$scheme://127.0.0.1:$NGINX_PORT
    eval "$(COURIER_INTEROP_CA=$TLS_DIR/ca.pem tools stub-status "$url/nginx_status" B)"
    submit "webdav-$scheme" - -X PUT -c 8 --max-connections "$limit" "${tls_args[@]}" "$url/{}" "$DATA/"
    eval "$(COURIER_INTEROP_CA=$TLS_DIR/ca.pem tools stub-status "$url/nginx_status" A)"
    check_run "$name" "$COUNT" "$limit"
    local accepts=$((A_accepts - B_accepts - 1)) requests=$((A_requests - B_requests - 1))
    verdict "$name: nginx requests" "nginx counted $requests requests (expected $COUNT)" test "$requests" -eq "$COUNT"
    verdict "$name: nginx connections" "nginx accepted $accepts connections (expected $limit), courier opened ${R_json_connections_opened:-?}" \
        test "$accepts" -eq "$limit" -a "${R_json_connections_opened:--1}" -eq "$accepts"
    local stored bytes_sent bytes_stored difference
    stored=$(find "$NGINX_PREFIX/dav" -type f | wc -l)
    bytes_sent=$(find "$DATA" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    bytes_stored=$(find "$NGINX_PREFIX/dav" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    difference=$(diff -r "$DATA" "$NGINX_PREFIX/dav" 2>&1 | head -5)
    verdict "$name: tree on disk" "diff -r: $([ -z "$difference" ] && echo identical || echo "$difference" | tr '\n' ' '); $stored files, $bytes_stored bytes stored of $COUNT files, $bytes_sent bytes sent (names with spaces, unicode, reserved characters, a non-UTF-8 byte)" \
        test -z "$difference" -a "$stored" -eq "$COUNT" -a "$bytes_stored" -eq "$bytes_sent"
    stop_pid "$NGINX_PID"
}

idle_gap_target() {
    local name="nginx keepalive_timeout 2s (idle gaps)"
    start_nginx nginx-keepalive-timeout-2s.conf "$name" || return
    local url=http://127.0.0.1:$NGINX_PORT log=$TMP/idle-gaps.log rc
    eval "$(tools stub-status "$url/nginx_status" B)"
    COURIER_INTEROP_NGINX_URL=$url/sink timeout 300 swift test --skip-build --build-path "$BUILD_PATH" \
        --filter InteropIdleGaps >"$log" 2>&1
    rc=$?
    eval "$(tools stub-status "$url/nginx_status" A)"
    local line opened requests failures retries
    line=$(grep -o 'INTEROP-IDLE-GAPS .*' "$log" | head -1)
    opened=$(sed -n 's/.* opened=\([0-9]*\) .*/\1/p' <<<"$line")
    requests=$(sed -n 's/.*requests=\([0-9]*\) .*/\1/p' <<<"$line")
    verdict "$name: swift test" "exit $rc; ${line:-the test did not run (no INTEROP-IDLE-GAPS line)}" \
        test "$rc" -eq 0 -a -n "$line"
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then grep -E 'error|failed|Expectation|issue' "$log" | head -15 | sed 's/^/    /'; fi
    local accepts=$((A_accepts - B_accepts - 1)) nginx_requests=$((A_requests - B_requests - 1))
    verdict "$name: nginx counts" "nginx accepted $accepts connections and counted $nginx_requests requests; the client opened ${opened:-?} and sent ${requests:-?}" \
        test -n "$opened" -a "$accepts" -eq "${opened:--1}" -a "$nginx_requests" -eq "${requests:--1}"
    local expected_bytes=0 batch index stored_bytes stored_files
    for ((batch = 0; batch < 3; batch++)); do
        for ((index = 0; index < 400; index++)); do expected_bytes=$((expected_bytes + (index * 131 + batch * 17) % 6000)); done
    done
    stored_files=$(find "$NGINX_PREFIX/client_body" -type f | wc -l)
    stored_bytes=$(find "$NGINX_PREFIX/client_body" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    verdict "$name: bodies" "nginx read and kept $stored_files bodies, $stored_bytes bytes (expected 1200, $expected_bytes)" \
        test "$stored_files" -eq 1200 -a "$stored_bytes" -eq "$expected_bytes"
    stop_pid "$NGINX_PID"
}

# tinyproxy in front of the HTTP/1.1 recording server: `courier submit --proxy` (absolute-form requests through
# the proxy). tinyproxy relays the origin's HTTP/1.1 status line without `Connection: close` and then closes its
# client connection after every response, so a reused connection can die after the request was written:
# submit re-sends those (at-least-once), and `retried` may be above 0; the origin must still see every file
# exactly once (tinyproxy forwarded nothing on a connection it had closed).
tinyproxy_target() {
    local name="tinyproxy to python HTTP/1.1" limit=4
    if ! command -v tinyproxy >/dev/null 2>&1; then fail "$name: start" "tinyproxy is not installed"; return; fi
    start_python 1.1 "$name" || return
    local tp_port conf=$TMP/tinyproxy.conf tp_log=$TMP/tinyproxy.log detail
    tp_port=$(tools free-port)
    printf 'Port %s\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 64\nLogFile "%s"\nLogLevel Info\n' \
        "$tp_port" "$tp_log" >"$conf"
    tinyproxy -d -c "$conf" >"$TMP/tinyproxy.stdout" 2>&1 &
    local tp_pid=$!
    PIDS+=("$tp_pid")
    if ! tools wait-port "$tp_port" 10; then
        fail "$name: start" "tinyproxy did not start: $(tail -3 "$TMP/tinyproxy.stdout" | tr '\n' ' ')"
        stop_pid "$tp_pid"; stop_pid "$PY_PID"; return
    fi
    eval "$(tools connections "$PY_LOG" B)"
    submit "$name" - -c 8 --max-connections "$limit" --proxy "http://127.0.0.1:$tp_port" "http://127.0.0.1:$PY_PORT/proxied" "$DATA/"
    verdict "$name: exit" "exit ${R_exit:-?} in ${R_seconds:-?} s" test "${R_exit:-1}" -eq 0
    verdict "$name: summary" "requests ${R_json_requests:-?}, succeeded ${R_json_succeeded:-?}, failed ${R_json_failed:-?}, retried ${R_json_retried:-?} (re-sent after tinyproxy's silent closes)" \
        test "${R_json_requests:--1}" -eq "$COUNT" -a "${R_json_succeeded:--1}" -eq "$COUNT" -a "${R_json_failed:--1}" -eq 0
    verdict "$name: peak sockets" "peak ${R_peak_sockets:-?} socket descriptors over ${R_samples:-?} samples (limit $limit)" \
        test "${R_peak_sockets:-99999}" -le "$limit" -a "${R_peak_sockets:-0}" -ge 1 -a "${R_samples:-0}" -ge 10
    eval "$(tools connections "$PY_LOG" A)"
    local P_requests=$((A_requests - B_requests)) forwarded
    verdict "$name: origin requests" "the origin recorded $P_requests requests (expected $COUNT: none twice)" test "$P_requests" -eq "$COUNT"
    detail=$(tools compare-bodies "$MANIFEST" "log:$PY_LOG:/proxied")
    verdict "$name: bodies" "SHA-256 and length of every body: $detail" test $? -eq 0
    forwarded=$(grep -c "Request (file descriptor" "$tp_log" 2>/dev/null)
    verdict "$name: tinyproxy log" "tinyproxy logged $forwarded requests (at least $COUNT)" test "${forwarded:-0}" -ge "$COUNT"
    stop_pid "$tp_pid"
    stop_pid "$PY_PID"
}

# ---------------------------------------------------------------- the suite
# Files per run: $COUNT; -c 8 in flight over at most 4 connections unless said otherwise. Expected connections:
# keepalive_requests 50 - each connection carries exactly 50 requests, except at most one per connection slot
# cut short by the end of the run; keepalive_timeout 0 and HTTP/1.0 - one per file; keep-alive - the limit.
nginx_post_target nginx-keepalive-requests-50.conf "nginx keepalive_requests 50" 8 4 \
    $(((COUNT + 49) / 50)) $((COUNT / 50 + 4))
nginx_post_target nginx-keepalive-timeout-0.conf "nginx keepalive_timeout 0" 8 4 "$COUNT" "$COUNT"
nginx_post_target nginx-read-body-204.conf "nginx read body, 204" 8 4 4 4 with-stdin
webdav_target
webdav_target tls
idle_gap_target
python_target 1.0 "python HTTP/1.0" POST /upload 8 4 "$COUNT"
python_target 1.1 "python HTTP/1.1" PUT '/put/{}' 12 6 6
tinyproxy_target

finish
