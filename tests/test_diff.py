"""heapcore diff on two cores of one executable run with different sizes
(fixtures/go/pprof: run 1 keeps 1000 Conns of 64 bytes, run 2 keeps 3000):
the type that grew by exactly the objects and bytes the program added, every
MemStats field by exactly what the two programs' own ReadMemStats say, and a
clear error for cores of different executables."""
import json
import os
import unittest

from heapcore_test import FIXTURES, run, run_json
from test_stats import SCALARS


def pairs():
    """(tag, old fixture dir, new fixture dir) for every toolchain."""
    base = os.path.join(FIXTURES, "pprof")
    out = []
    for tag in sorted(os.listdir(base)):
        if "." not in tag[len("go1.22"):] and os.path.isdir(os.path.join(base, tag + ".run2")):
            out.append((tag, os.path.join(base, tag), os.path.join(base, tag + ".run2")))
    if not out:
        raise RuntimeError("no pprof fixtures under %s" % base)
    return out


def truth(d):
    with open(os.path.join(d, "truth.json")) as f:
        return json.load(f)


class DiffTest(unittest.TestCase):
    def test_growth_of_the_type_that_grew(self):
        for tag, old, new in pairs():
            with self.subTest(toolchain=tag):
                exe = os.path.join(old, "pprof")
                conns_old = int(truth(old).get("env", {}).get("HEAPCORE_CONNS", 1000))
                conns_new = int(truth(new)["env"]["HEAPCORE_CONNS"])
                doc, _ = run_json("diff", "--json", os.path.join(old, "core"),
                                  os.path.join(new, "core"), exe)
                types = {t["type"]: t for t in doc["types"]}
                conn = types["main.Conn"]
                self.assertEqual((conn["old_count"], conn["new_count"]), (conns_old, conns_new))
                self.assertEqual(conn["count_delta"], conns_new - conns_old)
                self.assertEqual(conn["bytes_delta"], (conns_new - conns_old) * 64)
                # Biggest growth first.
                deltas = [t["bytes_delta"] for t in doc["types"]]
                self.assertEqual(deltas, sorted(deltas, reverse=True))
                # The map holds all but the Conns the serve goroutines also hold.
                roots = {r["root"]: r for r in doc["roots"]}
                grown = (conns_new - conns_new // 100) - (conns_old - conns_old // 100)
                self.assertGreaterEqual(roots["main.conns"]["retained_delta"], grown * 64)
                self.assertEqual(doc["not_compared"], ["accumulations", "goroutines"])

    def test_memstats_deltas_are_the_programs_own(self):
        for tag, old, new in pairs():
            with self.subTest(toolchain=tag):
                a, b = truth(old)["MemStats"], truth(new)["MemStats"]
                doc, _ = run_json("diff", "--json", os.path.join(old, "core"),
                                  os.path.join(new, "core"), os.path.join(old, "pprof"))
                ms = doc["memstats"]
                for f in SCALARS:
                    if f == "GCCPUFraction":
                        continue
                    self.assertEqual(ms[f], {"old": a[f], "new": b[f], "delta": b[f] - a[f]}, f)
                for i, entry in enumerate(ms["BySize"]):
                    self.assertEqual(entry["Mallocs"]["delta"],
                                     b["BySize"][i]["Mallocs"] - a["BySize"][i]["Mallocs"])

    def test_text_and_threshold(self):
        tag, old, new = pairs()[0]
        args = [os.path.join(old, "core"), os.path.join(new, "core"), os.path.join(old, "pprof")]
        _, text, _ = run("diff", *args)
        self.assertTrue(text.startswith("Diff of two cores of pprof"))
        line = [l for l in text.splitlines() if l.endswith("  main.Conn")]
        self.assertEqual(len(line), 1)
        self.assertEqual(line[0].split()[:2], ["+2000", "+125.0"])
        doc, _ = run_json("diff", "--json", "--threshold", "100000", *args)
        self.assertIn("main.Conn", [t["type"] for t in doc["types"]])
        for t in doc["types"]:
            self.assertGreaterEqual(abs(t["bytes_delta"]), 100000)
        for r in doc["roots"]:
            self.assertGreaterEqual(abs(r["retained_delta"]), 100000)

    def test_same_core_changes_nothing(self):
        tag, old, _ = pairs()[0]
        core = os.path.join(old, "core")
        doc, _ = run_json("diff", "--json", core, core)
        self.assertEqual(doc["types"], [])
        self.assertEqual(doc["roots"], [])
        self.assertFalse([f for f, v in doc["memstats"].items()
                          if isinstance(v, dict) and v["delta"] != 0])

    def test_different_executables(self):
        (t1, a, _), (t2, b, _) = pairs()[:2]
        code, _, err = run("diff", os.path.join(a, "core"), os.path.join(b, "core"), check=False)
        self.assertEqual(code, 2)
        self.assertIn("are cores of different executables (Go build ID ", err)
        self.assertEqual(err.count("\n"), 1)

    def test_usage(self):
        for bad in ([], ["onlyone"], ["--threshold"], ["--threshold", "x", "a", "b"],
                    ["a", "b", "c", "d"]):
            code, _, err = run("diff", *bad, check=False)
            self.assertEqual(code, 1, bad)
            self.assertIn("usage: heapcore diff", err)


if __name__ == "__main__":
    unittest.main()
