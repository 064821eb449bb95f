/*
 * The Go runtime backend (see go.h).
 *
 * Everything is read by name: struct layouts from DWARF (offsets move between
 * Go versions), globals from the ELF symbol table.  The recipes follow the
 * runtime's own code, cited as file:function of src/runtime:
 *
 *  - every mspan struct ever created is in mheap_.allspans, dead ones
 *    included (mheap.go: "allspans is a slice of all mspans ever created");
 *  - slot i of an in-use span is allocated iff i < freeindex or bit i of
 *    allocBits is set (mbitmap.go:(*mspan).isFree, malloc.go:nextFreeFast);
 *  - runtime.MemStats is what mstats.go:readmemstats_m computes after
 *    flushallmcaches: the three heapStatsDelta shards summed, plus what each
 *    P's mcache holds unflushed (mcache.go:releaseAll) and the stacks it
 *    caches (stack.go:stackcache_clear), which can free whole stack spans.
 *
 * Data read from the core is never trusted: every count is bounded by what
 * was validated before it, and an inconsistent span becomes a warning that
 * names it while the rest of the heap is still reported.
 */
#include <inttypes.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "go/go_layout.h"
#include "go/go_layout_tables.h"
#include "target/program.h"

struct go_layout {
	uint64_t mheap, memstats, gcc, allp, gomaxprocs, emptymspan, gcphase, allm;
	uint64_t class_to_size, class_to_npages;
	struct gf h_sweepgen, h_allspans, h_spanalloc_inuse, h_cachealloc_inuse;
	uint64_t span_size;
	struct gf s_startAddr, s_npages, s_manualFreeList, s_freeindex, s_nelems,
		s_allocBits, s_sweepgen, s_allocCount, s_spanclass, s_state,
		s_allocCountBeforeCache, s_elemsize;
	/* runtime.mstats and its consistent stats ring */
	uint64_t mstats_size, stats_off, nshards, delta_size, nclasses;
	struct gf d_inStacks, d_inWorkBufs, d_inPtrScalarBits, d_tinyAllocCount,
		d_largeAlloc, d_largeAllocCount, d_smallAllocCount, d_largeFree,
		d_largeFreeCount, d_smallFreeCount;
	struct gf m_stacks_sys, m_mspan_sys, m_mcache_sys, m_buckhash_sys,
		m_gcMiscSys, m_other_sys, m_last_gc_unix, m_pause_total_ns,
		m_pause_ns, m_pause_end, m_numgc, m_numforcedgc, m_gc_cpu_fraction;
	uint64_t gcc_size;
	struct gf c_gcPercentHeapGoal, c_memoryLimit, c_sweepDistMinTrigger,
		c_triggered, c_heapMarked, c_heapInUse, c_heapReleased, c_heapFree,
		c_totalAlloc, c_totalFree, c_mappedReady;
	struct gf p_mcache, p_mspancache_len, p_statsSeq;
	uint64_t mspancache_cap;
	struct gf mc_tinyAllocs, mc_alloc, mc_stackcache;
	uint64_t nspanclasses, nstackorders, stackfreelist_size;
	struct gf sf_list;
	struct gf mm_procid, mm_p, mm_alllink;
	int64_t fixed_stack, headroom_percent, min_headroom;
};

static struct hc_error *load_layout(struct hc_program *prog, struct go_layout *L)
{
	struct gl_init in;
	struct hc_error *err = gl_begin(prog, &in);
	if (err)
		return err;
	L->mheap = gl_symbol(&in, "runtime.mheap_", NULL);
	L->memstats = gl_symbol(&in, "runtime.memstats", NULL);
	L->gcc = gl_symbol(&in, "runtime.gcController", NULL);
	L->allp = gl_symbol(&in, "runtime.allp", NULL);
	L->gomaxprocs = gl_symbol(&in, "runtime.gomaxprocs", NULL);
	L->emptymspan = gl_symbol(&in, "runtime.emptymspan", NULL);
	L->gcphase = gl_symbol(&in, "runtime.gcphase", NULL);
	L->allm = gl_symbol(&in, "runtime.allm", NULL);
	/* The size-class tables moved to internal/runtime/gc in Go 1.26. */
	L->class_to_size = gl_symbol(&in, "runtime.class_to_size",
				  "internal/runtime/gc.SizeClassToSize");
	L->class_to_npages = gl_symbol(&in, "runtime.class_to_allocnpages",
				    "internal/runtime/gc.SizeClassToNPages");

	L->h_sweepgen = gl_field(&in, "runtime.mheap", "sweepgen");
	L->h_allspans = gl_field(&in, "runtime.mheap", "allspans");
	L->h_spanalloc_inuse = gl_field(&in, "runtime.mheap", "spanalloc.inuse");
	L->h_cachealloc_inuse = gl_field(&in, "runtime.mheap", "cachealloc.inuse");

	L->span_size = gl_type_size(&in, "runtime.mspan");
	L->s_startAddr = gl_field(&in, "runtime.mspan", "startAddr");
	L->s_npages = gl_field(&in, "runtime.mspan", "npages");
	L->s_manualFreeList = gl_field(&in, "runtime.mspan", "manualFreeList");
	L->s_freeindex = gl_field(&in, "runtime.mspan", "freeindex");
	L->s_nelems = gl_field(&in, "runtime.mspan", "nelems");
	L->s_allocBits = gl_field(&in, "runtime.mspan", "allocBits");
	L->s_sweepgen = gl_field(&in, "runtime.mspan", "sweepgen");
	L->s_allocCount = gl_field(&in, "runtime.mspan", "allocCount");
	L->s_spanclass = gl_field(&in, "runtime.mspan", "spanclass");
	L->s_state = gl_field(&in, "runtime.mspan", "state.s");
	L->s_allocCountBeforeCache = gl_field(&in, "runtime.mspan", "allocCountBeforeCache");
	L->s_elemsize = gl_field(&in, "runtime.mspan", "elemsize");

	L->mstats_size = gl_type_size(&in, "runtime.mstats");
	L->stats_off = gl_field(&in, "runtime.mstats", "heapStats.stats").off;
	L->nshards = gl_array_len(&in, "runtime.consistentHeapStats", "stats");
	L->delta_size = gl_type_size(&in, "runtime.heapStatsDelta");
	L->nclasses = gl_array_len(&in, "runtime.heapStatsDelta", "smallAllocCount");
	const char *d = "runtime.heapStatsDelta";
	L->d_inStacks = gl_field(&in, d, "inStacks");
	L->d_inWorkBufs = gl_field(&in, d, "inWorkBufs");
	/* Removed in Go 1.26 with GC programs. */
	L->d_inPtrScalarBits = gl_field_opt(&in, d, "inPtrScalarBits", false);
	L->d_tinyAllocCount = gl_field(&in, d, "tinyAllocCount");
	L->d_largeAlloc = gl_field(&in, d, "largeAlloc");
	L->d_largeAllocCount = gl_field(&in, d, "largeAllocCount");
	L->d_smallAllocCount = gl_field(&in, d, "smallAllocCount");
	L->d_largeFree = gl_field(&in, d, "largeFree");
	L->d_largeFreeCount = gl_field(&in, d, "largeFreeCount");
	L->d_smallFreeCount = gl_field(&in, d, "smallFreeCount");
	const char *m = "runtime.mstats";
	L->m_stacks_sys = gl_field(&in, m, "stacks_sys");
	L->m_mspan_sys = gl_field(&in, m, "mspan_sys");
	L->m_mcache_sys = gl_field(&in, m, "mcache_sys");
	L->m_buckhash_sys = gl_field(&in, m, "buckhash_sys");
	L->m_gcMiscSys = gl_field(&in, m, "gcMiscSys");
	L->m_other_sys = gl_field(&in, m, "other_sys");
	L->m_last_gc_unix = gl_field(&in, m, "last_gc_unix");
	L->m_pause_total_ns = gl_field(&in, m, "pause_total_ns");
	L->m_pause_ns = gl_field(&in, m, "pause_ns");
	L->m_pause_end = gl_field(&in, m, "pause_end");
	L->m_numgc = gl_field(&in, m, "numgc");
	L->m_numforcedgc = gl_field(&in, m, "numforcedgc");
	L->m_gc_cpu_fraction = gl_field(&in, m, "gc_cpu_fraction");

	const char *c = "runtime.gcControllerState";
	L->gcc_size = gl_type_size(&in, c);
	L->c_gcPercentHeapGoal = gl_field(&in, c, "gcPercentHeapGoal");
	L->c_memoryLimit = gl_field(&in, c, "memoryLimit");
	L->c_sweepDistMinTrigger = gl_field(&in, c, "sweepDistMinTrigger");
	L->c_triggered = gl_field(&in, c, "triggered");
	L->c_heapMarked = gl_field(&in, c, "heapMarked");
	L->c_heapInUse = gl_field(&in, c, "heapInUse");
	L->c_heapReleased = gl_field(&in, c, "heapReleased");
	L->c_heapFree = gl_field(&in, c, "heapFree");
	L->c_totalAlloc = gl_field(&in, c, "totalAlloc");
	L->c_totalFree = gl_field(&in, c, "totalFree");
	L->c_mappedReady = gl_field(&in, c, "mappedReady");

	L->p_mcache = gl_field(&in, "runtime.p", "mcache");
	L->p_mspancache_len = gl_field(&in, "runtime.p", "mspancache.len");
	L->p_statsSeq = gl_field(&in, "runtime.p", "statsSeq");
	L->mspancache_cap = gl_array_len(&in, "runtime.p", "mspancache.buf");
	L->mc_tinyAllocs = gl_field(&in, "runtime.mcache", "tinyAllocs");
	L->mc_alloc = gl_field(&in, "runtime.mcache", "alloc");
	L->nspanclasses = gl_array_len(&in, "runtime.mcache", "alloc");
	L->mc_stackcache = gl_field(&in, "runtime.mcache", "stackcache");
	L->nstackorders = gl_array_len(&in, "runtime.mcache", "stackcache");
	L->stackfreelist_size = gl_type_size(&in, "runtime.stackfreelist");
	L->sf_list = gl_field(&in, "runtime.stackfreelist", "list");
	L->mm_procid = gl_field(&in, "runtime.m", "procid");
	L->mm_p = gl_field(&in, "runtime.m", "p");
	L->mm_alllink = gl_field(&in, "runtime.m", "alllink");
	L->fixed_stack = gl_constant(&in, "runtime.fixedStack", 0, true);
	/* mgcpacer.go:memoryLimitHeapGoal's headroom constants. */
	L->headroom_percent = gl_constant(&in, "runtime.memoryLimitHeapGoalHeadroomPercent", 3, false);
	L->min_headroom = gl_constant(&in, "runtime.memoryLimitMinHeapGoalHeadroom", 1 << 20, false);
	if (!in.err && (L->span_size == 0 || L->span_size > 4096 ||
			L->mstats_size > (1 << 20) || L->gcc_size > 65536 ||
			L->nclasses == 0 || L->nclasses > 256 || L->nshards == 0 ||
			L->nshards > 16 || L->nspanclasses != 2 * L->nclasses ||
			L->nstackorders > 16 || L->fixed_stack <= 0))
		in.err = hc_error_create(HC_ERROR_UNSUPPORTED,
					 "the Go runtime's layout in this executable is not one heapcore knows");
	return in.err;
}

/* What the answers lack when a span is skipped (hc_warn_damaged()). */
#define AFF_SPANS "object counts, types and the span walk leave out the objects of these spans"

static int span_cmp(const void *a, const void *b)
{
	const struct hc_go_span *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Read a runtime struct into @p buf (at most 4 KiB). */
static struct hc_error *read_struct(struct hc_program *prog, uint64_t addr,
				    uint64_t size, uint8_t *buf)
{
	return hc_memory_read(&prog->mem, addr, buf, (size_t)size);
}

bool hc_go_slot_allocated(const struct hc_go_span *s, const uint8_t *bits, uint32_t i)
{
	if (i < s->freeindex)
		return true;
	return bits && (bits[i / 8] >> (i % 8)) & 1;
}

/*
 * Check one in-use span against the size-class tables; returns why it is
 * inconsistent, or NULL.
 */
static const char *bad_span(const struct hc_go *go, const struct hc_go_span *s)
{
	uint64_t span_bytes = (uint64_t)s->npages * go->page_size;
	unsigned sizeclass = s->spanclass >> 1;
	if (s->npages == 0)
		return "it has no pages";
	if (s->base % go->page_size)
		return "its start is not page-aligned";
	if (s->base + span_bytes < s->base)
		return "it wraps around the address space";
	if (s->state == GO_SPAN_MANUAL)
		return NULL;
	if (sizeclass >= go->nclasses)
		return "its size class is out of range";
	if (sizeclass == 0) {
		if (s->elemsize != span_bytes)
			return "its large object's size is not the span's";
		if (s->nelems != 1)
			return "a large span does not hold one object";
	} else {
		if (s->elemsize != go->class_to_size[sizeclass])
			return "its element size is not its size class's";
		if (s->npages != go->class_to_npages[sizeclass])
			return "its page count is not its size class's";
	}
	if ((uint64_t)s->nelems * s->elemsize > span_bytes)
		return "its slots do not fit in it";
	if (s->freeindex > s->nelems)
		return "its freeindex is past its last slot";
	if (s->alloc_count > s->nelems)
		return "it counts more objects than it has slots";
	return NULL;
}

static unsigned popcount_slots(const struct hc_go_span *s,
			       const uint8_t *bits)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < s->nelems; i++)
		n += hc_go_slot_allocated(s, bits, i);
	return n;
}

/* Walk mheap_.allspans: keep in-use and manual spans, check each. */
/*
 * Address to span in O(1), as the runtime's own spans array: one entry per
 * page between the lowest and the highest span.  Heaps are nearly contiguous;
 * a range too sparse for a table (over 2^24 pages, 128 GiB) keeps the
 * binary search, whose answers it gives.
 */
static void page_table(struct hc_go *go)
{
	if (go->nspans == 0 || go->nspans >= UINT32_MAX)
		return;
	uint64_t lo = go->spans[0].base / go->page_size, hi = lo;
	for (size_t i = 0; i < go->nspans; i++) {
		uint64_t end = go->spans[i].base / go->page_size + go->spans[i].npages;
		if (go->spans[i].base % go->page_size)
			return; /* corrupt: only the binary search is exact */
		if (end > hi)
			hi = end;
	}
	if (hi - lo > (1u << 24))
		return;
	go->page_span = malloc((hi - lo) * sizeof(*go->page_span));
	if (!go->page_span)
		return; /* the binary search still works */
	memset(go->page_span, 0xff, (hi - lo) * sizeof(*go->page_span));
	go->page_lo = lo;
	go->npage_span = hi - lo;
	/* Span i owns its pages below the next span's base (they overlap only
	 * in a corrupt core). */
	for (size_t i = 0; i < go->nspans; i++) {
		uint64_t first = go->spans[i].base / go->page_size;
		uint64_t end = first + go->spans[i].npages;
		if (i + 1 < go->nspans && go->spans[i + 1].base / go->page_size < end)
			end = go->spans[i + 1].base / go->page_size;
		for (uint64_t pg = first; pg < end; pg++)
			go->page_span[pg - lo] = (uint32_t)i;
	}
}

static struct hc_error *walk_spans(struct hc_program *prog, struct hc_go *go)
{
	const struct go_layout *L = go->layout;
	uint64_t arr, len;
	struct hc_error *err = hc_memory_read_u64(&prog->mem, L->mheap + L->h_allspans.off, &arr);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, L->mheap + L->h_allspans.off + 8, &len);
	if (err)
		return hc_error_prefix(err, "reading runtime.mheap_.allspans");
	/* A span is at least one 8 KiB page: more spans than pages in 2^48 bytes is corruption. */
	if (len > ((uint64_t)1 << 35) / 8)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "runtime.mheap_.allspans claims %" PRIu64 " spans", len);
	const uint8_t *ptrs = hc_memory_ptr(&prog->mem, arr, len * 8);
	size_t cap = 0;
	go->by_class = calloc(go->nclasses, sizeof(*go->by_class));
	if (!go->by_class)
		return &hc_enomem;
	if (!ptrs && len) {
		/* The runtime's counters still stand (they are globals): the
		 * heap's spans, and so its objects, are what is lost. */
		hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "runtime.mheap_.allspans", arr,
				"object counts and types leave out every span, and no span walk "
				"checks the MemStats",
				"runtime.mheap_.allspans (%" PRIu64 " spans at 0x%" PRIx64
				") is not in the core; no span is walked", len, arr);
		go->walk_skipped = len;
		return NULL;
	}
	uint8_t buf[4096];
	for (uint64_t i = 0; i < len; i++) {
		uint64_t sp;
		memcpy(&sp, ptrs + i * 8, 8);
		err = read_struct(prog, sp, L->span_size, buf);
		if (err) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "mspan", sp, AFF_SPANS,
					"allspans[%" PRIu64 "]: mspan at 0x%" PRIx64
					" is unreadable; skipped", i, sp);
			hc_error_destroy(err);
			go->walk_skipped++;
			continue;
		}
		uint8_t state = (uint8_t)gl_get(buf, L->s_state);
		if (state == GO_SPAN_DEAD)
			continue;
		struct hc_go_span s = {
			.base = gl_get(buf, L->s_startAddr),
			.mspan = sp,
			.elemsize = gl_get(buf, L->s_elemsize),
			.alloc_bits = gl_get(buf, L->s_allocBits),
			.sweepgen = (uint32_t)gl_get(buf, L->s_sweepgen),
			.nelems = (uint16_t)gl_get(buf, L->s_nelems),
			.freeindex = (uint16_t)gl_get(buf, L->s_freeindex),
			.alloc_count = (uint16_t)gl_get(buf, L->s_allocCount),
			.alloc_count_before_cache = (uint16_t)gl_get(buf, L->s_allocCountBeforeCache),
			.spanclass = (uint8_t)gl_get(buf, L->s_spanclass),
			.state = state,
		};
		uint64_t npages = gl_get(buf, L->s_npages);
		const char *why = NULL;
		if (state != GO_SPAN_INUSE && state != GO_SPAN_MANUAL)
			why = "its state is not a span state";
		else if (npages > ((uint64_t)1 << 35) / go->page_size)
			why = "its page count is impossible";
		s.npages = (uint32_t)npages;
		if (!why)
			why = bad_span(go, &s);
		if (why) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "mspan", sp, AFF_SPANS,
				"span at 0x%" PRIx64 " (mspan 0x%" PRIx64 ") is inconsistent: %s; skipped",
				s.base, sp, why);
			go->walk_skipped++;
			continue;
		}
		uint64_t bytes = (uint64_t)s.npages * go->page_size;
		if (state == GO_SPAN_MANUAL) {
			go->walk_manual += bytes;
		} else {
			const uint8_t *bits = hc_memory_ptr(&prog->mem, s.alloc_bits,
							    ((size_t)s.nelems + 7) / 8);
			if (!bits && s.nelems > s.freeindex) {
				hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "allocBits", s.alloc_bits,
					AFF_SPANS,
					"span at 0x%" PRIx64 " (mspan 0x%" PRIx64
					"): allocBits at 0x%" PRIx64 " are unreadable",
					s.base, sp, s.alloc_bits);
			} else {
				unsigned n = popcount_slots(&s, bits);
				if (n != s.alloc_count)
					hc_warn(&prog->warnings[HC_PHASE_HEAP],
						"span at 0x%" PRIx64 " (mspan 0x%" PRIx64
						"): %u slots are allocated but allocCount is %u",
						s.base, sp, n, s.alloc_count);
			}
			go->walk_heap_inuse += bytes;
			go->walk_heap_objects += s.alloc_count;
			go->walk_heap_alloc += (uint64_t)s.alloc_count * s.elemsize;
			struct hc_go_class_walk *cw = &go->by_class[s.spanclass >> 1];
			cw->spans++;
			cw->objects += s.alloc_count;
			cw->bytes_inuse += (uint64_t)s.alloc_count * s.elemsize;
			cw->bytes_free += bytes - (uint64_t)s.alloc_count * s.elemsize;
		}
		if (!hc_grow(&go->spans, &cap, go->nspans + 1, sizeof(*go->spans)))
			return &hc_enomem;
		go->spans[go->nspans++] = s;
	}
	hc_qsort(go->spans, go->nspans, sizeof(*go->spans), span_cmp);
	for (size_t i = 1; i < go->nspans; i++) {
		const struct hc_go_span *a = &go->spans[i - 1], *b = &go->spans[i];
		if (a->base + (uint64_t)a->npages * go->page_size > b->base)
			hc_warn(&prog->warnings[HC_PHASE_HEAP],
				"spans at 0x%" PRIx64 " and 0x%" PRIx64 " overlap",
				a->base, b->base);
	}
	page_table(go);
	return NULL;
}

size_t hc_go_span_index(const struct hc_go *go, uint64_t addr)
{
	if (go->page_span) {
		uint64_t page = addr / go->page_size;
		if (page < go->page_lo || page - go->page_lo >= go->npage_span)
			return SIZE_MAX;
		uint32_t i = go->page_span[page - go->page_lo];
		return i == UINT32_MAX ? SIZE_MAX : i;
	}
	size_t lo = 0, hi = go->nspans;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (go->spans[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return SIZE_MAX;
	const struct hc_go_span *s = &go->spans[lo - 1];
	return addr < s->base + (uint64_t)s->npages * go->page_size ? lo - 1 : SIZE_MAX;
}

static const struct hc_go_span *span_of(const struct hc_go *go, uint64_t addr)
{
	size_t i = hc_go_span_index(go, addr);
	return i == SIZE_MAX ? NULL : &go->spans[i];
}

struct hc_error *hc_go_get(struct hc_program *prog, struct hc_go **ret)
{
	if (prog->go) {
		*ret = prog->go;
		return NULL;
	}
	char bi[80] = "";
	if (!prog->go_version && hc_exe_stripped_go(prog->exe) &&
	    hc_exe_buildinfo_version(prog->exe, bi + 1, sizeof(bi) - 1))
		bi[0] = ' ';
	if (!prog->go_version && hc_exe_stripped_go(prog->exe))
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s is a stripped%s Go executable (no symbol table: built with "
				       "-ldflags=-s or stripped) and no separate debug info was found "
				       "(%s); give its debug file with --symbols, or the unstripped "
				       "build as EXE (a rebuild without -s has another build ID: it "
				       "needs --force, and names globals right only if built from the "
				       "same source, toolchain and flags)",
				       prog->exe->path, bi,
				       prog->exe->debug_search ? prog->exe->debug_search : "none searched");
	const char *forced = prog->exe_mismatch
				     ? "; it does not match the core, and --force used it anyway"
				     : "";
	if (!prog->go_version && prog->go_version_oom)
		return &hc_enomem;
	if (!prog->go_version && prog->go_version_why)
		return hc_error_format(HC_ERROR_FAULT,
				       "cannot read the Go version of %s (runtime.buildVersion): %s%s",
				       prog->exe->path, prog->go_version_why, forced);
	if (!prog->go_version)
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "%s is not a Go program (no runtime.buildVersion)%s",
				       prog->exe->path, forced);
	struct hc_go *go = calloc(1, sizeof(*go));
	if (!go)
		return &hc_enomem;
	struct hc_error *err;
	go->layout = calloc(1, sizeof(*go->layout));
	if (!go->layout) {
		err = &hc_enomem;
		goto fail;
	}
	err = load_layout(prog, go->layout);
	if (err)
		goto fail;
	if (gl_without_dwarf(prog))
		hc_warn(&prog->warnings[HC_PHASE_OPEN],
			"%s has no DWARF%s and no separate debug info was found (%s): the runtime's "
			"layouts come from heapcore's table for %s%s; what needs DWARF (types of "
			"objects and globals, names of globals) is not available",
			prog->exe->path, prog->exe->nsyms ? "" : " and no symbol table",
			prog->exe->debug_search ? prog->exe->debug_search : "none searched",
			gl_table_for(prog->go_version)->tag,
			prog->exe->nsyms ? "" : ", its globals from the code of the runtime functions "
						"that use them");
	struct gl_init in;
	err = gl_begin(prog, &in);
	if (err)
		goto fail;
	int64_t page = gl_constant(&in, "runtime._PageSize", 0, true);
	err = in.err;
	if (err)
		goto fail;
	if (page < 4096 || page > (1 << 20) || (page & (page - 1))) {
		err = hc_error_format(HC_ERROR_UNSUPPORTED, "runtime page size %" PRId64, page);
		goto fail;
	}
	go->page_size = (uint64_t)page;
	go->nclasses = go->layout->nclasses;
	go->class_to_size = calloc(go->nclasses, sizeof(uint16_t));
	go->class_to_npages = calloc(go->nclasses, 1);
	if (!go->class_to_size || !go->class_to_npages) {
		err = &hc_enomem;
		goto fail;
	}
	err = hc_memory_read(&prog->mem, go->layout->class_to_size, go->class_to_size,
			     go->nclasses * sizeof(uint16_t));
	if (!err)
		err = hc_memory_read(&prog->mem, go->layout->class_to_npages,
				     go->class_to_npages, go->nclasses);
	if (err) {
		err = hc_error_prefix(err, "reading the size-class tables");
		goto fail;
	}
	const char *v = prog->go_version;
	if (strncmp(v, "go1.", 4) == 0)
		go->minor = (unsigned)strtoul(v + 4, NULL, 10);
	/* Green Tea GC: default from Go 1.26, off with GOEXPERIMENT=nogreenteagc. */
	go->greentea = strstr(v, "nogreenteagc") ? false
		       : strstr(v, "greenteagc") ? true
		       : go->minor >= 26;
	err = walk_spans(prog, go);
	if (err)
		goto fail;
	prog->go = go;
	*ret = go;
	return NULL;
fail:
	hc_go_destroy(go);
	return err;
}

void hc_go_destroy(struct hc_go *go)
{
	if (!go)
		return;
	free(go->layout);
	free(go->spans);
	free(go->page_span);
	free(go->class_to_size);
	free(go->class_to_npages);
	free(go->by_class);
	free(go->memstats);
	free(go);
}

/* ---- runtime.MemStats ---- */

/* What the MemStats lack when a P's caches cannot be read (hc_warn_damaged()). */
#define AFF_FLUSH "MemStats Alloc, HeapAlloc, TotalAlloc, Mallocs, HeapObjects and BySize " \
		  "leave out what these cached spans hold unflushed"
#define AFF_STACKS "MemStats StackInuse, StackSys, HeapIdle, HeapSys and MSpanInuse count " \
		   "the stacks of these stack caches as in use"
#define AFF_PCACHES "MemStats Mallocs and Frees leave out the Ps' tiny allocations, and " \
		    "StackInuse, StackSys, HeapIdle, HeapSys and MSpanInuse count the stacks " \
		    "the Ps cache as in use"

struct stack_free {
	const struct hc_go_span *span;
	uint64_t cached;
};

/*
 * Whether the singly linked list from @p x (each node's first word the
 * next) comes round on itself, by Floyd's two pointers; *ret is a node of
 * the cycle.  A list longer than any real one (2^20 nodes) counts as one.
 * A node that cannot be read ends the list: the walk reports that.
 */
static bool list_cycle(struct hc_program *prog, uint64_t x, uint64_t *ret)
{
	uint64_t slow = x, fast = x;
	for (uint32_t steps = 0; fast; steps++) {
		if (!hc_memory_peek(&prog->mem, fast, &fast, 8) || !fast ||
		    !hc_memory_peek(&prog->mem, fast, &fast, 8) ||
		    !hc_memory_peek(&prog->mem, slow, &slow, 8))
			return false;
		if (fast == slow || steps >= 1u << 20) {
			*ret = fast;
			return fast != 0;
		}
	}
	return false;
}

/*
 * The calling P of readmemstats_m: a crash core has none, so take the P of
 * the thread that crashed (the M whose procid is its tid), as the issue of
 * "which thread called" is settled by that thread.
 */
static uint64_t crashing_p(struct hc_program *prog, const struct go_layout *L)
{
	uint64_t mp = 0;
	if (!hc_memory_peek_u64(&prog->mem, L->allm, &mp))
		return 0;
	int32_t tid = prog->core->threads[0].tid;
	for (int i = 0; mp && i < 100000; i++) {
		uint64_t procid, p;
		if (!gl_peek_field(prog, mp, L->mm_procid, &procid))
			return 0;
		if ((int64_t)procid == tid)
			return gl_peek_field(prog, mp, L->mm_p, &p) ? p : 0;
		if (!gl_peek_field(prog, mp, L->mm_alllink, &mp))
			return 0;
	}
	return 0;
}

static struct hc_error *compute_memstats(struct hc_program *prog, struct hc_go *go,
					 struct hc_memstats *ms)
{
	const struct go_layout *L = go->layout;
	struct hc_error *err;
	uint8_t *mst = malloc(L->mstats_size);
	uint8_t gcc[65536];
	if (!mst)
		return &hc_enomem;
	err = hc_memory_read(&prog->mem, L->memstats, mst, L->mstats_size);
	if (!err)
		err = hc_memory_read(&prog->mem, L->gcc, gcc, L->gcc_size);
	if (err) {
		free(mst);
		return hc_error_prefix(err, "reading runtime.memstats and runtime.gcController");
	}
	if (L->stats_off + L->nshards * L->delta_size > L->mstats_size ||
	    L->m_pause_ns.off + sizeof(ms->PauseNs) > L->mstats_size ||
	    L->m_pause_end.off + sizeof(ms->PauseEnd) > L->mstats_size) {
		free(mst);
		return hc_error_create(HC_ERROR_UNSUPPORTED, "runtime.mstats layout");
	}

	/* mstats.go:(*consistentHeapStats).unsafeRead: sum the shards. */
	uint64_t in_stacks = 0, in_workbufs = 0, in_ptrscalar = 0, tiny = 0;
	uint64_t large_alloc = 0, large_alloc_n = 0, large_free = 0, large_free_n = 0;
	uint64_t *small_alloc = calloc(go->nclasses, 8), *small_free = calloc(go->nclasses, 8);
	if (!small_alloc || !small_free) {
		free(mst);
		free(small_alloc);
		free(small_free);
		return &hc_enomem;
	}
	for (uint64_t k = 0; k < L->nshards; k++) {
		const uint8_t *d = mst + L->stats_off + k * L->delta_size;
		in_stacks += gl_get(d, L->d_inStacks);
		in_workbufs += gl_get(d, L->d_inWorkBufs);
		if (L->d_inPtrScalarBits.present)
			in_ptrscalar += gl_get(d, L->d_inPtrScalarBits);
		tiny += gl_get(d, L->d_tinyAllocCount);
		large_alloc += gl_get(d, L->d_largeAlloc);
		large_alloc_n += gl_get(d, L->d_largeAllocCount);
		large_free += gl_get(d, L->d_largeFree);
		large_free_n += gl_get(d, L->d_largeFreeCount);
		for (uint64_t c = 0; c < go->nclasses; c++) {
			uint64_t a, f;
			memcpy(&a, d + L->d_smallAllocCount.off + c * 8, 8);
			memcpy(&f, d + L->d_smallFreeCount.off + c * 8, 8);
			small_alloc[c] += a;
			small_free[c] += f;
		}
	}
	uint64_t raw_in_stacks = in_stacks;
	uint64_t heap_free = gl_get(gcc, L->c_heapFree);
	uint64_t total_alloc_gcc = gl_get(gcc, L->c_totalAlloc);
	uint64_t spanalloc_inuse = 0, cachealloc_inuse = 0;
	err = hc_memory_read_u64(&prog->mem, L->mheap + L->h_spanalloc_inuse.off, &spanalloc_inuse);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, L->mheap + L->h_cachealloc_inuse.off, &cachealloc_inuse);
	uint32_t gcphase = 0, sweepgen = 0;
	int32_t nprocs = 0;
	uint64_t allp_arr = 0, allp_len = 0;
	if (!err)
		err = hc_memory_read_u32(&prog->mem, L->gcphase, &gcphase);
	if (!err)
		err = hc_memory_read_u32(&prog->mem, L->mheap + L->h_sweepgen.off, &sweepgen);
	if (!err)
		err = hc_memory_read_u32(&prog->mem, L->gomaxprocs, (uint32_t *)&nprocs);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, L->allp, &allp_arr);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, L->allp + 8, &allp_len);
	if (err)
		goto out;
	if (nprocs < 0 || (uint64_t)nprocs > allp_len || allp_len > 1 << 20) {
		err = hc_error_format(HC_ERROR_BAD_DATA,
				      "runtime.gomaxprocs is %d but runtime.allp has %" PRIu64 " Ps",
				      nprocs, allp_len);
		goto out;
	}

	/* mstats.go:flushmcache for every P: releaseAll, then stackcache_clear. */
	/* (A list that does not end, list_cycle() finds before it is walked.) */
	struct stack_free *sf = NULL;
	size_t nsf = 0, sfcap = 0;
	uint64_t flush_alloc = 0;
	uint8_t mcbuf[8192];
	uint64_t mcneed = L->mc_stackcache.off + L->nstackorders * L->stackfreelist_size;
	if (L->mc_alloc.off + L->nspanclasses * 8 > mcneed)
		mcneed = L->mc_alloc.off + L->nspanclasses * 8;
	if (L->mc_tinyAllocs.off + 8u > mcneed)
		mcneed = L->mc_tinyAllocs.off + 8u;
	if (mcneed > sizeof(mcbuf)) {
		err = hc_error_create(HC_ERROR_UNSUPPORTED, "runtime.mcache layout");
		goto out;
	}
	/*
	 * runtime.allp and its Ps live in the heap (procresize makes them), so
	 * a core without the heap's bytes has no P and no mcache.  The spans
	 * the mcaches hold are still known from the span walk: a cached span's
	 * sweepgen is mheap_.sweepgen + 3, or + 1 once a sweep has begun since
	 * (mcache.go:refill, mheap.go "sweepgen" comment), and its unflushed
	 * objects are allocCount - allocCountBeforeCache as releaseAll counts
	 * them.  What only the mcache holds, its tiny allocations and its
	 * stack cache, is then left out, and said.
	 */
	bool lost_p = false;
	uint64_t lost_at = 0;
	const char *lost_why = NULL;
	struct hc_error *perr = NULL;
	uint64_t *flush_small = calloc(go->nclasses, 8);
	if (!flush_small) {
		err = &hc_enomem;
		goto out;
	}
	for (int32_t i = 0; i < nprocs && !lost_p; i++) {
		uint64_t pp, mc, seq;
		perr = hc_memory_read_u64(&prog->mem, allp_arr + (uint64_t)i * 8, &pp);
		lost_at = allp_arr;
		lost_why = "runtime.allp";
		if (!perr) {
			lost_at = pp;
			lost_why = "P";
			perr = gl_read_field(prog, pp, L->p_statsSeq, &seq);
		}
		if (!perr)
			perr = gl_read_field(prog, pp, L->p_mcache, &mc);
		if (!perr && mc) {
			lost_at = mc;
			lost_why = "mcache";
			perr = read_struct(prog, mc, mcneed, mcbuf);
		}
		if (perr) {
			lost_p = true;
			break;
		}
		if (seq & 1)
			hc_warn(&prog->warnings[HC_PHASE_HEAP],
				"P %d was updating heap statistics when the process stopped; figures may be off by one span or object",
				i);
		if (!mc)
			continue;
		for (uint64_t spc = 0; spc < L->nspanclasses; spc++) {
			uint64_t s;
			memcpy(&s, mcbuf + L->mc_alloc.off + spc * 8, 8);
			if (s == L->emptymspan || s == 0)
				continue;
			uint8_t sbuf[4096];
			struct hc_error *serr = read_struct(prog, s, L->span_size, sbuf);
			if (serr) {
				hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "mspan", s, AFF_FLUSH,
						"mspan 0x%" PRIx64 " cached by P %d is unreadable (%s); "
						"what it holds unflushed is not counted",
						s, i, hc_error_message(serr));
				hc_error_destroy(serr);
				continue;
			}
			uint64_t count = gl_get(sbuf, L->s_allocCount);
			uint64_t before = gl_get(sbuf, L->s_allocCountBeforeCache);
			uint64_t elemsize = gl_get(sbuf, L->s_elemsize);
			if (count < before) {
				hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "mspan", s, AFF_FLUSH,
						"mspan 0x%" PRIx64 " cached by P %d: allocCount %" PRIu64
						" is below allocCountBeforeCache %" PRIu64,
						s, i, count, before);
				continue;
			}
			/* mcache.go:releaseAll */
			flush_small[(spc >> 1) % go->nclasses] += count - before;
			flush_alloc += (count - before) * elemsize;
			if ((uint32_t)gl_get(sbuf, L->s_sweepgen) == sweepgen + 1)
				hc_warn(&prog->warnings[HC_PHASE_HEAP],
					"mspan 0x%" PRIx64 " is cached by P %d from before the current sweep; "
					"ReadMemStats would sweep it, heapcore does not",
					s, i);
		}
		tiny += gl_get(mcbuf, L->mc_tinyAllocs);
		/* stack.go:stackcache_clear: each cached stack goes back to its span. */
		for (uint64_t order = 0; order < L->nstackorders; order++) {
			uint64_t x;
			memcpy(&x, mcbuf + L->mc_stackcache.off + order * L->stackfreelist_size +
					   L->sf_list.off, 8);
			uint64_t at;
			if (list_cycle(prog, x, &at)) {
				hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "stack cache list", at,
						AFF_STACKS,
						"P %d's stack cache (order %" PRIu64 ") is a cyclic list "
						"(0x%" PRIx64 " comes round again); its stacks are not counted",
						i, order, at);
				continue;
			}
			for (; x;) {
				const struct hc_go_span *s = span_of(go, x);
				if (!s || s->state != GO_SPAN_MANUAL) {
					hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "stack cache list", x,
							AFF_STACKS,
							"P %d's stack cache (order %" PRIu64
							") holds 0x%" PRIx64 ", which is not in a stack span",
							i, order, x);
					break;
				}
				size_t j;
				for (j = 0; j < nsf && sf[j].span != s; j++)
					;
				if (j == nsf) {
					if (!hc_grow(&sf, &sfcap, nsf + 1, sizeof(*sf))) {
						err = &hc_enomem;
						free(flush_small);
						goto out;
					}
					sf[nsf++] = (struct stack_free){s, 0};
				}
				sf[j].cached++;
				uint64_t next;
				struct hc_error *xerr = hc_memory_read_u64(&prog->mem, x, &next);
				if (xerr) {
					hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "stack cache list", x,
							AFF_STACKS,
							"P %d's stack cache (order %" PRIu64 "): %s; the rest "
							"of its stacks are not counted",
							i, order, hc_error_message(xerr));
					hc_error_destroy(xerr);
					break;
				}
				x = next;
			}
		}
	}
	if (lost_p) {
		/* Every P's share comes from the span walk instead, the same for all. */
		hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], lost_why, lost_at, AFF_PCACHES,
				"%s at 0x%" PRIx64 " is unreadable (%s): the Ps' allocation caches "
				"are known only from the spans they hold",
				lost_why, lost_at, hc_error_message(perr));
		hc_error_destroy(perr);
		memset(flush_small, 0, go->nclasses * 8);
		flush_alloc = 0;
		for (size_t j = 0; j < go->nspans; j++) {
			const struct hc_go_span *s = &go->spans[j];
			if (s->state != GO_SPAN_INUSE ||
			    (s->sweepgen != sweepgen + 3 && s->sweepgen != sweepgen + 1) ||
			    s->alloc_count < s->alloc_count_before_cache)
				continue;
			uint64_t n = (uint64_t)s->alloc_count - s->alloc_count_before_cache;
			flush_small[(s->spanclass >> 1) % go->nclasses] += n;
			flush_alloc += n * s->elemsize;
		}
	}
	for (uint64_t c = 0; c < go->nclasses; c++)
		small_alloc[c] += flush_small[c];
	free(flush_small);
	/*
	 * stack.go:stackpoolfree: a span whose every stack is now free goes
	 * back to the heap when no GC is running (gcphase == _GCoff), and its
	 * mspan to the calling P's mspancache while that has room
	 * (mheap.go:freeMSpanLocked).
	 */
	uint64_t freed_spans = 0, freed_bytes = 0;
	for (size_t j = 0; j < nsf; j++) {
		if (sf[j].cached > sf[j].span->alloc_count) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_HEAP], "stack span",
				sf[j].span->base, AFF_STACKS,
				"stack span at 0x%" PRIx64 ": %" PRIu64
				" stacks are cached but it has only %u allocated",
				sf[j].span->base, sf[j].cached, sf[j].span->alloc_count);
			continue;
		}
		if (sf[j].cached == sf[j].span->alloc_count && gcphase == 0) {
			freed_spans++;
			freed_bytes += (uint64_t)sf[j].span->npages * go->page_size;
		}
	}
	free(sf);
	in_stacks -= freed_bytes;
	heap_free += freed_bytes;
	if (freed_spans) {
		uint64_t room = 0, len, pp = crashing_p(prog, L);
		struct hc_error *e = pp ? gl_read_field(prog, pp, L->p_mspancache_len, &len) : NULL;
		if (pp && !e)
			room = len < L->mspancache_cap ? L->mspancache_cap - len : 0;
		hc_error_destroy(e);
		uint64_t to_heap = freed_spans > room ? freed_spans - room : 0;
		spanalloc_inuse -= to_heap * L->span_size;
	}

	/* mstats.go:readmemstats_m */
	uint64_t total_alloc = large_alloc, total_free = large_free;
	uint64_t nmalloc = large_alloc_n, nfree = large_free_n;
	for (uint64_t c = 0; c < go->nclasses; c++) {
		total_alloc += small_alloc[c] * go->class_to_size[c];
		nmalloc += small_alloc[c];
		total_free += small_free[c] * go->class_to_size[c];
		nfree += small_free[c];
		if (c < HC_MEMSTATS_BY_SIZE) {
			ms->BySize[c].Size = go->class_to_size[c];
			ms->BySize[c].Mallocs = small_alloc[c];
			ms->BySize[c].Frees = small_free[c];
		}
	}
	nfree += tiny;
	nmalloc += tiny;
	uint64_t heap_inuse = gl_get(gcc, L->c_heapInUse);
	uint64_t heap_released = gl_get(gcc, L->c_heapReleased);
	uint64_t stacks_sys = gl_get(mst, L->m_stacks_sys);
	ms->Alloc = ms->HeapAlloc = total_alloc - total_free;
	ms->TotalAlloc = total_alloc;
	ms->Sys = heap_inuse + heap_free + heap_released + stacks_sys +
		  gl_get(mst, L->m_mspan_sys) + gl_get(mst, L->m_mcache_sys) +
		  gl_get(mst, L->m_buckhash_sys) + gl_get(mst, L->m_gcMiscSys) +
		  gl_get(mst, L->m_other_sys) + in_stacks + in_workbufs + in_ptrscalar;
	ms->Lookups = 0;
	ms->Mallocs = nmalloc;
	ms->Frees = nfree;
	ms->HeapSys = heap_inuse + heap_free + heap_released;
	ms->HeapIdle = heap_free + heap_released;
	ms->HeapInuse = heap_inuse;
	ms->HeapReleased = heap_released;
	ms->HeapObjects = nmalloc - nfree;
	ms->StackInuse = in_stacks;
	ms->StackSys = in_stacks + stacks_sys;
	ms->MSpanInuse = spanalloc_inuse;
	ms->MSpanSys = gl_get(mst, L->m_mspan_sys);
	ms->MCacheInuse = cachealloc_inuse;
	ms->MCacheSys = gl_get(mst, L->m_mcache_sys);
	ms->BuckHashSys = gl_get(mst, L->m_buckhash_sys);
	ms->GCSys = gl_get(mst, L->m_gcMiscSys) + in_workbufs + in_ptrscalar;
	ms->OtherSys = gl_get(mst, L->m_other_sys);
	ms->LastGC = gl_get(mst, L->m_last_gc_unix);
	ms->PauseTotalNs = gl_get(mst, L->m_pause_total_ns);
	memcpy(ms->PauseNs, mst + L->m_pause_ns.off, sizeof(ms->PauseNs));
	memcpy(ms->PauseEnd, mst + L->m_pause_end.off, sizeof(ms->PauseEnd));
	ms->NumGC = (uint32_t)gl_get(mst, L->m_numgc);
	ms->NumForcedGC = (uint32_t)gl_get(mst, L->m_numforcedgc);
	uint64_t frac = gl_get(mst, L->m_gc_cpu_fraction);
	memcpy(&ms->GCCPUFraction, &frac, sizeof(frac));

	/* mgcpacer.go:heapGoalInternal and memoryLimitHeapGoal. */
	uint64_t goal = gl_get(gcc, L->c_gcPercentHeapGoal);
	uint64_t heap_alloc = total_alloc_gcc + flush_alloc - gl_get(gcc, L->c_totalFree);
	uint64_t mapped_ready = gl_get(gcc, L->c_mappedReady);
	uint64_t limit = gl_get(gcc, L->c_memoryLimit);
	uint64_t heap_marked = gl_get(gcc, L->c_heapMarked);
	uint64_t nonheap = mapped_ready - heap_free - heap_alloc;
	uint64_t over = mapped_ready > limit ? mapped_ready - limit : 0;
	uint64_t lim;
	if (nonheap + over >= limit) {
		lim = heap_marked;
	} else {
		lim = limit - (nonheap + over);
		uint64_t head = lim / 100 * (uint64_t)L->headroom_percent;
		if (head < (uint64_t)L->min_headroom)
			head = (uint64_t)L->min_headroom;
		lim = (lim < head || lim - head < head) ? head : lim - head;
		if (lim < heap_marked)
			lim = heap_marked;
	}
	if (lim < goal) {
		goal = lim;
	} else {
		uint64_t sweep_min = gl_get(gcc, L->c_sweepDistMinTrigger);
		if (sweep_min > goal)
			goal = sweep_min;
		uint64_t triggered = gl_get(gcc, L->c_triggered);
		if (triggered != UINT64_MAX && goal < triggered + (64 << 10))
			goal = triggered + (64 << 10);
	}
	ms->NextGC = goal;

	/* The counters against the span walk: a disagreement is a damaged heap. */
	struct {
		const char *name;
		uint64_t counted, walked;
	} checks[] = {
		{"HeapInuse", ms->HeapInuse, go->walk_heap_inuse},
		{"HeapObjects", ms->HeapObjects, go->walk_heap_objects},
		{"HeapAlloc", ms->HeapAlloc, go->walk_heap_alloc},
		{"stack and GC-buffer spans", raw_in_stacks + in_workbufs + in_ptrscalar,
		 go->walk_manual},
	};
	/* A walk that skipped spans (named as damage) differs for that reason. */
	for (size_t i = 0; i < HC_ARRAY_SIZE(checks) && !go->walk_skipped; i++) {
		if (checks[i].counted != checks[i].walked)
			hc_warn(&prog->warnings[HC_PHASE_HEAP],
				"%s from the runtime's counters (%" PRIu64
				") differs from the span walk (%" PRIu64 ")",
				checks[i].name, checks[i].counted, checks[i].walked);
	}
out:
	free(mst);
	free(small_alloc);
	free(small_free);
	return err;
}

struct hc_error *hc_go_memstats(struct hc_program *prog,
				const struct hc_memstats **ret)
{
	struct hc_go *go;
	struct hc_error *err = hc_go_get(prog, &go);
	if (err)
		return err;
	if (!go->memstats) {
		struct hc_memstats *ms = calloc(1, sizeof(*ms));
		if (!ms)
			return &hc_enomem;
		err = compute_memstats(prog, go, ms);
		if (err) {
			free(ms);
			return err;
		}
		go->memstats = ms;
	}
	*ret = go->memstats;
	return NULL;
}

/* ---- the object iterator ---- */

struct hc_object_iterator {
	struct hc_program *prog;
	struct hc_go *go;
	size_t span;
	uint32_t slot;
	const uint8_t *bits;
	struct hc_object obj;
};

struct hc_error *hc_object_iterator_create(struct hc_program *prog,
					   struct hc_object_iterator **ret)
{
	struct hc_go *go;
	struct hc_error *err = hc_go_get(prog, &go);
	if (err)
		return err;
	struct hc_object_iterator *it = calloc(1, sizeof(*it));
	if (!it)
		return &hc_enomem;
	it->prog = prog;
	it->go = go;
	it->span = SIZE_MAX;
	*ret = it;
	return NULL;
}

struct hc_error *hc_object_iterator_next(struct hc_object_iterator *it,
					 const struct hc_object **ret)
{
	const struct hc_go *go = it->go;
	for (;;) {
		if (it->span < go->nspans) {
			const struct hc_go_span *s = &go->spans[it->span];
			while (it->slot < s->nelems) {
				uint32_t i = it->slot++;
				if (hc_go_slot_allocated(s, it->bits, i)) {
					it->obj.address = s->base + (uint64_t)i * s->elemsize;
					it->obj.size = s->elemsize;
					it->obj.span_class = s->spanclass;
					*ret = &it->obj;
					return NULL;
				}
			}
		}
		do {
			it->span++;
		} while (it->span < go->nspans && go->spans[it->span].state != GO_SPAN_INUSE);
		if (it->span >= go->nspans) {
			*ret = NULL;
			return NULL;
		}
		const struct hc_go_span *s = &go->spans[it->span];
		it->slot = 0;
		it->bits = hc_memory_ptr(&it->prog->mem, s->alloc_bits, ((size_t)s->nelems + 7) / 8);
	}
}

void hc_object_iterator_destroy(struct hc_object_iterator *it)
{
	free(it);
}

/* runtime.buildVersion is a Go string {ptr, len}. */
void hc_go_read_version(struct hc_program *prog)
{
	uint64_t addr = hc_program_symbol_addr(prog, "runtime.buildVersion", NULL);
	char bi[256];
	/* Without a symbol table (-ldflags=-s), the version the linker wrote in
	 * the build info, experiments included (cmd/go: runtime.Version() of the
	 * binary, "go1.27.3-X:nogreenteagc"). */
	if (!addr && hc_exe_stripped_go(prog->exe) &&
	    hc_exe_buildinfo_version(prog->exe, bi, sizeof(bi))) {
		prog->go_version = strdup(bi);
		prog->go_version_oom = !prog->go_version;
		return;
	}
	if (!addr)
		return;
	uint64_t ptr, len;
	struct hc_error *err = hc_memory_read_u64(&prog->mem, addr, &ptr);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, addr + 8, &len);
	if (!err && (len == 0 || len > 256))
		err = hc_error_format(HC_ERROR_BAD_DATA, "its length is %" PRIu64, len);
	char *s = NULL;
	if (!err) {
		s = calloc(1, len + 1);
		if (!s)
			err = &hc_enomem;
		else
			err = hc_memory_read(&prog->mem, ptr, s, len);
	}
	if (err) {
		/* Kept for hc_go_get's error: the variable exists, its bytes do not read. */
		prog->go_version_oom = err == &hc_enomem;
		prog->go_version_why = strdup(hc_error_message(err));
		if (!prog->go_version_why)
			prog->go_version_oom = true;
		hc_warn(&prog->warnings[HC_PHASE_OPEN], "cannot read runtime.buildVersion: %s",
			hc_error_message(err));
		hc_error_destroy(err);
		free(s);
		return;
	}
	prog->go_version = s;
}
