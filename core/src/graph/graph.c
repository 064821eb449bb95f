/*
 * The object graph's generic half: finding the object that holds an
 * address, the dominator tree and retained sizes, and the per-type totals.
 * Nothing here knows which allocator made the objects (graph.h).
 *
 * Dominators: the semi-NCA algorithm (Georgiadis' variant of
 * Lengauer-Tarjan) over dense node ids, iterative throughout so that a list
 * of millions of nodes needs no deep recursion.
 */
#include <string.h>

#include "graph/cache.h"
#include "graph/graph.h"

#define NONE UINT32_MAX

uint32_t hc_graph_locate(const struct hc_graph *g, uint64_t addr, uint64_t *start,
			 const struct hc_graph_run **run)
{
	size_t i = g->run_at(g->run_at_arg, addr);
	if (i == SIZE_MAX || i >= g->nruns)
		return NONE;
	const struct hc_graph_run *r = &g->runs[i];
	if (!r->nslots || !r->elemsize)
		return NONE; /* a stack or other manual span: no objects */
	uint64_t k = (addr - r->base) / r->elemsize;
	if (k >= r->nslots)
		return NONE;
	const uint64_t *m = g->allocmap + r->bits_off;
	if (!(m[k / 64] >> (k % 64) & 1))
		return NONE;
	uint32_t rank = g->rank[r->bits_off + k / 64];
	if (k % 64)
		rank += (uint32_t)__builtin_popcountll(m[k / 64] & ((1ULL << (k % 64)) - 1));
	if (start)
		*start = r->base + k * r->elemsize;
	if (run)
		*run = r;
	return r->first + rank;
}

uint32_t hc_graph_find(const struct hc_graph *g, uint64_t addr)
{
	return hc_graph_locate(g, addr, NULL, NULL);
}

const struct hc_graph_run *hc_graph_run_of(const struct hc_graph *g, uint32_t v)
{
	/* The last run starting at or before v; empty runs share their
	 * successor's first, so the last of equals is the one holding v. */
	size_t lo = 0, hi = g->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->runs[mid].first <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &g->runs[lo ? lo - 1 : 0];
}

uint64_t hc_graph_addr(const struct hc_graph *g, uint32_t v)
{
	const struct hc_graph_run *r = hc_graph_run_of(g, v);
	uint32_t rank = v - r->first;
	const uint64_t *m = g->allocmap + r->bits_off;
	for (uint32_t w = 0; w < (r->nslots + 63) / 64; w++) {
		uint32_t c = (uint32_t)__builtin_popcountll(m[w]);
		if (rank < c) {
			uint64_t bits = m[w];
			for (uint32_t k = 0; k < rank; k++)
				bits &= bits - 1; /* drop the lowest set bit */
			return r->base + (64 * (uint64_t)w + (uint64_t)__builtin_ctzll(bits)) * r->elemsize;
		}
		rank -= c;
	}
	return r->base; /* not reached for a valid id */
}

/* ---- dominators (semi-NCA) ---- */

/* Marks the last entry of a vertex's predecessor list. */
#define LAST_PRED (1U << 31)

/*
 * Memory is the constraint on a big heap (the pass runs while type
 * propagation may still be running beside it), so arrays are freed as soon
 * as they are done:
 *   DFS:         dfn (by node), vertex (DFS number -> node), parent, cursor;
 *   predecessors: dfn, vertex, parent, the lists' bounds, the lists;
 *   semidominators: vertex, label, semi, ancestor, the lists;
 *   idom:        vertex, idom (in place over semi), the lists;
 *   results:     vertex, the graph's idom and retained.
 * The DFS needs no stack: it climbs back through parent.  The predecessor
 * lists lie in decreasing DFS order, each with its DFS parent first and its
 * last entry marked, so that the semidominator loop (DFS numbers going
 * down) reads them front to back and the idom loop (going up) back to
 * front, and neither needs the lists' bounds or the parent array.
 */
struct hc_error *hc_graph_dominators(struct hc_graph *g, struct hc_progress *prog)
{
	uint32_t n = g->nnodes, r = g->nobjects;
	uint32_t *dfn = NULL, *vertex = NULL, *parent = NULL, *cursor = NULL, *bound = NULL;
	uint32_t *preds = NULL, *label = NULL, *semi = NULL, *anc = NULL, *stack = NULL;
	struct hc_error *err = &hc_enomem;
	const char *phase = "dominators";
	uint64_t total = 4 * (uint64_t)n;
	if (n >= LAST_PRED)
		return hc_error_create(HC_ERROR_UNSUPPORTED, "more than 2^31 graph nodes");
	dfn = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	vertex = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	parent = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	cursor = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	if (!dfn || !vertex || !parent || !cursor)
		goto out;
	hc_progress(prog, phase, 0, total);
	/* Depth-first numbering from the super-root, 1-based (0: unreached). */
	uint32_t count = 1, cur = 1;
	dfn[r] = 1;
	vertex[1] = r;
	parent[1] = 0;
	while (cur) {
		uint32_t v = vertex[cur];
		if (g->edge_start[v] + cursor[cur] < g->edge_start[v + 1]) {
			uint32_t w = g->edges[g->edge_start[v] + cursor[cur]++];
			if (!dfn[w]) {
				hc_progress(prog, phase, count, total);
				dfn[w] = ++count;
				vertex[count] = w;
				parent[count] = cur;
				cur = count;
			}
		} else {
			cur = parent[cur];
		}
	}
	hc_array_free(cursor);
	cursor = NULL;
	/* The lists: count each vertex's predecessors, give vertex count the
	 * first slots and vertex 2 the last, then fill each list backwards from
	 * its end, which leaves bound[w] at its start. */
	bound = hc_array_new((size_t)count + 2, sizeof(uint32_t));
	if (!bound)
		goto out;
	for (uint32_t v = 0; v < n; v++) {
		hc_progress(prog, phase, n + (uint64_t)v / 2, total);
		if (!dfn[v])
			continue;
		for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++)
			bound[dfn[g->edges[e]]]++;
	}
	uint64_t npreds = 0;
	for (uint32_t w = count; w >= 1; w--) {
		npreds += bound[w];
		bound[w] = (uint32_t)npreds; /* the end of w's list */
	}
	preds = hc_array_new(npreds ? npreds : 1, sizeof(uint32_t));
	if (!preds)
		goto out;
	for (uint32_t v = 0; v < n; v++) {
		hc_progress(prog, phase, n + (uint64_t)(n + v) / 2, total);
		if (!dfn[v])
			continue;
		for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++)
			preds[--bound[dfn[g->edges[e]]]] = dfn[v];
	}
	/* w's list is bound[w] .. bound[w - 1] (w >= 2; vertex 1, the
	 * super-root, has none).  The parent goes first; the last is marked. */
	for (uint32_t w = 2; w <= count; w++) {
		uint32_t first = bound[w], end = bound[w - 1];
		for (uint32_t e = first; e < end; e++) {
			if (preds[e] == parent[w]) {
				preds[e] = preds[first];
				preds[first] = parent[w];
				break;
			}
		}
		preds[end - 1] |= LAST_PRED;
	}
	hc_array_free(bound);
	hc_array_free(parent);
	bound = parent = NULL;
	label = dfn;
	dfn = NULL;
	semi = hc_array_new((size_t)count + 1, sizeof(uint32_t));
	anc = hc_array_new((size_t)count + 1, sizeof(uint32_t)); /* 0: not linked yet */
	if (!semi || !anc)
		goto out;
	for (uint32_t i = 1; i <= count; i++)
		semi[i] = label[i] = i;
	/* Semidominators; eval's path compression is iterative over a stack. */
	size_t cap_stack = 0;
	uint64_t pos = 0;
	for (uint32_t w = count; w >= 2; w--) {
		hc_progress(prog, phase, 2 * (uint64_t)n + (count - w), total);
		uint32_t first = preds[pos] & ~LAST_PRED;
		for (;;) {
			uint32_t entry = preds[pos++];
			uint32_t v = entry & ~LAST_PRED;
			uint32_t u = v;
			if (anc[v]) {
				size_t depth = 0;
				uint32_t x = v;
				while (anc[anc[x]]) {
					if (!hc_grow(&stack, &cap_stack, depth + 1, sizeof(*stack)))
						goto out;
					stack[depth++] = x;
					x = anc[x];
				}
				while (depth) {
					x = stack[--depth];
					uint32_t a = anc[x];
					if (semi[label[a]] < semi[label[x]])
						label[x] = label[a];
					anc[x] = anc[a];
				}
				u = label[v];
			}
			if (semi[u] < semi[w])
				semi[w] = semi[u];
			if (entry & LAST_PRED)
				break;
		}
		anc[w] = first; /* link to the parent */
	}
	free(stack);
	stack = NULL;
	hc_array_free(label);
	hc_array_free(anc);
	label = anc = NULL;
	/* Immediate dominators: the nearest common ancestor of the parent and
	 * the semidominator, written over semi (idom[d] is final for d < w, and
	 * semi[w] is read before it is overwritten).  Vertex w's list is found
	 * walking the lists back to front. */
	uint32_t *idom = semi;
	idom[1] = 0;
	for (uint32_t w = 2; w <= count; w++) {
		uint64_t first = pos - 1;
		while (first > 0 && !(preds[first - 1] & LAST_PRED))
			first--;
		pos = first;
		uint32_t d = preds[first] & ~LAST_PRED;
		while (d > idom[w])
			d = idom[d];
		idom[w] = d;
	}
	hc_array_free(preds);
	preds = NULL;
	hc_progress(prog, phase, 3 * (uint64_t)n, total);
	g->idom = hc_array_new(n, sizeof(uint32_t));
	if (!g->idom)
		goto out;
	memset(g->idom, 0xff, (size_t)n * sizeof(uint32_t)); /* NONE: unreachable */
	for (uint32_t w = 2; w <= count; w++)
		g->idom[vertex[w]] = vertex[idom[w]];
	hc_array_free(semi);
	semi = idom = NULL;
	g->retained = hc_array_new(n, sizeof(uint64_t));
	if (!g->retained)
		goto out;
	/* Every reached object retains itself, then children add up into their
	 * dominators in reverse DFS order. */
	for (size_t i = 0; i < g->nruns; i++) {
		uint32_t end = hc_graph_run_end(g, i);
		for (uint32_t v = g->runs[i].first; v < end; v++) {
			if (g->idom[v] == NONE)
				continue;
			g->retained[v] = g->runs[i].elemsize;
			g->reachable_objects++;
			g->reachable_bytes += g->runs[i].elemsize;
		}
	}
	for (uint32_t w = count; w >= 2; w--) {
		uint32_t v = vertex[w];
		g->retained[g->idom[v]] += g->retained[v];
	}
	hc_progress(prog, phase, total, total);
	err = NULL;
out:
	hc_array_free(dfn);
	hc_array_free(vertex);
	hc_array_free(parent);
	hc_array_free(cursor);
	hc_array_free(bound);
	hc_array_free(preds);
	hc_array_free(label);
	hc_array_free(semi);
	hc_array_free(anc);
	free(stack);
	return err;
}

bool hc_graph_dominator_children(const struct hc_graph *g, uint32_t **first, uint32_t **next)
{
	uint32_t n = g->nnodes;
	uint32_t *f = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	uint32_t *x = hc_array_new((size_t)n + 1, sizeof(uint32_t));
	if (!f || !x) {
		hc_array_free(f);
		hc_array_free(x);
		return false;
	}
	memset(f, 0xff, ((size_t)n + 1) * sizeof(uint32_t));
	/* Pushing in decreasing order leaves each list increasing. */
	for (uint32_t v = n; v-- > 0;) {
		uint32_t d = g->idom[v];
		if (d == NONE)
			continue;
		x[v] = f[d];
		f[d] = v;
	}
	*first = f;
	*next = x;
	return true;
}

/*
 * Per type: count, bytes, and retained in MAT's sense (the bytes freed if
 * every object of the type were): the retained sizes of the type's objects
 * that no other object of the type dominates.  One preorder walk of the
 * dominator tree (without a stack: up through idom, across through next),
 * counting each type's objects on the current path, and the objects under
 * each root.
 */
struct hc_error *hc_graph_tree_totals(struct hc_graph *g)
{
	for (size_t i = 0; i < g->nruns; i++) {
		uint32_t end = hc_graph_run_end(g, i);
		for (uint32_t v = g->runs[i].first; v < end; v++) {
			g->types[g->type[v]].count++;
			g->types[g->type[v]].bytes += g->runs[i].elemsize;
		}
	}
	uint32_t *first = NULL, *next = NULL;
	uint32_t *on_path = calloc(g->ntypes ? g->ntypes : 1, sizeof(uint32_t));
	if (!on_path || !hc_graph_dominator_children(g, &first, &next)) {
		free(on_path);
		return &hc_enomem;
	}
	uint32_t top = g->nobjects, v = first[top];
	struct hc_root *under = NULL; /* the root whose subtree the walk is in */
	while (v != NONE) {
		/* Enter v. */
		if (v > top)
			under = &g->roots[v - top - 1];
		else if (under)
			under->dominated++;
		if (v < g->nobjects && on_path[g->type[v]]++ == 0)
			g->types[g->type[v]].retained += g->retained[v];
		if (first[v] != NONE) {
			v = first[v];
			continue;
		}
		/* Leave v and every ancestor whose children are done. */
		while (v != top) {
			if (v < g->nobjects)
				on_path[g->type[v]]--;
			else
				under = NULL;
			if (next[v] != NONE) {
				v = next[v];
				break;
			}
			v = g->idom[v];
		}
		if (v == top)
			break;
	}
	free(on_path);
	hc_array_free(first);
	hc_array_free(next);
	return NULL;
}

const struct hc_graph_global *hc_graph_global_at(const struct hc_graph *g, uint64_t addr)
{
	size_t lo = 0, hi = g->nglobals;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->globals[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct hc_graph_global *v = &g->globals[lo - 1];
	return addr - v->addr < v->size ? v : NULL;
}

void hc_graph_destroy(struct hc_graph *g)
{
	if (!g)
		return;
	if (g->cache_map) {
		hc_graph_cache_free(g);
		return;
	}
	hc_array_free(g->type);
	free(g->runs);
	hc_array_free(g->allocmap);
	hc_array_free(g->rank);
	for (uint32_t r = 0; r < g->nroots; r++) {
		free(g->roots[r].name);
		free(g->roots[r].slot);
		free(g->roots[r].targets);
	}
	free(g->roots);
	for (size_t i = 0; i < g->nglobals; i++)
		if (g->globals[i].owned)
			free((char *)g->globals[i].name);
	free(g->globals);
	hc_array_free(g->edge_start);
	hc_array_free(g->edges);
	hc_array_free(g->idom);
	hc_array_free(g->retained);
	for (uint32_t t = 0; t < g->ntypes; t++)
		free(g->types[t].name);
	free(g->types);
	free(g);
}

static const struct {
	const char *key, *text;
} untyped_reasons[HC_UNTYPED_NREASONS] = {
	[HC_UNTYPED_FIELD] = {"typed_field", "pointed to by typed objects through words their "
			      "types do not describe (unsafe.Pointer, uintptr)"},
	[HC_UNTYPED_GLOBAL] = {"global_type", "held by globals whose DWARF type does not say"},
	[HC_UNTYPED_LOCAL] = {"local_type", "held by stack locals whose DWARF type does not say"},
	[HC_UNTYPED_GLOBAL_WORD] = {"global_word", "held by global words no variable covers"},
	[HC_UNTYPED_STACK_WORD] = {"stack_word", "held by stack words no variable describes "
				   "(compiler temporaries, locals without a DWARF location)"},
	[HC_UNTYPED_CONSERVATIVE] = {"conservative", "held by stacks scanned conservatively"},
	[HC_UNTYPED_RUNTIME] = {"runtime", "held by finalizers, cleanups or their queues"},
	[HC_UNTYPED_REGISTERS] = {"registers", "held by thread registers"},
	[HC_UNTYPED_UNTYPED] = {"untyped_only", "reached only through other untyped objects"},
};

const char *hc_untyped_why_key(enum hc_untyped_why why)
{
	return why < HC_UNTYPED_NREASONS ? untyped_reasons[why].key : "?";
}

const char *hc_untyped_why_text(enum hc_untyped_why why)
{
	return why < HC_UNTYPED_NREASONS ? untyped_reasons[why].text : "?";
}

/* Why what node @p u points to may be untyped, as far as @p u is concerned. */
static enum hc_untyped_why referrer_why(const struct hc_graph *g, uint32_t u)
{
	if (u < g->nobjects)
		return g->types[g->type[u]].untyped ? HC_UNTYPED_UNTYPED : HC_UNTYPED_FIELD;
	const struct hc_root *r = &g->roots[u - g->nobjects - 1];
	switch (r->kind) {
	case HC_ROOT_GLOBAL:
		return r->symbol ? HC_UNTYPED_GLOBAL : HC_UNTYPED_GLOBAL_WORD;
	case HC_ROOT_GOROUTINE:
		return r->conservative ? HC_UNTYPED_CONSERVATIVE
		       : r->slot       ? HC_UNTYPED_LOCAL
				       : HC_UNTYPED_STACK_WORD;
	case HC_ROOT_THREAD:
		return HC_UNTYPED_REGISTERS;
	default:
		return HC_UNTYPED_RUNTIME;
	}
}

/*
 * One pass over the edges: each reachable untyped object keeps the most
 * telling reason among its referrers (the lowest), in a byte per object.
 */
bool hc_graph_untyped_why(const struct hc_graph *g,
			  struct hc_untyped_total ret[HC_UNTYPED_NREASONS])
{
	memset(ret, 0, HC_UNTYPED_NREASONS * sizeof(*ret));
	uint8_t *why = hc_array_new(g->nobjects ? g->nobjects : 1, 1);
	if (!why)
		return false;
	memset(why, HC_UNTYPED_NREASONS, g->nobjects);
	for (uint32_t u = 0; u < g->nnodes; u++) {
		if (u == g->nobjects || g->idom[u] == NONE)
			continue; /* the super-root, or unreachable */
		enum hc_untyped_why w = referrer_why(g, u);
		for (uint32_t e = g->edge_start[u]; e < g->edge_start[u + 1]; e++) {
			uint32_t v = g->edges[e];
			if (v < g->nobjects && g->types[g->type[v]].untyped && why[v] > w)
				why[v] = (uint8_t)w;
		}
	}
	for (size_t i = 0; i < g->nruns; i++) {
		uint32_t end = hc_graph_run_end(g, i);
		for (uint32_t v = g->runs[i].first; v < end; v++) {
			if (g->idom[v] == NONE || why[v] >= HC_UNTYPED_NREASONS)
				continue;
			ret[why[v]].objects++;
			ret[why[v]].bytes += g->runs[i].elemsize;
		}
	}
	hc_array_free(why);
	return true;
}
