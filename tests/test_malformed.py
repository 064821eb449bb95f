"""Bad input gets a clear one-line error, a non-zero status and nothing else:
no crash, no hang, no sanitizer report (the suite also runs under ASan+UBSan,
where any report makes stderr longer than one line)."""
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

from heapcore_test import fixtures, run, run_json


def notes(data):
    """(type, descriptor offset) of every note in a core's PT_NOTE segments."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        off = p_offset
        while p_type == 4 and off + 12 <= p_offset + p_filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, off)
            desc = off + 12 + ((namesz + 3) & ~3)
            yield ntype, desc
            off = desc + ((descsz + 3) & ~3)


def nt_file_names(data):
    """(offset, name) of every NT_FILE path in a core's bytes."""
    out = []
    for ntype, desc in notes(data):
        if ntype == 0x46494c45:
            count, = struct.unpack_from("<Q", data, desc)
            pos = desc + 16 + 24 * count
            for _ in range(count):
                end = data.index(b"\0", pos)
                out.append((pos, data[pos:end].decode()))
                pos = end + 1
    return out


NT_FILE = 0x46494c45


def note_records(data):
    """(type, raw bytes) of every note in a core's PT_NOTE segments, each
    record whole: header, name and descriptor with their padding."""
    out = []
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        off = p_offset
        while p_type == 4 and off + 12 <= p_offset + p_filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, off)
            end = off + 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
            out.append((ntype, bytes(data[off:end])))
            off = end
    return out


def with_note_segments(data, segments, filesz=None):
    """The core @p data with its note segments replaced by @p segments (a
    list of bytes), appended to the file with a new program header table;
    @p filesz, if given, overrides the p_filesz of each new segment."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = bytearray(data)
    out += bytes(-len(out) % 8)
    phdrs = []
    for i in range(phnum):
        ph = data[phoff + i * phentsize:phoff + (i + 1) * phentsize]
        if struct.unpack_from("<I", ph)[0] != 4:
            phdrs.append(ph)
    for k, seg in enumerate(segments):
        size = len(seg) if filesz is None else filesz[k]
        phdrs.insert(k, struct.pack("<IIQQQQQQ", 4, 4, len(out), 0, 0, size, 0, 4))
        out += seg + bytes(-len(seg) % 8)
    struct.pack_into("<Q", out, 32, len(out))
    struct.pack_into("<H", out, 56, len(phdrs))
    out += b"".join(phdrs)
    return bytes(out)


def nt_file_note(entries, page=4096):
    """An NT_FILE note mapping each (start, end, page offset, path) of @p entries."""
    desc = struct.pack("<QQ", len(entries), page)
    desc += b"".join(struct.pack("<QQQ", s, e, o) for s, e, o, _ in entries)
    desc += b"".join(p.encode() + b"\0" for *_, p in entries)
    desc += bytes(-len(desc) % 4)
    return struct.pack("<III", 5, len(desc), NT_FILE) + b"CORE\0\0\0\0" + desc


class MalformedTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        self.fx = fixtures("sizes")[0]
        with open(self.fx.core, "rb") as f:
            self.core_bytes = f.read()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def expect_error(self, args, status, fragment):
        code, out, err = run(*args, check=False, timeout=60)
        self.assertEqual(code, status, err)
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("heapcore: error: "), err)
        self.assertEqual(err.count("\n"), 1, "more than one line: %r" % err)
        self.assertIn(fragment, err)
        return err

    def test_not_elf(self):
        path = self.write("notes.txt", b"this is not a core file\n" * 10)
        self.expect_error(("info", path), 2, "is not a core file: it is not an ELF file")
        self.expect_error(("info", self.write("empty", b"")), 2, "is not a core file: it is empty")
        self.expect_error(("info", self.write("tiny", b"\x7fELF")), 2, "is not a core file")

    def test_compressed_core(self):
        # zstd, xz and lz4 are read (test_sources); garbage after their magic
        # is corrupt data, said as such; gzip and bzip2 are named, with what
        # to do about them.
        for magic, fragment in ((b"\x28\xb5\x2f\xfd", "corrupt zstd data"),
                                (b"\xfd7zXZ\0", "corrupt xz data"),
                                (b"\x04\x22\x4d\x18", "corrupt lz4 data"),
                                (b"\x1f\x8b\x08\x00",
                                 "is not a core file: it is gzip-compressed; "
                                 "decompress it first (gunzip"),
                                (b"BZh9", "is not a core file: it is bzip2-compressed; "
                                 "decompress it first (bunzip2")):
            with self.subTest(fragment=fragment):
                path = self.write("core.x", magic + bytes(range(256)) * 4)
                self.expect_error(("info", path), 2, fragment)

    def test_missing_file(self):
        self.expect_error(("info", os.path.join(self.tmp, "nope")), 3,
                          "No such file or directory")

    def test_executable_as_core(self):
        self.expect_error(("info", self.fx.exe), 2, "is not a core file: it is an executable")

    def test_core_as_executable(self):
        self.expect_error(("info", self.fx.core, self.fx.core), 2, "is a core file")

    def test_truncated(self):
        # A truncated core yields what it still holds: either an answer
        # marked incomplete (exit 5) after a warning naming the lost
        # ranges, or, when what every answer needs was cut away (the
        # headers, the notes, the runtime's globals), one clear error.
        size = len(self.core_bytes)
        shutil.copy(self.fx.exe, self.tmp)
        for cut in (10, 64, 100, 1000, 4096, size // 3, size // 2, size - 1):
            with self.subTest(cut=cut):
                path = self.write("core", self.core_bytes[:cut])
                code, out, err = run("stats", path, check=False, timeout=60)
                self.assertIn(code, (0, 2, 5), err)
                # 0: the answer needed none of the lost bytes, and says so
                # by no "incomplete" line; 5: it lacked some, and names them.
                self.assertEqual(code == 5, "\nincomplete: " in out, out[-2000:])
                if code == 2:
                    self.assertEqual(out, "")
                    self.assertTrue(err.startswith("heapcore: error: "), err)
                    self.assertEqual(err.count("\n"), 1, err)
                    self.assertIn(path, err)
                    self.assertRegex(err, "truncated|not a core file|too short|no thread notes"
                                     "|cut off when the core was truncated")
                else:
                    self.assertIn("warning: core is truncated: ", out)
                if code == 5:
                    self.assertRegex(out, r"\nincomplete: .+ at 0x[0-9a-f]+")
                # info diagnoses what it can: the truncation is a warning.
                code, out, err = run("info", "--json", path, check=False)
                if code == 0:
                    info = json.loads(out)
                    self.assertTrue(any("core is truncated" in w for w in info["warnings"]),
                                    info["warnings"])
                else:
                    self.assertEqual(code, 2, err)
                    self.assertRegex(err, "truncated|not a core file|too short|no thread notes")

    def test_truncated_forced(self):
        path = self.write("core", self.core_bytes[:len(self.core_bytes) * 2 // 3])
        shutil.copy(self.fx.exe, self.tmp)
        info, err = run_json("info", "--json", "--force", path)
        self.assertEqual(len(info["threads"]), len(self.fx.truth["threads"]))
        self.assertTrue(any("core is truncated" in w for w in info["warnings"]))
        # Every other command either answers, marked incomplete when it
        # lacked something, or fails cleanly.
        for cmd in ("stats", "roots", "types", "top"):
            code, out, err = run(cmd, "--force", path, check=False)
            self.assertIn(code, (0, 2, 5), err)
            if code == 2:
                self.assertEqual(err.count("\n"), 1, err)
                self.assertTrue(err.startswith("heapcore: error: "), err)
            else:
                self.assertEqual(code == 5, "\nincomplete: " in out, out[-2000:])

    def info_of(self, data, *exe):
        """info --json of the core @p data (its executable beside it, or
        @p exe), and the warnings it adds to the intact core's."""
        path = self.write("core", data)
        shutil.copy(self.fx.exe, self.tmp)
        info, _ = run_json("info", "--json", path, *exe)
        return info, [w for w in info["warnings"] if w not in self.intact["warnings"]]

    @property
    def intact(self):
        if not hasattr(self, "_intact"):
            path = self.write("intact", self.core_bytes)
            shutil.copy(self.fx.exe, self.tmp)
            self._intact, _ = run_json("info", "--json", path)
        return self._intact

    def same_info(self, info):
        for key in ("go_version", "pid", "command", "signal", "crashed_tid", "threads",
                    "mappings", "executable"):
            self.assertEqual(info[key], self.intact[key], key)

    def test_second_nt_file_note(self):
        # The kernel writes one NT_FILE note; a second, shorter one used to
        # be counted on top of the first into an array of its own size (a
        # heap-buffer-overflow under ASan, and a leak of the first array).
        records = [rec for _, rec in note_records(self.core_bytes)]
        extra = nt_file_note([(0x10000, 0x11000, 0, "/nonexistent/second-nt-file")])
        for where in ("after", "before"):
            with self.subTest(where=where):
                seg = records + [extra] if where == "after" else [extra] + records
                info, added = self.info_of(with_note_segments(self.core_bytes, [b"".join(seg)]),
                                           *([] if where == "after" else [self.fx.exe]))
                self.assertEqual(added[0], "core has more than one NT_FILE note; "
                                 "only the first is used")
                if where == "after":
                    self.assertEqual(len(added), 1, added)
                    self.same_info(info)
                else:
                    # The crafted table is the one used: it maps no file
                    # where Go's version string is.
                    self.assertEqual(len(added), 2, added)
                    self.assertIn("cannot read runtime.buildVersion", added[1])
                    self.assertEqual([m["path"] for m in info["unopened_files"]],
                                     ["/nonexistent/second-nt-file"])
        # stats reads the heap through the mappings of the first table.
        path = self.write("core", with_note_segments(self.core_bytes, [b"".join(records + [extra])]))
        stats, _ = run_json("stats", "--json", path)
        intact, _ = run_json("stats", "--json", self.fx.core, self.fx.exe)
        self.assertEqual(stats["MemStats"], intact["MemStats"])

    def test_several_note_segments(self):
        # Notes split over two PT_NOTE segments, one per process-wide note:
        # the same core.
        recs = note_records(self.core_bytes)
        half = len(recs) // 2
        segs = [b"".join(r for _, r in recs[:half]), b"".join(r for _, r in recs[half:])]
        info, added = self.info_of(with_note_segments(self.core_bytes, segs))
        self.assertEqual(added, [])
        self.same_info(info)
        # Both segments whole: every process-wide note twice, the threads twice.
        # (NT_SIGINFO is not one of them: gdb's gcore writes one per thread.)
        whole = b"".join(r for _, r in recs)
        info, added = self.info_of(with_note_segments(self.core_bytes, [whole, whole]))
        self.assertEqual(sorted(added), sorted(
            "core has more than one %s note; only the first is used" % n
            for n in ("NT_PRPSINFO", "NT_AUXV", "NT_FILE")))
        self.assertEqual(info["go_version"], self.intact["go_version"])
        self.assertEqual(len(info["threads"]), 2 * len(self.intact["threads"]))

    def test_note_sizes_disagree_with_segment(self):
        recs = note_records(self.core_bytes)
        whole = b"".join(r for _, r in recs)
        last_type, last = recs[-1]
        self.assertNotEqual(last_type, 1)  # the last note is not a thread's registers
        # The segment ends inside its last note: the notes before it stand.
        info, added = self.info_of(with_note_segments(self.core_bytes, [whole],
                                                      [len(whole) - len(last) // 2]))
        self.assertEqual(len(added), 1, added)
        self.assertRegex(added[0], r"^a note at byte %d of the core's note segment runs past "
                         r"the segment's \d+ bytes; the notes from there on are ignored$"
                         % (len(whole) - len(last)))
        self.same_info(info)
        # Sizes near 4 GiB in the last note's header (which once wrapped in
        # 32 bits), and a few bytes of slack after the notes.
        for namesz, descsz in ((0xfffffffd, 4), (5, 0xfffffffc), (0xffffffff, 0xffffffff)):
            with self.subTest(namesz=namesz, descsz=descsz):
                bad = bytearray(last)
                struct.pack_into("<II", bad, 0, namesz, descsz)
                seg = b"".join(r for _, r in recs[:-1]) + bytes(bad)
                info, added = self.info_of(with_note_segments(self.core_bytes, [seg]))
                self.assertEqual(len(added), 1, added)
                self.assertIn("runs past the segment's", added[0])
                self.same_info(info)
        info, added = self.info_of(with_note_segments(self.core_bytes, [whole + bytes(8)]))
        self.assertEqual(added, [])
        self.same_info(info)

    def test_damaged_nt_file_note(self):
        # An NT_FILE note that cannot be read is a warning; the rest of the
        # core is still read, and the executable given says which it is.
        recs = note_records(self.core_bytes)
        for what, fn in (("it claims 1000000 files", lambda d: struct.pack_into("<Q", d, 20, 10**6)),
                         ("its names are cut short",
                          lambda d: d.__setitem__(slice(len(d) - 64, len(d)), b"x" * 64))):
            with self.subTest(what=what):
                seg = b""
                for ntype, rec in recs:
                    if ntype == NT_FILE:
                        rec = bytearray(rec)
                        fn(rec)
                    seg += rec
                path = self.write("core", with_note_segments(self.core_bytes, [seg]))
                info, _ = run_json("info", "--json", path, self.fx.exe)
                self.assertTrue(any(w.startswith("the core's NT_FILE note is ignored (%s" % what)
                                    for w in info["warnings"]), info["warnings"])
                self.assertEqual(info["threads"], self.intact["threads"])

    def test_executable_not_found(self):
        path = self.write("core", self.core_bytes)
        self.expect_error(("info", path), 2, "cannot find the executable")

    def test_nt_file_names_missing_files(self):
        data = bytearray(self.core_bytes)
        names = nt_file_names(data)
        self.assertGreaterEqual(len(names), 2)
        # Rename the second mapping (the executable's read-only data, where Go
        # keeps the version string) to a file that does not exist.
        pos, name = names[1]
        data[pos + len(name) - 1] = ord("~")
        path = self.write("core", bytes(data))
        shutil.copy(self.fx.exe, self.tmp)
        info, err = run_json("info", "--json", path)
        missing = [m["path"] for m in info["unopened_files"]]
        self.assertEqual(missing, [name[:-1] + "~"])
        self.assertIsNone(info["go_version"])
        self.assertTrue(any("runtime.buildVersion" in w and "could not be opened" in w
                            for w in info["warnings"]), info["warnings"])
        # The variable exists but its bytes do not read: said, not "not a Go program".
        for cmd in ("stats", "roots"):
            err = self.expect_error((cmd, path), 2, "cannot read the Go version of ")
            self.assertIn("(runtime.buildVersion): ", err)
            self.assertIn("could not be opened", err)

    def test_mismatched_executable(self):
        other = [f for f in fixtures("sizes") if f.toolchain != self.fx.toolchain][0]
        # --force with an executable whose version variable does not read
        # says that the mismatch was overridden.
        code, _, err = run("stats", "--force", self.fx.core, "/bin/sh", check=False)
        self.assertEqual(code, 2, err)
        self.assertIn("it does not match the core, and --force used it anyway", err)
        for cmd in ("stats", "roots"):
            self.expect_error((cmd, self.fx.core, other.exe), 2,
                              "does not match %s: the core's Go build ID is" % self.fx.core)
        info, _ = run_json("info", "--json", "--force", self.fx.core, other.exe)
        self.assertEqual(info["executable"]["verified_by"], "mismatch overridden by --force")
        self.assertTrue(any("does not match" in w for w in info["warnings"]))
        # info is what people run to find out what is wrong: it says, without --force.
        info, _ = run_json("info", "--json", self.fx.core, other.exe)
        self.assertEqual(info["executable"]["verified_by"], "does not match the core (see warnings)")
        self.assertTrue(any("the core's Go build ID is" in w for w in info["warnings"]))

    def test_foreign_executable(self):
        self.expect_error(("stats", self.fx.core, "/bin/sh"), 2, "does not match")
        info, _ = run_json("info", "--json", self.fx.core, "/bin/sh")
        self.assertTrue(any("does not match" in w for w in info["warnings"]), info["warnings"])

    def test_stripped_executable(self):
        # objcopy --strip-all drops the symbol table and DWARF but keeps the
        # Go build ID note: the executable matches, and the error says what
        # is missing rather than "not a Go program".
        stripped = os.path.join(self.tmp, "stripped")
        subprocess.run(["objcopy", "--strip-all", self.fx.exe, stripped], check=True)
        # Roots need DWARF; MemStats do not (test_stripped.py).
        err = self.expect_error(("roots", self.fx.core, stripped), 2,
                                "has no DWARF debug information")
        self.assertIn("give its debug file with --symbols", err)
        doc, _ = run_json("stats", "--json", self.fx.core, stripped)
        # The version comes from the build info the linker keeps.
        self.assertEqual(doc["go_version"], self.fx.truth["go_version"])
        self.assertTrue(any("has no DWARF and no symbol table" in w for w in doc["warnings"]))
        _, out, _ = run("info", self.fx.core, stripped)
        self.assertIn("go version:  %s (from its build info: a stripped Go executable)\n"
                      % self.fx.truth["go_version"], out)
        # The pclntab and the module data, found by their contents, are
        # where the unstripped executable's symbols (nm) say.
        syms = {}
        for line in subprocess.run(["nm", self.fx.exe], capture_output=True, text=True,
                                   check=True).stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] in ("runtime.pclntab", "runtime.firstmoduledata"):
                syms[parts[2]] = int(parts[0], 16)
        self.assertIn("runtime:     pclntab 0x%x, moduledata 0x%x (found without symbols"
                      % (syms["runtime.pclntab"], syms["runtime.firstmoduledata"]), out)



class EscapesTest(unittest.TestCase):
    """Terminal escape sequences in what the core names (the process's name
    and arguments, NT_FILE paths) never reach the terminal: text output
    carries no control character but newline and tab, and JSON stays valid."""

    def test_escapes_in_process_name_and_files(self):
        fx = fixtures("sizes")[-1]
        with open(fx.core, "rb") as f:
            data = bytearray(f.read())
        title, clear = b"\x1b]2;owned\x07", b"\x1b[2J"
        for ntype, desc in notes(data):
            if ntype == 3:  # NT_PRPSINFO: pr_fname at 40 (16 bytes), pr_psargs at 56 (80)
                data[desc + 40:desc + 40 + len(title)] = title
                data[desc + 56:desc + 56 + len(clear)] = clear
        for off, name in nt_file_names(bytes(data))[:2]:
            data[off:off + len(clear)] = clear
        with tempfile.TemporaryDirectory() as tmp:
            core = os.path.join(tmp, "core")
            with open(core, "wb") as f:
                f.write(data)
            for cmd in (["info"], ["info", "--json"], ["stats"], ["stats", "--json"]):
                with self.subTest(cmd=cmd):
                    code, out, err = run(*cmd, "--force", core, fx.exe, check=False)
                    self.assertIn(code, (0, 2, 5), err)
                    for text in (out, err):
                        bad = [c for c in text if ord(c) < 0x20 and c not in "\n\t" or c == "\x7f"]
                        self.assertEqual(bad, [], text[:2000])
                    if "--json" in cmd and code in (0, 5):
                        json.loads(out)


def load_segments(data):
    """(file offset, vaddr, filesz, writable) of each PT_LOAD with bytes."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = []
    for i in range(phnum):
        p_type, flags, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", data,
                                                                  phoff + i * phentsize)
        if p_type == 1 and filesz >= 8:
            out.append((off, vaddr, filesz, bool(flags & 2)))
    return out


def heap_segment(data, addr):
    """The saved segment holding heap address @p addr: (file offset,
    vaddr, size).  Heap objects are there and, with Green Tea, the spans'
    inline bits."""
    for off, vaddr, size, writable in load_segments(data):
        if writable and vaddr <= addr < vaddr + size:
            return off, vaddr, size
    raise AssertionError("no saved segment holds 0x%x" % addr)


def corrupted_fixtures():
    """The graph program with Green Tea (go1.27) and without."""
    return [fx for fx in fixtures("graph") if fx.dirname in ("go1.27", "go1.27-nogreenteagc")]


def without_warnings(doc):
    return {k: v for k, v in doc.items() if k not in ("warnings", "incomplete", "damaged")}


def answer_json(*args):
    """An answer, complete (exit 0) or marked incomplete (exit 5, and its
    JSON says so): damage at random may or may not hit what it needs."""
    code, out, err = run(*args, check=False)
    if code not in (0, 5):
        raise AssertionError("heapcore %s failed (%d): %s" % (" ".join(map(str, args)), code, err))
    doc = json.loads(out)
    assert doc.get("incomplete", False) == (code == 5), (code, doc.get("incomplete"))
    return doc, err


class CorruptedMemoryTest(unittest.TestCase):
    """Damaged runtime data in the core (spans, goroutines and their stacks,
    type descriptors, specials, heap words) never crashes or hangs the graph
    analysis: each command either answers (perhaps with warnings) or fails
    with a one-line error.  The mutants are reproducible (fixed seed); each
    overwrites 64 words of the core's memory segments, half with random
    values and half with words copied from elsewhere (plausible pointers),
    half of them in the runtime's small mappings.  What does not depend on
    the damaged words stays exact."""

    MUTANTS = 30  # per fixture

    def segments(self, data):
        return [(off, size) for off, _, size, _ in load_segments(data)]

    def test_mutants(self):
        import random
        for fx in corrupted_fixtures():
            self.mutants(fx, random.Random(20261126))

    def mutants(self, fx, rng):
        with open(fx.core, "rb") as f:
            data = f.read()
        segs = self.segments(data)
        weights = [size for _, size in segs]
        with tempfile.TemporaryDirectory(prefix="heapcore-mutants-") as tmp:
            core = os.path.join(tmp, "core")
            for m in range(self.MUTANTS):
                buf = bytearray(data)
                for k in range(64):
                    # Half the words land in a segment picked regardless of
                    # size: the small ones are the runtime's own (data, bss,
                    # span structures), which a size-weighted pick rarely hits.
                    off, size = rng.choice(segs) if k % 4 < 2 else rng.choices(segs, weights)[0]
                    at = off + rng.randrange(0, size - 7) // 8 * 8
                    if k % 2:
                        word = rng.getrandbits(64).to_bytes(8, "little")
                    else:
                        src_off, src_size = rng.choices(segs, weights)[0]
                        src = src_off + rng.randrange(0, src_size - 7) // 8 * 8
                        word = bytes(data[src:src + 8])
                    buf[at:at + 8] = word
                with open(core, "wb") as f:
                    f.write(buf)
                for cmd in (["roots", "--json"], ["types"], ["top", "--depth", "3"]):
                    with self.subTest(fixture=repr(fx), mutant=m, cmd=cmd[0]):
                        code, out, err = run(*cmd, core, fx.exe, check=False, timeout=120)
                        self.assertIn(code, (0, 2, 5), err[-2000:])
                        if code == 2:
                            self.assertTrue(err.startswith("heapcore: error: "), err[-2000:])
                            self.assertEqual(err.count("\n"), 1, err[-2000:])
                        else:
                            self.assertNotIn("Sanitizer", err)
                            self.assertNotIn("runtime error", err)
                            if cmd[0] == "roots":  # --json: exit 5 iff "incomplete"
                                self.assertEqual(code == 5, json.loads(out)["incomplete"])

    def test_heap_words_damaged(self):
        # Words of the heap damaged (objects' words and, with Green
        # Tea, the inline bits at the end of spans), none of one object's:
        # that object's path and report are the intact core's, which match
        # the program's shape (expect.json).  (stats is not among them: the
        # runtime's P's, whose caches it reads, are heap objects.)
        import random
        from test_graph import gdb_facts
        rng = random.Random(1919)
        for fx in corrupted_fixtures():
            shared = fx.truth["expect"]["shared"]
            addr = gdb_facts(fx)["shared"]
            lo, hi = addr, addr + shared["size"]
            intact_path, _ = run_json("path", "--json", hex(addr), fx.core, fx.exe)
            intact_obj, _ = run_json("object", "--json", hex(addr), fx.core, fx.exe)
            self.assertIn(intact_path["path"][0]["root"], shared["globals"], intact_path)
            self.assertEqual(intact_obj["size"], shared["size"], intact_obj)
            self.assertEqual(intact_obj["retained"], shared["size"], intact_obj)
            with open(fx.core, "rb") as f:
                data = f.read()
            off, vaddr, size = heap_segment(data, addr)
            # Words in use (not zero), none of the object's own.
            words = memoryview(data)[off:off + size // 8 * 8].cast("Q")
            used = [i for i, w in enumerate(words) if w and not lo <= vaddr + 8 * i < hi]
            self.assertGreater(len(used), 10000)
            with tempfile.TemporaryDirectory(prefix="heapcore-heapwords-") as tmp:
                core = os.path.join(tmp, "core")
                for m in range(4):
                    buf = bytearray(data)
                    for k in range(256):
                        # Random values, or a plausible pointer: a word from
                        # elsewhere in the heap; never one into the object.
                        word = rng.getrandbits(64) if k % 2 else words[rng.choice(used)]
                        if not lo <= word < hi:
                            at = off + 8 * rng.choice(used)
                            buf[at:at + 8] = word.to_bytes(8, "little")
                    with open(core, "wb") as f:
                        f.write(buf)
                    with self.subTest(fixture=repr(fx), mutant=m):
                        path, _ = answer_json("path", "--json", hex(addr), core, fx.exe)
                        self.assertEqual(without_warnings(path), without_warnings(intact_path))
                        obj, _ = answer_json("object", "--json", hex(addr), core, fx.exe)
                        self.assertEqual(without_warnings(obj), without_warnings(intact_obj))


class CorruptedStacksTest(unittest.TestCase):
    """Damaged goroutine stacks: words that hold code addresses (return
    addresses, saved pcs) are replaced by other code addresses, odd values or
    zero, so that unwinding meets wrong functions, wrong frame sizes and
    stack pointers out of range.  The analysis answers or fails in one line,
    never a crash, a hang or a sanitizer report."""

    MUTANTS = 10  # per fixture

    @staticmethod
    def text_range(exe):
        with open(exe, "rb") as f:
            data = f.read(1 << 20)
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        for i in range(phnum):
            p_type, flags, _, vaddr, _, _, memsz = struct.unpack_from("<IIQQQQQ", data, phoff + i * phentsize)
            if p_type == 1 and flags & 1:  # PT_LOAD, executable
                return vaddr, vaddr + memsz
        raise AssertionError("no text segment in " + exe)

    def test_mutants(self):
        import random
        from test_stats import ARRAYS, SCALARS, differences, expected
        rng = random.Random(7)
        for fx in fixtures("goroutines"):
            if fx.dirname in ("go1.27", "go1.27-nogreenteagc"):  # Green Tea and not
                self.mutants(fx, rng, lambda ms: differences(ms, expected(fx), SCALARS + ARRAYS))

    def mutants(self, fx, rng, memstats_differences):
        lo, hi = self.text_range(fx.exe)
        with open(fx.core, "rb") as f:
            data = f.read()
        # Every 8-byte word of the core that holds a code address.
        words = [i for i in range(0, len(data) - 7, 8)
                 if lo <= int.from_bytes(data[i:i + 8], "little") < hi]
        self.assertGreater(len(words), 1000)
        with tempfile.TemporaryDirectory(prefix="heapcore-stacks-") as tmp:
            core = os.path.join(tmp, "core")
            for m in range(self.MUTANTS):
                buf = bytearray(data)
                for at in rng.sample(words, 200):
                    choice = rng.randrange(4)
                    value = (rng.randrange(lo, hi) if choice == 0 else
                             rng.getrandbits(64) if choice == 1 else
                             0 if choice == 2 else rng.randrange(lo, hi) | 1)
                    buf[at:at + 8] = value.to_bytes(8, "little")
                with open(core, "wb") as f:
                    f.write(buf)
                with self.subTest(fixture=repr(fx), mutant=m):
                    # MemStats come from the runtime's counters and spans,
                    # which hold no code address: still ReadMemStats'.
                    stats, _ = run_json("stats", "--json", core, fx.exe)
                    self.assertEqual(memstats_differences(stats["MemStats"]), [])
                    code, out, err = run("roots", "--json", "--top", "0", core, fx.exe,
                                         check=False, timeout=120)
                    self.assertIn(code, (0, 2, 5), err[-2000:])
                    if code == 2:
                        self.assertEqual(err.count("\n"), 1, err[-2000:])
                        continue
                    self.assertNotIn("Sanitizer", err)
                    self.assertNotIn("runtime error", err)


def prstatus_offsets(data):
    """Offset of each NT_PRSTATUS descriptor in a core's bytes."""
    return [desc for ntype, desc in notes(data) if ntype == 1]


class ElfMutantsTest(unittest.TestCase):
    """Damaged ELF structure of the core and of the executable: header
    bytes, program header fields, note words and bytes, section header
    fields, bytes inside the executable's pclntab, DWARF, type data and
    symbol table.  Reproducible (fixed seed); every command answers or fails
    in one line, with no sanitizer report and no leak (ASan build)."""

    MUTANTS = 24

    @staticmethod
    def sections(exe):
        shoff, = struct.unpack_from("<Q", exe, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", exe, 58)
        strtab = struct.unpack_from("<Q", exe, shoff + shstrndx * shentsize + 24)[0]
        out = []
        for i in range(shnum):
            name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", exe, shoff + i * shentsize)
            out.append((exe[strtab + name:exe.index(b"\0", strtab + name)].decode(), off, size,
                        shoff + i * shentsize))
        return out

    def mutate(self, rng, core, exe, kind):
        phoff, = struct.unpack_from("<Q", core, 32)
        phentsize, phnum = struct.unpack_from("<HH", core, 54)
        value = rng.choice([0, 1, 2**64 - 1, 2**63 - 1, 1 << 40, rng.getrandbits(64),
                            rng.getrandbits(32)])
        if kind == "ehdr":
            core[rng.randrange(16, 64)] = rng.getrandbits(8)
        elif kind == "phdr":
            at = phoff + rng.randrange(phnum) * phentsize + rng.choice([8, 16, 24, 32, 40, 48])
            struct.pack_into("<Q", core, at, value)
        elif kind in ("note", "notebyte"):
            descs = [desc for _, desc in notes(core)]
            at = rng.choice(descs) + rng.randrange(0, 64)
            if kind == "note":
                struct.pack_into("<I", core, at & ~3, value & 0xffffffff)
            else:
                core[at] = rng.getrandbits(8)
        elif kind == "section":
            secs = [s for s in self.sections(exe) if s[0].startswith(
                (".gopclntab", ".debug", ".zdebug", ".rodata", ".typelink", ".noptrdata",
                 ".data", ".symtab", ".strtab")) and s[2] > 8]
            _, off, size, _ = rng.choice(secs)
            for _ in range(8):
                struct.pack_into("<I", exe, off + rng.randrange(size - 4), value & 0xffffffff)
        elif kind == "shdr":
            sh = rng.choice(self.sections(exe))[3]
            struct.pack_into("<Q", exe, sh + rng.choice([8, 16, 24, 32, 48, 56]), value)

    def test_mutants(self):
        import random
        fx = fixtures("graph")[-1]
        with open(fx.core, "rb") as f:
            core0 = f.read()
        with open(fx.exe, "rb") as f:
            exe0 = f.read()
        kinds = ["ehdr", "phdr", "note", "notebyte", "section", "shdr"]
        rng = random.Random(1126)
        with tempfile.TemporaryDirectory(prefix="heapcore-elf-") as tmp:
            core_path, exe_path = os.path.join(tmp, "core"), os.path.join(tmp, "exe")
            for m in range(self.MUTANTS):
                core, exe = bytearray(core0), bytearray(exe0)
                kind = kinds[m % len(kinds)]
                self.mutate(rng, core, exe, kind)
                with open(core_path, "wb") as f:
                    f.write(core)
                with open(exe_path, "wb") as f:
                    f.write(exe)
                for cmd in (["info"], ["stats"], ["roots", "--top", "3"], ["types", "--top", "3"]):
                    with self.subTest(mutant=m, kind=kind, cmd=cmd[0]):
                        code, out, err = run(*cmd, "--force", core_path, exe_path,
                                             check=False, timeout=120)
                        self.assertIn(code, (0, 2, 3, 5), err[-2000:])
                        self.assertNotIn("Sanitizer", err)
                        self.assertNotIn("runtime error", err)
                        if code in (2, 3):
                            self.assertTrue(err.startswith("heapcore: error: "), err[-2000:])
                            self.assertEqual(err.count("\n"), 1, err[-2000:])


class DamagedThreadsTest(unittest.TestCase):
    """A thread's registers that point nowhere: the crashing goroutine's
    context is searched for from its thread's stack pointer, and every probe
    of unmapped memory is an answer, not an error to report (or to leak: the
    ASan build checks leaks)."""

    def test_stack_pointer_unmapped(self):
        fx = fixtures("graph")[-1]
        with open(fx.core, "rb") as f:
            data = bytearray(f.read())
        descs = prstatus_offsets(data)
        self.assertTrue(descs)
        with tempfile.TemporaryDirectory(prefix="heapcore-threads-") as tmp:
            core = os.path.join(tmp, "core")
            # x86-64 elf_prstatus: pr_reg at 112; rsp is register 19.
            for rsp in (0x10, 0xfffffffffffffff8, 0x7ffffffff000):
                for d in descs:
                    struct.pack_into("<Q", data, d + 112 + 8 * 19, rsp)
                with open(core, "wb") as f:
                    f.write(data)
                for cmd in (["roots", "--json"], ["top"]):
                    with self.subTest(rsp=hex(rsp), cmd=cmd[0]):
                        code, out, err = run(*cmd, core, fx.exe, check=False, timeout=120)
                        self.assertEqual(code, 0, err[-2000:])
                        self.assertNotIn("Sanitizer", err)
                        self.assertNotIn("runtime error", err)


if __name__ == "__main__":
    unittest.main()


def field_named(field, text):
    """Whether the MemStats field @p field is named in @p text (a word)."""
    return re.search(r"(?<![A-Za-z])%s(?![A-Za-z])" % field, text) is not None


class PartialAnswerTest(unittest.TestCase):
    """Answers from damaged cores (#16 item 5, #13 item 4, #19): heap bytes
    not saved, a core truncated inside the heap, inside a goroutine stack
    and inside the runtime's own data.  Each command still answers, names
    what it lacked (structure, address, reason, and which part of the
    answer it affects), says the answer is incomplete and exits 5; every
    MemStats field that no damage names equals the program's own
    ReadMemStats.  The intact core exits 0 and is complete.  Where the
    structures are comes from gdb (tests/locate_runtime.py)."""

    COMMANDS = ("stats", "types", "roots", "goroutines", "leaks", "triage")

    @classmethod
    def setUpClass(cls):
        from test_hostile import locate
        cls.fx = [f for f in fixtures("graph") if f.dirname in ("go1.22", "go1.26")]
        cls.where = {f.dirname: locate(f.exe, f.core) for f in cls.fx}
        cls.tmp = tempfile.mkdtemp(prefix="heapcore-partial-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    @staticmethod
    def loads(data):
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        for i in range(phnum):
            at = phoff + i * phentsize
            p_type, _, off, vaddr, _, filesz, memsz = struct.unpack_from("<IIQQQQQ", data, at)
            if p_type == 1:
                yield at, off, vaddr, filesz, memsz

    def offset(self, data, addr):
        for _, off, vaddr, filesz, _ in self.loads(data):
            if vaddr <= addr < vaddr + filesz:
                return off + addr - vaddr
        raise AssertionError("0x%x is not in the core" % addr)

    def variants(self, fx, data):
        """(name, core bytes) of each damaged copy of @p fx's core."""
        where = self.where[fx.dirname]
        spans = [s for s in where["spans"] if s["state"] == 1]
        heap = spans[len(spans) // 2]["start"]
        waiting = [g for g in where["goroutines"] if g["status"] == 4 and g["hi"] > g["lo"]]
        stack = waiting[0]["lo"] + (waiting[0]["hi"] - waiting[0]["lo"]) // 2
        runtime_data = spans[len(spans) // 2]["addr"]  # an mspan: off the heap
        noheap = bytearray(data)
        for at, _, vaddr, filesz, memsz in self.loads(data):
            if vaddr <= heap < vaddr + memsz:
                struct.pack_into("<Q", noheap, at + 32, 0)  # p_filesz: nothing saved
        return [("heap bytes not saved", bytes(noheap)),
                ("cut inside the heap", data[:self.offset(data, heap) + 24]),
                ("cut inside a goroutine stack", data[:self.offset(data, stack)]),
                ("cut inside runtime data", data[:self.offset(data, runtime_data) + 8])]

    def check_damaged(self, doc):
        self.assertIs(doc["incomplete"], True)
        self.assertTrue(doc["damaged"])
        for d in doc["damaged"]:
            self.assertTrue(d["structure"], d)
            self.assertTrue(d["reason"], d)
            self.assertTrue(d["affects"], d)
            self.assertIn(d["reason"], doc["warnings"])
            self.assertTrue(d["address"] is None or d["address"] > 0, d)

    def test_intact_is_complete(self):
        for fx in self.fx:
            for cmd in self.COMMANDS:
                with self.subTest(fixture=repr(fx), cmd=cmd):
                    code, out, err = run(cmd, "--json", fx.core, fx.exe, check=False, timeout=120)
                    self.assertEqual(code, 0, err[-2000:])
                    doc = json.loads(out)
                    self.assertIs(doc["incomplete"], False)
                    self.assertEqual(doc["damaged"], [])
                    code, out, err = run(cmd, fx.core, fx.exe, check=False, timeout=120)
                    self.assertEqual(code, 0, err[-2000:])
                    self.assertNotIn("\nincomplete: ", out)

    def test_damaged_cores_answer_incomplete(self):
        for fx in self.fx:
            with open(fx.core, "rb") as f:
                data = f.read()
            truth = fx.truth["MemStats"]
            for name, core in self.variants(fx, data):
                path = os.path.join(self.tmp, "core")
                with open(path, "wb") as f:
                    f.write(core)
                for cmd in self.COMMANDS:
                    with self.subTest(fixture=repr(fx), damage=name, cmd=cmd):
                        code, out, err = run(cmd, "--json", path, fx.exe, check=False,
                                             timeout=120)
                        self.assertEqual(code, 5, err[-2000:])
                        self.assertNotIn("Sanitizer", err)
                        doc = json.loads(out)
                        self.check_damaged(doc)
                        if cmd == "stats" and fx.truth["exact_memstats"]:
                            affects = "\n".join(d["affects"] for d in doc["damaged"])
                            for field, want in truth.items():
                                if field in doc["MemStats"] and not field_named(field, affects):
                                    self.assertEqual(doc["MemStats"][field], want, field)
                        # The text says it too: one line per damaged part,
                        # each naming a structure and its address.
                        code, out, err = run(cmd, path, fx.exe, check=False, timeout=120)
                        self.assertEqual(code, 5, err[-2000:])
                        lines = [l for l in out.splitlines() if l.startswith("incomplete: ")]
                        self.assertTrue(lines, out[-2000:])
                        first = doc["damaged"][0]
                        self.assertIn(first["structure"], out)
