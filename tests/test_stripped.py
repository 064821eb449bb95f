"""Go executables with no DWARF and no symbol table (-ldflags='-s -w', or
stripped with no debug file to be found): MemStats from the runtime layout
tables (tools/gen_layouts.py) and the globals found from the runtime's code
(core/src/go/go_nosym.c), against the program's own runtime.ReadMemStats.

The stripped fixture was built with -s -w on Go 1.22 and 1.27, with and
without Green Tea GC; its truth was read through the DWARF of a twin built
without -s -w (fixtures/generate.py).  The sizes fixture of every toolchain,
stripped here with binutils, checks the same on each table."""
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import fixtures, run, run_json
from test_stats import ARRAYS, SCALARS, differences, expected


class StrippedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-stripped-")
        cls.empty = os.path.join(cls.tmp, "empty")
        os.makedirs(cls.empty)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def assert_memstats(self, fx, exe):
        doc, _ = run_json("stats", "--json", "--debug-dir", self.empty, fx.core, exe)
        self.assertEqual(doc["go_version"], fx.truth["go_version"])
        self.assertEqual(differences(doc["MemStats"], expected(fx), SCALARS + ARRAYS), [])
        # One warning: what the missing DWARF degraded.
        self.assertEqual(len(doc["warnings"]), 1, doc["warnings"])
        self.assertIn("has no DWARF and no symbol table", doc["warnings"][0])
        self.assertIn("heapcore's table for %s" % fx.toolchain, doc["warnings"][0])
        return doc

    def test_s_w_memstats_equal_readmemstats(self):
        seen = set()
        for fx in fixtures("stripped"):
            with self.subTest(fixture=repr(fx)):
                out = subprocess.run(["readelf", "-S", "--wide", fx.exe], capture_output=True,
                                     text=True, check=True).stdout
                self.assertNotIn(".symtab", out)
                self.assertNotIn(".debug_info", out)
                self.assertTrue(fx.truth["exact_memstats"])
                self.assert_memstats(fx, fx.exe)
                seen.add(fx.toolchain)
        self.assertTrue({"go1.22", "go1.27", "go1.27-nogreenteagc"} <= seen, seen)

    def test_every_table_on_a_stripped_build(self):
        # strip(1) leaves no symbol table and no DWARF either: each
        # toolchain's table and the globals' recipes are checked on the
        # sizes fixture.
        for fx in fixtures("sizes"):
            with self.subTest(fixture=repr(fx)):
                exe = os.path.join(self.tmp, "sizes-" + fx.toolchain)
                subprocess.run(["strip", "-o", exe, fx.exe], check=True)
                self.assert_memstats(fx, exe)

    def test_experiment_without_a_table_is_refused(self):
        # The same executable claiming Go 1.26 with nogreenteagc (a build
        # info version of the same length): heapcore has the 1.26 table of
        # the default experiments only, so it must refuse, not guess.
        fx = [f for f in fixtures("stripped") if f.toolchain == "go1.27-nogreenteagc"][0]
        with open(fx.exe, "rb") as f:
            data = f.read()
        old = fx.truth["go_version"].encode()
        self.assertEqual(data.count(old), 2)  # the build info and runtime.buildVersion
        exe = os.path.join(self.tmp, "claims-1.26")
        with open(exe, "wb") as f:
            f.write(data.replace(old, old.replace(b"go1.27.", b"go1.26.")))
        code, _, err = run("stats", "--debug-dir", self.empty, fx.core, exe, "--force",
                           check=False)
        self.assertNotEqual(code, 0, err)
        self.assertIn("GOEXPERIMENT=nogreenteagc", err)
        self.assertIn("go1.26", err)

    def test_what_needs_dwarf_says_so(self):
        fx = fixtures("stripped")[0]
        code, _, err = run("types", "--debug-dir", self.empty, fx.core, fx.exe, check=False)
        self.assertEqual(code, 2, err)
        self.assertIn("no DWARF", err)


if __name__ == "__main__":
    unittest.main()
