/*
 * Building the object graph of the Go heap and its dominator tree.
 *
 * Pointers come from the runtime's own metadata (mbitmap.go, Go 1.22+
 * "allocation headers"):
 *  - noscan spans hold no pointers;
 *  - objects of at most 512 bytes: one bit per word in a bitmap at the end
 *    of the span (mbitmap.go:heapBitsSmallForAddr), under the 128 bytes of
 *    inline mark bits with the Green Tea GC (mgcmark_greenteagc.go);
 *  - larger small objects: the slot's first word is the *abi.Type whose
 *    GCData mask repeats from slot+8 (malloc.go: mallocHeaderSize);
 *  - large objects: span.largeType, repeated over the span.
 * A type whose mask the runtime builds on demand and has not built yet
 * (TFlagGCMaskOnDemand with a nil slot; Go 1.24+) gets its mask from its
 * DWARF layout; without one it is scanned conservatively, and the report
 * says so.
 *
 * Roots: data and bss words the modules' GC masks mark as pointers, named by
 * the global (and field path) that holds them; goroutine stacks unwound with
 * the pclntab and read through stack maps (go_stack.c), conservatively where
 * they do not unwind; finalizers, cleanups, weak handles and the queues of
 * finalizers and cleanups; the registers of every thread.
 *
 * The dominator tree and the totals over it are the generic graph's
 * (graph/graph.c).
 */
#include <dwarf.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "target/corefile.h"
#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "go/go_layout.h"
#include "go/go_stack.h"
#include "go/go_graph.h"
#include "target/program.h"

/* What the graph's answers lack when a structure is damaged (hc_warn_damaged()). */
#define AFF_STACK_ROOTS "roots leave out the stacks of these goroutines, and what only they reach"
#define AFF_SPECIALS "roots leave out the finalizers, cleanups and weak handles past these records"

static struct hc_error *load_layout(struct hc_program *prog, struct graph_layout *L)
{
	struct gl_init in = {.prog = prog};
	struct hc_error *err = hc_dwarf_index_get(prog, &in.dw);
	if (err)
		return err;
	const char *t = "internal/abi.Type";
	L->t_size = gl_field(&in, t, "Size_");
	L->t_ptrbytes = gl_field(&in, t, "PtrBytes");
	L->t_tflag = gl_field(&in, t, "TFlag");
	L->t_kind = gl_field(&in, t, "Kind_");
	L->t_gcdata = gl_field(&in, t, "GCData");
	L->t_str = gl_field(&in, t, "Str");
	L->t_sizeof = gl_type_size(&in, t);
	L->s_largeType = gl_field(&in, "runtime.mspan", "largeType");
	L->moduledata = gl_symbol(&in, "runtime.firstmoduledata", NULL);
	const char *md = "runtime.moduledata";
	struct gf md_types = gl_field(&in, md, "types");
	if (in.err || !gl_peek_field(prog, L->moduledata, md_types, &L->types))
		L->types = 0;
	L->md_data = gl_field(&in, md, "data");
	L->md_edata = gl_field(&in, md, "edata");
	L->md_bss = gl_field(&in, md, "bss");
	L->md_ebss = gl_field(&in, md, "ebss");
	L->md_gcdata_n = gl_field(&in, md, "gcdatamask.n");
	L->md_gcdata_bytes = gl_field(&in, md, "gcdatamask.bytedata");
	L->md_gcbss_n = gl_field(&in, md, "gcbssmask.n");
	L->md_gcbss_bytes = gl_field(&in, md, "gcbssmask.bytedata");
	L->allgs = gl_symbol(&in, "runtime.allgs", NULL);
	L->g_lo = gl_field(&in, "runtime.g", "stack.lo");
	L->g_hi = gl_field(&in, "runtime.g", "stack.hi");
	L->g_sp = gl_field(&in, "runtime.g", "sched.sp");
	L->g_pc = gl_field(&in, "runtime.g", "sched.pc");
	L->g_syscallsp = gl_field(&in, "runtime.g", "syscallsp");
	L->g_syscallpc = gl_field(&in, "runtime.g", "syscallpc");
	L->g_status = gl_field(&in, "runtime.g", "atomicstatus");
	L->g_goid = gl_field(&in, "runtime.g", "goid");
	L->g_m = gl_field(&in, "runtime.g", "m");
	L->g_waitreason = gl_field(&in, "runtime.g", "waitreason");
	L->m_procid = gl_field(&in, "runtime.m", "procid");
	L->waitreasons = hc_program_symbol_addr(prog, "runtime.waitReasonStrings", NULL);
	if (L->waitreasons && !in.err) {
		Dwarf_Die type;
		uint64_t n = 0;
		struct hc_error *e = hc_dwarf_variable_type(in.dw, "runtime.waitReasonStrings", &type);
		if (!e)
			e = hc_dwarf_array_length(&type, &n);
		hc_error_destroy(e);
		L->nwaitreasons = n;
	}
	/* Specials (mheap.go) and the finalizer (mfinal.go) and cleanup
	 * (mcleanup.go, 1.26+) queues: roots when present, never required. */
	L->s_specials = gl_field_opt(&in, "runtime.mspan", "specials", false);
	L->sp_next = gl_field_opt(&in, "runtime.special", "next", false);
	L->sp_offset = gl_field_opt(&in, "runtime.special", "offset", false);
	L->sp_kind = gl_field_opt(&in, "runtime.special", "kind", false);
	L->spf_fn = gl_field_opt(&in, "runtime.specialfinalizer", "fn", false);
	L->spc_fn = gl_field_opt(&in, "runtime.specialCleanup", "fn", false);
	L->spw_handle = gl_field_opt(&in, "runtime.specialWeakHandle", "handle", false);
	L->kind_finalizer = gl_constant(&in, "runtime._KindSpecialFinalizer", -1, false);
	L->kind_cleanup = gl_constant(&in, "runtime._KindSpecialCleanup", -1, false);
	L->kind_weak = gl_constant(&in, "runtime._KindSpecialWeakHandle", -1, false);
	L->allfin = hc_program_symbol_addr(prog, "runtime.allfin", NULL);
	L->fb_alllink = gl_field_opt(&in, "runtime.finblock", "alllink", false);
	L->fb_cnt = gl_field_opt(&in, "runtime.finblock", "cnt", false);
	L->fb_fin = gl_field_opt(&in, "runtime.finblock", "fin", false);
	L->finalizer_size = L->fb_fin.present ? gl_type_size(&in, "runtime.finalizer") : 0;
	L->cleanups_all = 0;
	struct gf all = gl_field_opt(&in, "runtime.cleanupQueue", "all", false);
	uint64_t q = hc_program_symbol_addr(prog, "runtime.gcCleanups", NULL);
	if (all.present && q)
		L->cleanups_all = q + all.off;
	L->cb_alllink = gl_field_opt(&in, "runtime.cleanupBlock", "alllink", false);
	L->cb_n = gl_field_opt(&in, "runtime.cleanupBlock", "n", false);
	L->cb_cleanups = gl_field_opt(&in, "runtime.cleanupBlock", "cleanups", false);
	L->cleanupfn_size = L->cb_cleanups.present ? gl_type_size(&in, "runtime.cleanupFn") : 0;
	const char *abi[][2] = {
		{"internal/abi.PtrType", "Elem"}, {"internal/abi.SliceType", "Elem"},
		{"internal/abi.ArrayType", "Elem"}, {"internal/abi.ArrayType", "Len"},
		{"internal/abi.ChanType", "Elem"}, {"internal/abi.StructType", "Fields.array"},
		{"internal/abi.StructType", "Fields.len"}, {"internal/abi.StructField", "Typ"},
		{"internal/abi.StructField", "Offset"}, {"internal/abi.InterfaceType", "Methods.len"},
	};
	struct gf *abi_f[] = {&L->pt_elem, &L->sl_elem, &L->ar_elem, &L->ar_len, &L->ch_elem,
			      &L->st_fields, &L->st_nfields, &L->sf_typ, &L->sf_offset,
			      &L->it_nmethods};
	for (size_t i = 0; i < HC_ARRAY_SIZE(abi_f); i++)
		*abi_f[i] = gl_field_opt(&in, abi[i][0], abi[i][1], false);
	L->sf_sizeof = L->sf_typ.present ? gl_type_size(&in, "internal/abi.StructField") : 0;
	/* Go 1.22 and 1.23 mark GC programs in Kind_; 1.24 dropped them. */
	L->kind_gcprog = strncmp(prog->go_version, "go1.22", 6) == 0 ||
			 strncmp(prog->go_version, "go1.23", 6) == 0;
	return in.err;
}

/* ---- types ---- */

uint32_t gb_add_type(struct builder *b, uint64_t rtype, char *name)
{
	return hc_graph_add_type(&b->gb, rtype, name);
}

/* internal/abi/type.go:Name: [flags u8][uvarint length][bytes]. */
static char *type_name(struct builder *b, uint64_t rtype, const uint8_t *t)
{
	const struct graph_layout *L = &b->L;
	if (!L->types)
		return NULL;
	int32_t off = (int32_t)gl_get(t, L->t_str);
	uint64_t p = L->types + (uint64_t)(int64_t)off;
	uint8_t hdr[11];
	if (!hc_memory_peek(&b->prog->mem, p, hdr, sizeof(hdr)))
		return NULL;
	uint64_t len = 0;
	int i, shift = 0;
	for (i = 1; i < 11; i++, shift += 7) {
		len |= (uint64_t)(hdr[i] & 0x7f) << shift;
		if (!(hdr[i] & 0x80))
			break;
	}
	if (i == 11 || len == 0 || len > 4096)
		return NULL;
	char *name = calloc(1, len + 1);
	if (!name || !hc_memory_peek(&b->prog->mem, p + 1 + (uint64_t)i, name, len)) {
		free(name);
		return NULL;
	}
	(void)rtype;
	if ((gl_get(t, L->t_tflag) & TFLAG_EXTRA_STAR) && name[0] == '*')
		memmove(name, name + 1, len);
	return name;
}

/*
 * The runtime records the element type for arrays and slice backing stores
 * (malloc.go: newarray passes the element type).  A slot at least twice the
 * type's size, and a page more for large objects (whose span is the size
 * rounded up to pages), holds an array of it.
 */
static uint32_t object_type(struct builder *b, struct type_mask *m, uint64_t slot, bool large)
{
	if (slot < 2 * m->size || (large && slot < m->size + b->go->page_size))
		return m->type_id;
	if (m->array_type_id == NONE) {
		char *name;
		if (asprintf(&name, "[]%s", m->name ? m->name : "?") < 0) {
			b->type_oom = true;
			return m->type_id;
		}
		m->array_type_id = gb_add_type(b, m->rtype, name);
		if (m->array_type_id == NONE) {
			b->type_oom = true;
			return m->type_id;
		}
	}
	return m->array_type_id;
}

/*
 * A pointer mask from the type's DWARF layout, for a type whose mask the
 * runtime has not built (Go 1.24+ builds large types' masks on first use;
 * 1.22-1.23 describe them with GC programs).  Accepted only when its last
 * pointer word is the runtime's last (PtrBytes), so a DWARF type that does
 * not match the runtime's is never used.
 */
static uint8_t *dwarf_mask(Dwarf_Die *die, uint64_t ptrwords)
{
	uint8_t *bits = malloc((size_t)(ptrwords + 7) / 8);
	if (bits && hc_dwarf_pointer_mask(die, bits, ptrwords) &&
	    bits[(ptrwords - 1) / 8] >> ((ptrwords - 1) % 8) & 1)
		return bits;
	free(bits);
	return NULL;
}

/*
 * The DWARF type of runtime type @p rtype: Go links each type's DIE to its
 * descriptor (DW_AT_go_runtime_type, an offset from moduledata.types), and
 * so names it with its package path ("internal/godebug.setting") where the
 * runtime's own string has the package name ("godebug.setting"); else by
 * that string, which is enough for types of packages without a path.
 */
static bool rtype_die(struct builder *b, uint64_t rtype, const char *name, Dwarf_Die *die)
{
	struct hc_dwarf_index *dw;
	struct hc_error *e = hc_dwarf_index_get(b->prog, &dw);
	if (e) {
		hc_error_destroy(e);
		return false;
	}
	if (b->L.types && rtype >= b->L.types &&
	    hc_dwarf_type_of_rtype(dw, rtype - b->L.types, die))
		return true;
	if (!name || (e = hc_dwarf_type(dw, name, die))) {
		hc_error_destroy(e);
		return false;
	}
	return true;
}

/*
 * The decoded mask of a runtime type, cached.  Masks are allocated one by
 * one so that a pointer to one stays valid while others are added (the
 * scanning threads hold them); callers on several threads hold b->lock.
 */
struct type_mask *gb_type_mask(struct builder *b, uint64_t rtype)
{
	uint64_t v;
	if (hc_u64map_get(&b->mask_index, rtype, &v))
		return (struct type_mask *)(uintptr_t)v;
	/* A descriptor that does not decode is remembered as such too (0). */
	if (!hc_u64map_put(&b->mask_index, rtype, 0)) {
		b->type_oom = true;
		return NULL;
	}
	const struct graph_layout *L = &b->L;
	uint8_t t[256];
	if (L->t_sizeof > sizeof(t) || !hc_memory_peek(&b->prog->mem, rtype, t, L->t_sizeof))
		return NULL;
	if (!hc_grow(&b->masks, &b->cap_masks, b->nmasks + 1, sizeof(*b->masks))) {
		b->type_oom = true;
		return NULL;
	}
	struct type_mask *m = calloc(1, sizeof(*m));
	if (!m) {
		b->type_oom = true;
		return NULL;
	}
	m->rtype = rtype;
	m->array_type_id = NONE;
	m->size = gl_get(t, L->t_size);
	m->ptrwords = gl_get(t, L->t_ptrbytes) / 8;
	uint64_t gcdata = gl_get(t, L->t_gcdata);
	uint8_t tflag = (uint8_t)gl_get(t, L->t_tflag);
	uint8_t kind = (uint8_t)gl_get(t, L->t_kind);
	if (m->size == 0 || m->ptrwords * 8 > m->size || m->ptrwords * 8 > b->max_object) {
		free(m);
		return NULL;
	}
	/* Go 1.22-1.23: a large object whose type has a GC program points to
	 * a dummy type the runtime wrote outside the heap, with the program
	 * unrolled into a mask and only Size_, PtrBytes, GCData and TFlag =
	 * TFlagUnrolledBitmap set (mbitmap_allocheaders.go: heapSetType).  It
	 * has no name: the object stays untyped here, scanned with the mask,
	 * and the static type of a pointer to it names it (go_types.c).  The
	 * same bit is TFlagGCMaskOnDemand from Go 1.24 on. */
	bool unrolled = L->kind_gcprog && (tflag & TFLAG_UNROLLED_BITMAP);
	if (L->kind_gcprog) {
		if (kind & KIND_GCPROG)
			gcdata = 0; /* a GC program, not a mask */
	} else if (tflag & TFLAG_GCMASK_ON_DEMAND) {
		/* type.go:getGCMask: GCData points to a slot the runtime fills lazily. */
		if (!hc_memory_peek_u64(&b->prog->mem, gcdata, &gcdata))
			gcdata = 0;
	}
	if (gcdata) {
		size_t n = (size_t)((m->ptrwords + 7) / 8);
		m->bits = malloc(n ? n : 1);
		if (!m->bits)
			b->type_oom = true;
		if (m->bits && !hc_memory_peek(&b->prog->mem, gcdata, m->bits, n)) {
			free(m->bits);
			m->bits = NULL;
		}
	}
	if (unrolled) {
		if (!m->bits && m->ptrwords)
			b->g->conservative_notice = b->unnamed_conservative = true;
		m->type_id = NONE;
		b->masks[b->nmasks++] = m;
		if (!hc_u64map_put(&b->mask_index, rtype, (uint64_t)(uintptr_t)m))
			return NULL;
		return m;
	}
	char *name = type_name(b, rtype, t);
	Dwarf_Die die;
	if (rtype_die(b, rtype, name, &die)) {
		const char *full = dwarf_diename(&die);
		char *copy = full ? strdup(full) : NULL;
		if (copy) {
			free(name);
			name = copy;
		}
		if (!m->bits && m->ptrwords)
			m->bits = dwarf_mask(&die, m->ptrwords);
	}
	if (!m->bits && m->ptrwords)
		b->g->conservative_notice = true;
	if (!name && asprintf(&name, "type 0x%" PRIx64, rtype) < 0)
		name = NULL;
	/* gb_add_type frees the name when it fails: the mask is then unusable. */
	m->type_id = gb_add_type(b, rtype, name);
	if (m->type_id == NONE) {
		free(m->bits);
		free(m);
		b->type_oom = true;
		return NULL;
	}
	m->name = name;
	m->direct_iface = b->go->minor >= 26 ? tflag & TFLAG_DIRECT_IFACE : kind & KIND_DIRECT_IFACE;
	b->masks[b->nmasks++] = m; /* owned from here */
	if (!hc_u64map_put(&b->mask_index, rtype, (uint64_t)(uintptr_t)m)) {
		b->type_oom = true;
		return NULL;
	}
	return m;
}

/* ---- objects ---- */

/* Type ids 0 .. 2*nclasses-1 are "untyped, span class c". */
static uint32_t untyped_type(unsigned spanclass)
{
	return spanclass;
}

static struct hc_error *number_objects(struct builder *b)
{
	struct hc_go *go = b->go;
	struct hc_graph *g = b->g;
	uint64_t nobj = 0, words = 0;
	for (size_t i = 0; i < go->nspans; i++) {
		const struct hc_go_span *s = &go->spans[i];
		if (s->state == GO_SPAN_INUSE) {
			words += ((uint64_t)s->nelems + 63) / 64;
			if (s->elemsize > b->max_object)
				b->max_object = s->elemsize;
		}
	}
	/* One run per span, in-use or not, so that a span's index is its run's. */
	g->nruns = go->nspans;
	g->runs = calloc(go->nspans ? go->nspans : 1, sizeof(*g->runs));
	g->allocmap = hc_array_new(words ? words : 1, sizeof(uint64_t));
	g->rank = hc_array_new(words ? words : 1, sizeof(uint16_t));
	if (!g->runs || !g->allocmap || !g->rank)
		return &hc_enomem;
	uint64_t w = 0;
	for (size_t i = 0; i < go->nspans; i++) {
		const struct hc_go_span *s = &go->spans[i];
		struct hc_graph_run *r = &g->runs[i];
		hc_progress(&b->prog->progress, "numbering objects", i, go->nspans);
		r->base = s->base;
		r->elemsize = s->elemsize;
		r->first = (uint32_t)nobj;
		r->bits_off = w;
		if (s->state != GO_SPAN_INUSE)
			continue;
		r->nslots = s->nelems;
		/* Small objects over 512 bytes with pointers (malloc.go: mallocHeaderSize). */
		r->header = !(s->spanclass & 1) && s->spanclass >> 1 && s->elemsize > 512;
		const uint8_t *bits = hc_memory_ptr(&b->prog->mem, s->alloc_bits,
						    ((size_t)s->nelems + 7) / 8);
		uint16_t in_run = 0;
		for (uint32_t k = 0; k < s->nelems; k++) {
			if (k % 64 == 0)
				g->rank[w + k / 64] = in_run;
			if (hc_go_slot_allocated(s, bits, k)) {
				g->allocmap[w + k / 64] |= 1ULL << (k % 64);
				nobj++;
				in_run++;
			}
		}
		w += ((uint64_t)s->nelems + 63) / 64;
		if (nobj >= NONE / 2)
			return hc_error_create(HC_ERROR_UNSUPPORTED, "more than 2^31 heap objects");
	}
	hc_progress(&b->prog->progress, "numbering objects", go->nspans, go->nspans);
	g->nobjects = (uint32_t)nobj;
	g->type = hc_array_new(nobj ? nobj : 1, sizeof(*g->type));
	if (!g->type)
		return &hc_enomem;
	for (size_t i = 0; i < g->nruns; i++)
		for (uint32_t v = g->runs[i].first; v < hc_graph_run_end(g, i); v++)
			g->type[v] = untyped_type(go->spans[i].spanclass);
	/* The untyped groups, one per span class. */
	for (uint64_t c = 0; c < 2 * go->nclasses; c++) {
		char *name;
		if (c >> 1 == 0) {
			if (asprintf(&name, "(untyped large, %s)", c & 1 ? "noscan" : "scan") < 0)
				return &hc_enomem;
		} else if (asprintf(&name, "(untyped %u B, %s)", go->class_to_size[c >> 1],
				    c & 1 ? "noscan" : "scan") < 0) {
			return &hc_enomem;
		}
		uint32_t t = gb_add_type(b, 0, name);
		if (t == NONE)
			return &hc_enomem;
		g->types[t].untyped = true;
	}
	return NULL;
}

/* ---- edges ---- */

/* The object a word of target memory points into, or NONE. */
static uint32_t heap_target(struct builder *b, uint64_t v)
{
	return v < 4096 ? NONE : hc_graph_find(b->g, v);
}

static bool pointer_word(struct builder *b, struct hc_edge_buf *eb, uint32_t self, uint64_t v)
{
	uint32_t t = heap_target(b, v);
	if (t == NONE || t == self)
		return true;
	return hc_edge_push(eb, t);
}

/* Scan [p, p+len) of object @p self with a mask repeated every @p m->size bytes. */
static bool scan_typed(struct builder *b, struct hc_edge_buf *eb, uint32_t self, const uint8_t *p,
		       uint64_t len, const struct type_mask *m)
{
	for (uint64_t base = 0; base + m->size <= len || (base < len && base == 0); base += m->size) {
		for (uint64_t w = 0; w < m->ptrwords && base + 8 * w + 8 <= len; w++) {
			if (m->bits && !(m->bits[w / 8] >> (w % 8) & 1))
				continue;
			uint64_t v;
			memcpy(&v, p + base + 8 * w, 8);
			if (!pointer_word(b, eb, self, v))
				return false;
		}
		if (m->size == 0)
			break;
	}
	return true;
}

/* Every word of [p + from, p + len) that points into the heap. */
static bool scan_words(struct builder *b, struct hc_edge_buf *eb, uint32_t self, const uint8_t *p,
		       uint64_t from, uint64_t len)
{
	for (uint64_t o = from; o + 8 <= len; o += 8) {
		uint64_t v;
		memcpy(&v, p + o, 8);
		if (!pointer_word(b, eb, self, v))
			return false;
	}
	return true;
}

/* The type of object @p id at @p addr from runtime type @p m (serialized:
 * it may add types).  A descriptor that does not decode is named once; the
 * caller scans its objects conservatively. */
static struct type_mask *locked_type(struct builder *b, uint32_t id, uint64_t addr,
				     uint64_t rtype, uint64_t slot, bool large)
{
	pthread_mutex_lock(&b->lock);
	uint64_t seen;
	bool known = hc_u64map_get(&b->mask_index, rtype, &seen);
	struct type_mask *m = gb_type_mask(b, rtype);
	if (m && m->type_id != NONE) /* NONE: a GC program's unnamed dummy type */
		b->g->type[id] = object_type(b, m, slot, large);
	else if (!m && !known && hc_u64map_get(&b->mask_index, rtype, &seen))
		hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "type descriptor", rtype,
			"types leave out the objects of these type descriptors (their pointers "
			"come from a conservative scan)",
			"type descriptor at 0x%" PRIx64 " (%s of the object at 0x%" PRIx64
			") is unreadable or describes an impossible type; objects of that type are "
			"scanned conservatively",
			rtype, large ? "the large span's type" : "the malloc header", addr);
	pthread_mutex_unlock(&b->lock);
	return m;
}

/*
 * Objects whose bytes are not in the core (common: systemd-coredump cuts
 * cores at ProcessSizeMax) are counted per scan job and merged once, so that
 * a core missing most of its heap costs one warning, not one per object.
 */
static void missing_add(struct gb_missing *m, uint64_t addr, uint64_t bytes)
{
	m->count++;
	m->bytes += bytes;
	for (size_t i = 0; i < HC_ARRAY_SIZE(m->first); i++) {
		if (i < m->count - 1 && m->first[i] < addr)
			continue;
		if (i < m->count - 1) /* insert: shift the higher ones up */
			memmove(&m->first[i + 1], &m->first[i],
				(HC_ARRAY_SIZE(m->first) - i - 1) * sizeof(m->first[0]));
		m->first[i] = addr;
		break;
	}
}

static void missing_merge(struct gb_missing *into, const struct gb_missing *m)
{
	uint64_t count = into->count;
	for (size_t i = 0; i < HC_ARRAY_SIZE(m->first) && i < m->count; i++)
		missing_add(into, m->first[i], 0);
	into->count = count + m->count;
	into->bytes += m->bytes;
}

/* The one warning for every object missing from the core, if any was. */
static void missing_warn(struct builder *b)
{
	const struct gb_missing *m = &b->missing;
	if (!m->count)
		return;
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_bytes(&sb, m->bytes);
	for (size_t i = 0; i < HC_ARRAY_SIZE(m->first) && i < m->count; i++)
		hc_strbuf_printf(&sb, "%s0x%" PRIx64, i ? ", " : "; the first at ", m->first[i]);
	if (m->count > HC_ARRAY_SIZE(m->first))
		hc_strbuf_puts(&sb, ", ...");
	if (sb.oom)
		hc_warn_oom(&b->prog->warnings[HC_PHASE_GRAPH],
			    "%" PRIu64 " heap objects are not in the core; their pointers are unknown",
			    m->count);
	else
		hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "heap objects", m->first[0],
			"types, pointers and retained sizes leave out the heap objects whose bytes "
			"the core lacks",
			"%" PRIu64 " heap object%s (%s) %s not in the core; their pointers are unknown",
			m->count, m->count == 1 ? "" : "s", sb.str, m->count == 1 ? "is" : "are");
	hc_strbuf_deinit(&sb);
}

/* The graph's scan of runs [r0, r1): runs are the spans, one for one. */
static struct hc_error *scan_spans(struct hc_graph_builder *gb, size_t r0, size_t r1,
				   struct hc_edge_buf *eb, bool report)
{
	struct builder *b = gb->ctx;
	struct gb_missing missing = {0};
	struct hc_go *go = b->go;
	struct hc_graph *g = b->g;
	for (size_t i = r0; i < r1; i++) {
		const struct hc_go_span *s = &go->spans[i];
		if (report)
			hc_progress(&b->prog->progress, "scanning objects", i - r0, r1 - r0);
		if (s->state != GO_SPAN_INUSE)
			continue;
		uint64_t span_bytes = (uint64_t)s->npages * go->page_size;
		bool noscan = s->spanclass & 1;
		bool large = (s->spanclass >> 1) == 0;
		const uint8_t *heapbits = NULL;
		uint64_t large_type = 0;
		if (!noscan && !large && s->elemsize <= 512) {
			uint64_t size = span_bytes / 64;
			uint64_t inline_marks = go->greentea && s->elemsize >= 16 ? 128 : 0;
			heapbits = hc_memory_ptr(&b->prog->mem,
						 s->base + span_bytes - size - inline_marks, size);
		} else if (!noscan && large &&
			   !gl_peek_field(b->prog, s->mspan, b->L.s_largeType, &large_type)) {
			large_type = 0;
		}
		const uint64_t *m = g->allocmap + g->runs[i].bits_off;
		uint32_t id = g->runs[i].first;
		for (uint32_t k = 0; k < s->nelems; k++) {
			if (!(m[k / 64] >> (k % 64) & 1))
				continue;
			g->edge_start[id] = (uint32_t)eb->n; /* relative to this job's edges */
			uint64_t a = s->base + (uint64_t)k * s->elemsize;
			if (noscan) {
				id++;
				continue;
			}
			const uint8_t *p = hc_memory_ptr(&b->prog->mem, a, s->elemsize);
			if (!p) {
				missing_add(&missing, a, s->elemsize);
				id++;
				continue;
			}
			bool ok = true;
			if (heapbits) {
				uint64_t w0 = (a - s->base) / 8;
				for (uint64_t w = 0; w < s->elemsize / 8; w++) {
					uint64_t bit = w0 + w;
					if (!(heapbits[bit / 8] >> (bit % 8) & 1))
						continue;
					uint64_t v;
					memcpy(&v, p + 8 * w, 8);
					if (!(ok = pointer_word(b, eb, id, v)))
						break;
				}
			} else if (large) {
				const struct type_mask *lm =
					large_type ? locked_type(b, id, a, large_type, s->elemsize, true)
						   : NULL;
				if (lm && lm->bits)
					ok = scan_typed(b, eb, id, p, s->elemsize, lm);
				else if (large_type)
					ok = scan_words(b, eb, id, p, 0, s->elemsize);
			} else {
				/* A malloc header: the object's type, its data from slot+8. */
				uint64_t rtype;
				memcpy(&rtype, p, 8);
				const struct type_mask *tm =
					rtype ? locked_type(b, id, a, rtype, s->elemsize - 8, false)
					      : NULL;
				if (tm && tm->bits)
					ok = scan_typed(b, eb, id, p + 8, s->elemsize - 8, tm);
				else if (rtype)
					ok = scan_words(b, eb, id, p, 8, s->elemsize);
			}
			if (!ok)
				return hc_edge_error(eb);
			id++;
		}
	}
	if (missing.count) {
		pthread_mutex_lock(&b->lock);
		missing_merge(&b->missing, &missing);
		pthread_mutex_unlock(&b->lock);
	}
	return NULL;
}

/* ---- roots ---- */

/* The root named @p name (hc_graph_root()): an index, never a pointer. */
static uint32_t root(struct builder *b, const char *name, enum hc_root_kind kind)
{
	return hc_graph_root(&b->gb, name, kind);
}

static bool root_add(struct builder *b, uint32_t r, uint32_t t)
{
	return hc_graph_root_add(&b->gb, r, t);
}

/*
 * The globals root words lie in, sorted by address and disjoint: every
 * variable the symbol table or DWARF places in .data or .bss, and the
 * static data variables point to.  Go's linker gives each package-level
 * variable a symbol and a DWARF variable, but the compiler allocates the
 * composite literal behind `var orders = NewCache[int, *Order]()` or
 * `var t = &T{...}` statically (cmd/compile/internal/staticinit: a
 * ..stmp_N temporary) with neither, only the variable that points to it:
 * that data is named and typed through the variable's pointer.
 */
struct global_builder {
	struct builder *b;
	struct hc_dwarf_index *dw; /* NULL: names without field paths or types */
	struct section {
		const char *what;
		uint64_t start, end, nbits;
		uint8_t *mask, *words;
	} sec[2];
	size_t cap;
};

static int global_cmp(const void *a, const void *c)
{
	const struct hc_graph_global *x = a, *y = c;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1; /* the larger first */
	return strcmp(x->name, y->name);
}

/* The index of the first global starting after @p addr. */
static size_t global_after(const struct hc_graph *g, uint64_t addr)
{
	size_t lo = 0, hi = g->nglobals;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->globals[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct section *section_of(const struct global_builder *gb, uint64_t addr)
{
	for (size_t i = 0; i < HC_ARRAY_SIZE(gb->sec); i++)
		if (addr >= gb->sec[i].start && addr < gb->sec[i].end)
			return &gb->sec[i];
	return NULL;
}

/* Insert @p v at index @p at (the table stays sorted when the caller says so). */
static bool global_insert(struct global_builder *gb, size_t at, struct hc_graph_global v)
{
	struct hc_graph *g = gb->b->g;
	if (!hc_grow(&g->globals, &gb->cap, g->nglobals + 1, sizeof(*g->globals)))
		return false;
	memmove(&g->globals[at + 1], &g->globals[at], (g->nglobals - at) * sizeof(*g->globals));
	g->globals[at] = v;
	g->nglobals++;
	return true;
}

/*
 * Sort, and drop what an earlier entry covers: a variable both the symbol
 * table and DWARF name, or a go:linkname'd one under its two names, is one
 * global (with the type either gives).
 */
static void globals_settle(struct hc_graph *g)
{
	qsort(g->globals, g->nglobals, sizeof(*g->globals), global_cmp);
	size_t n = 0;
	for (size_t i = 0; i < g->nglobals; i++) {
		struct hc_graph_global *v = &g->globals[i], *last = n ? &g->globals[n - 1] : NULL;
		if (last && v->addr - last->addr < last->size) {
			if (!last->type && v->type && v->addr == last->addr && v->size == last->size)
				last->type = v->type;
			continue;
		}
		g->globals[n++] = *v;
	}
	g->nglobals = n;
}

/* The variables of .data and .bss: symbols, and what only DWARF knows. */
static struct hc_error *globals_from_program(struct global_builder *gb)
{
	struct builder *b = gb->b;
	const struct hc_exe *exe = b->prog->exe;
	for (size_t i = 0; i < exe->nsyms; i++) {
		const struct hc_symbol *s = &exe->syms[i];
		uint64_t addr = s->addr + b->prog->bias;
		const struct section *sec = section_of(gb, addr);
		/* Zero-size symbols are the linker's section markers. */
		if (!sec || !s->size)
			continue;
		struct hc_graph_global v = {.name = s->name, .addr = addr, .section = sec->what,
					    .size = s->size < sec->end - addr ? s->size : sec->end - addr};
		Dwarf_Die type;
		struct hc_error *e = gb->dw ? hc_dwarf_variable_type(gb->dw, s->name, &type) : NULL;
		if (gb->dw && !e)
			v.type = dwarf_dieoffset(&type);
		hc_error_destroy(e);
		if (!global_insert(gb, b->g->nglobals, v))
			return &hc_enomem;
	}
	struct hc_dwarf_static *vars = NULL;
	size_t nvars = 0;
	struct hc_error *err = gb->dw ? hc_dwarf_static_variables(gb->dw, &vars, &nvars) : NULL;
	if (err)
		return err;
	for (size_t i = 0; i < nvars; i++) {
		uint64_t addr = vars[i].addr + b->prog->bias;
		const struct section *sec = section_of(gb, addr);
		if (!sec || !vars[i].size)
			continue;
		struct hc_graph_global v = {
			.name = vars[i].name, .addr = addr, .type = vars[i].type, .section = sec->what,
			.size = vars[i].size < sec->end - addr ? vars[i].size : sec->end - addr};
		if (!global_insert(gb, b->g->nglobals, v)) {
			free(vars);
			return &hc_enomem;
		}
	}
	free(vars);
	globals_settle(b->g);
	return NULL;
}

/*
 * The name of the word at @p addr of global @p v: the variable, and inside
 * structs and arrays the field path to the word ("main.cfg.items[3]"; a
 * slice or string is named as a whole); static data by the word pointing
 * to it, as Go dereferences it ("main.orders.entries", "*main.p").
 */
static void global_word_name(struct global_builder *gb, const struct hc_graph_global *v,
			     uint64_t addr, struct hc_strbuf *sb)
{
	Dwarf_Die type;
	uint64_t off = addr - v->addr;
	struct hc_strbuf path;
	hc_strbuf_init(&path);
	if (gb->dw && v->type && dwarf_offdie(gb->dw->dwarf, v->type, &type)) {
		if (v->esize) {
			hc_strbuf_printf(&path, "[%" PRIu64 "]", off / v->esize);
			off %= v->esize;
		}
		hc_dwarf_field_path(&type, off, &path);
	}
	if (v->is_static && !path.len)
		hc_strbuf_puts(sb, "*"); /* the pointer's whole target */
	hc_strbuf_puts(sb, v->name);
	if (path.len)
		hc_strbuf_puts(sb, path.str);
	sb->oom |= path.oom;
	hc_strbuf_deinit(&path);
}

/*
 * Static data the pointer word at @p addr (in global @p owner, a copy: the
 * table grows here) points to when no global covers its target @p value: a
 * *T's T, or a slice's backing array of cap elements.  False when out of
 * memory.
 */
static bool static_target(struct global_builder *gb, struct hc_graph_global owner,
			  uint64_t addr, uint64_t value)
{
	const struct section *sec = section_of(gb, value);
	struct hc_graph *g = gb->b->g;
	Dwarf_Die type, word, elem;
	uint64_t off, size = 0, esize = 0;
	if (!sec || !gb->dw || !owner.type || hc_graph_global_at(g, value) ||
	    !dwarf_offdie(gb->dw->dwarf, owner.type, &type))
		return true;
	off = addr - owner.addr;
	if (owner.esize)
		off %= owner.esize;
	hc_dwarf_word_type(&type, off, &word, &off);
	enum hc_go_struct gs = hc_dwarf_go_struct_die(&word);
	if ((gs == HC_GO_EFACE || gs == HC_GO_IFACE) && off == 8) {
		/* An interface's data word: its dynamic type's value, or what a
		 * pointer-shaped one points to.  itab: inter, then _type
		 * (internal/abi.ITab). */
		uint64_t rtype;
		if (!hc_memory_peek_u64(&gb->b->prog->mem, addr - 8, &rtype) || !rtype ||
		    (gs == HC_GO_IFACE && !hc_memory_peek_u64(&gb->b->prog->mem, rtype + 8, &rtype)))
			return true;
		const struct type_mask *m = gb_type_mask(gb->b, rtype);
		const char *name = m ? m->name : NULL;
		if (name && m->direct_iface)
			name = name[0] == '*' ? name + 1 : NULL;
		struct hc_error *e = name ? hc_dwarf_type(gb->dw, name, &elem) : &hc_enomem;
		if (!e)
			e = hc_dwarf_die_size(&elem, &size);
		if (e != &hc_enomem)
			hc_error_destroy(e);
		if (e)
			return true;
	} else if (off != 0) {
		return true;
	} else if (dwarf_tag(&word) == DW_TAG_pointer_type) {
		if (!hc_dwarf_die_type(&word, &elem))
			return true; /* unsafe.Pointer */
		struct hc_error *e = hc_dwarf_die_size(&elem, &size);
		hc_error_destroy(e);
		if (e)
			return true;
	} else if (gs == HC_GO_SLICE) {
		struct hc_field array;
		uint64_t cap;
		struct hc_error *e = hc_dwarf_die_field(&word, "array", &array);
		if (e) {
			hc_error_destroy(e);
			return true;
		}
		Dwarf_Die pt = array.type;
		hc_dwarf_strip_typedefs(&pt);
		if (dwarf_tag(&pt) != DW_TAG_pointer_type || !hc_dwarf_die_type(&pt, &elem) ||
		    !hc_memory_peek_u64(&gb->b->prog->mem, addr + 16, &cap))
			return true;
		e = hc_dwarf_die_size(&elem, &esize);
		hc_error_destroy(e);
		if (e || !esize || cap > (sec->end - value) / esize)
			return true;
		size = cap * esize;
	} else {
		return true;
	}
	/* Within its section, and up to the next global. */
	size_t at = global_after(g, value);
	if (at < g->nglobals && g->globals[at].addr - value < size)
		size = g->globals[at].addr - value;
	if (size > sec->end - value)
		size = sec->end - value;
	if (size < 8)
		return true;
	struct hc_strbuf sb;
	char *name = NULL;
	hc_strbuf_init(&sb);
	global_word_name(gb, &owner, addr, &sb);
	struct hc_error *e = hc_strbuf_finish(&sb, &name);
	if (e)
		return false;
	struct hc_graph_global s = {.name = name, .owned = true, .is_static = true,
				    .addr = value, .size = size, .esize = esize,
				    .type = dwarf_dieoffset(&elem), .section = sec->what};
	if (!global_insert(gb, at, s)) {
		free(name);
		return false;
	}
	return true;
}

/*
 * Find static data through the pointer words of the globals found so far,
 * pass by pass, each pass looking only inside what the last one added (a
 * literal inside a literal).  Each pass adds disjoint data of at least a
 * word, so the passes end; eight nest deeper than any real initializer.
 */
static struct hc_error *globals_static(struct global_builder *gb)
{
	struct hc_graph *g = gb->b->g;
	uint64_t lo = 0, hi = UINT64_MAX; /* the first pass: everything */
	for (int pass = 0; pass < 8; pass++) {
		bool added = false;
		uint64_t next_lo = UINT64_MAX, next_hi = 0;
		for (size_t s = 0; s < HC_ARRAY_SIZE(gb->sec); s++) {
			const struct section *sec = &gb->sec[s];
			for (uint64_t i = 0; i < sec->nbits && 8 * i + 8 <= sec->end - sec->start; i++) {
				uint64_t a = sec->start + 8 * i, v;
				if (!(sec->mask[i / 8] >> (i % 8) & 1) || a < lo || a >= hi)
					continue;
				memcpy(&v, sec->words + 8 * i, 8);
				const struct hc_graph_global *owner = hc_graph_global_at(g, a);
				size_t before = g->nglobals;
				if (owner && !static_target(gb, *owner, a, v))
					return &hc_enomem;
				if (g->nglobals == before)
					continue;
				const struct hc_graph_global *added_v = hc_graph_global_at(g, v);
				added = true;
				if (v < next_lo)
					next_lo = v;
				if (added_v && v + added_v->size > next_hi)
					next_hi = v + added_v->size;
			}
		}
		if (!added)
			break;
		lo = next_lo;
		hi = next_hi;
	}
	return NULL;
}

/*
 * Read @p sec's words; a word the core lacks (a truncated core, data not
 * saved) reads as 0, no pointer, and what is missing is named as damage.
 */
static void read_section_words(struct builder *b, struct section *sec)
{
	size_t n = (size_t)(sec->end - sec->start);
	if (!hc_memory_peek(&b->prog->mem, sec->start, sec->words, n)) {
		uint64_t first = 0, missing = 0;
		for (size_t i = 0; i + 8 <= n; i += 8) {
			if (hc_memory_peek(&b->prog->mem, sec->start + i, sec->words + i, 8))
				continue;
			memset(sec->words + i, 0, 8);
			if (!missing++)
				first = sec->start + i;
		}
		if (missing)
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "global variables", first,
					"roots leave out the global variables whose bytes the core lacks",
					"%" PRIu64 " bytes of the %s section (from 0x%" PRIx64
					") are not in the core; the globals there are not scanned",
					missing * 8, sec->what, first);
	}
}

static struct hc_error *global_roots(struct builder *b)
{
	const struct graph_layout *L = &b->L;
	struct global_builder gb = {.b = b};
	static const struct {
		const char *what;
		size_t start, end, n, bytes;
	} sections[] = {
		{"data", offsetof(struct graph_layout, md_data), offsetof(struct graph_layout, md_edata),
		 offsetof(struct graph_layout, md_gcdata_n), offsetof(struct graph_layout, md_gcdata_bytes)},
		{"bss", offsetof(struct graph_layout, md_bss), offsetof(struct graph_layout, md_ebss),
		 offsetof(struct graph_layout, md_gcbss_n), offsetof(struct graph_layout, md_gcbss_bytes)},
	};
	struct hc_error *err = hc_dwarf_index_get(b->prog, &gb.dw);
	if (err) {
		hc_error_destroy(err);
		gb.dw = NULL; /* globals named without field paths */
		err = NULL;
	}
	for (size_t s = 0; s < HC_ARRAY_SIZE(sections) && !err; s++) {
		struct section *sec = &gb.sec[s];
		uint64_t bytes;
		sec->what = sections[s].what;
#define F(off) (*(const struct gf *)((const char *)L + (off)))
		err = gl_read_field(b->prog, L->moduledata, F(sections[s].start), &sec->start);
		if (!err)
			err = gl_read_field(b->prog, L->moduledata, F(sections[s].end), &sec->end);
		if (!err)
			err = gl_read_field(b->prog, L->moduledata, F(sections[s].n), &sec->nbits);
		if (!err)
			err = gl_read_field(b->prog, L->moduledata, F(sections[s].bytes), &bytes);
#undef F
		if (err) {
			err = hc_error_prefix(err, "reading runtime.firstmoduledata");
			break;
		}
		sec->nbits = (uint32_t)sec->nbits;
		if (sec->end < sec->start || sec->nbits > (sec->end - sec->start) / 8 + 64) {
			err = hc_error_format(HC_ERROR_BAD_DATA,
					      "runtime.firstmoduledata's %s mask does not fit its section",
					      sec->what);
			break;
		}
		if (sec->end - sec->start > (1ULL << 32)) {
			err = hc_error_format(HC_ERROR_BAD_DATA, "the %s section is %" PRIu64 " bytes",
					      sec->what, sec->end - sec->start);
			break;
		}
		/* The section may straddle mappings (file-backed data, anonymous bss). */
		sec->mask = malloc((size_t)(sec->nbits + 7) / 8 + 1);
		sec->words = malloc((size_t)(sec->end - sec->start) + 1);
		if (!sec->mask || !sec->words) {
			err = &hc_enomem;
			break;
		}
		if (!hc_memory_peek(&b->prog->mem, bytes, sec->mask, (size_t)(sec->nbits + 7) / 8)) {
			/* Every word may then be a pointer: heap_target() keeps those
			 * that point into an object. */
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "pointer mask", bytes,
					"roots from the data and bss sections come from a conservative "
					"scan (a word that looks like a pointer counts as one)",
					"the %s section's pointer mask at 0x%" PRIx64 " is not in the core; "
					"the section is scanned conservatively", sec->what, bytes);
			memset(sec->mask, 0xff, (size_t)(sec->nbits + 7) / 8);
		}
		read_section_words(b, sec);
		if (err)
			err = hc_error_prefix(err, "reading the %s section and its pointer mask",
					      sec->what);
	}
	if (!err)
		err = globals_from_program(&gb);
	if (!err)
		err = globals_static(&gb);
	for (size_t s = 0; s < HC_ARRAY_SIZE(gb.sec) && !err; s++) {
		const struct section *sec = &gb.sec[s];
		for (uint64_t i = 0; i < sec->nbits && 8 * i + 8 <= sec->end - sec->start; i++) {
			if (!(sec->mask[i / 8] >> (i % 8) & 1))
				continue;
			uint64_t v, a = sec->start + 8 * i;
			memcpy(&v, sec->words + 8 * i, 8);
			uint32_t t = heap_target(b, v);
			if (t == NONE)
				continue;
			struct hc_graph_global *owner = (struct hc_graph_global *)hc_graph_global_at(b->g, a);
			struct hc_strbuf sb;
			hc_strbuf_init(&sb);
			if (owner)
				global_word_name(&gb, owner, a, &sb);
			else
				hc_strbuf_printf(&sb, "%s word 0x%" PRIx64, sec->what, a);
			uint32_t r = sb.oom ? NONE : root(b, sb.str, HC_ROOT_GLOBAL);
			hc_strbuf_deinit(&sb);
			if (r != NONE && owner) {
				b->g->roots[r].symbol = owner->name;
				owner->rooted = true;
			}
			if (r == NONE || !root_add(b, r, t))
				err = &hc_enomem;
		}
	}
	for (size_t s = 0; s < HC_ARRAY_SIZE(gb.sec); s++) {
		free(gb.sec[s].mask);
		free(gb.sec[s].words);
	}
	return err;
}

static const char *const gstatus_names[] = {
	"idle", "runnable", "running", "syscall", "waiting", "moribund", "dead",
	"enqueue", "copystack", "preempted", "leaked", "dead",
};

static void wait_reason(struct builder *b, uint64_t reason, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!b->L.waitreasons || reason >= b->L.nwaitreasons)
		return;
	uint64_t ptr, len;
	if (!hc_memory_peek_u64(&b->prog->mem, b->L.waitreasons + 16 * reason, &ptr) ||
	    !hc_memory_peek_u64(&b->prog->mem, b->L.waitreasons + 16 * reason + 8, &len) ||
	    len == 0 || len >= outlen || !hc_memory_peek(&b->prog->mem, ptr, out, len)) {
		out[0] = '\0';
		return;
	}
	out[len] = '\0';
}

/* A goroutine stack walk: roots per frame, created when a word points into the heap. */
struct stack_walk {
	struct builder *b;
	struct hc_dwarf_index *dw; /* local variable names, when there is DWARF */
	uint64_t goid;
	const char *state;
	char name[256];      /* the current frame's root name */
	struct hc_go_frame frame;
	uint32_t root;        /* the frame's root for words no variable names, or NONE */
	bool conservative;
	struct hc_error *err;
};

static bool stack_frame(void *arg, const struct hc_go_frame *fr)
{
	struct stack_walk *w = arg;
	snprintf(w->name, sizeof(w->name), "goroutine %" PRIu64 " (%s) %s frame%s", w->goid,
		 w->state, fr->func ? fr->func : "?", fr->conservative ? ", scanned conservatively" : "");
	w->root = NONE;
	w->conservative = fr->conservative;
	w->frame = *fr;
	return true;
}

static bool stack_word(void *arg, uint64_t addr, uint64_t value)
{
	struct stack_walk *w = arg;
	uint32_t t = heap_target(w->b, value);
	if (t == NONE)
		return true;
	/* The variable holding the word, when DWARF says: its own root. */
	struct builder *b = w->b;
	uint32_t r = w->root;
	if (w->dw && !w->conservative) {
		struct hc_strbuf sb;
		hc_strbuf_init(&sb);
		hc_strbuf_puts(&sb, w->name);
		uint64_t pc = w->frame.pc - b->prog->bias, var_off;
		Dwarf_Die var_type;
		bool named = hc_dwarf_frame_slot(w->dw, w->frame.func, pc - 1, w->frame.fp, addr,
						 &sb, &var_type, &var_off);
		if (named && sb.oom) {
			w->err = &hc_enomem;
		} else if (named) {
			r = root(b, sb.str, HC_ROOT_GOROUTINE);
			struct hc_root *rt = r == NONE ? NULL : &b->g->roots[r];
			if (rt && !rt->slot) {
				/* ", local buf" after the frame's name */
				const char *slot = sb.str + strlen(w->name);
				rt->slot = strdup(slot[0] == ',' ? slot + 2 : slot);
				rt->goroutine = (int64_t)w->goid;
				rt->function = w->frame.func;
			}
			if (!rt || !rt->slot ||
			    !hc_grow(&b->stack_seeds, &b->cap_stack_seeds, b->nstack_seeds + 1,
				     sizeof(*b->stack_seeds)))
				w->err = &hc_enomem;
			else
				b->stack_seeds[b->nstack_seeds++] = (struct gb_stack_seed){
					.addr = addr, .type = dwarf_dieoffset(&var_type), .off = var_off};
		}
		hc_strbuf_deinit(&sb);
		if (w->err)
			return false;
	}
	if (r == NONE) {
		r = w->root = root(b, w->name, HC_ROOT_GOROUTINE);
		if (r == NONE) {
			w->err = &hc_enomem;
			return false;
		}
		struct hc_root *rt = &b->g->roots[r];
		rt->conservative = w->conservative;
		rt->goroutine = (int64_t)w->goid;
		rt->function = w->frame.func;
	}
	if (!root_add(b, r, t)) {
		w->err = &hc_enomem;
		return false;
	}
	return true;
}

/*
 * A running goroutine whose thread was stopped inside a signal handler (the
 * crashing one, typically) has its own context in the kernel's signal frame
 * on the handler's stack: rt_sigframe {pretcode = the runtime's sigreturn
 * trampoline; ucontext}.  Search upward from the thread's stack pointer for
 * the trampoline's address, and take the saved rip and rsp (x86-64
 * ucontext: uc_mcontext.gregs at 40, REG_RSP 15, REG_RIP 16) of the first
 * frame whose rsp lies on the goroutine's stack.  Nested signals (a signal
 * raised in the handler) have their rsp on the signal stack and are passed.
 */
static bool signal_context(struct builder *b, uint64_t sp, uint64_t lo, uint64_t hi,
			   uint64_t *pc_ret, uint64_t *sp_ret)
{
	static const char *const names[] = {
		"runtime.sigreturn__sigaction.abi0", "runtime.sigreturn__sigaction",
		"runtime.sigreturn.abi0", "runtime.sigreturn",
	};
	uint64_t restorer = 0;
	for (size_t i = 0; i < HC_ARRAY_SIZE(names) && !restorer; i++)
		restorer = hc_program_symbol_addr(b->prog, names[i], NULL);
	if (!restorer || b->prog->core->arch != HC_ARCH_X86_64)
		return false;
	sp &= ~7ULL;
	for (uint64_t a = sp; a < sp + (256u << 10); a += 8) {
		uint64_t v, rsp, rip;
		if (!hc_memory_peek_u64(&b->prog->mem, a, &v))
			return false; /* the end of the stack's mapping */
		if (v != restorer)
			continue;
		uint64_t gregs = a + 8 + 40;
		if (!hc_memory_peek_u64(&b->prog->mem, gregs + 8 * 15, &rsp) ||
		    !hc_memory_peek_u64(&b->prog->mem, gregs + 8 * 16, &rip))
			continue;
		if (rsp >= lo && rsp < hi) {
			*pc_ret = rip;
			*sp_ret = rsp;
			return true;
		}
	}
	return false;
}

static const struct hc_thread *thread_of_m(struct builder *b, uint64_t m)
{
	uint64_t procid;
	if (!m || !gl_peek_field(b->prog, m, b->L.m_procid, &procid))
		return NULL;
	for (size_t i = 0; i < b->prog->core->nthreads; i++) {
		if ((uint64_t)b->prog->core->threads[i].tid == procid)
			return &b->prog->core->threads[i];
	}
	return NULL;
}

static struct hc_error *goroutine_roots(struct builder *b)
{
	const struct graph_layout *L = &b->L;
	uint64_t arr, len;
	struct hc_error *err = hc_memory_read_u64(&b->prog->mem, L->allgs, &arr);
	if (!err)
		err = hc_memory_read_u64(&b->prog->mem, L->allgs + 8, &len);
	if (err)
		return hc_error_prefix(err, "reading runtime.allgs");
	if (len > (1u << 26))
		return hc_error_format(HC_ERROR_BAD_DATA, "runtime.allgs claims %" PRIu64 " goroutines", len);
	b->stack_budget = b->go->walk_manual;
	struct hc_pcln *pcln = NULL;
	err = hc_pcln_get(b->prog, &pcln);
	if (err)
		return err;
	struct hc_dwarf_index *dw = NULL;
	if ((err = hc_dwarf_index_get(b->prog, &dw))) {
		hc_error_destroy(err);
		dw = NULL;
	}
	for (uint64_t i = 0; i < len; i++) {
		uint64_t gp, status, lo, hi, sp, goid, m, reason;
		if (!hc_memory_peek_u64(&b->prog->mem, arr + 8 * i, &gp) || !gp)
			continue;
		if (!gl_peek_field(b->prog, gp, L->g_status, &status) ||
		    !gl_peek_field(b->prog, gp, L->g_lo, &lo) ||
		    !gl_peek_field(b->prog, gp, L->g_hi, &hi) ||
		    !gl_peek_field(b->prog, gp, L->g_goid, &goid) ||
		    !gl_peek_field(b->prog, gp, L->g_m, &m) ||
		    !gl_peek_field(b->prog, gp, L->g_waitreason, &reason)) {
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "goroutine", gp, AFF_STACK_ROOTS,
					"goroutine at 0x%" PRIx64 " is unreadable", gp);
			continue;
		}
		status &= ~0x1000ULL; /* _Gscan */
		if (status == 6 || status == 11 || status == 0)
			continue; /* dead or never started */
		if (status == 2) {
			const struct hc_thread *t = thread_of_m(b, m);
			sp = t ? t->sp : 0;
		} else if (status == 3) {
			if (!gl_peek_field(b->prog, gp, L->g_syscallsp, &sp))
				sp = 0;
		} else if (!gl_peek_field(b->prog, gp, L->g_sp, &sp)) {
			sp = 0;
		}
		/*
		 * Goroutine stacks are carved from stack spans (stack.go:stackalloc);
		 * a stack anywhere else is a damaged g.  The stack spans' total also
		 * bounds the scan, however many g's a damaged allgs claims.
		 */
		size_t si = hc_go_span_index(b->go, lo);
		const struct hc_go_span *ss = si == SIZE_MAX ? NULL : &b->go->spans[si];
		if (!ss || ss->state != GO_SPAN_MANUAL || hi < lo ||
		    hi > ss->base + (uint64_t)ss->npages * b->go->page_size) {
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "goroutine stack", lo,
					AFF_STACK_ROOTS,
					"goroutine %" PRIu64 ": stack [0x%" PRIx64 ", 0x%" PRIx64
					") is not in a stack span; not scanned", goid, lo, hi);
			continue;
		}
		uint64_t pc = 0;
		bool interrupted = false; /* the top frame stopped at any instruction */
		if (status == 2) {
			const struct hc_thread *t = thread_of_m(b, m);
			pc = t ? t->pc : 0;
			if (t && (sp < lo || sp >= hi) && signal_context(b, t->sp, lo, hi, &pc, &sp)) {
				interrupted = true;
			} else if (sp < lo || sp >= hi) {
				/* On the system stack (systemstack saved the goroutine's
				 * context in g.sched, as for a switch). */
				uint64_t ssp, spc;
				if (gl_peek_field(b->prog, gp, L->g_sp, &ssp) &&
				    gl_peek_field(b->prog, gp, L->g_pc, &spc) && ssp >= lo && ssp < hi) {
					sp = ssp;
					pc = spc;
				}
			}
		} else if (!gl_peek_field(b->prog, gp, status == 3 ? L->g_syscallpc : L->g_pc, &pc)) {
			pc = 0;
		}
		if (sp < lo || sp > hi) {
			/* A running goroutine's thread may be on another stack (g0, a
			 * signal stack, C code); any other g saved its own sp. */
			if (status != 2)
				hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "goroutine", gp,
					"roots of these goroutines are their whole stacks, scanned "
					"conservatively, not their frames",
					"goroutine %" PRIu64 ": saved stack pointer 0x%" PRIx64
					" is outside its stack [0x%" PRIx64 ", 0x%" PRIx64
					"); the whole stack is scanned conservatively",
					goid, sp, lo, hi);
			sp = lo; /* unknown: scan the whole stack */
			pc = 0;
		}
		if (hi - sp > b->stack_budget) {
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "runtime.allgs", gp,
					AFF_STACK_ROOTS,
					"goroutine stacks add up to more than the stack spans hold; the rest are not scanned");
			break;
		}
		b->stack_budget -= hi - sp;
		uint64_t probe;
		if (hi > sp && (!hc_memory_peek_u64(&b->prog->mem, sp & ~7ULL, &probe) ||
				!hc_memory_peek_u64(&b->prog->mem, (hi - 8) & ~7ULL, &probe)))
			hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "goroutine stack", sp,
					AFF_STACK_ROOTS,
					"goroutine %" PRIu64 ": its stack [0x%" PRIx64 ", 0x%" PRIx64
					") is not (wholly) in the core; what it holds is not scanned",
					goid, sp, hi);
		char why[64];
		wait_reason(b, reason, why, sizeof(why));
		struct stack_walk w = {.b = b, .goid = goid, .dw = dw, .root = NONE,
				       .state = status == 4 && why[0] ? why
					       : status < HC_ARRAY_SIZE(gstatus_names) ? gstatus_names[status]
					       : "?"};
		/* Precisely, frame by frame, as far as the stack unwinds; what is
		 * left (a damaged frame, an unknown function, a thread stopped
		 * outside Go code) conservatively, and the root says so. */
		uint64_t rest = sp;
		if (pcln && pc && sp > lo) {
			struct hc_go_stack_visitor v = {.arg = &w, .frame = stack_frame, .word = stack_word};
			rest = hc_go_walk_stack(pcln, pc, sp, lo, hi, interrupted, &v);
		}
		if (w.err)
			return w.err;
		if (rest) {
			snprintf(w.name, sizeof(w.name), "goroutine %" PRIu64 " (%s) stack, scanned conservatively",
				 goid, w.state);
			w.root = NONE;
			w.conservative = true;
			memset(&w.frame, 0, sizeof(w.frame)); /* no frame: the rest of the stack */
			for (uint64_t a = (rest + 7) & ~7ULL; a + 8 <= hi && !w.err; a += 8) {
				uint64_t val;
				if (hc_memory_peek_u64(&b->prog->mem, a, &val))
					stack_word(&w, a, val);
			}
			if (w.err)
				return w.err;
		}
	}
	return NULL;
}

/* Add every heap pointer among the @p n words at @p words to root @p name
 * (created only if one is found). */
static struct hc_error *words_root(struct builder *b, const char *name, enum hc_root_kind kind,
				   const void *words, uint64_t n)
{
	uint32_t r = NONE;
	for (uint64_t i = 0; words && i < n; i++) {
		uint64_t v;
		memcpy(&v, (const uint8_t *)words + 8 * i, 8);
		uint32_t t = heap_target(b, v);
		if (t == NONE)
			continue;
		if (r == NONE && (r = root(b, name, kind)) == NONE)
			return &hc_enomem;
		if (!root_add(b, r, t))
			return &hc_enomem;
	}
	return NULL;
}

static struct hc_error *thread_roots(struct builder *b)
{
	const struct hc_core *core = b->prog->core;
	for (size_t i = 0; i < core->nthreads; i++) {
		char name[64];
		snprintf(name, sizeof(name), "thread %d registers", core->threads[i].tid);
		struct hc_error *err = words_root(b, name, HC_ROOT_THREAD, core->threads[i].regs,
						  core->threads[i].nregs);
		if (err)
			return err;
	}
	return NULL;
}

/* The @p n words at target address @p addr, for words_root. */
static const void *target_words(struct builder *b, uint64_t addr, uint64_t n)
{
	return hc_memory_ptr(&b->prog->mem, addr, (size_t)(8 * n));
}

/*
 * A runtime queue of blocks linked through @p link from the pointer at
 * @p head, each holding @p count entries of @p entry_size bytes at @p entries:
 * every heap pointer in the used entries is root @p name's.
 */
static struct hc_error *queue_root(struct builder *b, const char *name, uint64_t head,
				   struct gf link, struct gf count, uint64_t entries,
				   uint64_t entry_size)
{
	struct hc_warnings *w = &b->prog->warnings[HC_PHASE_GRAPH];
	uint64_t blk;
	if (!head || !entry_size)
		return NULL;
	if (!hc_memory_peek_u64(&b->prog->mem, head, &blk)) {
		hc_warn_damaged(w, name, head, AFF_SPECIALS,
				"the %s's head at 0x%" PRIx64 " is unreadable; its blocks are not read",
				name, head);
		return NULL;
	}
	/* A damaged (say, cyclic) list ends after 2^24 words, far more than the
	 * runtime ever queues. */
	uint64_t budget = 1u << 24;
	unsigned k = 0;
	for (; blk && k < (1u << 20); k++) {
		uint64_t n, next;
		struct hc_error *err;
		if (!gl_peek_field(b->prog, blk, count, &n) || !gl_peek_field(b->prog, blk, link, &next)) {
			hc_warn_damaged(w, name, blk, AFF_SPECIALS,
					"the %s's block at 0x%" PRIx64 " is unreadable; it and the blocks "
					"after it are not read", name, blk);
			return NULL;
		}
		n = (uint32_t)n;
		if (n * entry_size > (1u << 16)) {
			hc_warn_damaged(w, name, blk, AFF_SPECIALS,
					"the %s's block at 0x%" PRIx64 " counts %" PRIu64 " entries, more "
					"than a block holds; its entries are not read", name, blk, n);
			blk = next;
			continue;
		}
		uint64_t words = n * entry_size / 8;
		if (words > budget) {
			hc_warn_damaged(w, name, blk, AFF_SPECIALS,
					"the %s is longer than any real one; the rest is not read", name);
			return NULL;
		}
		budget -= words;
		const void *entry_words = target_words(b, blk + entries, words);
		if (words && !entry_words)
			hc_warn_damaged(w, name, blk, AFF_SPECIALS,
					"the %s's block at 0x%" PRIx64 ": its %" PRIu64 " entries are "
					"unreadable and not read", name, blk, n);
		if ((err = words_root(b, name, HC_ROOT_OTHER, entry_words, words)))
			return err;
		blk = next;
	}
	if (blk)
		hc_warn_damaged(w, name, blk, AFF_SPECIALS,
				"the %s does not end after %u blocks (cyclic or damaged); the rest "
				"is not read", name, k);
	return NULL;
}

/*
 * Specials, as markrootSpans reads them: an object with a finalizer keeps
 * everything it points to (not itself) and its finalizer's closure; a
 * cleanup keeps its closure; a weak pointer keeps its handle.  Then the
 * queues of finalizers and cleanups waiting to run (allfin, gcCleanups.all),
 * which hold their functions and arguments.  Lists are bounded by what the
 * heap could hold; a damaged list ends the walk with a warning.
 */
static struct hc_error *special_roots(struct builder *b)
{
	const struct graph_layout *L = &b->L;
	struct hc_graph *g = b->g;
	struct hc_error *err;
	char name[96];
	/* Specials per object are a handful (finalizer, profile, cleanups...):
	 * more records in all than four per object means damaged lists. */
	uint64_t budget = 4 * (uint64_t)g->nobjects + 4096;
	if (L->s_specials.present && L->sp_next.present && L->sp_offset.present &&
	    L->sp_kind.present) {
		for (size_t i = 0; i < b->go->nspans && budget; i++) {
			const struct hc_go_span *s = &b->go->spans[i];
			uint64_t sp;
			if (s->state != GO_SPAN_INUSE ||
			    !gl_peek_field(b->prog, s->mspan, L->s_specials, &sp))
				continue;
			/* A handful of records per object: a list longer than
			 * that loops back on itself or is damaged. */
			unsigned k = 0, most = s->nelems * 8u + 8;
			for (; sp && k < most; k++) {
				if (!budget) {
					hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "special record", sp,
							AFF_SPECIALS, "more special records than the heap could "
							"hold; the rest are not read");
					break;
				}
				budget--;
				uint64_t next, off, kind;
				if (!gl_peek_field(b->prog, sp, L->sp_next, &next) ||
				    !gl_peek_field(b->prog, sp, L->sp_offset, &off) ||
				    !gl_peek_field(b->prog, sp, L->sp_kind, &kind)) {
					hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "special record", sp,
							AFF_SPECIALS, "span 0x%" PRIx64 ": special record at 0x%"
							PRIx64 " is unreadable", s->base, sp);
					break;
				}
				uint64_t obj = s->base + (s->elemsize ? off / s->elemsize * s->elemsize : 0);
				/* The special's one pointer word kept alive, by kind. */
				const char *what = NULL;
				struct gf word = {0};
				bool finalizer = (int64_t)kind == L->kind_finalizer && L->spf_fn.present;
				if (finalizer) {
					what = "finalizer";
					word = L->spf_fn;
				} else if ((int64_t)kind == L->kind_cleanup && L->spc_fn.present) {
					what = "cleanup";
					word = L->spc_fn;
				} else if ((int64_t)kind == L->kind_weak && L->spw_handle.present) {
					what = "weak handle";
					word = L->spw_handle;
				}
				if (what) {
					snprintf(name, sizeof(name), "%s of 0x%" PRIx64, what, obj);
					if ((err = words_root(b, name, HC_ROOT_OTHER,
							      target_words(b, sp + word.off, 1), 1)))
						return err;
				}
				if (finalizer) {
					/* A finalized object keeps what it points to, not itself. */
					uint32_t v = hc_graph_find(g, obj);
					uint32_t r = root(b, name, HC_ROOT_OTHER);
					if (r == NONE)
						return &hc_enomem;
					for (uint32_t e = v == NONE ? 0 : g->edge_start[v];
					     v != NONE && e < g->edge_start[v + 1]; e++)
						if (!root_add(b, r, g->edges[e]))
							return &hc_enomem;
				}
				sp = next;
			}
			if (sp && k == most)
				hc_warn_damaged(&b->prog->warnings[HC_PHASE_GRAPH], "specials list", s->mspan,
					AFF_SPECIALS,
					"span 0x%" PRIx64 " (mspan 0x%" PRIx64 "): its specials list does not "
					"end after %u records (cyclic or damaged); the rest are not read",
					s->base, s->mspan, most);
		}
	}
	/* Queued finalizers (finblock.fin[0 .. cnt) of every block on allfin)
	 * and, from Go 1.26, cleanups (cleanupBlock.cleanups[0 .. n)). */
	if (L->fb_alllink.present && L->fb_cnt.present &&
	    (err = queue_root(b, "finalizer queue", L->allfin, L->fb_alllink, L->fb_cnt,
			      L->fb_fin.off, L->finalizer_size)))
		return err;
	if (L->cb_alllink.present && L->cb_n.present &&
	    (err = queue_root(b, "cleanup queue", L->cleanups_all, L->cb_alllink, L->cb_n,
			      L->cb_cleanups.off, L->cleanupfn_size)))
		return err;
	return NULL;
}

/* The graph's address index: runs are the spans, one for one. */
static size_t run_at(const void *go, uint64_t addr)
{
	return hc_go_span_index(go, addr);
}

/* The graph's numbering: the layout the scan needs, then the objects. */
static struct hc_error *go_number(struct hc_graph_builder *gb)
{
	struct builder *b = gb->ctx;
	b->g = gb->g;
	b->g->run_at = run_at;
	b->g->run_at_arg = b->go;
	struct hc_error *err = load_layout(b->prog, &b->L);
	return err ? err : number_objects(b);
}

static struct hc_error *go_roots(struct hc_graph_builder *gb)
{
	struct builder *b = gb->ctx;
	struct hc_progress *p = &b->prog->progress;
	hc_progress(p, "scanning roots", 0, 3);
	struct hc_error *err = global_roots(b);
	hc_progress(p, "scanning roots", 1, 3);
	if (!err)
		err = goroutine_roots(b);
	hc_progress(p, "scanning roots", 2, 3);
	if (!err)
		err = thread_roots(b);
	if (!err)
		err = special_roots(b);
	hc_progress(p, "scanning roots", 3, 3);
	return err;
}

static struct hc_error *go_types(struct hc_graph_builder *gb, bool report_progress)
{
	gb_propagate_types(gb->ctx, report_progress);
	return NULL;
}

static const struct hc_graph_backend go_backend = {
	.number = go_number,
	.scan = scan_spans,
	.roots = go_roots,
	.types = go_types,
};

static int more_bytes_first(const void *x, const void *y)
{
	const struct hc_type_info *a = *(const struct hc_type_info *const *)x;
	const struct hc_type_info *c = *(const struct hc_type_info *const *)y;
	return a->bytes != c->bytes ? (a->bytes < c->bytes ? 1 : -1)
				    : (a->count < c->count) - (a->count > c->count);
}

/*
 * The types whose objects were scanned conservatively, the biggest first
 * (by the bytes of their objects), named in the warning.
 */
static void conservative_warn(struct builder *b, const struct hc_graph *g)
{
	const struct hc_type_info **types = calloc(b->nmasks + 1, sizeof(*types));
	size_t n = 0;
	for (size_t i = 0; types && i < b->nmasks; i++) {
		const struct type_mask *m = b->masks[i];
		if (!m->bits && m->ptrwords && m->type_id < g->ntypes && g->types[m->type_id].count)
			types[n++] = &g->types[m->type_id];
	}
	if (types && !n && !b->unnamed_conservative) {
		/* Types decoded (an interface's dynamic type, say) but no object
		 * of theirs: nothing was scanned conservatively. */
		free(types);
		return;
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	if (types) {
		qsort(types, n, sizeof(*types), more_bytes_first);
		for (size_t i = 0; i < n && i < 3; i++) {
			hc_strbuf_printf(&sb, "%s%s (%" PRIu64 " object%s, ", i ? ", " : ": ",
					 types[i]->name ? types[i]->name : "?", types[i]->count,
					 types[i]->count == 1 ? "" : "s");
			hc_strbuf_bytes(&sb, types[i]->bytes);
			hc_strbuf_puts(&sb, ")");
		}
		if (n > 3)
			hc_strbuf_printf(&sb, " and %zu more", n - 3);
	}
	struct hc_warnings *w = &b->prog->warnings[HC_PHASE_GRAPH];
	const char *what = "some types' pointer masks were neither in the core (built lazily by the runtime, or a GC program) nor derivable from DWARF; their objects were scanned conservatively";
	if (!types || sb.oom)
		hc_warn_oom(w, "%s (which types: out of memory)", what);
	else
		hc_warn(w, "%s%s", what, sb.str ? sb.str : "");
	free(types);
	hc_strbuf_deinit(&sb);
}

struct hc_error *hc_graph_get(struct hc_program *prog, struct hc_graph **ret)
{
	if (prog->graph) {
		*ret = prog->graph;
		return NULL;
	}
	if (prog->graph_get) /* another allocator's heap */
		return prog->graph_get(prog, ret);
	struct builder b = {.prog = prog};
	hc_u64map_init(&b.mask_index);
	pthread_mutex_init(&b.lock, NULL);
	/* HEAPCORE_THREADS=N: at most N threads (1: none); unset, as many as
	 * pays (the CPUs, up to 8, for big heaps). */
	size_t threads = 0;
	const char *th = getenv("HEAPCORE_THREADS");
	if (th && *th) {
		long n = strtol(th, NULL, 10);
		threads = n < 1 ? 1 : n > 8 ? 8 : (size_t)n;
	}
	struct hc_graph *g = NULL;
	struct hc_error *err = hc_go_get(prog, &b.go);
	/* A graph built anew (hc_report_diff frees one) warns anew. */
	hc_warnings_deinit(&prog->warnings[HC_PHASE_GRAPH]);
	if (!err && hc_go_graph_cached(prog, &g)) {
		hc_u64map_deinit(&b.mask_index);
		pthread_mutex_destroy(&b.lock);
		g->run_at = run_at;
		g->run_at_arg = b.go;
		prog->graph = g;
		*ret = g;
		return NULL;
	}
	if (!err)
		err = hc_graph_build(&go_backend, &b, threads, &prog->progress, &g);
	if (!err && g->conservative_notice)
		conservative_warn(&b, g);
	if (!err && b.type_oom)
		hc_warn_oom(&prog->warnings[HC_PHASE_GRAPH],
			    "out of memory while decoding types: some objects are untyped or were scanned conservatively");
	for (size_t i = 0; i < b.nmasks; i++) {
		free(b.masks[i]->bits);
		free(b.masks[i]);
	}
	free(b.masks);
	free(b.stack_seeds);
	hc_u64map_deinit(&b.mask_index);
	pthread_mutex_destroy(&b.lock);
	if (err)
		return err;
	missing_warn(&b);
	hc_go_graph_save(prog, g);
	prog->graph = g;
	*ret = g;
	return NULL;
}
