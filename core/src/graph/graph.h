/*
 * The object graph: every allocated heap object numbered densely, its
 * outgoing pointers in compact arrays (CSR), the named roots, and the
 * dominator tree with the retained size of every object, root and type.
 * Allocator-neutral: a backend (the Go heap now, glibc malloc later) fills
 * objects, pointers and roots; this module never knows which one did.
 */
#ifndef HC_GRAPH_H
#define HC_GRAPH_H

#include "util/internal.h"

enum hc_root_kind {
	HC_ROOT_GLOBAL,
	HC_ROOT_GOROUTINE,
	HC_ROOT_THREAD,
	HC_ROOT_OTHER,
};

struct hc_root {
	char *name;
	const char *symbol; /* a global's variable (owned by the executable), or NULL */
	enum hc_root_kind kind;
	uint32_t *targets; /* object ids, freed after the CSR is built */
	size_t ntargets, cap;
	uint64_t dominated; /* objects it dominates */
	bool conservative;  /* its words were scanned without a pointer map */
	/* A goroutine stack root: the goroutine, the frame's function (owned by
	 * the pclntab) and the variable ("local buf"), or -1 / NULL. */
	int64_t goroutine;
	const char *function;
	char *slot;
};

/*
 * A global the roots lie in: a variable of .data or .bss (from the symbol
 * table or DWARF), or static data one points to, which is named by the
 * pointing word (its roots "main.orders.entries", itself "*main.orders").
 */
struct hc_graph_global {
	const char *name;    /* owned by the executable, or (owned) by the graph */
	uint64_t addr, size; /* where it lies */
	uint64_t type;       /* its DWARF type's DIE offset (each element's if esize), or 0 */
	uint64_t esize;      /* static data behind a slice: an array of esize-byte elements */
	const char *section; /* "data" or "bss" */
	bool is_static;      /* static data, named by the word pointing to it */
	bool owned;          /* name is the graph's */
	bool rooted;         /* a root word lies in it */
};

struct hc_type_info {
	uint64_t rtype;  /* the runtime's type descriptor, 0 if none */
	bool untyped;    /* a group "untyped, size class c" */
	char *name;
	uint64_t count, bytes, retained;
};

/*
 * Objects come in runs of equal slots (a Go span): the run's allocated slots,
 * in address order, are objects first .. (the next run's first) - 1.  An
 * object's address and size follow from its run, so that no per-object
 * array holds them.
 */
struct hc_graph_run {
	uint64_t base;
	uint64_t elemsize;
	uint64_t bits_off; /* the slots' allocated bits start at allocmap[bits_off] */
	uint32_t first;    /* id of the run's first object */
	uint32_t nslots;
	bool header;       /* each object starts with an 8-byte malloc header */
};

struct hc_graph {
	/* Objects, ordered by address: ids 0..nobjects-1. */
	uint32_t nobjects;
	uint32_t *type; /* index into types */
	struct hc_graph_run *runs;
	size_t nruns;
	/* The index of the run whose slots hold @p addr, or SIZE_MAX: the
	 * backend's address index (Go: its page-to-span table). */
	size_t (*run_at)(const void *arg, uint64_t addr);
	const void *run_at_arg;
	uint64_t *allocmap; /* allocated-slot bits of every run */
	uint16_t *rank;     /* per allocmap word: set bits before it in its run */
	/* Globals, sorted by address and disjoint. */
	struct hc_graph_global *globals;
	size_t nglobals;
	/* Roots: node ids nobjects + 1 + i; the super-root is node nobjects. */
	struct hc_root *roots;
	uint32_t nroots;
	/* Edges: successors of node v are edges[edge_start[v] .. edge_start[v+1]). */
	uint32_t nnodes;
	uint32_t *edge_start;
	uint32_t *edges;
	uint64_t nedges;
	/* Dominator tree. */
	uint32_t *idom;     /* UINT32_MAX where unreachable */
	uint64_t *retained; /* per node */
	uint64_t reachable_objects, reachable_bytes;
	/* Types (index 0.. ntypes-1), untyped groups included. */
	struct hc_type_info *types;
	uint32_t ntypes;
	bool conservative_notice; /* a type's pointer mask was unavailable */
	/* Read from a cache file (cache.h): the big arrays and every string
	 * lie in this mapping, which hc_graph_destroy() unmaps. */
	void *cache_map;
	size_t cache_len;
};

void hc_graph_destroy(struct hc_graph *g);
/** The object containing @p addr (interior addresses allowed), or UINT32_MAX. */
uint32_t hc_graph_find(const struct hc_graph *g, uint64_t addr);
/** Like hc_graph_find(), and where the object starts and which run holds it. */
uint32_t hc_graph_locate(const struct hc_graph *g,
			 uint64_t addr, uint64_t *start, const struct hc_graph_run **run);
/** The global (variable or static data) holding @p addr, or NULL. */
const struct hc_graph_global *hc_graph_global_at(const struct hc_graph *g, uint64_t addr);
/** The run holding object @p v. */
const struct hc_graph_run *hc_graph_run_of(const struct hc_graph *g, uint32_t v);
/** Object @p v's address (a search of its run's bits: not for hot loops). */
uint64_t hc_graph_addr(const struct hc_graph *g, uint32_t v);
static inline uint64_t hc_graph_size(const struct hc_graph *g, uint32_t v)
{
	return hc_graph_run_of(g, v)->elemsize;
}
/** Objects of run @p r: ids first .. hc_graph_run_end(g, r) - 1. */
static inline uint32_t hc_graph_run_end(const struct hc_graph *g, size_t r)
{
	return r + 1 < g->nruns ? g->runs[r + 1].first : g->nobjects;
}
/**
 * Compute idom and retained for every node from nnodes,
 * edge_start, edges and size (node nobjects is the super-root); progress
 * goes to @p prog when it is not NULL.
 */
struct hc_error *hc_graph_dominators(struct hc_graph *g, struct hc_progress *prog);
/**
 * The dominator tree's children lists: node v's first child is first[v],
 * each child's next sibling next[child], UINT32_MAX ending both; children in
 * increasing id order.  Both arrays are hc_array_new()'ed for the caller.
 */
/**
 * From the dominator tree: every type's count, bytes and retained size (MAT's
 * definition) and every root's dominated object count.
 */
struct hc_error *hc_graph_tree_totals(struct hc_graph *g);
bool hc_graph_dominator_children(const struct hc_graph *g, uint32_t **first,
				 uint32_t **next);
/*
 * Why a reachable object has no type, from what points to it, the first
 * that applies in this order: typing reaches it only through what it was
 * given (a typed object's word its type does not describe, a root's), or
 * nothing typed points to it at all.
 */
enum hc_untyped_why {
	HC_UNTYPED_FIELD,         /* a typed object's word its type does not describe */
	HC_UNTYPED_GLOBAL,        /* a global whose DWARF type does not say */
	HC_UNTYPED_LOCAL,         /* a named local whose DWARF type does not say */
	HC_UNTYPED_GLOBAL_WORD,   /* a global word no variable covers */
	HC_UNTYPED_STACK_WORD,    /* a stack word no variable names */
	HC_UNTYPED_CONSERVATIVE,  /* a stack scanned conservatively */
	HC_UNTYPED_RUNTIME,       /* finalizers, cleanups, weak handles, their queues */
	HC_UNTYPED_REGISTERS,     /* thread registers */
	HC_UNTYPED_UNTYPED,       /* other untyped objects only */
	HC_UNTYPED_NREASONS,
};

struct hc_untyped_total {
	uint64_t objects, bytes;
};

/**
 * The reachable untyped objects and bytes of @p g by why they are untyped
 * (needs the dominator tree).  False when out of memory.
 */
bool hc_graph_untyped_why(const struct hc_graph *g,
			  struct hc_untyped_total ret[HC_UNTYPED_NREASONS]);
/** A short key ("typed_field") and a sentence for reason @p why. */
const char *hc_untyped_why_key(enum hc_untyped_why why);
const char *hc_untyped_why_text(enum hc_untyped_why why);
/** The node id of object @p obj / root @p r. */
static inline uint32_t hc_graph_root_node(const struct hc_graph *g, uint32_t r)
{
	return g->nobjects + 1 + r;
}

#endif /* HC_GRAPH_H */
