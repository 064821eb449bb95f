"""heapcore diff on two cores of one executable run with different sizes
(fixtures/go/pprof: run 1 keeps 1000 Conns of 64 bytes, run 2 keeps 3000):
the type that grew by exactly the objects and bytes the program added, every
MemStats field by exactly what the two programs' own ReadMemStats say, the
map's accumulation point and the serving goroutines' group by exactly what
the program built, and a clear error for cores of different executables."""
import json
import os
import unittest

from heapcore_test import FIXTURES, SOURCE, run, run_json
from test_stats import SCALARS

PROGRAM = os.path.join(SOURCE, "fixtures", "go", "pprof", "main.go")


def source_line(text):
    """The line number of the only line of the fixture program holding text."""
    with open(PROGRAM) as f:
        hits = [i + 1 for i, l in enumerate(f) if text in l]
    if len(hits) != 1:
        raise RuntimeError("%r is on lines %s of %s" % (text, hits, PROGRAM))
    return hits[0]


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
                self.assertEqual(doc["not_compared"], [])

    def test_accumulation_point_and_goroutine_group(self):
        # main.conns maps n ids to n Conns of 64 bytes (each pointing at the
        # one before, none holding anything else on the heap); the first
        # n/100 also sit in a goroutine blocked in serve on <-hangup, a
        # global channel.  The map's accumulation point keeps alive the
        # Conns no goroutine holds: n - n/100 of them, 64 bytes each.  The
        # serve goroutines are one group of n/100, none leaked.
        serve_line = source_line("<-hangup")
        go_line = source_line("go serve(conns[i])")
        for tag, old, new in pairs():
            with self.subTest(toolchain=tag):
                n_old = int(truth(old).get("env", {}).get("HEAPCORE_CONNS", 1000))
                n_new = int(truth(new)["env"]["HEAPCORE_CONNS"])
                doc, _ = run_json("diff", "--json", os.path.join(old, "core"),
                                  os.path.join(new, "core"), os.path.join(old, "pprof"))
                accs = doc["accumulations"]
                acc = accs[0]  # the biggest growth
                self.assertEqual((acc["root"], acc["element_type"]), ("main.conns", "main.Conn"))
                kept = lambda n: n - n // 100
                self.assertEqual((acc["old_count"], acc["new_count"]),
                                 (kept(n_old), kept(n_new)))
                self.assertEqual(acc["count_delta"], kept(n_new) - kept(n_old))
                self.assertEqual((acc["old_bytes"], acc["new_bytes"]),
                                 (kept(n_old) * 64, kept(n_new) * 64))
                self.assertEqual(acc["bytes_delta"], (kept(n_new) - kept(n_old)) * 64)
                self.assertTrue(acc["in_old"] and acc["in_new"])
                self.assertEqual(acc["path"][-1], acc["point_type"])
                self.assertEqual([a for a in accs if a["root"] == "main.conns"], [acc])
                deltas = [a["bytes_delta"] for a in accs]
                self.assertEqual(deltas, sorted(deltas, reverse=True))

                grp = doc["goroutines"][0]  # the biggest growth
                self.assertEqual(grp["status"], "chan receive")
                self.assertEqual((grp["blocked_in"]["function"], grp["blocked_in"]["line"]),
                                 ("main.serve", serve_line))
                self.assertEqual(os.path.basename(grp["blocked_in"]["file"]), "main.go")
                self.assertEqual((grp["created_by"]["function"], grp["created_by"]["line"]),
                                 ("main.main", go_line))
                self.assertNotIn("goroutine", grp["created_by"])  # no goroutine id
                self.assertEqual((grp["old_count"], grp["new_count"], grp["count_delta"]),
                                 (n_old // 100, n_new // 100, n_new // 100 - n_old // 100))
                self.assertEqual((grp["leaked"], grp["old_leaked"], grp["new_leaked"]),
                                 (False, 0, 0))
                counts = [g["count_delta"] for g in doc["goroutines"]]
                self.assertEqual(counts, sorted(counts, reverse=True))
                # The other way round, everything shrinks by as much.
                back, _ = run_json("diff", "--json", os.path.join(new, "core"),
                                   os.path.join(old, "core"), os.path.join(old, "pprof"))
                acc_back = [a for a in back["accumulations"] if a["root"] == "main.conns"]
                self.assertEqual([a["bytes_delta"] for a in acc_back], [-acc["bytes_delta"]])
                grp_back = [g for g in back["goroutines"] if g["blocked_in"] == grp["blocked_in"]]
                self.assertEqual([g["count_delta"] for g in grp_back], [-grp["count_delta"]])

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
        # 1980 more Conns of 64 bytes in the map's point (see above).
        line = [l for l in text.splitlines() if l.endswith("  main.conns: main.Conn")]
        self.assertEqual(len(line), 1)
        self.assertEqual(line[0].split()[:5], ["+1980", "+123.8", "KiB", "990", "2970"])
        lines = text.splitlines()
        grp = lines.index("Goroutine groups by growth (status, start, creator, blocking frame):")
        self.assertEqual(lines[grp + 2].split()[:5], ["+20", "10", "30", "[chan", "receive]"])
        self.assertIn("blocked in main.serve at ", lines[grp + 4])
        self.assertTrue(lines[grp + 4].endswith("main.go:%d" % source_line("<-hangup")))
        doc, _ = run_json("diff", "--json", "--threshold", "100000", *args)
        self.assertIn("main.Conn", [t["type"] for t in doc["types"]])
        for t in doc["types"]:
            self.assertGreaterEqual(abs(t["bytes_delta"]), 100000)
        for r in doc["roots"]:
            self.assertGreaterEqual(abs(r["retained_delta"]), 100000)
        self.assertEqual([a["root"] for a in doc["accumulations"]], ["main.conns"])
        doc, _ = run_json("diff", "--json", "--threshold", "200000", *args)
        self.assertEqual(doc["accumulations"], [])
        # Goroutine groups are counts: the threshold in bytes leaves them.
        self.assertEqual(doc["goroutines"][0]["count_delta"], 20)

    def test_same_core_changes_nothing(self):
        tag, old, _ = pairs()[0]
        core = os.path.join(old, "core")
        doc, _ = run_json("diff", "--json", core, core)
        self.assertEqual(doc["types"], [])
        self.assertEqual(doc["roots"], [])
        self.assertEqual(doc["accumulations"], [])
        self.assertEqual(doc["goroutines"], [])
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
