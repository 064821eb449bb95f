"""The gdb commands print exactly the CLI's text, however gdb was started:
gdb -c CORE, gdb EXE CORE, core-file inside a session, and gdb -ex CMD CORE
(which gdb 13 refuses as a program; the command finds the core itself)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import INCOMPLETE, SANITIZE, fixtures, heap_unsaved, run, run_gdb


# An ASan-built library can only be loaded into a process whose first library
# is libasan, and gdb 13 hangs at start when libasan is preloaded.  The
# sanitizer build therefore runs the library's code under ASan through the CLI
# tests, and these tests in the ordinary build.
@unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
class GdbTest(unittest.TestCase):
    def check_all_invocations(self, fx, gdb_cmd, cli_args):
        # gdb EXE CORE hands the library the executable, as `heapcore CMD
        # CORE EXE` does; the other ways let it find the executable itself.
        ways = {
            "gdb -c CORE": (["-c", fx.core], [], []),
            "gdb EXE CORE": ([fx.exe, fx.core], [], [fx.exe]),
            "core-file": ([], ["core-file " + fx.core], []),
            "gdb -ex CMD CORE": ([fx.core], [], []),
        }
        for name, (args, pre, cli_exe) in ways.items():
            with self.subTest(fixture=repr(fx), way=name, cmd=gdb_cmd):
                _, want, _ = run(*cli_args, fx.core, *cli_exe)
                outs, err = run_gdb(args, pre + [gdb_cmd])
                self.assertEqual(outs[-1], want, err)

    def test_heap_stats_identical_to_cli(self):
        for fx in fixtures("sizes"):
            self.check_all_invocations(fx, "heap-stats", ["stats"])

    def test_other_commands_and_flags(self):
        fx = fixtures("goroutines")[0]
        self.check_all_invocations(fx, "heap-stats --json --by-size",
                                   ["stats", "--json", "--by-size"])
        self.check_all_invocations(fx, "heap-info", ["info"])

    def test_graph_commands_identical_to_cli(self):
        fx = fixtures("graph")[-1]
        for gdb_cmd, cli in (("heap-types --top 0", ["types", "--top", "0"]),
                             ("heap-types --json --sort count", ["types", "--json", "--sort", "count"]),
                             ("heap-roots", ["roots"]),
                             ("heap-top --depth 3 --top 4", ["top", "--depth", "3", "--top", "4"])):
            self.check_all_invocations(fx, gdb_cmd, cli)
        # ADDR is a gdb expression in gdb, a number on the command line.
        _, want, _ = run("path", "0x%x" % self.list_head(fx), fx.core, fx.exe)
        outs, err = run_gdb([fx.exe, fx.core], ["heap-path 'main.list'"])
        self.assertEqual(outs[0], want, err)
        _, want, _ = run("object", "--json", "0x%x" % self.list_head(fx), fx.core, fx.exe)
        outs, err = run_gdb([fx.exe, fx.core], ["heap-object --json 'main.list'"])
        self.assertEqual(outs[0], want, err)

    def test_several_commands_one_session(self):
        # A warning belongs to the analysis that raised it: each command
        # prints what the CLI prints, whatever ran before it in the session.
        # On a core whose heap bytes were not saved, the graph warns and
        # info and stats do not.
        fx = fixtures("graph")[-1]
        tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        try:
            core = os.path.join(tmp, "core")
            with open(fx.core, "rb") as f, open(core, "wb") as out:
                out.write(heap_unsaved(f.read()))
            for path in (fx.core, core):
                cmds = [("heap-roots --top 3", ["roots", "--top", "3"]),
                        ("heap-info", ["info"]),
                        ("heap-types --top 3", ["types", "--top", "3"]),
                        ("heap-info --json", ["info", "--json"]),
                        ("heap-top --top 2 --depth 2", ["top", "--top", "2", "--depth", "2"]),
                        ("heap-roots --top 3", ["roots", "--top", "3"])]
                if path == fx.core:  # (stats needs runtime.allp, in the heap)
                    cmds.insert(2, ("heap-stats --json", ["stats", "--json"]))
                # info is complete either way; the graph commands are not
                # when the heap's bytes are missing.
                wants = [run(*cli, path, fx.exe,
                             status=INCOMPLETE if path == core and cli[0] != "info" else 0)[1]
                         for _, cli in cmds]
                outs, err = run_gdb([fx.exe, path], [c for c, _ in cmds])
                for (cmd, _), out, want in zip(cmds, outs, wants):
                    with self.subTest(core=path, cmd=cmd):
                        self.assertEqual(out, want, err)
                if path == core:
                    self.assertIn("are not in the core; their pointers are unknown", wants[0])
                    self.assertNotIn("warning", wants[1])
        finally:
            shutil.rmtree(tmp)

    def test_depth_limit_is_the_librarys(self):
        # One limit for both front ends: gdb says what the CLI says, in one
        # session, and a depth the CLI takes gdb takes too.
        fx = fixtures("graph")[0]
        depths = ("1001", "0", str(1 << 40), "1000")
        outs, err = run_gdb([fx.exe, fx.core], ["heap-top --top 1 --depth " + d for d in depths])
        gdb_errors = [l[len("heapcore: "):] for l in err.splitlines() if "out of range" in l]
        cli_errors = []
        for d in depths[:-1]:
            code, _, cli_err = run("top", "--top", "1", "--depth", d, fx.core, fx.exe, check=False)
            self.assertEqual(code, 1, cli_err)
            self.assertTrue(cli_err.startswith("heapcore: error: depth "), cli_err)
            cli_errors.append(cli_err[len("heapcore: error: "):].rstrip("\n"))
        self.assertEqual(gdb_errors, cli_errors)
        self.assertEqual(outs[:3], ["", "", ""])
        self.assertEqual(outs[3], run("top", "--top", "1", "--depth", "1000", fx.core, fx.exe)[1])

    @staticmethod
    def list_head(fx):
        p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-ex",
                            "p/x 'main.list'", fx.exe, fx.core], capture_output=True, text=True)
        return int(p.stdout.strip().splitlines()[-1].split()[-1], 16)

    def test_errors_are_one_line(self):
        outs, err = run_gdb([], ["heap-stats"])
        self.assertEqual(outs[0], "")
        lines = [l for l in err.splitlines() if "heap" in l]
        self.assertEqual(lines, ["heapcore: no core file is loaded; start gdb as "
                                 "`gdb EXE CORE` or use `core-file CORE`"])
        outs, err = run_gdb([], ["heap-stats --bogus"])
        self.assertIn("heap-stats: unknown argument --bogus", err)
        fx = fixtures("sizes")[0]
        outs, err = run_gdb(["-c", fx.core], ["heap-stats --force"])
        self.assertTrue(outs[0].startswith("Go heap of sizes"))

    def test_pprof_and_diff_identical_to_cli(self):
        old = fixtures("pprof")[0]
        new = os.path.join(os.path.dirname(old.core) + ".run2", "core")
        tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        try:
            for flags in ([], ["--live"], ["--retained"]):
                cli, gdb_file = os.path.join(tmp, "cli"), os.path.join(tmp, "gdb")
                run("pprof", *flags, "-o", cli, old.core, old.exe)
                outs, err = run_gdb([old.exe, old.core],
                                    ["heap-pprof %s %s" % (gdb_file, " ".join(flags))])
                # After the graph's warnings, if any (--retained builds it).
                self.assertEqual(outs[0].splitlines()[-1], "heap-pprof: wrote %d bytes to %s"
                                 % (os.path.getsize(cli), gdb_file), err)
                with open(cli, "rb") as a, open(gdb_file, "rb") as b:
                    self.assertEqual(a.read(), b.read(), flags)
            for flags in ([], ["--json", "--threshold", "1000"]):
                _, want, _ = run("diff", *flags, old.core, new, old.exe)
                outs, err = run_gdb([old.exe, new], ["heap-diff %s %s" % (old.core, " ".join(flags))])
                self.assertEqual(outs[0], want, err)
            outs, err = run_gdb([old.exe, old.core], ["heap-pprof"])
            self.assertIn("heap-pprof: a FILE to write the profile to is needed", err)
        finally:
            shutil.rmtree(tmp)

    def test_help(self):
        outs, _ = run_gdb([], ["help heap-stats"])
        self.assertTrue(outs[0].startswith("Show runtime.MemStats of the Go heap"))

    def test_installed_loader(self):
        build = os.environ["HEAPCORE_BUILD"]
        tmp = tempfile.mkdtemp(prefix="heapcore-install-")
        try:
            env = dict(os.environ, HEAPCORE_GDBINIT_DIR=os.path.join(tmp, "gdbinit.d"))
            subprocess.run(["cmake", "--install", build, "--prefix", os.path.join(tmp, "usr")],
                           check=True, capture_output=True, env=env)
            loader = os.path.join(tmp, "gdbinit.d", "heapcore.py")
            self.assertTrue(os.path.exists(loader))
            fx = fixtures("sizes")[0]
            _, want, _ = run("stats", fx.core)
            saved = os.environ.pop("HEAPCORE_LIB", None)
            try:
                outs, err = run_gdb(["-c", fx.core], ["heap-stats"], loader=loader)
            finally:
                if saved is not None:
                    os.environ["HEAPCORE_LIB"] = saved
            self.assertEqual(outs[0], want, err)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
