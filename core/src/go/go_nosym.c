/*
 * The Go runtime's globals found without a symbol table (-ldflags='-s -w').
 *
 * The pclntab still names every function (the runtime needs the names for
 * tracebacks), so the code of a runtime function is found by name; each
 * global is then the address that the RIP-relative operands of a few small
 * runtime functions, known to use it, have in common.  Each recipe below
 * names functions that refer to the global in Go 1.22 to 1.27 (checked by
 * tests/test_stripped.py against the symbol tables of the fixtures built
 * with each toolchain), with the field of the global they touch when it is
 * not the first (newBucket passes &memstats.buckhash_sys: mprof.go).  The
 * operands are read by pattern (REX, one of the opcodes the Go compiler
 * uses to load, store, compare or take the address of a global, a ModRM
 * byte that says [rip+disp32]), so a stray match inside another
 * instruction can add a candidate: only an address every function agrees
 * on counts, and it must then pass a check of the structure it holds
 * (allp's Ps number themselves, allm's Ms include the crashing thread).
 * Anything but exactly one survivor is an error that says so.
 */
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/go_layout_tables.h"
#include "go/go_module.h"
#include "go/go_nosym.h"
#include "target/corefile.h"
#include "target/exe.h"
#include "target/memory.h"
#include "target/program.h"

#define MAX_CANDIDATES 64
#define MAX_FUNC_BYTES (256u << 10)

struct range {
	uint64_t lo, hi;
};

struct ctx {
	struct hc_program *prog;
	const struct gl_table *t;
	uint64_t text;
	const uint8_t *ftab, *pclntable, *funcnametab;
	uint64_t nftab, pclntable_len, funcnametab_len;
	uint32_t nameoff_off;
	struct range data[16], rodata[16];
	size_t ndata, nrodata;
};

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t field_off(const struct gl_table *t, const char *type, const char *path, bool *ok)
{
	const struct gl_table_field *f = gl_table_field(t, type, path);
	if (!f) {
		*ok = false;
		return 0;
	}
	return f->off;
}

static bool md_word(struct ctx *c, uint64_t md, const char *path, uint64_t *ret)
{
	bool ok = true;
	uint64_t off = field_off(c->t, "runtime.moduledata", path, &ok);
	return ok && hc_memory_peek_u64(&c->prog->mem, md + off, ret);
}

static const uint8_t *md_slice(struct ctx *c, uint64_t md, const char *name, uint64_t elem,
			       uint64_t *n)
{
	char a[64], l[64];
	uint64_t addr, len;
	snprintf(a, sizeof(a), "%s.array", name);
	snprintf(l, sizeof(l), "%s.len", name);
	if (!md_word(c, md, a, &addr) || !md_word(c, md, l, &len) || len == 0 ||
	    len > (1ULL << 32) / elem)
		return NULL;
	*n = len;
	return hc_memory_ptr(&c->prog->mem, addr, (size_t)(len * elem));
}

static struct hc_error *ctx_init(struct ctx *c, struct hc_program *prog, const struct gl_table *t)
{
	struct hc_go_module_loc loc;
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->t = t;
	struct hc_error *err = hc_go_locate_module(prog->exe, prog->go_version, &loc);
	if (err)
		return err;
	bool ok = true;
	c->nameoff_off = (uint32_t)field_off(t, "runtime._func", "nameOff", &ok);
	if (!ok || !md_word(c, loc.moduledata, "text", &c->text) ||
	    !(c->ftab = md_slice(c, loc.moduledata, "ftab", 8, &c->nftab)) ||
	    !(c->pclntable = md_slice(c, loc.moduledata, "pclntable", 1, &c->pclntable_len)) ||
	    !(c->funcnametab = md_slice(c, loc.moduledata, "funcnametab", 1, &c->funcnametab_len)) ||
	    c->nftab < 2)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: the module data at 0x%" PRIx64 " does not give a "
				       "function table", prog->exe->path, loc.moduledata);
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (!prog->exe->elf || elf_getshdrstrndx(prog->exe->elf, &shstrndx) != 0)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s: cannot read its sections",
				       prog->exe->path);
	while ((scn = elf_nextscn(prog->exe->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    (sh.sh_flags & SHF_EXECINSTR) || !sh.sh_size)
			continue;
		if ((sh.sh_flags & SHF_WRITE) && c->ndata < HC_ARRAY_SIZE(c->data))
			c->data[c->ndata++] = (struct range){sh.sh_addr, sh.sh_addr + sh.sh_size};
		else if (!(sh.sh_flags & SHF_WRITE) && c->nrodata < HC_ARRAY_SIZE(c->rodata))
			c->rodata[c->nrodata++] = (struct range){sh.sh_addr, sh.sh_addr + sh.sh_size};
	}
	return NULL;
}

static bool in_ranges(const struct range *r, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= r[i].lo && a < r[i].hi)
			return true;
	return false;
}

/* The code [entry, end) of the function named @p name; false when absent. */
static bool func_code(struct ctx *c, const char *name, uint64_t *entry, uint64_t *end)
{
	size_t len = strlen(name);
	for (uint64_t i = 0; i + 1 < c->nftab; i++) {
		const uint8_t *e = c->ftab + 8 * i;
		uint32_t funcoff = u32(e + 4);
		if (funcoff > c->pclntable_len || c->pclntable_len - funcoff < c->nameoff_off + 4)
			continue;
		int32_t nameoff = (int32_t)u32(c->pclntable + funcoff + c->nameoff_off);
		if (nameoff < 0 || (uint64_t)nameoff + len + 1 > c->funcnametab_len ||
		    memcmp(c->funcnametab + nameoff, name, len + 1) != 0)
			continue;
		*entry = c->text + u32(e);
		*end = c->text + u32(e + 8);
		return *end > *entry && *end - *entry <= MAX_FUNC_BYTES;
	}
	return false;
}

/*
 * The targets of the [rip+disp32] operands in the code at @p code (at
 * address @p pc, @p n bytes) that fall in @p r: x86-64 instructions of the
 * form [F0] [66] [REX] opcode ModRM(mod 00, r/m 101) disp32 [imm].
 */
static size_t rip_targets(const uint8_t *code, uint64_t pc, size_t n, bool rodata_too,
			  const struct ctx *c, uint64_t *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i + 6 <= n && k < max; i++) {
		size_t p = i;
		if (code[p] == 0x66 && p + 1 < n)
			p++;
		if (code[p] >= 0x40 && code[p] <= 0x4f && p + 1 < n)
			p++;
		size_t imm = 0;
		uint8_t op = code[p];
		if (op == 0x0f) {
			if (p + 1 >= n)
				continue;
			uint8_t op2 = code[++p];
			if (op2 != 0xb6 && op2 != 0xb7 && op2 != 0x10 && op2 != 0x11 &&
			    op2 != 0xb1 && op2 != 0xc1 && op2 != 0xbe && op2 != 0xbf)
				continue;
		} else if (op == 0x83 || op == 0x80 || op == 0xc6) {
			imm = 1;
		} else if (op == 0x81 || op == 0xc7) {
			imm = 4;
		} else if (op != 0x8b && op != 0x8d && op != 0x89 && op != 0x63 && op != 0x39 &&
			   op != 0x3b && op != 0x85 && op != 0x87 && op != 0x88 && op != 0x8a &&
			   op != 0x38 && op != 0x3a && op != 0x01 && op != 0x03 && op != 0x29 &&
			   op != 0x2b && op != 0xff) {
			continue;
		}
		p++;
		if (p + 5 + imm > n || (code[p] & 0xc7) != 0x05)
			continue;
		int32_t disp;
		memcpy(&disp, code + p + 1, 4);
		uint64_t target = pc + p + 5 + imm + (uint64_t)(int64_t)disp;
		if (in_ranges(c->data, c->ndata, target) ||
		    (rodata_too && in_ranges(c->rodata, c->nrodata, target)))
			out[k++] = target;
	}
	return k;
}

struct ref {
	const char *func;
	const char *type, *path; /* the field it touches; NULL: the global's start */
};

struct recipe {
	const char *name;
	bool rodata;   /* may be read-only data (a table the linker made constant) */
	uint64_t span; /* candidates closer than this to the lowest are one global */
	bool (*check)(struct ctx *c, uint64_t addr);
	struct ref refs[4];
};

static bool read_u64(struct ctx *c, uint64_t a, uint64_t *v)
{
	return hc_memory_peek_u64(&c->prog->mem, a, v);
}

static uint64_t off_of(struct ctx *c, const char *type, const char *path, bool *ok)
{
	return field_off(c->t, type, path, ok);
}

/* A Go slice header {array, len, cap} that could be the runtime's. */
static bool slice_ok(struct ctx *c, uint64_t a, uint64_t maxlen, uint64_t *arr, uint64_t *len)
{
	uint64_t cap;
	if (!read_u64(c, a, arr) || !read_u64(c, a + 8, len) || !read_u64(c, a + 16, &cap))
		return false;
	return *len <= cap && cap <= maxlen && (*len == 0 || hc_memory_readable(&c->prog->mem, *arr));
}

static bool check_mheap(struct ctx *c, uint64_t a)
{
	bool ok = true;
	uint64_t arr, len, off = off_of(c, "runtime.mheap", "allspans", &ok), s0 = 0;
	if (!ok || !slice_ok(c, a + off, 1ULL << 32, &arr, &len) || len == 0)
		return false;
	/* allspans[0] is an mspan whose startAddr is page-aligned. */
	uint64_t start, so = off_of(c, "runtime.mspan", "startAddr", &ok);
	return ok && read_u64(c, arr, &s0) && read_u64(c, s0 + so, &start) && start &&
	       start % 4096 == 0;
}

static bool check_allp(struct ctx *c, uint64_t a)
{
	bool ok = true;
	uint64_t arr, len, id_off = off_of(c, "runtime.p", "id", &ok);
	if (!ok || !slice_ok(c, a, 1 << 20, &arr, &len) || len == 0)
		return false;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t p;
		uint32_t id;
		if (!read_u64(c, arr + 8 * i, &p) ||
		    !hc_memory_peek(&c->prog->mem, p + id_off, &id, 4) || id != i)
			return false;
	}
	return true;
}

static bool check_small_int(struct ctx *c, uint64_t a, uint32_t lo, uint32_t hi)
{
	uint32_t v;
	return hc_memory_peek(&c->prog->mem, a, &v, 4) && v >= lo && v <= hi;
}

static bool check_gomaxprocs(struct ctx *c, uint64_t a)
{
	return check_small_int(c, a, 1, 1 << 20);
}

static bool check_gcphase(struct ctx *c, uint64_t a)
{
	return check_small_int(c, a, 0, 2); /* _GCoff, _GCmark, _GCmarktermination */
}

/* allm: a list of Ms through alllink, one of them a thread of the core. */
static bool check_allm(struct ctx *c, uint64_t a)
{
	bool ok = true;
	uint64_t link = off_of(c, "runtime.m", "alllink", &ok),
		 procid = off_of(c, "runtime.m", "procid", &ok), m;
	if (!ok || !read_u64(c, a, &m))
		return false;
	bool found = false;
	for (int i = 0; m && i < 100000; i++) {
		uint64_t tid;
		if (!read_u64(c, m + procid, &tid))
			return false;
		for (size_t k = 0; k < c->prog->core->nthreads; k++)
			found |= tid == (uint64_t)c->prog->core->threads[k].tid;
		if (!read_u64(c, m + link, &m))
			return false;
	}
	return found && !m;
}

/* runtime.mstats: its Sys counters are sizes a process could map. */
static bool check_memstats(struct ctx *c, uint64_t a)
{
	static const char *const sys[] = {"stacks_sys", "mspan_sys", "mcache_sys",
					  "buckhash_sys", "other_sys", "gcMiscSys"};
	for (size_t i = 0; i < HC_ARRAY_SIZE(sys); i++) {
		bool ok = true;
		uint64_t v, off = off_of(c, "runtime.mstats", sys[i], &ok);
		if (!ok || !read_u64(c, a + off, &v) || v >= 1ULL << 44)
			return false;
	}
	return true;
}

static bool check_gccontroller(struct ctx *c, uint64_t a)
{
	bool ok = true;
	uint64_t mapped, inuse,
		 mo = off_of(c, "runtime.gcControllerState", "mappedReady", &ok),
		 io = off_of(c, "runtime.gcControllerState", "heapInUse", &ok);
	return ok && read_u64(c, a + mo, &mapped) && read_u64(c, a + io, &inuse) &&
	       inuse <= mapped && mapped < 1ULL << 44;
}

/* emptymspan: an mspan that owns no memory. */
static bool check_emptymspan(struct ctx *c, uint64_t a)
{
	bool ok = true;
	uint64_t start, so = off_of(c, "runtime.mspan", "startAddr", &ok);
	return ok && read_u64(c, a + so, &start) && start == 0;
}

static uint64_t nclasses(struct ctx *c)
{
	const struct gl_table_field *f =
		gl_table_field(c->t, "runtime.heapStatsDelta", "smallAllocCount");
	return f ? f->count : 0;
}

/* The size-class tables (sizeclasses.go): class 0 is 0, then 8, 16, 24, 32, 48. */
static bool check_class_to_size(struct ctx *c, uint64_t a)
{
	static const uint16_t first[] = {0, 8, 16, 24, 32, 48, 64, 80};
	uint64_t n = nclasses(c);
	const uint8_t *p = n >= 8 && n <= 256 ? hc_memory_ptr(&c->prog->mem, a, n * 2) : NULL;
	if (!p || memcmp(p, first, sizeof(first)) != 0)
		return false;
	for (uint64_t i = 1; i < n; i++) {
		uint16_t x, y;
		memcpy(&x, p + 2 * (i - 1), 2);
		memcpy(&y, p + 2 * i, 2);
		if (y <= x)
			return false;
	}
	return true;
}

static struct hc_error *find(struct ctx *c, const char *name, uint64_t *ret);

static bool check_class_to_npages(struct ctx *c, uint64_t a)
{
	uint64_t n = nclasses(c), sizes;
	struct hc_error *err = find(c, "runtime.class_to_size", &sizes);
	if (err) {
		hc_error_destroy(err);
		return false;
	}
	const uint8_t *p = n >= 8 && n <= 256 ? hc_memory_ptr(&c->prog->mem, a, n) : NULL;
	const uint8_t *s = hc_memory_ptr(&c->prog->mem, sizes, n * 2);
	if (!p || !s || p[0] != 0)
		return false;
	for (uint64_t i = 1; i < n; i++) {
		uint16_t size;
		memcpy(&size, s + 2 * i, 2);
		/* A span holds at least one object; no class needs 16 pages. */
		if (p[i] == 0 || p[i] > 16 || (uint64_t)p[i] * 8192 < size)
			return false;
	}
	return true;
}

/*
 * The recipes.  Each function is one that refers to the global directly in
 * every Go from 1.22 to 1.27 (src/runtime, cited by function).
 */
static const struct recipe recipes[] = {
	{"runtime.mheap_", false, 1, check_mheap,
	 {{"runtime.(*pageAlloc).enableChunkHugePages", NULL, NULL},
	  {"runtime.gcMarkTermination.func5", NULL, NULL},
	  {"runtime.getempty.func1", NULL, NULL}}},
	/* persistentalloc(..., &memstats.X): mprof.go:newBucket, mheap.go:recordspan,
	 * netpoll.go:(*pollCache).alloc. */
	{"runtime.memstats", false, 1, check_memstats,
	 {{"runtime.newBucket", "runtime.mstats", "buckhash_sys"},
	  {"runtime.recordspan", "runtime.mstats", "other_sys"},
	  {"runtime.(*pollCache).alloc", "runtime.mstats", "other_sys"}}},
	/* trace: HeapGoal reads gcController.heapGoal(); mem.go:sysAlloc adds to
	 * gcController.mappedReady. */
	{"runtime.gcController", false, 1, check_gccontroller,
	 {{"runtime.traceLocker.HeapGoal", NULL, NULL},
	  {"runtime.sysAlloc", "runtime.gcControllerState", "mappedReady"},
	  {"runtime.sysFree", "runtime.gcControllerState", "mappedReady"}}},
	/* `for _, p := range allp`: the array and the length. */
	{"runtime.allp", false, 16, check_allp,
	 {{"runtime.gcMarkTinyAllocs", NULL, NULL}, {"runtime.preemptall", NULL, NULL},
	  {"runtime.flushmcache", NULL, NULL}}},
	{"runtime.gomaxprocs", false, 1, check_gomaxprocs,
	 {{"runtime.flushallmcaches", NULL, NULL},
	  {"runtime.(*gcControllerState).enlistWorker", NULL, NULL}}},
	{"runtime.emptymspan", false, 1, check_emptymspan,
	 {{"runtime.allocmcache", NULL, NULL}, {"runtime.(*mcache).releaseAll", NULL, NULL},
	  {"runtime.(*mcache).refill", NULL, NULL}}},
	{"runtime.gcphase", false, 1, check_gcphase,
	 {{"runtime.(*gcWork).balance", NULL, NULL}, {"runtime.freeSomeWbufs", NULL, NULL},
	  {"runtime.gcWaitOnMark", NULL, NULL}}},
	{"runtime.allm", false, 1, check_allm,
	 {{"runtime.mcommoninit", NULL, NULL}, {"runtime.mexit", NULL, NULL},
	  {"runtime.schedtrace", NULL, NULL}}},
	/* The size of a class: mheap.go:(*mheap).initSpan, mstats.go:readmemstats_m,
	 * slice.go:growslice (roundupsize, inlined). */
	{"runtime.class_to_size", true, 1, check_class_to_size,
	 {{"runtime.(*mheap).initSpan", NULL, NULL}, {"runtime.readmemstats_m", NULL, NULL},
	  {"runtime.growslice", NULL, NULL}}},
	/* mcentral.go:(*mcentral).grow and cacheSpan read the pages of a class. */
	{"runtime.class_to_allocnpages", true, 1, check_class_to_npages,
	 {{"runtime.(*mcentral).grow", NULL, NULL}, {"runtime.(*mcentral).cacheSpan", NULL, NULL}}},
};

/* Names the runtime moved (Go 1.26: the size classes to internal/runtime/gc). */
static const char *canonical(const char *name)
{
	if (strcmp(name, "internal/runtime/gc.SizeClassToSize") == 0)
		return "runtime.class_to_size";
	if (strcmp(name, "internal/runtime/gc.SizeClassToNPages") == 0)
		return "runtime.class_to_allocnpages";
	return name;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct hc_error *find(struct ctx *c, const char *name, uint64_t *ret)
{
	const struct recipe *r = NULL;
	name = canonical(name);
	for (size_t i = 0; i < HC_ARRAY_SIZE(recipes); i++)
		if (strcmp(recipes[i].name, name) == 0)
			r = &recipes[i];
	if (!r)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s has no symbol table and heapcore knows no way to find %s "
				       "without one", c->prog->exe->path, name);
	uint64_t cand[MAX_CANDIDATES];
	size_t ncand = 0;
	bool any = false;
	for (size_t k = 0; k < HC_ARRAY_SIZE(r->refs) && r->refs[k].func; k++) {
		const struct ref *ref = &r->refs[k];
		uint64_t entry, end, off = 0;
		if (!func_code(c, ref->func, &entry, &end))
			continue;
		if (ref->type) {
			bool ok = true;
			off = off_of(c, ref->type, ref->path, &ok);
			if (!ok)
				continue;
		}
		const uint8_t *code = hc_memory_ptr(&c->prog->mem, entry, (size_t)(end - entry));
		if (!code)
			continue;
		uint64_t t[MAX_CANDIDATES];
		size_t n = rip_targets(code, entry, (size_t)(end - entry), r->rodata, c, t,
				       HC_ARRAY_SIZE(t));
		for (size_t i = 0; i < n; i++)
			t[i] -= off;
		if (!any) {
			memcpy(cand, t, n * sizeof(*t));
			ncand = n;
			any = true;
			continue;
		}
		size_t keep = 0;
		for (size_t i = 0; i < ncand; i++)
			for (size_t j = 0; j < n; j++)
				if (cand[i] == t[j]) {
					cand[keep++] = cand[i];
					break;
				}
		ncand = keep;
	}
	if (!any)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s has no symbol table, and none of the runtime functions "
				       "that refer to %s (%s, ...) is in its pclntab",
				       c->prog->exe->path, name, r->refs[0].func);
	/* Distinct, passing the structure check. */
	if (ncand)
		qsort(cand, ncand, sizeof(*cand), u64_cmp);
	size_t keep = 0;
	for (size_t i = 0; i < ncand; i++)
		if ((keep == 0 || cand[i] != cand[keep - 1]) && r->check(c, cand[i]))
			cand[keep++] = cand[i];
	ncand = keep;
	if (ncand > 1 && cand[ncand - 1] - cand[0] < r->span)
		ncand = 1;
	if (ncand != 1)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s has no symbol table, and %s is not found without one: "
				       "%zu addresses that the runtime functions referring to it "
				       "(%s, ...) share pass the checks of its contents, not one",
				       c->prog->exe->path, name, ncand, r->refs[0].func);
	*ret = cand[0];
	return NULL;
}

struct hc_error *hc_go_nosym_global(struct hc_program *prog, const struct gl_table *t,
				    const char *name, uint64_t *ret)
{
	struct ctx c;
	struct hc_error *err = ctx_init(&c, prog, t);
	if (err)
		return err;
	return find(&c, name, ret);
}
