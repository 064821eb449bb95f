/*
 * Fuzz the generic graph: an arbitrary graph (up to 64 objects of varied
 * sizes and types, up to 4 roots, any edges, duplicates and self-loops
 * included) through the semi-NCA dominator pass, the children lists and
 * the type totals, checked against the definition: v's immediate dominator
 * is the one dominator of v that every other dominator of v dominates,
 * where d dominates v when v is unreachable from the super-root with d
 * removed.  Retained sizes are checked as the sum of what each object
 * dominates, type totals by brute force.
 *
 * Input: [nobj][nroots][ntypes] then pairs (from, to) of edges, each byte
 * taken modulo the node count; object sizes and types derive from the id.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

#define MAXN 72

/* Reachable from the super-root @p top without passing @p cut. */
static void reach(const struct hc_graph *g, uint32_t top, uint32_t cut, bool *seen)
{
	uint32_t stack[MAXN * MAXN], n = 0;
	memset(seen, 0, MAXN);
	if (top == cut)
		return;
	seen[top] = true;
	stack[n++] = top;
	while (n) {
		uint32_t v = stack[--n];
		for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w != cut && !seen[w]) {
				seen[w] = true;
				stack[n++] = w;
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint32_t nobj = data[0] % 64 + 1, nroots = data[1] % 4 + 1, ntypes = data[2] % 4 + 1;
	uint32_t top = nobj, n = nobj + 1 + nroots;
	data += 3;
	size -= 3;
	/* Edges grouped by source (CSR); the super-root points to every root. */
	uint32_t count[MAXN] = {0};
	size_t npairs = size / 2 > 512 ? 512 : size / 2;
	for (size_t i = 0; i < npairs; i++) {
		uint32_t from = data[2 * i] % n, to = data[2 * i + 1] % n;
		if (from != top && to != top && to < nobj + 1 + nroots)
			count[from]++;
	}
	count[top] = nroots;
	uint32_t edge_start[MAXN + 1], edges[600], fill[MAXN];
	uint32_t e = 0;
	for (uint32_t v = 0; v < n; v++) {
		edge_start[v] = fill[v] = e;
		e += count[v];
	}
	edge_start[n] = e;
	for (uint32_t r = 0; r < nroots; r++)
		edges[fill[top]++] = hc_graph_root_node(&(struct hc_graph){.nobjects = nobj}, r);
	for (size_t i = 0; i < npairs; i++) {
		uint32_t from = data[2 * i] % n, to = data[2 * i + 1] % n;
		if (from != top && to != top)
			edges[fill[from]++] = to;
	}
	/* Objects in runs of one, sizes 8..64, types by id. */
	struct hc_graph_run runs[64];
	uint32_t type[64];
	for (uint32_t v = 0; v < nobj; v++) {
		runs[v] = (struct hc_graph_run){.base = 0x10000 + 0x100 * v, .elemsize = 8 + 8 * (v % 8),
						.first = v, .nslots = 1};
		type[v] = v % ntypes;
	}
	struct hc_root roots[4];
	memset(roots, 0, sizeof(roots));
	struct hc_type_info types[4];
	memset(types, 0, sizeof(types));
	struct hc_graph g = {
		.nobjects = nobj, .type = type, .types = types, .ntypes = ntypes,
		.runs = runs, .nruns = nobj, .roots = roots, .nroots = nroots,
		.nnodes = n, .edge_start = edge_start, .edges = edges, .nedges = e,
	};
	if (hc_graph_dominators(&g, NULL))
		abort(); /* only out of memory could fail here */
	/* The definition, by brute force. */
	bool seen[MAXN], dom[MAXN][MAXN];
	reach(&g, top, UINT32_MAX, seen);
	bool reachable[MAXN];
	memcpy(reachable, seen, sizeof(seen));
	for (uint32_t d = 0; d < n; d++) {
		reach(&g, top, d, seen);
		for (uint32_t v = 0; v < n; v++)
			dom[d][v] = reachable[v] && (d == v || !seen[v]);
	}
	uint64_t retained_sum = 0;
	for (uint32_t v = 0; v < n; v++) {
		if (v == top)
			continue;
		if (!reachable[v]) {
			if (g.idom[v] != UINT32_MAX)
				abort();
			continue;
		}
		/* The immediate dominator: a strict dominator that all others dominate. */
		uint32_t id = g.idom[v];
		if (id >= n || id == v || !dom[id][v])
			abort();
		for (uint32_t d = 0; d < n; d++)
			if (d != v && dom[d][v] && !dom[d][id])
				abort();
		/* Retained: the sizes of the objects v dominates. */
		uint64_t want = 0;
		for (uint32_t w = 0; w < nobj; w++)
			if (dom[v][w])
				want += runs[w].elemsize;
		if (g.retained[v] != want)
			abort();
		if (v < nobj)
			retained_sum += runs[v].elemsize;
	}
	if (g.reachable_bytes != retained_sum)
		abort();
	if (hc_graph_tree_totals(&g))
		abort();
	/* A type retains what no other object of its type dominates above it. */
	for (uint32_t t = 0; t < ntypes; t++) {
		uint64_t want = 0, cnt = 0;
		for (uint32_t v = 0; v < nobj; v++) {
			if (type[v] != t)
				continue;
			cnt++;
			if (!reachable[v])
				continue;
			bool top_of_type = true;
			for (uint32_t w = 0; w < nobj && top_of_type; w++)
				if (w != v && type[w] == t && dom[w][v])
					top_of_type = false;
			if (top_of_type)
				want += g.retained[v];
		}
		if (types[t].count != cnt || types[t].retained != want)
			abort();
	}
	hc_array_free(g.idom);
	hc_array_free(g.retained);
	return 0;
}
