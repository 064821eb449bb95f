"""heapcore's gdb commands.

One thin module over libheapcore through ctypes: the library computes and
formats, these commands only find the core and the executable gdb has
loaded, call it, and write its text, so the output is byte-identical to the
heapcore command's.  Loaded at gdb start from /etc/gdb/gdbinit.d (see
`cmake --install`) or with `source heapcore_gdb.py`.

Commands (all prefixed heap- so they never clash with GEF's or pwndbg's
`heap`): heap-info, heap-stats, heap-types, heap-roots, heap-top, heap-path,
heap-object, heap-pprof, heap-diff, heap-goroutines, heap-leaks, heap-triage.
"""
import ctypes
import os
import shlex
import sys
import time

import gdb

# Set by the installed loader; HEAPCORE_LIB in the environment wins.
LIBRARY = "libheapcore.so.0"

HC_OPEN_FORCE = 1
HC_OPEN_DIAGNOSE = 2
# --no-cache, carried with the open flags inside this module only.
_NO_CACHE = 1 << 30
HC_REPORT_JSON = 1
HC_REPORT_BY_SIZE = 2
HC_REPORT_SORT_COUNT = 4
HC_REPORT_SORT_BYTES = 8
HC_REPORT_ALL = 16

_lib = None
_open = {"key": None, "prog": None}

# Progress of long work, as the heapcore command shows it: on a terminal,
# after a second, one line rewritten in place and erased before the report;
# HEAPCORE_PROGRESS=always shows it from the start wherever it goes, =never
# never.
_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p,
                                ctypes.c_uint64, ctypes.c_uint64)
_progress = {"start": 0.0, "drawn": 0.0, "shown": False}


def _progress_wanted():
    mode = os.environ.get("HEAPCORE_PROGRESS", "auto")
    if mode == "never":
        return False
    if mode == "always":
        return True
    try:
        return os.isatty(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def _on_progress(arg, phase, done, total):
    now = time.monotonic()
    always = os.environ.get("HEAPCORE_PROGRESS") == "always"
    if not always and now - _progress["start"] < 1.0:
        return
    if _progress["shown"] and now - _progress["drawn"] < 0.1 and done != total:
        return
    _progress["drawn"], _progress["shown"] = now, True
    pct = done * 100 // total if total else 100
    gdb.write("\r\033[Kheapcore: %s %3d%%" % (phase.decode(errors="replace"), pct),
              gdb.STDERR)
    gdb.flush(gdb.STDERR)


_progress_cb = _PROGRESS_FN(_on_progress)  # kept alive as long as the module


class _OpenOptions(ctypes.Structure):
    """struct hc_open_options (heapcore.h)."""
    _fields_ = [("flags", ctypes.c_uint),
                ("exe_path", ctypes.c_char_p),
                ("symbols_path", ctypes.c_char_p),
                ("debug_dirs", ctypes.c_char_p),
                ("debuginfod", ctypes.c_int),
                ("progress", ctypes.c_void_p),
                ("progress_arg", ctypes.c_void_p),
                ("cache_dir", ctypes.c_char_p)]


class _ThreadRegisters(ctypes.Structure):
    """struct hc_thread_registers (heapcore.h)."""
    _fields_ = [("tid", ctypes.c_int32),
                ("nregs", ctypes.c_uint32),
                ("regs", ctypes.c_uint64 * 34)]


_READ_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p,
                            ctypes.c_size_t)


class _ProcessAccess(ctypes.Structure):
    """struct hc_process_access (heapcore.h)."""
    _fields_ = [("read", _READ_FN),
                ("arg", ctypes.c_void_p),
                ("threads", ctypes.POINTER(_ThreadRegisters)),
                ("nthreads", ctypes.c_size_t)]


# The kernel's user_regs_struct on x86-64, by gdb's register names.
_X86_64_REGS = ("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax",
                "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss",
                "fs_base", "gs_base", "ds", "es", "fs", "gs")
_AARCH64_REGS = tuple("x%d" % i for i in range(31)) + ("sp", "pc", "cpsr")

# Bumped whenever the live inferior may have changed (it ran, or memory or
# registers were written): a live program is reused only within one stop.
_generation = [0]


def _changed(*_):
    _generation[0] += 1


for _event in ("cont", "memory_changed", "register_changed", "inferior_call", "exited",
               "new_objfile"):
    _registry = getattr(gdb.events, _event, None)
    if _registry is not None:
        _registry.connect(_changed)


def _read_inferior(arg, address, buf, count):
    """hc_read_memory_fn: read the live inferior through gdb."""
    try:
        data = gdb.selected_inferior().read_memory(address, count)
        ctypes.memmove(buf, bytes(data), count)
        return 0
    except (gdb.MemoryError, gdb.error, ValueError, OverflowError):
        return 14  # EFAULT


_read_cb = _READ_FN(_read_inferior)


def _thread_registers(inf):
    """Every thread's registers in user_regs_struct order, gdb's selected
    thread first; the selected thread and frame are restored."""
    arch = gdb.selected_frame().architecture().name() if gdb.selected_thread() else ""
    names = _AARCH64_REGS if "aarch64" in arch else _X86_64_REGS
    selected = gdb.selected_thread()
    frame = gdb.selected_frame() if selected else None
    threads = sorted(inf.threads(), key=lambda t: (t != selected, t.num))
    regs = (_ThreadRegisters * len(threads))()
    try:
        for i, th in enumerate(threads):
            th.switch()
            newest = gdb.newest_frame()
            regs[i].tid = th.ptid[1] or th.ptid[0]
            regs[i].nregs = len(names)
            for j, name in enumerate(names):
                try:
                    regs[i].regs[j] = int(newest.read_register(name)) & (2 ** 64 - 1)
                except (gdb.error, ValueError):
                    regs[i].regs[j] = 0
    finally:
        if selected is not None:
            selected.switch()
            if frame is not None and frame.is_valid():
                frame.select()
    return regs


def _open_live(inf, open_flags):
    """A program for the live inferior gdb holds stopped: a snapshot read
    through gdb, with its threads' registers (never cached)."""
    lib = _library()
    exe, symbols, debug_dirs = _exe_and_symbols()
    regs = _thread_registers(inf)
    access = _ProcessAccess(read=_read_cb, arg=None,
                            threads=ctypes.cast(regs, ctypes.POINTER(_ThreadRegisters)),
                            nthreads=len(regs))
    opts = _OpenOptions(flags=open_flags,
                        exe_path=exe.encode() if exe else None,
                        symbols_path=symbols.encode() if symbols else None,
                        debug_dirs=debug_dirs.encode() if debug_dirs else None,
                        debuginfod=1 if os.environ.get("DEBUGINFOD_URLS") else 0)
    prog = ctypes.c_void_p()
    _check(lib.hc_program_open_process(inf.pid, ctypes.byref(access), ctypes.byref(opts),
                                       ctypes.byref(prog)))
    if _progress_wanted():
        lib.hc_program_set_progress(prog.value, _progress_cb, None)
    return prog.value


def _cache_dir():
    """Where analyses are kept between runs, as the CLI keeps them:
    $XDG_CACHE_HOME/heapcore, else ~/.cache/heapcore; None when
    HEAPCORE_CACHE=off."""
    if os.environ.get("HEAPCORE_CACHE") == "off":
        return None
    xdg, home = os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", "")
    if xdg.startswith("/"):
        return os.path.join(xdg, "heapcore")
    if home.startswith("/"):
        return os.path.join(home, ".cache", "heapcore")
    return None


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
        lib.hc_program_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(_OpenOptions),
                                        ctypes.POINTER(vp)]
        lib.hc_program_open.restype = vp
        lib.hc_program_open_process.argtypes = [ctypes.c_int, ctypes.POINTER(_ProcessAccess),
                                                 ctypes.POINTER(_OpenOptions), ctypes.POINTER(vp)]
        lib.hc_program_open_process.restype = vp
        lib.hc_program_destroy.argtypes = [vp]
        lib.hc_program_destroy.restype = None
        lib.hc_error_message.argtypes = [vp]
        lib.hc_error_message.restype = ctypes.c_char_p
        lib.hc_error_destroy.argtypes = [vp]
        lib.hc_error_destroy.restype = None
        lib.hc_free.argtypes = [vp]
        lib.hc_free.restype = None
        lib.hc_program_set_progress.argtypes = [vp, _PROGRESS_FN, vp]
        lib.hc_program_set_progress.restype = None
        lib.hc_program_cache_note.argtypes = [vp]
        lib.hc_program_cache_note.restype = ctypes.c_char_p
        lib.hc_program_num_warnings.argtypes = [vp]
        lib.hc_program_num_warnings.restype = ctypes.c_size_t
        lib.hc_program_warning.argtypes = [vp, ctypes.c_size_t]
        lib.hc_program_warning.restype = ctypes.c_char_p
        lib.hc_program_incomplete.argtypes = [vp]
        lib.hc_program_incomplete.restype = ctypes.c_int
        u, sz, u64 = ctypes.c_uint, ctypes.c_size_t, ctypes.c_uint64
        out = ctypes.POINTER(vp)
        signatures = {
            "hc_report_info": [vp, u, out],
            "hc_report_stats": [vp, u, out],
            "hc_report_types": [vp, u, sz, out],
            "hc_report_roots": [vp, u, sz, out],
            "hc_report_top": [vp, u, sz, u, out],
            "hc_report_path": [vp, u, u64, out],
            "hc_report_object": [vp, u, u64, out],
            "hc_report_pprof": [vp, ctypes.c_int, out, ctypes.POINTER(sz)],
            "hc_report_diff": [vp, vp, u, u64, out],
            "hc_report_goroutines": [vp, u, out],
            "hc_report_leaks": [vp, u, ctypes.c_double, out],
            "hc_report_triage": [vp, u, out],
        }
        for name, args in signatures.items():
            fn = getattr(lib, name)
            fn.argtypes = args
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
    return _info_target_file("Local core dump file:")


def _info_target_file(marker):
    """The file `info target` names after @p marker, or None."""
    out = gdb.execute("info target", to_string=True)
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


def _exe_and_symbols():
    """The executable gdb has loaded, the separate debug file it read its
    symbols from (`gdb -s FILE`, `symbol-file FILE`, or its own search), and
    gdb's debug-file-directory, for the library's search."""
    symfile = gdb.current_progspace().filename
    exe = _info_target_file("Local exec file:") or symfile
    symbols = symfile if symfile and exe and symfile != exe else None
    for objfile in [] if symbols else gdb.objfiles():
        owner = getattr(objfile, "owner", None)
        if owner is not None and exe and owner.filename == exe:
            symbols = objfile.filename
            break
    try:
        dirs = gdb.parameter("debug-file-directory")
    except RuntimeError:
        dirs = None
    return exe, symbols, dirs


def _program(open_flags=0):
    """Open (or reuse) the program for what gdb has loaded."""
    cache = None if open_flags & _NO_CACHE else _cache_dir()
    open_flags &= ~_NO_CACHE
    inf = gdb.selected_inferior()
    conn = getattr(inf, "connection", None)
    if inf.pid and conn is not None and conn.type != "core":
        # A live inferior: a snapshot at this stop, taken again after it ran.
        if gdb.selected_thread() is not None and gdb.selected_thread().is_running():
            raise gdb.GdbError("heapcore: the inferior is running; interrupt it first")
        key = ("live", inf.pid, _generation[0], _exe_and_symbols(), open_flags)
        if _open["key"] == key:
            return _open["prog"]
        lib = _library()
        if _open["prog"]:
            lib.hc_program_destroy(_open["prog"])
            _open["key"] = _open["prog"] = None
        prog = _open_live(inf, open_flags)
        _open["key"], _open["prog"] = key, prog
        return prog
    core = _core_path()
    if core is None:
        core = _core_from_command_line()
        if core is None:
            raise gdb.GdbError("heapcore: no core file is loaded; "
                               "start gdb as `gdb EXE CORE` or use `core-file CORE`")
        gdb.execute("core-file " + shlex.quote(core), to_string=True)
    exe, symbols, debug_dirs = _exe_and_symbols()
    try:
        st = os.stat(core)
        key = (core, exe, symbols, debug_dirs, open_flags, cache, st.st_mtime_ns, st.st_size,
               st.st_ino)
    except OSError as e:
        raise gdb.GdbError("heapcore: cannot open %s: %s" % (core, e.strerror))
    if _open["key"] == key:
        return _open["prog"]
    lib = _library()
    if _open["prog"]:
        lib.hc_program_destroy(_open["prog"])
        _open["key"] = _open["prog"] = None
    prog = _open_core(core, open_flags, cache)
    _open["key"], _open["prog"] = key, prog
    return prog


def _open_core(core, open_flags, cache):
    """A new program for @p core with the executable and debug info gdb has
    loaded, keeping its analyses in @p cache (a directory, or None); the
    caller destroys it."""
    lib = _library()
    exe, symbols, debug_dirs = _exe_and_symbols()
    prog = ctypes.c_void_p()
    opts = _OpenOptions(flags=open_flags,
                        exe_path=exe.encode() if exe else None,
                        symbols_path=symbols.encode() if symbols else None,
                        debug_dirs=debug_dirs.encode() if debug_dirs else None,
                        debuginfod=1 if os.environ.get("DEBUGINFOD_URLS") else 0)
    opts.cache_dir = cache.encode() if cache else None
    _check(lib.hc_program_open(core.encode(), ctypes.byref(opts), ctypes.byref(prog)))
    if _progress_wanted():
        lib.hc_program_set_progress(prog.value, _progress_cb, None)
    return prog.value


def _with_progress(call):
    """Make a library call that may take long, showing its progress."""
    _progress["start"], _progress["shown"] = time.monotonic(), False
    try:
        return call()
    finally:
        if _progress["shown"]:
            gdb.write("\r\033[K", gdb.STDERR)
            gdb.flush(gdb.STDERR)


def _report(fn_name, flags, open_flags, *args, what=None):
    lib = _library()
    prog = _program(open_flags)
    text = ctypes.c_void_p()
    try:
        _check(_with_progress(lambda: getattr(lib, fn_name)(prog, flags, *args,
                                                            ctypes.byref(text))))
    except gdb.GdbError as e:
        # An expression's value that is not in the heap: say what it was.
        if what and " is a variable " not in what:
            raise gdb.GdbError("%s (%s)" % (e, what))
        raise
    try:
        gdb.write(ctypes.string_at(text.value).decode(errors="replace"))
    finally:
        lib.hc_free(text)
    # Why the cache could not be used, once per program, as the CLI says it.
    note = lib.hc_program_cache_note(prog)
    if note and _open.get("noted") != prog:
        _open["noted"] = prog
        gdb.write("heapcore: note: %s (--no-cache skips the cache)\n"
                  % note.decode(errors="replace"), gdb.STDERR)


def _number(command, option, word):
    try:
        value = int(word, 0)
    except (TypeError, ValueError):
        raise gdb.GdbError("%s: %s needs a number" % (command, option))
    if value < 0:
        raise gdb.GdbError("%s: %s needs a number" % (command, option))
    return value


def _address(command, expr):
    """The address a gdb expression stands for, and what it is (for
    messages): a pointer, map or channel its value; a slice its backing
    array; a string its bytes; an interface its data word; an integer
    itself; any other variable (a struct, an array) its own address."""
    try:
        v = gdb.parse_and_eval(expr)
        t = v.type.strip_typedefs()
        code = t.code
        name = str(v.type)
        if code == gdb.TYPE_CODE_PTR:
            return int(v) & (2 ** 64 - 1), "%s, a %s" % (expr, name)
        if code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM, gdb.TYPE_CODE_CHAR,
                    gdb.TYPE_CODE_BOOL):
            return int(v) & (2 ** 64 - 1), "%s, the integer %#x" % (expr, int(v) & (2 ** 64 - 1))
        if code == gdb.TYPE_CODE_STRUCT:
            fields = [f.name for f in t.fields()]
            if fields[:3] == ["array", "len", "cap"]:
                if int(v["array"]) == 0:
                    raise gdb.GdbError("%s: %s is a nil slice (%s): no backing array"
                                       % (command, expr, name))
                return int(v["array"]), "%s, a slice (%s) whose backing array is at %#x" % (
                    expr, name, int(v["array"]))
            if fields[:2] == ["str", "len"]:
                if int(v["str"]) == 0:
                    raise gdb.GdbError("%s: %s is an empty string: no bytes" % (command, expr))
                return int(v["str"]), "%s, a string whose bytes are at %#x" % (expr, int(v["str"]))
            if len(fields) == 2 and fields[1] == "data" and fields[0] in ("tab", "_type"):
                if int(v["data"]) == 0:
                    raise gdb.GdbError("%s: %s is a nil interface (%s)" % (command, expr, name))
                return int(v["data"]), "%s, an interface (%s) whose data word is %#x" % (
                    expr, name, int(v["data"]))
        if code in (gdb.TYPE_CODE_FLT, gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_VOID):
            raise gdb.GdbError("%s: %s is a %s (%s), not an address" % (
                command, expr, "float" if code == gdb.TYPE_CODE_FLT else "function"
                if code == gdb.TYPE_CODE_FUNC else "void value", name))
        if v.address is not None:
            return int(v.address), "%s, a variable of type %s at %#x" % (expr, name,
                                                                         int(v.address))
        return int(v) & (2 ** 64 - 1), "%s (%s)" % (expr, name)
    except gdb.error as e:
        raise gdb.GdbError("%s: %s" % (command, e))


def _parse(command, arg, allowed, address=False):
    """Options as the CLI takes them; returns (report flags, open flags, options)."""
    flags, force, no_cache = 0, False, False
    opts = {"top": 20, "depth": 1, "address": None}
    # Split on blanks only, keeping quotes: an address is a gdb expression
    # such as 'main.cache' (Go names need gdb's quotes).
    words = arg.split()
    i = 0
    while i < len(words):
        word = words[i]
        value = words[i + 1] if i + 1 < len(words) else None
        if word == "--json":
            flags |= HC_REPORT_JSON
        elif word == "--force":
            force = True
        elif word == "--no-cache":
            no_cache = True
        elif word in allowed and allowed[word] is not None:
            flags |= allowed[word]
        elif word in ("--top", "--depth") and word in allowed:
            opts[word[2:]] = _number(command, word, value)
            i += 1
        elif word == "--sort" and word in allowed:
            sorts = {"count": HC_REPORT_SORT_COUNT, "bytes": HC_REPORT_SORT_BYTES,
                     "retained": 0}
            if value not in sorts:
                raise gdb.GdbError("%s: --sort takes retained, count or bytes" % command)
            flags |= sorts[value]
            i += 1
        elif address and opts["address"] is None and not word.startswith("--"):
            # An expression, as gdb users write it: 0xc000123456, $rax, &var.
            opts["address"], opts["what"] = _address(command, word)
        else:
            raise gdb.GdbError("%s: unknown argument %s" % (command, word))
        i += 1
    if address and opts["address"] is None:
        raise gdb.GdbError("%s: an address is needed" % command)
    # The depth's range is the library's to check (HC_TOP_DEPTH_MAX), as for
    # the CLI; beyond an unsigned int it stays out of range, never wraps.
    opts["depth"] = min(opts["depth"], 2 ** 32 - 1)
    return flags, (HC_OPEN_FORCE if force else 0) | (_NO_CACHE if no_cache else 0), opts


class HeapInfo(gdb.Command):
    """Show the core, its executable, threads and mappings, as heapcore info does.

Usage: heap-info [--json] [--force]"""

    def __init__(self):
        super().__init__("heap-info", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, _ = _parse("heap-info", arg, {})
        # info describes a damaged or mismatched core rather than refusing it.
        _report("hc_report_info", flags, force | HC_OPEN_DIAGNOSE)


class HeapStats(gdb.Command):
    """Show runtime.MemStats of the Go heap, rebuilt from the core.

Usage: heap-stats [--json] [--by-size] [--force]
The same text as `heapcore stats`; see `heapcore stats --help`."""

    def __init__(self):
        super().__init__("heap-stats", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, _ = _parse("heap-stats", arg, {"--by-size": HC_REPORT_BY_SIZE})
        _report("hc_report_stats", flags, force)


class HeapTypes(gdb.Command):
    """Show heap objects by type: count, bytes, retained.

Usage: heap-types [--json] [--top N] [--sort retained|count|bytes] [--force]"""

    def __init__(self):
        super().__init__("heap-types", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, o = _parse("heap-types", arg, {"--top": None, "--sort": None})
        _report("hc_report_types", flags, force, o["top"])


class HeapRoots(gdb.Command):
    """Show the roots (globals, goroutine stacks, threads) by retained size.

Usage: heap-roots [--json] [--top N] [--force]"""

    def __init__(self):
        super().__init__("heap-roots", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, o = _parse("heap-roots", arg, {"--top": None})
        _report("hc_report_roots", flags, force, o["top"])


class HeapTop(gdb.Command):
    """Show the dominator tree: the objects that retain the most memory.

Usage: heap-top [--json] [--top N] [--depth N] [--force]"""

    def __init__(self):
        super().__init__("heap-top", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, o = _parse("heap-top", arg, {"--top": None, "--depth": None})
        _report("hc_report_top", flags, force, o["top"], o["depth"])


class HeapPath(gdb.Command):
    """Show the shortest path from a root to the object containing ADDR.

Usage: heap-path [--json] [--force] ADDR
ADDR is any gdb expression: 0xc000123456, $rax, a variable."""

    def __init__(self):
        super().__init__("heap-path", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, o = _parse("heap-path", arg, {}, address=True)
        _report("hc_report_path", flags, force, o["address"], what=o.get("what"))


class HeapObject(gdb.Command):
    """Show the object containing ADDR: type, size, retained, fields, pointers, referrers.

Usage: heap-object [--json] [--force] ADDR
ADDR is any gdb expression: 0xc000123456, $rax, a variable."""

    def __init__(self):
        super().__init__("heap-object", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, o = _parse("heap-object", arg, {}, address=True)
        _report("hc_report_object", flags, force, o["address"], what=o.get("what"))


HC_PPROF_HEAP, HC_PPROF_LIVE, HC_PPROF_RETAINED = 0, 1, 2


class HeapPprof(gdb.Command):
    """Write a heap profile for go tool pprof to FILE, as heapcore pprof does.

Usage: heap-pprof FILE [--live | --retained] [--force]
By default, what pprof.WriteHeapProfile would have written at the crash;
--live: the sampled objects still allocated, per allocation stack;
--retained: retention paths from the dominator tree, for a flame graph.
See `heapcore pprof --help`."""

    def __init__(self):
        super().__init__("heap-pprof", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        kinds = {"--live": HC_PPROF_LIVE, "--retained": HC_PPROF_RETAINED}
        path, kind, force = None, None, False
        for word in gdb.string_to_argv(arg):
            if word in kinds and kind is None:
                kind = kinds[word]
            elif word == "--force":
                force = True
            elif not word.startswith("--") and path is None:
                path = word
            else:
                raise gdb.GdbError("heap-pprof: unexpected argument %s" % word)
        if path is None:
            raise gdb.GdbError("heap-pprof: a FILE to write the profile to is needed")
        lib = _library()
        prog = _program(HC_OPEN_FORCE if force else 0)
        data, size = ctypes.c_void_p(), ctypes.c_size_t()
        _check(_with_progress(lambda: lib.hc_report_pprof(
            prog, kind or HC_PPROF_HEAP, ctypes.byref(data), ctypes.byref(size))))
        try:
            with open(path, "wb") as f:
                f.write(ctypes.string_at(data.value, size.value))
        except OSError as e:
            raise gdb.GdbError("heap-pprof: cannot write %s: %s" % (path, e.strerror))
        finally:
            lib.hc_free(data)
        for i in range(lib.hc_program_num_warnings(prog)):
            gdb.write("warning: %s\n" % lib.hc_program_warning(prog, i).decode(errors="replace"))
        if lib.hc_program_incomplete(prog):
            gdb.write("incomplete: the profile lacks what the warnings name\n")
        gdb.write("heap-pprof: wrote %d bytes to %s\n" % (size.value, path))


class HeapDiff(gdb.Command):
    """Show what changed between OTHER_CORE (old) and the loaded core (new).

Usage: heap-diff OTHER_CORE [--json] [--threshold BYTES] [--force]
The same text as `heapcore diff OTHER_CORE CORE [EXE]`: MemStats fields,
types by growth, roots by growth of what they retain, accumulation points
by growth of their elements, goroutine groups whose size changed."""

    def __init__(self):
        super().__init__("heap-diff", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        words = gdb.string_to_argv(arg)
        other, flags, force, threshold = None, 0, False, 0
        i = 0
        while i < len(words):
            word = words[i]
            if word == "--json":
                flags |= HC_REPORT_JSON
            elif word == "--force":
                force = True
            elif word == "--threshold":
                threshold = _number("heap-diff", word, words[i + 1] if i + 1 < len(words) else None)
                i += 1
            elif not word.startswith("--") and other is None:
                other = word
            else:
                raise gdb.GdbError("heap-diff: unexpected argument %s" % word)
            i += 1
        if other is None:
            raise gdb.GdbError("heap-diff: the other (older) core is needed")
        lib = _library()
        open_flags = HC_OPEN_FORCE if force else 0
        prog = _program(open_flags)
        old = _open_core(other, open_flags, _cache_dir())
        text = ctypes.c_void_p()
        try:
            _check(_with_progress(lambda: lib.hc_report_diff(
                old, prog, flags, threshold, ctypes.byref(text))))
        finally:
            lib.hc_program_destroy(old)
        try:
            gdb.write(ctypes.string_at(text.value).decode(errors="replace"))
        finally:
            lib.hc_free(text)


def _complete_options(options, text, word):
    """The options of a command that start with what is being typed.  gdb
    breaks words at "-", so @p word may be only the tail of the option
    being typed: the completions are returned as tails of the same length."""
    token = "" if not text or text[-1].isspace() else text.split()[-1]
    word = word or ""
    cut = len(token) - len(word)
    return [o[cut:] for o in options if o.startswith(token)]


class HeapGoroutines(gdb.Command):
    """Show every goroutine as Go's crash traceback does: status, frames, leaked.

Usage: heap-goroutines [--json] [--all] [--force]
Goroutines with the same status and frames are grouped, largest group
first; --all lists each one.  The same text as `heapcore goroutines`."""

    OPTIONS = ["--json", "--all", "--force", "--no-cache"]

    def __init__(self):
        super().__init__("heap-goroutines", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, _ = _parse("heap-goroutines", arg, {"--all": HC_REPORT_ALL})
        _report("hc_report_goroutines", flags, force)

    def complete(self, text, word):
        return _complete_options(self.OPTIONS, text, word)


class HeapLeaks(gdb.Command):
    """Show the leaked goroutines and the leak suspects.

Usage: heap-leaks [--json] [--threshold PCT] [--force]
Leaked goroutines as Go 1.26's leak detector finds them (on any Go
version), grouped, with the bytes only they keep alive; then every root
retaining at least PCT % (default 10) of the live heap with its
accumulation point.  The same text as `heapcore leaks`."""

    OPTIONS = ["--json", "--threshold", "--force", "--no-cache"]

    def __init__(self):
        super().__init__("heap-leaks", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        words, rest, threshold = arg.split(), [], 10.0
        i = 0
        while i < len(words):
            if words[i] == "--threshold":
                try:
                    threshold = float(words[i + 1])
                except (IndexError, ValueError):
                    threshold = -1.0
                if not 0 <= threshold <= 100:
                    raise gdb.GdbError("heap-leaks: --threshold needs a percentage")
                i += 2
                continue
            rest.append(words[i])
            i += 1
        flags, force, _ = _parse("heap-leaks", " ".join(rest), {})
        _report("hc_report_leaks", flags, force, threshold)

    def complete(self, text, word):
        return _complete_options(self.OPTIONS, text, word)


class HeapTriage(gdb.Command):
    """Show the first screen on a crash: the panic, the goroutine, leaks.

Usage: heap-triage [--json] [--force]
What the Go runtime printed first (the panic or the fatal signal), the
goroutine that crashed, goroutines by status, the MemStats headline, top
types, leak suspects and leaked goroutines, in at most 60 lines.
`gdb -ex heap-triage EXE core` is the one-liner.  The same text as
`heapcore triage`."""

    OPTIONS = ["--json", "--force", "--no-cache"]

    def __init__(self):
        super().__init__("heap-triage", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        flags, force, _ = _parse("heap-triage", arg, {})
        _report("hc_report_triage", flags, force)

    def complete(self, text, word):
        return _complete_options(self.OPTIONS, text, word)


for _cls in (HeapInfo, HeapStats, HeapTypes, HeapRoots, HeapTop, HeapPath, HeapObject,
             HeapPprof, HeapDiff, HeapGoroutines, HeapLeaks, HeapTriage):
    _cls()
