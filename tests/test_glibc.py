"""The glibc malloc backend against the C and C++ fixtures' own truth: the
mallinfo2() each program stored before it aborted (glibc's own count),
malloc_info()'s per-arena XML, and the blocks it lost on purpose."""
import os
import json
import shutil
import struct
import tempfile
import unittest

from heapcore_test import SANITIZE, fixtures, run, run_gdb, run_json

MALLINFO2 = ["arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
             "fsmblks", "uordblks", "fordblks", "keepcost"]


class TestGlibcStats(unittest.TestCase):
    def test_mallinfo2_exact(self):
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(doc["allocator"], "glibc")
                self.assertEqual(doc["libc"]["build_id"], fx.truth["libc_build_id"])
                self.assertEqual(doc["mallinfo2"], fx.truth["mallinfo2"])
                self.assertEqual(doc["warnings"], [])

    def test_arenas_as_malloc_info(self):
        # malloc_info() lists main_arena, then main_arena.next onwards: per
        # arena its system_mem, its fastbin chunks and bytes, and its free
        # chunks outside fastbins (top included).
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(len(doc["arenas"]), len(fx.truth["arenas"]))
                self.assertTrue(doc["arenas"][0]["main"])
                for got, want in zip(doc["arenas"], fx.truth["arenas"]):
                    mi = got["mallinfo2"]
                    self.assertEqual(mi["arena"], want["system_current"])
                    self.assertEqual(got["max_system_mem"], want["system_max"])
                    self.assertEqual(mi["smblks"], want["fast_count"])
                    self.assertEqual(mi["fsmblks"], want["fast_size"])
                    self.assertEqual(mi["ordblks"], want["rest_count"])
                    # every chunk is in exactly one state, and a free one
                    # is in the list glibc's own count saw
                    ch = got["chunks"]
                    self.assertEqual(ch["fastbin"]["count"], want["fast_count"])
                    self.assertEqual(ch["unsorted"]["count"] + ch["small_bin"]["count"] +
                                     ch["large_bin"]["count"] + 1, want["rest_count"])
                    self.assertEqual(ch["free_unbinned"]["count"], 0)
                    # the chunk walk covers the arena: all of it in main_arena's
                    # heap, all but heap_info and malloc_state in another's
                    overhead = mi["arena"] - got["top_size"] - sum(
                        c["bytes"] for c in ch.values())
                    if got["main"]:
                        self.assertEqual(overhead, 0)
                    else:
                        self.assertTrue(0 < overhead < 4096 * got["heaps"], overhead)
                    # what glibc counts in use: the program's chunks, the
                    # tcache chunks and that overhead
                    self.assertEqual(ch["in_use"]["bytes"] + ch["tcache"]["bytes"] + overhead,
                                     mi["uordblks"])
                for k in ("arena", "ordblks", "smblks", "fsmblks", "uordblks", "fordblks"):
                    self.assertEqual(sum(a["mallinfo2"][k] for a in doc["arenas"]),
                                     fx.truth["mallinfo2"][k])

    def test_mmapped_chunks(self):
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(doc["mmap"]["count"], fx.truth["mmap"]["count"])
                self.assertEqual(doc["mmap"]["bytes"], fx.truth["mmap"]["size"])
                self.assertEqual(doc["mmap"]["found_count"], fx.truth["mmap"]["count"])
                self.assertEqual(doc["mmap"]["found_bytes"], fx.truth["mmap"]["size"])

    def test_tcache_chunks_are_free(self):
        # uordblks counts tcache chunks as in use (glibc's view); heapcore's
        # in-use total leaves them out, and mmapped chunks in.
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("stats", "--json", fx.core)
                tcache = sum(t["bytes"] for t in doc["tcaches"])
                self.assertGreater(tcache, 0)
                self.assertEqual(len(doc["tcaches"]), len(fx.truth["threads"]))
                self.assertEqual(sum(a["chunks"]["tcache"]["bytes"] for a in doc["arenas"]),
                                 tcache)
                arena_in_use = sum(a["chunks"]["in_use"]["bytes"] for a in doc["arenas"])
                self.assertLess(arena_in_use + tcache, fx.truth["mallinfo2"]["uordblks"])
                self.assertEqual(doc["in_use"]["bytes"],
                                 arena_in_use + fx.truth["mmap"]["size"])

    def test_known_layout_without_debug_file(self):
        empty = tempfile.mkdtemp()
        try:
            for fx in fixtures(allocator="glibc"):
                with self.subTest(fx=fx):
                    doc, _ = run_json("stats", "--json", "--debug-dir", empty, fx.core)
                    self.assertIn("known layout", doc["libc"]["layout"])
                    self.assertEqual(doc["mallinfo2"], fx.truth["mallinfo2"])
        finally:
            shutil.rmtree(empty)

    def test_text(self):
        fx = fixtures("cshapes", allocator="glibc")[0]
        _, out, _ = run("stats", fx.core)
        self.assertIn("mallinfo2() (all arenas):", out)
        self.assertIn("  uordblks  %14d" % fx.truth["mallinfo2"]["uordblks"], out)
        self.assertIn("(main_arena)", out)


class TestGlibcGraph(unittest.TestCase):
    def test_leaks_are_the_lost_blocks(self):
        # The blocks each program lost on purpose, and nothing else: same
        # count, bytes, and (type, usable size) groups.
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("leaks", "--json", fx.core)
                lost = fx.truth["leaked"]
                lo = doc["leaked_objects"]
                self.assertEqual(lo["count"], len(lost))
                self.assertEqual(lo["bytes"], sum(e["usable_size"] for e in lost))
                want = {}
                for e in lost:
                    key = (e.get("type") or None, e["usable_size"])
                    want[key] = want.get(key, 0) + 1
                got = {(g["type"], g["size"]): g["count"] for g in lo["groups"]}
                self.assertEqual(got, want)
                for g in lo["groups"]:
                    self.assertEqual(g["bytes"], g["count"] * g["size"])

    def test_leaked_blocks_have_no_path(self):
        fx = fixtures("cshapes", allocator="glibc")[0]
        for e in fx.truth["leaked"][:3]:
            status, _, err = run("path", hex(e["address"]), fx.core, check=False)
            self.assertEqual(status, 2, err)
            self.assertIn("not reachable", err)

    def test_cxx_types_from_vtables(self):
        # cxxshapes/main.cc: kCircles + kLostCircles circles, kSquares
        # squares, one Registry<int>, two Nodes, 12 + 13 Workers.
        fx = fixtures("cxxshapes", allocator="glibc")[0]
        doc, _ = run_json("types", "--json", "--top", "0", fx.core)
        counts = {t["type"]: t["count"] for t in doc["types"]}
        self.assertEqual(counts.get("shapes::Circle"), 25 + 6)
        self.assertEqual(counts.get("shapes::Square"), 17)
        self.assertEqual(counts.get("Registry<int>"), 1)
        self.assertEqual(counts.get("Node"), 2)
        self.assertEqual(counts.get("Worker"), 25)

    def test_roots_name_globals_and_threads(self):
        fx = fixtures("cshapes", allocator="glibc")[0]
        doc, _ = run_json("roots", "--json", "--top", "0", fx.core)
        names = [r["root"] if "root" in r else r["name"] for r in doc["roots"]]
        for want in ("kept_main", "kept_thread", "list_head"):
            self.assertIn(want, names)
        self.assertTrue(any(n.endswith(" stack") for n in names))
        self.assertTrue(any(n.endswith(" TLS") for n in names))


def patched_core(fx, tmp, patches):
    """A copy of the fixture's core with @p patches {address: 8-byte word}."""
    with open(fx.core, "rb") as f:
        data = bytearray(f.read())
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for addr, word in patches.items():
        for i in range(phnum):
            typ, _, off, vaddr, _, filesz = struct.unpack_from(
                "<IIQQQQ", data, phoff + i * phentsize)
            if typ == 1 and vaddr <= addr < vaddr + filesz:
                struct.pack_into("<Q", data, off + addr - vaddr, word)
                break
        else:
            raise AssertionError("0x%x is not in the core" % addr)
    path = os.path.join(tmp, "core")
    with open(path, "wb") as f:
        f.write(data)
    return path


class TestGlibcDamaged(unittest.TestCase):
    """A damaged heap: the damage is named in a warning, the rest reported."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.fx = fixtures("cshapes", allocator="glibc")[0]

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def stats(self, core):
        status, out, err = run("stats", "--json", core, self.fx.exe, check=False)
        self.assertEqual(status, 0, err)
        return json.loads(out)

    def test_fastbin_cycle(self):
        chunk = self.fx.truth["probe"]["fastbin0"]
        # the chunk's fd, mangled as glibc stores it, pointing to itself
        core = patched_core(self.fx, self.tmp, {chunk + 16: ((chunk + 16) >> 12) ^ chunk})
        doc = self.stats(core)
        self.assertTrue(any("fastbin 0: a cycle at chunk 0x%x" % chunk in w
                            for w in doc["warnings"]), doc["warnings"])
        self.assertEqual(doc["mallinfo2"]["arena"], self.fx.truth["mallinfo2"]["arena"])
        self.assertEqual(doc["mallinfo2"]["hblkhd"], self.fx.truth["mallinfo2"]["hblkhd"])
        _, out, err = run("leaks", core, self.fx.exe)
        self.assertIn("leaked: %d blocks" % len(self.fx.truth["leaked"]), out)

    def test_damaged_tcache(self):
        # the main thread's first malloc made its tcache: the heap's first chunk
        tc = self.fx.truth["probe"].get("tcache", self.fx.truth["probe"]["sbrk_base"] + 16)
        tid = self.fx.truth["threads"][0]
        # counts[0..3] say 7 where the lists hold other numbers
        core = patched_core(self.fx, self.tmp, {tc: 0x0007000700070007})
        doc = self.stats(core)
        self.assertTrue(any("thread %d: its tcache 0x%x is damaged" % (tid, tc) in w
                            for w in doc["warnings"]), doc["warnings"])
        # the other threads' tcaches are still found
        self.assertEqual(len(doc["tcaches"]), len(self.fx.truth["threads"]) - 1)

    def test_bad_chunk_size(self):
        first = self.fx.truth["probe"]["sbrk_base"]
        core = patched_core(self.fx, self.tmp, {first + 8: 0x7})
        doc = self.stats(core)
        self.assertTrue(any("chunk 0x%x has a bad size 0x7" % first in w
                            for w in doc["warnings"]), doc["warnings"])
        self.assertEqual(len(doc["arenas"]), len(self.fx.truth["arenas"]))


@unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
class TestGlibcGdb(unittest.TestCase):
    def test_gdb_text_is_cli_text(self):
        for fx in fixtures(allocator="glibc"):
            cmds = (("heap-stats", ["stats"]), ("heap-stats --json", ["stats", "--json"]),
                    ("heap-leaks --json", ["leaks", "--json"]),
                    ("heap-types --top 0", ["types", "--top", "0"]),
                    ("heap-roots", ["roots"]))
            outs, err = run_gdb([fx.exe, fx.core], [c for c, _ in cmds])
            for (gdb_cmd, cli), got in zip(cmds, outs):
                with self.subTest(fx=fx, cmd=gdb_cmd):
                    _, want, _ = run(*cli, fx.core, fx.exe)
                    self.assertEqual(got, want, err)
        # ADDR is a gdb expression: a kept list node, by its global.
        fx = fixtures("cshapes", allocator="glibc")[0]
        outs, err = run_gdb([fx.exe, fx.core], ["heap-path list_head", "p/x (long)list_head"])
        addr = outs[1].split("=")[-1].strip()
        _, want, _ = run("path", addr, fx.core, fx.exe)
        self.assertEqual(outs[0], want, err)


if __name__ == "__main__":
    unittest.main()
