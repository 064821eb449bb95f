"""The glibc malloc backend against the C and C++ fixtures' own truth: the
mallinfo2() each program stored before it aborted (glibc's own count),
malloc_info()'s per-arena XML, and the blocks it lost on purpose."""
import os
import shutil
import tempfile
import unittest

from heapcore_test import fixtures, run, run_json

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


if __name__ == "__main__":
    unittest.main()
