#!/usr/bin/env python3
"""Prints the benchmark table (Markdown) from a results.jsonl written by Benchmarks/run.sh.

Per workload and client: median and min-max rps over the rounds, median CPU seconds per 1,000 requests
((cpu_user + cpu_sys) / requests * 1000), the highest peak RSS and peak descriptor count seen, the connections the
client reports having opened and those nginx accepted (stub_status delta), errors summed over the rounds, and
Courier's ratio to each peer: median rps over median rps (in brackets the lowest and highest ratio of the
same round's runs) and CPU per request over the peer's. "ahc (better)" is the async-http-client mode with the
higher median rps. Then the issue's targets, each marked met or missed.

Runs recorded with the hypervisor's steal share (`steal_pct`, from /proc/stat) get a column with the highest share
seen; a ratio that rests on a run with more than STEAL_LIMIT percent stolen is marked DISTURBED in the targets,
since it measured the neighbours as much as the clients.
"""
import json
import statistics
import sys
from collections import defaultdict

WORKLOAD_TITLES = {
    "W1": "W1: POST 1 KiB, C=1",
    "W2": "W2: POST 1 KiB, C=16",
    "W3": "W3: POST 1 MiB, C=4",
    "W4": "W4: GET 13 B, C=64",
}
# Courier as most applications run it (default executor), with its tasks on Client.taskExecutor (one event
# loop), and spread over Client.taskExecutors (every loop).
COURIERS = ["courier", "courier-el", "courier-els"]
PEERS = ["ahc (better)", "ahc-async", "ahc-futures", "go", "curl", "wrk"]
# Percent of the host's CPU time stolen during a run above which the run is not a valid measurement.
STEAL_LIMIT = 5.0


def load(path):
    runs = defaultdict(lambda: defaultdict(list))  # workload -> client -> [record]
    meta = {}
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        runs[rec["workload"]][rec["client"]].append(rec)
        meta[rec["workload"]] = (rec["concurrency"], rec["requests"], rec["body_bytes"])
    return runs, meta


def cpu_per_1k(r):
    return (r["cpu_user"] + r["cpu_sys"]) / max(r["requests"], 1) * 1000


def stats(records):
    ok = [rec for rec in records if rec["result"] is not None]
    if not ok:
        return None
    res = [rec["result"] for rec in ok]
    rps = [r["rps"] for r in res]
    return {
        "rounds": len(records),
        "valid": len(ok),
        "rps_med": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "rps_by_round": {rec["round"]: rec["result"]["rps"] for rec in ok},
        "cpu_med": statistics.median(cpu_per_1k(r) for r in res),
        "rss_max_kb": max(r["max_rss_kb"] for r in res),
        "fds_max": max(r["peak_fds"] for r in res),
        "conns": sorted({r["connections_opened"] for r in res}),
        "accepted": sorted({rec["nginx_accepted"] for rec in ok}),
        "errors": sum(r["errors"] for r in res) + sum(1 for rec in records if rec["result"] is None),
        "exit_nonzero": sum(1 for rec in records if rec["exit"] != 0),
        "steal_max": max((rec["steal_pct"] for rec in records if "steal_pct" in rec), default=None),
    }


def fmt_steal(value):
    return "—" if value is None else f"{value:.1f}"


def fmt_set(values):
    return "/".join(str(v) for v in values)


def ratio_text(courier, peer, key="rps_med"):
    if courier is None or peer is None or peer[key] == 0:
        return "—"
    r = courier[key] / peer[key]
    rounds = sorted(set(courier["rps_by_round"]) & set(peer["rps_by_round"]))
    per_round = [courier["rps_by_round"][i] / peer["rps_by_round"][i] for i in rounds if peer["rps_by_round"][i]]
    if key == "rps_med" and len(per_round) > 1:
        return f"{r:.2f}x [{min(per_round):.2f}–{max(per_round):.2f}]"
    return f"{r:.2f}x"


def main():
    path = sys.argv[1]
    runs, meta = load(path)
    out = []
    verdicts = []
    for wl in sorted(runs):
        c, n, b = meta[wl]
        table = {client: stats(recs) for client, recs in runs[wl].items()}
        ahc = [(k, v) for k, v in table.items() if k.startswith("ahc-") and v is not None]
        if ahc:
            best_name, best = max(ahc, key=lambda kv: kv[1]["rps_med"])
            table["ahc (better)"] = dict(best, better_of=best_name)
        out.append(f"\n### {WORKLOAD_TITLES.get(wl, wl)} — {n:,} requests (wrk: fixed duration)\n")
        variants = [v for v in COURIERS if table.get(v) is not None]
        ratio_heads = "".join(f" {v} rps ratio [per round] | {v} CPU ratio |" for v in variants)
        has_steal = any(v is not None and v["steal_max"] is not None for v in table.values())
        steal_head = " steal % (max) |" if has_steal else ""
        out.append("| client | rps median | rps min–max | CPU s / 1k req | peak RSS MiB | peak fds | "
                   "conns opened (client) | nginx accepted | errors |" + steal_head + ratio_heads)
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if has_steal else "")
                   + "---:|---:|" * len(variants))
        order = [v for v in COURIERS if v in table] + [p for p in PEERS if p in table] \
            + sorted(k for k in table if k not in PEERS + COURIERS)
        for client in order:
            s = table[client]
            if s is None:
                out.append(f"| {client} | no result | | | | | | | |" + (" |" if has_steal else "")
                           + " |" * (2 * len(variants)))
                continue
            name = client if client != "ahc (better)" else f"ahc (better: {s['better_of']})"
            ratios = ""
            for v in variants:
                if client in COURIERS:
                    ratios += " — | — |"
                else:
                    ratios += f" {ratio_text(table[v], s)} | {ratio_text(table[v], s, 'cpu_med')} |"
            out.append(
                f"| {name} | {s['rps_med']:,.0f} | {s['rps_min']:,.0f}–{s['rps_max']:,.0f} | {s['cpu_med']:.3f} | "
                f"{s['rss_max_kb'] / 1024:.1f} | {s['fds_max']} | {fmt_set(s['conns'])} | {fmt_set(s['accepted'])} | "
                f"{s['errors']} |" + (f" {fmt_steal(s['steal_max'])} |" if has_steal else "") + ratios)

        # Targets of issue 6, for each way of running Courier.
        for variant in variants:
            check_targets(wl, variant, table, c, verdicts)

    print("\n".join(out))
    if verdicts:
        print("\nTargets (issue 6), from the medians above:\n")
        print("\n".join(verdicts))


def check_targets(wl, variant, table, c, verdicts):
        courier = table[variant]
        go = table.get("go")

        def check(label, ok, detail):
            verdicts.append(f"- {wl} {variant} {label}: {'met' if ok else 'MISSED'} ({detail})")

        def disturbed(*stats):
            worst = max((st["steal_max"] for st in stats if st and st["steal_max"] is not None), default=None)
            return f"; DISTURBED: up to {worst:.1f}% stolen in these runs" if worst and worst > STEAL_LIMIT else ""

        want = {"W1": 1.25, "W2": 1.6, "W4": 1.6}.get(wl)
        if want and go:
            r = courier["rps_med"] / go["rps_med"]
            check(f"rps >= {want} x Go", r >= want,
                  f"{r:.2f}x; {(r / want - 1) * 100:+.0f}% against the target" + disturbed(courier, go))
            rc = courier["cpu_med"] / go["cpu_med"]
            check("CPU per request <= 0.7 x Go", rc <= 0.7, f"{rc:.2f}x ({courier['cpu_med']:.3f} vs "
                  f"{go['cpu_med']:.3f} s per 1k)" + disturbed(courier, go))
        if wl == "W3":
            peers = [(k, v) for k, v in table.items()
                     if k in ("ahc (better)", "go", "curl") and v is not None]
            if peers:
                best_name, best = max(peers, key=lambda kv: kv[1]["rps_med"])
                r = courier["rps_med"] / best["rps_med"]
                check("rps >= 1.0 x best peer", r >= 1.0, f"{r:.2f}x {best_name}" + disturbed(courier, best))
            rss = courier["rss_max_kb"] / 1024
            check("peak RSS < 64 MiB", rss < 64, f"{rss:.1f} MiB")
        check("connections opened == C", courier["conns"] == [c] and courier["accepted"] == [c],
              f"client {fmt_set(courier['conns'])}, nginx {fmt_set(courier['accepted'])}, C={c}")
        check("peak descriptors <= C + 16", courier["fds_max"] <= c + 16, f"{courier['fds_max']} <= {c + 16}")
        check("zero errors", courier["errors"] == 0 and courier["exit_nonzero"] == 0,
              f"{courier['errors']} errors, {courier['exit_nonzero']} non-zero exits")


if __name__ == "__main__":
    main()
