"""The per-toolchain runtime layout tables (tools/gen_layouts.py,
core/src/go/go_layout_tables.c) against the DWARF of the fixtures built
with each toolchain: every structure and constant a fixture's DWARF
describes is in its toolchain's table, with the same size, offsets and
lengths.  gdb reads the fixtures' DWARF, not heapcore."""
import json
import os
import sys
import unittest

from heapcore_test import SOURCE, fixtures

sys.path.insert(0, os.path.join(SOURCE, "tools"))
import gen_layouts  # noqa: E402

# What heapcore cannot do without: present in every toolchain's DWARF.
ESSENTIAL = ["internal/abi.Type", "runtime.mheap", "runtime.mspan", "runtime.g", "runtime.m",
             "runtime.p", "runtime.mcache", "runtime.moduledata", "runtime.mstats",
             "runtime.hchan", "runtime.special", "runtime.stack"]


class LayoutTablesTest(unittest.TestCase):
    def test_tables_match_fixture_dwarf(self):
        tables = gen_layouts.load_all()
        seen = set()
        for fx in fixtures("sizes"):
            if fx.dirname != fx.toolchain:
                continue  # later runs share the executable
            with self.subTest(fixture=repr(fx)):
                self.assertIn(fx.toolchain, tables)
                table = tables[fx.toolchain]
                dwarf = gen_layouts.read_layouts(fx.exe)
                for name in ESSENTIAL:
                    self.assertIn(name, dwarf["types"])
                for name, ty in dwarf["types"].items():
                    self.assertIn(name, table["types"])
                    self.assertEqual(table["types"][name]["size"], ty["size"], name)
                    self.assertEqual(table["types"][name]["fields"], ty["fields"], name)
                for name, v in dwarf["constants"].items():
                    self.assertEqual(table["constants"].get(name), v, name)
                seen.add(fx.toolchain)
        # Every table is checked by some fixture.
        self.assertEqual(sorted(seen), sorted(tables))

    def test_versions_differ_where_the_runtime_changed(self):
        # Tables copied from one toolchain would not differ: runtime.p's
        # size changes between 1.22 and 1.27 (its per-P caches grew).
        tables = gen_layouts.load_all()
        sizes = {tag: t["types"]["runtime.p"]["size"] for tag, t in tables.items()}
        self.assertGreater(len(set(sizes.values())), 1, sizes)

    def test_c_tables_are_the_rendered_json(self):
        with open(gen_layouts.C_FILE) as f:
            self.assertEqual(f.read(), gen_layouts.render(gen_layouts.load_all()),
                             "core/src/go/go_layout_tables.c is stale: run tools/gen_layouts.py")


if __name__ == "__main__":
    unittest.main()
