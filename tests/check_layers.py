#!/usr/bin/env python3
"""The library's layers include only downwards.

core/src/<layer>/ may include headers of its own layer and of the layers
below it, never above: util -> target -> debuginfo | graph -> go | glibc -> report,
and the public handle (core/src/heapcore.c) on top.  debuginfo and graph
are siblings: the graph is allocator- and format-neutral and includes
neither DWARF nor a backend.  Usage: check_layers.py SOURCE_DIR
"""
import os
import re
import sys

# A layer may include the layers listed for it (and itself).
ALLOWED = {
    "util": set(),
    "target": {"util"},
    "debuginfo": {"util", "target"},
    "graph": {"util"},
    "go": {"util", "target", "debuginfo", "graph"},
    "glibc": {"util", "target", "debuginfo", "graph"},
    "report": {"util", "target", "debuginfo", "graph", "go", "glibc"},
    "": {"util", "target", "debuginfo", "graph", "go", "glibc", "report"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    src = os.path.join(sys.argv[1], "core", "src")
    bad = []
    for dirpath, _, files in os.walk(src):
        layer = os.path.relpath(dirpath, src)
        layer = "" if layer == "." else layer
        if layer not in ALLOWED:
            bad.append("%s: a folder that is not a known layer" % layer)
            continue
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            with open(path) as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                if inc == "heapcore.h":
                    continue
                if "/" not in inc:
                    bad.append("%s: includes %s without its layer folder" % (path, inc))
                    continue
                to = inc.split("/")[0]
                if to != layer and to not in ALLOWED[layer]:
                    bad.append("%s: includes %s, a layer above or beside it" % (path, inc))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
