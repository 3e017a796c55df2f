#!/usr/bin/env python3
"""Helpers for scripts/interop.sh (the Courier interop suite, issue 6). Standard library only.

  tools.py free-port                         print a free TCP port on 127.0.0.1
  tools.py wait-port PORT SECONDS            wait (bounded) until 127.0.0.1:PORT accepts; exit 1 if not
  tools.py wait-file PATH SECONDS            wait (bounded) until PATH exists; exit 1 if not
  tools.py generate DIR COUNT SEED           write COUNT files of varied sizes (plus a few large ones, names
                                             with spaces, unicode, reserved characters and one non-UTF-8
                                             byte, nested directories) and DIR.manifest (one JSON line each)
  tools.py sampled-run OUT TIMEOUT STDIN -- COMMAND...
                                             run COMMAND (STDIN a file or '-' for none), count its `socket:`
                                             descriptors in /proc/PID/fd every 10 ms from this process,
                                             kill it after TIMEOUT s; write {exit, timed_out, peak_sockets,
                                             samples, seconds, stdout, stderr} to OUT
  tools.py stub-status URL [PREFIX]          print nginx stub_status as JSON {active, accepts, handled, requests},
                                             or with PREFIX as shell assignments PREFIX_accepts=N ...
  tools.py vars PREFIX RESULT                print a sampled-run result's integers as shell assignments
                                             (PREFIX_exit, PREFIX_peak_sockets, …; the keys of the JSON
                                             object COMMAND printed last on stdout as PREFIX_json_KEY)
  tools.py compare-bodies EXPECTED SOURCE    compare the (length, sha256) multiset of EXPECTED (a manifest, or
                                             `file:PATH` for one file) with SOURCE: a recording_server.py log
                                             (`log:PATH[:PATH_PREFIX]`, requests whose path starts so) or a directory
                                             of files (`dir:PATH`, e.g. nginx's kept request bodies); print a detail
                                             line, exit 1 on any difference
  tools.py connections LOG [PREFIX]          print {"connections": n, "requests": n, "conns_with_requests": n}
                                             from a recording_server.py log (with PREFIX as shell assignments)
"""
import hashlib
import json
import os
import ssl
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        print(probe.getsockname()[1])


def wait_port(port, seconds):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=0.5):
                return 0
        except OSError:
            time.sleep(0.05)
    return 1


def wait_file(path, seconds):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return 0
        time.sleep(0.05)
    return 1


SPECIAL_NAMES = [
    "with space.txt",
    "  leading and trailing spaces  .bin",
    "unicode-\u00e9t\u00e9-\u65e5\u672c\u8a9e-\U0001F680.dat",
    "Gr\u00fc\u00dfe aus K\u00f6ln.txt",
    "reserved+plus&amp=eq;semi,comma'quote(paren)!bang$dollar@at.bin",
    "percent%25 literal %zz.txt",
    "question?mark#hash.txt",
    "tilde~under_score-dash.dot.txt",
]
NON_UTF8_NAME = b"latin1-caf\xe9.bin"  # one byte that is not UTF-8: sent byte for byte, percent-encoded


def generate(directory, count, seed):
    count = int(count)
    rng = random.Random(int(seed))
    os.makedirs(directory, exist_ok=True)
    records = []

    def write(relative, data):
        path = os.path.join(os.fsencode(directory), relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        records.append({
            "path": os.fsdecode(relative),
            "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        })

    edge_sizes = [0, 1, 2, 1023, 1024, 1025, 4095, 4096, 16383, 16384, 65535, 65536, 65537, 131072]
    large_sizes = [1 << 20, (3 << 20) + 7, (5 << 20) + 13]
    special = [name.encode("utf-8") for name in SPECIAL_NAMES] + [NON_UTF8_NAME]
    fixed = len(large_sizes) + len(special)
    for index in range(max(0, count - fixed)):
        if index < len(edge_sizes):
            size = edge_sizes[index]
        elif rng.random() < 0.9:
            size = rng.randint(0, 8192)
        else:
            size = rng.randint(8193, 96 * 1024)
        relative = ("d%02d/s%d/file-%05d.bin" % (index % 23, index % 3, index)).encode()
        write(relative, rng.randbytes(size))
    for number, size in enumerate(large_sizes):
        write(("large/big-%d.bin" % number).encode(), rng.randbytes(size))
    for number, name in enumerate(special):
        folder = b"names/\xc3\xbcber dir" if number % 2 else b"names"
        write(folder + b"/" + name, rng.randbytes(rng.randint(0, 5000)))
    with open(directory.rstrip("/") + ".manifest", "w", encoding="utf-8") as manifest:
        for record in records:
            manifest.write(json.dumps(record, sort_keys=True, ensure_ascii=True) + "\n")
    total = sum(record["length"] for record in records)
    print(json.dumps({"files": len(records), "bytes": total}))


def socket_targets(pid, names):
    """fd name -> its socket:[inode] target, for the names that are sockets now."""
    targets = {}
    for name in names:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue  # closed between listdir and readlink
        if target.startswith("socket:"):
            targets[name] = target
    return targets


def count_sockets(pid):
    """Sockets open in the process. Listing and reading the links is not atomic: a process that closes a socket
    and a file and opens a new socket meanwhile can have one descriptor number read as the old socket and another,
    read later, as the new one, counting a socket that was already closed. So the links are read twice and a
    descriptor counts only when it was the same socket both times (a socket that exists across the two passes,
    well under a millisecond apart, is never missed)."""
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return None
    first = socket_targets(pid, names)
    second = socket_targets(pid, list(first))
    return sum(1 for name, target in second.items() if first[name] == target)


def sampled_run(out, timeout, stdin_path, command):
    started = time.monotonic()
    deadline = started + float(timeout)
    stdin = open(stdin_path, "rb") if stdin_path != "-" else subprocess.DEVNULL
    with open(out + ".stdout", "wb") as stdout, open(out + ".stderr", "wb") as stderr:
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr)
        peak, samples, timed_out = 0, 0, False
        while process.poll() is None:
            sockets = count_sockets(process.pid)
            if sockets is not None:
                peak = max(peak, sockets)
                samples += 1
            if time.monotonic() > deadline:
                timed_out = True
                process.kill()
                break
            time.sleep(0.01)
        status = process.wait()
    seconds = time.monotonic() - started
    if stdin is not subprocess.DEVNULL:
        stdin.close()
    with open(out + ".stdout", "rb") as handle:
        stdout_text = handle.read().decode("utf-8", "replace")
    with open(out + ".stderr", "rb") as handle:
        stderr_text = handle.read().decode("utf-8", "replace")
    result = {
        "exit": status,
        "timed_out": timed_out,
        "peak_sockets": peak,
        "samples": samples,
        "seconds": round(seconds, 3),
        "stdout": stdout_text,
        "stderr": stderr_text[-4000:],
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


def print_vars(prefix, values):
    for key, value in sorted(values.items()):
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int):
            print("%s_%s=%d" % (prefix, key, value))
        elif isinstance(value, float):
            print("%s_%s=%.3f" % (prefix, key, value))


def result_vars(prefix, path):
    with open(path, encoding="utf-8") as handle:
        result = json.load(handle)
    print_vars(prefix, result)
    for line in reversed(result["stdout"].splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                summary = json.loads(line)
            except ValueError:
                break
            print_vars(prefix + "_json", summary)
            break
    return 0


def stub_status(url, prefix=None):
    handlers = [urllib.request.ProxyHandler({})]  # never through a proxy
    if url.startswith("https:"):
        # https status pages are verified with the suite's own CA (COURIER_INTEROP_CA).
        handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=os.environ["COURIER_INTEROP_CA"])))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(url, timeout=5) as response:
        text = response.read().decode()
    # Active connections: 1 \n server accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0
    lines = text.split("\n")
    active = int(lines[0].split(":")[1])
    accepts, handled, requests = (int(field) for field in lines[2].split())
    values = {"active": active, "accepts": accepts, "handled": handled, "requests": requests}
    if prefix:
        print_vars(prefix, values)
    else:
        print(json.dumps(values))


def manifest_counter(path):
    with open(path, encoding="utf-8") as handle:
        return Counter((record["length"], record["sha256"]) for record in map(json.loads, handle))


def compare_bodies(manifest, source):
    if manifest.startswith("file:"):
        with open(manifest[5:], "rb") as handle:
            data = handle.read()
        expected = Counter([(len(data), hashlib.sha256(data).hexdigest())])
    else:
        expected = manifest_counter(manifest)
    kind, _, where = source.partition(":")
    received = Counter()
    if kind == "log":
        path, _, path_prefix = where.partition(":")
        with open(path, encoding="utf-8") as handle:
            for record in map(json.loads, handle):
                if record["event"] == "request" and record["path"].startswith(path_prefix):
                    received[(record["length"], record["sha256"])] += 1
    elif kind == "dir":
        for root, _, files in os.walk(where):
            for name in files:
                with open(os.path.join(root, name), "rb") as handle:
                    data = handle.read()
                received[(len(data), hashlib.sha256(data).hexdigest())] += 1
    else:
        raise SystemExit("unknown source %r" % source)
    missing = expected - received
    extra = received - expected
    detail = "%d bodies expected (%d bytes), %d received (%d bytes), %d missing, %d unexpected" % (
        sum(expected.values()), sum(length * n for (length, _), n in expected.items()),
        sum(received.values()), sum(length * n for (length, _), n in received.items()),
        sum(missing.values()), sum(extra.values()))
    print(detail)
    return 0 if not missing and not extra else 1


def connections(log, prefix=None):
    conns, requests, used = 0, 0, set()
    with open(log, encoding="utf-8") as handle:
        for record in map(json.loads, handle):
            if record["event"] == "connection":
                conns += 1
            elif record["event"] == "request":
                requests += 1
                used.add(record["conn"])
    values = {"connections": conns, "requests": requests, "conns_with_requests": len(used)}
    if prefix:
        print_vars(prefix, values)
    else:
        print(json.dumps(values))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, arguments = argv[1], argv[2:]
    if command == "free-port":
        return free_port()
    if command == "wait-port":
        return wait_port(*arguments)
    if command == "wait-file":
        return wait_file(*arguments)
    if command == "generate":
        return generate(*arguments)
    if command == "sampled-run":
        out, timeout, stdin_path, separator = arguments[:4]
        assert separator == "--", "usage: sampled-run OUT TIMEOUT STDIN -- COMMAND..."
        return sampled_run(out, timeout, stdin_path, arguments[4:])
    if command == "stub-status":
        return stub_status(*arguments)
    if command == "vars":
        return result_vars(*arguments)
    if command == "compare-bodies":
        return compare_bodies(*arguments)
    if command == "connections":
        return connections(*arguments)
    print("unknown command %r\n%s" % (command, __doc__), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
