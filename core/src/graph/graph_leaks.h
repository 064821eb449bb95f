/*
 * Leaked waiters: Go 1.26's goroutine leak detector (runtime/mgc.go:
 * findMaybeRunnableGoroutines, findGoroutineLeaks) on the object graph,
 * in terms any runtime could use.  A waiter owns some roots (a goroutine's
 * stack frames) and waits for one of a few objects (its channels, its
 * sync object); it may run again if one of them is reachable from the
 * roots of everything that may run.  Marking starts from every root but
 * the waiters', without the edges a waiter's bookkeeping adds (a sudog's
 * channel and object); a waiter whose object got marked may run, and its
 * roots are marked in turn, to a fixed point.  The waiters left are
 * leaked.
 */
#ifndef HC_GRAPH_LEAKS_H
#define HC_GRAPH_LEAKS_H

#include "graph/graph.h"

/* A wake object outside the heap: always reachable. */
#define HC_GRAPH_OUTSIDE UINT32_MAX

struct hc_graph_waiter {
	int64_t owner;            /* its roots are those whose goroutine is this */
	size_t first_wake, nwake; /* its objects: wake[first_wake .. + nwake) */
	bool always;              /* it never runs again (no object can wake it) */
	bool leaked;              /* out */
	uint32_t group;           /* in, for hc_graph_leak_retained: its group, or UINT32_MAX */
};

/* An edge marking does not follow (the object @p from's pointer to @p to). */
struct hc_graph_cut {
	uint32_t from, to;
};

/**
 * Mark which of the @p nw waiters @p w are leaked (each one's leaked), and
 * with @p retained (an array of @p ngroups, or NULL) the heap bytes that
 * only the leaked waiters of each group keep alive (their roots reach
 * them; neither the roots of everything that may run nor another group's
 * do), and @p objects how many objects that is.  @p cuts are not followed.
 */
struct hc_error *hc_graph_leaks(const struct hc_graph *g, struct hc_graph_waiter *w, size_t nw,
				const uint32_t *wake, const struct hc_graph_cut *cuts, size_t ncuts,
				uint64_t *retained, uint64_t *objects, size_t ngroups);


/*
 * A leak suspect's accumulation point (Eclipse MAT): from node @p from,
 * down the dominator tree while one child retains at least 80% of its
 * parent, to the object where the retained bytes spread over many
 * children; and the elements accumulated there: the type whose topmost
 * objects in its dominator subtree (none of the same type above them)
 * are the most numerous among those retaining at least half of it.
 */
struct hc_graph_accumulation {
	uint32_t point;      /* an object id, or UINT32_MAX when @p from has no objects under it */
	uint32_t elem_type;  /* index into g->types, or UINT32_MAX */
	uint64_t count, bytes;
};

/** See struct hc_graph_accumulation; @p first and @p next from hc_graph_dominator_children(). */
struct hc_error *hc_graph_accumulation(const struct hc_graph *g, const uint32_t *first,
				       const uint32_t *next, uint32_t from,
				       struct hc_graph_accumulation *ret);
/*
 * The same for many nodes of one graph: a workspace sized for @p g once
 * (hc_graph_acc_work_destroy() frees it), after which each call costs the
 * walk of the node's subtree only.
 */
struct hc_graph_acc_work;
struct hc_error *hc_graph_acc_work_create(const struct hc_graph *g,
					  struct hc_graph_acc_work **ret);
void hc_graph_acc_work_destroy(struct hc_graph_acc_work *w);
void hc_graph_accumulation_with(const struct hc_graph *g, const uint32_t *first,
				const uint32_t *next, uint32_t from, struct hc_graph_acc_work *w,
				struct hc_graph_accumulation *ret);
/**
 * The shortest path from node @p from to node @p to (both included) in
 * *@p ret (hc_array_free()), its length in *@p n; NOT_FOUND if none.
 */
struct hc_error *hc_graph_path_between(const struct hc_graph *g, uint32_t from, uint32_t to,
				       uint32_t **ret, size_t *n);

#endif /* HC_GRAPH_LEAKS_H */
