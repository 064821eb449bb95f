"""The object graph on fixture cores: the reachable set against what
ReadMemStats counted right after a GC, and the retained sizes of heap shapes
built on purpose (fixtures/go/graph/expect.json), checked on every Go
version.  Addresses come from gdb, never from heapcore."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import SANITIZE, run_gdb, fixtures, run, run_json
from test_stats import expected as expected_memstats

GDB_SCRIPT = r"""
import gdb, json
out = {}
def addr(expr):
    return int(gdb.parse_and_eval(expr)) & (2**64 - 1)
if gdb.lookup_global_symbol("main.tree") is not None:
    # The list's nodes in order: the last one is 999 hops below its head.
    node, nodes = gdb.parse_and_eval("'main.list'"), []
    while int(node) != 0 and len(nodes) < 5000:
        nodes.append(int(node))
        node = node.dereference()["next"]
    out["list"] = nodes
    out["tree"] = addr("'main.tree'")
    out["tree_left"] = addr("'main.tree'.left")
    out["tree_left_left"] = addr("'main.tree'.left.left")
    out["shared"] = addr("'main.sharedA'")
    out["items_cap"] = int(gdb.parse_and_eval("'main.items'")["cap"])
    if gdb.lookup_global_symbol("main.boxed") is not None:
        out["boxed"] = addr("'main.boxed'.data")
        out["cfg_item2"] = addr("'main.cfg'.Items[2]")
        out["queue_buf"] = addr("'main.queue'.buf")
    if gdb.lookup_global_symbol("main.onItem") is not None:
        # A func value points to its closure, whose first word is the code
        # of the function: gdb names it.
        def word(a):
            return int.from_bytes(bytes(gdb.selected_inferior().read_memory(a, 8)), "little")
        closure = word(int(gdb.lookup_global_symbol("main.onItem").value().address))
        out["closure"] = closure
        fn = word(closure)
        out["closure_fn"] = gdb.block_for_pc(fn).function.name
        out["current"] = addr("'main.current'.v")
    if gdb.lookup_global_symbol("main.tasks") is not None:
        out["tasks"] = addr("'main.tasks'.data")
    # os.newFile sets a finalizer (a cleanup from Go 1.27 on some paths) on
    # each standard file's *os.file.
    out["std_files"] = [addr("'os.%s'.file" % f) for f in ("Stdin", "Stdout", "Stderr")]
# Objects allocated since their span was last swept (after the last GC):
# slot below freeindex with its allocBits bit clear.
fresh = []
spans = gdb.parse_and_eval("'runtime.mheap_'")["allspans"]
for want in json.loads(gdb.parse_and_eval("$probe").string()):
    for i in range(int(spans["len"])):
        s = spans["array"][i].dereference()
        base = int(s["startAddr"]); size = int(s["elemsize"])
        if int(s["state"]["s"]["value"]) != 1 or not (base <= want < base + int(s["npages"]) * 8192):
            continue
        k = (want - base) // size
        bits = int(s["allocBits"])
        byte = bytes(gdb.selected_inferior().read_memory(bits + k // 8, 1))[0]
        if k < int(s["freeindex"]) and not (byte >> (k % 8)) & 1:
            fresh.append(want)
out["fresh"] = fresh
print("JSON " + json.dumps(out))
"""


def gdb_facts(fx, probe=()):
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(GDB_SCRIPT)
        script.flush()
        p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no",
                            "-ex", "set $probe = \"%s\"" % json.dumps(list(probe)).replace('"', '\\"'),
                            "-x", script.name, fx.exe, fx.core],
                           capture_output=True, text=True, timeout=600)
    lines = [l for l in p.stdout.splitlines() if l.startswith("JSON ")]
    if not lines:
        raise AssertionError("gdb failed: " + p.stderr[-2000:])
    return json.loads(lines[0][5:])


class ReachabilityTest(unittest.TestCase):
    def test_reachable_equals_allocated_after_gc(self):
        for fx in fixtures():
            if fx.program not in ("sizes", "goroutines", "graph", "cgo", "ifaces"):
                continue  # taken right after runtime.GC() (afteralloc allocates later)
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("roots", "--json", "--top", "0", fx.core)
                ms = fx.truth["MemStats"]
                # Every stack unwound and read through its stack maps, the
                # crashing goroutine's too (from its signal frame).
                self.assertEqual([r["root"] for r in doc["roots"] if r["conservative"]], [])
                reach, unreach = doc["reachable"], doc["unreachable"]
                self.assertEqual(reach["objects"] + unreach["objects"], ms["HeapObjects"])
                self.assertEqual(reach["bytes"] + unreach["bytes"], ms["HeapAlloc"])
                # Any exception must be an object allocated after that GC.
                self.assertLessEqual(unreach["objects"], len(unreach["first"]))
                if unreach["objects"]:
                    addrs = [o["address"] for o in unreach["first"]]
                    fresh = gdb_facts(fx, addrs)["fresh"]
                    self.assertEqual(sorted(fresh), sorted(addrs),
                                     "unreachable objects not allocated after the GC: %s"
                                     % [hex(a) for a in addrs if a not in fresh])


    def test_every_fixture_analyses(self):
        # Every core, also those taken mid-GC or after later allocations:
        # the graph holds every allocated object once, and its types and
        # roots account for all of them.
        for fx in fixtures():
            with self.subTest(fixture=repr(fx)):
                roots, _ = run_json("roots", "--json", fx.core)
                types, _ = run_json("types", "--json", "--top", "0", fx.core)
                stats, _ = run_json("stats", "--json", fx.core)
                n = roots["graph"]["objects"]
                self.assertEqual(n, stats["MemStats"]["HeapObjects"])
                self.assertEqual(roots["reachable"]["objects"] + roots["unreachable"]["objects"], n)
                self.assertEqual(sum(t["count"] for t in types["types"]), n)
                self.assertEqual(types["heap_bytes"], stats["MemStats"]["HeapAlloc"])
                if fx.truth["exact_memstats"]:
                    # ReadMemStats' own counts, as test_stats derives them.
                    want = expected_memstats(fx)
                    self.assertEqual(n, want["HeapObjects"])
                    self.assertEqual(types["heap_bytes"], want["HeapAlloc"])
                # The dominator tree: its top level holds every reachable
                # byte once, and each object retains itself and what its
                # children retain.
                top, _ = run_json("top", "--json", "--depth", "2", "--top", "0", fx.core)
                self.assertEqual(sum(o["retained"] for o in top["objects"]),
                                 roots["reachable"]["bytes"])
                names = {t["type"] for t in types["types"]}
                for o in top["objects"]:
                    self.assertEqual(o["retained"],
                                     o["size"] + sum(c["retained"] for c in o["dominated"]), o)
                    self.assertIn(o["type"], names)


class ShapesTest(unittest.TestCase):
    def test_constructed_answers(self):
        for fx in fixtures("graph"):
            with self.subTest(fixture=repr(fx)):
                self.check(fx)

    def check(self, fx):
        exp = fx.truth["expect"]
        facts = gdb_facts(fx)
        roots = {r["root"]: r for r in run_json("roots", "--json", "--top", "0", fx.core)[0]["roots"]}

        # A singly linked list: its root retains exactly N nodes.
        lst = exp["list"]
        self.assertEqual(roots[lst["global"]]["retained"], lst["nodes"] * lst["node_size"])
        self.assertEqual(roots[lst["global"]]["objects"], lst["nodes"])
        self.assertEqual(len(facts["list"]), lst["nodes"])
        # The path to the last node names the list's global and has one hop per node.
        path = run_json("path", "--json", hex(facts["list"][-1]), fx.core)[0]["path"]
        self.assertEqual(path[0]["root"], lst["global"])
        self.assertEqual(len(path) - 1, lst["nodes"])
        self.assertEqual([h["address"] for h in path[1:]], facts["list"])
        # Interior addresses find the same object.
        inner = run_json("path", "--json", hex(facts["list"][-1] + 17), fx.core)[0]["path"]
        self.assertEqual(len(inner), len(path))
        # Each hop names the field it goes through: the global is a
        # pointer (no field), then every node's .next.
        self.assertIsNone(path[1]["field"])
        self.assertEqual({h["field"] for h in path[2:]}, {".next"})

        # A binary tree: every subtree retains its nodes.
        tree = exp["tree"]
        size = tree["node_size"]
        self.assertEqual(roots[tree["global"]]["retained"], (2 ** tree["depth"] - 1) * size)
        for key, depth in (("tree", tree["depth"]), ("tree_left", tree["depth"] - 1),
                           ("tree_left_left", tree["depth"] - 2)):
            obj = run_json("object", "--json", hex(facts[key]), fx.core)[0]
            self.assertEqual(obj["retained"], (2 ** depth - 1) * size, key)

        # An object reachable from two globals: neither retains it.
        for name in exp["shared"]["globals"]:
            self.assertEqual(roots[name]["retained"], 0, name)
        obj = run_json("object", "--json", hex(facts["shared"]), fx.core)[0]
        self.assertEqual(obj["retained"], exp["shared"]["size"])
        self.assertEqual(sorted(r.get("root") for r in obj["referrers"]),
                         sorted(exp["shared"]["globals"]))

        # A map under a global retains every entry and its blob.
        m = exp["map"]
        self.assertGreaterEqual(roots[m["global"]]["retained"],
                                m["entries"] * (m["entry_size"] + m["blob_size"]))
        self.assertGreaterEqual(roots[m["global"]]["objects"], 2 * m["entries"] + 1)
        # The path to an entry's blob goes through a map slot and .Blob:
        # "(group g, slot s).elem" of a swiss map (Go 1.24+), "(bucket b,
        # slot s).elem" of the older hash map, each in range.
        top = run_json("top", "--json", "--depth", "6", "--top", "1", fx.core)[0]["objects"][0]
        self.assertEqual(top["retained"], roots[m["global"]]["retained"])
        self.assertEqual(top["root"], m["global"])  # top names the root that holds it
        blob = top
        while blob.get("dominated"):
            blob = blob["dominated"][0]
        path = run_json("path", "--json", hex(blob["address"]), fx.core)[0]["path"]
        self.assertEqual(path[0]["root"], m["global"])
        self.assertEqual(path[-1]["field"], ".Blob")
        self.assertEqual(path[-1]["size"], m["blob_size"])
        self.assertRegex(path[-2]["field"], r"^\((group|bucket) \d+, slot [0-7]\)\.elem$")
        self.assertEqual(path[-2]["type"], "main.Entry")
        blob_holder = path[-2]["address"]

        # A slice of pointers: the backing array and every item.
        s = exp["slice"]
        self.assertEqual(roots[s["global"]]["objects"], s["items"] + 1)
        self.assertGreaterEqual(roots[s["global"]]["retained"],
                                s["items"] * s["item_size"] + facts["items_cap"] * 8)

        # A pointer array of more than 128 pointer words (a lazily built mask in 1.27).
        b = exp["big_array"]
        self.assertEqual(roots[b["global"]]["objects"], b["pointers"] + 1)
        self.assertGreaterEqual(roots[b["global"]]["retained"],
                                b["pointers"] * b["item_size"] + b["pointers"] * 8)

        # A global struct's pointers are roots named by field path.
        fr = exp["field_roots"]
        for i in range(fr["pointers"]):
            r = roots["%s.%s[%d]" % (fr["global"], fr["field"], i)]
            self.assertEqual((r["retained"], r["objects"]), (fr["item_size"], 1))

        # An object held only through an interface gets the interface's
        # dynamic type, and its root retains it and what it points to.
        itf = exp["interface"]
        self.assertEqual(roots[itf["global"]]["retained"], itf["size"] + itf["items"] * itf["item_size"])
        obj = run_json("object", "--json", hex(facts["boxed"]), fx.core)[0]
        self.assertEqual((obj["type"], obj["size"]), (itf["type"], itf["size"]))

        # object lists an object's fields with their values, from DWARF:
        # cfg.Items[2] is &Item{v: 102}.
        item = run_json("object", "--json", hex(facts["cfg_item2"]), fx.core)[0]
        fields = {f["field"]: f for f in item["fields"]}
        self.assertEqual(fields[".v"]["value"], 102)
        self.assertEqual(fields[".v"]["type"], "int64")
        self.assertEqual(fields[".p"]["value"], "nil")
        # A map entry: its int ID and its blob slice.
        entry = run_json("object", "--json", hex(blob_holder), fx.core)[0]
        fields = {f["field"]: f for f in entry["fields"]}
        self.assertEqual(entry["type"], "main.Entry")
        self.assertIsInstance(fields[".ID"]["value"], int)
        self.assertRegex(fields[".Blob"]["value"], r"^\{0x[0-9a-f]+, len %d, cap %d\}$"
                         % (m["blob_size"], m["blob_size"]))

        # A buffered channel's buffer is typed from the channel's element
        # type; the channel's root retains the hchan, the buffer and the items.
        ch = exp["channel"]
        self.assertEqual(roots[ch["global"]]["objects"], 2 + ch["items"])
        buf = run_json("object", "--json", hex(facts["queue_buf"]), fx.core)[0]
        self.assertEqual((buf["type"], buf["size"]), ("[]" + ch["elem"], ch["capacity"] * 8))
        self.assertEqual(len(buf["pointers"]), ch["items"])

        # The standard files' finalizers (or cleanups) are roots of their own,
        # found through their spans' specials; each *os.file is also held by
        # its global, so they retain nothing alone.
        special = {r["root"] for r in roots.values() if r["kind"] == "other"}
        for f in facts["std_files"]:
            self.assertTrue({"finalizer of %#x" % f, "cleanup of %#x" % f} & special,
                            (hex(f), special))

        # Data held only by a goroutine's stack local.
        held = [r for name, r in roots.items()
                if r["kind"] == "goroutine" and r["retained"] >= exp["stack_only"]["size"]]
        self.assertEqual(len(held), 1, roots)
        self.assertIn("chan receive", held[0]["root"])
        # Found precisely: the stack was unwound with the pclntab and the
        # holder's frame read through its stack map, the slot named from
        # DWARF's location list for the local.
        self.assertIn("main.holder frame, local buf", held[0]["root"])
        self.assertFalse(held[0]["conservative"])
        self.assertEqual((held[0]["function"], held[0]["slot"]), ("main.holder", "local buf"))
        self.assertIsInstance(held[0]["goroutine"], int)

        # A func value's closure is named by its function; an
        # atomic.Pointer[T]'s target is a T; the Items stored in a sync.Map
        # (a HashTrieMap from Go 1.24 on: entries and indirect nodes) are
        # typed through it, and its root retains them.
        cl = exp["closure"]
        self.assertEqual(facts["closure_fn"], cl["function"])
        obj = run_json("object", "--json", hex(facts["closure"]), fx.core)[0]
        self.assertEqual((obj["type"], obj["size"]), ("closure " + cl["function"], cl["size"]))
        self.assertEqual(roots[cl["global"]]["retained"], cl["size"])
        obj = run_json("object", "--json", hex(facts["current"]), fx.core)[0]
        self.assertEqual(obj["type"], exp["atomic_pointer"]["type"])
        sm = exp["sync_map"]
        # Its roots are its pointer fields: m.root.v (HashTrieMap), or
        # read.v and dirty (Go 1.22 and 1.23).
        held = sum(r["retained"] for name, r in roots.items() if name.startswith(sm["global"] + "."))
        self.assertGreaterEqual(held, sm["items"] * sm["item_size"])
        types = {t["type"]: t for t in run_json("types", "--json", "--top", "0", fx.core)[0]["types"]}
        total = exp["items_total"]
        self.assertEqual(types[total["type"]]["count"], total["count"])
        if fx.truth["go_version"] >= "go1.24":
            self.assertGreaterEqual(types["internal/sync.entry[interface {},interface {}]"]["count"],
                                    sm["items"])
        # A type of a package with a path behind an interface: its runtime
        # descriptor says list.List; it is named, and its fields followed,
        # as DWARF's container/list.List.
        pp = exp["path_package"]
        obj = run_json("object", "--json", hex(facts["tasks"]), fx.core)[0]
        self.assertEqual(obj["type"], pp["type"])
        self.assertEqual(types[pp["element_type"]]["count"], pp["elements"])
        self.assertNotIn("list.List", types)


class CgoTest(unittest.TestCase):
    """A program that calls C: linked by the system linker, whose symbol
    table puts zero-size section markers (runtime.bss) at variables'
    addresses, with a goroutine inside a C call."""

    MARKERS = ("runtime.bss", "runtime.ebss", "runtime.noptrbss", "runtime.enoptrbss",
               "runtime.data", "runtime.edata", "runtime.noptrdata", "runtime.enoptrdata")

    def test_cgo_program(self):
        for fx in fixtures("cgo"):
            with self.subTest(fixture=repr(fx)):
                exp = fx.truth["expect"]
                doc, _ = run_json("roots", "--json", "--top", "0", fx.core)
                roots = {r["root"]: r for r in doc["roots"]}
                # Globals are named by their variables, never by a marker.
                self.assertEqual([n for n in roots if any(n == m or n.startswith((m + ".", m + "["))
                                                          for m in self.MARKERS)], [])
                lst = exp["list"]
                self.assertEqual((roots[lst["global"]]["retained"], roots[lst["global"]]["objects"]),
                                 (lst["nodes"] * lst["node_size"], lst["nodes"]))
                # The goroutine in C: unwound from where it entered the
                # cgo call, its local read through the stack map.
                c = exp["in_c"]
                held = [r for r in doc["roots"] if r["kind"] == "goroutine"
                        and r.get("function") == c["function"] and r.get("slot") == c["slot"]]
                self.assertEqual(len(held), 1, [r["root"] for r in doc["roots"]])
                self.assertIn("(syscall)", held[0]["root"])
                self.assertFalse(held[0]["conservative"])
                self.assertEqual((held[0]["retained"], held[0]["objects"]),
                                 (c["array_size"] + c["items"] * c["item_size"], c["items"] + 1))
                types = {t["type"]: t for t in run_json("types", "--json", "--top", "0", fx.core)[0]["types"]}
                self.assertEqual(types["main.Node"]["count"], lst["nodes"] + c["items"])


class TypedTest(unittest.TestCase):
    def test_most_bytes_carry_a_type(self):
        # Every fixture: 95% of the reachable bytes.  Every fixture but
        # gcrunning: 95% of all heap bytes; gcrunning crashes mid-GC with most
        # of its heap unreachable garbage (dropped list nodes and byte slices)
        # that no typed pointer reaches and the runtime records no type for.
        for fx in fixtures():
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("types", "--json", "--top", "0", fx.core)
                self.assertGreaterEqual(doc["typed_reachable_bytes"] / doc["reachable_bytes"], 0.95)
                # Every untyped reachable byte is accounted for by a reason.
                self.assertEqual(sum(w["bytes"] for w in doc["untyped_reachable"]),
                                 doc["reachable_bytes"] - doc["typed_reachable_bytes"])
                # The text says how much of the heap is garbage, and how
                # much of that is typed.
                _, text, _ = run("types", fx.core)
                garbage = doc["heap_bytes"] - doc["reachable_bytes"]
                if garbage:
                    typed_garbage = doc["typed_bytes"] - doc["typed_reachable_bytes"]
                    self.assertRegex(text, r"\nunreachable: [0-9.]+ [KMG]?i?B, %.1f%% of heap bytes "
                                     r"\(garbage the next GC would free\); %s of it typed\n"
                                     % (100 * garbage / doc["heap_bytes"],
                                        "0 B" if not typed_garbage else r"[0-9.]+ [KMG]?i?B"))
                else:
                    self.assertNotIn("\nunreachable:", text)
                if fx.program == "gcrunning":
                    self.assertGreater(garbage / doc["heap_bytes"], 0.5)
                    continue
                if fx.program == "pprof":
                    # It writes its heap profile after its last GC: the
                    # writer's buffers and gzip state are garbage that
                    # nothing typed points to.
                    continue
                if fx.program == "panics":
                    # A panic prints its value and unwinds on a heap of a
                    # few KiB: what that leaves is garbage nothing typed
                    # points to.  What is live must be typed.
                    self.assertGreaterEqual(
                        doc["typed_reachable_bytes"] / doc["reachable_bytes"], 0.95)
                    continue
                self.assertGreaterEqual(doc["typed_bytes"] / doc["heap_bytes"], 0.95)
                names = {t["type"] for t in doc["types"]}
                if fx.program == "graph":
                    for want in ("main.ListNode", "main.TreeNode", "main.Entry",
                                 "main.Item", "[]uint8", "[]*main.Item"):
                        self.assertIn(want, names)


    def test_objects_only_interfaces_reach(self):
        # fixtures/go/ifaces: objects behind an itab (a []Shape, a heap
        # struct's []Shape holding values, a map's and a channel's Shape
        # elements) and behind an empty interface, counted exactly under
        # their names.  Go 1.22 and 1.23 emit no DWARF for a type only an
        # itab reaches: its runtime type descriptor lays it out.
        for fx in fixtures("ifaces"):
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("types", "--json", "--top", "0", fx.core)
                counts = {t["type"]: t["count"] for t in doc["types"]}
                for name, n in fx.truth["expect"]["counts"].items():
                    self.assertEqual(counts.get(name), n, name)


class CommandsTest(unittest.TestCase):
    def test_types_json_shape(self):
        fx = fixtures("graph")[0]
        doc, _ = run_json("types", "--json", "--top", "0", fx.core)
        self.assertTrue(doc["types"])
        for t in doc["types"]:
            self.assertEqual(set(t) >= {"type", "count", "bytes", "retained"}, True)
        self.assertEqual(sum(t["bytes"] for t in doc["types"]), doc["heap_bytes"])
        self.assertEqual(doc["heap_bytes"], fx.truth["MemStats"]["HeapAlloc"])
        self.assertTrue(all("size_class" in u for u in doc["untyped"]))

    def test_top_unfolds(self):
        fx = fixtures("graph")[0]
        doc, _ = run_json("top", "--json", "--depth", "2", "--top", "3", fx.core)
        self.assertLessEqual(len(doc["objects"]), 3)
        first = doc["objects"][0]
        self.assertEqual(set(first) >= {"address", "type", "size", "retained"}, True)
        self.assertIn("dominated", first)
        rets = [o["retained"] for o in doc["objects"]]
        self.assertEqual(rets, sorted(rets, reverse=True))

    def test_bad_addresses(self):
        fx = fixtures("graph")[0]
        code, out, err = run("path", "0x10", fx.core, check=False)
        self.assertEqual(code, 2)
        self.assertIn("is not inside an allocated heap object", err)
        code, out, err = run("object", "zzz", fx.core, check=False)
        self.assertEqual(code, 1)




class ProgressTest(unittest.TestCase):
    """Progress goes to stderr on a terminal (after a second of work) and
    nowhere else; HEAPCORE_PROGRESS=always shows it wherever stderr goes, and
    the report itself is unchanged."""

    def test_progress_only_when_asked_or_on_a_terminal(self):
        fx = fixtures("graph")[0]
        _, quiet_out, quiet_err = run("roots", fx.core)
        self.assertNotIn("heapcore:", quiet_err)  # stderr is a pipe here
        _, out, err = run("roots", fx.core, env={"HEAPCORE_PROGRESS": "always"})
        self.assertEqual(out, quiet_out)
        for phase in ("numbering objects", "scanning objects", "dominators", "type totals"):
            # (text mode reads the carriage return as a newline)
            self.assertRegex(err, "\n\x1b\\[Kheapcore: %s +[0-9]+%%" % phase)
        self.assertTrue(err.endswith("\n\x1b[K"), repr(err[-20:]))
        _, _, err = run("roots", fx.core, env={"HEAPCORE_PROGRESS": "never"})
        self.assertNotIn("heapcore:", err)

    def test_trace_logs_every_phase(self):
        fx = fixtures("graph")[0]
        _, _, err = run("types", fx.core, env={"HEAPCORE_TRACE": "1"})
        for phase in ("numbering objects", "scanning objects", "dominators", "type totals", "total"):
            self.assertRegex(err, r"heapcore: trace: %s +[0-9.]+ s  anon +[0-9.]+ MiB" % phase)

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_gdb_shows_the_same_progress(self):
        fx = fixtures("graph")[0]
        _, want, _ = run("top", fx.core)
        outs, err = run_gdb(["-c", fx.core], ["heap-top"], env={"HEAPCORE_PROGRESS": "always"})
        self.assertEqual(outs[0], want)
        self.assertRegex(err, "\n\x1b\\[Kheapcore: dominators +[0-9]+%")
        self.assertTrue(err.endswith("\n\x1b[K"), repr(err[-20:]))


def core_offset(core, vaddr):
    """The file offset of virtual address @p vaddr in an ELF core's PT_LOADs."""
    import struct
    with open(core, "rb") as f:
        ehdr = f.read(64)
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(phoff)
        for _ in range(phnum):
            p_type, _, off, va, _, filesz, _, _ = struct.unpack("<IIQQQQQQ", f.read(phentsize)[:56])
            if p_type == 1 and va <= vaddr < va + filesz:
                return off + vaddr - va
    return None


class LazyMaskTest(unittest.TestCase):
    """Go 1.27 builds a large type's pointer mask on first use (GCData points
    to a slot the runtime fills).  A core taken before that has an empty slot:
    heapcore then takes the mask from the type's DWARF layout, with the same
    answers and no conservative scanning."""

    def test_unbuilt_mask_from_dwarf(self):
        cases = [fx for fx in fixtures("graph") if fx.toolchain.startswith("go1.27")]
        self.assertTrue(cases)
        for fx in cases:
            with self.subTest(fixture=repr(fx)):
                p = subprocess.run(
                    ["gdb", "-nx", "-batch", "-iex", "set auto-load no", "-ex", "set language c",
                     "-ex", "set $a = *(unsigned long*)&'main.bigArr'",
                     "-ex", "set $t = *(unsigned long*)($a - 8)",
                     "-ex", 'printf "TFLAG %d SLOT %lu\\n", *(unsigned char*)($t+20), '
                            '*(unsigned long*)($t+32)', fx.exe, fx.core],
                    capture_output=True, text=True, timeout=120)
                line = [l for l in p.stdout.splitlines() if l.startswith("TFLAG")][0].split()
                tflag, slot = int(line[1]), int(line[3])
                self.assertTrue(tflag & 16, "[200]*main.Item's mask is not built on demand")
                off = core_offset(fx.core, slot)
                self.assertIsNotNone(off)
                want, _ = run_json("roots", "--json", "--top", "0", fx.core)
                with tempfile.TemporaryDirectory() as tmp:
                    core = os.path.join(tmp, "core")
                    shutil.copyfile(fx.core, core)
                    with open(core, "r+b") as f:
                        f.seek(off)
                        f.write(b"\0" * 8)  # the mask not built yet
                    got, _ = run_json("roots", "--json", "--top", "0", core, fx.exe)
                self.assertEqual(got["roots"], want["roots"])
                self.assertEqual(got["reachable"], want["reachable"])
                self.assertFalse([w for w in got.get("warnings", []) if "conservatively" in w],
                                 got.get("warnings"))


class ThreadsTest(unittest.TestCase):
    """The parallel scan and the typing thread change nothing: every graph
    report is the same with one thread and with several (HEAPCORE_THREADS
    forces the split even on a small heap)."""

    def test_same_answers_on_any_number_of_threads(self):
        for fx in fixtures("graph") + fixtures("gcrunning")[:1]:
            with self.subTest(fixture=repr(fx)):
                for cmd in (["roots", "--json", "--top", "0"], ["types", "--json", "--top", "0"],
                            ["top", "--json", "--depth", "4"]):
                    _, one, _ = run(*cmd, fx.core, env={"HEAPCORE_THREADS": "1"})
                    _, three, _ = run(*cmd, fx.core, env={"HEAPCORE_THREADS": "3"})
                    self.assertEqual(one, three, cmd)


class ConservativeWarningTest(unittest.TestCase):
    """The warning about conservative scanning names the types it is about,
    the biggest first, with their objects and bytes.  The pprof fixture's
    program writes its heap profile through gzip: on Go 1.24 and 1.26 the
    one compress/flate.Writer (a type with a GC program, too big for a mask)
    is such a type."""

    def test_names_types(self):
        cases = [fx for fx in fixtures("pprof")
                 if fx.dirname in ("go1.24", "go1.26")]
        self.assertTrue(cases)
        for fx in cases:
            with self.subTest(fixture=repr(fx)):
                _, out, _ = run("roots", "--top", "1", fx.core)
                lines = [l for l in out.splitlines() if "scanned conservatively" in l]
                self.assertEqual(len(lines), 1, out)
                self.assertRegex(lines[0], r"scanned conservatively: \S+ \(\d+ objects?, "
                                 r"[\d.]+ [KMG]?i?B\)(, \S+ \(\d+ objects?, [\d.]+ [KMG]?i?B\))*"
                                 r"( and \d+ more)?$")
                self.assertIn("compress/flate.Writer (1 object, ", lines[0])


if __name__ == "__main__":
    unittest.main()
