/*
 * Leaked waiters on the object graph (see graph_leaks.h).  One marking
 * pass over the graph, resumed each time a waiter turns out to be
 * runnable, then one pass per group of leaked waiters restricted to what
 * the first pass left unmarked: the objects only leaked waiters reach.
 */
#include <string.h>

#include "graph/graph_leaks.h"

#define NONE UINT32_MAX
#define MULTI (UINT32_MAX - 1)

struct marker {
	const struct hc_graph *g;
	uint64_t *mark;  /* a bit per node */
	uint32_t *queue; /* every node is queued at most once */
	size_t nqueue;
	uint64_t *has_cut; /* a bit per object: some of its edges are cut */
	const struct hc_graph_cut *cuts;
	size_t ncuts;
};

static bool marked(const uint64_t *bits, uint32_t v)
{
	return bits[v / 64] >> (v % 64) & 1;
}

static void set_mark(struct marker *m, uint32_t v)
{
	if (marked(m->mark, v))
		return;
	m->mark[v / 64] |= 1ULL << (v % 64);
	m->queue[m->nqueue++] = v;
}

static int cut_cmp(const void *a, const void *b)
{
	const struct hc_graph_cut *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

static bool is_cut(const struct marker *m, uint32_t from, uint32_t to)
{
	if (from >= m->g->nobjects || !marked(m->has_cut, from))
		return false;
	struct hc_graph_cut key = {from, to};
	return bsearch(&key, m->cuts, m->ncuts, sizeof(key), cut_cmp) != NULL;
}

/* Mark everything reachable from the queued nodes. */
static void drain(struct marker *m)
{
	const struct hc_graph *g = m->g;
	while (m->nqueue) {
		uint32_t v = m->queue[--m->nqueue];
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t t = g->edges[e];
			if (!marked(m->mark, t) && !is_cut(m, v, t))
				set_mark(m, t);
		}
	}
}

struct owner_root {
	int64_t owner;
	uint32_t root;
};

static int owner_cmp(const void *a, const void *b)
{
	const struct owner_root *x = a, *y = b;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->root < y->root ? -1 : x->root > y->root;
}

/* The roots of waiter @p w: by[*first .. *end). */
static void roots_of(const struct owner_root *by, size_t n, int64_t owner, size_t *first,
		     size_t *end)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by[mid].owner < owner)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo < n && by[lo].owner == owner)
		lo++;
	*end = lo;
}

struct hc_error *hc_graph_leaks(const struct hc_graph *g, struct hc_graph_waiter *w, size_t nw,
				const uint32_t *wake, const struct hc_graph_cut *cuts, size_t ncuts,
				uint64_t *retained, uint64_t *objects, size_t ngroups)
{
	struct hc_error *err = NULL;
	size_t words = ((size_t)g->nnodes + 63) / 64, owords = ((size_t)g->nobjects + 64) / 64;
	struct marker m = {.g = g, .ncuts = ncuts};
	struct hc_graph_cut *sorted = malloc((ncuts ? ncuts : 1) * sizeof(*sorted));
	struct owner_root *by = malloc((g->nroots ? g->nroots : 1) * sizeof(*by));
	uint8_t *withheld = calloc(g->nroots ? g->nroots : 1, 1);
	m.mark = hc_array_new(words, 8);
	m.has_cut = hc_array_new(owords, 8);
	m.queue = hc_array_new(g->nnodes, 4);
	uint32_t *stamp = NULL, *owner = NULL;
	if (!sorted || !by || !withheld || !m.mark || !m.has_cut || !m.queue) {
		err = &hc_enomem;
		goto out;
	}
	memcpy(sorted, cuts, ncuts * sizeof(*cuts));
	hc_qsort(sorted, ncuts, sizeof(*sorted), cut_cmp);
	m.cuts = sorted;
	for (size_t i = 0; i < ncuts; i++) {
		if (sorted[i].from < g->nobjects)
			m.has_cut[sorted[i].from / 64] |= 1ULL << (sorted[i].from % 64);
	}
	/* The goroutine roots, by owner. */
	size_t nby = 0;
	for (uint32_t r = 0; r < g->nroots; r++) {
		if (g->roots[r].kind == HC_ROOT_GOROUTINE && g->roots[r].goroutine >= 0)
			by[nby++] = (struct owner_root){g->roots[r].goroutine, r};
	}
	hc_qsort(by, nby, sizeof(*by), owner_cmp);
	for (size_t i = 0; i < nw; i++) {
		size_t a, b;
		w[i].leaked = true;
		roots_of(by, nby, w[i].owner, &a, &b);
		for (size_t k = a; k < b; k++)
			withheld[by[k].root] = 1;
	}
	/* Everything that may run: every other root. */
	for (uint32_t r = 0; r < g->nroots; r++) {
		if (!withheld[r])
			set_mark(&m, hc_graph_root_node(g, r));
	}
	drain(&m);
	/* findMaybeRunnableGoroutines, to a fixed point: each round wakes at
	 * least one waiter, so at most nw rounds. */
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < nw; i++) {
			if (!w[i].leaked || w[i].always)
				continue;
			bool wakes = false;
			for (size_t k = 0; k < w[i].nwake && !wakes; k++) {
				uint32_t o = wake[w[i].first_wake + k];
				wakes = o == HC_GRAPH_OUTSIDE || (o < g->nobjects && marked(m.mark, o));
			}
			if (!wakes)
				continue;
			w[i].leaked = false;
			more = true;
			size_t a, b;
			roots_of(by, nby, w[i].owner, &a, &b);
			for (size_t k = a; k < b; k++)
				set_mark(&m, hc_graph_root_node(g, by[k].root));
		}
		drain(&m);
	}
	if (!retained)
		goto out;
	/* What each group alone keeps: its roots' reach among the unmarked. */
	memset(retained, 0, ngroups * sizeof(*retained));
	memset(objects, 0, ngroups * sizeof(*objects));
	stamp = hc_array_new(g->nobjects ? g->nobjects : 1, 4);
	owner = hc_array_new(g->nobjects ? g->nobjects : 1, 4);
	if (!stamp || !owner) {
		err = &hc_enomem;
		goto out;
	}
	for (uint32_t v = 0; v < g->nobjects; v++)
		owner[v] = NONE;
	for (uint32_t grp = 0; grp < ngroups; grp++) {
		m.nqueue = 0;
		for (size_t i = 0; i < nw; i++) {
			if (!w[i].leaked || w[i].group != grp)
				continue;
			size_t a, b;
			roots_of(by, nby, w[i].owner, &a, &b);
			for (size_t k = a; k < b; k++)
				m.queue[m.nqueue++] = hc_graph_root_node(g, by[k].root);
		}
		/* Root nodes are never marked here, so none is queued twice. */
		while (m.nqueue) {
			uint32_t v = m.queue[--m.nqueue];
			for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
				uint32_t t = g->edges[e];
				if (t >= g->nobjects || marked(m.mark, t) || stamp[t] == grp + 1 ||
				    is_cut(&m, v, t))
					continue;
				stamp[t] = grp + 1;
				owner[t] = owner[t] == NONE ? grp : MULTI;
				m.queue[m.nqueue++] = t;
			}
		}
	}
	for (size_t r = 0; r < g->nruns; r++) {
		for (uint32_t v = g->runs[r].first; v < hc_graph_run_end(g, r); v++) {
			if (owner[v] < ngroups) {
				retained[owner[v]] += g->runs[r].elemsize;
				objects[owner[v]]++;
			}
		}
	}
out:
	free(sorted);
	free(by);
	free(withheld);
	hc_array_free(m.mark);
	hc_array_free(m.has_cut);
	hc_array_free(m.queue);
	hc_array_free(stamp);
	hc_array_free(owner);
	return err;
}

/* ---- leak suspects ---- */

/* Per-type tallies (zero between calls, reset through the touched list)
 * and the depth-first stacks, sized once for the graph: a caller asking
 * for every root's accumulation point pays for each root's subtree only. */
struct hc_graph_acc_work {
	uint32_t *active, *touched, *stack, *leave;
	uint64_t *count, *bytes;
	uint32_t ntouched;
};

void hc_graph_acc_work_destroy(struct hc_graph_acc_work *w)
{
	if (!w)
		return;
	hc_array_free(w->active);
	hc_array_free(w->touched);
	hc_array_free(w->stack);
	hc_array_free(w->leave);
	hc_array_free(w->count);
	hc_array_free(w->bytes);
	free(w);
}

struct hc_error *hc_graph_acc_work_create(const struct hc_graph *g,
					  struct hc_graph_acc_work **ret)
{
	struct hc_graph_acc_work *w = calloc(1, sizeof(*w));
	if (!w)
		return &hc_enomem;
	w->active = hc_array_new(g->ntypes + 1, 4);
	w->touched = hc_array_new(g->ntypes + 1, 4);
	w->count = hc_array_new(g->ntypes + 1, 8);
	w->bytes = hc_array_new(g->ntypes + 1, 8);
	w->stack = hc_array_new(g->nobjects + 1, 4);
	w->leave = hc_array_new(g->nobjects + 1, 4);
	if (!w->active || !w->touched || !w->count || !w->bytes || !w->stack || !w->leave) {
		hc_graph_acc_work_destroy(w);
		return &hc_enomem;
	}
	*ret = w;
	return NULL;
}

struct hc_error *hc_graph_accumulation(const struct hc_graph *g, const uint32_t *first,
				       const uint32_t *next, uint32_t from,
				       struct hc_graph_accumulation *ret)
{
	struct hc_graph_acc_work *w;
	struct hc_error *err = hc_graph_acc_work_create(g, &w);
	if (err)
		return err;
	hc_graph_accumulation_with(g, first, next, from, w, ret);
	hc_graph_acc_work_destroy(w);
	return NULL;
}

void hc_graph_accumulation_with(const struct hc_graph *g, const uint32_t *first,
				const uint32_t *next, uint32_t from, struct hc_graph_acc_work *w,
				struct hc_graph_accumulation *ret)
{
	ret->point = NONE;
	ret->elem_type = NONE;
	ret->count = ret->bytes = 0;
	/* Down while one child holds 80% (each step goes down a level of a
	 * tree of nnodes nodes). */
	uint32_t v = from;
	for (uint32_t steps = 0; steps < g->nnodes; steps++) {
		uint32_t best = NONE;
		for (uint32_t c = first[v]; c != NONE; c = next[c]) {
			if (best == NONE || g->retained[c] > g->retained[best])
				best = c;
		}
		if (best == NONE || best >= g->nobjects)
			break;
		if (v < g->nobjects && g->retained[best] * 10 < g->retained[v] * 8)
			break;
		v = best;
	}
	if (v >= g->nobjects)
		return;
	ret->point = v;
	/* The topmost objects of each type under the point. */
	uint32_t *active = w->active, *stack = w->stack, *leave = w->leave;
	uint64_t *count = w->count, *bytes = w->bytes;
	w->ntouched = 0;
	/* Depth first; a node is pushed on entry and again, tagged, to leave. */
	size_t top = 0;
	for (uint32_t c = first[v]; c != NONE; c = next[c])
		stack[top++] = c;
	/* Each object is pushed once, as its parent's child, and stays while
	 * its own subtree is walked; leave[] is the current branch. */
	size_t ntop = 0;
	while (top) {
		uint32_t u = stack[top - 1];
		if (ntop && leave[ntop - 1] == u) {
			top--;
			ntop--;
			active[g->type[u]]--;
			continue;
		}
		if (u >= g->nobjects) {
			top--;
			continue;
		}
		uint32_t t = g->type[u];
		if (!active[t]) {
			if (!count[t])
				w->touched[w->ntouched++] = t;
			count[t]++;
			bytes[t] += g->retained[u];
		}
		active[t]++;
		leave[ntop++] = u;
		for (uint32_t c = first[u]; c != NONE; c = next[c])
			stack[top++] = c;
	}
	/* The most numerous type holding half, else the one holding most; ties
	 * to the lower type index. */
	uint64_t all = g->retained[v];
	for (uint32_t i = 0; i < w->ntouched; i++) {
		uint32_t t = w->touched[i];
		if (count[t] < 2 || bytes[t] * 2 < all)
			continue;
		if (ret->elem_type == NONE || count[t] > ret->count ||
		    (count[t] == ret->count &&
		     (bytes[t] > ret->bytes || (bytes[t] == ret->bytes && t < ret->elem_type)))) {
			ret->elem_type = t;
			ret->count = count[t];
			ret->bytes = bytes[t];
		}
	}
	if (ret->elem_type == NONE) {
		for (uint32_t i = 0; i < w->ntouched; i++) {
			uint32_t t = w->touched[i];
			if (bytes[t] > ret->bytes ||
			    (bytes[t] && bytes[t] == ret->bytes && t < ret->elem_type)) {
				ret->elem_type = t;
				ret->count = count[t];
				ret->bytes = bytes[t];
			}
		}
	}
	for (uint32_t i = 0; i < w->ntouched; i++)
		count[w->touched[i]] = bytes[w->touched[i]] = 0;
}

struct hc_error *hc_graph_path_between(const struct hc_graph *g, uint32_t from, uint32_t to,
				       uint32_t **ret, size_t *n)
{
	uint32_t *parent = hc_array_new(g->nnodes, 4), *queue = hc_array_new(g->nnodes, 4);
	if (!parent || !queue) {
		hc_array_free(parent);
		hc_array_free(queue);
		return &hc_enomem;
	}
	memset(parent, 0xff, (size_t)g->nnodes * 4);
	size_t head = 0, tail = 0;
	queue[tail++] = from;
	parent[from] = from;
	while (head < tail && parent[to] == NONE) {
		uint32_t v = queue[head++];
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (parent[w] == NONE) {
				parent[w] = v;
				queue[tail++] = w;
			}
		}
	}
	if (parent[to] == NONE) {
		hc_array_free(parent);
		hc_array_free(queue);
		return hc_error_format(HC_ERROR_NOT_FOUND, "no path");
	}
	size_t k = 0;
	for (uint32_t v = to; v != from; v = parent[v])
		queue[k++] = v;
	queue[k++] = from;
	for (size_t i = 0; i < k / 2; i++) {
		uint32_t x = queue[i];
		queue[i] = queue[k - 1 - i];
		queue[k - 1 - i] = x;
	}
	hc_array_free(parent);
	*ret = queue;
	*n = k;
	return NULL;
}
