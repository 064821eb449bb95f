"""gdb script (gdb -batch -x layouts_gdb.py EXE): print, as one JSON line
after "LAYOUTS ", the runtime structures heapcore reads, as EXE's DWARF
describes them: each type's size and every member (nested structs
flattened into dotted paths) with offset, size and, for arrays, length;
and the constants.  Used by tools/gen_layouts.py and tests/test_layouts.py."""
import json

import gdb

TYPES = [
    "internal/abi.Type", "internal/abi.PtrType", "internal/abi.SliceType",
    "internal/abi.ArrayType", "internal/abi.ChanType", "internal/abi.MapType",
    "internal/abi.StructType", "internal/abi.StructField", "internal/abi.InterfaceType",
    "internal/abi.ITab", "runtime.itab", "runtime.iface", "runtime.eface",
    "runtime.mheap", "runtime.mspan", "runtime.mcentral", "runtime.heapArena",
    "runtime.mcache", "runtime.stackfreelist", "runtime.g", "runtime.m", "runtime.p",
    "runtime.stack", "runtime.gobuf", "runtime.sudog", "runtime.waitq", "runtime.hchan",
    "runtime.hmap", "runtime.bmap", "runtime.funcval",
    "runtime.moduledata", "runtime.pcHeader", "runtime._func", "runtime.inlinedCall",
    "runtime.stackmap", "runtime.special", "runtime.specialfinalizer",
    "runtime.specialprofile", "runtime.specialCleanup", "runtime.specialWeakHandle",
    "runtime.finalizer", "runtime.finblock", "runtime.cleanupBlock", "runtime.cleanupFn",
    "runtime.cleanupQueue", "runtime.mstats", "runtime.consistentHeapStats",
    "runtime.heapStatsDelta", "runtime.gcControllerState", "runtime.bucket",
    "runtime.memRecord", "runtime.memRecordCycle", "runtime.mProfCycleHolder",
    "sync.Pool", "sync.poolLocal",
]
CONSTANTS = [
    "runtime._PageSize", "runtime._KindSpecialFinalizer", "runtime._KindSpecialProfile",
    "runtime._KindSpecialCleanup", "runtime._KindSpecialWeakHandle", "runtime.fixedStack",
    "runtime.maxProfStackDepth", "runtime.maxStack", "runtime.memProfile",
    "runtime.memoryLimitHeapGoalHeadroomPercent", "runtime.memoryLimitMinHeapGoalHeadroom",
    "internal/abi.FuncIDWrapper", "internal/abi.FuncID_gopanic",
    "internal/abi.FuncID_panicwrap", "internal/abi.FuncID_sigpanic",
]
MAX_DEPTH = 6


def members(t, prefix, base, out, depth):
    for f in t.fields():
        if not f.name or f.name == "_" or f.bitpos is None:
            continue
        path = prefix + f.name
        ft = f.type.strip_typedefs()
        off = base + f.bitpos // 8
        entry = [path, off, ft.sizeof]
        if ft.code == gdb.TYPE_CODE_ARRAY:
            lo, hi = ft.range()
            entry.append(hi - lo + 1)
        out.append(entry)
        if ft.code == gdb.TYPE_CODE_STRUCT and depth < MAX_DEPTH:
            members(ft, path + ".", off, out, depth + 1)


def main():
    out = {"types": {}, "constants": {}}
    for name in TYPES:
        try:
            t = gdb.lookup_type(name).strip_typedefs()
        except gdb.error:
            continue
        fields = []
        members(t, "", 0, fields, 0)
        out["types"][name] = {"size": t.sizeof, "fields": fields}
    for name in CONSTANTS:
        s = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
        if s is not None:
            out["constants"][name] = int(s.value())
    print("LAYOUTS " + json.dumps(out, sort_keys=True))


main()
