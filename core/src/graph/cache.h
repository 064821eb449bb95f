/*
 * A built graph saved to a file and mapped back (cache.c): the second
 * question about a core costs a file mapping and a check instead of the
 * whole analysis.
 */
#ifndef HC_GRAPH_CACHE_H
#define HC_GRAPH_CACHE_H

#include "graph/graph.h"

/**
 * Save @p g to @p path (written beside it under another name, then renamed,
 * so a reader never sees half a file), tagged with @p key (what the graph
 * was computed from: the reader must present the same) and carrying
 * @p extra (the analysis' other results, e.g. its warnings).
 */
struct hc_error *hc_graph_cache_write(const struct hc_graph *g, const char *path, const char *key,
				      const void *extra, size_t extra_len);

/**
 * Map the graph saved at @p path, if it was saved under @p key (NULL:
 * any, for tests) and is intact: the header, a checksum of everything, and every index checked
 * against what it indexes.  Its arrays stay in the mapping until
 * hc_graph_destroy().  *@p extra points into the mapping.  HC_ERROR_NOT_FOUND
 * when there is no such file or it holds another key; HC_ERROR_BAD_DATA when
 * it is damaged.  run_at is left for the caller to set.
 */
struct hc_error *hc_graph_cache_read(const char *path, const char *key, struct hc_graph **ret,
				     const void **extra, size_t *extra_len);

/** Free a graph hc_graph_cache_read() made (hc_graph_destroy() calls it). */
void hc_graph_cache_free(struct hc_graph *g);

#endif /* HC_GRAPH_CACHE_H */
