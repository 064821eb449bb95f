"""heapcore's gdb commands.

One thin module over libheapcore through ctypes: the library computes and
formats, these commands only find the core and the executable gdb has
loaded, call it, and write its text, so the output is byte-identical to the
heapcore command's.  Loaded at gdb start from /etc/gdb/gdbinit.d (see
`cmake --install`) or with `source heapcore_gdb.py`.

Commands (all prefixed heap- so they never clash with GEF's or pwndbg's
`heap`): heap-info, heap-stats.
"""
import ctypes
import os
import shlex

import gdb

# Set by the installed loader; HEAPCORE_LIB in the environment wins.
LIBRARY = "libheapcore.so.0"

HC_OPEN_FORCE = 1
HC_REPORT_JSON = 1
HC_REPORT_BY_SIZE = 2

_lib = None
_open = {"key": None, "prog": None}


def _library():
    global _lib
    if _lib is None:
        path = os.environ.get("HEAPCORE_LIB") or LIBRARY
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise gdb.GdbError("heapcore: cannot load %s: %s" % (path, e))
        vp = ctypes.c_void_p
        lib.hc_program_open_core.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                             ctypes.c_uint, ctypes.POINTER(vp)]
        lib.hc_program_open_core.restype = vp
        lib.hc_program_destroy.argtypes = [vp]
        lib.hc_program_destroy.restype = None
        lib.hc_error_message.argtypes = [vp]
        lib.hc_error_message.restype = ctypes.c_char_p
        lib.hc_error_destroy.argtypes = [vp]
        lib.hc_error_destroy.restype = None
        lib.hc_free.argtypes = [vp]
        lib.hc_free.restype = None
        for name in ("hc_report_info", "hc_report_stats"):
            fn = getattr(lib, name)
            fn.argtypes = [vp, ctypes.c_uint, ctypes.POINTER(vp)]
            fn.restype = vp
        _lib = lib
    return _lib


def _check(err):
    """Turn a returned hc_error into gdb.GdbError."""
    if err:
        lib = _library()
        msg = lib.hc_error_message(err).decode(errors="replace")
        lib.hc_error_destroy(err)
        raise gdb.GdbError("heapcore: " + msg)


def _core_path():
    """The core file gdb has loaded, or None."""
    out = gdb.execute("info target", to_string=True)
    marker = "Local core dump file:"
    at = out.find(marker)
    if at < 0:
        return None
    start = out.find("`", at)
    end = out.find("'", start + 1)
    if start < 0 or end < 0:
        return None
    return out[start + 1:end]


def _is_core(path):
    try:
        with open(path, "rb") as f:
            head = f.read(18)
    except OSError:
        return False
    return len(head) == 18 and head[:4] == b"\x7fELF" and head[16:18] == b"\x04\x00"


def _core_from_command_line():
    """`gdb -ex heap-stats CORE`: gdb 13 takes CORE for the program and
    refuses it; find it among gdb's own arguments."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return None
    for arg in args[1:]:
        path = arg.decode(errors="replace")
        if path and not path.startswith("-") and _is_core(path):
            return os.path.abspath(path)
    return None


def _program(force=False):
    """Open (or reuse) the program for what gdb has loaded."""
    inf = gdb.selected_inferior()
    conn = getattr(inf, "connection", None)
    if inf.pid and conn is not None and conn.type != "core":
        raise gdb.GdbError("heapcore: the heap- commands read core files; "
                           "live processes are not supported yet (use gcore first)")
    core = _core_path()
    if core is None:
        core = _core_from_command_line()
        if core is None:
            raise gdb.GdbError("heapcore: no core file is loaded; "
                               "start gdb as `gdb EXE CORE` or use `core-file CORE`")
        gdb.execute("core-file " + shlex.quote(core), to_string=True)
    exe = gdb.current_progspace().filename
    try:
        st = os.stat(core)
        key = (core, exe, force, st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError as e:
        raise gdb.GdbError("heapcore: cannot open %s: %s" % (core, e.strerror))
    if _open["key"] == key:
        return _open["prog"]
    lib = _library()
    if _open["prog"]:
        lib.hc_program_destroy(_open["prog"])
        _open["key"] = _open["prog"] = None
    prog = ctypes.c_void_p()
    _check(lib.hc_program_open_core(core.encode(), exe.encode() if exe else None,
                                    HC_OPEN_FORCE if force else 0,
                                    ctypes.byref(prog)))
    _open["key"], _open["prog"] = key, prog.value
    return prog.value


def _report(fn_name, flags, force):
    lib = _library()
    prog = _program(force)
    text = ctypes.c_void_p()
    _check(getattr(lib, fn_name)(prog, flags, ctypes.byref(text)))
    try:
        gdb.write(ctypes.string_at(text.value).decode(errors="replace"))
    finally:
        lib.hc_free(text)


def _parse(command, arg, allowed):
    flags, force = 0, False
    for word in gdb.string_to_argv(arg):
        if word == "--json":
            flags |= HC_REPORT_JSON
        elif word == "--force":
            force = True
        elif word in allowed:
            flags |= allowed[word]
        else:
            raise gdb.GdbError("%s: unknown argument %s" % (command, word))
    return flags, force


class HeapInfo(gdb.Command):
    """Show the core, its executable, threads and mappings, as heapcore info does.

Usage: heap-info [--json] [--force]"""

    def __init__(self):
        super().__init__("heap-info", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force = _parse("heap-info", arg, {})
        _report("hc_report_info", flags, force)


class HeapStats(gdb.Command):
    """Show runtime.MemStats of the Go heap, rebuilt from the core.

Usage: heap-stats [--json] [--by-size] [--force]
The same text as `heapcore stats`; see `heapcore stats --help`."""

    def __init__(self):
        super().__init__("heap-stats", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force = _parse("heap-stats", arg, {"--by-size": HC_REPORT_BY_SIZE})
        _report("hc_report_stats", flags, force)


HeapInfo()
HeapStats()
