#!/usr/bin/env python3
"""heapcore's benchmark on a big Go heap.

Builds bench/go/bigheap with a Debian Go toolchain, crashes it (more than 15
million live objects, more than 0.8 GB), reads its runtime.MemStats truth
with gdb, checks that heapcore's answers on it are exact, then runs each
command as its own process several times under /usr/bin/time -v and prints
the median wall time and peak RSS next to the time of reading the whole core
once from the page cache (`cat core > /dev/null`), the physical floor.

    bench/bench.py [--runs N] [--goroot DIR] [--regenerate] [--json FILE]

The core, the executable and truth.json go to build/bench/ and are reused
while bigheap's source and the toolchain are unchanged.  Run `sh bench/run`
for the whole thing on a fresh checkout (it installs what is missing and
builds heapcore first).
"""
import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = os.path.join(ROOT, "bench", "go", "bigheap")
GOROOTS = ["/usr/lib/go-1.26", "/usr/lib/go-1.27", "/usr/lib/go-1.24",
           "/usr/lib/go-1.23", "/usr/lib/go-1.22"]
GDB = ["gdb", "-nx", "-batch", "-iex", "set auto-load no"]
CHAIN = 100000  # bigheap's chainLen: the deepest object's depth
# The truth's scalar fields and arrays, as fixtures/truth.py records them.
ARRAYS = ["PauseNs", "PauseEnd", "BySize"]

# The targets of the scale issue, in seconds and bytes.
TARGET_STATS_S = 0.3
TARGET_ANALYSIS_S = 5.0
TARGET_PATH_EXTRA_S = 1.0
TARGET_BYTES_PER_OBJECT = 40


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stamp(goroot):
    h = hashlib.sha256()
    for name in sorted(os.listdir(PROGRAM)):
        with open(os.path.join(PROGRAM, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read())
    with open(os.path.join(goroot, "VERSION"), "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def generate(goroot, out):
    """Build bigheap, crash it, and read the truth with gdb (never heapcore)."""
    os.makedirs(out, exist_ok=True)
    exe = os.path.join(out, "bigheap")
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-buildvcs=false",
               GOPROXY="off", GOCACHE=os.path.join(out, ".gocache"),
               CGO_ENABLED="0")
    log("building bigheap with %s" % goroot)
    subprocess.run([os.path.join(goroot, "bin", "go"), "build", "-o", exe, "."],
                   cwd=PROGRAM, env=env, check=True)
    core = os.path.join(out, "core")
    if os.path.exists(core):
        os.unlink(core)

    def limits():
        resource.setrlimit(resource.RLIMIT_CORE,
                           (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    with open("/proc/sys/kernel/core_pattern") as f:
        pattern = f.read().strip()
    if pattern != "core":
        sys.exit("bench: /proc/sys/kernel/core_pattern is %r; heapcore's generators need "
                 "'core' (echo core > /proc/sys/kernel/core_pattern as root)" % pattern)
    log("running bigheap until it crashes (it builds ~15.5M objects)")
    for _ in range(3):
        try:
            p = subprocess.run([exe], cwd=out, preexec_fn=limits,
                               env=dict(os.environ, GOTRACEBACK="crash", GOMAXPROCS="2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=300)
        except subprocess.TimeoutExpired:
            continue
        if p.returncode == -6 and os.path.exists(core):
            break
        sys.exit("bigheap: expected a SIGABRT core, got status %d" % p.returncode)
    else:
        sys.exit("bigheap hung three times instead of crashing")
    log("reading the truth with gdb")
    truth_path = os.path.join(out, "truth.json")
    subprocess.run(GDB + ["-ex", 'set $truth_out="%s"' % truth_path,
                          "-x", os.path.join(ROOT, "fixtures", "truth.py"), exe, core],
                   check=True, stdout=subprocess.DEVNULL)
    with open(truth_path) as f:
        truth = json.load(f)
    r = subprocess.run(GDB + ["-ex", "print/x 'main.deepestAddr'", exe, core],
                       check=True, capture_output=True, text=True)
    m = re.search(r"= (0x[0-9a-f]+)", r.stdout)
    if not m:
        sys.exit("gdb did not print main.deepestAddr: %r" % r.stdout)
    truth["deepest"] = m.group(1)
    truth["stamp"] = stamp(goroot)
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
    return truth


# The heapcore that check_exact runs, and the executable it passes after the
# core (None: found from the core); bench/compare sets both.
HEAPCORE = os.path.join(ROOT, "build", "core", "heapcore")
EXE = None


def heapcore(*args, env=None):
    return subprocess.run([HEAPCORE] + list(args) + ([EXE] if EXE else []),
                          capture_output=True, text=True, env=env)


def check_exact(core, truth):
    """The answers on the big core: MemStats equal the truth, every allocated
    object is reachable (the program ran a GC just before), the deepest object's
    path is the chain."""
    problems = []
    r = heapcore("stats", "--json", core)
    if r.returncode:
        return ["stats failed: %s" % r.stderr.strip()], {}
    got, want = json.loads(r.stdout)["MemStats"], truth["MemStats"]
    for field, value in want.items():
        if got.get(field) != value:
            problems.append("MemStats.%s: heapcore %s, truth %s" % (
                field, "differs" if field in ARRAYS else got.get(field),
                "" if field in ARRAYS else value))
    r = heapcore("roots", "--json", "--top", "5", core)
    if r.returncode:
        return problems + ["roots failed: %s" % r.stderr.strip()], {}
    roots = json.loads(r.stdout)
    reach = roots["reachable"]
    if (reach["objects"], reach["bytes"]) != (want["HeapObjects"], want["HeapAlloc"]):
        problems.append("reachable %d objects, %d bytes; allocated (truth) %d objects, %d bytes" % (
            reach["objects"], reach["bytes"], want["HeapObjects"], want["HeapAlloc"]))
    r = heapcore("path", "--json", truth["deepest"], core)
    if r.returncode:
        problems.append("path failed: %s" % r.stderr.strip())
    else:
        path = json.loads(r.stdout)
        if path["path"][0].get("root") != "main.chain" or path["hops"] != CHAIN:
            problems.append("path to the deepest object: root %s, %d hops; expected main.chain, %d" % (
                path["path"][0].get("root"), path["hops"], CHAIN))
    return problems, roots["graph"]


TIME_WALL = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)")
TIME_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
TRACE_TOTAL = re.compile(r"trace: total .* file +([\d.]+) MiB")


def timed(argv, env=None):
    """Wall seconds, peak RSS bytes, and heapcore's file-backed resident MiB at exit."""
    r = subprocess.run(["/usr/bin/time", "-v"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode:
        sys.exit("%s failed:\n%s" % (" ".join(argv), r.stderr))
    m = TIME_WALL.search(r.stderr)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    rss = int(TIME_RSS.search(r.stderr).group(1)) * 1024
    t = TRACE_TOTAL.search(r.stderr)
    return wall, rss, float(t.group(1)) * 2**20 if t else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--goroot")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    goroot = args.goroot or next((g for g in GOROOTS if os.path.exists(g + "/bin/go")), None)
    if not goroot:
        sys.exit("bench: no Go toolchain under /usr/lib/go-1.2x (sh bench/setup-go.sh installs one)")
    out = os.path.join(ROOT, "build", "bench")
    core = os.path.join(out, "core")
    truth = None
    try:
        with open(os.path.join(out, "truth.json")) as f:
            truth = json.load(f)
    except (OSError, ValueError):
        pass
    if args.regenerate or not truth or truth.get("stamp") != stamp(goroot) or not os.path.exists(core):
        truth = generate(goroot, out)
    st = os.stat(core)
    log("checking heapcore's answers on the big core")
    problems, graph = check_exact(core, truth)
    objects = graph.get("objects", truth["MemStats"]["HeapObjects"])

    log("timing: %d runs of each command" % args.runs)
    subprocess.run(["cat", core], stdout=subprocess.DEVNULL, check=True)  # into the page cache
    cat = [timed(["cat", core])[0] for _ in range(args.runs)]
    env = dict(os.environ, HEAPCORE_TRACE="1")
    hc = os.path.join(ROOT, "build", "core", "heapcore")
    commands = [("stats", ["stats", core]), ("types", ["types", core]),
                ("roots", ["roots", core]), ("top", ["top", core]),
                ("path", ["path", truth["deepest"], core])]
    results = {}
    for name, argv in commands:
        runs = [timed([hc] + argv, env) for _ in range(args.runs)]
        results[name] = {
            "wall_s": statistics.median(r[0] for r in runs),
            "peak_rss": statistics.median(r[1] for r in runs),
            "file_resident": statistics.median(r[2] for r in runs if r[2] is not None),
            "walls": [r[0] for r in runs],
        }
    cat_s = statistics.median(cat)
    analysis = max(results[c]["wall_s"] for c in ("types", "roots", "top"))

    print("bigheap core: %s, %.0f MiB (%.0f MiB on disk), %s" % (
        core, st.st_size / 2**20, st.st_blocks * 512 / 2**20, truth["go_version"]))
    print("heap: %d objects, %d pointers, %d roots; HeapAlloc %.0f MiB" % (
        objects, graph.get("edges", 0) - graph.get("roots", 0), graph.get("roots", 0),
        truth["MemStats"]["HeapAlloc"] / 2**20))
    print("exact: %s" % ("yes (MemStats = truth, reachable = allocated, deepest path = chain)"
                         if not problems else "NO\n  " + "\n  ".join(problems)))
    print("baseline: cat core > /dev/null from the page cache: %.3f s (median of %d)\n" % (
        cat_s, args.runs))
    print("| command | median wall | x cat | target | peak RSS | core pages resident | "
          "RSS - core pages | bytes/object | RSS target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, _ in commands:
        r = results[name]
        if name == "stats":
            target, ok = TARGET_STATS_S, r["wall_s"] <= TARGET_STATS_S
        elif name == "path":
            target = analysis + TARGET_PATH_EXTRA_S
            ok = r["wall_s"] <= target
        else:
            target, ok = TARGET_ANALYSIS_S, r["wall_s"] <= TARGET_ANALYSIS_S
        extra = r["peak_rss"] - r["file_resident"]
        limit = r["file_resident"] + TARGET_BYTES_PER_OBJECT * objects
        r.update(target_s=target, time_ok=ok, rss_limit=limit, rss_ok=r["peak_rss"] <= limit,
                 bytes_per_object=extra / objects)
        print("| %s | %.3f s | %.1f | <= %.2f s %s | %.0f MiB | %.0f MiB | %.0f MiB | %.1f | "
              "<= %.0f MiB %s |" % (
                  name, r["wall_s"], r["wall_s"] / cat_s, target, "ok" if ok else "MISSED",
                  r["peak_rss"] / 2**20, r["file_resident"] / 2**20, extra / 2**20,
                  extra / objects, limit / 2**20, "ok" if r["rss_ok"] else "MISSED"))
    print("\ncore pages resident: file-backed pages heapcore had mapped at exit (the core's "
          "pages it read, and its own binaries);\nbytes/object: (peak RSS - those) / objects, "
          "heapcore's own memory per object.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"core_bytes": st.st_size, "objects": objects, "cat_s": cat_s,
                       "exact": not problems, "problems": problems, "results": results},
                      f, indent=1)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
