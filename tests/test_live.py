"""heapcore on running processes: `--pid PID` for every command, and the
heap- commands in gdb on a live inferior.  The process is tests/live, built
and started here; truth is its own runtime.ReadMemStats at a quiescent
moment, a gcore of it taken right after, and its answers to requests after
heapcore let it go."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from heapcore_test import SANITIZE, run, run_gdb, GDB_LOADER
from test_sources import GO, LIVE_NODES, LiveProgram, build_live, check_memstats

COMMANDS = (("stats", "--json"), ("types", "--json", "--top", "0"),
            ("roots", "--json", "--top", "0"), ("top", "--json", "--depth", "2"))


def threads(pid):
    return sorted(os.listdir("/proc/%d/task" % pid))


@unittest.skipUnless(GO and shutil.which("gcore"), "needs a Go toolchain and gdb's gcore")
class PidTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        cls.exe = build_live(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        self.prog = LiveProgram(self.exe)
        self.assertEqual(self.prog.ask("alloc %d" % LIVE_NODES), "ok\n")

    def tearDown(self):
        self.prog.close()

    def test_stats_equal_readmemstats_and_json_equals_gcore(self):
        want = self.prog.stats()
        before = threads(self.prog.pid)
        pid = str(self.prog.pid)
        live = {c: run(c[0], *c[1:], "--pid", pid)[1] for c in COMMANDS}
        check_memstats(self, json.loads(live[COMMANDS[0]])["MemStats"], want)
        self.assertEqual(threads(self.prog.pid), before)
        # A gcore now (nothing ran in between) gives the same answers.
        out = os.path.join(self.tmp, "gcore")
        subprocess.run(["gcore", "-o", out, pid], check=True, capture_output=True, timeout=300)
        core = "%s.%s" % (out, pid)
        try:
            for c in COMMANDS:
                with self.subTest(command=c[0]):
                    self.assertEqual(run(c[0], *c[1:], core, self.exe)[1], live[c])
        finally:
            os.unlink(core)
        # The process works on, with the same threads.
        self.assertEqual(self.prog.ask("ping"), "pong %d\n" % LIVE_NODES)
        self.assertEqual(threads(self.prog.pid), before)
        # And it keeps serving: allocate more, and the next snapshot sees it.
        self.assertEqual(self.prog.ask("alloc 1000"), "ok\n")
        want = self.prog.stats()
        got = json.loads(run("stats", "--json", "--pid", pid)[1])["MemStats"]
        check_memstats(self, got, want)
        types = json.loads(run("types", "--json", "--top", "0", "--pid", pid)[1])["types"]
        self.assertEqual({t["type"]: t["count"] for t in types}["main.Node"], LIVE_NODES + 1000)

    def test_info_says_how_long_it_was_stopped(self):
        info = json.loads(run("info", "--json", "--pid", str(self.prog.pid))[1])
        self.assertIsNone(info["signal"])
        self.assertGreater(info["stopped_ns"], 0)
        self.assertLess(info["stopped_ns"], 10 * 10**9)

    def test_errors(self):
        def error(args, status, fragment):
            code, out, err = run(*args, check=False, timeout=60)
            self.assertEqual(code, status, err)
            self.assertEqual(out, "")
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn(fragment, err)
        # A PID no process has: one past the highest in use, without reuse races.
        with open("/proc/sys/kernel/pid_max") as f:
            error(("stats", "--pid", int(f.read()) - 1), 2, "no process with PID")
        # A C program on glibc malloc (sleep) is read by the glibc backend.
        sleeper = subprocess.Popen(["sleep", "60"])
        try:
            doc = json.loads(run("stats", "--json", "--pid", sleeper.pid)[1])
            self.assertEqual(doc["allocator"], "glibc")
            self.assertEqual(doc["warnings"], [])
            self.assertIsNone(sleeper.poll())
        finally:
            sleeper.kill()
            sleeper.wait()
        # Neither Go nor glibc: a static program without a C library.
        if shutil.which("gcc"):
            src = os.path.join(self.tmp, "bare.c")
            with open(src, "w") as f:
                f.write("void _start(void) { for (;;) __asm__ volatile(\"syscall\" :: "
                        "\"a\"(34L) : \"rcx\", \"r11\", \"memory\"); }\n")
            bare = os.path.join(self.tmp, "bare")
            subprocess.run(["gcc", "-static", "-nostdlib", "-O1", "-o", bare, src], check=True,
                           capture_output=True, timeout=120)
            p = subprocess.Popen([bare])
            try:
                error(("stats", "--pid", p.pid), 2, "is not a Go program")
                error(("stats", "--pid", p.pid), 2, "maps no glibc libc.so.6")
                self.assertIsNone(p.poll())
            finally:
                p.kill()
                p.wait()
        # Another tracer holds it: said, and the process is left to it.
        gdb = subprocess.Popen(["gdb", "-nx", "-batch", "-p", str(self.prog.pid), "-ex",
                                "shell sleep 30"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                with open("/proc/%d/status" % self.prog.pid) as f:
                    if "TracerPid:\t0\n" not in f.read():
                        break
                time.sleep(0.1)
            error(("stats", "--pid", self.prog.pid), 3, "already traced by process %d" % gdb.pid)
        finally:
            gdb.kill()
            gdb.wait()
        self.assertEqual(self.prog.ask("ping"), "pong %d\n" % LIVE_NODES)
        code, _, err = run("stats", "--pid", self.prog.pid, "a", "b", check=False)
        self.assertEqual(code, 1)
        self.assertIn("too many arguments", err)


def gdb_argv(pid, commands):
    argv = ["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-iex", "set pagination off",
            "-x", GDB_LOADER, "-p", str(pid)]
    for i, cmd in enumerate(commands):
        argv += ["-ex", "echo @@BEGIN %d\\n" % i, "-ex", cmd, "-ex", "echo @@END %d\\n" % i]
    return argv


def gdb_outputs(test, stdout, stderr, returncode, n):
    """Each command's text between its markers; a command whose markers gdb
    never printed fails the test with gdb's exit status and stderr."""
    outs = []
    for i in range(n):
        b, e = "@@BEGIN %d\n" % i, "@@END %d\n" % i
        start, end = stdout.find(b), stdout.find(e)
        if not 0 <= start < end:
            test.fail("gdb printed no output for command %d (exit status %s)\n"
                      "stdout:\n%s\nstderr:\n%s" % (i, returncode, stdout[-4000:],
                                                   stderr[-4000:]))
        outs.append(stdout[start + len(b):end])
    return outs


def node_count(types_json):
    return {t["type"]: t["count"] for t in json.loads(types_json)["types"]}.get("main.Node")


@unittest.skipUnless(GO and shutil.which("gdb") and GDB_LOADER, "needs Go, gdb and the gdb module")
@unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
class GdbLiveTest(unittest.TestCase):
    """The heap- commands in gdb holding the process: the same text as the
    CLI on a gcore taken at the same stop, and a new heap after continue."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        cls.exe = build_live(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def setUp(self):
        self.prog = LiveProgram(self.exe)
        self.assertEqual(self.prog.ask("alloc %d" % LIVE_NODES), "ok\n")

    def tearDown(self):
        self.prog.close()

    def test_attached_equals_cli_on_gcore(self):
        want = self.prog.stats()
        before = threads(self.prog.pid)
        core = os.path.join(self.tmp, "core")
        commands = ["heap-stats --json", "heap-types --json --top 0",
                    "heap-roots --json --top 0", "heap-stats", "gcore " + core,
                    "heap-object 'main.blobs'", "heap-object 'main.iface'",
                    "heap-object $rip", "heap-object 1.5"]
        p = subprocess.run(gdb_argv(self.prog.pid, commands), capture_output=True, text=True,
                           timeout=600)
        outs = gdb_outputs(self, p.stdout, p.stderr, p.returncode, len(commands))
        check_memstats(self, json.loads(outs[0])["MemStats"], want)
        for i, args in ((0, ("stats", "--json")), (1, ("types", "--json", "--top", "0")),
                        (2, ("roots", "--json", "--top", "0")), (3, ("stats",))):
            with self.subTest(command=commands[i]):
                self.assertEqual(outs[i], run(*args, core, self.exe)[1])
        # Expressions: a global slice gives its backing array, an interface its data.
        self.assertTrue(outs[5].startswith("object 0x"), outs[5] + p.stderr)
        self.assertIn("main.blobs", outs[5])
        self.assertIn("main.Tagged", outs[6].splitlines()[0])
        self.assertIn('"iface"', outs[6])
        self.assertIn("($rip, a ", p.stderr)
        self.assertIn("is not inside an allocated heap object", p.stderr)
        self.assertIn("heap-object: 1.5 is a float", p.stderr)
        # gdb let it go: it serves requests with the same threads.
        self.assertEqual(self.prog.ask("ping"), "pong %d\n" % LIVE_NODES)
        self.assertEqual(threads(self.prog.pid), before)

    def test_next_stop_sees_the_new_heap(self):
        commands = ["heap-types --json --top 0", "break main.allocated", "continue",
                    "heap-types --json --top 0", "heap-stats --json", "delete"]
        gdb = subprocess.Popen(gdb_argv(self.prog.pid, commands), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                with open("/proc/%d/status" % self.prog.pid) as f:
                    if "TracerPid:\t0\n" not in f.read():
                        break
                time.sleep(0.1)
            # Read by the program once gdb lets it run: it stops in allocated().
            self.prog.p.stdin.write("alloc 1000\n")
            self.prog.p.stdin.flush()
            out, err = gdb.communicate(timeout=600)
        finally:
            if gdb.poll() is None:
                gdb.kill()
                gdb.wait()
        outs = gdb_outputs(self, out, err, gdb.returncode, len(commands))
        self.assertEqual(node_count(outs[0]), LIVE_NODES, err)
        self.assertEqual(node_count(outs[3]), LIVE_NODES + 1000, err)
        self.assertEqual(self.prog.p.stdout.readline(), "ok\n")
        self.assertEqual(self.prog.ask("ping"), "pong %d\n" % (LIVE_NODES + 1000))


if __name__ == "__main__":
    unittest.main()
