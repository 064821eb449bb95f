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

#endif /* HC_GRAPH_LEAKS_H */
