"""Parse what the Go runtime printed on stderr when it crashed under
GOTRACEBACK=crash: the first lines (the panic or the signal), and every
goroutine's header, frames and "created by" (runtime/traceback.go)."""
import re

HEADER = re.compile(r"^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[(.*)\]:$")
LOCATION = re.compile(r"^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$")
CREATED = re.compile(r"^created by (\S+)(?: in goroutine (\d+))?$")


def status_of(bracket):
    """The status without ", N minutes", ", locked to thread", " (scan)"."""
    s = re.sub(r", \d+ minutes", "", bracket)
    s = s.replace(", locked to thread", "").replace(" (scan)", "").replace(" (leaked)", "")
    return s


def leaked(text):
    """The goroutines the runtime itself marked leaked (Go 1.26's
    goroutineleakprofile experiment): "(leaked)" in their header."""
    out = set()
    for line in text.splitlines():
        m = HEADER.match(line)
        if m and " (leaked)" in m.group(2):
            out.add(int(m.group(1)))
    return out


def leak_profile_total(text):
    """The count of the runtime's goroutine leak profile printed on stderr, or None."""
    m = re.search(r"^goroutineleak profile: total (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def parse(text):
    """{goid: {"status", "bracket", "frames": [(func, file, line)] or None,
    "created_by": (func, file, line, parent) or None}}: each goroutine as
    first printed (a later SIGQUIT dump of another M repeats some)."""
    out = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = HEADER.match(lines[i])
        i += 1
        if not m:
            continue
        goid, bracket = int(m.group(1)), m.group(2)
        g = {"status": status_of(bracket), "bracket": bracket, "frames": [], "created_by": None,
             "elided": 0}
        while i < len(lines) and lines[i].strip():
            line = lines[i]
            e = re.match(r"^\.\.\.(\d+) frames elided\.\.\.$", line)
            if e:
                g["elided"] = int(e.group(1))
                i += 1
                continue
            if "stack unavailable" in line:
                g["frames"] = None
                i += 1
                continue
            c = CREATED.match(line)
            if c and i + 1 < len(lines):
                loc = LOCATION.match(lines[i + 1])
                g["created_by"] = (c.group(1), loc.group(1), int(loc.group(2)),
                                   int(c.group(2)) if c.group(2) else 0)
                i += 2
                continue
            if i + 1 < len(lines) and LOCATION.match(lines[i + 1]) and not line.startswith("\t"):
                loc = LOCATION.match(lines[i + 1])
                name = line[:line.rfind("(")] if line.endswith(")") else line
                if g["frames"] is not None:
                    g["frames"].append((name, loc.group(1), int(loc.group(2))))
                i += 2
                continue
            i += 1
        if goid != 0 and goid not in out:
            out[goid] = g
    return out


def first_lines(text):
    """What the runtime printed before the first goroutine: the panic and
    signal lines, or the fatal signal's (after anything the program
    printed itself)."""
    out = []
    started = False
    for line in text.splitlines():
        if HEADER.match(line):
            break
        started = started or re.match(r"^(panic: |fatal error: |SIG[A-Z]+: |Signal \d+$)", line)
        if started:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out
