/*
 * Unit test of the dominator pass (graph.c) on a hand-made graph whose last
 * vertex in depth-first order is also reached by a forward edge from an
 * ancestor, so that its immediate dominator is not its DFS parent:
 *
 *   super-root -> root -> A -> B -> V,   A -> V
 *
 * idom(V) = A, so B retains only itself and A retains A, B and V.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "graph.h"

static void test_forward_edge_to_last_vertex(void **state)
{
	(void)state;
	enum { A, B, V, SUPER, ROOT, N };
	uint64_t edge_start[N + 1] = {0, 2, 3, 3, 4, 5};
	uint32_t edges[] = {B, V, V, ROOT, A};
	uint32_t size[] = {8, 16, 32};
	struct hc_graph g = {
		.nobjects = 3,
		.nroots = 1,
		.nnodes = N,
		.edge_start = edge_start,
		.edges = edges,
		.nedges = 5,
		.size = size,
	};
	assert_null(hc_graph_dominators(&g, NULL));
	assert_int_equal(g.idom[V], A);
	assert_int_equal(g.idom[B], A);
	assert_int_equal(g.idom[A], ROOT);
	assert_int_equal(g.idom[ROOT], SUPER);
	assert_int_equal(g.retained[B], 16);
	assert_int_equal(g.retained[A], 56);
	assert_int_equal(g.retained[ROOT], 56);
	assert_int_equal(g.dominated[A], 3);
	assert_int_equal(g.dominated[B], 1);
	assert_int_equal(g.reachable_objects, 3);
	assert_int_equal(g.reachable_bytes, 56);
	free(g.idom);
	free(g.retained);
	free(g.dominated);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_edge_to_last_vertex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
