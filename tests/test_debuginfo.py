"""Stripped executables with separate debug info: found by GNU build ID under
a debug directory, through .gnu_debuglink, named with --symbols, and served
by a local debuginfod; the answers equal those with the unstripped
executable, in the CLI and in gdb.  The debug files are made here from the
fixtures' executables with binutils (objcopy --only-keep-debug, strip)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from heapcore_test import SANITIZE, fixtures, run, run_gdb

COMMANDS = (["stats", "--json"], ["types", "--json", "--top", "0"], ["roots", "--json"])


def gnu_build_id(path):
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "Build ID:" in line:
            return line.split("Build ID:")[1].strip()
    return None


class DebugInfoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-debuginfo-")
        # One fixture with a GNU build ID (the Go linker writes one from
        # 1.24 on), one without (1.22: only Go's).
        graph = fixtures("graph")
        cls.with_id = [f for f in graph if gnu_build_id(f.exe)][-1]
        cls.without_id = [f for f in graph if not gnu_build_id(f.exe)][0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def split(self, fx, name):
        """A stripped copy of fx's executable and its debug file."""
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        debug = os.path.join(d, "prog.debug")
        stripped = os.path.join(d, "prog")
        subprocess.run(["objcopy", "--only-keep-debug", fx.exe, debug], check=True)
        subprocess.run(["strip", "-o", stripped, fx.exe], check=True)
        return stripped, debug

    def assert_same_answers(self, fx, stripped, *opts, env=None):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                _, want, _ = run(*cmd, fx.core, fx.exe)
                _, got, err = run(*cmd, *opts, fx.core, stripped, env=env)
                self.assertEqual(got, want, err)

    def test_stripped_without_debug_info_says_what_was_tried(self):
        stripped, _ = self.split(self.with_id, "none")
        empty = os.path.join(self.tmp, "empty")
        # Types need DWARF: refused.  MemStats are read through the runtime
        # layout tables (test_stripped.py), with a warning.
        code, _, err = run("types", "--debug-dir", empty, self.with_id.core, stripped,
                           check=False)
        self.assertEqual(code, 2, err)
        self.assertIn("give its debug file with --symbols", err)
        code, out, err2 = run("stats", "--debug-dir", empty, self.with_id.core, stripped,
                              check=False)
        self.assertEqual(code, 0, err2)
        for said in (err, out):
            self.assertIn("no separate debug info was found (build ID: ", said)
            self.assertIn(".gnu_debuglink: the executable has none", said)
            self.assertIn("debuginfod: not asked", said)

    def test_build_id_directory(self):
        fx = self.with_id
        stripped, debug = self.split(fx, "buildid")
        bid = gnu_build_id(fx.exe)
        root = os.path.join(self.tmp, "debugroot")
        os.makedirs(os.path.join(root, ".build-id", bid[:2]), exist_ok=True)
        shutil.copy(debug, os.path.join(root, ".build-id", bid[:2], bid[2:] + ".debug"))
        self.assert_same_answers(fx, stripped, "--debug-dir", "/nonexistent:" + root)
        _, out, _ = run("info", "--debug-dir", root, fx.core, stripped)
        self.assertIn("(found by build ID)", out)

    def test_gnu_debuglink(self):
        fx = self.without_id
        stripped, debug = self.split(fx, "debuglink")
        subprocess.run(["objcopy", "--add-gnu-debuglink=" + debug, stripped], check=True)
        self.assert_same_answers(fx, stripped)
        _, out, _ = run("info", fx.core, stripped)
        self.assertIn("(found by .gnu_debuglink)", out)

    def test_symbols_option(self):
        for fx in (self.with_id, self.without_id):
            stripped, debug = self.split(fx, "symbols-" + fx.toolchain)
            self.assert_same_answers(fx, stripped, "--symbols", debug)

    def test_symbols_of_another_build_refused(self):
        stripped, _ = self.split(self.with_id, "wrong")
        _, other = self.split(self.without_id, "other")
        code, out, err = run("stats", "--symbols", other, self.with_id.core, stripped,
                             check=False)
        self.assertNotEqual(code, 0)
        self.assertEqual(out, "")
        self.assertIn("is not %s's debug file: its build ID differs" % stripped, err)

    def test_debuginfod(self):
        if not shutil.which("debuginfod"):
            self.skipTest("debuginfod is not installed")
        fx = self.with_id
        stripped, debug = self.split(fx, "served")
        served = os.path.join(self.tmp, "served-dir")
        os.makedirs(served, exist_ok=True)
        shutil.copy(debug, served)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            ["debuginfod", "-F", served, "-p", str(port), "-t", "1",
             "-d", os.path.join(self.tmp, "debuginfod.sqlite")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = "http://127.0.0.1:%d" % port
            bid = gnu_build_id(fx.exe)
            # Wait until the server has indexed the file.
            for _ in range(100):
                try:
                    urllib.request.urlopen("%s/buildid/%s/debuginfo" % (url, bid), timeout=2)
                    break
                except Exception:
                    time.sleep(0.2)
            env = {"DEBUGINFOD_URLS": url,
                   "DEBUGINFOD_CACHE_PATH": os.path.join(self.tmp, "client-cache")}
            self.assert_same_answers(fx, stripped, "--debug-dir", "/nonexistent", env=env)
            _, out, _ = run("info", "--debug-dir", "/nonexistent", fx.core, stripped, env=env)
            self.assertIn("(found by debuginfod)", out)
        finally:
            server.terminate()
            server.wait(timeout=30)

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_gdb_uses_what_gdb_loaded(self):
        fx = self.with_id
        stripped, debug = self.split(fx, "gdb")
        bid = gnu_build_id(fx.exe)
        root = os.path.join(self.tmp, "gdbroot")
        os.makedirs(os.path.join(root, ".build-id", bid[:2]), exist_ok=True)
        shutil.copy(debug, os.path.join(root, ".build-id", bid[:2], bid[2:] + ".debug"))
        _, want, _ = run("types", fx.core, fx.exe)
        ways = {
            "debug-file-directory": (["-iex", "set debug-file-directory " + root,
                                      stripped, fx.core], []),
            "gdb -s": (["-e", stripped, "-s", debug, "-c", fx.core], []),
            "symbol-file": ([stripped, fx.core], ["symbol-file " + debug]),
        }
        for name, (args, pre) in ways.items():
            with self.subTest(way=name):
                outs, err = run_gdb(args, pre + ["heap-types"])
                self.assertEqual(outs[-1], want, err)


if __name__ == "__main__":
    unittest.main()
