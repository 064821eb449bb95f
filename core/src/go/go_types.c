/*
 * Static types for the heap objects the runtime left untyped.
 *
 * Only objects over 512 bytes with pointers carry a type in the heap (a
 * malloc header or span.largeType).  The others get theirs from whoever
 * points at them: a global's DWARF type, a typed object's fields, an
 * interface's dynamic type.  A work list carries (object, layout) pairs; each
 * object is typed once, by the first typed pointer that reaches its start.
 *
 * Walking DWARF for every object would cost more than the rest of the graph
 * together, so each DWARF type is compiled once into a layout: the flat list
 * of its pointer-bearing words (pointer, slice, string, interface), with the
 * layout and type name of what each points to.  Arrays too long to flatten
 * stay one entry that repeats a sub-layout.
 *
 * Some words DWARF calls unsafe.Pointer or func say more than it does: an
 * atomic.Pointer[T] points to a T (its name says so), a HashTrieMap child
 * (sync.Map from Go 1.24) to an entry or an indirect node as its first byte
 * says, and a func value to a closure whose first word is its function's
 * entry, which names it.  A sync.Pool's local and victim point to arrays of
 * poolLocal (sync/pool.go: "actual type is [P]poolLocal"); a swiss map's
 * dirPtr to one group when dirLen is 0, else to its directory of tables
 * (internal/runtime/maps/map.go).
 *
 * The first typed pointer to reach an object is not always the most
 * specific: a goroutine blocked in chanrecv holds its channel as a bare
 * *runtime.hchan, a map's overflow list as *runtime.bmap, generic code as
 * go.shape types.  Such a generic type gives way when a specific one arrives
 * (the object is walked again with it, at most once); a *runtime.hchan is
 * made specific at once from the channel's own elemtype (hchan<T>, whose
 * buffer is typed from it).
 */
#include <dwarf.h>
#include <stdio.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "go/go_stack.h"
#include "go/go_graph.h"
#include "target/program.h"

enum slot_kind {
	SLOT_PTR,    /* *T: the pointee is a T */
	SLOT_SLICE,  /* []T's array word: the pointee is an array of T */
	SLOT_STRING, /* a string's data word */
	SLOT_EFACE,  /* interface{}: _type word, then data word */
	SLOT_IFACE,  /* non-empty interface: itab word, then data word */
	SLOT_CHANBUF, /* a channel's buffer word; its element's runtime type is at stride */
	SLOT_ARRAY,  /* count elements of layout target, stride bytes apart */
	SLOT_FUNC,   /* a func value: the pointee is a closure named by its code word */
	SLOT_TRIE,   /* a HashTrieMap child: an entry (die, layout, type_id) when its
		      * first byte (node.isEntry) is set, else an indirect (alt) */
	SLOT_HCHAN,  /* a *runtime.hchan: hchan<T> from the channel's elemtype */
	SLOT_SWISSDIR, /* a swiss map's dirPtr: a group (die, layout, type_id) when the
			* word at stride (dirLen) is 0, else its directory (alt) */
};

struct slot {
	uint64_t off;
	uint64_t count, stride; /* SLOT_ARRAY */
	Dwarf_Off die;          /* the pointee's type (SLOT_PTR, SLOT_SLICE) */
	uint64_t rtype;         /* or, where DWARF has none, its runtime type */
	uint32_t layout;        /* its layout, resolved on first use, or SLOT_ARRAY's element's */
	uint32_t type_id;       /* the type an untyped pointee gets */
	enum slot_kind kind;
	struct {                /* SLOT_TRIE's indirect node */
		Dwarf_Off die;
		uint32_t layout, type_id;
	} alt;
};

/* A slot's pointee layout not looked up yet. */
#define UNRESOLVED (NONE - 1)

struct layout {
	uint64_t size;
	struct slot *slots;
	size_t nslots, cap;
};

/* Flatten an array into its element's slots up to this many slots. */
#define FLATTEN_MAX 64
/* Bound on nested layouts (struct in array in struct ...). */
#define MAX_NESTING 16

struct prop {
	struct builder *b;
	struct hc_dwarf_index *dw;
	uint64_t *done;        /* per object, a bit: typed from DWARF already */
	/* The work list, a stack (depth-first keeps it short: a breadth-first
	 * queue of a 15M-object heap held most of the heap at once). */
	uint64_t *queue_addr;   /* where each queued object starts */
	uint32_t *queue_layout;
	size_t tail, cap;
	struct hc_strmap names;   /* type name -> type id */
	struct hc_u64map by_die;  /* DIE offset -> layout id */
	struct hc_u64map by_rtype; /* runtime type -> layout id of what an interface's data word points to */
	struct hc_u64map by_chan;  /* runtime element type -> layout id of a channel buffer */
	struct hc_u64map by_func;  /* closure entry pc -> type id */
	struct hc_u64map by_hchan; /* runtime element type -> hchan<T>'s type id << 32 | layout */
	struct hc_u64map array_of; /* type id -> the type id of "[]T" */
	struct hc_u64map by_rlayout; /* runtime type -> layout id built from its descriptor */
	uint64_t *weak;            /* per object, a bit: typed with a generic type (upgradable) */
	uint8_t *generic;          /* per type id: 0 not known yet, 1 specific, 2 generic */
	size_t cap_generic;
	int64_t hchan_elemtype;    /* runtime.hchan.elemtype's offset, -1 if unknown */
	struct hc_pcln *pcln;      /* names closures; NULL without a pclntab */
	struct layout *layouts;
	size_t nlayouts, cap_layouts;
	bool oom;
};

static uint32_t named_type(struct prop *p, const char *name)
{
	uint64_t id;
	if (hc_strmap_get(&p->names, name, &id))
		return (uint32_t)id;
	char *copy = strdup(name);
	uint32_t t = copy ? gb_add_type(p->b, 0, copy) : NONE;
	if (t == NONE || !hc_strmap_put(&p->names, p->b->g->types[t].name, t, false)) {
		p->oom = true; /* typing stops, and says so */
		return NONE;
	}
	return t;
}

static bool add_slot(struct prop *p, uint32_t lid, struct slot s)
{
	struct layout *l = &p->layouts[lid];
	if (!hc_grow(&l->slots, &l->cap, l->nslots + 1, sizeof(*l->slots))) {
		p->oom = true;
		return false;
	}
	l->slots[l->nslots++] = s;
	return true;
}

static uint32_t layout_of(struct prop *p, Dwarf_Die *type, int depth);
static uint32_t rtype_layout(struct prop *p, uint64_t rtype, int depth);
static uint32_t rtype_type_id(struct prop *p, const struct type_mask *m);
static bool rt_elem(struct prop *p, uint64_t rtype, unsigned kind, uint64_t *ret);
static uint32_t array_type(struct prop *p, uint32_t t);

/* Kinds (internal/abi/type.go: Kind, under KindMask). */
#define KIND_MASK 31
#define KIND_ARRAY 17
#define KIND_CHAN 18
#define KIND_FUNC 19
#define KIND_INTERFACE 20
#define KIND_POINTER 22
#define KIND_SLICE 23
#define KIND_STRING 24
#define KIND_STRUCT 25
/* Bounds on descriptors read from the target: a struct's fields. */
#define RT_MAX_FIELDS 4096
static bool shape_name(const char *name, char *out, size_t outlen);

/*
 * "K" and "V" of a DWARF name "prefix<K,V>" (the linker's synthesized map
 * types: bucket<K,V>, hash<K,V>, map<K,V>, table<K,V>), split at the comma
 * outside brackets; false when @p name is not one or they do not fit.
 */
static bool split_kv(const char *name, const char *prefix, char *k, char *v, size_t len)
{
	size_t n = strlen(name), pl = strlen(prefix);
	if (n < pl + 4 || strncmp(name, prefix, pl) != 0 || name[pl] != '<' || name[n - 1] != '>')
		return false;
	int depth = 0;
	for (size_t i = pl + 1; i < n - 1; i++) {
		char c = name[i];
		if (c == '[' || c == '{' || c == '(' || c == '<')
			depth++;
		else if (c == ']' || c == '}' || c == ')' || c == '>')
			depth--;
		else if (c == ',' && depth == 0) {
			size_t kl = i - pl - 1, vl = n - 2 - i;
			if (kl >= len || vl >= len)
				return false;
			memcpy(k, name + pl + 1, kl);
			k[kl] = '\0';
			memcpy(v, name + i + 1, vl);
			v[vl] = '\0';
			return true;
		}
	}
	return false;
}

/*
 * The runtime's name for a type the linker names otherwise in DWARF: an old
 * map's bucket<K,V> is map.bucket[K]V (cmd/compile/internal/reflectdata:
 * MapBucketType), the name its malloc header gives its arrays.
 */
static bool runtime_name(const char *dwarf, char *out, size_t len)
{
	char k[256], v[256];
	if (!split_kv(dwarf, "bucket", k, v, sizeof(k)))
		return false;
	return (size_t)snprintf(out, len, "map.bucket[%s]%s", k, v) < len;
}

/*
 * The DWARF type of the type the runtime (or this module) calls @p name:
 * by that name, as the DWARF bucket<K,V> of a map.bucket[K]V, or as its
 * generic shape.
 */
static bool dwarf_type_named(struct prop *p, const char *name, Dwarf_Die *die)
{
	char alt[600];
	struct hc_error *e = hc_dwarf_type(p->dw, name, die);
	if (!e)
		return true;
	hc_error_destroy(e);
	if (strncmp(name, "map.bucket[", 11) == 0) {
		/* map.bucket[K]V: K ends at the bracket closing the first. */
		const char *k = name + 11, *c = k;
		int depth = 1;
		for (; *c && depth; c++)
			depth += *c == '[' ? 1 : *c == ']' ? -1 : 0;
		if (depth || (size_t)snprintf(alt, sizeof(alt), "bucket<%.*s,%s>",
					      (int)(c - 1 - k), k, c) >= sizeof(alt))
			return false;
	} else if (!shape_name(name, alt, sizeof(alt))) {
		return false;
	}
	e = hc_dwarf_type(p->dw, alt, die);
	hc_error_destroy(e);
	return e == NULL;
}

/* A pointer slot of DWARF pointer type @p ptr: its pointee's type and name. */
static bool pointer_slot(struct prop *p, Dwarf_Die *ptr, bool array, struct slot *s)
{
	Dwarf_Die to;
	s->layout = UNRESOLVED;
	s->type_id = NONE;
	if (!hc_dwarf_die_type(ptr, &to))
		return false; /* unsafe.Pointer */
	s->die = dwarf_dieoffset(&to);
	const char *name = dwarf_diename(&to);
	char runtime[512];
	if (name && runtime_name(name, runtime, sizeof(runtime)))
		name = runtime;
	if (name && !array && s->kind == SLOT_PTR && strcmp(name, "runtime.hchan") == 0)
		s->kind = SLOT_HCHAN;
	if (name) {
		char buf[520];
		if (array) {
			snprintf(buf, sizeof(buf), "[]%s", name);
			name = buf;
		}
		s->type_id = named_type(p, name);
	}
	return true;
}

/*
 * "pkg.T[go.shape.A,go.shape.B]" for "pkg.T[A,B]": generic code's shape
 * instantiation, which DWARF may describe when the type itself is left out
 * (Go 1.27 keeps only internal/sync's shape types).  A shape has its
 * type's layout.  False when @p name has no type arguments or is too long.
 */
static bool shape_name(const char *name, char *out, size_t outlen)
{
	const char *open = strchr(name, '[');
	size_t n = strlen(name), o;
	if (!open || name[n - 1] != ']' || (size_t)(open - name) + 1 >= outlen)
		return false;
	o = (size_t)(open - name) + 1;
	memcpy(out, name, o);
	int depth = 0;
	bool arg_start = true;
	for (const char *c = open + 1; c < name + n - 1; c++) {
		if (arg_start) {
			static const char shape[] = "go.shape.";
			if (o + sizeof(shape) >= outlen)
				return false;
			memcpy(out + o, shape, sizeof(shape) - 1);
			o += sizeof(shape) - 1;
			arg_start = false;
		}
		if (*c == '[' || *c == '{' || *c == '(')
			depth++;
		else if (*c == ']' || *c == '}' || *c == ')')
			depth--;
		else if (*c == ',' && depth == 0)
			arg_start = true;
		if (o + 2 >= outlen)
			return false;
		out[o++] = *c;
	}
	out[o++] = ']';
	out[o] = '\0';
	return true;
}

/* A slot pointing to the type named @p name, if DWARF has it (or its shape). */
static bool named_slot(struct prop *p, const char *name, Dwarf_Off *die, uint32_t *layout,
		       uint32_t *type_id)
{
	Dwarf_Die d;
	char shape[600];
	struct hc_error *e = hc_dwarf_type(p->dw, name, &d);
	if (e && shape_name(name, shape, sizeof(shape))) {
		hc_error_destroy(e);
		e = hc_dwarf_type(p->dw, shape, &d);
	}
	if (e) {
		hc_error_destroy(e);
		return false;
	}
	*die = dwarf_dieoffset(&d);
	*layout = UNRESOLVED;
	*type_id = named_type(p, name);
	return *type_id != NONE;
}

/*
 * An atomic.Pointer[T] (sync/atomic's, or the runtime's own, which has no
 * [0]*T member to say it): a slot for its word, pointing to a T.  The nodes
 * of internal/sync.HashTrieMap[K,V] are entries or indirect nodes, told
 * apart by their first byte.
 */
static bool atomic_pointer(struct prop *p, const char *name, uint64_t off, uint32_t lid)
{
	static const char *const prefixes[] = {
		"sync/atomic.Pointer[", "internal/runtime/atomic.Pointer[",
		"runtime/internal/atomic.Pointer[",
	};
	static const char node[] = "internal/sync.node[";
	size_t n = name ? strlen(name) : 0;
	char arg[512], alt[520];
	for (size_t i = 0; i < HC_ARRAY_SIZE(prefixes); i++) {
		size_t k = strlen(prefixes[i]);
		if (n < k + 2 || name[n - 1] != ']' || n - k - 1 >= sizeof(arg) ||
		    strncmp(name, prefixes[i], k) != 0)
			continue;
		memcpy(arg, name + k, n - k - 1);
		arg[n - k - 1] = '\0';
		struct slot s = {.off = off, .kind = SLOT_PTR};
		if (strncmp(arg, node, sizeof(node) - 1) == 0) {
			const char *kv = arg + sizeof(node) - 1;
			s.kind = SLOT_TRIE;
			snprintf(alt, sizeof(alt), "internal/sync.entry[%s", kv);
			if (!named_slot(p, alt, &s.die, &s.layout, &s.type_id))
				return false;
			snprintf(alt, sizeof(alt), "internal/sync.indirect[%s", kv);
			if (!named_slot(p, alt, &s.alt.die, &s.alt.layout, &s.alt.type_id))
				return false;
		} else if (!named_slot(p, arg, &s.die, &s.layout, &s.type_id)) {
			return false;
		}
		return add_slot(p, lid, s);
	}
	return false;
}

/*
 * sync.Pool's local and victim are unsafe.Pointers to [localSize]poolLocal
 * and [victimSize]poolLocal (sync/pool.go): slots to arrays of poolLocal.
 */
static void pool_slots(struct prop *p, uint32_t lid, Dwarf_Die *pool, uint64_t off)
{
	static const char *const fields[] = {"local", "victim"};
	for (size_t i = 0; i < HC_ARRAY_SIZE(fields); i++) {
		struct hc_field f;
		struct hc_error *e = hc_dwarf_die_field(pool, fields[i], &f);
		struct slot s = {.off = off, .kind = SLOT_SLICE};
		if (e) {
			hc_error_destroy(e);
			continue;
		}
		s.off += f.offset;
		if (!named_slot(p, "sync.poolLocal", &s.die, &s.layout, &s.type_id))
			continue;
		s.type_id = named_type(p, "[]sync.poolLocal");
		add_slot(p, lid, s);
	}
}

/*
 * A swiss map (Go 1.24+; DWARF's map<K,V>): dirPtr points to a single group
 * when dirLen is 0, else to the directory, an array of *table
 * (internal/runtime/maps/map.go); DWARF types it **table.  The rest of the
 * map holds no pointers.  False when this is not such a map.
 */
static bool swiss_dir_slot(struct prop *p, uint32_t lid, Dwarf_Die *map, const char *name,
			   uint64_t off)
{
	char k[256], v[256], group[600];
	struct hc_field dir, len;
	struct hc_error *e = hc_dwarf_die_field(map, "dirPtr", &dir);
	if (!e)
		e = hc_dwarf_die_field(map, "dirLen", &len);
	if (e) {
		hc_error_destroy(e);
		return false;
	}
	Dwarf_Die pt = dir.type;
	hc_dwarf_strip_typedefs(&pt);
	struct slot s = {.off = off + dir.offset, .kind = SLOT_SWISSDIR, .stride = off + len.offset};
	struct slot d = {.kind = SLOT_PTR};
	if (!split_kv(name, "map", k, v, sizeof(k)) ||
	    (size_t)snprintf(group, sizeof(group), "noalg.map.group[%s]%s", k, v) >= sizeof(group) ||
	    dwarf_tag(&pt) != DW_TAG_pointer_type || !pointer_slot(p, &pt, false, &d) ||
	    !named_slot(p, group, &s.die, &s.layout, &s.type_id))
		return false;
	s.alt.die = d.die;
	s.alt.layout = UNRESOLVED;
	s.alt.type_id = d.type_id;
	return add_slot(p, lid, s);
}

/* Append the slots of a value of @p type at @p off to layout @p lid. */
static void add_value(struct prop *p, uint32_t lid, Dwarf_Die *type, uint64_t off, int depth)
{
	if (depth > MAX_NESTING || p->oom)
		return;
	Dwarf_Die t = *type;
	hc_dwarf_strip_typedefs(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type: {
		struct slot s = {.off = off, .kind = SLOT_PTR};
		if (pointer_slot(p, &t, false, &s))
			add_slot(p, lid, s);
		return;
	}
	case DW_TAG_array_type: {
		Dwarf_Die elem;
		uint64_t n = 0, esize = 0;
		if (!hc_dwarf_array_info(&t, &elem, &n, &esize) || esize == 0 || n == 0)
			return;
		uint32_t el = layout_of(p, &elem, depth + 1);
		if (el == NONE || p->layouts[el].nslots == 0)
			return;
		if (n * p->layouts[el].nslots <= FLATTEN_MAX) {
			for (uint64_t i = 0; i < n; i++)
				for (size_t k = 0; k < p->layouts[el].nslots; k++) {
					struct slot s = p->layouts[el].slots[k];
					s.off += off + i * esize;
					if (!add_slot(p, lid, s))
						return;
				}
		} else {
			add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_ARRAY, .count = n,
						       .stride = esize, .layout = el,
						       .type_id = NONE});
		}
		return;
	}
	case DW_TAG_subroutine_type: /* a func value: a pointer to a funcval */
		add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_FUNC, .layout = NONE,
					       .type_id = NONE});
		return;
	case DW_TAG_structure_type:
		break;
	default:
		return;
	}
	uint64_t size = 0;
	struct hc_error *e = hc_dwarf_die_size(&t, &size);
	hc_error_destroy(e);
	if (!e && size == 8 && atomic_pointer(p, dwarf_diename(&t), off, lid))
		return;
	const char *sname = dwarf_diename(&t);
	enum hc_go_struct gs = hc_dwarf_go_struct_die(&t);
	/* sync's own eface {typ, val unsafe.Pointer} (a pool's dequeue slots)
	 * is runtime.eface's layout. */
	if (gs == HC_GO_STRUCT_OTHER && sname && strcmp(sname, "sync.eface") == 0 && size == 16)
		gs = HC_GO_EFACE;
	if (gs == HC_GO_EFACE || gs == HC_GO_IFACE) {
		add_slot(p, lid, (struct slot){.off = off,
					       .kind = gs == HC_GO_EFACE ? SLOT_EFACE : SLOT_IFACE,
					       .layout = NONE, .type_id = NONE});
		return;
	}
	/* A channel's buffer is an unsafe.Pointer to elements of elemtype; a
	 * bare runtime.hchan's too. */
	struct hc_field buf, elemtype;
	if (gs == HC_GO_HCHAN || (sname && strcmp(sname, "runtime.hchan") == 0)) {
		e = hc_dwarf_die_field(&t, "buf", &buf);
		if (!e)
			e = hc_dwarf_die_field(&t, "elemtype", &elemtype);
		if (!e)
			add_slot(p, lid, (struct slot){.off = off + buf.offset, .kind = SLOT_CHANBUF,
						       .stride = off + elemtype.offset,
						       .layout = NONE, .type_id = NONE});
		hc_error_destroy(e);
	}
	if (sname && strcmp(sname, "sync.Pool") == 0)
		pool_slots(p, lid, &t, off);
	if (sname && strncmp(sname, "map<", 4) == 0 && swiss_dir_slot(p, lid, &t, sname, off))
		return;
	bool is_slice = gs == HC_GO_SLICE;
	bool is_string = gs == HC_GO_STRING;
	Dwarf_Die child;
	if (dwarf_child(&t, &child) != 0)
		return;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		Dwarf_Attribute a;
		Dwarf_Word moff = 0;
		Dwarf_Die ft;
		if (dwarf_attr(&child, DW_AT_data_member_location, &a) &&
		    dwarf_formudata(&a, &moff) != 0)
			continue;
		if (!hc_dwarf_die_type(&child, &ft))
			continue;
		const char *fname = dwarf_diename(&child);
		if (is_string && fname && strcmp(fname, "str") == 0) {
			add_slot(p, lid, (struct slot){.off = off + moff, .kind = SLOT_STRING,
						       .layout = NONE,
						       .type_id = named_type(p, "string")});
			continue;
		}
		if (is_slice && fname && strcmp(fname, "array") == 0) {
			Dwarf_Die pt = ft;
			hc_dwarf_strip_typedefs(&pt);
			if (dwarf_tag(&pt) == DW_TAG_pointer_type) {
				struct slot s = {.off = off + moff, .kind = SLOT_SLICE};
				if (pointer_slot(p, &pt, true, &s))
					add_slot(p, lid, s);
			}
			continue;
		}
		add_value(p, lid, &ft, off + moff, depth + 1);
	} while (dwarf_siblingof(&child, &child) == 0 && !p->oom);
}

/* The layout of a DWARF type, compiled once per DIE. */
static uint32_t layout_of(struct prop *p, Dwarf_Die *type, int depth)
{
	Dwarf_Die t = *type;
	hc_dwarf_strip_typedefs(&t);
	uint64_t key = dwarf_dieoffset(&t), id;
	if (hc_u64map_get(&p->by_die, key, &id))
		return (uint32_t)id;
	if (depth > MAX_NESTING)
		return NONE;
	uint64_t size = 0;
	struct hc_error *e = hc_dwarf_die_size(&t, &size);
	hc_error_destroy(e);
	if (e || size == 0) {
		if (!hc_u64map_put(&p->by_die, key, NONE))
			p->oom = true;
		return NONE;
	}
	if (!hc_grow(&p->layouts, &p->cap_layouts, p->nlayouts + 1, sizeof(*p->layouts))) {
		p->oom = true;
		return NONE;
	}
	uint32_t lid = (uint32_t)p->nlayouts++;
	p->layouts[lid] = (struct layout){.size = size};
	/* Registered before its slots, so that a pointer back to it finds it. */
	if (!hc_u64map_put(&p->by_die, key, lid)) {
		p->oom = true;
		return NONE;
	}
	add_value(p, lid, &t, 0, depth);
	return lid;
}

/* ---- layouts from runtime type descriptors ---- */

/*
 * The type id for runtime type @p m: the one its name already has (DWARF's
 * and the runtime's names for a type agree), else its own.
 */
static uint32_t rtype_type_id(struct prop *p, const struct type_mask *m)
{
	uint64_t id;
	if (!m->name || m->type_id == NONE)
		return NONE;
	if (hc_strmap_get(&p->names, m->name, &id))
		return (uint32_t)id;
	if (!hc_strmap_put(&p->names, m->name, m->type_id, false))
		p->oom = true;
	return m->type_id;
}

/* The kind of runtime type @p rtype, or 0 when unreadable. */
static unsigned rt_kind(struct prop *p, uint64_t rtype)
{
	const struct graph_layout *L = &p->b->L;
	uint64_t v;
	return L->t_kind.present && gl_peek_field(p->b->prog, rtype, L->t_kind, &v)
		       ? (unsigned)(v & KIND_MASK)
		       : 0;
}

/* The element type of a pointer, slice, array or channel descriptor of @p kind. */
static bool rt_elem(struct prop *p, uint64_t rtype, unsigned kind, uint64_t *ret)
{
	const struct graph_layout *L = &p->b->L;
	struct gf f = kind == KIND_POINTER ? L->pt_elem
		      : kind == KIND_SLICE ? L->sl_elem
		      : kind == KIND_ARRAY ? L->ar_elem
		      : L->ch_elem;
	uint64_t v;
	if (!f.present || rt_kind(p, rtype) != kind || !gl_peek_field(p->b->prog, rtype, f, &v) || !v)
		return false;
	*ret = v;
	return true;
}

/* A slot pointing to values of runtime type @p elem (an array of them with @p array). */
static struct slot rt_pointer_slot(struct prop *p, uint64_t off, uint64_t elem, bool array)
{
	struct slot s = {.off = off, .kind = array ? SLOT_SLICE : SLOT_PTR, .rtype = elem,
			 .layout = UNRESOLVED, .type_id = NONE};
	struct type_mask *m = gb_type_mask(p->b, elem);
	if (m) {
		s.type_id = rtype_type_id(p, m);
		if (array)
			s.type_id = array_type(p, s.type_id);
	} else {
		s.layout = NONE;
	}
	return s;
}

/*
 * Append the slots of a value of runtime type @p rtype at @p off to layout
 * @p lid, from its descriptor (internal/abi/type.go): a struct's fields, an
 * array's element, the element a pointer or slice refers to, an interface
 * (empty or not), a string, a func value.  What the descriptor does not
 * describe (a map's internals, unsafe.Pointer) adds nothing.
 */
static void add_rvalue(struct prop *p, uint32_t lid, uint64_t rtype, uint64_t off, int depth)
{
	const struct graph_layout *L = &p->b->L;
	struct hc_program *prog = p->b->prog;
	struct type_mask *m = gb_type_mask(p->b, rtype);
	uint64_t elem, n, v;
	if (depth > MAX_NESTING || p->oom || !m || m->ptrwords == 0)
		return;
	switch (rt_kind(p, rtype)) {
	case KIND_POINTER:
		if (rt_elem(p, rtype, KIND_POINTER, &elem))
			add_slot(p, lid, rt_pointer_slot(p, off, elem, false));
		return;
	case KIND_SLICE:
		if (rt_elem(p, rtype, KIND_SLICE, &elem))
			add_slot(p, lid, rt_pointer_slot(p, off, elem, true));
		return;
	case KIND_STRING:
		add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_STRING, .layout = NONE,
					       .type_id = named_type(p, "string")});
		return;
	case KIND_INTERFACE:
		if (!L->it_nmethods.present || !gl_peek_field(prog, rtype, L->it_nmethods, &n))
			return;
		add_slot(p, lid, (struct slot){.off = off, .kind = n ? SLOT_IFACE : SLOT_EFACE,
					       .layout = NONE, .type_id = NONE});
		return;
	case KIND_FUNC:
		add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_FUNC, .layout = NONE,
					       .type_id = NONE});
		return;
	case KIND_CHAN:
		add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_HCHAN, .layout = NONE,
					       .type_id = NONE});
		return;
	case KIND_ARRAY: {
		struct type_mask *em;
		if (!rt_elem(p, rtype, KIND_ARRAY, &elem) || !L->ar_len.present ||
		    !gl_peek_field(prog, rtype, L->ar_len, &n) || n == 0 ||
		    !(em = gb_type_mask(p->b, elem)) || em->size == 0 || n > m->size / em->size)
			return;
		uint32_t el = rtype_layout(p, elem, depth + 1);
		if (el == NONE || p->layouts[el].nslots == 0)
			return;
		if (n * p->layouts[el].nslots <= FLATTEN_MAX) {
			for (uint64_t i = 0; i < n; i++)
				for (size_t k = 0; k < p->layouts[el].nslots; k++) {
					struct slot s = p->layouts[el].slots[k];
					s.off += off + i * em->size;
					if (!add_slot(p, lid, s))
						return;
				}
		} else {
			add_slot(p, lid, (struct slot){.off = off, .kind = SLOT_ARRAY, .count = n,
						       .stride = em->size, .layout = el,
						       .type_id = NONE});
		}
		return;
	}
	case KIND_STRUCT: {
		uint64_t fields;
		uint8_t f[64];
		if (!L->st_fields.present || !L->st_nfields.present || !L->sf_typ.present ||
		    !L->sf_offset.present || L->sf_sizeof == 0 || L->sf_sizeof > sizeof(f) ||
		    !gl_peek_field(prog, rtype, L->st_fields, &fields) ||
		    !gl_peek_field(prog, rtype, L->st_nfields, &n) || n > RT_MAX_FIELDS)
			return;
		for (uint64_t i = 0; i < n && !p->oom; i++) {
			if (!hc_memory_peek(&prog->mem, fields + i * L->sf_sizeof, f, L->sf_sizeof))
				return;
			v = gl_get(f, L->sf_offset);
			elem = gl_get(f, L->sf_typ);
			if (v < m->size && elem)
				add_rvalue(p, lid, elem, off + v, depth + 1);
		}
		return;
	}
	default:
		return;
	}
}

/*
 * The layout of a value of runtime type @p rtype, from its descriptor: for
 * types DWARF does not describe, and without DWARF.
 */
static uint32_t rtype_layout(struct prop *p, uint64_t rtype, int depth)
{
	uint64_t id;
	if (hc_u64map_get(&p->by_rlayout, rtype, &id))
		return (uint32_t)id;
	struct type_mask *m = gb_type_mask(p->b, rtype);
	if (depth > MAX_NESTING || !m)
		return NONE;
	if (!hc_grow(&p->layouts, &p->cap_layouts, p->nlayouts + 1, sizeof(*p->layouts))) {
		p->oom = true;
		return NONE;
	}
	uint32_t lid = (uint32_t)p->nlayouts++;
	p->layouts[lid] = (struct layout){.size = m->size};
	if (!hc_u64map_put(&p->by_rlayout, rtype, lid)) {
		p->oom = true;
		return NONE;
	}
	add_rvalue(p, lid, rtype, 0, depth);
	return lid;
}

/*
 * Whether type @p t says less than DWARF can: runtime.hchan (no element
 * type), runtime.bmap and runtime.hmap (no keys or values: an old map's
 * buckets on its overflow list, a map behind the runtime's own *hmap), and
 * generic code's go.shape types.
 */
static bool type_generic(struct prop *p, uint32_t t)
{
	const struct hc_graph *g = p->b->g;
	if (t >= g->ntypes)
		return false;
	if (t >= p->cap_generic) {
		size_t cap = p->cap_generic;
		if (!hc_grow(&p->generic, &cap, (size_t)g->ntypes, 1)) {
			p->oom = true;
			return false;
		}
		memset(p->generic + p->cap_generic, 0, cap - p->cap_generic);
		p->cap_generic = cap;
	}
	if (!p->generic[t]) {
		const char *n = g->types[t].name;
		bool generic = strcmp(n, "runtime.hchan") == 0 || strcmp(n, "runtime.bmap") == 0 ||
			       strcmp(n, "runtime.hmap") == 0 || strstr(n, "go.shape.") != NULL;
		p->generic[t] = generic ? 2 : 1;
	}
	return p->generic[t] == 2;
}

static bool bit(const uint64_t *bits, uint32_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

/*
 * Type @p obj (at @p start) and queue its words for a walk with @p layout,
 * once; again only when a generic type it was given gives way to a
 * specific one.
 */
static void enqueue(struct prop *p, uint32_t obj, uint64_t start, uint32_t layout,
		    uint32_t type_id)
{
	struct hc_graph *g = p->b->g;
	bool generic = type_id != NONE && type_generic(p, type_id);
	if (bit(p->done, obj)) {
		if (!bit(p->weak, obj) || type_id == NONE || generic)
			return;
		p->weak[obj / 64] &= ~(1ULL << (obj % 64));
		g->type[obj] = type_id;
	} else {
		p->done[obj / 64] |= 1ULL << (obj % 64);
		if (type_id != NONE && g->types[g->type[obj]].untyped) {
			g->type[obj] = type_id;
			if (generic)
				p->weak[obj / 64] |= 1ULL << (obj % 64);
		}
	}
	if (layout == NONE || p->layouts[layout].nslots == 0)
		return;
	if (p->tail == p->cap) {
		size_t cap = p->cap;
		if (!hc_grow(&p->queue_addr, &cap, p->tail + 1, sizeof(*p->queue_addr))) {
			p->oom = true;
			return;
		}
		cap = p->cap;
		if (!hc_grow(&p->queue_layout, &cap, p->tail + 1, sizeof(*p->queue_layout))) {
			p->oom = true;
			return;
		}
		p->cap = cap;
	}
	p->queue_addr[p->tail] = start;
	p->queue_layout[p->tail] = layout;
	p->tail++;
}

/* The object a pointer points at the start of (after a malloc header), and its run. */
static uint32_t pointee_run(struct prop *p, uint64_t v, uint64_t *start,
			    const struct hc_graph_run **run)
{
	if (v < 4096)
		return NONE;
	uint32_t t = hc_graph_locate(p->b->g, v, start, run);
	if (t == NONE)
		return NONE;
	return v == *start || (v == *start + 8 && (*run)->header) ? t : NONE;
}

static uint32_t pointee(struct prop *p, uint64_t v, uint64_t *start)
{
	const struct hc_graph_run *run;
	return pointee_run(p, v, start, &run);
}

/*
 * The object a string or slice points into: a substring or subslice starts
 * anywhere in it, and the tiny allocator packs short strings into one
 * 16-byte block (malloc.go: maxTinySize).  A slice's elements start at
 * @p esize multiples from the object's data; the bytes of a string in a
 * pointer-free object.
 */
static uint32_t pointee_within(struct prop *p, uint64_t v, uint64_t esize, uint64_t *start)
{
	const struct hc_graph_run *run;
	if (v < 4096)
		return NONE;
	uint32_t t = hc_graph_locate(p->b->g, v, start, &run);
	if (t == NONE)
		return NONE;
	uint64_t data = *start + (run->header ? 8 : 0);
	if (v < data)
		return NONE;
	if (esize)
		return (v - data) % esize == 0 ? t : NONE;
	/* Untyped group ids are span classes: odd ones are noscan. */
	uint32_t ty = p->b->g->type[t];
	return v == data || (p->b->g->types[ty].untyped && (ty & 1)) ? t : NONE;
}

/* "[]T" for type @p t: the name of an array of T. */
static uint32_t array_type(struct prop *p, uint32_t t)
{
	uint64_t v;
	if (t == NONE)
		return NONE;
	if (hc_u64map_get(&p->array_of, t, &v))
		return (uint32_t)v;
	char name[600];
	snprintf(name, sizeof(name), "[]%s", p->b->g->types[t].name);
	uint32_t a = named_type(p, name);
	if (!hc_u64map_put(&p->array_of, t, a))
		p->oom = true;
	return a;
}

/*
 * A *T at object @p obj: an array of T when the object holds two T or more
 * (a map's buckets or groups behind a pointer to the first, &a[0]), as the
 * runtime names arrays it types (size classes never round one value up
 * that far).
 */
static uint32_t ptr_type(struct prop *p, const struct hc_graph_run *run, uint32_t layout,
			 uint32_t type_id)
{
	uint64_t esize = layout != NONE ? p->layouts[layout].size : 0;
	uint64_t data = run->elemsize - (run->header ? 8 : 0);
	return esize && data >= 2 * esize ? array_type(p, type_id) : type_id;
}

/*
 * A channel's specific type from its runtime element type @p rtype:
 * DWARF's hchan<T> (its layout types the buffer), or NONE when DWARF has
 * no such type.
 */
static void hchan_target(struct prop *p, uint64_t rtype, uint32_t *layout, uint32_t *type_id)
{
	uint64_t v;
	*layout = *type_id = NONE;
	if (hc_u64map_get(&p->by_hchan, rtype, &v)) {
		*layout = (uint32_t)v;
		*type_id = (uint32_t)(v >> 32);
		return;
	}
	struct type_mask *m = gb_type_mask(p->b, rtype);
	char name[600];
	Dwarf_Die die;
	if (m && m->name && (size_t)snprintf(name, sizeof(name), "hchan<%s>", m->name) < sizeof(name) &&
	    dwarf_type_named(p, name, &die)) {
		*layout = layout_of(p, &die, 0);
		*type_id = named_type(p, name);
	}
	if (!hc_u64map_put(&p->by_hchan, rtype, (uint64_t)*type_id << 32 | *layout))
		p->oom = true;
}

/* The layout and type ("[]T") of a channel buffer of runtime element type @p rtype. */
static void chan_target(struct prop *p, uint64_t rtype, uint32_t *layout, uint32_t *type_id)
{
	uint64_t v;
	*layout = *type_id = NONE;
	if (hc_u64map_get(&p->by_chan, rtype, &v)) {
		*layout = (uint32_t)v;
		*type_id = (uint32_t)(v >> 32);
		return;
	}
	struct type_mask *m = gb_type_mask(p->b, rtype);
	Dwarf_Die die;
	if (m && m->name && dwarf_type_named(p, m->name, &die)) {
		char name[512];
		snprintf(name, sizeof(name), "[]%s", m->name);
		*layout = layout_of(p, &die, 0);
		*type_id = named_type(p, name);
	} else if (m && m->name) {
		*layout = rtype_layout(p, rtype, 0);
		*type_id = array_type(p, rtype_type_id(p, m));
	}
	if (!hc_u64map_put(&p->by_chan, rtype, (uint64_t)*type_id << 32 | *layout))
		p->oom = true;
}

/* The layout of what an interface's data word points to, for dynamic type @p rtype. */
static void iface_target(struct prop *p, uint64_t rtype, uint32_t *layout, uint32_t *type_id)
{
	uint64_t v;
	*layout = *type_id = NONE;
	if (hc_u64map_get(&p->by_rtype, rtype, &v)) {
		*layout = (uint32_t)v;
		*type_id = (uint32_t)(v >> 32);
		return;
	}
	struct type_mask *m = gb_type_mask(p->b, rtype);
	const char *name = m ? m->name : NULL;
	if (name && m->direct_iface) {
		/* The data word is the value: only a *T says what it points to. */
		name = name[0] == '*' ? name + 1 : NULL;
	}
	Dwarf_Die die;
	if (name && dwarf_type_named(p, name, &die)) {
		*layout = layout_of(p, &die, 0);
		*type_id = named_type(p, name);
	} else if (name) {
		/* A type DWARF leaves out: Go 1.22 and 1.23 describe no type that
		 * only an itab reaches, and the linker describes no T of a *T
		 * used only through its generic shape.  The descriptor says:
		 * the value's own, or a *T's Elem (internal/abi.PtrType); a T
		 * that DWARF does describe is laid out from DWARF. */
		uint64_t elem = rtype;
		if (m->direct_iface && !rt_elem(p, rtype, KIND_POINTER, &elem))
			elem = 0;
		struct type_mask *em = elem ? gb_type_mask(p->b, elem) : NULL;
		if (em && em->name && dwarf_type_named(p, em->name, &die)) {
			*layout = layout_of(p, &die, 0);
			*type_id = named_type(p, em->name);
		} else if (em) {
			*layout = rtype_layout(p, elem, 0);
			*type_id = rtype_type_id(p, em);
		}
	}
	if (!hc_u64map_put(&p->by_rtype, rtype, (uint64_t)*type_id << 32 | *layout))
		p->oom = true;
}

/* The layout of a slot's pointee of type @p die, looked up once. */
static uint32_t die_layout(struct prop *p, Dwarf_Off die, uint32_t *layout)
{
	if (*layout == UNRESOLVED) {
		Dwarf_Die d;
		*layout = dwarf_offdie(p->dw->dwarf, die, &d) ? layout_of(p, &d, 0) : NONE;
	}
	return *layout;
}

static uint32_t slot_layout(struct prop *p, struct slot *s)
{
	if (!s->die && s->rtype) {
		if (s->layout == UNRESOLVED)
			s->layout = rtype_layout(p, s->rtype, 0);
		return s->layout;
	}
	return die_layout(p, s->die, &s->layout);
}

/* "closure F" for a funcval whose code word is function F's entry. */
static uint32_t closure_type(struct prop *p, uint64_t pc)
{
	uint64_t v;
	if (hc_u64map_get(&p->by_func, pc, &v))
		return (uint32_t)v;
	const char *fn = p->pcln ? hc_pcln_func_at(p->pcln, pc) : NULL;
	uint32_t t = NONE;
	if (fn) {
		char name[600];
		snprintf(name, sizeof(name), "closure %s", fn);
		t = named_type(p, name);
	}
	if (!hc_u64map_put(&p->by_func, pc, t))
		p->oom = true;
	return t;
}

/*
 * Walk the slots of layout @p lid over @p len bytes of a value at @p mem.
 * With @p only >= 0, just the slot whose pointer word is at that offset (a
 * stack variable of which only that word is known to be live and on the
 * stack), and no interfaces (their type word may not be).
 */
static void apply_words(struct prop *p, uint32_t lid, const uint8_t *mem, uint64_t len,
			int64_t only, int depth)
{
	/* Each layout's slots are their own allocation: resolving a pointee's
	 * layout below may move p->layouts, not them. */
	struct slot *slots = p->layouts[lid].slots;
	size_t nslots = p->layouts[lid].nslots;
	for (size_t k = 0; k < nslots; k++) {
		struct slot *s = &slots[k];
		uint64_t v, w, start;
		if (s->off + 8 > len)
			continue;
		if (only >= 0 && s->kind != SLOT_ARRAY && (uint64_t)only != s->off)
			continue;
		memcpy(&v, mem + s->off, 8);
		switch (s->kind) {
		case SLOT_PTR: {
			const struct hc_graph_run *run;
			uint32_t obj = pointee_run(p, v, &start, &run);
			/* (Most pointers reach objects already walked.) */
			if (obj == NONE || (bit(p->done, obj) && !bit(p->weak, obj)))
				break;
			uint32_t layout = slot_layout(p, s);
			enqueue(p, obj, start, layout, ptr_type(p, run, layout, s->type_id));
			break;
		}
		case SLOT_SLICE: {
			uint32_t layout = slot_layout(p, s);
			uint32_t obj = pointee_within(p, v, layout != NONE ? p->layouts[layout].size : 0,
						      &start);
			if (obj != NONE)
				enqueue(p, obj, start, layout, s->type_id);
			break;
		}
		case SLOT_STRING: {
			uint32_t obj = pointee_within(p, v, 0, &start);
			if (obj != NONE)
				enqueue(p, obj, start, NONE, s->type_id);
			break;
		}
		case SLOT_HCHAN: {
			uint32_t obj = pointee(p, v, &start);
			if (obj == NONE)
				break;
			uint32_t layout = slot_layout(p, s), type_id = s->type_id, l2, t2;
			uint64_t rtype;
			if (p->hchan_elemtype >= 0 &&
			    hc_memory_peek_u64(&p->b->prog->mem, start + (uint64_t)p->hchan_elemtype,
					       &rtype) && rtype) {
				hchan_target(p, rtype, &l2, &t2);
				if (t2 != NONE) {
					layout = l2;
					type_id = t2;
				}
			}
			enqueue(p, obj, start, layout, type_id);
			break;
		}
		case SLOT_SWISSDIR: {
			uint64_t dirlen;
			uint32_t obj = pointee(p, v, &start);
			if (obj == NONE || s->stride + 8 > len || only >= 0)
				break;
			memcpy(&dirlen, mem + s->stride, 8);
			if (dirlen == 0) {
				enqueue(p, obj, start, slot_layout(p, s), s->type_id);
			} else {
				/* The directory: an array of *table, however short. */
				enqueue(p, obj, start, die_layout(p, s->alt.die, &s->alt.layout),
					array_type(p, s->alt.type_id));
			}
			break;
		}
		case SLOT_EFACE:
		case SLOT_IFACE: {
			if (s->off + 16 > len || !v || only >= 0)
				break;
			memcpy(&w, mem + s->off + 8, 8);
			uint32_t obj = pointee(p, w, &start);
			if (obj == NONE)
				break;
			uint64_t rtype = v;
			/* itab: inter, then _type (runtime/runtime2.go, internal/abi.ITab). */
			if (s->kind == SLOT_IFACE && !hc_memory_peek_u64(&p->b->prog->mem, v + 8, &rtype))
				break;
			uint32_t layout, type_id;
			iface_target(p, rtype, &layout, &type_id);
			if (type_id != NONE)
				enqueue(p, obj, start, layout, type_id);
			break;
		}
		case SLOT_CHANBUF: {
			uint64_t rtype;
			if (only >= 0 || s->stride + 8 > len)
				break;
			memcpy(&rtype, mem + s->stride, 8);
			uint32_t obj = rtype ? pointee(p, v, &start) : NONE;
			if (obj == NONE)
				break; /* no buffer, or one inside the hchan (no pointers) */
			uint32_t layout, type_id;
			chan_target(p, rtype, &layout, &type_id);
			if (type_id != NONE)
				enqueue(p, obj, start, layout, type_id);
			break;
		}
		case SLOT_FUNC: {
			uint32_t obj = pointee(p, v, &start);
			const uint8_t *code = obj != NONE ? hc_memory_ptr(&p->b->prog->mem, start, 8) : NULL;
			if (!code)
				break; /* no closure, or a static funcval outside the heap */
			memcpy(&w, code, 8);
			uint32_t type_id = closure_type(p, w);
			if (type_id != NONE)
				enqueue(p, obj, start, NONE, type_id);
			break;
		}
		case SLOT_TRIE: {
			uint32_t obj = pointee(p, v, &start);
			const uint8_t *is_entry = obj != NONE ? hc_memory_ptr(&p->b->prog->mem, start, 1) : NULL;
			if (!is_entry)
				break;
			if (*is_entry)
				enqueue(p, obj, start, slot_layout(p, s), s->type_id);
			else
				enqueue(p, obj, start, die_layout(p, s->alt.die, &s->alt.layout),
					s->alt.type_id);
			break;
		}
		case SLOT_ARRAY:
			if (depth >= MAX_NESTING)
				break;
			for (uint64_t i = 0; i < s->count && s->off + (i + 1) * s->stride <= len; i++) {
				uint64_t at = s->off + i * s->stride;
				if (only >= 0 && ((uint64_t)only < at || (uint64_t)only >= at + s->stride))
					continue;
				apply_words(p, s->layout, mem + at, s->stride,
					    only >= 0 ? (int64_t)((uint64_t)only - at) : -1, depth + 1);
			}
			break;
		}
	}
}

static void apply(struct prop *p, uint32_t lid, const uint8_t *mem, uint64_t len, int depth)
{
	apply_words(p, lid, mem, len, -1, depth);
}

/*
 * Walk object @p obj as an array of layout @p lid.  An object at least twice
 * its type's size is an array of it (a slice's backing store, a map's groups
 * behind a pointer to the first); size classes never round a single value up
 * that far.
 */
static void scan_object(struct prop *p, uint64_t start, uint32_t lid)
{
	size_t i = hc_go_span_index(p->b->go, start);
	if (i >= p->b->g->nruns)
		return;
	const struct hc_graph_run *run = &p->b->g->runs[i];
	uint64_t data = run->header ? 8 : 0, size = run->elemsize;
	const uint8_t *mem = hc_memory_ptr(&p->b->prog->mem, start, size);
	uint64_t esize = p->layouts[lid].size;
	if (!mem)
		return;
	for (uint64_t o = data; o + esize <= size; o += esize)
		apply(p, lid, mem + o, esize, 0);
}

/*
 * Globals holding roots, walked with their DWARF type: variables, and the
 * static data variables point to (an array of elements when esize).
 */
static void seed_globals(struct prop *p)
{
	struct builder *b = p->b;
	const struct hc_graph *g = b->g;
	for (size_t i = 0; i < g->nglobals && !p->oom; i++) {
		const struct hc_graph_global *v = &g->globals[i];
		Dwarf_Die type;
		if (!v->rooted || !v->type || v->size > (1u << 24) ||
		    !dwarf_offdie(p->dw->dwarf, v->type, &type))
			continue;
		uint32_t lid = layout_of(p, &type, 0);
		if (lid == NONE)
			continue;
		uint64_t esize = v->esize ? v->esize : v->size;
		/* A variable may straddle two mappings (the end of .data, the
		 * start of .bss): then it is copied. */
		const uint8_t *mem = hc_memory_ptr(&b->prog->mem, v->addr, v->size);
		uint8_t *copy = NULL;
		if (!mem && (copy = malloc(v->size)) &&
		    hc_memory_peek(&b->prog->mem, v->addr, copy, v->size))
			mem = copy;
		for (uint64_t o = 0; mem && o + esize <= v->size; o += esize)
			apply(p, lid, mem + o, esize, 0);
		free(copy);
	}
}

/* Stack words whose variable DWARF names: the variable's type types what
 * the word points to. */
static void seed_stacks(struct prop *p)
{
	struct builder *b = p->b;
	for (size_t i = 0; i < b->nstack_seeds && !p->oom; i++) {
		const struct gb_stack_seed *sd = &b->stack_seeds[i];
		Dwarf_Die type;
		uint64_t size = 0;
		if (!dwarf_offdie(p->dw->dwarf, sd->type, &type))
			continue;
		struct hc_error *e = hc_dwarf_die_size(&type, &size);
		hc_error_destroy(e);
		if (e || sd->off + 8 > size || size > (1u << 20))
			continue;
		/* The variable's bytes on the stack (only the known word is used). */
		const uint8_t *mem = hc_memory_ptr(&b->prog->mem, sd->addr - sd->off, size);
		uint32_t lid = layout_of(p, &type, 0);
		if (mem && lid != NONE)
			apply_words(p, lid, mem, size, (int64_t)sd->off, 0);
	}
}

/* Objects the runtime typed (malloc headers, largeType) whose type DWARF knows. */
static void seed_runtime_typed(struct prop *p)
{
	struct hc_graph *g = p->b->g;
	uint32_t *by_type = malloc((g->ntypes ? g->ntypes : 1) * sizeof(*by_type));
	if (!by_type) {
		p->oom = true;
		return;
	}
	uint32_t ntypes = g->ntypes; /* layouts below may add types */
	for (uint32_t t = 0; t < ntypes; t++) {
		by_type[t] = NONE;
		const struct hc_type_info *ti = &g->types[t];
		Dwarf_Die die;
		if (!ti->rtype)
			continue;
		const char *tn = ti->name;
		if (tn[0] == '[' && tn[1] == ']')
			tn += 2; /* an array of the runtime's element type */
		if (dwarf_type_named(p, tn, &die))
			by_type[t] = layout_of(p, &die, 0);
		else
			by_type[t] = rtype_layout(p, ti->rtype, 0);
	}
	for (size_t i = 0; i < g->nruns && !p->oom; i++) {
		const struct hc_graph_run *run = &g->runs[i];
		const uint64_t *bits = g->allocmap + run->bits_off;
		uint32_t v = run->first;
		for (uint32_t k = 0; k < run->nslots; k++) {
			if (!(bits[k / 64] >> (k % 64) & 1))
				continue;
			uint32_t t = g->type[v];
			if (t < ntypes && by_type[t] != NONE)
				enqueue(p, v, run->base + (uint64_t)k * run->elemsize, by_type[t], NONE);
			v++;
		}
	}
	free(by_type);
}

/*
 * Typing that stops short leaves objects untyped: the answer then differs,
 * and says so.  (Typing may run beside the dominator pass, which raises no
 * warnings; the lock keeps it so.)
 */
static void typing_incomplete(struct builder *b, struct hc_error *err)
{
	pthread_mutex_lock(&b->lock);
	if (!err || err == &hc_enomem)
		hc_warn_oom(&b->prog->warnings[HC_PHASE_GRAPH],
			    "typing objects from DWARF stopped: out of memory; objects it did not reach are untyped");
	else
		hc_warn(&b->prog->warnings[HC_PHASE_GRAPH],
			"objects are typed only as the runtime recorded them: %s",
			hc_error_message(err));
	pthread_mutex_unlock(&b->lock);
	hc_error_destroy(err);
}

void gb_propagate_types(struct builder *b, bool report_progress)
{
	struct hc_graph *g = b->g;
	struct prop p = {.b = b};
	hc_strmap_init(&p.names);
	hc_u64map_init(&p.by_die);
	hc_u64map_init(&p.by_rtype);
	hc_u64map_init(&p.by_chan);
	hc_u64map_init(&p.by_func);
	hc_u64map_init(&p.by_hchan);
	hc_u64map_init(&p.array_of);
	hc_u64map_init(&p.by_rlayout);
	struct hc_error *err = hc_dwarf_index_get(b->prog, &p.dw);
	if (err) {
		typing_incomplete(b, err);
		return;
	}
	struct hc_field elemtype;
	p.hchan_elemtype = -1;
	if (!(err = hc_dwarf_field(p.dw, "runtime.hchan", "elemtype", &elemtype)))
		p.hchan_elemtype = (int64_t)elemtype.offset;
	else if (err == &hc_enomem)
		p.oom = true;
	hc_error_destroy(err);
	if ((err = hc_pcln_get(b->prog, &p.pcln))) {
		if (err == &hc_enomem)
			p.oom = true;
		hc_error_destroy(err); /* closures stay untyped */
		p.pcln = NULL;
	}
	p.done = calloc(((size_t)g->nobjects + 63) / 64 + 1, sizeof(*p.done));
	p.weak = calloc(((size_t)g->nobjects + 63) / 64 + 1, sizeof(*p.weak));
	if (!p.done || !p.weak) {
		free(p.done);
		free(p.weak);
		typing_incomplete(b, NULL);
		return;
	}
	for (uint32_t t = 0; t < g->ntypes && !p.oom; t++)
		if (!g->types[t].untyped && !hc_strmap_put(&p.names, g->types[t].name, t, false))
			p.oom = true;
	seed_globals(&p);
	seed_stacks(&p);
	seed_runtime_typed(&p);
	for (uint64_t done = 0; p.tail && !p.oom; done++) {
		if (report_progress)
			hc_progress(&b->prog->progress, "typing objects", done, g->nobjects);
		p.tail--;
		uint64_t addr = p.queue_addr[p.tail];
		uint32_t lid = p.queue_layout[p.tail];
		scan_object(&p, addr, lid);
	}
	if (report_progress)
		hc_progress(&b->prog->progress, "typing objects", g->nobjects, g->nobjects);
	if (p.oom)
		typing_incomplete(b, NULL);
	for (size_t i = 0; i < p.nlayouts; i++)
		free(p.layouts[i].slots);
	free(p.layouts);
	free(p.done);
	free(p.weak);
	free(p.generic);
	free(p.queue_addr);
	free(p.queue_layout);
	hc_strmap_deinit(&p.names);
	hc_u64map_deinit(&p.by_die);
	hc_u64map_deinit(&p.by_rtype);
	hc_u64map_deinit(&p.by_chan);
	hc_u64map_deinit(&p.by_func);
	hc_u64map_deinit(&p.by_hchan);
	hc_u64map_deinit(&p.array_of);
	hc_u64map_deinit(&p.by_rlayout);
}
