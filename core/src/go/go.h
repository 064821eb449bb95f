/*
 * The Go runtime backend: the runtime's layout read from DWARF by name, the
 * heap's spans (from mheap_.allspans) and their object slots, and
 * runtime.MemStats rebuilt the way readmemstats_m computes it.
 */
#ifndef HC_GO_H
#define HC_GO_H

#include "util/internal.h"

struct hc_program;

enum {
	GO_SPAN_DEAD = 0,
	GO_SPAN_INUSE = 1,
	GO_SPAN_MANUAL = 2,
};

/* One span, compactly (heaps of tens of millions of objects have ~1e5 spans). */
struct hc_go_span {
	uint64_t base;
	uint64_t mspan;        /* address of the runtime's mspan struct */
	uint64_t elemsize;
	uint64_t alloc_bits;   /* address of allocBits */
	uint32_t npages;
	uint32_t sweepgen;
	uint16_t nelems;
	uint16_t freeindex;
	uint16_t alloc_count;
	uint16_t alloc_count_before_cache;
	uint8_t spanclass;
	uint8_t state;
};

/* Per size class figures from the span walk (class 0 = large objects). */
struct hc_go_class_walk {
	uint64_t spans, objects, bytes_inuse, bytes_free;
};

struct go_layout;

struct hc_go {
	struct go_layout *layout;
	struct hc_go_span *spans; /* in-use and manual spans, sorted by base */
	size_t nspans;
	uint64_t page_size;
	uint64_t nclasses;        /* size classes, class 0 included (68) */
	uint16_t *class_to_size;
	uint8_t *class_to_npages;
	unsigned minor;           /* 26 for go1.26.x */
	bool greentea;
	/* Span index per page from page_lo (UINT32_MAX: none), when not too sparse. */
	uint32_t *page_span;
	uint64_t page_lo, npage_span;
	/* The span walk's totals. */
	uint64_t walk_heap_inuse, walk_heap_objects, walk_heap_alloc;
	uint64_t walk_manual;
	uint64_t walk_skipped; /* spans the walk could not read or use (damage, named) */
	struct hc_go_class_walk *by_class;
	struct hc_memstats *memstats; /* computed on demand */
};

struct hc_graph;

/**
 * Read runtime.buildVersion into prog->go_version (left NULL, with a
 * warning where the variable exists but cannot be read).
 */
void hc_go_read_version(struct hc_program *prog);

/** Build (once) the Go heap state of a program. */
struct hc_error *hc_go_get(struct hc_program *prog, struct hc_go **ret);
void hc_go_destroy(struct hc_go *go);
/** Index in go->spans of the span containing @p addr, or SIZE_MAX. */
size_t hc_go_span_index(const struct hc_go *go, uint64_t addr);
/** Whether slot @p i of span @p s is allocated (checked against bounds by the caller). */
bool hc_go_slot_allocated(const struct hc_go_span *s, const uint8_t *bits, uint32_t i);

/**
 * The object graph of the Go heap (graph/graph.h), built on first use:
 * every allocated object, its pointers, the named roots, the dominator tree
 * and retained sizes, types.  Owned by the program.
 */
struct hc_error *hc_graph_get(struct hc_program *prog, struct hc_graph **ret);

/**
 * The graph saved in the cache for this program (go_cache.c), with its
 * warnings as the program's graph warnings; false when there is none that
 * fits.
 */
bool hc_go_graph_cached(struct hc_program *prog, struct hc_graph **ret);
/**
 * Save @p g in the cache with the program's graph warnings, unless they are
 * transient (memory ran out while building it).
 */
void hc_go_graph_save(struct hc_program *prog, const struct hc_graph *g);

#endif /* HC_GO_H */
