"""Every source of a core gives the answers the plain core gives: compressed
by zstd, xz or lz4 (detected by magic, whatever the name), piped into `-`,
and later in this file gdb's gcore cores, cores a restrictive
coredump_filter cut down, and truncated ones."""
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import tempfile
import unittest

from heapcore_test import fixtures, run, HEAPCORE, SOURCE
from test_malformed import nt_file_names

# The reports compared: every field of each must be equal.
REPORTS = (("stats", "--json"), ("types", "--json", "--top", "0"),
           ("roots", "--json", "--top", "0"), ("top", "--json", "--depth", "2"))


def fixture_set():
    """One fixture per toolchain generation: the old heap bits and Green Tea."""
    out = []
    for fx in fixtures("sizes"):
        if fx.dirname in ("go1.22", "go1.27"):
            out.append(fx)
    return out


class CompressedTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def compress(self, fx, tool):
        # The name says nothing: the format is found by magic.
        out = os.path.join(self.tmp, "core-%s-%s" % (fx.dirname, tool))
        args = {"zstd": ["zstd", "-q", "-c"], "xz": ["xz", "-1", "-T2", "-c"],
                "lz4": ["lz4", "-q", "-c"]}[tool]
        with open(fx.core, "rb") as src, open(out, "wb") as dst:
            subprocess.run(args, stdin=src, stdout=dst, check=True)
        return out

    def test_compressed_and_piped_equal_plain(self):
        for fx in fixture_set():
            want = {r: run(r[0], *r[1:], "--no-cache", fx.core, fx.exe)[1] for r in REPORTS}
            for tool in ("zstd", "xz", "lz4"):
                path = self.compress(fx, tool)
                for r in REPORTS:
                    with self.subTest(fx=fx, tool=tool, report=r[0]):
                        self.assertEqual(run(r[0], *r[1:], path, fx.exe)[1], want[r])
            # `-` reads standard input, plain or compressed.
            for src in (fx.core, self.compress(fx, "zstd")):
                for r in REPORTS[:2]:
                    with self.subTest(fx=fx, piped=src, report=r[0]):
                        with open(src, "rb") as f:
                            p = subprocess.run([HEAPCORE, r[0], *r[1:], "-", fx.exe], stdin=f,
                                               capture_output=True, text=True, timeout=300)
                        self.assertEqual(p.returncode, 0, p.stderr)
                        self.assertEqual(p.stdout, want[r])

    def test_cut_compressed_core_is_truncated(self):
        fx = fixture_set()[0]
        for tool in ("zstd", "xz", "lz4"):
            path = self.compress(fx, tool)
            with open(path, "rb") as f:
                data = f.read()
            cut = os.path.join(self.tmp, "cut")
            with open(cut, "wb") as f:
                f.write(data[:len(data) * 2 // 3])
            with self.subTest(tool=tool):
                # What is left is answered, marked incomplete (exit 5), or
                # refused in one line when what stats needs was cut away.
                code, out, err = run("stats", cut, fx.exe, check=False)
                self.assertIn(code, (2, 5), err)
                self.assertIn("truncated", err if code == 2 else out)
                code, out, err = run("info", "--json", cut, fx.exe, check=False)
                self.assertEqual(code, 0, err)
                self.assertIn("stream ends inside a frame", out)

    def test_pipe_without_executable_says_so(self):
        fx = fixture_set()[0]
        with open(fx.core, "rb") as f:
            p = subprocess.run([HEAPCORE, "stats", "-"], stdin=f, capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot find the executable", p.stderr)
        self.assertIn("give it as an argument", p.stderr)


if __name__ == "__main__":
    unittest.main()


# ---- cores of a running program: gcore, and a kernel core cut down by
# coredump_filter (tests/live: a program that serves requests) ----

GO = sorted(g for g in (os.path.join("/usr/lib", d, "bin", "go")
                        for d in os.listdir("/usr/lib") if d.startswith("go-1."))
            if os.path.exists(g))
LIVE_NODES = 30000


def build_live(directory):
    """tests/live built with the newest Go toolchain into @p directory."""
    exe = os.path.join(directory, "live")
    subprocess.run([GO[-1], "build", "-o", exe, "."], check=True, timeout=300,
                   cwd=os.path.join(SOURCE, "tests", "live"),
                   env=dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local"),
                   capture_output=True)
    return exe


class LiveProgram:
    """tests/live running, with a request/answer channel on its stdin/stdout."""

    def __init__(self, exe, cwd=None, preexec=None, env=None):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1, cwd=cwd,
                                  preexec_fn=preexec, env=dict(os.environ, **(env or {})))
        self.pid = self.p.pid

    def ask(self, request):
        self.p.stdin.write(request + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline()

    def stats(self):
        return json.loads(self.ask("stats"))

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.p.stdin.close()
        self.p.stdout.close()


def check_memstats(test, got, want):
    for field, value in want.items():
        test.assertEqual(got[field], value, field)


@unittest.skipUnless(GO and shutil.which("gcore"), "needs a Go toolchain and gdb's gcore")
class RunningProgramCoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        cls.exe = build_live(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def node_count(self, core):
        types = json.loads(run("types", "--json", "--top", "0", core, self.exe)[1])
        return {t["type"]: t["count"] for t in types["types"]}.get("main.Node")

    def test_gcore(self):
        # gdb's gcore leaves the executable's read-only segment out (no
        # PT_LOAD at all): it is read from the file NT_FILE names.
        prog = LiveProgram(self.exe)
        try:
            self.assertEqual(prog.ask("alloc %d" % LIVE_NODES), "ok\n")
            want = prog.stats()
            out = os.path.join(self.tmp, "gcore")
            subprocess.run(["gcore", "-o", out, str(prog.pid)], check=True,
                           capture_output=True, timeout=300)
            core = "%s.%d" % (out, prog.pid)
            self.assertEqual(prog.ask("ping"), "pong %d\n" % LIVE_NODES)
        finally:
            prog.close()
        got = json.loads(run("stats", "--json", core, self.exe)[1])["MemStats"]
        check_memstats(self, got, want)
        self.assertEqual(self.node_count(core), LIVE_NODES)
        os.unlink(core)

    def test_restrictive_coredump_filter(self):
        # Bit 0 only (anonymous private memory): no file-backed byte is
        # saved, not even the executable's first page.
        workdir = os.path.join(self.tmp, "filtered")
        os.makedirs(workdir, exist_ok=True)

        def limits():
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)
            with open("/proc/self/coredump_filter", "w") as f:
                f.write("0x1")
        prog = LiveProgram(self.exe, cwd=workdir, preexec=limits, env={"GOTRACEBACK": "crash"})
        try:
            self.assertEqual(prog.ask("alloc %d" % LIVE_NODES), "ok\n")
            want = prog.stats()
            os.kill(prog.pid, signal.SIGABRT)
            prog.p.wait(timeout=60)
        finally:
            prog.close()
        cores = [f for f in os.listdir(workdir) if f.startswith("core")]
        if not cores:
            self.skipTest("the kernel wrote no core here (core_pattern %s)" %
                          open("/proc/sys/kernel/core_pattern").read().strip())
        core = os.path.join(workdir, cores[0])
        got = json.loads(run("stats", "--json", core, self.exe)[1])["MemStats"]
        check_memstats(self, got, want)
        self.assertEqual(self.node_count(core), LIVE_NODES)


class MappedFileSafetyTest(unittest.TestCase):
    """A file the core's NT_FILE note names is read only when it is a
    regular file and the one the process mapped (issue 19, item 2)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        self.fx = [f for f in fixtures("cgo")][0]
        with open(self.fx.core, "rb") as f:
            self.data = f.read()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def renamed(self, old, new):
        """The core with every NT_FILE name @p old replaced by @p new (same length)."""
        self.assertEqual(len(old), len(new))
        data = bytearray(self.data)
        for pos, name in nt_file_names(data):
            if name == old:
                data[pos:pos + len(name)] = new.encode()
        path = os.path.join(self.tmp, "core")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def same_length_path(self, name, length):
        path = os.path.join(self.tmp, name)
        return path + "x" * (length - len(path))

    def test_fifo_device_directory_and_unrelated_files(self):
        libs = sorted({n for _, n in nt_file_names(self.data) if "libc.so" in n})
        self.assertTrue(libs)
        libc = libs[0]
        fifo = self.same_length_path("fifo", len(libc))
        os.mkfifo(fifo)
        device = self.same_length_path("dev", len(libc))
        os.symlink("/dev/zero", device)
        directory = self.same_length_path("dir", len(libc))
        os.mkdir(directory)
        text = self.same_length_path("text", len(libc))
        with open(text, "w") as f:
            f.write("secret\n" * 1000)
        other_elf = self.same_length_path("elf", len(libc))
        shutil.copy(self.fx.exe, other_elf)  # an ELF file, but not libc
        for path, why in ((fifo, "not a regular file: a FIFO"),
                          (device, "not a regular file: a device"),
                          (directory, "not a regular file: a directory"),
                          (text, "not the file the process mapped"),
                          (other_elf, "not the file the process mapped")):
            with self.subTest(path=os.path.basename(path)):
                core = self.renamed(libc, path)
                code, out, err = run("info", "--json", core, self.fx.exe, check=False,
                                     timeout=30)
                self.assertEqual(code, 0, err)
                unopened = {m["path"]: m["error"] for m in json.loads(out)["unopened_files"]}
                self.assertIn(path, unopened)
                self.assertIn(why, unopened[path])
                # The analysis goes on without it.
                run("stats", core, self.fx.exe, timeout=60)


class TruncatedCoreTest(unittest.TestCase):
    def test_missing_ranges_are_named(self):
        fx = fixture_set()[0]
        with open(fx.core, "rb") as f:
            data = f.read()
        # The segments' file offsets, to know what a cut loses.
        phoff, = struct.unpack_from("<Q", data, 32)
        phnum, = struct.unpack_from("<H", data, 56)
        cut = len(data) * 2 // 3
        lost = []  # [start, end) of each lost range, neighbours merged
        for i in range(phnum):
            p_type, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + 56 * i)
            if p_type == 1 and filesz and off + filesz > cut:
                start = vaddr + max(0, cut - off)
                if lost and lost[-1][1] == start:
                    lost[-1][1] = vaddr + filesz
                else:
                    lost.append([start, vaddr + filesz])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "core")
            with open(path, "wb") as f:
                f.write(data[:cut])
            # Answered from what is left, marked incomplete, naming what is lost.
            code, out, err = run("stats", path, fx.exe, check=False)
            self.assertEqual(code, 5, err)
            self.assertIn("missing: %#x-%#x" % tuple(lost[0]), out)
            self.assertIn("and %d more ranges" % (len(lost) - 4), out)
            self.assertIn("\nincomplete: ", out)
            info = json.loads(run("info", "--json", path, fx.exe)[1])
            warning = [w for w in info["warnings"] if "core is truncated" in w]
            self.assertEqual(len(warning), 1, info["warnings"])
            self.assertIn("missing: %#x-%#x" % tuple(lost[0]), warning[0])
            self.assertIn("answers that need those bytes are incomplete", warning[0])
