/*
 * The glibc malloc backend: what a crashed C or C++ program's allocator
 * held.  Detection finds the C library among the core's mapped files and
 * its malloc structures' layout, from libc6-dbg's DWARF (found by the
 * library's GNU build ID under the debug directories) or, when that is not
 * installed, from a table of known builds; then the heap is walked once:
 * every arena (main_arena, then the others through their heap_info
 * chains), every chunk of every heap, top, the mmapped chunks, each
 * thread's tcache, the fastbins and the unsorted, small and large bins.
 * Each chunk comes out exactly free or in use: a chunk in a tcache or a
 * fastbin keeps its in-use bit, and is free all the same.
 */
#ifndef HC_GLIBC_H
#define HC_GLIBC_H

#include "util/internal.h"

struct hc_program;
struct hc_graph;

/* The mallinfo2() fields, as glibc computes them (malloc.c, int_mallinfo). */
struct hc_mallinfo2 {
	uint64_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks,
		fordblks, keepcost;
};

/* Where a chunk is. */
enum hc_glibc_state {
	HC_CHUNK_IN_USE,
	HC_CHUNK_TCACHE,
	HC_CHUNK_FASTBIN,
	HC_CHUNK_UNSORTED,
	HC_CHUNK_SMALLBIN,
	HC_CHUNK_LARGEBIN,
	HC_CHUNK_FREE_UNBINNED, /* the in-use bit says free, no bin holds it */
	HC_CHUNK_MMAPPED,       /* an mmapped chunk (always in use) */
	HC_CHUNK_NSTATES,
};

struct hc_glibc_chunk {
	uint64_t addr; /* the chunk (its header); the user's block is addr + 16 */
	uint64_t size; /* chunksize(): flags masked */
	uint32_t arena; /* index in arenas, UINT32_MAX for mmapped chunks */
	uint8_t state;  /* enum hc_glibc_state */
};

struct hc_glibc_count {
	uint64_t count, bytes;
};

struct hc_glibc_arena {
	uint64_t addr;  /* its struct malloc_state */
	bool main;
	uint64_t heaps; /* sbrk region (main) or heap_info heaps */
	uint64_t top, top_size;
	uint64_t system_mem, max_system_mem;
	struct hc_mallinfo2 mi; /* this arena's share (hblks, hblkhd, usmblks: main's) */
	struct hc_glibc_count by_state[HC_CHUNK_NSTATES];
	uint64_t threads; /* attached threads */
};

struct hc_glibc_tcache {
	int32_t tid;
	uint64_t addr; /* its tcache_perthread_struct */
	uint64_t count, bytes;
};

struct hc_glibc {
	char *libc_path;     /* as the core maps it */
	char build_id[41];
	char *layout_source; /* "DWARF: PATH" or "known layout for build ID ..." */
	uint64_t libc_bias;
	uint64_t main_arena, mp;
	struct hc_glibc_arena *arenas;
	size_t narenas;
	struct hc_glibc_chunk *chunks; /* every chunk, sorted by address (hc_array) */
	size_t nchunks;
	struct hc_glibc_tcache *tcaches;
	size_t ntcaches;
	struct hc_mallinfo2 mi; /* all arenas, as mallinfo2() */
	uint64_t n_mmaps, mmapped_mem; /* mp_'s counts */
	struct hc_glibc_count mmapped_found;
	uint64_t tcache_count; /* mp_.tcache_count */
	struct hc_glibc_count in_use; /* the application's blocks: chunks in use, tcache excluded */
};

/**
 * Whether @p prog's core maps a glibc C library (cheap: no walk).
 */
bool hc_glibc_present(struct hc_program *prog);
/**
 * The glibc heap of @p prog, walked on first use (prog->glibc).  Problems
 * found in the heap (a corrupt chunk, a cyclic list) become warnings naming
 * the structure and address, and the rest is still walked.
 */
struct hc_error *hc_glibc_get(struct hc_program *prog, struct hc_glibc **ret);
void hc_glibc_destroy(struct hc_glibc *gl);
/** The chunk whose user block holds @p addr (interior addresses allowed), or SIZE_MAX. */
size_t hc_glibc_chunk_at(const struct hc_glibc *gl, uint64_t addr);
/**
 * The object graph of the glibc heap (glibc_graph.c): built on first use
 * and kept in prog->graph.
 */
struct hc_error *hc_glibc_graph_get(struct hc_program *prog, struct hc_graph **ret);
/** A state's name: "in use", "tcache", ... */
const char *hc_glibc_state_name(enum hc_glibc_state s);
/** malloc_usable_size() of a chunk. */
static inline uint64_t hc_glibc_usable(const struct hc_glibc_chunk *c)
{
	return c->size - (c->state == HC_CHUNK_MMAPPED ? 16 : 8);
}

#endif /* HC_GLIBC_H */
