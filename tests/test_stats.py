"""heapcore stats against runtime.ReadMemStats as the crashed program stored
it (truth.json, read from the core by gdb when the fixture was generated)."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from heapcore_test import fixtures, run, run_json

SCALARS = ["Alloc", "TotalAlloc", "Sys", "Lookups", "Mallocs", "Frees",
           "HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased",
           "HeapObjects", "StackInuse", "StackSys", "MSpanInuse", "MSpanSys",
           "MCacheInuse", "MCacheSys", "BuckHashSys", "GCSys", "OtherSys",
           "NextGC", "LastGC", "PauseTotalNs", "NumGC", "NumForcedGC",
           "GCCPUFraction"]
ARRAYS = ["PauseNs", "PauseEnd", "BySize"]


def expected(fx):
    """The truth, plus the known effect of allocations made after ReadMemStats."""
    want = json.loads(json.dumps(fx.truth["MemStats"]))
    delta = fx.truth.get("delta", {})
    for field, d in delta.items():
        if field == "BySize":
            for size, counts in d.items():
                entry = [e for e in want["BySize"] if e["Size"] == int(size)][0]
                for k, v in counts.items():
                    entry[k] += v
        elif field != "comment":
            want[field] += d
    return want


def differences(got, want, fields):
    out = []
    for f in fields:
        if got.get(f) != want.get(f):
            if f == "BySize":
                bad = [(w["Size"], g, w) for g, w in zip(got[f], want[f]) if g != w]
                out.append("BySize: %d classes differ, first %r" % (len(bad), bad[:1]))
            elif f in ARRAYS:
                out.append("%s differs" % f)
            else:
                out.append("%s: heapcore %r, truth %r" % (f, got.get(f), want.get(f)))
    return out


class StatsTest(unittest.TestCase):
    def test_every_field_equals_readmemstats(self):
        for fx in fixtures():
            if not fx.truth["exact_memstats"]:
                continue
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(doc["go_version"], fx.truth["go_version"])
                got, want = doc["MemStats"], expected(fx)
                fields = SCALARS + ARRAYS
                self.assertEqual(differences(got, want, fields), [])
                self.assertEqual(doc["warnings"], [])
                self.assertTrue(got["EnableGC"])
                self.assertEqual(len(got["PauseNs"]), 256)
                self.assertEqual(len(got["BySize"]), 61)

    def test_after_allocation_delta_is_visible(self):
        # Without the mcache step heapcore would report the stored truth:
        # the fixture proves the unflushed allocations are counted.
        for fx in fixtures("afteralloc"):
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(doc["MemStats"]["Mallocs"] - fx.truth["MemStats"]["Mallocs"], 1600)

    def test_gc_running_counters_agree_with_span_walk(self):
        for fx in fixtures("gcrunning"):
            with self.subTest(fixture=repr(fx)):
                self.assertNotEqual(fx.truth["gcphase"], 0)
                doc, _ = run_json("stats", "--json", "--by-size", fx.core)
                self.assertEqual(doc["warnings"], [])
                ms = doc["MemStats"]
                classes = doc["size_classes"]
                self.assertEqual(sum(c["objects"] for c in classes), ms["HeapObjects"])
                self.assertEqual(sum(c["bytes_inuse"] for c in classes), ms["HeapAlloc"])
                self.assertEqual(sum(c["bytes_inuse"] + c["bytes_free"] for c in classes),
                                 ms["HeapInuse"])

    def test_by_size_table(self):
        fx = fixtures("sizes")[0]
        doc, _ = run_json("stats", "--json", "--by-size", fx.core)
        classes = {c["class"]: c for c in doc["size_classes"]}
        # The program keeps five 40 KiB Big objects and a 1 MiB blob: large spans.
        self.assertGreaterEqual(classes[0]["objects"], 6)
        self.assertGreaterEqual(len(classes), 40)
        _, text, _ = run("stats", "--by-size", fx.core)
        self.assertIn("Size classes (span walk):", text)

    def test_text_summary(self):
        fx = fixtures("sizes")[-1]
        _, text, _ = run("stats", fx.core)
        want = fx.truth["MemStats"]
        self.assertTrue(text.startswith("Go heap of sizes (%s)\n" % fx.truth["go_version"]))
        for f in ("HeapAlloc", "HeapSys", "HeapObjects", "NextGC", "Sys"):
            self.assertIn("  %-14s %d\n" % (f, want[f]), text)
        self.assertIn("Where it went", text)

    def test_not_go(self):
        # A non-Go core: the program in this test's own C fixture would need
        # a compiler; a Go core opened with --force against /bin/sh is enough
        # to exercise the "not a Go program" path.
        fx = fixtures("sizes")[0]
        code, out, err = run("stats", "--force", fx.core, "/bin/sh", check=False)
        self.assertEqual(code, 2)
        self.assertEqual(err.count("\n"), 1)
        self.assertIn("not a Go program", err)


FIND_SPAN = r"""
import gdb
spans = gdb.parse_and_eval("'runtime.mheap_'")["allspans"]
n = int(spans["len"])
for i in range(n):
    s = spans["array"][i].dereference()
    if int(s["state"]["s"]["value"]) == 1 and int(s["spanclass"]) >> 1 > 0:
        field = int(spans["array"][i]) + s.type.fields()[[f.name for f in s.type.fields()].index("elemsize")].bitpos // 8
        print("SPAN %d %d %d" % (int(spans["array"][i]), int(s["startAddr"]), field))
        break
"""


def gdb_find_small_span(exe, core):
    """(mspan address, span start, address of its elemsize field), by gdb."""
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(FIND_SPAN)
        script.flush()
        out = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no",
                              "-x", script.name, exe, core],
                             capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.startswith("SPAN ")][0]
    return tuple(int(x) for x in line.split()[1:])


def file_offset(core_bytes, addr):
    phoff, = struct.unpack_from("<Q", core_bytes, 32)
    phnum, = struct.unpack_from("<H", core_bytes, 56)
    for i in range(phnum):
        p_type, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", core_bytes, phoff + 56 * i)
        if p_type == 1 and vaddr <= addr < vaddr + filesz:
            return off + addr - vaddr
    raise AssertionError("0x%x not in core" % addr)


class CorruptedSpanTest(unittest.TestCase):
    def test_corrupted_span_is_named_and_the_rest_reported(self):
        fx = fixtures("sizes")[0]
        tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        try:
            # Find, with gdb, an in-use small-object span and its elemsize field.
            sp, base, field = gdb_find_small_span(fx.exe, fx.core)
            with open(fx.core, "rb") as f:
                data = bytearray(f.read())
            off = file_offset(data, field)
            struct.pack_into("<Q", data, off, 12345)
            core = os.path.join(tmp, "core")
            with open(core, "wb") as f:
                f.write(data)
            shutil.copy(fx.exe, tmp)
            # An answer without that span: named, marked incomplete, exit 5.
            code, out, _ = run("stats", "--json", core, check=False)
            self.assertEqual(code, 5)
            doc = json.loads(out)
            self.assertTrue(doc["incomplete"])
            self.assertTrue(any(d["address"] in (sp, base) for d in doc["damaged"]), doc["damaged"])
            warnings = doc["warnings"]
            self.assertIn("span at 0x%x (mspan 0x%x) is inconsistent: its element size "
                          "is not its size class's; skipped" % (base, sp), warnings)
            # The walk skipped that span, so the counters' disagreement with it
            # is explained by the damage and not reported again.
            self.assertFalse(any("differs from the span walk" in w for w in warnings), warnings)
            # Everything not derived from that span is still exact.
            want = fx.truth["MemStats"]
            for f in ("Sys", "HeapAlloc", "Mallocs", "NumGC", "NextGC", "StackInuse"):
                self.assertEqual(doc["MemStats"][f], want[f], f)
            code, text, _ = run("stats", core, check=False)
            self.assertEqual(code, 5)
            self.assertIn("warning: span at 0x%x" % base, text)
            self.assertIn("\nincomplete: ", text)
            # The graph commands go on without that span's objects.
            for cmd in ("roots", "types", "top"):
                code, out, _ = run(cmd, "--json", core, check=False)
                self.assertEqual(code, 5, cmd)
                doc = json.loads(out)
                self.assertTrue(doc["incomplete"], cmd)
                self.assertTrue(any("span at 0x%x" % base in w for w in doc["warnings"]))
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
