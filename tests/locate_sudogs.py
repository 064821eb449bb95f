"""Run inside gdb (gdb -batch -x locate_sudogs.py EXE CORE) to find the
sudog lists of a Go core's blocked goroutines (g.waiting, linked by
waitlink) and the receive queue of the channel main.globalCh (recvq.first,
linked by next), for the hostile-core tests to make them cyclic.  gdb reads
them through the executable's DWARF, so the addresses come from outside
heapcore.  Prints one JSON object on a line starting with "@@SUDOGS "."""
import json

import gdb

gdb.execute("set language c")


def addr(expr):
    return int(gdb.parse_and_eval("(unsigned long)&(%s)" % expr))


def val(expr):
    return int(gdb.parse_and_eval("(unsigned long)(%s)" % expr))


def sudog(a):
    return "(*('runtime.sudog'*)%d)" % a


out = {"goroutines": [], "recvq": []}
for i in range(min(val("'runtime.allglen'"), 100000)):
    g = "(*'runtime.allgs'.array[%d])" % i
    # Waiting (4), or leaked as the runtime's own detector found it (Go 1.26+).
    sudogs = []
    s = val(g + ".waiting")
    if not s:
        continue
    while s and len(sudogs) < 16:
        sudogs.append({"addr": s, "waitlink_at": addr(sudog(s) + ".waitlink")})
        s = val(sudog(s) + ".waitlink")
    out["goroutines"].append({"goid": val(g + ".goid"), "sudogs": sudogs})
s = val("'main.globalCh'->recvq.first")
while s and len(out["recvq"]) < 64:
    out["recvq"].append({"addr": s, "next_at": addr(sudog(s) + ".next"),
                         "goid": val(sudog(s) + ".g->goid")})
    s = val(sudog(s) + ".next")
print("@@SUDOGS " + json.dumps(out))
