#!/usr/bin/env bash
# Instructions, syscalls per request of Courier's request path (see BENCHMARKS.md, "Optimisations, 2026-11-28").
#
# usage: Benchmarks/callgrind.sh PROBE W1|W2|W4|G1 [OUTDIR]   (G1: W1's one request in flight, as W4's GET)
#   PROBE   a release build of CourierBenchProbe (swift build -c release --product CourierBenchProbe), which runs
#           `courier bench` (BenchRunner, the public Client API) from a plain main: valgrind 3.19 crashes on the
#           `courier` executable itself (its async main parks the main thread in dispatch_main).
#   EXECUTOR environment: where the bench's tasks run, default or event-loop (default: default).
#   BASE    environment: the nginx of Benchmarks/nginx.conf.in (default http://127.0.0.1:18099).
# Runs 500 and 2,500 requests under callgrind and under strace -f -c and prints the differences / 2,000, so
# start-up and shutdown cancel out. The bench samples /proc/self/fd and the pool snapshot every 10 ms; under
# valgrind that costs a time-dependent number of instructions, so the figure is also given without
# PeakSampler.sample (the one to compare). Loopback only; every run is limited to 600 s.
set -euo pipefail
PROBE=$1 W=$2 D=${3:-$(mktemp -d /tmp/courier-callgrind.XXXXXX)}
BASE=${BASE:-http://127.0.0.1:18099}
EXECUTOR=${EXECUTOR:-default}
case $W in
    W1) C=1 B=1024 P=/post ;;
    W2) C=16 B=1024 P=/post ;;
    W4) C=64 B=0 P=/get ;;
    G1) C=1 B=0 P=/get ;;
    *) echo "unknown workload $W" >&2; exit 2 ;;
esac
mkdir -p "$D"
# valgrind 3.19 cannot read the DWARF 5 that swiftc emits: count on a copy without debug info.
strip --strip-debug -o "$D/probe" "$PROBE"
for n in 500 2500; do
    timeout 600 nice -n 15 valgrind --tool=callgrind --callgrind-out-file="$D/cg-$n.out" "$D/probe" "$BASE$P" $n $C $B "$EXECUTOR" \
        >"$D/out-$n.txt" 2>"$D/valgrind-$n.txt"
    timeout 600 nice -n 15 strace -f -c -o "$D/strace-$n.txt" "$D/probe" "$BASE$P" $n $C $B "$EXECUTOR" >/dev/null 2>&1
done
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; }
sampler() {
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null | grep -E 'PeakSamplerC6sample' | head -1 |
        awk '{ gsub(",", "", $1); print $1 }'
}
a=$(total "$D/cg-500.out") b=$(total "$D/cg-2500.out")
sa=$(sampler "$D/cg-500.out") sb=$(sampler "$D/cg-2500.out")
echo "$W instructions/request: $(((b - a) / 2000)); without the bench's fd sampler: $(((b - sb - a + sa) / 2000))"
python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
def calls(path):
    table = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
            table[parts[-1]] = int(parts[3])
    return table
a, b = calls(d + "/strace-500.txt"), calls(d + "/strace-2500.txt")
per = {k: (b.get(k, 0) - a.get(k, 0)) / 2000 for k in b}
print("syscalls/request: %.2f  " % sum(per.values()) + " ".join("%s=%.2f" % (k, v) for k, v in
      sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.05))
PY
echo "(files in $D)"
