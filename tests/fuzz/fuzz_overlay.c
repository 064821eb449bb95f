/*
 * Fuzz the Go backend on a real core: a fixture core (HEAPCORE_FUZZ_CORE,
 * its executable found beside it) is opened once, and each input overlays
 * its bytes on one runtime structure of that core's memory before the whole
 * analysis runs again (MemStats, the object graph with its roots and stack
 * walks, types, the reports), then the bytes are put back.  The fuzzer
 * thereby corrupts exactly what real memory corruption corrupts, with
 * everything around it intact.
 *
 * Built three times, one per layer (FUZZ_LAYER):
 *   heap:  mheap_.allspans, an mspan, a span's heap bits, allgs, a g, a heap
 *          object (maps, slices, interfaces...), a type descriptor,
 *          firstmoduledata;
 *   stack: a goroutine's g and its stack;
 *   pcln:  the function table, pc-value tables and funcdata (frames, stack
 *          maps) of the pclntab.
 * Input: [region][offset, 4 bytes little-endian][bytes to write].
 *
 * Bounded time: no input may make the analysis take more than ten times
 * the CPU time of the intact core (plus a fixed slack for a loaded
 * machine); one that does is a finding (abort).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "go/go.h"
#include "go/go_graph.h"
#include "go/go_layout.h"
#include "go/go_stack.h"
#include "graph/graph.h"
#include "debuginfo/dwarf_index.h"
#include "target/program.h"

#define FUZZ_HEAP 1
#define FUZZ_STACK 2
#define FUZZ_PCLN 3

struct region {
	const char *what;
	uint8_t *mem; /* writable view of the core's (or the executable's) bytes */
	size_t len;
	uint8_t *saved;
};

static struct hc_program *prog;
static struct region regions[16];
static size_t nregions;
static double sane_seconds; /* CPU time of the intact core's analysis */

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void analyse(void);

/* Make the bytes of [addr, addr + len) of the target writable here. */
static void add_region(const char *what, uint64_t addr, uint64_t len)
{
	if (!addr || !len || nregions == sizeof(regions) / sizeof(regions[0]))
		return;
	if (len > (1u << 20))
		len = 1u << 20;
	const uint8_t *p = hc_memory_ptr(&prog->mem, addr, (size_t)len);
	if (!p)
		return;
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
	uintptr_t hi = ((uintptr_t)p + len + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
	/* The core and the executable are private mappings: writes stay here. */
	if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) != 0)
		abort();
	struct region *r = &regions[nregions++];
	r->what = what;
	r->mem = (uint8_t *)p;
	r->len = (size_t)len;
	r->saved = malloc(r->len);
	if (!r->saved)
		abort();
	memcpy(r->saved, r->mem, r->len);
}

#if FUZZ_LAYER != FUZZ_PCLN
static uint64_t read_u64(uint64_t addr)
{
	uint64_t v = 0;
	if (!hc_memory_peek_u64(&prog->mem, addr, &v))
		return 0;
	return v;
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *core = getenv("HEAPCORE_FUZZ_CORE");
	if (!core) {
		fprintf(stderr, "fuzz: set HEAPCORE_FUZZ_CORE to a fixture core\n");
		exit(1);
	}
	struct hc_error *err = hc_program_open_core(core, NULL, 0, &prog);
	if (err) {
		fprintf(stderr, "fuzz: %s\n", hc_error_message(err));
		exit(1);
	}
	struct hc_go *go;
	struct hc_dwarf_index *dw;
	if ((err = hc_go_get(prog, &go)) || (err = hc_dwarf_index_get(prog, &dw))) {
		fprintf(stderr, "fuzz: %s\n", hc_error_message(err));
		exit(1);
	}
	struct gl_init in = {.prog = prog, .dw = dw};
#if FUZZ_LAYER != FUZZ_PCLN
	uint64_t allgs = read_u64(gl_symbol(&in, "runtime.allgs", NULL));
	uint64_t nallgs = read_u64(gl_symbol(&in, "runtime.allgs", NULL) + 8);
	/* A goroutine with a stack of its own: the last one (the first are the runtime's). */
	uint64_t g = nallgs ? read_u64(allgs + 8 * (nallgs - 1)) : 0;
	uint64_t gsize = gl_type_size(&in, "runtime.g");
#endif
#if FUZZ_LAYER == FUZZ_HEAP
	uint64_t mheap = gl_symbol(&in, "runtime.mheap_", NULL);
	struct gf allspans = gl_field(&in, "runtime.mheap", "allspans.array");
	struct gf nallspans = gl_field(&in, "runtime.mheap", "allspans.len");
	uint64_t spans = 0, nspans = 0;
	gl_peek_field(prog, mheap, allspans, &spans);
	gl_peek_field(prog, mheap, nallspans, &nspans);
	add_region("mheap_.allspans", spans, 8 * nspans);
	/* An in-use span of small objects with pointers: its mspan and heap bits. */
	for (size_t i = 0; i < go->nspans; i++) {
		const struct hc_go_span *s = &go->spans[i];
		if (s->state == GO_SPAN_INUSE && !(s->spanclass & 1) && s->spanclass >> 1 &&
		    s->elemsize <= 512) {
			add_region("an mspan", s->mspan, gl_type_size(&in, "runtime.mspan"));
			uint64_t bytes = (uint64_t)s->npages * go->page_size;
			add_region("a span's heap bits", s->base + bytes - bytes / 64 - 128, bytes / 64 + 128);
			add_region("a span's objects", s->base, bytes);
			break;
		}
	}
	/* A large object with pointers: its type descriptor. */
	for (size_t i = 0; i < go->nspans; i++) {
		const struct hc_go_span *s = &go->spans[i];
		uint64_t t;
		if (s->state == GO_SPAN_INUSE && s->spanclass == 0 &&
		    gl_peek_field(prog, s->mspan, gl_field(&in, "runtime.mspan", "largeType"), &t) && t) {
			add_region("a type descriptor", t, gl_type_size(&in, "internal/abi.Type"));
			add_region("a large object", s->base, (uint64_t)s->npages * go->page_size);
			break;
		}
	}
	add_region("allgs", allgs, 8 * nallgs);
	add_region("a g", g, gsize);
	add_region("firstmoduledata", gl_symbol(&in, "runtime.firstmoduledata", NULL),
		   gl_type_size(&in, "runtime.moduledata"));
#elif FUZZ_LAYER == FUZZ_STACK
	struct gf lo = gl_field(&in, "runtime.g", "stack.lo"), hi = gl_field(&in, "runtime.g", "stack.hi");
	uint64_t stack_lo = 0, stack_hi = 0;
	gl_peek_field(prog, g, lo, &stack_lo);
	gl_peek_field(prog, g, hi, &stack_hi);
	add_region("a g", g, gsize);
	add_region("its stack", stack_lo, stack_hi > stack_lo ? stack_hi - stack_lo : 0);
#else
	uint64_t md = gl_symbol(&in, "runtime.firstmoduledata", NULL);
	static const char *const tables[][2] = {
		{"ftab.array", "ftab.len"}, {"pclntable.array", "pclntable.len"},
		{"pctab.array", "pctab.len"},
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		uint64_t a = 0, n = 0;
		gl_peek_field(prog, md, gl_field(&in, "runtime.moduledata", tables[i][0]), &a);
		gl_peek_field(prog, md, gl_field(&in, "runtime.moduledata", tables[i][1]), &n);
		add_region(tables[i][0], a, tables[i][0][0] == 'f' ? 8 * n : n);
	}
	uint64_t gofunc = 0;
	gl_peek_field(prog, md, gl_field(&in, "runtime.moduledata", "gofunc"), &gofunc);
	add_region("funcdata", gofunc, 1u << 16);
#endif
	if (in.err || !nregions) {
		fprintf(stderr, "fuzz: no region to fuzz in %s\n", core);
		exit(1);
	}
	/* The intact core's time: the best of three, after a warm-up. */
	analyse();
	sane_seconds = 1e9;
	for (int i = 0; i < 3; i++) {
		double t0 = cpu_seconds();
		analyse();
		if (cpu_seconds() - t0 < sane_seconds)
			sane_seconds = cpu_seconds() - t0;
	}
	return 0;
}

/* Drop every analysis, so that the next one reads the memory afresh. */
static void reset(void)
{
	hc_graph_destroy(prog->graph);
	prog->graph = NULL;
	hc_pcln_destroy(prog->pcln);
	prog->pcln = NULL;
	hc_go_destroy(prog->go);
	prog->go = NULL;
	hc_warnings_deinit(&prog->warnings);
}

static void report(struct hc_error *(*fn)(struct hc_program *, unsigned, size_t, char **))
{
	char *text = NULL;
	struct hc_error *err = fn(prog, HC_REPORT_JSON, 10, &text);
	hc_error_destroy(err);
	hc_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything, from the memory afresh. */
static void analyse(void)
{
	reset();
	char *text = NULL;
	struct hc_error *err = hc_report_stats(prog, HC_REPORT_JSON, &text);
	hc_error_destroy(err);
	hc_free(text);
	report(hc_report_types);
	report(hc_report_roots);
	text = NULL;
	err = hc_report_top(prog, 0, 5, 3, &text);
	hc_error_destroy(err);
	hc_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	struct region *r = &regions[data[0] % nregions];
	uint32_t off;
	memcpy(&off, data + 1, 4);
	off %= r->len;
	size_t n = size - 5 < r->len - off ? size - 5 : r->len - off;
	memcpy(r->mem + off, data + 5, n);
	double t0 = cpu_seconds();
	analyse();
	double t = cpu_seconds() - t0;
	if (t > 10 * sane_seconds + 0.5) {
		fprintf(stderr, "fuzz: the analysis took %.3f s of CPU, the intact core's %.3f s\n", t,
			sane_seconds);
		abort();
	}
	memcpy(r->mem + off, r->saved + off, n);
	return 0;
}
