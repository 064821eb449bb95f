"""The analysis cache: a graph command saves the analysis in the user's
cache directory ($XDG_CACHE_HOME/heapcore), and the next one on the same
core reads it back, with output identical to a fresh analysis; a damaged,
truncated or foreign cache file is noticed, said in one note and analysed
anew; an unwritable cache directory is said in one note; --no-cache and
HEAPCORE_CACHE=off use none; only the four most recent analyses are kept;
gdb reads and writes the same cache."""
import glob
import os
import shutil
import tempfile
import unittest

from heapcore_test import SANITIZE, fixtures, run, run_gdb

COMMANDS = (["types", "--json", "--top", "0"], ["roots", "--json"], ["top", "--depth", "4"],
            ["types"], ["roots"])


class CacheTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-cache-")
        self.env = {"XDG_CACHE_HOME": self.tmp, "HEAPCORE_CACHE": ""}
        self.dir = os.path.join(self.tmp, "heapcore")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def files(self):
        return sorted(glob.glob(os.path.join(self.dir, "*.graph")))

    def fresh(self, fx, cmd):
        _, out, err = run(*cmd, "--no-cache", fx.core, fx.exe)
        return out, err

    def test_second_run_reads_the_cache(self):
        fx = fixtures("graph")[-1]
        for cmd in COMMANDS:
            want, want_err = self.fresh(fx, cmd)
            for attempt in ("saves", "reads"):
                with self.subTest(cmd=cmd, attempt=attempt):
                    _, out, err = run(*cmd, fx.core, fx.exe, env=self.env)
                    self.assertEqual(out, want)
                    self.assertEqual(err, want_err)
            self.assertEqual(len(self.files()), 1)
        # path and object read the same cache.
        _, top, _ = run("top", "--json", fx.core, fx.exe, env=self.env)
        addr = top[top.index('"address"'):].split(":")[1].split(",")[0].strip().strip('"')
        for cmd in (["path", addr], ["object", "--json", addr]):
            want, _ = self.fresh(fx, cmd)
            _, out, _ = run(*cmd, fx.core, fx.exe, env=self.env)
            self.assertEqual(out, want)

    def test_no_cache(self):
        fx = fixtures("graph")[-1]
        run("roots", "--no-cache", fx.core, fx.exe, env=self.env)
        run("roots", fx.core, fx.exe, env=dict(self.env, HEAPCORE_CACHE="off"))
        self.assertEqual(self.files(), [])

    def test_damaged_cache_file(self):
        fx = fixtures("graph")[-1]
        want, _ = self.fresh(fx, ["roots", "--json"])
        run("roots", "--json", fx.core, fx.exe, env=self.env)
        path, = self.files()
        size = os.path.getsize(path)
        for damage in ("flip", "truncate", "zero-header"):
            with self.subTest(damage=damage):
                with open(path, "r+b") as f:
                    if damage == "flip":
                        f.seek(size // 2)
                        b = f.read(1)
                        f.seek(size // 2)
                        f.write(bytes([b[0] ^ 0x40]))
                    elif damage == "truncate":
                        f.truncate(size // 3)
                    else:
                        f.write(b"\0" * 64)
                code, out, err = run("roots", "--json", fx.core, fx.exe, env=self.env)
                self.assertEqual(out, want)
                self.assertEqual(err.count("\n"), 1, err)
                self.assertRegex(err, r"^heapcore: note: the cached analysis was not used: .* "
                                 r"is damaged: ")
                # Analysed anew and saved again, intact: the next run is silent.
                _, out, err = run("roots", "--json", fx.core, fx.exe, env=self.env)
                self.assertEqual((out, err), (want, ""))

    def test_cache_file_of_another_core(self):
        a, b = fixtures("graph")[0], fixtures("graph")[-1]
        run("roots", a.core, a.exe, env=self.env)
        first, = self.files()
        want, _ = self.fresh(b, ["roots"])
        run("roots", b.core, b.exe, env=self.env)
        second = [f for f in self.files() if f != first][0]
        shutil.copy(first, second)  # b's name, a's analysis: its key says so
        _, out, err = run("roots", b.core, b.exe, env=self.env)
        self.assertEqual((out, err), (want, ""))

    def test_unwritable_cache_directory(self):
        fx = fixtures("graph")[-1]
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        want, _ = self.fresh(fx, ["roots"])
        code, out, err = run("roots", fx.core, fx.exe, env={"XDG_CACHE_HOME": blocker,
                                                            "HEAPCORE_CACHE": ""})
        self.assertEqual(out, want)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("heapcore: note: the analysis was not saved in the cache: ", err)
        self.assertIn("(--no-cache skips the cache)", err)

    def test_four_most_recent_kept(self):
        fxs = [f for f in fixtures("graph")][:5]
        for fx in fxs:
            run("roots", fx.core, fx.exe, env=self.env)
        self.assertEqual(len(self.files()), min(4, len(fxs)))

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_gdb_shares_the_cache(self):
        fx = fixtures("graph")[-1]
        want, _ = self.fresh(fx, ["types"])
        outs, err = run_gdb([fx.exe, fx.core], ["heap-types"], env=self.env)
        self.assertEqual(outs[0], want, err)
        self.assertEqual(len(self.files()), 1)
        _, out, _ = run("types", fx.core, fx.exe, env=self.env)
        self.assertEqual(out, want)


if __name__ == "__main__":
    unittest.main()
