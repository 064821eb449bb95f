#!/usr/bin/env python3
"""Hostile cores: runtime structures overwritten the ways corruption and
crafted input do it (a span claiming 2^40 pages, an allgs of 10^12 entries,
a cyclic specials list, a stack pointer outside its stack, a type
descriptor pointing at itself).  On each, every command ends within ten
times the intact core's time and twice the core's size in memory (plus a
fixed slack), with no sanitizer report; it either answers, naming the
damaged structure and marking the answer incomplete (exit 5), or fails
with one clear line.

Where the structures are comes from gdb reading the executable's DWARF
(tests/locate_runtime.py), not from heapcore."""
import json
import os
import resource
import struct
import subprocess
import tempfile
import time
import unittest

from heapcore_test import HEAPCORE, SANITIZE, SOURCE, fixtures

COMMANDS = (["stats"], ["types"], ["roots"], ["top", "--depth", "4"], ["goroutines"],
            ["leaks"], ["triage"])
ALL = tuple(c[0] for c in COMMANDS)
GRAPH = ("types", "roots", "top", "goroutines", "leaks", "triage")
SLACK = (768 if SANITIZE else 256) << 20


def locate(exe, core):
    p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no",
                        "-x", os.path.join(SOURCE, "tests", "locate_runtime.py"), exe, core],
                       capture_output=True, text=True, timeout=300)
    for line in p.stdout.splitlines():
        if line.startswith("@@LOCATE "):
            return json.loads(line[len("@@LOCATE "):])
    raise AssertionError("gdb could not locate the runtime structures: " + p.stderr[-2000:])


def loads(data):
    """(vaddr, offset, filesz) of every PT_LOAD with bytes in the file."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = []
    for i in range(phnum):
        p_type, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and filesz:
            out.append((vaddr, off, filesz))
    return out


def put(buf, segs, addr, value, size=8):
    for vaddr, off, filesz in segs:
        if vaddr <= addr and addr + size <= vaddr + filesz:
            buf[off + addr - vaddr:off + addr - vaddr + size] = value.to_bytes(size, "little")
            return
    raise AssertionError("address %#x is not in the core" % addr)


def warnings(out, err):
    """What heapcore said about the input, lowercased: the warning lines of a
    text answer (after the report) and whatever it printed on stderr."""
    lines = [l for l in out.splitlines() if l.startswith("warning")]
    return "\n".join(lines + [err]).lower()


def measure(args):
    """(status, stdout, stderr, seconds, peak RSS bytes) of one heapcore run."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([HEAPCORE] + args, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            if p.returncode is None:
                p.returncode = 0
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return (code, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                elapsed, usage.ru_maxrss * 1024)


class HostileCoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = [f for f in fixtures("graph") if f.dirname in ("go1.22", "go1.26")]
        cls.where = {f.dirname: locate(f.exe, f.core) for f in cls.fx}

    def mutants(self, fx, where):
        """(name, words to write as [(addr, value)], what the report must
        name, the commands that read the structure and so must name it)."""
        spans = where["spans"]
        inuse = [s for s in spans if s["state"] == 1 and s["nelems"] > 1]
        large = [s for s in spans if s["state"] == 1 and s["spanclass"] >> 1 == 0 and s["largetype"]]
        waiting = [g for g in where["goroutines"] if g["status"] == 4]
        out = [
            ("span npages 2^40", [(inuse[len(inuse) // 2]["npages_at"], 1 << 40)], "span", ALL),
            ("allgs 10^12", [(where["allglen"], 10**12), (where["allgs_len"], 10**12)], "allg", GRAPH),
            ("stack pointer outside its stack",
             [(g["sp_at"], g["hi"] + (1 << 20)) for g in waiting[:3]], "stack", GRAPH),
        ]
        with_specials = [s for s in spans if s["specials"]]
        if with_specials:
            s = with_specials[0]
            out.append(("cyclic specials list", [(s["specials"], s["specials"])], "special", GRAPH))
        else:
            # A special record made up in the span's first object, whose
            # next link is itself.
            s = inuse[0]
            out.append(("cyclic specials list", [(s["specials_at"], s["start"]),
                                                 (s["start"], s["start"]),
                                                 (s["start"] + 8, 0), (s["start"] + 16, 1)],
                        "special", GRAPH))
        def selfish(t):
            # A pointer type (kind 22) as large as the address space whose
            # pointer mask and element are the descriptor itself.
            return [(t, 1 << 40), (t + 8, 1 << 40), (t + 16, 0x1234), (t + 20, 22 << 24),
                    (t + 24, 0), (t + 32, t), (t + 40, 0), (t + 48, t)]
        if large:
            s = large[0]
            out.append(("type descriptor pointing at itself",
                        [(s["largetype_at"], s["start"])] + selfish(s["start"]), "type", GRAPH))
        else:
            # Objects with a malloc header (scan classes above 512 bytes):
            # every slot's header names a descriptor made up in the slot.
            s = next(s for s in inuse if s["spanclass"] & 1 == 0 and s["elemsize"] > 512)
            words = []
            for i in range(s["nelems"]):
                slot = s["start"] + i * s["elemsize"]
                words += [(slot, slot + 16)] + selfish(slot + 16)
            out.append(("type descriptor pointing at itself", words, "type", GRAPH))
        return out

    def test_bounded_and_named(self):
        for fx in self.fx:
            with open(fx.core, "rb") as f:
                data = f.read()
            segs = loads(data)
            base = {}
            for cmd in COMMANDS:
                code, _, err, secs, rss = measure(cmd + [fx.core, fx.exe])
                self.assertEqual(code, 0, err[-2000:])
                base[cmd[0]] = secs
            for name, words, noun, cmds in self.mutants(fx, self.where[fx.dirname]):
                buf = bytearray(data)
                for a, v in words:
                    put(buf, segs, a, v)
                with tempfile.TemporaryDirectory(prefix="heapcore-hostile-") as tmp:
                    core = os.path.join(tmp, "core")
                    with open(core, "wb") as f:
                        f.write(buf)
                    for cmd in COMMANDS:
                        with self.subTest(fixture=repr(fx), mutant=name, cmd=cmd[0]):
                            code, out, err, secs, rss = measure(cmd + [core, fx.exe])
                            self.assertNotIn("Sanitizer", err)
                            self.assertNotIn("runtime error", err)
                            self.assertIn(code, (0, 2, 3, 5), err[-2000:])
                            self.assertLessEqual(secs, 10 * base[cmd[0]] + 2.0)
                            self.assertLessEqual(rss, 2 * len(data) + SLACK)
                            if code == 2:
                                self.assertTrue(err.startswith("heapcore: error: "), err[-2000:])
                                self.assertEqual(err.count("\n"), 1, err[-2000:])
                            elif cmd[0] in cmds:
                                self.assertIn(noun, warnings(out, err),
                                              "%s: the damage is not named: %s" % (name, err[-500:]))
                                # The answer that lacked it says so, and exits 5.
                                self.assertEqual(code, 5, "%s: answered as complete" % name)
                                self.assertIn("\nincomplete: ", out)
                            else:
                                self.assertEqual(code == 5, "\nincomplete: " in out, out[-2000:])


def locate_sudogs(exe, core):
    p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no",
                        "-x", os.path.join(SOURCE, "tests", "locate_sudogs.py"), exe, core],
                       capture_output=True, text=True, timeout=300)
    for line in p.stdout.splitlines():
        if line.startswith("@@SUDOGS "):
            return json.loads(line[len("@@SUDOGS "):])
    raise AssertionError("gdb could not locate the sudogs: " + p.stderr[-2000:])


class SudogCycleTest(unittest.TestCase):
    """Sudog lists made cyclic in the leak program's cores: a blocked
    goroutine's g.waiting list (a select's two cases, and one sudog linked
    to itself), and the receive queue of a channel four goroutines wait on.
    goroutines, leaks and triage end within the bounds; the goroutines
    whose list was damaged are named with the reason; every other
    goroutine's status, frames and leak verdict, and the leaked groups of
    the undamaged, are the intact core's.  heapcore never walks a channel's
    queues (the leak rule needs only g.waiting), so a cyclic recvq changes
    no answer at all."""

    CMDS = ("goroutines", "leaks", "triage")

    @classmethod
    def setUpClass(cls):
        cls.fx = [f for f in fixtures("leaks") if f.dirname in ("go1.22", "go1.26")]
        cls.where = {f.dirname: locate_sudogs(f.exe, f.core) for f in cls.fx}

    def mutants(self, where, intact):
        """(name, words [(addr, value)], the goroutines it damages)."""
        gs = where["goroutines"]
        # A sync waiter's list is not walked (Go 1.26 reads only its first
        # sudog's elem): a channel waiter's is.
        two = next(g for g in gs if len(g["sudogs"]) == 2 and
                   intact[g["goid"]]["status"] == "select")
        one = next(g for g in gs if len(g["sudogs"]) == 1 and
                   intact[g["goid"]]["status"] in ("chan receive", "chan send"))
        q = where["recvq"]
        self.assertGreaterEqual(len(q), 2)
        return [
            ("cyclic g.waiting", [(two["sudogs"][1]["waitlink_at"], two["sudogs"][0]["addr"]),
                                  (one["sudogs"][0]["waitlink_at"], one["sudogs"][0]["addr"])],
             {two["goid"], one["goid"]}),
            ("cyclic recvq", [(q[-1]["next_at"], q[0]["addr"])], set()),
        ]

    @staticmethod
    def answer(fx, core):
        out = {}
        for cmd in SudogCycleTest.CMDS:
            code, text, err, secs, rss = measure([cmd, "--json", core, fx.exe])
            out[cmd] = (code, json.loads(text) if code in (0, 5) else None, err, secs, rss)
        return out

    def test_cycles_named_and_bounded(self):
        for fx in self.fx:
            with open(fx.core, "rb") as f:
                data = f.read()
            segs = loads(data)
            base = self.answer(fx, fx.core)
            intact = {g["id"]: g for g in base["goroutines"][1]["goroutines"]}
            for name, words, victims in self.mutants(self.where[fx.dirname], intact):
                buf = bytearray(data)
                for a, v in words:
                    put(buf, segs, a, v)
                with tempfile.TemporaryDirectory(prefix="heapcore-sudogs-") as tmp:
                    core = os.path.join(tmp, "core")
                    with open(core, "wb") as f:
                        f.write(buf)
                    got = self.answer(fx, core)
                for cmd in self.CMDS:
                    with self.subTest(fixture=repr(fx), mutant=name, cmd=cmd):
                        code, doc, err, secs, rss = got[cmd]
                        # Damage named is an answer marked incomplete (exit 5).
                        self.assertEqual(code, 5 if victims else 0, err[-2000:])
                        self.assertEqual(doc.get("incomplete", False), bool(victims))
                        self.assertNotIn("Sanitizer", err)
                        self.assertLessEqual(secs, 10 * base[cmd][3] + 2.0)
                        self.assertLessEqual(rss, 2 * len(data) + SLACK)
                        said = "\n".join(doc["warnings"]).lower()
                        for goid in victims:
                            self.assertIn("goroutine %d: its list of sudogs" % goid, said)
                        if not victims:
                            self.assertEqual(doc, base[cmd][1])
                with self.subTest(fixture=repr(fx), mutant=name, cmd="goroutines"):
                    mine = {g["id"]: g for g in got["goroutines"][1]["goroutines"]}
                    self.assertEqual(sorted(mine), sorted(intact))
                    for goid, g in intact.items():
                        m = mine[goid]
                        if goid in victims:
                            self.assertIn("cycle", m["error"])
                        else:
                            self.assertEqual(m, g)
                        # The damaged keep their status, frames and verdict:
                        # the channels found before the cycle are real.
                        self.assertEqual((m["status"], m["frames"], m["leaked"]),
                                         (g["status"], g["frames"], g["leaked"]))
                    self.assertEqual(got["leaks"][1]["leaked_goroutines"],
                                     base["leaks"][1]["leaked_goroutines"])


if __name__ == "__main__":
    unittest.main()
