"""Objects whose types Go 1.22 and 1.23 describe with GC programs
(fixtures/go/gcprog): the runtime records for each a dummy type with the
unrolled mask and no name.  Each object must be named by the static type of
the pointer that reaches it, scanned with that mask (no conservative scan),
and retain exactly what the program built (expect.json).  The objects'
addresses come from gdb, never from heapcore."""
import json
import subprocess
import unittest

from heapcore_test import fixtures, run_json

PAGE = 8192  # runtime pageSize: a large object's slot is whole pages


def gdb_words(fx, exprs):
    argv = ["gdb", "-nx", "-batch", "-iex", "set auto-load no"]
    for e in exprs:
        argv += ["-ex", "python print('ADDR %%x' %% (int(gdb.parse_and_eval(%r)) & (2**64 - 1)))" % e]
    p = subprocess.run(argv + [fx.exe, fx.core], capture_output=True, text=True, timeout=300)
    out = [int(l.split()[1], 16) for l in p.stdout.splitlines() if l.startswith("ADDR ")]
    if len(out) != len(exprs):
        raise AssertionError("gdb failed: " + p.stdout[-1000:] + p.stderr[-1000:])
    return out


def pages(n):
    return (n + PAGE - 1) // PAGE * PAGE


class GcProgTest(unittest.TestCase):
    def test_named_by_static_type(self):
        for fx in fixtures("gcprog"):
            with self.subTest(fx=fx):
                exp = fx.truth["expect"]
                item = exp["item_size"]
                types, _ = run_json("types", "--json", "--top", "0", fx.core)
                by_name = {t["type"]: t for t in types["types"]}
                self.assertEqual([t for t in by_name if t.startswith("type 0x")], [])
                self.assertEqual(types["warnings"], [])
                self.assertEqual(by_name[exp["item_type"]]["count"],
                                 sum(o["items"] for o in exp["objects"]))
                roots = {r["root"]: r for r in
                         run_json("roots", "--json", "--top", "0", fx.core)[0]["roots"]}
                exprs = []
                for o in exp["objects"]:
                    exprs.append("'%s'%s" % (o["global"], ".recs" if "via" in o else ""))
                for o, addr in zip(exp["objects"], gdb_words(fx, exprs)):
                    t = by_name[o["type"]]
                    self.assertEqual((t["count"], t["bytes"]), (1, pages(o["size"])), o)
                    self.assertEqual(t["retained"], pages(o["size"]) + o["items"] * item, o)
                    obj, _ = run_json("object", "--json", hex(addr), fx.core)
                    self.assertEqual((obj["type"], obj["size"]), (o["type"], pages(o["size"])))
                    r = roots[o["global"]]
                    holder = 0 if "via" not in o else by_name[o["via"]]["bytes"]
                    self.assertEqual(r["retained"], holder + pages(o["size"]) + o["items"] * item)
                    self.assertEqual(r["objects"], (1 if holder else 0) + 1 + o["items"])


if __name__ == "__main__":
    unittest.main()
