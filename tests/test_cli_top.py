"""heapcore top unfolds the dominator tree as deep as the library allows
(HC_TOP_DEPTH_MAX, in heapcore.h), without a C stack frame per level: the
graph fixture's linked list of 1000 nodes is a dominator chain 1000 levels
deep, followed here to its last node, node by node against the addresses
gdb reads, also on a stack far smaller than one frame per level needs.
A depth out of range is the library's error, the same in every front end
(test_gdb compares gdb's)."""
import json
import os
import re
import resource
import subprocess
import sys
import unittest

from heapcore_test import HEAPCORE, SOURCE, fixtures, run
from test_graph import gdb_facts


def depth_max():
    with open(os.path.join(SOURCE, "core", "include", "heapcore.h")) as f:
        return int(re.search(r"#define HC_TOP_DEPTH_MAX (\d+)u?\n", f.read()).group(1))


def chain_fixtures():
    """A Green Tea core and one of the oldest Go (no Green Tea)."""
    fxs = fixtures("graph")
    return [fxs[0]] + [fx for fx in fxs if fx.dirname == "go1.27"]


class DeepChainTest(unittest.TestCase):
    def test_json_follows_the_list_to_its_last_node(self):
        # The JSON nests two levels per tree level (object, "dominated").
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 10 * depth_max()))
        try:
            for fx in chain_fixtures():
                with self.subTest(fixture=repr(fx)):
                    lst = fx.truth["expect"]["list"]
                    self.assertEqual(lst["nodes"], depth_max())
                    nodes = gdb_facts(fx)["list"]
                    self.assertEqual(len(nodes), lst["nodes"])
                    _, out, _ = run("top", "--json", "--top", "0", "--depth",
                                    str(depth_max()), fx.core, fx.exe)
                    doc = json.loads(out)
                    heads = [o for o in doc["objects"] if o["address"] == nodes[0]]
                    self.assertEqual(len(heads), 1)
                    self.assertEqual(heads[0]["root"], lst["global"])
                    seen, o = [], heads[0]
                    while True:
                        seen.append(o["address"])
                        # Node i keeps alive itself and every node after it.
                        self.assertEqual(o["retained"],
                                         (lst["nodes"] - len(seen) + 1) * lst["node_size"])
                        if "dominated" not in o:
                            break
                        self.assertEqual(len(o["dominated"]), 1 if len(seen) < len(nodes) else 0)
                        if not o["dominated"]:
                            break
                        o = o["dominated"][0]
                    self.assertEqual(seen, nodes)
        finally:
            sys.setrecursionlimit(limit)

    def test_small_stack(self):
        # 64 KiB of stack, on one thread: the whole run needs about 20 KiB
        # (x86-64, gcc -O2), printing 1000 levels by recursion needed more
        # than 128 KiB.
        def small_stack():
            resource.setrlimit(resource.RLIMIT_STACK, (64 << 10, resource.RLIM_INFINITY))
        fx = chain_fixtures()[-1]
        nodes = gdb_facts(fx)["list"]
        p = subprocess.run([HEAPCORE, "top", "--top", "0", "--depth", str(depth_max()),
                            fx.core, fx.exe], capture_output=True, text=True, timeout=300,
                           preexec_fn=small_stack, env=dict(os.environ, HEAPCORE_THREADS="1"))
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        # Every node, each one level (two spaces) deeper than the one before.
        indent = {}
        for line in p.stdout.splitlines():
            m = re.match(r".{25}( *)0x([0-9a-f]+) ", line)  # retained, size, then the indent
            if m:
                indent[int(m.group(2), 16)] = len(m.group(1))
        self.assertEqual([indent.get(a) for a in nodes], [2 * i for i in range(len(nodes))])

    def test_depth_out_of_range(self):
        fx = fixtures("graph")[0]
        n = depth_max()
        for depth, shown in ((n + 1, n + 1), (0, 0), (1 << 40, (1 << 32) - 1)):
            with self.subTest(depth=depth):
                code, out, err = run("top", "--depth", str(depth), fx.core, check=False)
                self.assertEqual(code, 1, err)
                self.assertEqual(out, "")
                self.assertEqual(err, "heapcore: error: depth %d is out of range: 1 to %d "
                                 "levels\n" % (shown, n))
        code, out, err = run("top", "--depth", "-1", fx.core, check=False)
        self.assertEqual(code, 1)
        self.assertIn("--depth needs a valid value", err)


if __name__ == "__main__":
    unittest.main()
