"""Shared helpers for the Python tests: where the tool and the decompressed
fixtures are (from the environment ctest sets), and how to run the CLI."""
import json
import os
import subprocess

HEAPCORE = os.environ.get("HEAPCORE", "heapcore")
FIXTURES = os.environ.get("HEAPCORE_FIXTURES", "")
SOURCE = os.environ.get("HEAPCORE_SOURCE", os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SANITIZE = os.environ.get("HEAPCORE_SANITIZE", "0") in ("1", "ON", "TRUE", "true")


class Fixture:
    def __init__(self, program, dirname):
        self.program = program
        self.dirname = dirname  # the toolchain's tag, or "<tag>.run<k>" for a later run
        self.dir = os.path.join(FIXTURES, program, dirname)
        self.core = os.path.join(self.dir, "core")
        self.exe = os.path.join(self.dir, program)
        with open(os.path.join(self.dir, "truth.json")) as f:
            self.truth = json.load(f)
        self.toolchain = self.truth.get("toolchain", dirname)

    def __repr__(self):
        return "%s/%s" % (self.program, self.dirname)


def fixtures(program=None, allocator="go"):
    """Every decompressed fixture of @p allocator's programs ("go", or
    "glibc": the C and C++ programs of fixtures/glibc/), optionally of one
    program; the ones built with -s -w only when asked for by name."""
    out = []
    if not FIXTURES or not os.path.isdir(FIXTURES):
        raise RuntimeError("HEAPCORE_FIXTURES is not set or missing: %r" % FIXTURES)
    for prog in sorted(os.listdir(FIXTURES)):
        if program and prog != program:
            continue
        for tc in sorted(os.listdir(os.path.join(FIXTURES, prog))):
            if os.path.exists(os.path.join(FIXTURES, prog, tc, "truth.json")) and \
                    tc.startswith("glibc") == (allocator == "glibc"):
                fx = Fixture(prog, tc)
                # Executables built with -s -w have tests of their own
                # (test_stripped.py): what works without DWARF is less.
                if program or not fx.truth.get("stripped"):
                    out.append(fx)
    if not out:
        raise RuntimeError("no fixtures found under %s" % FIXTURES)
    return out


def heap_unsaved(data):
    """A copy of core @p data whose heap arena bytes were not saved (as
    systemd-coredump leaves a core cut at ProcessSizeMax): the PT_LOAD
    segments of the first 64 MiB heap arena keep their place and size but
    hold no file bytes.  Go's first arena starts 64 MiB-aligned
    (heapArenaBytes) in a mapping of at least 4 MiB, whose writable parts
    are the heap the runtime uses."""
    import struct
    out = bytearray(data)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    arena, cleared = None, 0
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, flags, _, vaddr, _, filesz, memsz = struct.unpack_from("<IIQQQQQ", data, at)
        if p_type != 1:
            continue
        if arena is None and vaddr % (64 << 20) == 0 and memsz >= 4 << 20:
            arena = vaddr
        if arena is not None and arena <= vaddr < arena + (64 << 20) and filesz and flags & 2:
            struct.pack_into("<Q", out, at + 32, 0)
            cleared += filesz
    assert cleared, "no heap arena found"
    return bytes(out)


INCOMPLETE = 5  # the exit status of an answer marked incomplete (README)


def run(*args, check=True, timeout=300, env=None, status=0):
    """Run heapcore (with @p env added to the environment); returns
    (status, stdout, stderr).  With @p check, the exit status must be
    @p status (INCOMPLETE for a core damaged on purpose)."""
    p = subprocess.run([HEAPCORE] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout,
                       env=dict(os.environ, **env) if env else None)
    if check and p.returncode != status:
        raise AssertionError("heapcore %s failed (%d): %s" % (
            " ".join(map(str, args)), p.returncode, p.stderr))
    return p.returncode, p.stdout, p.stderr


def run_json(*args, status=0):
    _, out, err = run(*args, status=status)
    return json.loads(out), err


GDB_LOADER = os.environ.get("HEAPCORE_GDB_LOADER", "")


def run_gdb(args, commands, loader=None, cwd=None, env=None):
    """Run gdb in batch mode with the heapcore module loaded; returns the text
    each command printed (between markers) and gdb's whole stderr."""
    argv = ["gdb", "-nx", "-batch", "-iex", "set auto-load no",
            "-iex", "set pagination off", "-x", loader or GDB_LOADER]
    for i, cmd in enumerate(commands):
        argv += ["-ex", "echo @@BEGIN %d\\n" % i, "-ex", cmd,
                 "-ex", "echo @@END %d\\n" % i]
    argv += list(args)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300,
                       cwd=cwd, env=dict(os.environ, **env) if env else None)
    outs = []
    for i in range(len(commands)):
        b, e = "@@BEGIN %d\n" % i, "@@END %d\n" % i
        start, end = p.stdout.find(b), p.stdout.find(e)
        outs.append(p.stdout[start + len(b):end] if 0 <= start < end else None)
    return outs, p.stderr
