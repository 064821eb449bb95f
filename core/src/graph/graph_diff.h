/*
 * What changed between the heaps of two cores: the object graphs' totals by
 * type and by root, and each root's accumulation point, matched by name
 * (see graph_diff.c).
 */
#ifndef HC_GRAPH_DIFF_H
#define HC_GRAPH_DIFF_H

#include "graph/graph.h"

/* One name's totals: a type's objects and bytes, or a root's retained bytes. */
struct hc_graph_total {
	char *name;
	uint64_t count, bytes;
};

/*
 * A root's accumulation point (graph_leaks.h: down the dominator tree to
 * where its retained bytes spread over many children) and the elements
 * accumulated there.  Named by the root and the elements' type; the path
 * is the types of the dominator chain from the root's first object down to
 * the point (a long chain keeps its first and last HC_ACC_PATH_END types
 * around a "…").
 */
#define HC_ACC_PATH_END 4
struct hc_graph_acc_total {
	char *root, *elem_type;
	char *key; /* root and element type, for the index */
	char **path;
	size_t npath;
	uint64_t count, bytes;
};

/* A graph's totals by type and by root name, kept after the graph is gone. */
struct hc_graph_summary {
	struct hc_graph_total *types, *roots;
	size_t ntypes, nroots;
	struct hc_strmap type_index, root_index; /* name -> index */
	struct hc_graph_acc_total *accs;
	size_t naccs;
	struct hc_strmap acc_index; /* key -> index */
};

/** Summarize @p g (types with objects, every root); free with hc_graph_summary_destroy(). */
struct hc_error *hc_graph_summarize(const struct hc_graph *g, struct hc_graph_summary **ret);
void hc_graph_summary_destroy(struct hc_graph_summary *s);

/* One name in either summary: its totals in the old and in the new one. */
struct hc_graph_delta {
	const char *name; /* owned by a summary */
	uint64_t old_count, new_count, old_bytes, new_bytes;
};

static inline int64_t hc_graph_delta_bytes(const struct hc_graph_delta *d)
{
	return (int64_t)(d->new_bytes - d->old_bytes);
}

/**
 * The types (or, with @p roots, the roots) whose totals differ between
 * @p before and @p after, leaving out those whose bytes changed by less than
 * @p threshold; biggest growth first.  *@p ret is malloc'ed for the caller
 * and its names live as long as the summaries.
 */
struct hc_error *hc_graph_summary_diff(const struct hc_graph_summary *before,
				       const struct hc_graph_summary *after, bool roots,
				       uint64_t threshold, struct hc_graph_delta **ret,
				       size_t *ret_count);

/* An accumulation point in either summary (NULL where it has none). */
struct hc_graph_acc_delta {
	const struct hc_graph_acc_total *old, *new;
};

static inline int64_t hc_graph_acc_delta_bytes(const struct hc_graph_acc_delta *d)
{
	return (int64_t)((d->new ? d->new->bytes : 0) - (d->old ? d->old->bytes : 0));
}

static inline int64_t hc_graph_acc_delta_count(const struct hc_graph_acc_delta *d)
{
	return (int64_t)((d->new ? d->new->count : 0) - (d->old ? d->old->count : 0));
}

/**
 * The accumulation points whose elements' count or bytes differ between
 * @p before and @p after (or that only one has), leaving out those whose
 * bytes changed by less than @p threshold; biggest growth first.  *@p ret
 * is malloc'ed for the caller and points into the summaries.
 */
struct hc_error *hc_graph_acc_diff(const struct hc_graph_summary *before,
				   const struct hc_graph_summary *after, uint64_t threshold,
				   struct hc_graph_acc_delta **ret, size_t *ret_count);

#endif /* HC_GRAPH_DIFF_H */
