/*
 * Comparing two heaps by name (see graph_diff.h).  Objects and roots have no
 * identity across two processes, but types and root names do: a type's
 * count and bytes, a root's retained size.  Types of one name (an
 * instantiation seen twice, untyped groups) are summed.  A summary copies
 * the names, so that the first core's graph can be freed before the second
 * one is built: a diff of two big cores needs one graph's memory at a time.
 */
#include <string.h>

#include "graph/graph_diff.h"

static bool add(struct hc_graph_total **arr, size_t *n, size_t *cap, struct hc_strmap *index,
		const char *name, uint64_t count, uint64_t bytes)
{
	uint64_t at;
	if (hc_strmap_get(index, name, &at)) {
		(*arr)[at].count += count;
		(*arr)[at].bytes += bytes;
		return true;
	}
	char *copy = strdup(name);
	if (!copy || !hc_grow(arr, cap, *n + 1, sizeof(**arr)) ||
	    !hc_strmap_put(index, copy, *n, false)) {
		free(copy);
		return false;
	}
	(*arr)[(*n)++] = (struct hc_graph_total){copy, count, bytes};
	return true;
}

struct hc_error *hc_graph_summarize(const struct hc_graph *g, struct hc_graph_summary **ret)
{
	struct hc_graph_summary *s = calloc(1, sizeof(*s));
	if (!s)
		return &hc_enomem;
	hc_strmap_init(&s->type_index);
	hc_strmap_init(&s->root_index);
	size_t cap_types = 0, cap_roots = 0;
	bool ok = true;
	for (uint32_t t = 0; ok && t < g->ntypes; t++)
		if (g->types[t].count)
			ok = add(&s->types, &s->ntypes, &cap_types, &s->type_index, g->types[t].name,
				 g->types[t].count, g->types[t].bytes);
	for (uint32_t r = 0; ok && r < g->nroots; r++)
		ok = add(&s->roots, &s->nroots, &cap_roots, &s->root_index, g->roots[r].name, 1,
			 g->retained[hc_graph_root_node(g, r)]);
	if (!ok) {
		hc_graph_summary_destroy(s);
		return &hc_enomem;
	}
	*ret = s;
	return NULL;
}

void hc_graph_summary_destroy(struct hc_graph_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntypes; i++)
		free(s->types[i].name);
	for (size_t i = 0; i < s->nroots; i++)
		free(s->roots[i].name);
	free(s->types);
	free(s->roots);
	hc_strmap_deinit(&s->type_index);
	hc_strmap_deinit(&s->root_index);
	free(s);
}

static int delta_cmp(const void *pa, const void *pb)
{
	const struct hc_graph_delta *a = pa, *b = pb;
	int64_t x = hc_graph_delta_bytes(a), y = hc_graph_delta_bytes(b);
	if (x != y)
		return x > y ? -1 : 1;
	int64_t cx = (int64_t)(a->new_count - a->old_count), cy = (int64_t)(b->new_count - b->old_count);
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* A type counts as changed when its objects do; a root, when what it retains
 * does (goroutine roots come and go with their goroutine ids). */
static bool kept(const struct hc_graph_delta *d, bool roots, uint64_t threshold)
{
	int64_t bytes = hc_graph_delta_bytes(d);
	uint64_t mag = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	bool changed = bytes != 0 || (!roots && d->old_count != d->new_count);
	return changed && mag >= threshold;
}

struct hc_error *hc_graph_summary_diff(const struct hc_graph_summary *before,
				       const struct hc_graph_summary *after, bool roots,
				       uint64_t threshold, struct hc_graph_delta **ret,
				       size_t *ret_count)
{
	const struct hc_graph_total *a = roots ? before->roots : before->types;
	const struct hc_graph_total *b = roots ? after->roots : after->types;
	size_t na = roots ? before->nroots : before->ntypes;
	size_t nb = roots ? after->nroots : after->ntypes;
	const struct hc_strmap *a_index = roots ? &before->root_index : &before->type_index;
	const struct hc_strmap *b_index = roots ? &after->root_index : &after->type_index;
	struct hc_graph_delta *out = malloc((na + nb + 1) * sizeof(*out));
	if (!out)
		return &hc_enomem;
	size_t n = 0;
	uint64_t at;
	/* Every name of the first, with its match; then those only in the second. */
	for (size_t i = 0; i < na; i++) {
		struct hc_graph_delta d = {a[i].name, a[i].count, 0, a[i].bytes, 0};
		if (hc_strmap_get(b_index, a[i].name, &at)) {
			d.new_count = b[at].count;
			d.new_bytes = b[at].bytes;
		}
		if (kept(&d, roots, threshold))
			out[n++] = d;
	}
	for (size_t i = 0; i < nb; i++) {
		struct hc_graph_delta d = {b[i].name, 0, b[i].count, 0, b[i].bytes};
		if (!hc_strmap_get(a_index, b[i].name, &at) && kept(&d, roots, threshold))
			out[n++] = d;
	}
	qsort(out, n, sizeof(*out), delta_cmp);
	*ret = out;
	*ret_count = n;
	return NULL;
}
