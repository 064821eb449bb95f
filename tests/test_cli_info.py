"""heapcore info on every fixture core, checked against what gdb read from
the same core when the fixture was generated (truth.json)."""
import json
import os
import re
import unittest

from heapcore_test import SOURCE, fixtures, run, run_json

TOOLCHAINS = {"go1.22", "go1.23", "go1.24", "go1.26", "go1.27",
              "go1.27-nogreenteagc"}


class InfoTest(unittest.TestCase):
    def test_fixture_set_covers_every_toolchain(self):
        by_prog = {}
        for fx in fixtures():
            by_prog.setdefault(fx.program, set()).add(fx.toolchain)
        for prog, tcs in by_prog.items():
            # A program may be meant for some toolchains only (its
            # expect.json says which, as fixtures/generate.py reads it).
            want = TOOLCHAINS
            expect = os.path.join(SOURCE, "fixtures", "go", prog, "expect.json")
            if os.path.exists(expect):
                with open(expect) as f:
                    want = set(json.load(f).get("toolchains", TOOLCHAINS))
            self.assertEqual(tcs, want, prog)

    def test_info_matches_gdb(self):
        for fx in fixtures():
            with self.subTest(fixture=repr(fx)):
                info, err = run_json("info", "--json", fx.core)
                t = fx.truth
                self.assertEqual(info["go_version"], t["go_version"])
                self.assertEqual(info["signal"]["number"], t["signal"])
                self.assertEqual(info["signal"]["name"], "SIGABRT")
                self.assertEqual(info["crashed_tid"], t["crashed_tid"])
                self.assertEqual(len(info["threads"]), len(t["threads"]))
                got = {th["tid"]: (th["pc"], th["sp"]) for th in info["threads"]}
                want = {th["tid"]: (th["pc"], th["sp"]) for th in t["threads"]}
                self.assertEqual(got, want)
                # Found by itself: the core names a build path that no longer
                # exists, so the executable is the file of that name beside it
                # (a later run's is a link to the first run's: heapcore names
                # the file it resolves to).
                self.assertEqual(info["executable"]["path"],
                                 os.path.realpath(os.path.join(os.path.dirname(fx.core),
                                                               fx.program)))
                self.assertEqual(info["executable"]["found_by"], "beside the core")
                self.assertEqual(info["executable"]["verified_by"], "Go build ID")
                self.assertEqual(info["arch"], "x86-64")
                self.assertEqual(info["warnings"], [])
                self.assertEqual(err, "")

    def test_text_output(self):
        fx = fixtures("sizes")[0]
        _, out, _ = run("info", fx.core)
        self.assertIn("go version:  %s\n" % fx.truth["go_version"], out)
        self.assertIn("signal:      SIGABRT (6) in thread %d\n" % fx.truth["crashed_tid"], out)
        self.assertIn("threads:     %d\n" % len(fx.truth["threads"]), out)
        self.assertIn("(beside the core; matched by Go build ID)", out)

    def test_explicit_executable(self):
        fx = fixtures("sizes")[-1]
        info, _ = run_json("info", "--json", fx.core, fx.exe)
        self.assertEqual(info["executable"]["found_by"], "given")
        self.assertEqual(info["go_version"], fx.truth["go_version"])

    def test_help_and_version(self):
        status, out, _ = run("--version")
        self.assertRegex(out, r"^heapcore \d+\.\d+\.\d+\n$")
        status, out, _ = run("--help")
        self.assertIn("exit status", out)
        # Every command README lists has a --help that takes every option
        # README gives it, and the top-level help names it.
        with open(os.path.join(SOURCE, "README.md")) as f:
            usage = [l.split() for l in f.read().split("## Usage", 1)[1].splitlines()
                     if l.startswith("    heapcore ")]
        self.assertGreaterEqual(len(usage), 12)
        _, top_help, _ = run("--help")
        for words in usage:
            cmd = words[1]
            with self.subTest(cmd=cmd):
                self.assertRegex(top_help, r"\n  %s +\S" % cmd)
                status, out, err = run(cmd, "--help")
                self.assertEqual((status, err), (0, ""))
                self.assertTrue(out.startswith("usage: heapcore %s " % cmd), out)
                for opt in re.findall(r"--[a-z-]+", " ".join(words[2:])):
                    self.assertIn(opt, out)
                self.assertEqual(run(cmd, "-h")[1], out)
        status, _, err = run("bogus", check=False)
        self.assertEqual(status, 1)
        status, _, err = run("info", check=False)
        self.assertEqual(status, 1)
        self.assertIn("no core file given", err)

    def test_readme_test_command_is_what_ci_runs(self):
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        with open(os.path.join(SOURCE, ".ci", "run")) as f:
            ci = f.read()
        cmds = [l.strip() for l in readme.splitlines() if l.startswith("    ") and "ctest" in l]
        self.assertEqual(len(cmds), 1, cmds)
        self.assertIn(cmds[0], ci)


if __name__ == "__main__":
    unittest.main()
