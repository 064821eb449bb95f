"""The installed tree works on its own: `cmake --install` on the default
prefix (through DESTDIR) and on another prefix gives a CLI that starts from
a clean environment (no LD_LIBRARY_PATH, no ldconfig) and a gdb loader that
finds the installed library, both printing what the build tree prints."""
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import SANITIZE, fixtures, run, run_gdb

BUILD = os.environ.get("HEAPCORE_BUILD", "")


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-install-")
        cls.fx = fixtures("sizes")[-1]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def install(self, name, prefix=None, destdir=None):
        root = os.path.join(self.tmp, name)
        env = dict(os.environ, HEAPCORE_GDBINIT_DIR=os.path.join(root, "gdbinit.d"))
        argv = ["cmake", "--install", BUILD]
        if prefix:
            argv += ["--prefix", os.path.join(root, prefix)]
        if destdir:
            env["DESTDIR"] = os.path.join(root, destdir)
        subprocess.run(argv, check=True, env=env, capture_output=True)
        return root

    def check_cli(self, cli):
        self.assertTrue(os.path.isfile(cli), cli)
        _, want, _ = run("stats", self.fx.core)
        # A clean environment: nothing tells the loader where the library is.
        env = {"PATH": "/usr/bin:/bin"}
        if SANITIZE:
            env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "")
        p = subprocess.run([cli, "stats", self.fx.core], capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, want)

    def test_default_prefix_through_destdir(self):
        root = self.install("default", destdir="root")
        prefix = subprocess.run(["cmake", "-L", "-N", BUILD], capture_output=True,
                                text=True).stdout
        line = [l for l in prefix.splitlines() if l.startswith("CMAKE_INSTALL_PREFIX:")]
        self.assertTrue(line)
        path = line[0].split("=", 1)[1].lstrip("/")
        self.check_cli(os.path.join(root, "root", path, "bin", "heapcore"))

    def test_other_prefix(self):
        root = self.install("other", prefix="opt/hc")
        self.check_cli(os.path.join(root, "opt/hc/bin/heapcore"))

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_installed_gdb_loader(self):
        root = self.install("gdb", prefix="p")
        loader = os.path.join(root, "gdbinit.d", "heapcore.py")
        self.assertTrue(os.path.isfile(loader))
        _, want, _ = run("stats", self.fx.core)
        env = {"HEAPCORE_LIB": ""}  # the loader's own path, not the test's
        outs, err = run_gdb(["-c", self.fx.core], ["heap-stats"], loader=loader, env=env)
        self.assertEqual(outs[0], want, err)


if __name__ == "__main__":
    unittest.main()
