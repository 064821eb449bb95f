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
 * entry, which names it.
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
};

struct slot {
	uint64_t off;
	uint64_t count, stride; /* SLOT_ARRAY */
	Dwarf_Off die;          /* the pointee's type (SLOT_PTR, SLOT_SLICE) */
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
	if (!copy)
		return NONE;
	uint32_t t = gb_add_type(p->b, 0, copy);
	if (t == NONE || !hc_strmap_put(&p->names, p->b->g->types[t].name, t, false))
		return NONE;
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
	if (name) {
		char buf[512];
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
	enum hc_go_struct gs = hc_dwarf_go_struct_die(&t);
	if (gs == HC_GO_EFACE || gs == HC_GO_IFACE) {
		add_slot(p, lid, (struct slot){.off = off,
					       .kind = gs == HC_GO_EFACE ? SLOT_EFACE : SLOT_IFACE,
					       .layout = NONE, .type_id = NONE});
		return;
	}
	/* A channel's buffer is an unsafe.Pointer to elements of elemtype. */
	struct hc_field buf, elemtype;
	if (gs == HC_GO_HCHAN) {
		e = hc_dwarf_die_field(&t, "buf", &buf);
		if (!e)
			e = hc_dwarf_die_field(&t, "elemtype", &elemtype);
		if (!e)
			add_slot(p, lid, (struct slot){.off = off + buf.offset, .kind = SLOT_CHANBUF,
						       .stride = off + elemtype.offset,
						       .layout = NONE, .type_id = NONE});
		hc_error_destroy(e);
	}
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

/* Type @p obj (at @p start) and queue its words for a walk with @p layout. */
static void enqueue(struct prop *p, uint32_t obj, uint64_t start, uint32_t layout,
		    uint32_t type_id)
{
	struct hc_graph *g = p->b->g;
	if (p->done[obj / 64] >> (obj % 64) & 1)
		return;
	p->done[obj / 64] |= 1ULL << (obj % 64);
	if (type_id != NONE && g->types[g->type[obj]].untyped)
		g->type[obj] = type_id;
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

/* The object a pointer points at the start of (after a malloc header). */
static uint32_t pointee(struct prop *p, uint64_t v, uint64_t *start)
{
	const struct hc_graph_run *run;
	if (v < 4096)
		return NONE;
	uint32_t t = hc_graph_locate(p->b->g, v, start, &run);
	if (t == NONE)
		return NONE;
	return v == *start || (v == *start + 8 && run->header) ? t : NONE;
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
	struct hc_error *e = m && m->name ? hc_dwarf_type(p->dw, m->name, &die) : &hc_enomem;
	if (!e) {
		char name[512];
		snprintf(name, sizeof(name), "[]%s", m->name);
		*layout = layout_of(p, &die, 0);
		*type_id = named_type(p, name);
	} else if (e != &hc_enomem) {
		hc_error_destroy(e);
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
	struct hc_error *e = name ? hc_dwarf_type(p->dw, name, &die) : NULL;
	if (name && !e) {
		*layout = layout_of(p, &die, 0);
		*type_id = named_type(p, name);
	}
	hc_error_destroy(e);
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
		case SLOT_PTR:
		case SLOT_SLICE: {
			uint32_t obj = pointee(p, v, &start);
			if (obj != NONE)
				enqueue(p, obj, start, slot_layout(p, s), s->type_id);
			break;
		}
		case SLOT_STRING: {
			uint32_t obj = pointee(p, v, &start);
			if (obj != NONE)
				enqueue(p, obj, start, NONE, s->type_id);
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
		struct hc_error *e = hc_dwarf_type(p->dw, tn, &die);
		if (e) {
			hc_error_destroy(e);
			continue;
		}
		by_type[t] = layout_of(p, &die, 0);
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

void gb_propagate_types(struct builder *b, bool report_progress)
{
	struct hc_graph *g = b->g;
	struct prop p = {.b = b};
	hc_strmap_init(&p.names);
	hc_u64map_init(&p.by_die);
	hc_u64map_init(&p.by_rtype);
	hc_u64map_init(&p.by_chan);
	hc_u64map_init(&p.by_func);
	struct hc_error *err = hc_dwarf_index_get(b->prog, &p.dw);
	if (err) {
		hc_error_destroy(err);
		return;
	}
	if ((err = hc_pcln_get(b->prog, &p.pcln))) {
		hc_error_destroy(err); /* closures stay untyped */
		p.pcln = NULL;
	}
	p.done = calloc(((size_t)g->nobjects + 63) / 64 + 1, sizeof(*p.done));
	if (!p.done)
		return;
	for (uint32_t t = 0; t < g->ntypes; t++)
		if (!g->types[t].untyped)
			hc_strmap_put(&p.names, g->types[t].name, t, false);
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
	for (size_t i = 0; i < p.nlayouts; i++)
		free(p.layouts[i].slots);
	free(p.layouts);
	free(p.done);
	free(p.queue_addr);
	free(p.queue_layout);
	hc_strmap_deinit(&p.names);
	hc_u64map_deinit(&p.by_die);
	hc_u64map_deinit(&p.by_rtype);
	hc_u64map_deinit(&p.by_chan);
	hc_u64map_deinit(&p.by_func);
}
