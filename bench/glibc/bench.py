#!/usr/bin/env python3
"""heapcore's benchmark on a big glibc malloc heap: chap's anchor shape.

Builds bench/glibc/bigheap.c with gcc, crashes it (5 million allocations
from 4 threads, about 1 GB; tcache, fastbin, bin, mmapped and lost blocks),
reads its own mallinfo2() and the number of blocks it lost with gdb, checks
that heapcore's answers are exact (stats' mallinfo2, leaks' count), then runs
stats, leaks and types each as its own process under /usr/bin/time and
prints the median wall time and peak RSS beside the time of reading the
whole core once from the page cache (`cat core > /dev/null`).

    bench/glibc/bench.py [--runs N] [--regenerate] [--json FILE] [--heapcore PATH]

The core, the executable and truth.json go to build/bench-glibc/ and are
reused while bigheap.c and gcc are unchanged.  The goal (issue #17 item 4):
at most 2 s per command, exact; chap takes 12-14 s and 1.3 GB on this shape.
"""
import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(ROOT, "bench", "glibc", "bigheap.c")
GDB = ["gdb", "-nx", "-batch", "-iex", "set auto-load no"]
TARGET_S = 2.0
COMMANDS = (("stats",), ("leaks",), ("types",))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stamp():
    h = hashlib.sha256()
    with open(SOURCE, "rb") as f:
        h.update(f.read())
    h.update(subprocess.run(["gcc", "--version"], capture_output=True).stdout)
    return h.hexdigest()


def core_limit():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)


def generate(out):
    os.makedirs(out, exist_ok=True)
    exe = os.path.join(out, "bigheap")
    subprocess.run(["gcc", "-O2", "-g", "-pthread", "-o", exe, SOURCE], check=True)
    core = os.path.join(out, "core")
    if os.path.exists(core):
        os.unlink(core)
    with open("/proc/sys/kernel/core_pattern") as f:
        if f.read().strip() != "core":
            sys.exit("bench: /proc/sys/kernel/core_pattern must be 'core' (a core in the cwd)")
    log("bench: running bigheap (5 million allocations) until it aborts")
    p = subprocess.run([exe], cwd=out, preexec_fn=core_limit)
    if p.returncode != -6 or not os.path.exists(core):
        sys.exit("bench: expected a SIGABRT core, got status %d" % p.returncode)
    g = subprocess.run(GDB + ["-ex", "p truth", "-ex", "p nlost", exe, core],
                       capture_output=True, text=True, check=True)
    mi = dict((k, int(v)) for k, v in re.findall(r"(\w+) = (\d+)", g.stdout.split("$1 = ")[1]))
    nlost = int(g.stdout.split("$2 = ")[1].split()[0])
    truth = {"mallinfo2": {k: mi[k] for k in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                             "usmblks", "fsmblks", "uordblks", "fordblks",
                                             "keepcost")},
             "lost": nlost, "stamp": stamp()}
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    return exe, core, truth


def timed(argv):
    """(wall seconds, peak RSS bytes) of one run under /usr/bin/time."""
    p = subprocess.run(["/usr/bin/time", "-f", "@@TIME %e %M"] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       errors="replace")
    m = re.search(r"@@TIME ([\d.]+) (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr[-2000:]))
    return float(m.group(1)), int(m.group(2)) * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--heapcore", default=os.path.join(ROOT, "build", "core", "heapcore"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench-glibc"))
    args = ap.parse_args()
    exe, core = os.path.join(args.out, "bigheap"), os.path.join(args.out, "core")
    truth = None
    try:
        with open(os.path.join(args.out, "truth.json")) as f:
            truth = json.load(f)
    except OSError:
        pass
    if args.regenerate or not truth or truth.get("stamp") != stamp() or not os.path.exists(core):
        exe, core, truth = generate(args.out)
    hc = [args.heapcore]
    # Exact first.
    doc = json.loads(subprocess.run(hc + ["stats", "--json", "--no-cache", core, exe],
                                    capture_output=True, text=True, check=True).stdout)
    if doc["mallinfo2"] != truth["mallinfo2"]:
        sys.exit("bench: mallinfo2 differs:\n  heapcore %s\n  program  %s" %
                 (doc["mallinfo2"], truth["mallinfo2"]))
    leaks = json.loads(subprocess.run(hc + ["leaks", "--json", "--no-cache", core, exe],
                                      capture_output=True, text=True, check=True).stdout)
    if leaks["leaked_objects"]["count"] != truth["lost"]:
        sys.exit("bench: %d leaked blocks found, the program lost %d" %
                 (leaks["leaked_objects"]["count"], truth["lost"]))
    log("bench: exact (mallinfo2 equal, %d lost blocks found)" % truth["lost"])
    floor = timed(["cat", core])[0]
    results = {"core_bytes": os.path.getsize(core), "cat_s": floor,
               "in_use_blocks": doc["in_use"]["count"], "commands": {}}
    for cmd in COMMANDS:
        walls, rss = [], []
        for _ in range(args.runs):
            w, r = timed(hc + list(cmd) + ["--no-cache", core, exe])
            walls.append(w)
            rss.append(r)
        results["commands"][cmd[0]] = {"wall_s": statistics.median(walls),
                                       "peak_rss": max(rss), "runs": walls}
    print("core: %.0f MiB, %d blocks in use; cat core: %.2f s" %
          (results["core_bytes"] / 2**20, results["in_use_blocks"], floor))
    print("%-8s %10s %12s  %s" % ("command", "wall (s)", "peak RSS", "goal"))
    for name, r in results["commands"].items():
        print("%-8s %10.2f %8.0f MiB  %s" % (name, r["wall_s"], r["peak_rss"] / 2**20,
                                            "ok" if r["wall_s"] <= TARGET_S else "over 2 s"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
