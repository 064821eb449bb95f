/*
 * The glibc heap walk (glibc.h says what comes out).  The facts it relies
 * on are malloc.c's and arena.c's (glibc 2.26 to 2.41):
 *
 *  - a chunk is a size word at +8 whose low three bits are flags
 *    (PREV_INUSE 1, IS_MMAPPED 2, NON_MAIN_ARENA 4); a chunk is in use when
 *    the next chunk's PREV_INUSE bit is set; the user's block starts at +16;
 *  - main_arena's chunks run from mp_.sbrk_base to its top chunk; any other
 *    arena's live in heaps of HEAP_MAX_SIZE (64 MiB on 64-bit), aligned to
 *    that size, each starting with a heap_info whose prev links the older
 *    heaps; the first heap holds the arena's malloc_state after heap_info;
 *    an older heap ends in fenceposts (a chunk of size 16, then size 0);
 *  - fastbin and tcache links are mangled since 2.32 (safe-linking: the
 *    stored word is (address of the link >> 12) ^ pointer, PROTECT_PTR);
 *    bins are doubly linked through fd/bk at +16/+24, bin i's head lying 16
 *    bytes before bins[2 * (i - 1)];
 *  - chunks in a tcache or a fastbin keep their in-use bit;
 *  - an mmapped chunk has IS_MMAPPED set, prev_size holding its alignment
 *    correction (0 for malloc), and size a multiple of the page size; no
 *    list holds them, so the writable mappings are searched page by page
 *    and the count checked against mp_.n_mmaps;
 *  - a thread's tcache is the thread-local `tcache`, which lies at the
 *    same offset below every thread's thread pointer (fs_base): that offset
 *    is found as the one whose words are valid tcaches in every thread.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "glibc/glibc.h"
#include "glibc/glibc_layout.h"
#include "target/program.h"

#define HEAP_MAX_SIZE (64ull << 20)
#define MINSIZE 32
#define PAGE 4096ull
#define FS_BASE 21 /* user_regs_struct.fs_base on x86-64 */
#define MAX_ARENAS 4096
#define TLS_SEARCH (64 * 1024)

struct walk {
	struct hc_program *prog;
	struct hc_glibc *gl;
	struct hc_glibc_layout L;
	struct hc_u64map listed; /* chunk address -> enum hc_glibc_state, from the lists */
	size_t cap_chunks;
	struct hc_mallinfo2 mi;
};

const char *hc_glibc_state_name(enum hc_glibc_state s)
{
	static const char *const names[] = {"in use", "tcache", "fastbin", "unsorted",
					    "small bin", "large bin", "free, in no bin",
					    "mmapped"};
	return s < HC_CHUNK_NSTATES ? names[s] : "?";
}

static bool rd(struct walk *w, uint64_t addr, uint64_t *ret)
{
	return hc_memory_peek_u64(&w->prog->mem, addr, ret);
}

/* The C library's mapping at file offset 0 (its load address), or NULL. */
static const struct hc_file_mapping *libc_mapping(struct hc_program *prog)
{
	for (size_t i = 0; i < prog->core->nfiles; i++) {
		const struct hc_file_mapping *f = &prog->core->files[i];
		if (f->offset == 0 && hc_is_libc_path(f->path))
			return f;
	}
	return NULL;
}

bool hc_glibc_present(struct hc_program *prog)
{
	return prog->core && libc_mapping(prog) != NULL;
}

/* The GNU build ID of the ELF image loaded at @p base, from the process's
 * memory: its program headers' PT_NOTE (the kernel saves a library's first
 * page in a core for this very use). */
static bool build_id_at(struct walk *w, uint64_t base, char out[41])
{
	Elf64_Ehdr eh;
	if (!hc_memory_peek(&w->prog->mem, base, &eh, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (!hc_memory_peek(&w->prog->mem, base + eh.e_phoff + i * sizeof(ph), &ph,
				    sizeof(ph)))
			return false;
		if (ph.p_type != PT_NOTE || ph.p_filesz > 4096)
			continue;
		uint8_t buf[4096];
		if (!hc_memory_peek(&w->prog->mem, base + ph.p_vaddr, buf, ph.p_filesz))
			continue;
		for (size_t off = 0; off + 12 <= ph.p_filesz;) {
			uint32_t namesz, descsz, type;
			memcpy(&namesz, buf + off, 4);
			memcpy(&descsz, buf + off + 4, 4);
			memcpy(&type, buf + off + 8, 4);
			size_t name_off = off + 12, desc_off = name_off + ((namesz + 3) & ~3u);
			if (desc_off + descsz > ph.p_filesz)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 &&
			    memcmp(buf + name_off, "GNU", 4) == 0 && descsz <= 20) {
				for (uint32_t k = 0; k < descsz; k++)
					snprintf(out + 2 * k, 3, "%02x", buf[desc_off + k]);
				return true;
			}
			off = desc_off + ((descsz + 3) & ~3u);
		}
	}
	return false;
}

static bool push_chunk(struct walk *w, uint64_t addr, uint64_t size, uint32_t arena,
		       enum hc_glibc_state st)
{
	struct hc_glibc *gl = w->gl;
	if (gl->nchunks == w->cap_chunks) {
		size_t cap = w->cap_chunks ? 2 * w->cap_chunks : 4096;
		void *p = hc_array_resize(gl->chunks, cap, sizeof(*gl->chunks));
		if (!p)
			return false;
		gl->chunks = p;
		w->cap_chunks = cap;
	}
	gl->chunks[gl->nchunks++] = (struct hc_glibc_chunk){
		.addr = addr, .size = size, .arena = arena, .state = (uint8_t)st};
	return true;
}

/* Walk one list of free chunks; false only when out of memory. */
static bool list_chunk(struct walk *w, uint64_t chunk, enum hc_glibc_state st)
{
	return hc_u64map_put(&w->listed, chunk, st);
}

static void warn(struct walk *w, const char *fmt, ...) HC_PRINTF(2, 3);
static void warn(struct walk *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hc_warn(&w->prog->warnings[HC_PHASE_HEAP], "%s", buf);
}

/* The fastbins of arena @p a (its malloc_state image @p ms). */
static bool fastbins(struct walk *w, const struct hc_glibc_arena *a, const uint8_t *ms,
		     uint64_t bound, uint64_t *n, uint64_t *bytes)
{
	for (uint32_t i = 0; i < w->L.nfastbins; i++) {
		uint64_t p;
		memcpy(&p, ms + w->L.ms_fastbins + 8 * i, 8);
		uint64_t steps = 0;
		while (p) {
			uint64_t sz, link;
			uint64_t v;
			if (p & 15) {
				warn(w, "arena 0x%" PRIx64 ": fastbin %u: misaligned chunk 0x%" PRIx64
				     "; the rest of the bin is not walked", a->addr, i, p);
				break;
			}
			if (!rd(w, p + 8, &sz) || !rd(w, p + 16, &link)) {
				warn(w, "arena 0x%" PRIx64 ": fastbin %u: chunk 0x%" PRIx64
				     " is not in the core; the rest of the bin is not walked",
				     a->addr, i, p);
				break;
			}
			if (++steps > bound || hc_u64map_get(&w->listed, p, &v)) {
				warn(w, "arena 0x%" PRIx64 ": fastbin %u: a cycle at chunk 0x%" PRIx64
				     "; the rest of the bin is not walked", a->addr, i, p);
				break;
			}
			if (!list_chunk(w, p, HC_CHUNK_FASTBIN))
				return false;
			(*n)++;
			*bytes += sz & ~7ull;
			p = ((p + 16) >> 12) ^ link; /* REVEAL_PTR */
		}
	}
	return true;
}

/* The bins (unsorted, small, large) of arena @p a, walked as int_mallinfo
 * walks them: from each head's bk. */
static bool bins(struct walk *w, struct hc_glibc_arena *a, const uint8_t *ms, uint64_t bound,
		 uint64_t *n, uint64_t *bytes)
{
	for (uint32_t i = 1; i < w->L.nbins; i++) {
		uint64_t head = a->addr + w->L.ms_bins + 16 * (i - 1) - 16;
		uint64_t p;
		memcpy(&p, ms + w->L.ms_bins + 16 * (i - 1) + 8, 8); /* bk */
		enum hc_glibc_state st = i == 1 ? HC_CHUNK_UNSORTED
					: i < 64 ? HC_CHUNK_SMALLBIN : HC_CHUNK_LARGEBIN;
		uint64_t steps = 0;
		while (p != head) {
			uint64_t sz, bk, v;
			if (!rd(w, p + 8, &sz) || !rd(w, p + 24, &bk)) {
				warn(w, "arena 0x%" PRIx64 ": bin %u: chunk 0x%" PRIx64
				     " is not in the core; the rest of the bin is not walked",
				     a->addr, i, p);
				break;
			}
			if (++steps > bound || hc_u64map_get(&w->listed, p, &v)) {
				warn(w, "arena 0x%" PRIx64 ": bin %u: a cycle at chunk 0x%" PRIx64
				     "; the rest of the bin is not walked", a->addr, i, p);
				break;
			}
			if (!list_chunk(w, p, st))
				return false;
			(*n)++;
			*bytes += sz & ~7ull;
			p = bk;
		}
	}
	return true;
}

/*
 * Walk the chunks of [start, end) of arena @p ai: up to its top chunk, or,
 * in an older heap, up to the fenceposts.  False only when out of memory.
 */
static bool walk_chunks(struct walk *w, uint32_t ai, uint64_t start, uint64_t end,
			const char *where)
{
	struct hc_glibc_arena *a = &w->gl->arenas[ai];
	uint64_t p = start, word;
	if (!rd(w, p + 8, &word)) {
		warn(w, "arena 0x%" PRIx64 ": %s: its first chunk 0x%" PRIx64 " is not in the core",
		     a->addr, where, p);
		return true;
	}
	while (p < end && p != a->top) {
		uint64_t sz = word & ~7ull, next_word;
		if ((sz == 16 || sz == 0) && end != a->top + 1)
			break; /* a fencepost: an older heap's end */
		if (sz < MINSIZE || (sz & 15) || sz > end - p) {
			warn(w, "arena 0x%" PRIx64 ": %s: chunk 0x%" PRIx64 " has a bad size 0x%" PRIx64
			     "; the rest of the heap is not walked", a->addr, where, p, word);
			return true;
		}
		uint64_t next = p + sz;
		if (!rd(w, next + 8, &next_word)) {
			warn(w, "arena 0x%" PRIx64 ": %s: chunk 0x%" PRIx64
			     " is not in the core; the rest of the heap is not walked",
			     a->addr, where, next);
			return true;
		}
		uint64_t v;
		enum hc_glibc_state st;
		bool inuse_bit = next_word & 1;
		if (hc_u64map_get(&w->listed, p, &v)) {
			st = (enum hc_glibc_state)v;
			bool should_be_inuse = st == HC_CHUNK_TCACHE || st == HC_CHUNK_FASTBIN;
			if (inuse_bit != should_be_inuse)
				warn(w, "arena 0x%" PRIx64 ": chunk 0x%" PRIx64 " is in a %s list but "
				     "its in-use bit is %s", a->addr, p, hc_glibc_state_name(st),
				     inuse_bit ? "set" : "clear");
		} else {
			st = inuse_bit ? HC_CHUNK_IN_USE : HC_CHUNK_FREE_UNBINNED;
		}
		if (!push_chunk(w, p, sz, ai, st))
			return false;
		a->by_state[st].count++;
		a->by_state[st].bytes += sz;
		p = next;
		word = next_word;
	}
	return true;
}

/* One arena: its lists, then its chunks. */
static struct hc_error *arena(struct walk *w, uint32_t ai)
{
	struct hc_glibc_arena *a = &w->gl->arenas[ai];
	const struct hc_glibc_layout *L = &w->L;
	uint8_t *ms = malloc(L->ms_size);
	if (!ms)
		return &hc_enomem;
	struct hc_error *err = hc_memory_read(&w->prog->mem, a->addr, ms, L->ms_size);
	if (err) {
		free(ms);
		return hc_error_prefix(err, "arena 0x%" PRIx64, a->addr);
	}
	memcpy(&a->top, ms + L->ms_top, 8);
	memcpy(&a->system_mem, ms + L->ms_system_mem, 8);
	memcpy(&a->max_system_mem, ms + L->ms_max_system_mem, 8);
	memcpy(&a->threads, ms + L->ms_attached, 8);
	uint64_t topword = 0;
	if (!rd(w, a->top + 8, &topword))
		warn(w, "arena 0x%" PRIx64 ": its top chunk 0x%" PRIx64 " is not in the core",
		     a->addr, a->top);
	a->top_size = topword & ~7ull;
	uint64_t bound = a->system_mem / MINSIZE + 1;
	uint64_t nfast = 0, fast = 0, nbin = 0, binned = 0;
	if (!fastbins(w, a, ms, bound, &nfast, &fast) || !bins(w, a, ms, bound, &nbin, &binned)) {
		free(ms);
		return &hc_enomem;
	}
	free(ms);
	/* int_mallinfo (malloc.c), for this arena. */
	uint64_t avail = a->top_size + fast + binned;
	a->mi.arena = a->system_mem;
	a->mi.ordblks = 1 + nbin;
	a->mi.smblks = nfast;
	a->mi.fsmblks = fast;
	a->mi.fordblks = avail;
	a->mi.uordblks = a->system_mem - avail;
	a->mi.keepcost = a->main ? a->top_size : 0;
	return NULL;
}

static struct hc_error *arena_chunks(struct walk *w, uint32_t ai)
{
	struct hc_glibc_arena *a = &w->gl->arenas[ai];
	const struct hc_glibc_layout *L = &w->L;
	if (a->main) {
		uint64_t base;
		if (!rd(w, w->gl->mp + L->mp_sbrk_base, &base) || !base)
			return NULL; /* no heap yet */
		uint64_t start = base;
		if ((start + 16) & 15)
			start += 16 - ((start + 16) & 15);
		a->heaps = 1;
		if (a->top < start || a->top - start > a->system_mem) {
			warn(w, "main_arena: top 0x%" PRIx64 " is not within %" PRIu64
			     " bytes of the heap's start 0x%" PRIx64
			     " (a non-contiguous heap); its chunks are not walked",
			     a->top, a->system_mem, start);
			return NULL;
		}
		return walk_chunks(w, ai, start, a->top + 1, "heap") ? NULL : &hc_enomem;
	}
	/* The heaps, newest (top's) first through prev. */
	uint64_t heaps[256];
	size_t nh = 0;
	uint64_t h = a->top & ~(HEAP_MAX_SIZE - 1);
	uint64_t limit = a->system_mem / PAGE + 1;
	while (h) {
		uint64_t ar, prev;
		if (!rd(w, h + L->hi_ar_ptr, &ar) || !rd(w, h + L->hi_prev, &prev)) {
			warn(w, "arena 0x%" PRIx64 ": heap_info 0x%" PRIx64 " is not in the core",
			     a->addr, h);
			break;
		}
		if (ar != a->addr) {
			warn(w, "arena 0x%" PRIx64 ": heap_info 0x%" PRIx64
			     " belongs to arena 0x%" PRIx64 "; the older heaps are not walked",
			     a->addr, h, ar);
			break;
		}
		if (a->heaps >= limit) {
			warn(w, "arena 0x%" PRIx64 ": heap_info list has a cycle at 0x%" PRIx64,
			     a->addr, h);
			break;
		}
		a->heaps++;
		if (nh < HC_ARRAY_SIZE(heaps))
			heaps[nh++] = h;
		h = prev;
	}
	if (nh == HC_ARRAY_SIZE(heaps))
		warn(w, "arena 0x%" PRIx64 ": only its newest %zu heaps are walked", a->addr, nh);
	for (size_t k = nh; k-- > 0;) {
		h = heaps[k];
		uint64_t size = 0;
		rd(w, h + L->hi_heap_size, &size);
		uint64_t start = h + L->hi_size;
		if (a->addr == start) { /* the arena's first heap */
			start = a->addr + L->ms_size;
			if ((start + 16) & 15)
				start += 16 - ((start + 16) & 15);
		}
		uint64_t end = h + (size < HEAP_MAX_SIZE ? size : HEAP_MAX_SIZE);
		if (a->top >= h && a->top < h + HEAP_MAX_SIZE)
			end = a->top + 1;
		char where[64];
		snprintf(where, sizeof(where), "heap 0x%" PRIx64, h);
		if (!walk_chunks(w, ai, start, end, where))
			return &hc_enomem;
	}
	return NULL;
}

/* Whether [a, b) overlaps a heap of an arena (not searched for mmapped chunks). */
static bool in_arena_heap(struct walk *w, uint64_t a, uint64_t b)
{
	for (size_t i = 0; i < w->gl->narenas; i++) {
		const struct hc_glibc_arena *ar = &w->gl->arenas[i];
		if (ar->main)
			continue;
		uint64_t h = ar->top & ~(HEAP_MAX_SIZE - 1);
		if (a < h + HEAP_MAX_SIZE && b > h - (ar->heaps - 1) * HEAP_MAX_SIZE)
			return true;
	}
	return false;
}

static bool file_backed(struct hc_program *prog, uint64_t a, uint64_t b)
{
	for (size_t i = 0; i < prog->core->nfiles; i++) {
		const struct hc_file_mapping *f = &prog->core->files[i];
		if (a < f->end && b > f->start)
			return true;
	}
	return false;
}

/* The mmapped chunks: page by page through the writable anonymous memory. */
static struct hc_error *mmapped(struct walk *w)
{
	struct hc_core *core = w->prog->core;
	uint64_t main_start = 0, main_end = 0;
	for (size_t i = 0; i < w->gl->narenas; i++) {
		const struct hc_glibc_arena *a = &w->gl->arenas[i];
		if (a->main) {
			rd(w, w->gl->mp + w->L.mp_sbrk_base, &main_start);
			main_end = a->top + a->top_size;
		}
	}
	for (size_t s = 0; s < core->nloads; s++) {
		const struct hc_core_segment *seg = &core->loads[s];
		uint64_t a = seg->vaddr, b = seg->vaddr + seg->memsz;
		if (!(seg->flags & PF_W) || !seg->memsz || file_backed(w->prog, a, b) ||
		    in_arena_heap(w, a, b) || (a < main_end && b > main_start))
			continue;
		for (uint64_t p = a; p + 16 <= b;) {
			uint64_t prev, word;
			if (!rd(w, p, &prev) || !rd(w, p + 8, &word)) {
				p += PAGE;
				continue;
			}
			uint64_t sz = word & ~7ull;
			if (prev == 0 && (word & 7) == 2 && sz >= PAGE && sz % PAGE == 0 &&
			    sz <= b - p) {
				if (!push_chunk(w, p, sz, UINT32_MAX, HC_CHUNK_MMAPPED))
					return &hc_enomem;
				w->gl->mmapped_found.count++;
				w->gl->mmapped_found.bytes += sz;
				p += sz;
			} else {
				p += PAGE;
			}
		}
	}
	if (w->gl->mmapped_found.count != w->gl->n_mmaps ||
	    w->gl->mmapped_found.bytes != w->gl->mmapped_mem)
		warn(w, "mmapped chunks: mp_ counts %" PRIu64 " (%" PRIu64 " bytes), the search of "
		     "the core found %" PRIu64 " (%" PRIu64 " bytes)", w->gl->n_mmaps,
		     w->gl->mmapped_mem, w->gl->mmapped_found.count, w->gl->mmapped_found.bytes);
	return NULL;
}

/*
 * Whether the word @p t is a valid tcache: a chunk of
 * request2size(sizeof(tcache_perthread_struct)) bytes in the core whose bins
 * each hold as many entries as their count says (at most mp_.tcache_count).
 * With @p record, its entries go to the listed chunks.
 */
static bool tcache_ok(struct walk *w, uint64_t t, struct hc_glibc_tcache *tc, bool record,
		      bool *oom)
{
	const struct hc_glibc_layout *L = &w->L;
	uint64_t word;
	uint64_t want = (L->tc_size + 8 + 15) & ~15ull;
	if (!t || (t & 15) || !rd(w, t - 8, &word) || (word & ~7ull) != want)
		return false;
	uint8_t buf[4096];
	if (L->tc_size > sizeof(buf) || !hc_memory_peek(&w->prog->mem, t, buf, L->tc_size))
		return false;
	uint64_t count = 0, bytes = 0;
	for (uint32_t i = 0; i < L->tc_nbins; i++) {
		uint64_t n = 0, e;
		if (L->tc_count_size == 2) {
			uint16_t c;
			memcpy(&c, buf + L->tc_counts + 2 * i, 2);
			n = c;
		} else {
			n = buf[L->tc_counts + i];
		}
		memcpy(&e, buf + L->tc_entries + 8 * i, 8);
		if (n > w->gl->tcache_count || (n == 0) != (e == 0))
			return false;
		for (uint64_t k = 0; k < n; k++) {
			uint64_t next, sz;
			if (!e || (e & 15) || !rd(w, e, &next) || !rd(w, e - 8, &sz))
				return false;
			/* bin i holds chunks of (i + 2) * 16 bytes (tidx2usize) */
			if ((sz & ~7ull) != 16 * (i + 2))
				return false;
			if (record && !list_chunk(w, e - 16, HC_CHUNK_TCACHE)) {
				*oom = true;
				return false;
			}
			count++;
			bytes += sz & ~7ull;
			e = (e >> 12) ^ next; /* REVEAL_PTR */
		}
		if (e)
			return false;
	}
	if (tc) {
		tc->count = count;
		tc->bytes = bytes;
	}
	return true;
}

static struct hc_error *tcaches(struct walk *w)
{
	struct hc_core *core = w->prog->core;
	if (core->arch != HC_ARCH_X86_64 || !core->nthreads)
		return NULL;
	/*
	 * The offset below fs_base that is a valid tcache in the most threads
	 * (and in more threads than it is not: a damaged tcache must not hide
	 * the others).
	 */
	uint64_t best = 0;
	size_t best_n = 0;
	bool oom = false;
	for (uint64_t d = 8; d <= TLS_SEARCH; d += 8) {
		size_t n = 0, bad = 0;
		for (size_t i = 0; i < core->nthreads; i++) {
			uint64_t fs = core->threads[i].regs[FS_BASE], t;
			if (fs < d || !rd(w, fs - d, &t) || !t)
				continue;
			if (tcache_ok(w, t, NULL, false, &oom))
				n++;
			else
				bad++;
		}
		if (n > bad && n > best_n) {
			best = d;
			best_n = n;
		}
	}
	if (!best_n) {
		warn(w, "no thread's tcache was found: chunks in tcaches are counted in use");
		return NULL;
	}
	w->gl->tcaches = calloc(core->nthreads, sizeof(*w->gl->tcaches));
	if (!w->gl->tcaches)
		return &hc_enomem;
	for (size_t i = 0; i < core->nthreads; i++) {
		uint64_t fs = core->threads[i].regs[FS_BASE], t;
		if (!rd(w, fs - best, &t) || !t)
			continue;
		struct hc_glibc_tcache *tc = &w->gl->tcaches[w->gl->ntcaches];
		tc->tid = core->threads[i].tid;
		tc->addr = t;
		if (!tcache_ok(w, t, NULL, false, &oom)) {
			warn(w, "thread %d: its tcache 0x%" PRIx64 " is damaged (a count that does "
			     "not match its list, a bad or cyclic entry); its chunks are counted "
			     "in use", tc->tid, t);
			continue;
		}
		if (tcache_ok(w, t, tc, true, &oom))
			w->gl->ntcaches++;
		else if (oom)
			return &hc_enomem;
	}
	return NULL;
}

static int by_addr(const void *a, const void *b)
{
	const struct hc_glibc_chunk *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct hc_error *walk(struct walk *w)
{
	struct hc_program *prog = w->prog;
	struct hc_glibc *gl = w->gl;
	const struct hc_glibc_layout *L = &w->L;
	uint64_t v;
	if (!rd(w, gl->mp + L->mp_tcache_count, &gl->tcache_count))
		return hc_error_fault(gl->mp, "(mp_, glibc's malloc parameters) is not in the core");
	rd(w, gl->mp + L->mp_mmapped_mem, &gl->mmapped_mem);
	if (rd(w, gl->mp + L->mp_n_mmaps, &v))
		gl->n_mmaps = L->mp_n_mmaps_size == 4 ? (uint32_t)v : v;
	/* The arenas: main_arena.next around to main_arena. */
	uint64_t a = gl->main_arena;
	size_t cap = 0;
	do {
		if (gl->narenas == MAX_ARENAS) {
			warn(w, "the arena list does not return to main_arena within %d arenas",
			     MAX_ARENAS);
			break;
		}
		if (!hc_grow(&gl->arenas, &cap, gl->narenas + 1, sizeof(*gl->arenas)))
			return &hc_enomem;
		struct hc_glibc_arena *ar = &gl->arenas[gl->narenas++];
		memset(ar, 0, sizeof(*ar));
		ar->addr = a;
		ar->main = a == gl->main_arena;
		struct hc_error *err = arena(w, (uint32_t)(gl->narenas - 1));
		if (err) {
			if (ar->main || err == &hc_enomem)
				return err;
			warn(w, "%s; the other arenas are still walked", hc_error_message(err));
			hc_error_destroy(err);
			gl->narenas--;
			break;
		}
		uint64_t next;
		if (!rd(w, a + L->ms_next, &next)) {
			warn(w, "arena 0x%" PRIx64 ": its next arena is not in the core", a);
			break;
		}
		a = next;
	} while (a != gl->main_arena && a);
	struct hc_error *err = tcaches(w);
	if (err)
		return err;
	for (size_t i = 0; i < gl->narenas; i++)
		if ((err = arena_chunks(w, (uint32_t)i)))
			return err;
	if ((err = mmapped(w)))
		return err;
	hc_qsort(gl->chunks, gl->nchunks, sizeof(*gl->chunks), by_addr);
	/* mallinfo2(): every arena's share, the mmap counts from mp_ (malloc.c). */
	for (size_t i = 0; i < gl->narenas; i++) {
		const struct hc_glibc_arena *ar = &gl->arenas[i];
		gl->mi.arena += ar->mi.arena;
		gl->mi.ordblks += ar->mi.ordblks;
		gl->mi.smblks += ar->mi.smblks;
		gl->mi.fsmblks += ar->mi.fsmblks;
		gl->mi.uordblks += ar->mi.uordblks;
		gl->mi.fordblks += ar->mi.fordblks;
		if (ar->main)
			gl->mi.keepcost = ar->top_size;
		gl->in_use.count += ar->by_state[HC_CHUNK_IN_USE].count;
		gl->in_use.bytes += ar->by_state[HC_CHUNK_IN_USE].bytes;
	}
	gl->mi.hblks = gl->n_mmaps;
	gl->mi.hblkhd = gl->mmapped_mem;
	gl->in_use.count += gl->mmapped_found.count;
	gl->in_use.bytes += gl->mmapped_found.bytes;
	(void)prog;
	return NULL;
}

/* The C library's writable data (its writable PT_LOAD segments), from its
 * program headers in the core. */
static bool libc_data(struct walk *w, uint64_t base, uint64_t *lo, uint64_t *hi)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	if (!hc_memory_peek(&w->prog->mem, base, &eh, sizeof(eh)) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64 ||
	    !hc_memory_peek(&w->prog->mem, base + eh.e_phoff, ph, eh.e_phnum * sizeof(*ph)))
		return false;
	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		if (base + ph[i].p_vaddr < *lo)
			*lo = base + ph[i].p_vaddr;
		if (base + ph[i].p_vaddr + ph[i].p_memsz > *hi)
			*hi = base + ph[i].p_vaddr + ph[i].p_memsz;
	}
	return *hi > *lo && *hi - *lo < (64u << 20);
}

/*
 * Without debug info or a known build: main_arena and mp_ found by what
 * they hold, in the library's writable data.  main_arena: a malloc_state
 * whose empty bins point to themselves (malloc_init_state makes every bin
 * head's fd and bk its own address) and whose arena list returns to it.
 * mp_: a malloc_par whose tcache_bins is 64 and tcache_max_bytes 1032 (the
 * defaults; tunables may change them, and then this search fails) and whose
 * sbrk_base lies at or below main_arena's top, within its system_mem.
 */
static bool find_by_data(struct walk *w, uint64_t base)
{
	const struct hc_glibc_layout *L = &w->L;
	uint64_t lo, hi;
	if (!libc_data(w, base, &lo, &hi))
		return false;
	size_t n = (size_t)(hi - lo);
	uint8_t *img = malloc(n);
	if (!img)
		return false;
	/* Page by page: a page the core lacks stays zero. */
	memset(img, 0, n);
	for (uint64_t p = lo; p < hi; p = (p | 4095) + 1) {
		uint64_t e = (p | 4095) + 1 < hi ? (p | 4095) + 1 : hi;
		hc_memory_peek(&w->prog->mem, p, img + (p - lo), e - p);
	}
	uint64_t arena = 0, top = 0, sysmem = 0;
	for (uint64_t off = 0; off + L->ms_size <= n && !arena; off += 8) {
		uint64_t a = lo + off;
		unsigned empty = 0, bad = 0;
		for (uint32_t i = 1; i < L->nbins && bad < 4; i++) {
			uint64_t fd, bk, head = a + L->ms_bins + 16 * (i - 1) - 16;
			memcpy(&fd, img + off + L->ms_bins + 16 * (i - 1), 8);
			memcpy(&bk, img + off + L->ms_bins + 16 * (i - 1) + 8, 8);
			if (fd == head && bk == head)
				empty++;
			else if (!fd || !bk || (fd & 15) || (bk & 15))
				bad++;
		}
		uint64_t next, t, sm;
		uint32_t mutex;
		memcpy(&next, img + off + L->ms_next, 8);
		memcpy(&mutex, img + off, 4);
		memcpy(&t, img + off + L->ms_top, 8);
		memcpy(&sm, img + off + L->ms_system_mem, 8);
		/* The pattern of self-pointing bins repeats 16 bytes apart: the
		 * arena list returning to the candidate, a small lock word and a
		 * page-multiple system_mem tell the real one. */
		if (bad || empty < L->nbins / 2 || !next || mutex > 2 || (t & 15) || (sm & 4095))
			continue;
		uint64_t x = next;
		for (int k = 0; k < 1024 && x != a; k++)
			if (!rd(w, x + L->ms_next, &x))
				break;
		if (x != a)
			continue;
		top = t;
		sysmem = sm;
		arena = a;
	}
	uint64_t mp = 0;
	for (uint64_t off = 0; arena && off + L->mp_tcache_count + 8 <= n && !mp; off += 8) {
		uint64_t bins, maxb, sbrk;
		memcpy(&bins, img + off + L->mp_tcache_count - 16, 8);
		memcpy(&maxb, img + off + L->mp_tcache_count - 8, 8);
		memcpy(&sbrk, img + off + L->mp_sbrk_base, 8);
		if (bins == 64 && maxb == 1032 && (!sbrk || (sbrk <= top && top - sbrk <= sysmem)))
			mp = lo + off;
	}
	free(img);
	if (!arena || !mp)
		return false;
	w->gl->main_arena = arena;
	w->gl->mp = mp;
	return true;
}

struct hc_error *hc_glibc_get(struct hc_program *prog, struct hc_glibc **ret)
{
	if (prog->glibc) {
		*ret = prog->glibc;
		return NULL;
	}
	const struct hc_file_mapping *f = prog->core ? libc_mapping(prog) : NULL;
	if (!f)
		return hc_error_create(HC_ERROR_UNSUPPORTED,
				       "the core maps no glibc C library (libc.so.6): neither a Go "
				       "program nor one on glibc malloc");
	struct hc_glibc *gl = calloc(1, sizeof(*gl));
	if (!gl)
		return &hc_enomem;
	struct walk w = {.prog = prog, .gl = gl};
	hc_u64map_init(&w.listed);
	struct hc_error *err = NULL;
	gl->libc_path = strdup(f->path);
	gl->libc_bias = f->start;
	if (!gl->libc_path) {
		err = &hc_enomem;
		goto out;
	}
	if (!build_id_at(&w, f->start, gl->build_id)) {
		err = hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				      "%s: its GNU build ID is not in the core", f->path);
		goto out;
	}
	err = hc_glibc_layout_read(gl->build_id, prog->debug_dirs, &w.L, &gl->layout_source);
	if (err && hc_error_code(err) == HC_ERROR_MISSING_DEBUG_INFO) {
		/* An unknown build: the usual layout, main_arena and mp_ found by
		 * their contents. */
		w.L = *hc_glibc_generic_layout();
		if (find_by_data(&w, f->start)) {
			hc_error_destroy(err);
			err = NULL;
			if (asprintf(&gl->layout_source,
				     "glibc 2.35-2.41 layout; main_arena and mp_ found by their "
				     "contents (no debug file, build ID not known)") < 0)
				err = &hc_enomem;
		}
		if (err)
			goto out;
	} else if (err) {
		goto out;
	} else {
		gl->main_arena = gl->libc_bias + w.L.main_arena;
		gl->mp = gl->libc_bias + w.L.mp;
	}
	err = walk(&w);
out:
	hc_u64map_deinit(&w.listed);
	if (err) {
		hc_glibc_destroy(gl);
		return err;
	}
	prog->glibc = gl;
	*ret = gl;
	return NULL;
}

size_t hc_glibc_chunk_at(const struct hc_glibc *gl, uint64_t addr)
{
	size_t lo = 0, hi = gl->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (gl->chunks[mid].addr + 16 <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo - 1: the last chunk whose user block starts at or before addr */
	if (lo == 0)
		return SIZE_MAX;
	const struct hc_glibc_chunk *c = &gl->chunks[lo - 1];
	return addr < c->addr + 16 + hc_glibc_usable(c) ? lo - 1 : SIZE_MAX;
}

void hc_glibc_destroy(struct hc_glibc *gl)
{
	if (!gl)
		return;
	free(gl->libc_path);
	free(gl->layout_source);
	free(gl->arenas);
	hc_array_free(gl->chunks);
	free(gl->tcaches);
	free(gl);
}
