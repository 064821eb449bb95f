"""Run inside gdb (gdb -batch -x locate_runtime.py EXE CORE) to find where a
Go core keeps the runtime structures the hostile-core tests overwrite.  gdb
reads them through the executable's DWARF, so the addresses come from outside
heapcore.  Prints one JSON object on a line starting with "@@LOCATE ".

Only fields common to Go 1.22-1.27 are read."""
import json

import gdb

gdb.execute("set language c")


def addr(expr):
    return int(gdb.parse_and_eval("(unsigned long)&(%s)" % expr))


def val(expr):
    return int(gdb.parse_and_eval("(unsigned long)(%s)" % expr))


out = {"spans": [], "goroutines": []}
out["allglen"] = addr("'runtime.allglen'")
out["allgs_len"] = addr("'runtime.allgs'.len")
nspans = val("'runtime.mheap_'.allspans.len")
base = "'runtime.mheap_'.allspans.array"
for i in range(min(nspans, 4096)):
    s = "(*%s[%d])" % (base, i)
    if val("%s[%d]" % (base, i)) == 0:
        continue
    out["spans"].append({
        "addr": val("%s[%d]" % (base, i)),
        "state": val(s + ".state.s.value"),
        "npages": val(s + ".npages"),
        "npages_at": addr(s + ".npages"),
        "nelems": val(s + ".nelems"),
        "elemsize": val(s + ".elemsize"),
        "spanclass": val(s + ".spanclass"),
        "specials": val(s + ".specials"),
        "specials_at": addr(s + ".specials"),
        "largetype_at": addr(s + ".largeType"),
        "largetype": val(s + ".largeType"),
        "start": val(s + ".startAddr"),
    })
nallg = val("'runtime.allglen'")
for i in range(min(nallg, 100000)):
    g = "(*'runtime.allgs'.array[%d])" % i
    out["goroutines"].append({
        "goid": val(g + ".goid"),
        "status": val(g + ".atomicstatus.value"),
        "sp_at": addr(g + ".sched.sp"),
        "sp": val(g + ".sched.sp"),
        "lo": val(g + ".stack.lo"),
        "hi": val(g + ".stack.hi"),
    })
print("@@LOCATE " + json.dumps(out))
