/*
 * The heap profile from a core: what pprof.WriteHeapProfile would have
 * written at the moment of the crash, rebuilt from the runtime's own records
 * and the code that writes them.
 *
 * The runtime keeps one bucket per allocation stack (mprof.go): a list from
 * runtime.mbuckets linked by allnext, each `bucket{next, allnext, typ, hash,
 * size, nstk}` followed by its nstk return pcs and a memRecord{active,
 * future[3]} of memRecordCycle counts ({allocs, frees, alloc_bytes,
 * free_bytes}; Go 1.27 keeps counts only and bytes are count * size).
 * memProfileInternal (MemProfile in 1.22), which WriteHeapProfile calls,
 * first flushes future[cycle % 3] into active, and when no bucket has any
 * count yet adds all three futures; then every bucket is a record
 * (inuseZero).  Those steps are repeated here on copies, never on the core.
 *
 * runtime/pprof then writes the records (protomem.go:writeHeapProto,
 * proto.go): leading runtime frames hidden, each pc expanded by
 * runtime.CallersFrames, consecutive pcs of one inlined call chain folded
 * into one location (pcDeck), samples scaled by MemProfileRate
 * (scaleHeapSample, with Go's own math.Exp), the `bytes` label, and the
 * executable mappings of /proc/self/maps, rebuilt from the core's segments
 * and NT_FILE note.  The code below follows those functions step by step,
 * so that `go tool pprof -raw` prints the same samples for both.
 *
 * --live counts instead the profile specials (mheap.go:specialprofile): one
 * per sampled object still allocated, pointing at its bucket.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "go/go_layout.h"
#include "go/go_profile.h"
#include "go/go_stack.h"
#include "target/program.h"
#include "util/profile.h"

/* What the profile lacks when a record is damaged (hc_warn_damaged()). */
#define AFF_PROFILE "the profile leaves out these memory-profile records"

/* Bounds for a damaged core: an expanded inline chain, a record's stack. */
#define MAX_EXPAND 1024
#define MAX_STACK_BOUND 4096

struct prof_layout {
	uint64_t mbuckets, cycle, rate, disable, use_fma, buckhash_sys;
	struct gf b_allnext, b_typ, b_size, b_nstk, cycle_value;
	uint64_t bucket_size; /* the pcs follow the header */
	uint64_t active, future, nfuture, cycle_size;
	struct gf c_allocs, c_frees, c_alloc_bytes, c_free_bytes; /* bytes: up to 1.26 */
	int64_t mem_profile, max_stack;
	/* Profile specials (--live). */
	struct gf s_specials, sp_next, sp_offset, sp_kind, spp_b;
	int64_t kind_profile;
};

static struct hc_error *load_layout(struct hc_program *prog, struct prof_layout *L)
{
	struct gl_init in = {.prog = prog};
	struct hc_error *err = hc_dwarf_index_get(prog, &in.dw);
	if (err)
		return err;
	const char *b = "runtime.bucket", *c = "runtime.memRecordCycle";
	L->mbuckets = gl_symbol(&in, "runtime.mbuckets", NULL);
	/* An atomic.UnsafePointer: the pointer is its `value`. */
	Dwarf_Die type;
	struct hc_field value;
	struct hc_error *e = in.err ? NULL : hc_dwarf_variable_type(in.dw, "runtime.mbuckets", &type);
	if (!e && !in.err)
		e = hc_dwarf_die_field(&type, "value", &value);
	if (e)
		in.err = hc_error_prefix(e, "runtime.mbuckets");
	else if (!in.err)
		L->mbuckets += value.offset;
	L->cycle = gl_symbol(&in, "runtime.mProfCycle", NULL);
	L->rate = gl_symbol(&in, "runtime.MemProfileRate", NULL);
	L->cycle_value = gl_field(&in, "runtime.mProfCycleHolder", "value");
	L->b_allnext = gl_field(&in, b, "allnext");
	L->b_typ = gl_field(&in, b, "typ");
	L->b_size = gl_field(&in, b, "size");
	L->b_nstk = gl_field(&in, b, "nstk");
	L->bucket_size = gl_type_size(&in, b);
	L->active = gl_field(&in, "runtime.memRecord", "active").off;
	L->future = gl_field(&in, "runtime.memRecord", "future").off;
	L->nfuture = gl_array_len(&in, "runtime.memRecord", "future");
	L->cycle_size = gl_type_size(&in, c);
	L->c_allocs = gl_field(&in, c, "allocs");
	L->c_frees = gl_field(&in, c, "frees");
	/* Go 1.27 dropped the byte counts: bytes are count * bucket.size. */
	L->c_alloc_bytes = gl_field_opt(&in, c, "alloc_bytes", false);
	L->c_free_bytes = gl_field_opt(&in, c, "free_bytes", false);
	L->mem_profile = gl_constant(&in, "runtime.memProfile", 1, false);
	/* The deepest stack a bucket holds: maxStack (32) in Go 1.22, then
	 * maxProfStackDepth (1024), the most debug.profstackdepth allows. */
	L->max_stack = gl_constant(&in, "runtime.maxProfStackDepth", -1, false);
	if (L->max_stack < 0)
		L->max_stack = gl_constant(&in, "runtime.maxStack", 32, false);
	/* Optional: none of them stops the profile. */
	L->disable = hc_program_symbol_addr(prog, "runtime.disableMemoryProfiling", NULL);
	L->use_fma = hc_program_symbol_addr(prog, "math.useFMA", NULL);
	uint64_t memstats = hc_program_symbol_addr(prog, "runtime.memstats", NULL);
	struct gf bh = gl_field_opt(&in, "runtime.mstats", "buckhash_sys", false);
	if (!memstats || !bh.present || !gl_peek_field(prog, memstats, bh, &L->buckhash_sys))
		L->buckhash_sys = 0;
	L->s_specials = gl_field_opt(&in, "runtime.mspan", "specials", false);
	L->sp_next = gl_field_opt(&in, "runtime.special", "next", false);
	L->sp_offset = gl_field_opt(&in, "runtime.special", "offset", false);
	L->sp_kind = gl_field_opt(&in, "runtime.special", "kind", false);
	L->spp_b = gl_field_opt(&in, "runtime.specialprofile", "b", false);
	L->kind_profile = gl_constant(&in, "runtime._KindSpecialProfile", -1, false);
	if (!in.err && (L->bucket_size == 0 || L->bucket_size > 256 || L->nfuture == 0 ||
			L->nfuture > 16 || L->cycle_size == 0 || L->cycle_size > 64 ||
			L->max_stack <= 0 || L->max_stack > MAX_STACK_BOUND))
		in.err = hc_error_create(HC_ERROR_UNSUPPORTED,
					 "the heap profile's layout in this executable is not one heapcore knows");
	return in.err;
}

/* ---- the records, as memProfileInternal makes them ---- */

struct cycle {
	int64_t allocs, frees, alloc_bytes, free_bytes;
};

struct record {
	uint64_t bucket, size;
	struct cycle active;      /* what the record reports */
	struct cycle future[16];  /* the cycles not yet published */
	size_t first_pc, npc;     /* into the pcs arena */
	int64_t live;             /* --live: profile specials pointing here */
};

struct records {
	struct record *r;
	size_t n, cap;
	uint64_t *pcs;
	size_t npcs, cap_pcs;
	struct hc_u64map by_bucket; /* bucket address -> index */
};

static void cycle_add(struct cycle *a, const struct cycle *b)
{
	a->allocs += b->allocs;
	a->frees += b->frees;
	a->alloc_bytes += b->alloc_bytes;
	a->free_bytes += b->free_bytes;
}

static struct cycle read_cycle(const struct prof_layout *L, const uint8_t *p)
{
	struct cycle c = {
		.allocs = (int64_t)gl_get(p, L->c_allocs),
		.frees = (int64_t)gl_get(p, L->c_frees),
	};
	if (L->c_alloc_bytes.present && L->c_free_bytes.present) {
		c.alloc_bytes = (int64_t)gl_get(p, L->c_alloc_bytes);
		c.free_bytes = (int64_t)gl_get(p, L->c_free_bytes);
	}
	return c;
}

/*
 * Read one bucket at @p b into @p rs; returns why it is unusable, or NULL.
 * *@p next is its allnext when the header could be read (else left 0).
 */
static const char *read_bucket(struct hc_program *prog, const struct prof_layout *L,
			       struct records *rs, uint64_t b, uint64_t *next)
{
	uint8_t hdr[256];
	if (!hc_memory_peek(&prog->mem, b, hdr, L->bucket_size))
		return "its header is not in the core";
	*next = gl_get(hdr, L->b_allnext);
	uint64_t typ = gl_get(hdr, L->b_typ), nstk = gl_get(hdr, L->b_nstk);
	if ((int64_t)typ != L->mem_profile)
		return "it is not a memory-profile bucket";
	if (nstk > (uint64_t)L->max_stack)
		return "its stack is deeper than the runtime allows";
	const uint8_t *pcs = hc_memory_ptr(&prog->mem, b + L->bucket_size, nstk * 8);
	uint8_t mr[16 * 64 + 64];
	uint64_t mr_size = L->future + L->nfuture * L->cycle_size;
	if ((!pcs && nstk) || mr_size > sizeof(mr) ||
	    !hc_memory_peek(&prog->mem, b + L->bucket_size + nstk * 8, mr, mr_size))
		return "its stack or counts are not in the core";
	if (!hc_grow(&rs->r, &rs->cap, rs->n + 1, sizeof(*rs->r)) ||
	    !hc_grow(&rs->pcs, &rs->cap_pcs, rs->npcs + nstk, sizeof(*rs->pcs)) ||
	    !hc_u64map_put(&rs->by_bucket, b, rs->n))
		return NULL; /* out of memory: noticed by the caller */
	struct record *r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->bucket = b;
	r->size = gl_get(hdr, L->b_size);
	r->first_pc = rs->npcs;
	r->npc = nstk;
	if (nstk)
		memcpy(rs->pcs + rs->npcs, pcs, nstk * 8);
	rs->npcs += nstk;
	r->active = read_cycle(L, mr + L->active);
	for (uint64_t i = 0; i < L->nfuture; i++)
		r->future[i] = read_cycle(L, mr + L->future + i * L->cycle_size);
	return NULL;
}

static struct hc_error *read_records(struct hc_program *prog, const struct prof_layout *L,
				     struct records *rs)
{
	uint64_t b, value;
	if (!hc_memory_peek_u64(&prog->mem, L->mbuckets, &b))
		return hc_error_fault(L->mbuckets, "(runtime.mbuckets) is not in the core");
	/*
	 * Buckets come from persistentalloc charged to memstats.buckhash_sys
	 * (mprof.go:newBucket): no more of them than it could hold.
	 */
	uint64_t bound = L->buckhash_sys ? L->buckhash_sys / L->bucket_size + 1 : 1u << 24;
	uint64_t n = 0;
	while (b) {
		if (n++ == bound) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_PROFILE], "runtime.mbuckets", b, AFF_PROFILE,
				"runtime.mbuckets lists more buckets than BuckHashSys "
				"(%" PRIu64 " bytes) could hold: a cycle?  The rest is not read",
				L->buckhash_sys);
			break;
		}
		uint64_t next = 0;
		size_t before = rs->n;
		const char *why = read_bucket(prog, L, rs, b, &next);
		if (why) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_PROFILE], "memory-profile bucket", b,
				AFF_PROFILE, "memory-profile bucket at 0x%" PRIx64 " is unusable: "
				"%s; %s", b, why, next ? "left out" : "the rest of the list is lost");
		} else if (rs->n == before) {
			return &hc_enomem;
		}
		b = next;
	}
	/* memProfileInternal: flush future[cycle % 3], and with no count at
	 * all yet ("a garbage collection has not yet happened") all three. */
	if (!gl_peek_field(prog, L->cycle, L->cycle_value, &value))
		return hc_error_fault(L->cycle, "(runtime.mProfCycle) is not in the core");
	uint64_t index = (value >> 1) % L->nfuture; /* mProfCycleHolder: cycle<<1 | flushed */
	bool clear = true;
	for (size_t i = 0; i < rs->n; i++) {
		struct record *r = &rs->r[i];
		cycle_add(&r->active, &r->future[index]);
		memset(&r->future[index], 0, sizeof(r->future[index]));
		if (r->active.allocs || r->active.frees)
			clear = false;
	}
	for (size_t i = 0; clear && i < rs->n; i++)
		for (uint64_t c = 0; c < L->nfuture; c++)
			cycle_add(&rs->r[i].active, &rs->r[i].future[c]);
	/* Go 1.27 counts only; profilerecord's AllocBytes = count * size. */
	if (!L->c_alloc_bytes.present) {
		for (size_t i = 0; i < rs->n; i++) {
			struct record *r = &rs->r[i];
			r->active.alloc_bytes = r->active.allocs * (int64_t)r->size;
			r->active.free_bytes = r->active.frees * (int64_t)r->size;
		}
	}
	return NULL;
}

/*
 * --live: every profile special (mheap.go:setprofilebucket) marks a sampled
 * object that is still allocated; count them per bucket.  Lists are bounded
 * as the graph's special walk bounds them.
 */
static struct hc_error *count_live(struct hc_program *prog, const struct prof_layout *L,
				   struct records *rs)
{
	struct hc_go *go;
	struct hc_error *err = hc_go_get(prog, &go);
	if (err)
		return err;
	if (!L->s_specials.present || !L->sp_next.present || !L->sp_kind.present ||
	    !L->spp_b.present || L->kind_profile < 0)
		return hc_error_create(HC_ERROR_MISSING_DEBUG_INFO,
				       "the runtime's profile specials are not described in DWARF");
	for (size_t i = 0; i < go->nspans; i++) {
		const struct hc_go_span *s = &go->spans[i];
		uint64_t sp;
		if (s->state != GO_SPAN_INUSE || !gl_peek_field(prog, s->mspan, L->s_specials, &sp))
			continue;
		/* At most a few specials per object (finalizer, profile, ...). */
		for (unsigned k = 0; sp && k <= s->nelems * 8u + 8; k++) {
			uint64_t next, kind, b, at;
			if (!gl_peek_field(prog, sp, L->sp_next, &next) ||
			    !gl_peek_field(prog, sp, L->sp_kind, &kind)) {
				hc_warn_damaged(&prog->warnings[HC_PHASE_PROFILE], "special record", sp, AFF_PROFILE,
						"span 0x%" PRIx64 ": special record at 0x%" PRIx64
						" is unreadable", s->base, sp);
				break;
			}
			if ((int64_t)kind == L->kind_profile) {
				if (!gl_peek_field(prog, sp, L->spp_b, &b) ||
				    !hc_u64map_get(&rs->by_bucket, b, &at))
					hc_warn_damaged(&prog->warnings[HC_PHASE_PROFILE], "special record", sp,
						AFF_PROFILE, "span 0x%" PRIx64 ": profile special at 0x%"
						PRIx64 " points to 0x%" PRIx64 ", which is no memory-profile "
						"bucket", s->base, sp, b);
				else
					rs->r[at].live++;
			}
			sp = next;
		}
	}
	return NULL;
}

/* ---- math.Exp and scaleHeapSample, bit for bit ---- */

/*
 * math.Exp on amd64 is assembly (math/exp_amd64.s, the same in Go 1.22 to
 * 1.27): a reduction by ln 2, a Taylor polynomial on x/16 squared back four
 * times, with fused multiply-adds when the CPU has them (math.useFMA).  Its
 * last bit can differ from the C library's exp(), and scaleHeapSample
 * truncates, so the port below is what makes scaled samples equal.  This
 * file is compiled without floating-point contraction so that unfused steps
 * stay unfused.
 */
static double go_exp(double x, bool use_fma)
{
	static const double c[] = {0.5, 1.0, 2.0, 1.6666666666666666667e-1, 4.1666666666666666667e-2,
				   8.3333333333333333333e-3, 1.3888888888888888889e-3,
				   1.9841269841269841270e-4, 2.4801587301587301587e-5};
	const double ln2u = 0.69314718055966295651160180568695068359375;
	const double ln2l = 0.28235290563031577122588448175013436025525412068e-12;
	const double log2e = 1.4426950408889634073599246810018920;
	if (isnan(x) || x == INFINITY)
		return x;
	if (x == -INFINITY)
		return 0;
	if (x > 7.09782712893384e+02)
		return INFINITY;
	double t = log2e * x;
	/* CVTSD2SL rounds to nearest even; out of range it gives INT32_MIN. */
	int32_t e = (t >= -2147483648.0 && t < 2147483648.0) ? (int32_t)nearbyint(t) : INT32_MIN;
	double fe = (double)e, r;
	if (use_fma) {
		x = fma(-fe, ln2u, x);
		x = fma(-fe, ln2l, x);
		x *= 0.0625;
		r = c[8];
		for (int i = 7; i >= 3; i--)
			r = fma(r, x, c[i]);
		r = fma(r, x, c[0]);
		r = fma(r, x, c[1]);
		x *= r;
		for (int i = 0; i < 3; i++)
			x *= c[2] + x;
		x = fma(x, c[2] + x, c[1]);
	} else {
		x -= ln2u * fe;
		x -= ln2l * fe;
		x *= 0.0625;
		r = c[8];
		for (int i = 7; i >= 3; i--)
			r = r * x + c[i];
		r = r * x + c[0];
		r = r * x + c[1];
		x *= r;
		for (int i = 0; i < 4; i++)
			x *= c[2] + x;
		x += c[1];
	}
	/* ldexp: x * 2**e, through the denormal step as the assembly does. */
	int64_t biased = (int64_t)e + 0x3ff;
	if (biased <= 0) {
		if (biased < -52)
			return 0;
		double m;
		uint64_t bits = (uint64_t)(biased + 0x3fe) << 52;
		memcpy(&m, &bits, 8);
		x *= m;
		biased = 1;
	} else if (biased >= 0x7ff) {
		return INFINITY;
	}
	double m;
	uint64_t bits = (uint64_t)biased << 52;
	memcpy(&m, &bits, 8);
	return x * m;
}

/* Go's float64 to int64 conversion (CVTTSD2SQ): out of range is INT64_MIN. */
static int64_t go_int64(double v)
{
	return (v >= -9223372036854775808.0 && v < 9223372036854775808.0) ? (int64_t)v : INT64_MIN;
}

/*
 * protomem.go:scaleHeapSample.  Up to Go 1.26 it takes the byte count and
 * divides; 1.27 takes the object size (and multiplies the count by it).
 */
static void scale(int64_t count, int64_t size, bool size_is_avg, int64_t rate, bool use_fma,
		  int64_t *rcount, int64_t *rsize)
{
	if (count == 0 || size == 0) {
		*rcount = *rsize = 0;
		return;
	}
	int64_t bytes = size_is_avg ? count * size : size;
	if (rate <= 1) {
		*rcount = count;
		*rsize = bytes;
		return;
	}
	double avg = size_is_avg ? (double)size : (double)size / (double)count;
	double sc = 1 / (1 - go_exp(-avg / (double)rate, use_fma));
	*rcount = go_int64((double)count * sc);
	*rsize = go_int64((double)bytes * sc);
}

/* ---- runtime/pprof's profileBuilder ---- */

/* proto.go:symbolizeFlag */
enum { LOOKUP_TRIED = 1, LOOKUP_FAILED = 2 };

/* A runtime.Frame, as allFrames returns it for one pc. */
struct frame {
	uint64_t pc, entry;
	const char *name; /* runtime_FrameSymbolName */
	const char *file;
	int64_t line, start_line;
	bool func;        /* Frame.Func != nil: not inlined */
};

struct mem_map {
	uint64_t start, end;
	bool fake;
	uint8_t funcs;
};

struct loc_info {
	uint64_t id;
	size_t first_pc, npcs;       /* into builder.loc_pcs */
	size_t first_frame, nframes; /* firstPCFrames, into builder.loc_frames */
	uint8_t first_result;
};

struct builder {
	struct hc_program *prog;
	struct hc_pcln *pcln;
	struct hc_profile *p;
	bool internal_runtime; /* Go 1.24+ also hides internal/runtime/ frames */
	struct mem_map *mem;
	size_t nmem;
	struct hc_u64map locs; /* pc -> index in infos */
	struct loc_info *infos;
	size_t ninfos, cap_infos;
	uint64_t *loc_pcs;
	size_t nloc_pcs, cap_loc_pcs;
	struct frame *loc_frames;
	size_t nloc_frames, cap_loc_frames;
	struct hc_strmap funcs; /* symbol name -> Function ID; keys live in the pclntab */
	struct hc_u64map frame_cache;  /* pc -> index in cached frames + 1, or 0: none */
	struct frame *cached;
	uint8_t *cached_result;
	size_t ncached, cap_cached, cap_cached_result;
	struct hc_u64map name_cache;   /* pc -> FuncForPC name pointer, or 1: nil */
	/* pcDeck */
	uint64_t *deck_pcs;
	size_t ndeck_pcs, cap_deck_pcs;
	struct frame *deck_frames;
	size_t ndeck_frames, cap_deck_frames;
	uint8_t deck_result, deck_first_result;
	size_t deck_first_frames;
	bool oom;
};

/*
 * proto.go:allFrames for one return pc: runtime.CallersFrames gives the
 * innermost inlined call at pc - 1 (one frame for one pc), nothing for
 * runtime.goexit, and for a pc in no Go function a Frame with no function.
 * Returns the number of frames (0 or 1).
 */
static size_t all_frames(struct builder *b, uint64_t addr, struct frame *f, uint8_t *result)
{
	uint64_t at;
	if (hc_u64map_get(&b->frame_cache, addr, &at)) {
		if (!at)
			return 0;
		*f = b->cached[at - 1];
		*result = b->cached_result[at - 1];
		return 1;
	}
	struct hc_go_pcframe pf;
	memset(f, 0, sizeof(*f));
	f->name = f->file = "";
	if (b->pcln && hc_pcln_frame(b->pcln, addr, &pf)) {
		f->pc = pf.pc;
		f->entry = pf.entry;
		f->name = pf.name;
		f->file = pf.file;
		f->line = pf.line;
		f->start_line = pf.start_line;
		f->func = !pf.inlined;
	}
	size_t n = 1;
	if (strcmp(f->name, "runtime.goexit") == 0) {
		n = 0;
	} else {
		*result = LOOKUP_TRIED;
		if (f->pc == 0 || !*f->name || !*f->file || f->line == 0)
			*result |= LOOKUP_FAILED;
		/* "If we failed to resolve the frame, at least make up a
		 * reasonable call PC." */
		if (f->pc == 0)
			f->pc = addr - 1;
	}
	if (!hc_grow(&b->cached, &b->cap_cached, b->ncached + 1, sizeof(*b->cached)) ||
	    !hc_grow(&b->cached_result, &b->cap_cached_result, b->ncached + 1, 1) ||
	    !hc_u64map_put(&b->frame_cache, addr, n ? b->ncached + 1 : 0)) {
		b->oom = true;
		return n;
	}
	if (n) {
		b->cached[b->ncached] = *f;
		b->cached_result[b->ncached++] = *result;
	}
	return n;
}

/* runtime.FuncForPC(pc).Name(), cached; NULL for a nil *Func. */
static const char *func_for_pc(struct builder *b, uint64_t pc)
{
	uint64_t v;
	if (hc_u64map_get(&b->name_cache, pc, &v))
		return v == 1 ? NULL : (const char *)(uintptr_t)v;
	const char *name = b->pcln ? hc_pcln_func_for_pc(b->pcln, pc) : NULL;
	if (!hc_u64map_put(&b->name_cache, pc, name ? (uint64_t)(uintptr_t)name : 1))
		b->oom = true;
	return name;
}

static void deck_reset(struct builder *b)
{
	b->ndeck_pcs = b->ndeck_frames = 0;
	b->deck_result = b->deck_first_result = 0;
	b->deck_first_frames = 0;
}

/* proto.go:(*pcDeck).tryAdd, for @p n frames (1, or a cached location's). */
static bool deck_try_add(struct builder *b, uint64_t pc, const struct frame *frames, size_t n,
			 uint8_t result)
{
	if (b->ndeck_frames > 0) {
		const struct frame *last = &b->deck_frames[b->ndeck_frames - 1], *f = &frames[0];
		if (last->func)
			return false; /* the last frame can't be inlined */
		if (last->entry == 0 || f->entry == 0)
			return false; /* possibly not a Go function */
		if (last->entry != f->entry)
			return false; /* another function */
		if (strcmp(last->name, f->name) == 0)
			return false; /* maybe recursion */
	}
	if (!hc_grow(&b->deck_pcs, &b->cap_deck_pcs, b->ndeck_pcs + 1, sizeof(*b->deck_pcs)) ||
	    !hc_grow(&b->deck_frames, &b->cap_deck_frames, b->ndeck_frames + n,
		     sizeof(*b->deck_frames))) {
		b->oom = true;
		return true;
	}
	b->deck_pcs[b->ndeck_pcs++] = pc;
	memcpy(b->deck_frames + b->ndeck_frames, frames, n * sizeof(*frames));
	b->ndeck_frames += n;
	b->deck_result |= result;
	if (b->ndeck_pcs == 1) {
		b->deck_first_frames = b->ndeck_frames;
		b->deck_first_result = result;
	}
	return true;
}

/* proto.go:emitLocation: the deck becomes one location; returns its ID or 0. */
static uint64_t emit_location(struct builder *b)
{
	if (b->ndeck_pcs == 0)
		return 0;
	uint64_t addr = b->deck_pcs[0];
	struct hc_profile_line lines[64] = {{0}}, *lp = lines;
	if (b->ndeck_frames > HC_ARRAY_SIZE(lines) &&
	    !(lp = malloc(b->ndeck_frames * sizeof(*lp)))) {
		b->oom = true;
		deck_reset(b);
		return 0;
	}
	for (size_t i = 0; i < b->ndeck_frames; i++) {
		const struct frame *f = &b->deck_frames[i];
		uint64_t id;
		if (!hc_strmap_get(&b->funcs, f->name, &id)) {
			id = hc_profile_add_function(b->p, f->name, f->name, f->file, f->start_line);
			if (!id || !hc_strmap_put(&b->funcs, f->name, id, false))
				b->oom = true;
		}
		lp[i] = (struct hc_profile_line){id, f->line};
	}
	uint64_t mapping = 0;
	for (size_t i = 0; i < b->nmem; i++) {
		if ((b->mem[i].start <= addr && addr < b->mem[i].end) || b->mem[i].fake) {
			mapping = i + 1;
			b->mem[i].funcs |= b->deck_result;
			break;
		}
	}
	uint64_t id = hc_profile_add_location(b->p, mapping, b->deck_frames[0].pc, lp,
					      b->ndeck_frames);
	if (lp != lines)
		free(lp);
	if (!hc_grow(&b->infos, &b->cap_infos, b->ninfos + 1, sizeof(*b->infos)) ||
	    !hc_grow(&b->loc_pcs, &b->cap_loc_pcs, b->nloc_pcs + b->ndeck_pcs, 8) ||
	    !hc_grow(&b->loc_frames, &b->cap_loc_frames, b->nloc_frames + b->deck_first_frames,
		     sizeof(*b->loc_frames)) ||
	    !hc_u64map_put(&b->locs, addr, b->ninfos) || !id) {
		b->oom = true;
		deck_reset(b);
		return 0;
	}
	b->infos[b->ninfos++] = (struct loc_info){
		.id = id,
		.first_pc = b->nloc_pcs,
		.npcs = b->ndeck_pcs,
		.first_frame = b->nloc_frames,
		.nframes = b->deck_first_frames,
		.first_result = b->deck_first_result,
	};
	memcpy(b->loc_pcs + b->nloc_pcs, b->deck_pcs, b->ndeck_pcs * 8);
	b->nloc_pcs += b->ndeck_pcs;
	memcpy(b->loc_frames + b->nloc_frames, b->deck_frames,
	       b->deck_first_frames * sizeof(*b->loc_frames));
	b->nloc_frames += b->deck_first_frames;
	deck_reset(b);
	return id;
}

static void push_loc(struct builder *b, uint64_t **locs, size_t *n, size_t *cap, uint64_t id)
{
	if (!hc_grow(locs, cap, *n + 1, sizeof(**locs))) {
		b->oom = true;
		return;
	}
	(*locs)[(*n)++] = id;
}

/*
 * proto.go:appendLocsForStack: the location IDs of a stack of return pcs,
 * folding each inlined call chain into one location and reusing the
 * locations of earlier stacks.  @p stk has room for MAX_EXPAND more pcs
 * (the truncated last frame's inline chain, restored first).
 */
static void append_locs(struct builder *b, uint64_t *stk, size_t n, uint64_t **locs,
			size_t *nlocs, size_t *cap)
{
	*nlocs = 0;
	deck_reset(b);
	if (n > 0 && b->pcln) {
		uint64_t expanded[MAX_EXPAND];
		size_t k = hc_pcln_expand_inline(b->pcln, stk[n - 1], expanded, MAX_EXPAND);
		if (k) {
			memcpy(stk + n - 1, expanded, k * 8);
			n += k - 1;
		}
	}
	size_t i = 0;
	while (i < n && !b->oom) {
		uint64_t addr = stk[i], at, id;
		if (hc_u64map_get(&b->locs, addr, &at)) {
			/* A copy: emitting a location may move the array. */
			struct loc_info l = b->infos[at];
			/* "always check whether addr is a 'fake' PC in the context
			 * of the current call stack" */
			if (b->ndeck_pcs > 0 &&
			    deck_try_add(b, addr, b->loc_frames + l.first_frame, l.nframes,
					 l.first_result)) {
				i++;
				continue;
			}
			if ((id = emit_location(b)))
				push_loc(b, locs, nlocs, cap, id);
			push_loc(b, locs, nlocs, cap, l.id);
			/* Skip the matching pcs (Go 1.24+ panics on a stack too
			 * short for them; earlier ones slice past the end). */
			i = n - i < l.npcs ? n : i + l.npcs;
			continue;
		}
		struct frame f;
		uint8_t result = 0;
		if (all_frames(b, addr, &f, &result) == 0) { /* runtime.goexit */
			if ((id = emit_location(b)))
				push_loc(b, locs, nlocs, cap, id);
			i++;
			continue;
		}
		if (deck_try_add(b, addr, &f, 1, result)) {
			i++;
			continue;
		}
		if ((id = emit_location(b)))
			push_loc(b, locs, nlocs, cap, id);
		if (hc_u64map_get(&b->locs, addr, &at)) {
			push_loc(b, locs, nlocs, cap, b->infos[at].id);
			i = n - i < b->infos[at].npcs ? n : i + b->infos[at].npcs;
		} else {
			deck_try_add(b, addr, &f, 1, result); /* must succeed */
			i++;
		}
	}
	uint64_t id;
	if ((id = emit_location(b)))
		push_loc(b, locs, nlocs, cap, id);
}

static bool hidden_runtime(struct builder *b, uint64_t pc)
{
	const char *name = func_for_pc(b, pc);
	return name && (strncmp(name, "runtime.", 8) == 0 ||
			(b->internal_runtime && strncmp(name, "internal/runtime/", 17) == 0));
}

/* " (deleted)" ends the name of a file deleted while mapped; pprof trims it. */
static void trim_deleted(char *path)
{
	size_t n = strlen(path), k = strlen(" (deleted)");
	if (n >= k && strcmp(path + n - k, " (deleted)") == 0)
		path[n - k] = '\0';
}

/*
 * proto_other.go:readMapping reads /proc/self/maps: every executable
 * mapping with a name, and its file's GNU build ID.  The core has the same
 * facts: its PT_LOAD segments are the process's mappings (with their
 * permissions), the NT_FILE note names the file-backed ones, auxv's
 * AT_SYSINFO_EHDR is the [vdso], and [vsyscall] sits at a fixed address.
 * Anonymous executable mappings have no name and are left out, as pprof
 * leaves them.
 */
static void read_mappings(struct builder *b)
{
	const struct hc_core *core = b->prog->core;
	for (size_t i = 0; i < core->nloads; i++) {
		const struct hc_core_segment *s = &core->loads[i];
		if (!(s->flags & PF_X))
			continue;
		const char *name = NULL;
		uint64_t offset = 0;
		char build_id[129] = "";
		for (size_t j = 0; j < core->nfiles && !name; j++) {
			if (core->files[j].start == s->vaddr) {
				name = core->files[j].path;
				offset = core->files[j].offset;
			}
		}
		if (name) {
			for (size_t j = 0; j < b->prog->nfiles; j++) {
				const struct hc_mapped_file *mf = &b->prog->files[j];
				if (strcmp(mf->path, name) == 0 && mf->image)
					hc_elf_gnu_build_id(mf->image, mf->size, build_id, sizeof(build_id));
			}
		} else if (core->at_sysinfo_ehdr && s->vaddr == core->at_sysinfo_ehdr) {
			name = "[vdso]";
		} else if (s->vaddr == 0xffffffffff600000ull) {
			name = "[vsyscall]";
		} else {
			continue;
		}
		char *file = strdup(name);
		struct mem_map *m = realloc(b->mem, (b->nmem + 1) * sizeof(*b->mem));
		if (!file || !m) {
			free(file);
			b->oom = true;
			return;
		}
		b->mem = m;
		trim_deleted(file);
		b->mem[b->nmem++] = (struct mem_map){.start = s->vaddr, .end = s->vaddr + s->memsz};
		hc_profile_add_mapping(b->p, s->vaddr, s->vaddr + s->memsz, offset, file, build_id);
		free(file);
	}
	if (b->nmem == 0) { /* "pprof expects a map entry, so fake one." */
		b->mem = calloc(1, sizeof(*b->mem));
		if (!b->mem) {
			b->oom = true;
			return;
		}
		b->mem[b->nmem++] = (struct mem_map){.fake = true};
		hc_profile_add_mapping(b->p, 0, 0, 0, "", "");
	}
}

static void builder_deinit(struct builder *b)
{
	free(b->mem);
	hc_u64map_deinit(&b->locs);
	free(b->infos);
	free(b->loc_pcs);
	free(b->loc_frames);
	hc_strmap_deinit(&b->funcs);
	hc_u64map_deinit(&b->frame_cache);
	free(b->cached);
	free(b->cached_result);
	hc_u64map_deinit(&b->name_cache);
	free(b->deck_pcs);
	free(b->deck_frames);
}

/* The Go version's minor number: 26 for go1.26.3. */
static unsigned go_minor(const char *v)
{
	return v && strncmp(v, "go1.", 4) == 0 ? (unsigned)strtoul(v + 4, NULL, 10) : 0;
}

/* protomem.go:writeHeapProto over the records (or, --live, their live counts). */
static struct hc_error *write_profile(struct builder *b, const struct prof_layout *L,
				      const struct records *rs, int64_t rate, bool live)
{
	struct hc_program *prog = b->prog;
	struct hc_profile *p = b->p;
	bool use_fma = true; /* math.useFMA = HasAVX && HasFMA, true on today's CPUs */
	uint8_t fma;
	if (L->use_fma && hc_memory_peek(&prog->mem, L->use_fma, &fma, 1))
		use_fma = fma != 0;
	/* Up to 1.26 a record has byte counts; 1.27 has ObjectSize. */
	bool object_size = !L->c_alloc_bytes.present;
	bool stack0 = go_minor(prog->go_version) <= 22; /* MemProfileRecord.Stack0 */
	p->period_type.type = hc_profile_string(p, "space");
	p->period_type.unit = hc_profile_string(p, "bytes");
	p->period = rate;
	if (live) {
		hc_profile_sample_type(p, "live_objects", "count");
		hc_profile_sample_type(p, "live_space", "bytes");
	} else {
		hc_profile_sample_type(p, "alloc_objects", "count");
		hc_profile_sample_type(p, "alloc_space", "bytes");
		hc_profile_sample_type(p, "inuse_objects", "count");
		hc_profile_sample_type(p, "inuse_space", "bytes");
	}
	struct hc_profile_label bytes_label = {.key = hc_profile_string(p, "bytes")};
	read_mappings(b);
	uint64_t *stk = malloc(((size_t)L->max_stack + MAX_EXPAND) * 8), *locs = NULL;
	size_t nlocs = 0, cap = 0;
	if (!stk)
		return &hc_enomem;
	for (size_t i = 0; i < rs->n && !b->oom && !p->oom; i++) {
		const struct record *r = &rs->r[i];
		if (live && r->live == 0)
			continue;
		const uint64_t *pcs = rs->pcs + r->first_pc;
		size_t n = r->npc;
		if (stack0) /* MemProfileRecord.Stack() ends at the first 0 */
			for (size_t k = 0; k < n; k++)
				if (!pcs[k]) {
					n = k;
					break;
				}
		/* protomem.go: hide leading runtime frames, unless that leaves
		 * no location; then show them all. */
		bool hide = true;
		for (int tries = 0; tries < 2; tries++) {
			size_t from = 0;
			if (hide) {
				while (from < n && hidden_runtime(b, pcs[from]))
					from++;
				if (from == n) /* no non-runtime frame: the whole stack */
					from = 0;
			}
			memcpy(stk, pcs + from, (n - from) * 8);
			append_locs(b, stk, n - from, &locs, &nlocs, &cap);
			if (nlocs > 0)
				break;
			hide = false;
		}
		int64_t v[4];
		struct cycle a = r->active;
		size_t nlabels = 1;
		if (live) {
			scale(r->live, (int64_t)r->size, true, rate, use_fma, &v[0], &v[1]);
			bytes_label.num = (int64_t)r->size;
		} else if (object_size) {
			scale(a.allocs, (int64_t)r->size, true, rate, use_fma, &v[0], &v[1]);
			scale(a.allocs - a.frees, (int64_t)r->size, true, rate, use_fma, &v[2], &v[3]);
			bytes_label.num = (int64_t)r->size;
		} else {
			scale(a.allocs, a.alloc_bytes, false, rate, use_fma, &v[0], &v[1]);
			scale(a.allocs - a.frees, a.alloc_bytes - a.free_bytes, false, rate, use_fma,
			      &v[2], &v[3]);
			bytes_label.num = a.allocs > 0 ? a.alloc_bytes / a.allocs : 0;
			nlabels = bytes_label.num != 0;
		}
		hc_profile_add_sample(p, locs, nlocs, v, &bytes_label, nlabels);
	}
	free(stk);
	free(locs);
	for (size_t i = 0; i < b->nmem && i < p->nmappings; i++)
		p->mappings[i].has_functions = b->mem[i].funcs == LOOKUP_TRIED;
	return b->oom || p->oom ? &hc_enomem : NULL;
}

struct hc_error *hc_go_heap_profile(struct hc_program *prog, bool live, struct hc_profile *out)
{
	hc_warnings_deinit(&prog->warnings[HC_PHASE_PROFILE]); /* this profile's, not an earlier one's */
	if (!prog->go_version) {
		struct hc_go *go;
		return hc_go_get(prog, &go); /* the error that says what the program is */
	}
	struct prof_layout L;
	struct hc_error *err = load_layout(prog, &L);
	if (err)
		return err;
	int64_t rate;
	uint8_t disabled = 0;
	if (!hc_memory_peek(&prog->mem, L.rate, &rate, 8))
		return hc_error_fault(L.rate, "(runtime.MemProfileRate) is not in the core");
	if (L.disable)
		hc_memory_peek(&prog->mem, L.disable, &disabled, 1);
	/*
	 * proc.go:schedinit sets MemProfileRate to 0 when the linker found no
	 * use of the profile (runtime.disableMemoryProfiling): such a program
	 * cannot write one, and its few buckets are the runtime's own first
	 * allocations.  A program that set the rate to 0 itself keeps what was
	 * recorded before, and WriteHeapProfile would write that.
	 */
	if (disabled && rate == 0)
		return hc_error_create(HC_ERROR_NOT_FOUND,
				       "the program recorded no heap profile: the linker saw no use of "
				       "it and turned it off (runtime.disableMemoryProfiling, "
				       "runtime.MemProfileRate 0); heapcore pprof --retained needs none");
	struct records rs = {0};
	hc_u64map_init(&rs.by_bucket);
	err = read_records(prog, &L, &rs);
	if (!err && rs.n == 0 && rate == 0)
		err = hc_error_create(HC_ERROR_NOT_FOUND,
				      "the program recorded no heap profile: runtime.MemProfileRate is 0; "
				      "heapcore pprof --retained needs none");
	if (!err && rate == 0)
		hc_warn(&prog->warnings[HC_PHASE_PROFILE], "heap profiling is off (runtime.MemProfileRate is 0): the "
			"profile holds only what was recorded before it was turned off");
	if (!err && live)
		err = count_live(prog, &L, &rs);
	struct builder b = {.prog = prog, .p = out};
	hc_u64map_init(&b.locs);
	hc_strmap_init(&b.funcs);
	hc_u64map_init(&b.frame_cache);
	hc_u64map_init(&b.name_cache);
	if (!err)
		err = hc_pcln_get(prog, &b.pcln);
	if (!err) {
		b.internal_runtime = go_minor(prog->go_version) >= 24;
		out->time_nanos = prog->core->mtime_ns;
		err = write_profile(&b, &L, &rs, rate, live);
	}
	builder_deinit(&b);
	free(rs.r);
	free(rs.pcs);
	hc_u64map_deinit(&rs.by_bucket);
	return err;
}
