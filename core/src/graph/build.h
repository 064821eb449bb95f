/*
 * Building an object graph: what the generic graph does, and what it asks of
 * the runtime backend that knows the heap (the Go runtime's now, glibc
 * malloc's next).  The backend numbers the objects into runs, scans shares
 * of them for pointers (on several threads), names the roots and, beside
 * the dominator pass, types what it can; the graph does the rest: edge
 * arrays, threads, the super-root, dominators, retained sizes and totals.
 */
#ifndef HC_GRAPH_BUILD_H
#define HC_GRAPH_BUILD_H

#include "graph/graph.h"

/* A growing array of edges: one per scanning thread, then the graph's. */
struct hc_edge_buf {
	uint32_t *e;
	uint64_t n, cap;
	bool limit; /* more than 2^32 edges */
};

/** Append an edge; false when out of memory or past 2^32 edges. */
bool hc_edge_push(struct hc_edge_buf *eb, uint32_t target);
/** Why hc_edge_push() failed. */
struct hc_error *hc_edge_error(const struct hc_edge_buf *eb);

struct hc_graph_builder;

/* What a runtime backend does to build its heap's graph. */
struct hc_graph_backend {
	/*
	 * Number the objects: g->runs (with run_at), allocmap, rank, nobjects,
	 * and each object's first type in g->type (hc_graph_add_type()).
	 */
	struct hc_error *(*number)(struct hc_graph_builder *gb);
	/*
	 * Scan the objects of runs [r0, r1) in order: for each object v set
	 * g->edge_start[v] to eb->n and push its pointers (hc_graph_find()
	 * turns a word into a target; an object never points to itself here).
	 * Shares run on several threads at once, each with its own @p eb;
	 * @p report: this share reports progress.
	 */
	struct hc_error *(*scan)(struct hc_graph_builder *gb, size_t r0, size_t r1,
				 struct hc_edge_buf *eb, bool report);
	/* Name the roots and what each holds (hc_graph_root(), hc_graph_root_add()). */
	struct hc_error *(*roots)(struct hc_graph_builder *gb);
	/*
	 * Give untyped objects types, or NULL.  It runs beside the dominator
	 * pass and may touch only g->types and g->type; a failure it cannot
	 * recover from is returned (and then the whole build fails).
	 */
	struct hc_error *(*types)(struct hc_graph_builder *gb, bool report_progress);
};

struct hc_graph_builder {
	const struct hc_graph_backend *backend;
	void *ctx;                    /* the backend's own state */
	struct hc_graph *g;
	struct hc_progress *progress;
	size_t threads;               /* at most this many (0: as many as pays) */
	/* The builder's own. */
	struct hc_edge_buf eb;
	struct hc_strmap root_index;  /* root name -> index */
	size_t cap_roots, cap_types;
};

/**
 * Build the graph of @p backend's heap (its state @p ctx): objects,
 * pointers, roots, the dominator tree with retained sizes, and the totals.
 * On success *@p ret is the caller's (hc_graph_destroy()).
 */
struct hc_error *hc_graph_build(const struct hc_graph_backend *backend, void *ctx,
				size_t threads, struct hc_progress *progress,
				struct hc_graph **ret);

/**
 * The root named @p name, created on first use: its index in g->roots, or
 * UINT32_MAX when out of memory.  The array grows as roots are added, so
 * keep indices across calls, never pointers into it.
 */
uint32_t hc_graph_root(struct hc_graph_builder *gb, const char *name, enum hc_root_kind kind);
/** Add object @p target to root @p r's targets; false when out of memory. */
bool hc_graph_root_add(struct hc_graph_builder *gb, uint32_t r, uint32_t target);
/**
 * Append a type named @p name (taken over; sanitized) for runtime type
 * @p rtype to the graph's table: its id, or UINT32_MAX when out of memory
 * (and then @p name is freed).
 */
uint32_t hc_graph_add_type(struct hc_graph_builder *gb, uint64_t rtype, char *name);

#endif /* HC_GRAPH_BUILD_H */
