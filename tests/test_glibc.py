"""The glibc malloc backend against the C and C++ fixtures' own truth: the
mallinfo2() each program stored before it aborted (glibc's own count),
malloc_info()'s per-arena XML, and the blocks it lost on purpose."""
import os
import json
import re
import shutil
import subprocess
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

    def test_unknown_build_found_by_data(self):
        # A C library heapcore has no debug file or table row for (the build
        # ID in the core's copy of its first page altered): main_arena and
        # mp_ are found by their contents, and the answer is the same.
        tmp = tempfile.mkdtemp()
        try:
            for fx in fixtures(allocator="glibc"):
                with self.subTest(fx=fx):
                    with open(fx.core, "rb") as f:
                        data = bytearray(f.read())
                    bid = bytes.fromhex(fx.truth["libc_build_id"])
                    at = data.find(bid)
                    self.assertGreater(at, 0)
                    data[at] ^= 0xff
                    core = os.path.join(tmp, "core")
                    with open(core, "wb") as f:
                        f.write(data)
                    doc, _ = run_json("stats", "--json", core, fx.exe)
                    self.assertIn("found by their contents", doc["libc"]["layout"])
                    self.assertEqual(doc["mallinfo2"], fx.truth["mallinfo2"])
                    self.assertEqual(doc["warnings"], [])
        finally:
            shutil.rmtree(tmp)

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


GDB_FRAMES = """
f = gdb.newest_frame()
while f is not None:
    if f.type() != gdb.TAILCALL_FRAME:
        print("@@FRAME %s" % f.name())
    f = f.older()
"""


def gdb_frames(exe, core, tmp):
    """The function names of gdb's backtrace of the core's first thread
    (the one that crashed), without the tail-call frames gdb adds from
    DWARF call-site information (no physical frame holds them)."""
    script = os.path.join(tmp, "frames.py")
    with open(script, "w") as f:
        f.write(GDB_FRAMES)
    p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-x", script,
                        exe, core], capture_output=True, text=True, timeout=300)
    return [line[8:] for line in p.stdout.splitlines() if line.startswith("@@FRAME ")]


def plain(name):
    """A function name without symbol version or parameter list."""
    name = (name or "None").split("@")[0]
    if name.endswith(")") and "(" in name:
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[i], 0)
            if depth == 0:
                return name[:i]
    return name


CRASH_C = r"""
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
void *keep[100];
__attribute__((noinline)) static void deeper(int n)
{
	if (n == 0)
		abort();
	deeper(n - 1);
	__asm__ volatile("");
}
__attribute__((noinline)) void level1(void)
{
	for (int i = 0; i < 100; i++)
		keep[i] = malloc(32 + i);
	deeper(2);
}
int main(void)
{
	level1();
	return 0;
}
"""

CRASH_CXX = r"""
#include <cstdlib>
#include <vector>
namespace shapes {
struct Shape {
	virtual ~Shape() {}
	virtual void fail(int n) = 0;
};
struct Circle : Shape {
	double r = 1;
	__attribute__((noinline)) void fail(int n) override
	{
		if (n == 0)
			std::abort();
		fail(n - 1);
		__asm__ volatile("");
	}
};
}
template <typename T> struct Holder {
	std::vector<T *> items;
	__attribute__((noinline)) void crash() { items.back()->fail(1); }
};
Holder<shapes::Shape> holder;
int main()
{
	for (int i = 0; i < 20; i++)
		holder.items.push_back(new shapes::Circle);
	holder.crash();
}
"""


class TestGlibcTriage(unittest.TestCase):
    def test_signal_and_heap(self):
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                doc, _ = run_json("triage", "--json", fx.core)
                self.assertEqual(doc["allocator"], "glibc")
                sig = doc["signal"]
                # abort(): raise() sends SIGABRT to its own thread with tgkill
                self.assertEqual((sig["number"], sig["name"]), (6, "SIGABRT"))
                self.assertEqual((sig["code"], sig["code_name"]), (-6, "SI_TKILL"))
                self.assertIsNone(sig["address"])
                self.assertEqual(doc["thread"]["tid"], fx.truth["threads"][0])
                self.assertEqual(sig["sender_pid"], fx.truth["threads"][0])
                self.assertEqual(doc["mallinfo2"], fx.truth["mallinfo2"])
                lo = doc["leaked_objects"]
                self.assertEqual(lo["count"], len(fx.truth["leaked"]))
                self.assertEqual(lo["bytes"], sum(e["usable_size"] for e in fx.truth["leaked"]))
                self.assertLessEqual(len(lo["groups"]), 5)
                self.assertTrue(doc["types"])
                # The first frame is where the thread stopped.
                info, _ = run_json("info", "--json", fx.core)
                pc = [t["pc"] for t in info["threads"] if t["tid"] == doc["thread"]["tid"]][0]
                self.assertEqual(int(doc["thread"]["frames"][0]["pc"], 16),
                                 pc if isinstance(pc, int) else int(pc, 16))

    def crash(self, tmp, compiler, source, name):
        src = os.path.join(tmp, name)
        with open(src, "w") as f:
            f.write(source)
        exe = os.path.join(tmp, "prog")
        subprocess.run([compiler, "-O1", "-g", "-pthread", "-o", exe, src], check=True,
                       timeout=120, capture_output=True)
        p = subprocess.run(["sh", "-c", "ulimit -c unlimited; exec %s" % exe], cwd=tmp,
                           capture_output=True)
        core = os.path.join(tmp, "core")
        if not os.path.exists(core):
            self.skipTest("no core written (core_pattern is not 'core')")
        return exe, core, p.returncode

    def test_backtrace_is_gdbs(self):
        # A C and a C++ program that abort() a few calls deep: the crashed
        # thread's frames, named as gdb names them (inlined calls too).
        for compiler, source, name in (("gcc", CRASH_C, "crash.c"),
                                       ("g++", CRASH_CXX, "crash.cc")):
            if not shutil.which(compiler) or not shutil.which("gdb"):
                continue
            with self.subTest(compiler=compiler):
                tmp = tempfile.mkdtemp()
                try:
                    exe, core, status = self.crash(tmp, compiler, source, name)
                    self.assertEqual(status, -6)
                    doc, _ = run_json("triage", "--json", core, exe)
                    got = [plain(f["function"]) for f in doc["thread"]["frames"]]
                    want = [plain(n) for n in gdb_frames(exe, core, tmp)]
                    self.assertIn("main", want)
                    self.assertEqual(got, want)
                    self.assertIsNone(doc["thread"]["unwind_stopped"])
                    self.assertEqual(doc["thread"]["frames"][-1]["function"], "main")
                    if compiler == "gcc":
                        self.assertEqual(got[-5:], ["deeper"] * 3 + ["level1", "main"])
                        leaks, _ = run_json("leaks", "--json", core, exe)
                        self.assertEqual(doc["leaked_objects"]["count"],
                                         leaks["leaked_objects"]["count"])
                    else:
                        self.assertIn("shapes::Circle::fail", got)
                        self.assertIn("Holder<shapes::Shape>::crash", got)
                        types = {t["type"] for t in doc["types"]}
                        self.assertIn("shapes::Circle", " ".join(types))
                finally:
                    shutil.rmtree(tmp)

    def test_text_first_screen(self):
        for fx in fixtures(allocator="glibc"):
            with self.subTest(fx=fx):
                _, out, _ = run("triage", fx.core)
                lines = out.splitlines()
                self.assertLessEqual(len(lines), 60, out)
                self.assertTrue(lines[0].startswith("killed by SIGABRT (signal 6): sent by tkill"),
                                lines[0])
                self.assertIn("from process %d (itself)" % fx.truth["threads"][0], lines[0])
                self.assertEqual(lines[2], "thread %d (crashed, 1 of %d):" % (
                    fx.truth["threads"][0], len(fx.truth["threads"])))
                self.assertIn(" in use (uordblks)", out)
                self.assertIn("leaked: %d blocks" % len(fx.truth["leaked"]), out)

    def test_segfault_fault_address(self):
        # A C program that writes through a wild pointer: SIGSEGV, its
        # code and fault address from NT_SIGINFO, and the faulting frame.
        if not shutil.which("gcc"):
            self.skipTest("needs gcc")
        tmp = tempfile.mkdtemp()
        try:
            source = ("#include <stdlib.h>\n"
                      "__attribute__((noinline)) void poke(long *p) { *p = 42; }\n"
                      "int main(void) { free(malloc(100)); poke((long *)0x1234); return 0; }\n")
            exe, core, status = self.crash(tmp, "gcc", source, "segv.c")
            self.assertEqual(status, -11)
            doc, _ = run_json("triage", "--json", core, exe)
            sig = doc["signal"]
            self.assertEqual((sig["name"], sig["code_name"], sig["address"]),
                             ("SIGSEGV", "SEGV_MAPERR", "0x1234"))
            self.assertIsNone(sig["sender_pid"])
            frames = [f["function"] for f in doc["thread"]["frames"]]
            self.assertEqual(frames, ["poke", "main"])
            self.assertEqual(doc["thread"]["frames"][0]["line"], 2)
            _, out, _ = run("triage", core, exe)
            self.assertTrue(out.startswith("killed by SIGSEGV (signal 11): address not mapped to "
                                           "object (SEGV_MAPERR) at address 0x1234\n"), out)
        finally:
            shutil.rmtree(tmp)


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
