"""heapcore on a running C program on glibc malloc: `--pid PID` and gdb
attached to it.  The process is tests/clive, built here with gcc and
started; truth is its own mallinfo2() at a quiescent moment, the blocks it
lost on purpose (malloc_usable_size of each), and its answers to requests
after heapcore let it go."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import SANITIZE, SOURCE, run, run_json
from test_live import gdb_argv, gdb_outputs, threads
from test_sources import LiveProgram

NODES = 20000
GCC = shutil.which("gcc")


def build_clive(directory):
    exe = os.path.join(directory, "clive")
    subprocess.run([GCC, "-O2", "-g", "-pthread", "-o", exe,
                    os.path.join(SOURCE, "tests", "clive", "main.c")],
                   check=True, capture_output=True, timeout=300)
    return exe


def check_leaks(test, doc, lost):
    lo = doc["leaked_objects"]
    test.assertEqual(lo["count"], lost["count"])
    test.assertEqual(lo["bytes"], lost["bytes"])
    got = {}
    for g in lo["groups"]:
        test.assertIsNone(g["type"])
        got[str(g["size"])] = got.get(str(g["size"]), 0) + g["count"]
    test.assertEqual(got, lost["sizes"])


@unittest.skipUnless(GCC, "needs gcc")
class GlibcPidTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        cls.exe = build_clive(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        self.prog = LiveProgram(self.exe)
        self.assertEqual(self.prog.ask("alloc %d" % NODES), "ok\n")
        self.assertEqual(self.prog.ask("alloc %d" % (NODES // 10)), "ok\n")

    def tearDown(self):
        self.prog.close()

    def test_stats_and_leaks_equal_the_programs_own(self):
        pid = str(self.prog.pid)
        want = self.prog.stats()
        lost = json.loads(self.prog.ask("lost"))
        self.assertGreater(lost["count"], 0)
        before = threads(self.prog.pid)
        self.assertGreater(len(before), 2)  # the threads on their own arenas
        doc, _ = run_json("stats", "--json", "--pid", pid)
        self.assertEqual(doc["allocator"], "glibc")
        self.assertEqual(doc["mallinfo2"], want)
        self.assertEqual(doc["warnings"], [])
        self.assertEqual(len(doc["arenas"]), len(before))
        self.assertEqual(len(doc["tcaches"]), len(before))
        self.assertGreater(doc["mallinfo2"]["smblks"], 0)
        self.assertEqual(doc["mmap"]["found_count"], want["hblks"])
        doc, _ = run_json("leaks", "--json", "--pid", pid)
        check_leaks(self, doc, lost)
        # It works on after detach, with the same threads, and the next
        # snapshot sees what it did since.
        self.assertEqual(threads(self.prog.pid), before)
        self.assertEqual(self.prog.ask("ping"), "pong %d\n" % (NODES + NODES // 10 +
                                                            (NODES + NODES // 10) // 4))
        self.assertEqual(self.prog.ask("alloc 1000"), "ok\n")
        want = self.prog.stats()
        lost = json.loads(self.prog.ask("lost"))
        doc, _ = run_json("stats", "--json", "--pid", pid)
        self.assertEqual(doc["mallinfo2"], want)
        doc, _ = run_json("leaks", "--json", "--pid", pid)
        check_leaks(self, doc, lost)

    def test_text_commands(self):
        pid = str(self.prog.pid)
        want = self.prog.stats()
        _, out, _ = run("stats", "--pid", pid)
        self.assertIn("  uordblks  %14d" % want["uordblks"], out)
        doc, _ = run_json("types", "--json", "--top", "0", "--pid", pid)
        self.assertGreater(len(doc["types"]), 0)
        self.assertEqual(self.prog.ask("ping")[:5], "pong ")


@unittest.skipUnless(GCC and shutil.which("gdb"), "needs gcc and gdb")
@unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
class GlibcGdbLiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        cls.exe = build_clive(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_attached_equals_cli(self):
        prog = LiveProgram(self.exe)
        try:
            self.assertEqual(prog.ask("alloc %d" % NODES), "ok\n")
            want = prog.stats()
            lost = json.loads(prog.ask("lost"))
            before = threads(prog.pid)
            commands = ["heap-stats --json", "heap-stats", "heap-leaks --json"]
            p = subprocess.run(gdb_argv(prog.pid, commands), capture_output=True, text=True,
                               timeout=600)
            outs = gdb_outputs(self, p.stdout, p.stderr, p.returncode, len(commands))
            self.assertEqual(json.loads(outs[0])["mallinfo2"], want)
            check_leaks(self, json.loads(outs[2]), lost)
            # gdb let it go; the CLI on the same quiescent process says the same.
            self.assertEqual(threads(prog.pid), before)
            self.assertEqual(prog.ask("ping")[:5], "pong ")
            pid = str(prog.pid)
            self.assertEqual(outs[0], run("stats", "--json", "--pid", pid)[1])
            self.assertEqual(outs[1], run("stats", "--pid", pid)[1])
            self.assertEqual(outs[2], run("leaks", "--json", "--pid", pid)[1])
        finally:
            prog.close()


if __name__ == "__main__":
    unittest.main()
