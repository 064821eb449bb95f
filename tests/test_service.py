"""heapcore on an ordinary service (fixtures/go/service), as a new user runs
it: three cores per Go version, each checked for exact MemStats, the same
answers on every run, in gdb and on any number of threads, named roots and
typed bytes.  Truth comes from outside heapcore: the program's own
ReadMemStats, the counts its constants fix (expect.json), and addresses gdb
reads from the core."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from heapcore_test import SANITIZE, fixtures, run, run_gdb, run_json
from test_stats import ARRAYS, SCALARS, differences, expected

# A root named by nothing but its address.
BARE = re.compile(r"^(data|bss|noptrdata|noptrbss) word 0x")

GRAPH_COMMANDS = (["roots", "--json", "--top", "0"], ["types", "--json", "--top", "0"],
                  ["top", "--json", "--depth", "4", "--top", "0"])


def cores():
    return fixtures("service")


def types_of(fx):
    doc, _ = run_json("types", "--json", "--top", "0", fx.core)
    return doc, {t["type"]: t for t in doc["types"]}


# Addresses read by gdb alone.  Before Go 1.24 a map is a hash<K,V> whose
# buckets gdb can walk: an Order in main.byCustomer and the one bucket of
# a Session's Tags map (under 8 entries).
GDB_SCRIPT = r"""
import gdb, json
out = {}
def addr(expr):
    return int(gdb.parse_and_eval(expr)) & (2**64 - 1)
out["orders"] = addr("'main.orders'")
out["pool_local"] = addr("'main.bufPool'.local")
out["pool_victim"] = addr("'main.bufPool'.victim")
out["waiter"] = addr("'main.waiters'.array[0]")
out["waiter_buf"] = addr("'main.waiters'.array[0].buf")
def first_value(m):
    # The first value of a hash<K,V> (Go 1.22, 1.23).
    b = m["buckets"]
    for i in range(1 << int(m["B"])):
        bucket = b[i]
        for s in range(8):
            if int(bucket["tophash"][s]) > 5:  # minTopHash: a used slot
                return bucket["values"][s]
    return None
m = gdb.parse_and_eval("'main.byCustomer'")
if "buckets" in [f.name for f in m.dereference().type.fields()]:
    order = first_value(m)
    out["order"] = int(order) & (2**64 - 1)
    sessions = gdb.parse_and_eval("'main.sessions'").dereference()["entries"]
    session = first_value(sessions)["val"]
    out["tags_bucket"] = int(session["Tags"]["buckets"]) & (2**64 - 1)
print("JSON " + json.dumps(out))
"""


def gdb_facts(fx):
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(GDB_SCRIPT)
        script.flush()
        p = subprocess.run(["gdb", "-nx", "-batch", "-iex", "set auto-load no",
                            "-x", script.name, fx.exe, fx.core],
                           capture_output=True, text=True, timeout=600)
    lines = [l for l in p.stdout.splitlines() if l.startswith("JSON ")]
    if not lines:
        raise AssertionError("gdb failed: " + p.stderr[-2000:])
    return json.loads(lines[0][5:])


class ServiceTest(unittest.TestCase):
    def test_several_cores_per_version(self):
        runs = {}
        for fx in cores():
            runs.setdefault(fx.truth["toolchain"], set()).add(fx.truth["run"])
        self.assertEqual(len(runs), 6, runs)
        for tag, r in runs.items():
            self.assertEqual(r, {1, 2, 3}, tag)

    def test_memstats_equal_readmemstats(self):
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("stats", "--json", fx.core)
                self.assertEqual(doc["go_version"], fx.truth["go_version"])
                self.assertEqual(differences(doc["MemStats"], expected(fx), SCALARS + ARRAYS), [])
                self.assertEqual(doc["warnings"], [])

    def test_same_answers_every_run_and_thread_count(self):
        # Three runs with the default threads (typing beside the dominator
        # pass), one with none, one with the scan split in three.
        for fx in cores():
            for cmd in GRAPH_COMMANDS:
                with self.subTest(fixture=repr(fx), cmd=cmd[0]):
                    outs = [run(*cmd, fx.core)[1] for _ in range(3)]
                    self.assertEqual(outs[1], outs[0])
                    self.assertEqual(outs[2], outs[0])
                    for n in ("1", "3"):
                        _, out, _ = run(*cmd, fx.core, env={"HEAPCORE_THREADS": n})
                        self.assertEqual(out, outs[0], "HEAPCORE_THREADS=" + n)

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_gdb_prints_the_cli_text(self):
        pairs = (("heap-types --top 0", ["types", "--top", "0"]),
                 ("heap-roots --top 0", ["roots", "--top", "0"]),
                 ("heap-top --depth 3", ["top", "--depth", "3"]))
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                outs, err = run_gdb([fx.exe, fx.core], [p[0] for p in pairs])
                for (gdb_cmd, cli), got in zip(pairs, outs):
                    _, want, _ = run(*cli, fx.core, fx.exe)
                    self.assertEqual(got, want, gdb_cmd + ": " + err[-2000:])

    def test_largest_roots_are_named(self):
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                doc, _ = run_json("roots", "--json", "--top", "10", fx.core)
                self.assertEqual([r["root"] for r in doc["roots"] if BARE.match(r["root"])], [])

    def test_reachable_bytes_typed(self):
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                doc, _ = types_of(fx)
                self.assertGreaterEqual(doc["typed_reachable_bytes"] / doc["reachable_bytes"], 0.95)

    def test_untyped_bytes_say_why(self):
        # What stays untyped of the live heap is accounted for, reason by
        # reason, in JSON and in the text's footer.
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                doc, _ = types_of(fx)
                why = doc["untyped_reachable"]
                self.assertEqual(sum(w["bytes"] for w in why),
                                 doc["reachable_bytes"] - doc["typed_reachable_bytes"])
                self.assertEqual([w["bytes"] for w in why],
                                 sorted((w["bytes"] for w in why), reverse=True))
                _, text, _ = run("types", fx.core)
                footer = text.split("untyped reachable bytes, by why:\n")[1]
                for w in why:
                    self.assertRegex(footer, r"\n?\s+[0-9.]+ [KMG]?i?B +%d  %s\n"
                                     % (w["objects"], re.escape(w["why"])))

    def test_variable_only_dwarf_names(self):
        # An executable whose symbol table lacks some variables (stripped
        # of them here): DWARF still names and types their roots.
        fx = cores()[-1]
        names = ("main.orders", "main.sessions", "main.mailboxes", "main.bufPool")
        tmp = tempfile.mkdtemp(prefix="heapcore-test-")
        try:
            exe = os.path.join(tmp, fx.program)
            subprocess.run(["objcopy"] + ["--strip-symbol=" + n for n in names] + [fx.exe, exe],
                           check=True)
            nm = subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout
            self.assertFalse([n for n in names if " %s\n" % n in nm])
            shutil.copy(fx.core, tmp)
            core = os.path.join(tmp, "core")
            want, _ = run_json("roots", "--json", "--top", "0", fx.core)
            got, _ = run_json("roots", "--json", "--top", "0", core, exe)
            self.assertEqual(got["roots"], want["roots"])
            want, _ = types_of(fx)
            got, _ = run_json("types", "--json", "--top", "0", core, exe)
            self.assertEqual(got["types"], want["types"])
        finally:
            shutil.rmtree(tmp)

    def test_generic_caches_from_their_variables(self):
        # var orders = NewCache[int, *Order](): the compiler allocates the
        # Cache statically, where no symbol covers it.  Its roots are named
        # from main.orders, and what it holds is typed from its DWARF type.
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                exp = fx.truth["expect"]
                _, types = types_of(fx)
                for cache in (exp["orders"], exp["sessions"]):
                    self.assertEqual(types.get(cache["entry_type"], {}).get("count"),
                                     cache["entries"], cache["entry_type"])
                self.assertEqual(types[exp["sessions"]["value_type"]]["count"],
                                 exp["sessions"]["entries"])
                self.assertEqual(types[exp["orders_total"]["type"]]["count"],
                                 exp["orders_total"]["count"])
                doc, _ = run_json("roots", "--json", "--top", "0", fx.core)
                for cache in (exp["orders"], exp["sessions"]):
                    held = [r for r in doc["roots"]
                            if r["root"].startswith(cache["global"] + ".")]
                    self.assertTrue(held, cache["global"])
                # The path to a cache entry starts from the variable.
                top, _ = run_json("top", "--json", "--depth", "8", "--top", "0", fx.core)
                entry = find(top["objects"], exp["orders"]["entry_type"])
                self.assertIsNotNone(entry)
                path, _ = run_json("path", "--json", hex(entry["address"]), fx.core)
                self.assertRegex(path["path"][0]["root"], r"^main\.orders\.")
                self.assertEqual(path["path"][-1]["type"], exp["orders"]["entry_type"])

    def test_channels_typed_by_their_element(self):
        # Channels a goroutine blocked in chanrecv or chansend holds (its
        # argument c is a bare *runtime.hchan) are typed from their element
        # type like the others, and so are their buffers and what they hold.
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                exp = fx.truth["expect"]
                ch = exp["channels"]
                _, types = types_of(fx)
                self.assertEqual(types.get(ch["type"], {}).get("count"), ch["count"])
                self.assertEqual(types.get(exp["channels_of_channels"]["type"], {}).get("count"),
                                 exp["channels_of_channels"]["count"])
                self.assertNotIn("runtime.hchan", types)
                self.assertGreaterEqual(types[ch["buffer_type"]]["count"], ch["count"])
                self.assertGreaterEqual(types[ch["payload_type"]]["count"], ch["payloads_buffered"])

    def test_facts_gdb_reads(self):
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                exp = fx.truth["expect"]
                facts = gdb_facts(fx)
                # A waiter's channel and its empty buffer.
                obj, _ = run_json("object", "--json", hex(facts["waiter"]), fx.core)
                self.assertEqual(obj["type"], exp["channels"]["type"])
                obj, _ = run_json("object", "--json", hex(facts["waiter_buf"]), fx.core)
                self.assertEqual(obj["type"], exp["channels"]["buffer_type"])
                # sync.Pool's per-P array and victim cache.
                for key in ("pool_local", "pool_victim"):
                    obj, _ = run_json("object", "--json", hex(facts[key]), fx.core)
                    self.assertEqual(obj["type"], exp["pool"]["array_type"], key)
                    self.assertTrue(obj["pointers"], key)
                # Before Go 1.24: a map's buckets and what they hold.
                if "order" in facts:
                    obj, _ = run_json("object", "--json", hex(facts["order"]), fx.core)
                    self.assertEqual(obj["type"], "main.Order")
                    obj, _ = run_json("object", "--json", hex(facts["tags_bucket"]), fx.core)
                    self.assertEqual(obj["type"], "map.bucket[string]*main.Order")
                    self.assertTrue(obj["fields"])
                # The statically allocated Cache main.orders points to: not
                # a heap object, but the object command shows it.
                obj, _ = run_json("object", "--json", hex(facts["orders"]), fx.core)
                self.assertEqual(obj["global"], "*" + exp["orders"]["global"])
                self.assertEqual(obj["type"], "main.Cache[int,*main.Order]")
                self.assertTrue(any(p["field"] == ".entries" for p in obj["pointers"]), obj)

    @unittest.skipIf(SANITIZE, "gdb cannot load an ASan-instrumented library")
    def test_gdb_object_of_a_variable(self):
        fx = cores()[-1]
        outs, err = run_gdb([fx.exe, fx.core], ["heap-object 'main.orders'", "p/x 'main.orders'"])
        addr = int(outs[1].split("=")[-1], 16)
        _, want, _ = run("object", hex(addr), fx.core, fx.exe)
        self.assertEqual(outs[0], want, err)
        self.assertIn("*main.orders", want)

    def test_busy_frame_names_its_locals(self):
        # The frame with many named pointer locals and unnamed compiler
        # temporaries: each local its own root, the temporaries the frame's.
        for fx in cores():
            with self.subTest(fixture=repr(fx)):
                busy = fx.truth["expect"]["busy"]
                doc, _ = run_json("roots", "--json", "--top", "0", fx.core)
                frame = [r for r in doc["roots"] if r.get("function") == busy["function"]]
                named = [r for r in frame if (r.get("slot") or "").startswith("local ")]
                self.assertGreaterEqual(len(named), busy["named_pointer_locals"])
                self.assertEqual(len(set(r["slot"] for r in named)), len(named))
                self.assertFalse(any(r["conservative"] for r in frame))


def find(objects, type_name):
    """The first object of @p type_name in a top --json tree."""
    stack = list(reversed(objects))
    while stack:
        o = stack.pop()
        if o["type"] == type_name:
            return o
        stack.extend(reversed(o.get("dominated", [])))
    return None


if __name__ == "__main__":
    unittest.main()
