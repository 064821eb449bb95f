"""A small reader of pprof profiles (gzip-compressed profile.proto), standard
library only: enough to compare two profiles sample by sample without
`go tool pprof`.  Field numbers are the format's (runtime/pprof/proto.go
names them tagProfile_*, tagSample_*, ...)."""
import gzip


def _varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, i
        shift += 7


def _fields(buf):
    """(field number, wire type, value) of one message: ints for varints,
    bytes for length-delimited fields."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            v = bytes(buf[i:i + n])
            i += n
        elif wt == 1:
            v = int.from_bytes(buf[i:i + 8], "little")
            i += 8
        elif wt == 5:
            v = int.from_bytes(buf[i:i + 4], "little")
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def _ints(wt, v, signed=True):
    """A repeated integer field's values, packed or not."""
    if wt == 0:
        vals = [v]
    else:
        vals, i = [], 0
        while i < len(v):
            x, i = _varint(v, i)
            vals.append(x)
    if signed:
        vals = [x - (1 << 64) if x >= 1 << 63 else x for x in vals]
    return vals


def _message(buf, spec):
    """Decode into a dict; spec maps field number to (name, kind, repeated)."""
    out = {name: [] if rep else (0 if kind != "msg" else None)
           for name, kind, rep in spec.values()}
    for num, wt, v in _fields(buf):
        if num not in spec:
            continue
        name, kind, rep = spec[num]
        if kind in ("int", "uint"):
            vals = _ints(wt, v, kind == "int")
            if rep:
                out[name].extend(vals)
            else:
                out[name] = vals[-1]
        elif kind == "bool":
            out[name] = bool(v)
        elif kind == "str":
            out[name].append(v.decode("utf-8", "replace"))
        else:
            m = _message(v, kind)
            if rep:
                out[name].append(m)
            else:
                out[name] = m
    return out


VALUE_TYPE = {1: ("type", "int", False), 2: ("unit", "int", False)}
LABEL = {1: ("key", "int", False), 2: ("str", "int", False), 3: ("num", "int", False),
         4: ("num_unit", "int", False)}
SAMPLE = {1: ("location_id", "uint", True), 2: ("value", "int", True), 3: ("label", LABEL, True)}
MAPPING = {1: ("id", "uint", False), 2: ("memory_start", "uint", False),
           3: ("memory_limit", "uint", False), 4: ("file_offset", "uint", False),
           5: ("filename", "int", False), 6: ("build_id", "int", False),
           7: ("has_functions", "bool", False)}
LINE = {1: ("function_id", "uint", False), 2: ("line", "int", False)}
LOCATION = {1: ("id", "uint", False), 2: ("mapping_id", "uint", False),
            3: ("address", "uint", False), 4: ("line", LINE, True)}
FUNCTION = {1: ("id", "uint", False), 2: ("name", "int", False), 3: ("system_name", "int", False),
            4: ("filename", "int", False), 5: ("start_line", "int", False)}
PROFILE = {1: ("sample_type", VALUE_TYPE, True), 2: ("sample", SAMPLE, True),
           3: ("mapping", MAPPING, True), 4: ("location", LOCATION, True),
           5: ("function", FUNCTION, True), 6: ("string_table", "str", True),
           9: ("time_nanos", "int", False), 11: ("period_type", VALUE_TYPE, False),
           12: ("period", "int", False), 14: ("default_sample_type", "int", False)}


class Profile:
    """A decoded profile, with its samples in a form that does not depend on
    the IDs and string indexes one writer happened to choose."""

    def __init__(self, data):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        p = _message(data, PROFILE)
        s = p["string_table"]
        self.strings = s
        self.sample_types = [(s[t["type"]], s[t["unit"]]) for t in p["sample_type"]]
        pt = p["period_type"] or {"type": 0, "unit": 0}
        self.period_type = (s[pt["type"]], s[pt["unit"]])
        self.period = p["period"]
        self.time_nanos = p["time_nanos"]
        self.default_sample_type = s[p["default_sample_type"]]
        self.mappings = {m["id"]: (m["memory_start"], m["memory_limit"], m["file_offset"],
                                   s[m["filename"]], s[m["build_id"]], m["has_functions"])
                         for m in p["mapping"]}
        funcs = {f["id"]: (s[f["name"]], s[f["system_name"]], s[f["filename"]], f["start_line"])
                 for f in p["function"]}
        self.functions = funcs
        self.locations = {}
        for loc in p["location"]:
            m = self.mappings.get(loc["mapping_id"])
            self.locations[loc["id"]] = (
                loc["address"], m[3] if m else None,
                tuple(funcs[ln["function_id"]] + (ln["line"],) for ln in loc["line"]))
        self.raw_samples = p["sample"]

    def samples(self):
        """Every sample as (values, labels, stack): labels sorted (key,
        str, num) triples, stack a tuple of locations (address, mapping
        file, lines), leaf first."""
        s = self.strings
        out = []
        for smp in self.raw_samples:
            labels = tuple(sorted((s[l["key"]], s[l["str"]], l["num"]) for l in smp["label"]))
            stack = tuple(self.locations[i] for i in smp["location_id"])
            out.append((tuple(smp["value"]), labels, stack))
        return out


def read(path):
    with open(path, "rb") as f:
        return Profile(f.read())
