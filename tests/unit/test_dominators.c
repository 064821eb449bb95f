/*
 * Unit test of the dominator pass (graph/graph.c) on a hand-made graph whose last
 * vertex in depth-first order is also reached by a forward edge from an
 * ancestor, so that its immediate dominator is not its DFS parent:
 *
 *   super-root -> root -> A -> B -> V,   A -> V
 *
 * idom(V) = A, so B retains only itself and A retains A, B and V.  A and V
 * have type T, B type U: T retains what A does (V is under A), U what B does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "util/internal.h"

static void test_forward_edge_to_last_vertex(void **state)
{
	(void)state;
	enum { A, B, V, SUPER, ROOT, N };
	uint32_t edge_start[N + 1] = {0, 2, 3, 3, 4, 5};
	uint32_t edges[] = {B, V, V, ROOT, A};
	/* One object per run, of 8, 16 and 32 bytes. */
	struct hc_graph_run runs[] = {
		{.base = 0x1000, .elemsize = 8, .first = 0, .nslots = 1},
		{.base = 0x2000, .elemsize = 16, .first = 1, .nslots = 1},
		{.base = 0x3000, .elemsize = 32, .first = 2, .nslots = 1},
	};
	struct hc_root roots[1] = {{.name = "root"}};
	struct hc_type_info types[2] = {{.name = "T"}, {.name = "U"}};
	uint32_t type[3] = {0, 1, 0};
	struct hc_graph g = {
		.nobjects = 3,
		.type = type,
		.types = types,
		.ntypes = 2,
		.roots = roots,
		.nroots = 1,
		.nnodes = N,
		.edge_start = edge_start,
		.edges = edges,
		.nedges = 5,
		.runs = runs,
		.nruns = 3,
	};
	assert_null(hc_graph_dominators(&g, NULL));
	assert_int_equal(g.idom[V], A);
	assert_int_equal(g.idom[B], A);
	assert_int_equal(g.idom[A], ROOT);
	assert_int_equal(g.idom[ROOT], SUPER);
	assert_int_equal(g.retained[B], 16);
	assert_int_equal(g.retained[A], 56);
	assert_int_equal(g.retained[ROOT], 56);
	assert_int_equal(g.reachable_objects, 3);
	assert_int_equal(g.reachable_bytes, 56);
	assert_null(hc_graph_tree_totals(&g));
	assert_int_equal(roots[0].dominated, 3);
	assert_int_equal(types[0].count, 2);
	assert_int_equal(types[0].bytes, 40);
	assert_int_equal(types[0].retained, 56);
	assert_int_equal(types[1].retained, 16);
	/* The children lists: A under ROOT, B and V under A. */
	uint32_t *first, *next;
	assert_true(hc_graph_dominator_children(&g, &first, &next));
	assert_int_equal(first[SUPER], ROOT);
	assert_int_equal(first[ROOT], A);
	assert_int_equal(first[A], B);
	assert_int_equal(next[B], V);
	assert_int_equal(next[V], UINT32_MAX);
	assert_int_equal(first[B], UINT32_MAX);
	hc_array_free(first);
	hc_array_free(next);
	hc_array_free(g.idom);
	hc_array_free(g.retained);
}

/*
 * A chain of a million objects under one root, plus one unreachable object:
 * the depth-first search must not need a stack as deep as the chain, and
 * every link retains the rest of the chain.
 */
static void test_long_chain(void **state)
{
	(void)state;
	enum { LEN = 1000000 };
	uint32_t nobj = LEN + 1, super = nobj, root = nobj + 1, n = nobj + 2;
	uint32_t *edge_start = calloc(n + 1, sizeof(uint32_t));
	uint32_t *edges = calloc(n, sizeof(uint32_t));
	assert_non_null(edge_start);
	assert_non_null(edges);
	uint32_t e = 0;
	for (uint32_t v = 0; v < n; v++) {
		edge_start[v] = e;
		if (v + 1 < LEN)
			edges[e++] = v + 1;
		else if (v == super)
			edges[e++] = root;
		else if (v == root)
			edges[e++] = 0;
	}
	edge_start[n] = e;
	struct hc_graph_run run = {.base = 0x10000, .elemsize = 16, .first = 0, .nslots = nobj};
	struct hc_root roots[1] = {{.name = "root"}};
	struct hc_type_info types[1] = {{.name = "T"}};
	uint32_t *type = calloc(nobj, sizeof(uint32_t));
	assert_non_null(type);
	struct hc_graph g = {
		.nobjects = nobj, .nroots = 1, .nnodes = n,
		.roots = roots, .type = type, .types = types, .ntypes = 1,
		.edge_start = edge_start, .edges = edges, .nedges = e,
		.runs = &run, .nruns = 1,
	};
	assert_null(hc_graph_dominators(&g, NULL));
	assert_int_equal(g.retained[root], 16ULL * LEN);
	assert_int_equal(g.retained[0], 16ULL * LEN);
	assert_int_equal(g.retained[LEN - 1], 16);
	assert_int_equal(g.idom[LEN - 1], LEN - 2);
	assert_int_equal(g.idom[LEN], UINT32_MAX); /* the unreachable one */
	assert_int_equal(g.reachable_objects, LEN);
	/* The type walk climbs a million levels back without a stack too. */
	assert_null(hc_graph_tree_totals(&g));
	assert_int_equal(roots[0].dominated, LEN);
	assert_int_equal(types[0].count, LEN + 1);
	assert_int_equal(types[0].retained, 16ULL * LEN);
	free(type);
	free(edge_start);
	free(edges);
	hc_array_free(g.idom);
	hc_array_free(g.retained);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_edge_to_last_vertex),
		cmocka_unit_test(test_long_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
