"""Every source of a core gives the answers the plain core gives: compressed
by zstd, xz or lz4 (detected by magic, whatever the name), piped into `-`,
and later in this file gdb's gcore cores, cores a restrictive
coredump_filter cut down, and truncated ones."""
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import fixtures, run, HEAPCORE

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
                code, out, err = run("stats", cut, fx.exe, check=False)
                self.assertEqual(code, 2)
                self.assertIn("is truncated", err)
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
