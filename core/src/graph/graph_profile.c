/*
 * The retention profile (see graph_profile.h).
 *
 * Each reachable object counts once, with its own size, in the sample of
 * its path down the dominator tree: the root that holds it alone, then the
 * types of the objects that dominate it, then its own type.  The objects
 * under a frame are then exactly the dominator subtree that frame stands
 * for, so its cumulative value in `go tool pprof` is that subtree's retained
 * size and object count: exact, where a first-path attribution (goref's)
 * only approximates it.
 *
 * Paths are kept small without losing that: a run of objects of one type
 * that dominate each other (a linked list, a tree of nodes) is one frame;
 * objects that several roots reach hang from the dominator tree's top and
 * get the frame "(several roots)"; a path over MAX_DEPTH frames keeps its
 * first ones, then "(deeper)", then the object's type.  The paths form a
 * trie, built in one preorder walk of the dominator tree (as
 * hc_graph_tree_totals walks it), and each trie node with objects is one
 * sample.
 */
#include <string.h>

#include "graph/graph_profile.h"

#define NONE UINT32_MAX
#define MAX_DEPTH 48

struct tnode {
	uint32_t parent; /* NONE at the top */
	uint32_t frame;  /* a type, a root, or one of the two markers */
	uint32_t attach; /* where a new frame below this one goes */
	uint32_t depth;  /* frames from the top, this one included */
	uint64_t count, bytes;
};

struct trie {
	struct tnode *n;
	size_t len, cap;
	struct hc_u64map index; /* parent << 32 | frame -> node */
	uint64_t last_key;      /* siblings come together: the last lookup */
	uint32_t last;
	uint32_t several, deeper; /* the markers' frame numbers */
	bool oom;
};

static uint32_t child(struct trie *t, uint32_t parent, uint32_t frame)
{
	uint64_t key = (uint64_t)parent << 32 | frame, at;
	if (t->len && key == t->last_key)
		return t->last;
	if (hc_u64map_get(&t->index, key, &at)) {
		t->last_key = key;
		t->last = (uint32_t)at;
		return (uint32_t)at;
	}
	if (t->len >= NONE - 1 || !hc_grow(&t->n, &t->cap, t->len + 1, sizeof(*t->n)) ||
	    !hc_u64map_put(&t->index, key, t->len)) {
		t->oom = true;
		return parent;
	}
	uint32_t id = (uint32_t)t->len++;
	t->n[id] = (struct tnode){
		.parent = parent,
		.frame = frame,
		.attach = id,
		.depth = parent == NONE ? 1 : t->n[parent].depth + 1,
	};
	return id;
}

/* The trie node for an object of type @p frame dominated by one at @p p. */
static uint32_t node_for(struct trie *t, uint32_t p, uint32_t frame)
{
	if (t->n[p].frame == frame)
		return p; /* the same type again: one frame */
	uint32_t a = t->n[p].attach;
	if (t->n[a].depth + 1 < MAX_DEPTH)
		return child(t, a, frame);
	uint32_t e = t->n[a].frame == t->deeper ? a : child(t, a, t->deeper);
	if (t->oom)
		return p;
	t->n[e].attach = e;
	uint32_t n = child(t, e, frame);
	if (!t->oom)
		t->n[n].attach = e;
	return n;
}

static const char *frame_name(const struct hc_graph *g, const struct trie *t, uint32_t frame)
{
	if (frame == t->several)
		return "(several roots)";
	if (frame == t->deeper)
		return "(deeper)";
	if (frame < g->ntypes)
		return g->types[frame].name;
	return g->roots[frame - g->ntypes].name;
}

/* Object @p v's size; @p run remembers the last run, where the next object
 * of a children list usually is too. */
static uint64_t size_of(const struct hc_graph *g, uint32_t v, size_t *run)
{
	if (*run < g->nruns && g->runs[*run].first <= v && v < hc_graph_run_end(g, *run))
		return g->runs[*run].elemsize;
	const struct hc_graph_run *r = hc_graph_run_of(g, v);
	*run = (size_t)(r - g->runs);
	return r->elemsize;
}

/* One location (and function) per frame, made on first use. */
static uint64_t location(struct hc_profile *p, const struct hc_graph *g, const struct trie *t,
			 uint64_t *loc_of, uint32_t frame)
{
	if (!loc_of[frame]) {
		const char *name = frame_name(g, t, frame);
		struct hc_profile_line line = {hc_profile_add_function(p, name, name, "", 0), 0};
		loc_of[frame] = hc_profile_add_location(p, p->nmappings ? 1 : 0, 0, &line, 1);
	}
	return loc_of[frame];
}

struct hc_error *hc_graph_retained_profile(const struct hc_graph *g, struct hc_profile *out)
{
	struct trie t = {.several = g->ntypes + g->nroots, .deeper = g->ntypes + g->nroots + 1};
	hc_u64map_init(&t.index);
	uint32_t *node = hc_array_new((size_t)g->nnodes + 1, sizeof(uint32_t));
	uint64_t *loc_of = calloc((size_t)t.deeper + 1, sizeof(uint64_t));
	uint32_t *first = NULL, *next = NULL;
	struct hc_error *err = NULL;
	if (!node || !loc_of || !hc_graph_dominator_children(g, &first, &next)) {
		err = &hc_enomem;
		goto out;
	}
	uint32_t top = g->nobjects, v = first[top];
	uint32_t several = child(&t, NONE, t.several);
	size_t run = SIZE_MAX;
	while (v != NONE && !t.oom) {
		/* Enter v: its node follows from its dominator's. */
		if (v > top) {
			node[v] = child(&t, NONE, g->ntypes + (v - top - 1));
		} else {
			uint32_t d = g->idom[v];
			node[v] = node_for(&t, d == top ? several : node[d], g->type[v]);
			t.n[node[v]].count++;
			t.n[node[v]].bytes += size_of(g, v, &run);
		}
		if (first[v] != NONE) {
			v = first[v];
			continue;
		}
		/* Leave v and every ancestor whose children are done. */
		while (v != top && next[v] == NONE)
			v = g->idom[v];
		if (v == top)
			break;
		v = next[v];
	}
	if (t.oom) {
		err = &hc_enomem;
		goto out;
	}
	out->period_type.type = hc_profile_string(out, "space");
	out->period_type.unit = hc_profile_string(out, "bytes");
	out->period = 1;
	hc_profile_sample_type(out, "retained_objects", "count");
	hc_profile_sample_type(out, "retained_space", "bytes");
	out->default_sample_type = hc_profile_string(out, "retained_space");
	uint64_t stack[MAX_DEPTH + 2];
	for (size_t i = 0; i < t.len && !out->oom; i++) {
		if (!t.n[i].count)
			continue;
		size_t n = 0;
		for (uint32_t k = (uint32_t)i; k != NONE && n < HC_ARRAY_SIZE(stack); k = t.n[k].parent)
			stack[n++] = location(out, g, &t, loc_of, t.n[k].frame);
		int64_t values[2] = {(int64_t)t.n[i].count, (int64_t)t.n[i].bytes};
		hc_profile_add_sample(out, stack, n, values, NULL, 0);
	}
	if (out->oom)
		err = &hc_enomem;
out:
	hc_array_free(node);
	hc_array_free(first);
	hc_array_free(next);
	free(loc_of);
	free(t.n);
	hc_u64map_deinit(&t.index);
	return err;
}
