/*
 * Comparing two heaps by name (see graph_diff.h).  Objects and roots have no
 * identity across two processes, but types and root names do: a type's
 * count and bytes, a root's retained size.  Types of one name (an
 * instantiation seen twice, untyped groups) are summed.  A summary copies
 * the names, so that the first core's graph can be freed before the second
 * one is built: a diff of two big cores needs one graph's memory at a time.
 *
 * Accumulation points are where a leak grows (a map's buckets, a slice's
 * array): the leak suspects' (graph_leaks.h), but for every root that
 * retains anything, not only the big ones, because which roots grew is
 * known only once both cores are summarized, and the root that leaks may
 * have been small in the first.  The subtrees of distinct roots are
 * disjoint, so this walks each object at most once.  A point is matched by
 * its root's name and its elements' type, not by the chain of types down
 * to it: that chain changes as a container grows (a Go 1.24 map turns from
 * one group into a directory of tables).
 *
 * A goroutine's stack variable is a root named by its goroutine's id and
 * status, which no other process shares: roots and accumulation points
 * name it by its frame and variable ("goroutines' main.serve frame, local
 * c"), summed over the goroutines that have one.  A growing group of
 * goroutines then shows as a growing root.
 */
#include <stdio.h>
#include <string.h>

#include "graph/graph_diff.h"
#include "graph/graph_leaks.h"

#define NONE UINT32_MAX

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

/*
 * @p r's name across processes (see the top): a goroutine root's
 * "goroutine ID (STATUS) REST" is "goroutines' REST".  *@p owned is what
 * was allocated for it, if anything; NULL when out of memory.
 */
static const char *stable_name(const struct hc_root *r, char **owned)
{
	*owned = NULL;
	const char *p = r->name;
	if (r->kind != HC_ROOT_GOROUTINE || strncmp(p, "goroutine ", 10))
		return r->name;
	p += 10;
	if (*p < '0' || *p > '9')
		return r->name;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, " (", 2))
		return r->name;
	/* The status may hold parentheses: "(GC worker (idle))". */
	int depth = 0;
	for (p++; *p; p++) {
		depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		if (!depth)
			break;
	}
	if (!*p || p[1] != ' ' || !p[2])
		return r->name;
	if (asprintf(owned, "goroutines' %s", p + 2) < 0) {
		*owned = NULL;
		return NULL;
	}
	return *owned;
}

/* The types of the dominator chain from a root down to object @p point
 * (the chain ends at the first node that is not an object: the root), both
 * ends kept when it is long. */
static bool acc_path(const struct hc_graph *g, uint32_t point, struct hc_graph_acc_total *a)
{
	size_t len = 0;
	for (uint32_t v = point; v < g->nobjects && len < g->nnodes; v = g->idom[v])
		len++;
	bool elide = len > 2 * HC_ACC_PATH_END + 1;
	size_t n = elide ? 2 * HC_ACC_PATH_END + 1 : len;
	a->path = calloc(n + 1, sizeof(*a->path));
	if (!a->path)
		return false;
	a->npath = n;
	size_t k = 0; /* from the bottom */
	for (uint32_t v = point; v < g->nobjects && k < len; v = g->idom[v], k++) {
		size_t from_top = len - 1 - k, at;
		if (!elide)
			at = from_top;
		else if (from_top < HC_ACC_PATH_END)
			at = from_top;
		else if (k < HC_ACC_PATH_END)
			at = n - 1 - k;
		else
			continue;
		if (!(a->path[at] = strdup(g->types[g->type[v]].name)))
			return false;
	}
	if (elide && !(a->path[HC_ACC_PATH_END] = strdup("…")))
		return false;
	return true;
}

static void acc_free(struct hc_graph_acc_total *a)
{
	free(a->root);
	free(a->elem_type);
	free(a->key);
	for (size_t i = 0; a->path && i < a->npath; i++)
		free(a->path[i]);
	free(a->path);
}

/* Every root's accumulation point that has elements (see the top). */
static struct hc_error *accumulations(const struct hc_graph *g, struct hc_graph_summary *s)
{
	uint32_t *first, *next;
	struct hc_graph_acc_work *w = NULL;
	if (!hc_graph_dominator_children(g, &first, &next))
		return &hc_enomem;
	struct hc_error *err = hc_graph_acc_work_create(g, &w);
	size_t cap = 0;
	hc_strmap_init(&s->acc_index);
	for (uint32_t r = 0; !err && r < g->nroots; r++) {
		uint32_t node = hc_graph_root_node(g, r);
		if (!g->retained[node])
			continue;
		struct hc_graph_accumulation acc;
		hc_graph_accumulation_with(g, first, next, node, w, &acc);
		if (acc.point == NONE || acc.elem_type == NONE)
			continue;
		const char *elem = g->types[acc.elem_type].name;
		char *key, *owned;
		const char *name = stable_name(&g->roots[r], &owned);
		if (!name || asprintf(&key, "%s\x1f%s", name, elem) < 0) {
			free(owned);
			err = &hc_enomem;
			break;
		}
		uint64_t at;
		if (hc_strmap_get(&s->acc_index, key, &at)) {
			/* Roots of one name: their elements together. */
			s->accs[at].count += acc.count;
			s->accs[at].bytes += acc.bytes;
			free(key);
			free(owned);
			continue;
		}
		if (!hc_grow(&s->accs, &cap, s->naccs + 1, sizeof(*s->accs))) {
			free(key);
			free(owned);
			err = &hc_enomem;
			break;
		}
		struct hc_graph_acc_total *a = &s->accs[s->naccs++];
		*a = (struct hc_graph_acc_total){.key = key, .count = acc.count, .bytes = acc.bytes};
		a->root = owned ? owned : strdup(name);
		if (!a->root || !(a->elem_type = strdup(elem)) ||
		    !acc_path(g, acc.point, a) ||
		    !hc_strmap_put(&s->acc_index, a->key, s->naccs - 1, false))
			err = &hc_enomem;
	}
	hc_graph_acc_work_destroy(w);
	hc_array_free(first);
	hc_array_free(next);
	return err;
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
	for (uint32_t r = 0; ok && r < g->nroots; r++) {
		char *owned;
		const char *name = stable_name(&g->roots[r], &owned);
		ok = name && add(&s->roots, &s->nroots, &cap_roots, &s->root_index, name, 1,
				 g->retained[hc_graph_root_node(g, r)]);
		free(owned);
	}
	struct hc_error *err = ok ? accumulations(g, s) : &hc_enomem;
	if (err) {
		hc_graph_summary_destroy(s);
		return err;
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
	for (size_t i = 0; i < s->naccs; i++)
		acc_free(&s->accs[i]);
	free(s->types);
	free(s->roots);
	free(s->accs);
	hc_strmap_deinit(&s->type_index);
	hc_strmap_deinit(&s->root_index);
	hc_strmap_deinit(&s->acc_index);
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
	hc_qsort(out, n, sizeof(*out), delta_cmp);
	*ret = out;
	*ret_count = n;
	return NULL;
}

static const struct hc_graph_acc_total *acc_any(const struct hc_graph_acc_delta *d)
{
	return d->new ? d->new : d->old;
}

static int acc_cmp(const void *pa, const void *pb)
{
	const struct hc_graph_acc_delta *a = pa, *b = pb;
	int64_t x = hc_graph_acc_delta_bytes(a), y = hc_graph_acc_delta_bytes(b);
	if (x != y)
		return x > y ? -1 : 1;
	x = hc_graph_acc_delta_count(a), y = hc_graph_acc_delta_count(b);
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(acc_any(a)->key, acc_any(b)->key);
}

struct hc_error *hc_graph_acc_diff(const struct hc_graph_summary *before,
				   const struct hc_graph_summary *after, uint64_t threshold,
				   struct hc_graph_acc_delta **ret, size_t *ret_count)
{
	struct hc_graph_acc_delta *out = malloc((before->naccs + after->naccs + 1) * sizeof(*out));
	if (!out)
		return &hc_enomem;
	size_t n = 0;
	uint64_t at;
	for (size_t i = 0; i < before->naccs + after->naccs; i++) {
		struct hc_graph_acc_delta d;
		if (i < before->naccs) {
			d.old = &before->accs[i];
			d.new = hc_strmap_get(&after->acc_index, d.old->key, &at) ? &after->accs[at]
										  : NULL;
		} else {
			d.new = &after->accs[i - before->naccs];
			if (hc_strmap_get(&before->acc_index, d.new->key, &at))
				continue; /* matched above */
			d.old = NULL;
		}
		int64_t bytes = hc_graph_acc_delta_bytes(&d);
		uint64_t mag = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
		if ((bytes || hc_graph_acc_delta_count(&d) || !d.old || !d.new) && mag >= threshold)
			out[n++] = d;
	}
	hc_qsort(out, n, sizeof(*out), acc_cmp);
	*ret = out;
	*ret_count = n;
	return NULL;
}
