"""heapcore pprof against the heap profile the crashed program wrote of
itself (fixtures/go/pprof: pprof.WriteHeapProfile into heap.pprof just
before ReadMemStats and the crash; MemProfileRate = 1 in runs 1 and 2, Go's
default in run 3, whose samples runtime/pprof scales), sample by sample on
every Go version: by decoding both profiles here, and with `go tool pprof
-raw` when a Go toolchain is installed.  --live and --retained are checked
against heap shapes built on purpose, and a program without a profile gets a
clear message."""
import collections
import glob
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

import profile_proto
from heapcore_test import FIXTURES, INCOMPLETE, SOURCE, fixtures, run
from test_stats import file_offset


def pprof_fixtures():
    """Every run of the pprof program: (directory, core, executable)."""
    out = []
    for d in sorted(glob.glob(os.path.join(FIXTURES, "pprof", "*"))):
        if os.path.exists(os.path.join(d, "heap.pprof")):
            out.append((d, os.path.join(d, "core"), os.path.join(d, "pprof")))
    if not out:
        raise RuntimeError("no pprof fixtures under %s" % FIXTURES)
    return out


def heapcore_profile(tmp, core, exe, *flags):
    path = os.path.join(tmp, "heapcore.pprof")
    run("pprof", *flags, "-o", path, core, exe)
    return path


def zero(sample):
    return not any(sample[0])


def go_pprof():
    """A `pprof` command, when a Go toolchain is installed: the prebuilt tool
    of a Debian toolchain, else `go tool pprof`."""
    tools = sorted(glob.glob("/usr/lib/go-1.*/pkg/tool/linux_amd64/pprof"))
    if tools:
        return [tools[0]]
    go = shutil.which("go")
    return [go, "tool", "pprof"] if go else None


def raw(path):
    """`pprof -raw` of a profile: (header lines but Time, samples as (values,
    labels, stack of location texts) with the location IDs resolved, the
    mapping lines)."""
    p = subprocess.run(go_pprof() + ["-raw", path], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, PPROF_TMPDIR=tempfile.gettempdir()))
    if p.returncode:
        raise AssertionError("pprof -raw %s: %s" % (path, p.stderr))
    lines = p.stdout.splitlines()
    header, i = [], 0
    while lines[i] != "Samples:":
        if not lines[i].startswith("Time:"):
            header.append(lines[i])
        i += 1
    header.append(lines[i + 1])  # the sample types
    i += 2
    samples = []
    while lines[i] != "Locations":
        line = lines[i]
        if re.match(r"^\s+-?\d", line) and ":" in line:
            values, locs = line.split(":", 1)
            samples.append([tuple(int(v) for v in values.split()), [],
                            [int(x) for x in locs.split()]])
        else:
            samples[-1][1].append(line.strip())
        i += 1
    i += 1
    locations, current = {}, None
    while lines[i] != "Mappings":
        m = re.match(r"^\s+(\d+): (.*)$", lines[i])
        if m and not lines[i].startswith(" " * 12):
            current = int(m.group(1))
            locations[current] = [m.group(2)]
        else:
            locations[current].append(lines[i].strip())
        i += 1
    mappings = lines[i + 1:]
    out = [(v, tuple(sorted(l)), tuple(tuple(locations[x]) for x in s)) for v, l, s in samples]
    return header, out, mappings


def gdb_mbuckets(exe, core):
    """The heap-profile buckets in list order, by gdb: (address, address of
    nstk, address of allnext)."""
    script = r"""
import gdb
b = gdb.parse_and_eval("'runtime.mbuckets'")["value"]
t = gdb.lookup_type("runtime.bucket").pointer()
b = b.cast(t)
n = 0
while int(b) != 0 and n < 5:
    fields = {f.name: f.bitpos // 8 for f in b.dereference().type.fields()}
    print("BUCKET %d %d %d" % (int(b), int(b) + fields["nstk"], int(b) + fields["allnext"]))
    b = b.dereference()["allnext"]
    n += 1
"""
    with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
        f.write(script)
        f.flush()
        out = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-x", f.name,
                              exe, core], capture_output=True, text=True, check=True).stdout
    return [tuple(int(x) for x in l.split()[1:]) for l in out.splitlines()
            if l.startswith("BUCKET ")]


class HeapProfileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check_same(self, theirs, ours):
        """Every sample of the program's own profile, and nothing else but
        zero samples: the buckets of allocations made while and after it
        wrote its profile, which WriteHeapProfile at the crash would list
        with nothing published yet."""
        want = collections.Counter(theirs)
        got = collections.Counter(ours)
        self.assertEqual(want - got, collections.Counter(), "samples heapcore lost or changed")
        extra = got - want
        self.assertEqual([s for s in extra if not zero(s)], [], "samples heapcore made up")

    def test_samples_equal_the_programs_own_profile(self):
        for d, core, exe in pprof_fixtures():
            with self.subTest(fixture=os.path.relpath(d, FIXTURES)):
                want = profile_proto.read(os.path.join(d, "heap.pprof"))
                got = profile_proto.read(heapcore_profile(self.tmp, core, exe))
                self.assertEqual(got.sample_types, want.sample_types)
                self.assertEqual(got.sample_types, [("alloc_objects", "count"),
                                                    ("alloc_space", "bytes"),
                                                    ("inuse_objects", "count"),
                                                    ("inuse_space", "bytes")])
                self.assertEqual(got.period_type, want.period_type)
                self.assertEqual(got.period, want.period)
                self.assertEqual(sorted(got.mappings.values()), sorted(want.mappings.values()))
                self.assertGreater(len(want.raw_samples), 0)
                self.check_same(want.samples(), got.samples())

    def test_scaled_samples(self):
        # Run 3 keeps Go's default rate: runtime/pprof scaled every sample,
        # and the program allocated 40 sizes of garbage to be sampled.
        runs = [f for f in pprof_fixtures() if f[0].endswith(".run3")]
        self.assertEqual(len(runs), 6)
        for d, core, exe in runs:
            with self.subTest(fixture=os.path.relpath(d, FIXTURES)):
                want = profile_proto.read(os.path.join(d, "heap.pprof"))
                self.assertEqual(want.period, 512 * 1024)
                # Samples scaled up from a few sampled objects each.
                self.assertGreater(sum(1 for s in want.samples() if s[0][0] > 1), 5)
                got = profile_proto.read(heapcore_profile(self.tmp, core, exe))
                self.check_same(want.samples(), got.samples())

    @unittest.skipIf(go_pprof() is None, "no Go toolchain (go tool pprof) installed")
    def test_go_tool_pprof_raw_prints_the_same_samples(self):
        for d, core, exe in pprof_fixtures():
            with self.subTest(fixture=os.path.relpath(d, FIXTURES)):
                h1, s1, m1 = raw(os.path.join(d, "heap.pprof"))
                h2, s2, m2 = raw(heapcore_profile(self.tmp, core, exe))
                self.assertEqual(h2, h1)
                self.assertEqual(m2, m1)
                self.check_same(s1, s2)

    def test_time_is_the_cores(self):
        d, core, exe = pprof_fixtures()[0]
        got = profile_proto.read(heapcore_profile(self.tmp, core, exe))
        self.assertEqual(got.time_nanos, os.stat(core).st_mtime_ns)

    def test_output_to_stdout_and_options(self):
        d, core, exe = pprof_fixtures()[0]
        p = subprocess.run([os.environ.get("HEAPCORE", "heapcore"), "pprof", core, exe],
                           capture_output=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(heapcore_profile(self.tmp, core, exe), "rb") as f:
            self.assertEqual(p.stdout, f.read())
        for bad in (["--json"], ["--live", "--retained"], ["-o"]):
            code, _, err = run("pprof", *bad, core, check=False)
            self.assertEqual(code, 1, bad)
            self.assertIn("usage: heapcore pprof", err)

    def test_no_profile_in_the_program(self):
        # The graph program never uses the heap profile: the linker turned
        # it off (runtime.disableMemoryProfiling), and the runtime kept none.
        for fx in fixtures("graph"):
            with self.subTest(fixture=repr(fx)):
                path = os.path.join(self.tmp, "p")
                code, _, err = run("pprof", "-o", path, fx.core, check=False)
                self.assertEqual(code, 2)
                self.assertIn("recorded no heap profile: the linker saw no use of it and "
                              "turned it off (runtime.disableMemoryProfiling", err)
                self.assertIn("--retained needs none", err)
                self.assertEqual(err.count("\n"), 1)
                run("pprof", "--retained", "-o", path, fx.core)
                self.assertTrue(profile_proto.read(path).raw_samples)

    def mutant(self, core, addr, value):
        """A copy of @p core with the word at @p addr set to @p value."""
        with open(core, "rb") as f:
            data = bytearray(f.read())
        struct.pack_into("<Q", data, file_offset(data, addr), value)
        path = os.path.join(self.tmp, "core")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_bucket_list_with_a_cycle_ends(self):
        d, core, exe = pprof_fixtures()[0]
        buckets = gdb_mbuckets(exe, core)
        # The third bucket's allnext points back to the second.
        broken = self.mutant(core, buckets[2][2], buckets[1][0])
        path = os.path.join(self.tmp, "p")
        _, _, err = run("pprof", "-o", path, broken, exe, timeout=60, status=INCOMPLETE)
        self.assertIn("runtime.mbuckets lists more buckets than BuckHashSys", err)
        self.assertIn("a cycle?", err)
        self.assertTrue(profile_proto.read(path).raw_samples)

    def test_corrupt_bucket_is_named_and_the_rest_answered(self):
        d, core, exe = pprof_fixtures()[0]
        buckets = gdb_mbuckets(exe, core)
        self.assertGreaterEqual(len(buckets), 3)
        bad, nstk_at, _ = buckets[2]
        broken = self.mutant(core, nstk_at, 1 << 40)
        path = os.path.join(self.tmp, "p")
        _, _, err = run("pprof", "-o", path, broken, exe, status=INCOMPLETE)
        self.assertIn("memory-profile bucket at 0x%x is unusable: its stack is deeper than the "
                      "runtime allows; left out" % bad, err)
        got = profile_proto.read(path).samples()
        want = profile_proto.read(heapcore_profile(self.tmp, core, exe)).samples()
        self.assertEqual(len(got), len(want) - 1)
        self.assertEqual(collections.Counter(got) - collections.Counter(want),
                         collections.Counter())


def source_line(text):
    """The line of fixtures/go/pprof/main.go that holds @p text."""
    with open(os.path.join(SOURCE, "fixtures", "go", "pprof", "main.go")) as f:
        for n, line in enumerate(f, 1):
            if text in line:
                return n
    raise AssertionError(text)


class LiveAndRetainedTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_live_objects(self):
        conn_line = source_line("c := &Conn{")
        for d, core, exe in pprof_fixtures():
            if d.endswith(".run3"):
                continue
            with self.subTest(fixture=os.path.relpath(d, FIXTURES)):
                conns = 3000 if d.endswith(".run2") else 1000
                live = profile_proto.read(heapcore_profile(self.tmp, core, exe, "--live"))
                self.assertEqual(live.sample_types, [("live_objects", "count"),
                                                     ("live_space", "bytes")])
                heap = profile_proto.read(os.path.join(d, "heap.pprof"))
                by_stack = collections.defaultdict(lambda: [0, 0])
                for values, _, stack in live.samples():
                    by_stack[stack][0] += values[0]
                    by_stack[stack][1] += values[1]
                # Every Conn is alive, allocated at one line of openConns.
                at = [v for s, v in by_stack.items()
                      if s[0][2][0][0] == "main.openConns" and s[0][2][0][4] == conn_line]
                self.assertEqual(at, [[conns, conns * 64]])
                # Nothing was freed since the last GC published the profile:
                # what it counted in use is still allocated, at every stack.
                for values, _, stack in heap.samples():
                    if values[2]:
                        self.assertGreaterEqual(by_stack[stack][0], values[2], stack[0])
                # The garbage is gone.
                self.assertFalse([s for s in by_stack if s[0][2][0][0] == "main.garbage"])

    def test_retained_profile_frames_are_retained_sizes(self):
        for fx in fixtures("graph"):
            with self.subTest(fixture=repr(fx)):
                exp = fx.truth["expect"]
                path = os.path.join(self.tmp, "r")
                run("pprof", "--retained", "-o", path, fx.core)
                prof = profile_proto.read(path)
                self.assertEqual(prof.sample_types, [("retained_objects", "count"),
                                                     ("retained_space", "bytes")])
                self.assertEqual(prof.default_sample_type, "retained_space")
                cum = collections.defaultdict(lambda: [0, 0])
                for values, _, stack in prof.samples():
                    for name in {loc[2][0][0] for loc in stack}:
                        cum[name][0] += values[0]
                        cum[name][1] += values[1]
                lst, tree = exp["list"], exp["tree"]
                self.assertEqual(cum[lst["global"]], [lst["nodes"], lst["nodes"] * lst["node_size"]])
                n = 2 ** tree["depth"] - 1
                self.assertEqual(cum[tree["global"]], [n, n * tree["node_size"]])
                # A list of 1000 nodes is one frame under its root, not 1000.
                stacks = [s for _, _, s in prof.samples() if s[-1][2][0][0] == lst["global"]]
                self.assertEqual({len(s) for s in stacks}, {2})
                # The object two globals share is under "(several roots)".
                self.assertIn("(several roots)", cum)
                # Every reachable object once: the total is what ReadMemStats
                # counted right after the GC (all of it reachable).
                total = [sum(v[0] for v, _, _ in prof.samples()),
                         sum(v[1] for v, _, _ in prof.samples())]
                ms = fx.truth["MemStats"]
                self.assertEqual(total, [ms["HeapObjects"], ms["HeapAlloc"]])


if __name__ == "__main__":
    unittest.main()
