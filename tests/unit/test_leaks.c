/*
 * Unit test of the goroutine leak detector's fixed point and the bytes
 * only leaked groups keep (graph/graph_leaks.c) on a hand-made graph:
 *
 *   global R0 -> sudog S -(cut)-> C1      W1 waits on C1: leaked (the
 *                                         sudog's channel pointer is not
 *                                         followed)
 *   global R2 -> C2                       W2 waits on C2: runs again
 *   W2's stack -> C3                      W3 waits on C3: runs again once
 *                                         W2 does (the fixed point)
 *   W4's stack -> C5, W5's stack -> C4    W4 waits on C4, W5 on C5: each
 *                                         holds the other's, both leaked
 *   W6 waits on nothing (select {})       leaked
 *   W1's stack -> BUF1, SH; W6's -> BUF6, SH
 *
 * Groups: {W1}, {W4, W5}, {W6}, {W2, W3}.  Each object has its own size,
 * so that what each group retains says which objects it counted: BUF1
 * for W1 (SH is shared with W6), C4 + C5 for W4 and W5, BUF6 for W6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "graph/graph_leaks.h"
#include "util/internal.h"

static void test_fixed_point_and_retained(void **state)
{
	(void)state;
	enum { S, C1, BUF1, C2, C3, C4, C5, SH, BUF6, SUPER, R0, R1, R2, R3, R4, R5, R6, R7, N };
	uint32_t edge_start[N + 1] = {
		[S] = 0, [C1] = 1, [BUF1] = 1, [C2] = 1, [C3] = 1, [C4] = 1, [C5] = 1, [SH] = 1,
		[BUF6] = 1, [SUPER] = 1, [R0] = 9, [R1] = 10, [R2] = 12, [R3] = 13, [R4] = 14,
		[R5] = 14, [R6] = 15, [R7] = 16, [N] = 18,
	};
	uint32_t edges[] = {C1, R0, R1, R2, R3, R4, R5, R6, R7, S, BUF1, SH, C2, C3, C5, C4,
			    BUF6, SH};
	struct hc_graph_run runs[SUPER];
	for (uint32_t i = 0; i < SUPER; i++)
		runs[i] = (struct hc_graph_run){.base = 0x10000 * (i + 1), .elemsize = 8u << i,
						.first = i, .nslots = 1};
	struct hc_root roots[8] = {
		{.name = "R0", .kind = HC_ROOT_GLOBAL, .goroutine = -1},
		{.name = "R1", .kind = HC_ROOT_GOROUTINE, .goroutine = 1},
		{.name = "R2", .kind = HC_ROOT_GLOBAL, .goroutine = -1},
		{.name = "R3", .kind = HC_ROOT_GOROUTINE, .goroutine = 2},
		{.name = "R4", .kind = HC_ROOT_GOROUTINE, .goroutine = 3},
		{.name = "R5", .kind = HC_ROOT_GOROUTINE, .goroutine = 4},
		{.name = "R6", .kind = HC_ROOT_GOROUTINE, .goroutine = 5},
		{.name = "R7", .kind = HC_ROOT_GOROUTINE, .goroutine = 6},
	};
	struct hc_graph g = {
		.nobjects = SUPER,
		.roots = roots,
		.nroots = 8,
		.nnodes = N,
		.edge_start = edge_start,
		.edges = edges,
		.nedges = 18,
		.runs = runs,
		.nruns = SUPER,
	};
	uint32_t wake[] = {C1, C2, C3, C4, C5};
	struct hc_graph_waiter w[] = {
		{.owner = 1, .first_wake = 0, .nwake = 1, .group = 0},
		{.owner = 2, .first_wake = 1, .nwake = 1, .group = 3},
		{.owner = 3, .first_wake = 2, .nwake = 1, .group = 3},
		{.owner = 4, .first_wake = 3, .nwake = 1, .group = 1},
		{.owner = 5, .first_wake = 4, .nwake = 1, .group = 1},
		{.owner = 6, .always = true, .group = 2},
	};
	struct hc_graph_cut cuts[] = {{S, C1}};
	uint64_t retained[4], objects[4];
	assert_null(hc_graph_leaks(&g, w, 6, wake, cuts, 1, retained, objects, 4));
	assert_true(w[0].leaked);
	assert_false(w[1].leaked);
	assert_false(w[2].leaked);
	assert_true(w[3].leaked);
	assert_true(w[4].leaked);
	assert_true(w[5].leaked);
	assert_int_equal(retained[0], 8u << BUF1);
	assert_int_equal(objects[0], 1);
	assert_int_equal(retained[1], (8u << C4) + (8u << C5));
	assert_int_equal(objects[1], 2);
	assert_int_equal(retained[2], 8u << BUF6);
	assert_int_equal(retained[3], 0);
	/* Without the cut, the global's sudog reaches C1: W1 runs again. */
	assert_null(hc_graph_leaks(&g, w, 6, wake, cuts, 0, NULL, NULL, 0));
	assert_false(w[0].leaked);
	/* A wake object outside the heap is always reachable. */
	wake[3] = HC_GRAPH_OUTSIDE;
	assert_null(hc_graph_leaks(&g, w, 6, wake, cuts, 1, NULL, NULL, 0));
	assert_false(w[3].leaked);
	assert_false(w[4].leaked); /* W4 runs, and its stack reaches C5 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_point_and_retained),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
