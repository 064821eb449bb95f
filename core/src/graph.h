/*
 * The object graph: every allocated heap object numbered densely, its
 * outgoing pointers in compact arrays (CSR), the named roots, and the
 * dominator tree with the retained size of every object, root and type.
 * Allocator-neutral: a backend (the Go heap now, glibc malloc later) fills
 * objects, pointers and roots; this module never knows which one did.
 */
#ifndef HC_GRAPH_H
#define HC_GRAPH_H

#include "internal.h"

struct hc_program;

enum hc_root_kind {
	HC_ROOT_GLOBAL,
	HC_ROOT_GOROUTINE,
	HC_ROOT_THREAD,
	HC_ROOT_OTHER,
};

struct hc_root {
	char *name;
	enum hc_root_kind kind;
	uint32_t *targets; /* object ids, freed after the CSR is built */
	size_t ntargets, cap;
};

struct hc_type_info {
	uint64_t rtype;  /* the runtime's type descriptor, 0 if none */
	bool untyped;    /* a group "untyped, size class c" */
	char *name;
	uint64_t count, bytes, retained;
};

struct hc_graph {
	/* Objects, ordered by address: ids 0..nobjects-1. */
	uint32_t nobjects;
	uint64_t *addr;
	uint32_t *size;
	uint32_t *type; /* index into types */
	/* Roots: node ids nobjects + 1 + i; the super-root is node nobjects. */
	struct hc_root *roots;
	uint32_t nroots;
	/* Edges: successors of node v are edges[edge_start[v] .. edge_start[v+1]). */
	uint32_t nnodes;
	uint64_t *edge_start;
	uint32_t *edges;
	uint64_t nedges;
	/* Dominator tree. */
	uint32_t *idom;     /* UINT32_MAX where unreachable */
	uint64_t *retained; /* per node */
	uint32_t *dominated; /* per node: objects it dominates (an object counts itself) */
	uint64_t reachable_objects, reachable_bytes;
	/* Types (index 0.. ntypes-1), untyped groups included. */
	struct hc_type_info *types;
	uint32_t ntypes;
	/* Address lookup: per span of the Go heap, its first object id. */
	uint32_t *span_first;
	uint64_t *allocmap;   /* allocated-slot bits, per span from bits_off */
	uint64_t *bits_off;
	bool conservative_notice; /* a type's pointer mask was unavailable */
};

struct hc_error *hc_graph_get(struct hc_program *prog, struct hc_graph **ret);
void hc_graph_destroy(struct hc_graph *g);
/** The object containing @p addr (interior addresses allowed), or UINT32_MAX. */
uint32_t hc_graph_find(struct hc_program *prog, const struct hc_graph *g,
		       uint64_t addr);
/**
 * Compute idom, retained and dominated for every node from nnodes,
 * edge_start, edges and size (node nobjects is the super-root); progress
 * goes to @p prog when it is not NULL.
 */
struct hc_error *hc_graph_dominators(struct hc_graph *g, struct hc_program *prog);
/**
 * The dominator tree's children lists: the children of node v are
 * child[start[v] .. start[v+1]).  Both arrays are malloc'ed for the caller.
 */
bool hc_graph_dominator_children(const struct hc_graph *g, uint64_t **start,
				 uint32_t **child);
/** The node id of object @p obj / root @p r. */
static inline uint32_t hc_graph_root_node(const struct hc_graph *g, uint32_t r)
{
	return g->nobjects + 1 + r;
}

#endif /* HC_GRAPH_H */
