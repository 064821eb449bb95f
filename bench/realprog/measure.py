#!/usr/bin/env python3
"""The real-program measurements of issues #11 and #19 on cores made by
bench/realprog/cores.py, with the heapcore under test:

    bench/realprog/measure.py [--heapcore PATH] [--json FILE] CORE EXE [CORE EXE ...]

Per core: the share of reachable bytes typed (`types --json`), the five
largest retainers by type (untyped ones marked), the ten largest roots
(bare data/bss words marked), types named by an address, the
conservative-scan warning, and HeapInuse (`stats --json`) against the
runtime's own count (gcController.heapInUse, read by gdb).
"""
import argparse
import json
import re
import subprocess
import sys
import time


def heapcore(hc, *args):
    t = time.time()
    p = subprocess.run([hc] + list(args) + ["--no-cache"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("heapcore %s: %s" % (" ".join(args), p.stderr))
    return json.loads(p.stdout), time.time() - t


def gdb_heapinuse(core, exe):
    p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-ex",
                        "python v = gdb.parse_and_eval(\"'runtime.gcController'\")['heapInUse']; "
                        "print('INUSE %d' % int(v if v.type.strip_typedefs().code == gdb.TYPE_CODE_INT "
                        "else v['value']))", exe, core], capture_output=True, text=True)
    m = re.search(r"INUSE (\d+)", p.stdout)
    return int(m.group(1)) if m else None


def measure(hc, core, exe):
    types, t_types = heapcore(hc, "types", "--json", "--top", "0", core, exe)
    roots, _ = heapcore(hc, "roots", "--json", "--top", "10", core, exe)
    stats, _ = heapcore(hc, "stats", "--json", core, exe)
    untyped = {t["type"] for t in types.get("untyped", [])}
    # "types" lists the untyped groups too: each group once.
    names = {t["type"] for t in types["types"]}
    alltypes = types["types"] + [t for t in types.get("untyped", []) if t["type"] not in names]
    by_ret = sorted(alltypes, key=lambda t: -t["retained"])[:5]
    reach = types.get("reachable_bytes") or types.get("reachable", {}).get("bytes")
    out = {
        "core": core,
        "typed_reachable_pct": round(100.0 * types["typed_reachable_bytes"] / reach, 2) if reach else None,
        "top5_retainers": [(t["type"], t["retained"], t["type"] in untyped) for t in by_ret],
        "untyped_in_top5": sum(1 for t in by_ret if t["type"] in untyped),
        "top10_roots": [(r["root"], r["retained"]) for r in roots["roots"]],
        "bare_roots_in_top10": [r["root"] for r in roots["roots"]
                                if re.match(r"(data|bss|noptr\w*) word 0x", r["root"])],
        "address_types": [t["type"] for t in alltypes if re.match(r"type 0x", t["type"])],
        "conservative_warnings": [w for w in types.get("warnings", []) if "conservativ" in w],
        "heapinuse": stats["MemStats"]["HeapInuse"],
        "runtime_heapinuse": gdb_heapinuse(core, exe),
        "types_seconds": round(t_types, 1),
    }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heapcore", default="build/core/heapcore")
    ap.add_argument("--json")
    ap.add_argument("pairs", nargs="+")
    a = ap.parse_args()
    if len(a.pairs) % 2:
        sys.exit("give CORE EXE pairs")
    res = []
    for core, exe in zip(a.pairs[::2], a.pairs[1::2]):
        m = measure(a.heapcore, core, exe)
        res.append(m)
        print(json.dumps(m, indent=1))
        sys.stdout.flush()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
