/*
 * Unit test of the accumulation points' diff (graph/graph_diff.c) on two
 * hand-made graphs:
 *
 *   old:  A -> M (Map) -> E1, E2 (Elem, 64 bytes)     B -> X (no elements)
 *   new:  A -> M (Map) -> E1 .. E4                    C -> N (Slice) -> F1 .. F3 (Elem2, 32)
 *         D -> L0 -> L1 -> ... -> L11 -> Z -> G1, G2 (Big, 1000)
 *
 * A's point grows by two elements (+128 bytes), C's and D's points are new
 * (D's bigger: first), B's never had elements; D's dominator chain is 13
 * types long and keeps its first and last four.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph_diff.h"
#include "util/internal.h"

#define MAXN 64

struct spec {
	uint32_t nobj;
	uint64_t size[MAXN];
	uint32_t type[MAXN];
	const char *types[MAXN];
	uint32_t ntypes;
	const char *roots[8];
	uint32_t nroots;
	uint32_t edges[MAXN][2]; /* node ids: objects, then nobj (super-root), then roots */
	size_t nedges;
};

/* Build @p s's graph, its dominators and type totals, and summarize it. */
static struct hc_graph_summary *summarize(const struct spec *s)
{
	uint32_t n = s->nobj + 1 + s->nroots;
	uint32_t *edge_start = calloc(n + 1, sizeof(*edge_start));
	uint32_t *edges = calloc(s->nedges + s->nroots + 1, sizeof(*edges));
	struct hc_graph_run *runs = calloc(s->nobj + 1, sizeof(*runs));
	struct hc_root *roots = calloc(s->nroots + 1, sizeof(*roots));
	struct hc_type_info *types = calloc(s->ntypes + 1, sizeof(*types));
	uint32_t *type = calloc(s->nobj + 1, sizeof(*type));
	assert_non_null(edge_start && edges && runs && roots && types && type);
	/* The super-root's edges to the roots, then the spec's, in CSR. */
	size_t k = 0;
	for (uint32_t v = 0; v < n; v++) {
		edge_start[v] = (uint32_t)k;
		if (v == s->nobj)
			for (uint32_t r = 0; r < s->nroots; r++)
				edges[k++] = s->nobj + 1 + r;
		for (size_t e = 0; e < s->nedges; e++)
			if (s->edges[e][0] == v)
				edges[k++] = s->edges[e][1];
	}
	edge_start[n] = (uint32_t)k;
	for (uint32_t i = 0; i < s->nobj; i++) {
		runs[i] = (struct hc_graph_run){.base = 0x100000 * (i + 1), .elemsize = s->size[i],
						.first = i, .nslots = 1};
		type[i] = s->type[i];
		types[s->type[i]].count++;
		types[s->type[i]].bytes += s->size[i];
	}
	for (uint32_t t = 0; t < s->ntypes; t++)
		types[t].name = (char *)s->types[t];
	for (uint32_t r = 0; r < s->nroots; r++)
		roots[r] = (struct hc_root){.name = (char *)s->roots[r], .goroutine = -1};
	struct hc_graph g = {
		.nobjects = s->nobj, .type = type, .types = types, .ntypes = s->ntypes,
		.roots = roots, .nroots = s->nroots, .nnodes = n, .edge_start = edge_start,
		.edges = edges, .nedges = k, .runs = runs, .nruns = s->nobj,
	};
	assert_null(hc_graph_dominators(&g, NULL));
	struct hc_graph_summary *sum;
	assert_null(hc_graph_summarize(&g, &sum));
	hc_array_free(g.idom);
	hc_array_free(g.retained);
	free(edge_start);
	free(edges);
	free(runs);
	free(roots);
	free(types);
	free(type);
	return sum;
}

static void test_accumulation_growth(void **state)
{
	(void)state;
	/* Old: objects M, E1, E2, X; super-root 4; roots A 5, B 6. */
	struct spec old = {
		.nobj = 4, .size = {48, 64, 64, 16}, .type = {0, 1, 1, 2},
		.types = {"Map", "Elem", "X"}, .ntypes = 3,
		.roots = {"A", "B"}, .nroots = 2,
		.edges = {{5, 0}, {6, 3}, {0, 1}, {0, 2}, {2, 1}}, .nedges = 5,
	};
	/* New: M 0, E 1-4, N 5, F 6-8, L0..L11 9-20, Z 21, G 22-23;
	 * super-root 24; roots A 25, C 26, D 27. */
	struct spec new = {
		.nobj = 24,
		.size = {48, 64, 64, 64, 64, 32, 32, 32, 32},
		.type = {0, 1, 1, 1, 1, 2, 3, 3, 3},
		.types = {"Map", "Elem", "Slice", "Elem2"}, .ntypes = 4,
		.roots = {"A", "C", "D"}, .nroots = 3,
		.edges = {{25, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {26, 5}, {5, 6}, {5, 7}, {5, 8},
			  {27, 9}},
		.nedges = 10,
	};
	static char lnames[12][4];
	for (uint32_t i = 0; i < 12; i++) {
		snprintf(lnames[i], sizeof(lnames[i]), "L%u", i);
		new.types[4 + i] = lnames[i];
		new.type[9 + i] = 4 + i;
		new.size[9 + i] = 8;
		if (i < 11)
			new.edges[new.nedges][0] = 9 + i, new.edges[new.nedges++][1] = 10 + i;
	}
	new.types[16] = "Z";
	new.types[17] = "Big";
	new.ntypes = 18;
	new.type[21] = 16, new.size[21] = 8;
	new.type[22] = new.type[23] = 17, new.size[22] = new.size[23] = 1000;
	new.edges[new.nedges][0] = 20, new.edges[new.nedges++][1] = 21;
	new.edges[new.nedges][0] = 21, new.edges[new.nedges++][1] = 22;
	new.edges[new.nedges][0] = 21, new.edges[new.nedges++][1] = 23;

	struct hc_graph_summary *a = summarize(&old), *b = summarize(&new);
	assert_int_equal(a->naccs, 1); /* B's object has no elements */
	assert_string_equal(a->accs[0].root, "A");
	assert_string_equal(a->accs[0].elem_type, "Elem");
	assert_int_equal(a->accs[0].count, 2);
	assert_int_equal(a->accs[0].bytes, 128);
	assert_int_equal(b->naccs, 3);

	struct hc_graph_acc_delta *d;
	size_t n;
	assert_null(hc_graph_acc_diff(a, b, 0, &d, &n));
	assert_int_equal(n, 3);
	/* D: +2 Big, +2000 bytes, new; its chain's ends. */
	assert_null(d[0].old);
	assert_string_equal(d[0].new->root, "D");
	assert_string_equal(d[0].new->elem_type, "Big");
	assert_int_equal(hc_graph_acc_delta_count(&d[0]), 2);
	assert_int_equal(hc_graph_acc_delta_bytes(&d[0]), 2000);
	static const char *const chain[] = {"L0", "L1", "L2", "L3", "…", "L9", "L10", "L11", "Z"};
	assert_int_equal(d[0].new->npath, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(d[0].new->path[i], chain[i]);
	/* A: 2 -> 4 Elem. */
	assert_non_null(d[1].old);
	assert_string_equal(d[1].new->root, "A");
	assert_int_equal(d[1].old->count, 2);
	assert_int_equal(d[1].new->count, 4);
	assert_int_equal(hc_graph_acc_delta_bytes(&d[1]), 128);
	assert_int_equal(d[1].new->npath, 1);
	assert_string_equal(d[1].new->path[0], "Map");
	/* C: new, 3 Elem2 in a Slice. */
	assert_null(d[2].old);
	assert_string_equal(d[2].new->root, "C");
	assert_string_equal(d[2].new->elem_type, "Elem2");
	assert_int_equal(hc_graph_acc_delta_count(&d[2]), 3);
	assert_int_equal(hc_graph_acc_delta_bytes(&d[2]), 96);
	free(d);
	/* The threshold leaves C out; the other way round, A shrinks and D goes. */
	assert_null(hc_graph_acc_diff(a, b, 100, &d, &n));
	assert_int_equal(n, 2);
	free(d);
	assert_null(hc_graph_acc_diff(b, a, 0, &d, &n));
	assert_int_equal(n, 3);
	assert_string_equal(d[0].old->root, "C");
	assert_null(d[0].new);
	assert_int_equal(hc_graph_acc_delta_bytes(&d[1]), -128);
	assert_string_equal(d[2].old->root, "D");
	free(d);
	/* A summary against itself: nothing changed. */
	assert_null(hc_graph_acc_diff(b, b, 0, &d, &n));
	assert_int_equal(n, 0);
	free(d);
	hc_graph_summary_destroy(a);
	hc_graph_summary_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accumulation_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
