"""goroutines, leaks and triage against what Go itself printed.

The truth is outside heapcore: the crashed programs' own stderr under
GOTRACEBACK=crash (fixtures/generate.py keeps it as stderr.txt), parsed
by gotraceback.py, and the counts the leak program's constants fix
(fixtures/go/leaks/expect.json)."""
import json
import os
import shutil
import struct
import tempfile
import unittest

import gotraceback
from heapcore_test import INCOMPLETE, SANITIZE, fixtures, run, run_gdb, run_json


def stderr_of(fx):
    with open(os.path.join(fx.dir, "stderr.txt"), errors="replace") as f:
        return f.read()


def cores():
    return fixtures("leaks") + fixtures("panics")


def expect():
    with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "go", "leaks",
                           "expect.json")) as f:
        return json.load(f)


class GoroutinesTest(unittest.TestCase):
    def test_equal_go_traceback(self):
        # Every goroutine Go printed, with its status, frames (inlined
        # calls expanded, runtime frames included) and "created by"; and
        # no other.
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                want = gotraceback.parse(stderr_of(fx))
                doc, _ = run_json("goroutines", "--json", fx.core, fx.exe)
                got = {g["id"]: g for g in doc["goroutines"]}
                self.assertEqual(sorted(got), sorted(want))
                printed = 0
                for goid, w in want.items():
                    g = got[goid]
                    self.assertEqual(g["status"], w["status"], "goroutine %d" % goid)
                    self.assertIsNone(g["error"], "goroutine %d" % goid)
                    if w["frames"] is not None:
                        printed += 1
                        frames = [(f["function"], f["file"], f["line"]) for f in g["frames"]]
                        self.assertEqual(frames, w["frames"], "goroutine %d" % goid)
                        self.assertEqual(g["elided_frames"], w["elided"], "goroutine %d" % goid)
                    cb = g["created_by"]
                    cb = cb and (cb["function"], cb["file"], cb["line"], cb.get("goroutine", 0))
                    self.assertEqual(cb, w["created_by"], "goroutine %d" % goid)
                    self.assertEqual(g["wait_minutes"] in (None, 0), True)
                self.assertGreaterEqual(printed, len(want) - 3)

    def test_text_groups_largest_first(self):
        fx = fixtures("leaks")[-1]
        _, text, _ = run("goroutines", fx.core, fx.exe)
        doc, _ = run_json("goroutines", "--json", fx.core, fx.exe)
        self.assertTrue(text.startswith("%d goroutines:" % len(doc["goroutines"])))
        sizes = [int(line.split()[0]) for line in text.splitlines()
                 if line[:1].isdigit() and " goroutine" in line and "[" in line]
        self.assertEqual(sizes, sorted(sizes, reverse=True))
        self.assertEqual(sum(sizes), len(doc["goroutines"]))
        _, everyone, _ = run("goroutines", "--all", fx.core, fx.exe)
        self.assertEqual(everyone.count("\ngoroutine "), len(doc["goroutines"]))

    def test_damaged_goroutine_stands_alone(self):
        # A goroutine whose stack bounds are garbage is reported with the
        # reason; every other goroutine is unchanged.
        fx = fixtures("leaks")[-1]
        doc, _ = run_json("goroutines", "--json", fx.core, fx.exe)
        victim = next(g for g in doc["goroutines"] if g["status"] == "sleep")
        tmp = tempfile.mkdtemp()
        try:
            core = os.path.join(tmp, "core")
            shutil.copy(fx.core, core)
            with open(core, "r+b") as f:
                off = file_offset(f, victim["address"])  # g.stack.lo: the first word of a g
                f.seek(off)
                f.write(struct.pack("<Q", 0x10))
            bad, _ = run_json("goroutines", "--json", core, fx.exe, status=INCOMPLETE)
        finally:
            shutil.rmtree(tmp)
        got = {g["id"]: g for g in bad["goroutines"]}
        self.assertEqual(got[victim["id"]]["error"], "its stack is not in a stack span")
        self.assertTrue(any("goroutine %d:" % victim["id"] in w for w in bad["warnings"]))
        self.assertTrue(bad["incomplete"])
        for g in doc["goroutines"]:
            if g["id"] != victim["id"]:
                self.assertEqual(got[g["id"]]["frames"], g["frames"])


def file_offset(f, addr):
    """The offset in an ELF core of the byte at @p addr (its PT_LOAD)."""
    f.seek(0)
    ehdr = f.read(64)
    phoff, = struct.unpack_from("<Q", ehdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
    for i in range(phnum):
        f.seek(phoff + i * phentsize)
        ptype, _, off, vaddr, _, filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(56))
        if ptype == 1 and vaddr <= addr < vaddr + filesz:
            return off + addr - vaddr
    raise AssertionError("0x%x is not in the core" % addr)


class LeaksTest(unittest.TestCase):
    def test_leaked_groups_exact(self):
        # Every leak kind with its exact count, and nothing else: no
        # look-alike (a global channel's or mutex's waiters, sleepers,
        # system calls, a receiver whose channel a stuck goroutine holds).
        exp = expect()
        for fx in fixtures("leaks"):
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("leaks", "--json", fx.core, fx.exe)
                got = sorted((g["blocked_in"]["function"], g["count"])
                             for g in doc["leaked_goroutines"])
                want = sorted((e["blocked_in"], e["count"]) for e in exp["leaked"])
                self.assertEqual(got, want)
                for g in doc["leaked_goroutines"]:
                    e = next(e for e in exp["leaked"] if e["blocked_in"] == g["blocked_in"]["function"])
                    # Before Go 1.24 a WaitGroup waits as "semacquire".
                    self.assertIn(g["status"], [e["status"]] + e.get("old_status", []))
                    self.assertEqual(len(g["goroutines"]), g["count"])
                    self.assertGreaterEqual(g["retained"], e.get("retained_min", 0))
                    self.assertGreater(g["stack_bytes"], 0)
                gr, _ = run_json("goroutines", "--json", fx.core, fx.exe)
                for g in gr["goroutines"]:
                    names = [f["function"] for f in g["frames"]]
                    if any(n in exp["not_leaked"] for n in names):
                        self.assertFalse(g["leaked"], "goroutine %d %s" % (g["id"], names))
                self.assertEqual(gr["leaked"], sum(e["count"] for e in exp["leaked"]))

    def test_runtime_leak_profile(self):
        # Where the toolchain has Go 1.26's goroutineleakprofile experiment
        # the program printed the runtime's own leak profile, whose GC
        # marked each leaked goroutine: heapcore, judging them again from
        # the core, finds the same ones.
        checked = 0
        for fx in fixtures("leaks"):
            text = stderr_of(fx)
            total = gotraceback.leak_profile_total(text)
            if total is None:
                continue
            checked += 1
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("goroutines", "--json", fx.core, fx.exe)
                mine = {g["id"] for g in doc["goroutines"] if g["leaked"]}
                self.assertEqual(len(mine), total)
                self.assertEqual(mine, gotraceback.leaked(text))
        # Go 1.26 and 1.27 have the experiment: their fixtures printed it.
        self.assertEqual(checked, len([f for f in fixtures("leaks")
                                       if f.toolchain >= "go1.26"]))

    def test_cache_is_the_suspect(self):
        exp = expect()["cache"]
        for fx in fixtures("leaks"):
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("leaks", "--json", fx.core, fx.exe)
                s = doc["suspects"][0]
                self.assertEqual(s["root"], exp["root"])
                self.assertGreater(s["share"], 0.8)
                acc = s["accumulation"]
                self.assertEqual(acc["element_type"], exp["element_type"])
                self.assertEqual(acc["count"], exp["count"])
                self.assertEqual(s["path"][0], {"root": exp["root"]})
                self.assertEqual(s["path"][-1]["address"], acc["address"])
                _, text, _ = run("leaks", fx.core, fx.exe)
                self.assertIn("%s (" % exp["root"], text)
                self.assertIn("20,000 × %s" % exp["element_type"], text)
                # A threshold above its share leaves no suspect.
                high, _ = run_json("leaks", "--json", "--threshold", "100", fx.core, fx.exe)
                self.assertEqual(high["suspects"], [])

    def test_bad_threshold(self):
        fx = fixtures("leaks")[0]
        for bad in ("x", "-1", "101"):
            status, _, err = run("leaks", "--threshold", bad, fx.core, check=False)
            self.assertEqual(status, 1)
            self.assertIn("--threshold needs a valid value", err)


class TriageTest(unittest.TestCase):
    def test_first_lines_equal_go(self):
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                first = gotraceback.first_lines(stderr_of(fx))
                _, text, _ = run("triage", fx.core, fx.exe)
                lines = text.splitlines()
                self.assertEqual(lines[:len(first)], first)
                self.assertLessEqual(len(lines), 60)
                # Then the goroutine that crashed, as Go printed it.
                want = gotraceback.parse(stderr_of(fx))
                doc, _ = run_json("triage", "--json", fx.core, fx.exe)
                g = doc["goroutine"]
                if fx.program == "panics":
                    self.assertEqual(doc["panic"]["message"], first[0])
                    self.assertEqual(doc["panic"]["goroutine"], g["id"])
                    self.assertEqual(doc["panic"]["signal"], first[1] if len(first) > 1 else None)
                    self.assertIn("main.work", [f["function"] for f in g["frames"]])
                if g:
                    frames = [(f["function"], f["file"], f["line"]) for f in g["frames"]]
                    self.assertEqual(frames, want[g["id"]]["frames"])
                    self.assertIn("\ngoroutine %d [%s]:\n" % (g["id"], want[g["id"]]["bracket"]),
                                  text)
                self.assertEqual(doc["signal"]["name"], "SIGABRT")


@unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
class GdbTest(unittest.TestCase):
    def test_same_text_as_cli(self):
        for fx in (fixtures("leaks")[-1], fixtures("panics")[-1]):
            with self.subTest(fixture=repr(fx)):
                cmds = [("heap-goroutines", ["goroutines"]),
                        ("heap-goroutines --all", ["goroutines", "--all"]),
                        ("heap-leaks --threshold 5", ["leaks", "--threshold", "5"]),
                        ("heap-leaks --json", ["leaks", "--json"]),
                        ("heap-triage", ["triage"])]
                outs, err = run_gdb([fx.exe, fx.core], [c for c, _ in cmds])
                for (gdb_cmd, cli), out in zip(cmds, outs):
                    _, want, _ = run(*cli, fx.core, fx.exe)
                    self.assertEqual(out, want, gdb_cmd + err)

    def test_help_and_completion(self):
        fx = fixtures("panics")[0]
        outs, _ = run_gdb([fx.exe, fx.core], ["help heap-triage", "help heap-leaks",
                                               "complete heap-leaks --t",
                                               "complete heap-goroutines --a"])
        self.assertIn("Show the first screen on a crash", outs[0])
        self.assertIn("--threshold PCT", outs[1])
        self.assertEqual(outs[2], "heap-leaks --threshold\n")
        self.assertEqual(outs[3], "heap-goroutines --all\n")


if __name__ == "__main__":
    unittest.main()
