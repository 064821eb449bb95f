/*
 * Fuzz the analysis cache's reader (graph/cache.c): a cache file is the
 * output of an earlier run, but a disk, a crash or a person may have
 * damaged it, and it must be refused cleanly rather than trusted.  Seeds:
 * cache files of fixture cores (run makes them).  Whatever is accepted is
 * walked as a report would walk it.
 */
#include "fuzz_common.h"
#include <string.h>

#include "graph/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	struct hc_graph *g = NULL;
	const void *extra;
	size_t extra_len;
	struct hc_error *err = hc_graph_cache_read(path, NULL, &g, &extra, &extra_len);
	if (!err) {
		volatile uint64_t sink = 0;
		for (uint32_t v = 0; v < g->nobjects; v += 1 + v / 8)
			sink += hc_graph_addr(g, v) + hc_graph_size(g, v) + g->type[v];
		for (uint32_t t = 0; t < g->ntypes; t++)
			sink += strlen(g->types[t].name);
		for (uint32_t r = 0; r < g->nroots; r++)
			sink += strlen(g->roots[r].name) + g->edge_start[hc_graph_root_node(g, r)];
		uint32_t *first, *next;
		if (hc_graph_dominator_children(g, &first, &next)) {
			hc_array_free(first);
			hc_array_free(next);
		}
		(void)sink;
		hc_graph_destroy(g);
	} else {
		hc_error_destroy(err);
	}
	close(fd);
	return 0;
}
