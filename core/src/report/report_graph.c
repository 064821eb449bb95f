/*
 * Reports over the object graph: types, roots, the dominator tree (top),
 * the retention path to an object, and one object in detail.
 */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "graph/graph.h"
#include "target/program.h"
#include "report/report.h"

#define NONE UINT32_MAX
#define U64(x) json_object_new_uint64(x)

static const char *root_kind_name(enum hc_root_kind k)
{
	switch (k) {
	case HC_ROOT_GLOBAL:
		return "global";
	case HC_ROOT_GOROUTINE:
		return "goroutine";
	case HC_ROOT_THREAD:
		return "thread";
	default:
		return "other";
	}
}

static void bytes_col(struct hc_strbuf *sb, uint64_t n, int width)
{
	char t[24];
	hc_strbuf_printf(sb, "%*s", width, hc_bytes_text(n, t));
}

/* ---- types ---- */

/* qsort_r context for ordering types. */
struct type_order {
	const struct hc_graph *g;
	unsigned key; /* 1 count, 2 bytes, 3 retained */
};

static int type_cmp(const void *a, const void *b, void *arg)
{
	const struct type_order *o = arg;
	const struct hc_type_info *x = &o->g->types[*(const uint32_t *)a];
	const struct hc_type_info *y = &o->g->types[*(const uint32_t *)b];
	uint64_t kx = o->key == 1 ? x->count : o->key == 2 ? x->bytes : x->retained;
	uint64_t ky = o->key == 1 ? y->count : o->key == 2 ? y->bytes : y->retained;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct hc_error *hc_report_types(struct hc_program *prog, unsigned flags, size_t top,
				 char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	uint32_t *order = malloc((g->ntypes ? g->ntypes : 1) * sizeof(uint32_t));
	if (!order)
		return &hc_enomem;
	uint32_t n = 0;
	for (uint32_t t = 0; t < g->ntypes; t++)
		if (g->types[t].count)
			order[n++] = t;
	struct type_order by = {g, flags & HC_REPORT_SORT_COUNT ? 1 : flags & HC_REPORT_SORT_BYTES ? 2 : 3};
	qsort_r(order, n, sizeof(*order), type_cmp, &by);
	size_t shown = top && top < n ? top : n;
	uint64_t typed_bytes = 0, all_bytes = 0, typed_reachable = 0;
	/* Garbage often has no type anywhere (nothing typed points to it): the
	 * share of reachable bytes typed says how well the live heap is known. */
	for (size_t i = 0; i < g->nruns; i++) {
		uint32_t end = hc_graph_run_end(g, i);
		for (uint32_t v = g->runs[i].first; v < end; v++)
			if (g->idom[v] != NONE && !g->types[g->type[v]].untyped)
				typed_reachable += g->runs[i].elemsize;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct hc_type_info *t = &g->types[order[i]];
		all_bytes += t->bytes;
		if (!t->untyped)
			typed_bytes += t->bytes;
	}
	/* What stays untyped of the live heap, by why, the most bytes first. */
	struct hc_untyped_total why[HC_UNTYPED_NREASONS];
	unsigned reasons[HC_UNTYPED_NREASONS], nreasons = 0;
	if (!hc_graph_untyped_why(g, why)) {
		free(order);
		return &hc_enomem;
	}
	for (unsigned w = 0; w < HC_UNTYPED_NREASONS; w++) {
		unsigned k = nreasons++;
		for (; k > 0 && why[reasons[k - 1]].bytes < why[w].bytes; k--)
			reasons[k] = reasons[k - 1];
		reasons[k] = w;
	}
	while (nreasons && !why[reasons[nreasons - 1]].objects)
		nreasons--;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *types = json_object_new_array(),
			    *untyped = json_object_new_array();
		for (size_t i = 0; doc && types && untyped && i < n; i++) {
			const struct hc_type_info *t = &g->types[order[i]];
			json_object *e = json_object_new_object();
			if (!e) {
				oom = true;
				break;
			}
			hc_json_add(e, "type", json_object_new_string(t->name), &oom);
			hc_json_add(e, "count", U64(t->count), &oom);
			hc_json_add(e, "bytes", U64(t->bytes), &oom);
			hc_json_add(e, "retained", U64(t->retained), &oom);
			if (t->untyped) {
				unsigned spc = order[i];
				hc_json_add(e, "size_class", U64(spc >> 1), &oom);
				hc_json_add(e, "noscan", json_object_new_boolean(spc & 1), &oom);
				json_object_array_add(untyped, json_object_get(e));
			}
			if (i < shown)
				json_object_array_add(types, e);
			else
				json_object_put(e);
		}
		if (!doc || !types || !untyped)
			oom = true;
		else {
			hc_json_add(doc, "types", types, &oom);
			hc_json_add(doc, "untyped", untyped, &oom);
			hc_json_add(doc, "typed_bytes", U64(typed_bytes), &oom);
			hc_json_add(doc, "typed_reachable_bytes", U64(typed_reachable), &oom);
			json_object *reach = json_object_new_array();
			for (unsigned i = 0; reach && i < nreasons; i++) {
				json_object *e = json_object_new_object();
				if (!e) {
					oom = true;
					break;
				}
				hc_json_add(e, "reason", json_object_new_string(
							    hc_untyped_why_key(reasons[i])), &oom);
				hc_json_add(e, "why", json_object_new_string(
							 hc_untyped_why_text(reasons[i])), &oom);
				hc_json_add(e, "objects", U64(why[reasons[i]].objects), &oom);
				hc_json_add(e, "bytes", U64(why[reasons[i]].bytes), &oom);
				json_object_array_add(reach, e);
			}
			hc_json_add(doc, "untyped_reachable", reach, &oom);
			hc_json_add(doc, "reachable_bytes", U64(g->reachable_bytes), &oom);
			hc_json_add(doc, "heap_bytes", U64(all_bytes), &oom);
		}
		free(order);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%10s %12s %12s  %s\n", "count", "bytes", "retained", "type");
	for (size_t i = 0; i < shown; i++) {
		const struct hc_type_info *t = &g->types[order[i]];
		hc_strbuf_printf(&sb, "%10" PRIu64 " ", t->count);
		bytes_col(&sb, t->bytes, 12);
		hc_strbuf_puts(&sb, " ");
		bytes_col(&sb, t->retained, 12);
		hc_strbuf_printf(&sb, "  %s\n", t->name);
	}
	if (shown < n)
		hc_strbuf_printf(&sb, "... %zu more types (--top 0 shows all)\n", n - shown);
	hc_strbuf_printf(&sb, "\n%u types; %.1f%% of heap bytes typed, %.1f%% of reachable bytes\n", n,
			 all_bytes ? 100.0 * (double)typed_bytes / (double)all_bytes : 100.0,
			 g->reachable_bytes ? 100.0 * (double)typed_reachable / (double)g->reachable_bytes
					    : 100.0);
	if (nreasons)
		hc_strbuf_puts(&sb, "untyped reachable bytes, by why:\n");
	for (unsigned i = 0; i < nreasons; i++) {
		bytes_col(&sb, why[reasons[i]].bytes, 12);
		hc_strbuf_printf(&sb, " %8" PRIu64 "  %s\n", why[reasons[i]].objects,
				 hc_untyped_why_text(reasons[i]));
	}
	/* A core taken mid-GC (or long after one) holds garbage: say how much,
	 * and how little of it anything typed. */
	if (all_bytes > g->reachable_bytes) {
		uint64_t garbage = all_bytes - g->reachable_bytes;
		uint64_t typed_garbage = typed_bytes - typed_reachable;
		hc_strbuf_puts(&sb, "unreachable: ");
		hc_strbuf_bytes(&sb, garbage);
		hc_strbuf_printf(&sb, ", %.1f%% of heap bytes (garbage the next GC would free); ",
				 100.0 * (double)garbage / (double)all_bytes);
		hc_strbuf_bytes(&sb, typed_garbage);
		hc_strbuf_puts(&sb, " of it typed\n");
	}
	hc_text_warnings(&sb, prog);
	free(order);
	return hc_strbuf_finish(&sb, ret);
}

static json_object *object_json(const struct hc_graph *g, uint32_t v, bool *oom);

/* ---- roots ---- */

static int root_cmp(const void *a, const void *b, void *arg)
{
	const struct hc_graph *g = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t rx = g->retained[hc_graph_root_node(g, x)];
	uint64_t ry = g->retained[hc_graph_root_node(g, y)];
	if (rx != ry)
		return rx > ry ? -1 : 1;
	return strcmp(g->roots[x].name, g->roots[y].name);
}

struct hc_error *hc_report_roots(struct hc_program *prog, unsigned flags, size_t top,
				 char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	uint32_t *order = malloc((g->nroots ? g->nroots : 1) * sizeof(uint32_t));
	if (!order)
		return &hc_enomem;
	for (uint32_t r = 0; r < g->nroots; r++)
		order[r] = r;
	qsort_r(order, g->nroots, sizeof(*order), root_cmp, (void *)g);
	size_t shown = top && top < g->nroots ? top : g->nroots;
	uint64_t all_bytes = 0;
	for (size_t i = 0; i < g->nruns; i++)
		all_bytes += (uint64_t)(hc_graph_run_end(g, i) - g->runs[i].first) * g->runs[i].elemsize;
	uint64_t un_obj = g->nobjects - g->reachable_objects;
	uint64_t un_bytes = all_bytes - g->reachable_bytes;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *roots = json_object_new_array();
		for (size_t i = 0; doc && roots && i < shown; i++) {
			const struct hc_root *r = &g->roots[order[i]];
			uint32_t node = hc_graph_root_node(g, order[i]);
			json_object *e = json_object_new_object();
			if (!e) {
				oom = true;
				break;
			}
			hc_json_add(e, "root", json_object_new_string(r->name), &oom);
			hc_json_add(e, "kind", json_object_new_string(root_kind_name(r->kind)), &oom);
			hc_json_add(e, "retained", U64(g->retained[node]), &oom);
			hc_json_add(e, "objects", U64(r->dominated), &oom);
			hc_json_add(e, "conservative", json_object_new_boolean(r->conservative), &oom);
			if (r->goroutine >= 0)
				hc_json_add(e, "goroutine", json_object_new_int64(r->goroutine), &oom);
			if (r->function)
				hc_json_add(e, "function", json_object_new_string(r->function), &oom);
			if (r->slot)
				hc_json_add(e, "slot", json_object_new_string(r->slot), &oom);
			json_object_array_add(roots, e);
		}
		json_object *reach = json_object_new_object(), *unreach = json_object_new_object();
		if (!doc || !roots || !reach || !unreach)
			oom = true;
		else {
			hc_json_add(doc, "roots", roots, &oom);
			hc_json_add(reach, "objects", U64(g->reachable_objects), &oom);
			hc_json_add(reach, "bytes", U64(g->reachable_bytes), &oom);
			hc_json_add(unreach, "objects", U64(un_obj), &oom);
			hc_json_add(unreach, "bytes", U64(un_bytes), &oom);
			json_object *sample = json_object_new_array();
			for (uint32_t v = 0; sample && v < g->nobjects &&
					    json_object_array_length(sample) < 20; v++)
				if (g->idom[v] == NONE)
					json_object_array_add(sample, object_json(g, v, &oom));
			hc_json_add(unreach, "first", sample, &oom);
			json_object *gr = json_object_new_object();
			if (gr) {
				hc_json_add(gr, "objects", U64(g->nobjects), &oom);
				hc_json_add(gr, "edges", U64(g->nedges), &oom);
				hc_json_add(gr, "roots", U64(g->nroots), &oom);
			}
			hc_json_add(doc, "graph", gr, &oom);
			hc_json_add(doc, "reachable", reach, &oom);
			hc_json_add(doc, "unreachable", unreach, &oom);
		}
		free(order);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%12s %10s  %-9s %s\n", "retained", "objects", "kind", "root");
	for (size_t i = 0; i < shown; i++) {
		const struct hc_root *r = &g->roots[order[i]];
		uint32_t node = hc_graph_root_node(g, order[i]);
		bytes_col(&sb, g->retained[node], 12);
		hc_strbuf_printf(&sb, " %10" PRIu64 "  %-9s %s\n", r->dominated, root_kind_name(r->kind),
				 r->name);
	}
	if (shown < g->nroots)
		hc_strbuf_printf(&sb, "... %zu more roots (--top 0 shows all)\n", g->nroots - shown);
	hc_strbuf_printf(&sb, "\nreachable:   %" PRIu64 " objects, ", g->reachable_objects);
	hc_strbuf_bytes(&sb, g->reachable_bytes);
	hc_strbuf_printf(&sb, "\nunreachable: %" PRIu64 " objects, ", un_obj);
	hc_strbuf_bytes(&sb, un_bytes);
	hc_strbuf_puts(&sb, " (garbage the next GC would free)\n");
	hc_strbuf_printf(&sb, "graph:       %u objects, %" PRIu64 " pointers, %u roots\n",
			 g->nobjects, g->nedges - g->nroots, g->nroots);
	hc_text_warnings(&sb, prog);
	free(order);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- top: the dominator tree ---- */

struct tree {
	uint32_t *first, *next; /* the dominator tree's children lists */
};

/* Biggest retained first (qsort_r with the graph as context). */
static int node_cmp(const void *a, const void *b, void *arg)
{
	const struct hc_graph *g = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (g->retained[x] != g->retained[y])
		return g->retained[x] > g->retained[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The children of @p v in the dominator tree, biggest retainers first, in a
 * malloc'ed array; a root node's children stand in for it when @p through_roots.
 */
static uint32_t *children(const struct hc_graph *g, const struct tree *t, uint32_t v,
			  bool through_roots, size_t *ret)
{
	size_t n = 0, cap = 0;
	uint32_t *out = NULL;
	for (uint32_t w = t->first[v]; w != NONE; w = t->next[w]) {
		if (through_roots && w > g->nobjects) {
			for (uint32_t x = t->first[w]; x != NONE; x = t->next[x]) {
				if (!hc_grow(&out, &cap, n + 1, sizeof(*out)))
					goto oom;
				out[n++] = x;
			}
			continue;
		}
		if (!hc_grow(&out, &cap, n + 1, sizeof(*out)))
			goto oom;
		out[n++] = w;
	}
	if (n)
		qsort_r(out, n, sizeof(*out), node_cmp, (void *)g);
	*ret = n;
	if (!out)
		out = malloc(sizeof(*out)); /* an empty list, not an error */
	return out;
oom:
	free(out);
	return NULL;
}

static const char *type_name_of(const struct hc_graph *g, uint32_t v)
{
	return g->types[g->type[v]].name;
}

static json_object *object_json(const struct hc_graph *g, uint32_t v, bool *oom)
{
	json_object *e = json_object_new_object();
	if (!e) {
		*oom = true;
		return NULL;
	}
	hc_json_add(e, "address", U64(hc_graph_addr(g, v)), oom);
	hc_json_add(e, "type", json_object_new_string(type_name_of(g, v)), oom);
	hc_json_add(e, "size", U64(hc_graph_size(g, v)), oom);
	hc_json_add(e, "retained", U64(g->retained[v]), oom);
	return e;
}

/* The root that alone holds a top-level object, or NULL (several do). */
static const struct hc_root *holding_root(const struct hc_graph *g, uint32_t v)
{
	uint32_t d = g->idom[v];
	return d != NONE && d > g->nobjects ? &g->roots[d - g->nobjects - 1] : NULL;
}

/*
 * One level of the dominator tree being unfolded: the children of a node,
 * biggest first, the next to print, and (JSON) the array they go in.
 */
struct tree_frame {
	uint32_t *c;
	size_t n, k;
	json_object *kids;
};

/*
 * Print the subtree under top-level object @p v, @p depth levels, into @p sb
 * (text) or @p arr (JSON).  Iterative, with an explicit stack of at most
 * @p depth frames: a dominator chain is as long as the longest linked list
 * in the heap, and one C stack frame per level would overflow the stack
 * on a deep one.
 */
static void tree_print(const struct hc_graph *g, const struct tree *t, uint32_t v,
		       unsigned depth, size_t top, struct hc_strbuf *sb, json_object *arr,
		       bool *oom)
{
	struct tree_frame *stack = calloc(depth, sizeof(*stack));
	if (!stack) {
		*oom = true;
		return;
	}
	size_t sp = 0;
	json_object *into = arr;
	for (;;) {
		/* Print v, at level sp, into `into`; then unfold it if depth allows. */
		unsigned level = (unsigned)sp;
		bool unfold = level + 1 < depth;
		json_object *kids = NULL;
		if (sb) {
			bytes_col(sb, g->retained[v], 12);
			hc_strbuf_puts(sb, " ");
			bytes_col(sb, hc_graph_size(g, v), 10);
			hc_strbuf_printf(sb, "  %*s0x%" PRIx64 " %s", 2 * level, "",
					 hc_graph_addr(g, v), type_name_of(g, v));
			if (g->idom[v] != NONE && g->idom[v] >= g->nobjects) {
				const struct hc_root *r = holding_root(g, v);
				hc_strbuf_printf(sb, "  (%s)", r ? r->name : "several roots");
			}
			hc_strbuf_puts(sb, "\n");
		} else {
			json_object *e = object_json(g, v, oom);
			if (!e) {
				unfold = false;
			} else {
				if (g->idom[v] != NONE && g->idom[v] >= g->nobjects) {
					const struct hc_root *r = holding_root(g, v);
					hc_json_add_string(e, "root", r ? r->name : NULL, oom);
				}
				if (unfold) {
					kids = json_object_new_array();
					/* e holds kids from here: freeing e frees them. */
					hc_json_add(e, "dominated", kids, oom);
					if (!kids || *oom)
						unfold = false;
				}
				if (json_object_array_add(into, e) != 0) {
					json_object_put(e);
					*oom = true;
					unfold = false;
				}
			}
		}
		if (unfold) {
			size_t n;
			uint32_t *c = children(g, t, v, false, &n);
			if (!c) {
				*oom = true;
				if (sb)
					sb->oom = true;
			} else {
				stack[sp++] = (struct tree_frame){.c = c, .n = n, .kids = kids};
			}
		}
		/* The next node: the next child of the innermost level that has one. */
		v = NONE;
		while (sp) {
			struct tree_frame *f = &stack[sp - 1];
			if (f->k < f->n && (!top || f->k < top)) {
				v = f->c[f->k++];
				into = f->kids;
				break;
			}
			if (sb && top && f->n > top)
				hc_strbuf_printf(sb, "%24s  %*s... %zu more\n", "", 2 * (int)sp, "",
						 f->n - top);
			free(f->c);
			sp--;
		}
		if (v == NONE)
			break;
	}
	free(stack);
}

struct hc_error *hc_report_top(struct hc_program *prog, unsigned flags, size_t top,
			       unsigned depth, char **ret)
{
	/* Checked here, for every front end alike, before any work. */
	if (depth < 1 || depth > HC_TOP_DEPTH_MAX)
		return hc_error_format(HC_ERROR_INVALID_ARGUMENT,
				       "depth %u is out of range: 1 to %u levels", depth,
				       HC_TOP_DEPTH_MAX);
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	struct tree t = {0};
	if (!hc_graph_dominator_children(g, &t.first, &t.next))
		return &hc_enomem;
	/* The objects directly under the roots: the top of the dominator tree. */
	size_t n;
	uint32_t *tops = children(g, &t, g->nobjects, true, &n);
	if (!tops) {
		hc_array_free(t.first);
		hc_array_free(t.next);
		return &hc_enomem;
	}
	size_t shown = top && top < n ? top : n;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *objs = json_object_new_array();
		for (size_t i = 0; doc && objs && i < shown; i++)
			tree_print(g, &t, tops[i], depth, top, NULL, objs, &oom);
		if (!doc || !objs)
			oom = true;
		else
			hc_json_add(doc, "objects", objs, &oom);
		free(tops);
		hc_array_free(t.first);
		hc_array_free(t.next);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%12s %10s  %s\n", "retained", "size", "object");
	bool oom = false;
	for (size_t i = 0; i < shown && !oom; i++)
		tree_print(g, &t, tops[i], depth, top, &sb, NULL, &oom);
	if (oom)
		sb.oom = true;
	if (shown < n)
		hc_strbuf_printf(&sb, "... %zu more (--top 0 shows all)\n", n - shown);
	hc_text_warnings(&sb, prog);
	free(tops);
	hc_array_free(t.first);
	hc_array_free(t.next);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- path ---- */

static void global_display_name(const struct hc_graph_global *v, char *out, size_t len);

static struct hc_error *find_object(const struct hc_graph *g,
				    uint64_t addr, uint32_t *ret)
{
	uint32_t v = hc_graph_find(g, addr);
	const struct hc_graph_global *global = v == NONE ? hc_graph_global_at(g, addr) : NULL;
	if (global) {
		char name[600];
		global_display_name(global, name, sizeof(name));
		return hc_error_format(HC_ERROR_NOT_FOUND,
				       "0x%" PRIx64 " is not inside an allocated heap object: it is in %s, "
				       "%s data whose pointers are roots", addr, name,
				       global->is_static ? "static" : "global");
	}
	if (v == NONE)
		return hc_error_format(HC_ERROR_NOT_FOUND,
				       "0x%" PRIx64 " is not inside an allocated heap object", addr);
	*ret = v;
	return NULL;
}

/* Offset within @p from of the first word pointing into object @p to. */
static int64_t field_offset(struct hc_program *prog, const struct hc_graph *g,
			    uint32_t from, uint32_t to)
{
	if (from >= g->nobjects)
		return -1; /* a root: no object to look into */
	uint64_t fsize = hc_graph_size(g, from), taddr = hc_graph_addr(g, to), tsize = hc_graph_size(g, to);
	const uint8_t *p = hc_memory_ptr(&prog->mem, hc_graph_addr(g, from), fsize);
	if (!p)
		return -1;
	for (uint64_t off = 0; off + 8 <= fsize; off += 8) {
		uint64_t v;
		memcpy(&v, p + off, 8);
		if (v >= taddr && v < taddr + tsize)
			return (int64_t)off;
	}
	return -1;
}

/* Rewrite "[g].slots[s]..." of a swiss map's groups as "(group g, slot s)...",
 * "[b].keys[s]"/"[b].values[s]" of an old map's buckets as
 * "(bucket b, slot s).key"/".elem". */
static void map_slot_name(struct hc_strbuf *sb, size_t start, uint64_t index, bool buckets)
{
	const char *path = sb->str ? sb->str + start : "";
	unsigned long slot;
	int n = 0;
	char what[8] = "";
	if (!buckets && sscanf(path, ".slots[%lu]%n", &slot, &n) == 1 && n > 0) {
		char rest[256];
		snprintf(rest, sizeof(rest), "%s", path + n);
		sb->len = start;
		hc_strbuf_printf(sb, "(group %" PRIu64 ", slot %lu)%s", index, slot, rest);
	} else if (buckets && sscanf(path, ".%7[a-z][%lu]%n", what, &slot, &n) == 2 && n > 0 &&
		   (strcmp(what, "keys") == 0 || strcmp(what, "values") == 0 ||
		    strcmp(what, "elems") == 0)) {
		char rest[256];
		snprintf(rest, sizeof(rest), "%s", path + n);
		sb->len = start;
		hc_strbuf_printf(sb, "(bucket %" PRIu64 ", slot %lu).%s%s", index, slot,
				 what[0] == 'k' ? "key" : "elem", rest);
	} else {
		return;
	}
}

/*
 * The field of object @p v at byte @p off, as a reader names it: ".next",
 * "[3].Name", "(group 3, slot 5).elem" for a map's groups, "" for an object
 * that is one pointer, from the object's type and DWARF; "+off" when the
 * type is unknown.
 */
/*
 * Object @p v's DWARF type: the element type when the object is an array of
 * it (its type is named "[]T" or it holds several), where its data starts
 * (after a malloc header) and the element's size.  The runtime's names for
 * map groups and buckets are looked up under the compiler's DWARF names
 * ("noalg.map.group[K]V", "bucket<K,V>").
 */
struct object_type {
	Dwarf_Die die;
	const char *name; /* the element type's name, as the graph has it */
	bool array;       /* the type says "[]T" */
	uint64_t data, esize;
};

static bool object_type_of(struct hc_program *prog, const struct hc_graph *g, uint32_t v,
			   struct object_type *ot)
{
	const struct hc_type_info *t = &g->types[g->type[v]];
	struct hc_dwarf_index *dw;
	struct hc_error *e = hc_dwarf_index_get(prog, &dw);
	if (e || t->untyped) {
		hc_error_destroy(e);
		return false;
	}
	ot->data = hc_graph_run_of(g, v)->header ? 8 : 0;
	ot->name = t->name;
	ot->array = ot->name[0] == '[' && ot->name[1] == ']';
	if (ot->array)
		ot->name += 2;
	e = hc_dwarf_type(dw, ot->name, &ot->die);
	if (e) {
		char alt[512];
		hc_error_destroy(e);
		snprintf(alt, sizeof(alt), "noalg.%s", ot->name);
		if (strncmp(ot->name, "map.bucket[", 11) == 0) {
			const char *k = ot->name + 11, *p = k;
			int depth = 1;
			while (*p && (depth -= *p == ']', depth += *p == '[', depth))
				p++;
			if (*p == ']')
				snprintf(alt, sizeof(alt), "bucket<%.*s,%s>", (int)(p - k), k, p + 1);
		}
		e = hc_dwarf_type(dw, alt, &ot->die);
	}
	ot->esize = 0;
	if (!e)
		e = hc_dwarf_die_size(&ot->die, &ot->esize);
	hc_error_destroy(e);
	return !e && ot->esize;
}

static void field_name(struct hc_program *prog, const struct hc_graph *g, uint32_t v,
		       uint64_t off, struct hc_strbuf *sb)
{
	size_t start = sb->len;
	struct object_type ot;
	if (!object_type_of(prog, g, v, &ot) || off < ot.data) {
		hc_strbuf_printf(sb, "+%" PRIu64, off);
		return;
	}
	uint64_t index = (off - ot.data) / ot.esize, rem = (off - ot.data) % ot.esize;
	bool group = strstr(ot.name, "map.group[") != NULL;
	bool bucket = strstr(ot.name, "map.bucket[") != NULL;
	if ((ot.array || index) && !group && !bucket)
		hc_strbuf_printf(sb, "[%" PRIu64 "]", index);
	size_t fstart = sb->len;
	hc_dwarf_field_path(&ot.die, rem, sb);
	if (group || bucket)
		map_slot_name(sb, fstart, index, bucket);
	if (sb->len == start && hc_graph_size(g, v) - ot.data >= 2 * ot.esize)
		hc_strbuf_printf(sb, "[%" PRIu64 "]", index); /* an array of pointers */
}

/* The field at byte @p off of @p from, named (see field_name), or NULL if off < 0. */
static char *field_at(struct hc_program *prog, const struct hc_graph *g, uint32_t from,
		      int64_t off)
{
	if (off < 0)
		return NULL;
	struct hc_strbuf sb;
	char *out = NULL;
	hc_strbuf_init(&sb);
	field_name(prog, g, from, (uint64_t)off, &sb);
	struct hc_error *e = hc_strbuf_finish(&sb, &out);
	hc_error_destroy(e);
	return out;
}

/* The field of @p from pointing into @p to, named (see field_name), or NULL. */
static char *pointer_field(struct hc_program *prog, const struct hc_graph *g, uint32_t from,
			   uint32_t to)
{
	return field_at(prog, g, from, field_offset(prog, g, from, to));
}

struct hc_error *hc_report_path(struct hc_program *prog, unsigned flags, uint64_t addr,
				char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	uint32_t target = NONE;
	err = find_object(g, addr, &target);
	if (err)
		return err;
	/* Breadth-first from the super-root: the shortest path in hops. */
	uint32_t *parent = hc_array_new(g->nnodes, sizeof(uint32_t));
	uint32_t *queue = hc_array_new(g->nnodes, sizeof(uint32_t));
	if (!parent || !queue) {
		hc_array_free(parent);
		hc_array_free(queue);
		return &hc_enomem;
	}
	memset(parent, 0xff, (size_t)g->nnodes * sizeof(uint32_t));
	uint32_t head = 0, tail = 0;
	queue[tail++] = g->nobjects;
	parent[g->nobjects] = g->nobjects;
	while (head < tail && parent[target] == NONE) {
		uint32_t v = queue[head++];
		for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (parent[w] == NONE) {
				parent[w] = v;
				queue[tail++] = w;
			}
		}
	}
	if (parent[target] == NONE) {
		hc_array_free(parent);
		hc_array_free(queue);
		return hc_error_format(HC_ERROR_NOT_FOUND,
				       "object 0x%" PRIx64 " is not reachable from any root (garbage)",
				       hc_graph_addr(g, target));
	}
	/* The hops, target first, in the queue's memory; hops[nh-1] is the root node. */
	uint32_t *hops = queue;
	size_t nh = 0;
	for (uint32_t v = target; v != g->nobjects; v = parent[v])
		hops[nh++] = v;
	hc_array_free(parent);
	const struct hc_root *root = &g->roots[hops[nh - 1] - g->nobjects - 1];
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *path = json_object_new_array();
		json_object *r = json_object_new_object();
		if (!doc || !path || !r)
			oom = true;
		else {
			hc_json_add(r, "root", json_object_new_string(root->name), &oom);
			hc_json_add(r, "kind", json_object_new_string(root_kind_name(root->kind)), &oom);
			json_object_array_add(path, r);
			for (size_t i = nh - 1; i-- > 0 && !oom;) {
				uint32_t v = hops[i];
				json_object *e = object_json(g, v, &oom);
				if (!e)
					break;
				char *f = pointer_field(prog, g, hops[i + 1], v);
				hc_json_add_string(e, "field", f, &oom);
				free(f);
				json_object_array_add(path, e);
			}
			hc_json_add(doc, "path", path, &oom);
			hc_json_add(doc, "hops", U64(nh - 1), &oom);
		}
		hc_array_free(queue);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	/* Text: a path of thousands of hops shows its two ends. */
	const size_t keep = 2048;
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%s (%s)\n", root->name, root_kind_name(root->kind));
	for (size_t i = nh - 1; i-- > 0;) {
		if (nh - 1 > 2 * keep && i == nh - 1 - keep - 1) {
			hc_strbuf_printf(&sb, "  ... %zu hops not shown (--json has them all)\n",
					 nh - 1 - 2 * keep);
			i = keep - 1;
		}
		uint32_t v = hops[i];
		char *f = pointer_field(prog, g, hops[i + 1], v);
		hc_strbuf_puts(&sb, "  → ");
		if (f && *f)
			hc_strbuf_printf(&sb, "%s → ", f);
		free(f);
		hc_strbuf_printf(&sb, "0x%" PRIx64 " %s (%" PRIu64 " B)\n", hc_graph_addr(g, v),
				 type_name_of(g, v), hc_graph_size(g, v));
	}
	hc_strbuf_printf(&sb, "%zu hops\n", nh - 1);
	hc_text_warnings(&sb, prog);
	hc_array_free(queue);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- object ---- */

/* Listing an object's fields with their values. */
struct fields {
	struct hc_program *prog;
	struct hc_strbuf *text; /* one of these two */
	json_object *json;
	unsigned count;
	bool oom;
};

#define MAX_FIELDS 64
#define MAX_ELEMS 8

static void add_field(struct fields *f, const char *path, const char *type, uint64_t off,
		      const char *value, json_object *jvalue)
{
	if (f->count++ >= MAX_FIELDS) {
		json_object_put(jvalue);
		return;
	}
	if (f->text) {
		hc_strbuf_printf(f->text, "    %-24s %-20s = %s\n", path, type ? type : "?", value);
		json_object_put(jvalue);
		return;
	}
	json_object *e = json_object_new_object();
	if (!e) {
		json_object_put(jvalue);
		f->oom = true;
		return;
	}
	hc_json_add(e, "field", json_object_new_string(path), &f->oom);
	hc_json_add_string(e, "type", type, &f->oom);
	hc_json_add(e, "offset", U64(off), &f->oom);
	hc_json_add(e, "value", jvalue ? jvalue : json_object_new_string(value), &f->oom);
	json_object_array_add(f->json, e);
}

static uint64_t word_at(const uint8_t *mem, uint64_t off)
{
	uint64_t v;
	memcpy(&v, mem + off, 8);
	return v;
}

/* A Go string's bytes, quoted and cut at 64, or "" when unreadable. */
static void string_value(struct fields *f, uint64_t ptr, uint64_t len, char *out, size_t outlen)
{
	char bytes[65];
	size_t n = len < 64 ? (size_t)len : 64;
	if (len && (len > (1ULL << 32) || !hc_memory_peek(&f->prog->mem, ptr, bytes, n))) {
		snprintf(out, outlen, "(0x%" PRIx64 ", len %" PRIu64 ", not readable)", ptr, len);
		return;
	}
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < outlen; i++) {
		unsigned char c = (unsigned char)bytes[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	if (len > n && o + 24 < outlen)
		snprintf(out + o, outlen - o, "... (len %" PRIu64 ")", len);
}

static void list_fields(struct fields *f, Dwarf_Die *type, const uint8_t *mem, uint64_t len,
			uint64_t off, char *path, size_t plen, int depth)
{
	Dwarf_Die t = *type;
	const char *tname = dwarf_diename(type);
	hc_dwarf_strip_typedefs(&t);
	if (!tname)
		tname = dwarf_diename(&t);
	uint64_t size = 0;
	struct hc_error *e = hc_dwarf_die_size(&t, &size);
	hc_error_destroy(e);
	if (e || off + size > len || f->count >= MAX_FIELDS)
		return;
	char value[160];
	size_t at = strlen(path);
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type: {
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;
		if (dwarf_attr(&t, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		uint64_t raw = 0;
		memcpy(&raw, mem + off, size < 8 ? (size_t)size : 8);
		json_object *jv = NULL;
		if (enc == DW_ATE_boolean) {
			snprintf(value, sizeof(value), "%s", raw & 0xff ? "true" : "false");
			jv = json_object_new_boolean(raw & 0xff);
		} else if (enc == DW_ATE_signed && size <= 8) {
			int64_t sv = size == 8 ? (int64_t)raw : (int64_t)(raw << (64 - 8 * size)) >> (64 - 8 * size);
			snprintf(value, sizeof(value), "%" PRId64, sv);
			jv = json_object_new_int64(sv);
		} else if (enc == DW_ATE_unsigned && size <= 8) {
			snprintf(value, sizeof(value), "%" PRIu64, raw);
			jv = json_object_new_uint64(raw);
		} else if (enc == DW_ATE_float && size == 8) {
			double d;
			memcpy(&d, &raw, 8);
			snprintf(value, sizeof(value), "%g", d);
		} else if (enc == DW_ATE_float && size == 4) {
			float d;
			memcpy(&d, &raw, 4);
			snprintf(value, sizeof(value), "%g", (double)d);
		} else {
			snprintf(value, sizeof(value), "0x%" PRIx64, raw);
		}
		add_field(f, path, tname, off, value, jv);
		return;
	}
	case DW_TAG_pointer_type:
	case DW_TAG_subroutine_type: {
		uint64_t p = word_at(mem, off);
		snprintf(value, sizeof(value), p ? "0x%" PRIx64 : "nil", p);
		add_field(f, path, tname, off, value, NULL);
		return;
	}
	case DW_TAG_array_type: {
		Dwarf_Die elem;
		uint64_t n = 0, esize = 0;
		if (!hc_dwarf_array_info(&t, &elem, &n, &esize) || !esize)
			return;
		for (uint64_t i = 0; i < n && i < MAX_ELEMS; i++) {
			snprintf(path + at, plen - at, "[%" PRIu64 "]", i);
			list_fields(f, &elem, mem, len, off + i * esize, path, plen, depth + 1);
		}
		path[at] = '\0';
		if (n > MAX_ELEMS) {
			snprintf(value, sizeof(value), "... %" PRIu64 " more elements", n - MAX_ELEMS);
			add_field(f, path, tname, off, value, NULL);
		}
		return;
	}
	case DW_TAG_structure_type:
		break;
	default:
		return;
	}
	enum hc_go_struct gs = hc_dwarf_go_struct(dwarf_diename(&t));
	if (gs == HC_GO_STRING && size == 16) {
		string_value(f, word_at(mem, off), word_at(mem, off + 8), value, sizeof(value));
		add_field(f, path, tname, off, value, NULL);
		return;
	}
	if (gs == HC_GO_SLICE && size == 24) {
		uint64_t p = word_at(mem, off);
		if (p)
			snprintf(value, sizeof(value), "{0x%" PRIx64 ", len %" PRIu64 ", cap %" PRIu64 "}",
				 p, word_at(mem, off + 8), word_at(mem, off + 16));
		else
			snprintf(value, sizeof(value), "nil");
		add_field(f, path, tname, off, value, NULL);
		return;
	}
	if ((gs == HC_GO_EFACE || gs == HC_GO_IFACE) && size == 16) {
		uint64_t tw = word_at(mem, off), dw = word_at(mem, off + 8);
		if (tw)
			snprintf(value, sizeof(value), "{%s 0x%" PRIx64 ", data 0x%" PRIx64 "}",
				 gs == HC_GO_EFACE ? "type" : "itab", tw, dw);
		else
			snprintf(value, sizeof(value), "nil");
		add_field(f, path, tname, off, value, NULL);
		return;
	}
	if (depth > 4) {
		add_field(f, path, tname, off, "{...}", NULL);
		return;
	}
	Dwarf_Die child;
	if (dwarf_child(&t, &child) != 0)
		return;
	do {
		Dwarf_Attribute a;
		Dwarf_Word moff;
		Dwarf_Die mt;
		const char *mname = dwarf_diename(&child);
		if (dwarf_tag(&child) != DW_TAG_member || !dwarf_attr(&child, DW_AT_data_member_location, &a) ||
		    dwarf_formudata(&a, &moff) != 0 || !hc_dwarf_die_type(&child, &mt) ||
		    (mname && mname[0] == '_' && mname[1] == '\0'))
			continue;
		snprintf(path + at, plen - at, ".%s", mname ? mname : "?");
		list_fields(f, &mt, mem, len, off + moff, path, plen, depth + 1);
	} while (dwarf_siblingof(&child, &child) == 0 && f->count < MAX_FIELDS);
	path[at] = '\0';
}

/* Object @p v's fields with their values, from its DWARF type; the first
 * elements when it is an array. */
static void object_fields(struct hc_program *prog, const struct hc_graph *g, uint32_t v,
			  struct fields *f)
{
	struct object_type ot;
	uint64_t size = hc_graph_size(g, v);
	const uint8_t *mem = hc_memory_ptr(&prog->mem, hc_graph_addr(g, v), size);
	if (!mem || !object_type_of(prog, g, v, &ot) || ot.data >= size)
		return;
	bool many = ot.array || size - ot.data >= 2 * ot.esize;
	char path[256];
	for (uint64_t i = 0; ot.data + (i + 1) * ot.esize <= size && i < (many ? MAX_ELEMS : 1); i++) {
		if (many)
			snprintf(path, sizeof(path), "[%" PRIu64 "]", i);
		else
			path[0] = '\0';
		list_fields(f, &ot.die, mem, size, ot.data + i * ot.esize, path, sizeof(path), 0);
	}
	if (f->count > MAX_FIELDS && f->text)
		hc_strbuf_printf(f->text, "    ... %u more\n", f->count - MAX_FIELDS);
}

/* How a global is named: a variable by itself, static data by what points
 * to it ("*main.orders", or "main.table[:]" behind a slice). */
static void global_display_name(const struct hc_graph_global *v, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", v->is_static && !v->esize ? "*" : "", v->name,
		 v->is_static && v->esize ? "[:]" : "");
}

/*
 * A global variable or static data, as `object` shows a heap object: its
 * DWARF type and fields, and the heap objects its pointer words (its roots)
 * point to, with what those retain.
 */
static struct hc_error *global_object(struct hc_program *prog, const struct hc_graph *g,
				      const struct hc_graph_global *v, unsigned flags, char **ret)
{
	char name[600];
	global_display_name(v, name, sizeof(name));
	struct hc_dwarf_index *dw = NULL;
	struct hc_error *e = hc_dwarf_index_get(prog, &dw);
	hc_error_destroy(e);
	Dwarf_Die type;
	bool typed = !e && v->type && dwarf_offdie(dw->dwarf, v->type, &type);
	const char *tname = typed ? dwarf_diename(&type) : NULL;
	char tbuf[600];
	if (tname && v->esize) {
		snprintf(tbuf, sizeof(tbuf), "[]%s", tname);
		tname = tbuf;
	}
	uint64_t retained = 0;
	size_t npointers = 0;
	for (uint32_t r = 0; r < g->nroots; r++) {
		if (g->roots[r].symbol != v->name)
			continue;
		uint32_t node = hc_graph_root_node(g, r);
		retained += g->retained[node];
		npointers += g->edge_start[node + 1] - g->edge_start[node];
	}
	const uint8_t *mem = hc_memory_ptr(&prog->mem, v->addr, v->size);
	size_t nlen = strlen(v->name);
	bool oom = false;
	if (flags & HC_REPORT_JSON) {
		json_object *doc = json_object_new_object(), *fields = json_object_new_array(),
			    *out = json_object_new_array();
		if (!doc || !fields || !out) {
			json_object_put(doc);
			json_object_put(fields);
			json_object_put(out);
			return &hc_enomem;
		}
		hc_json_add(doc, "address", U64(v->addr), &oom);
		hc_json_add(doc, "global", json_object_new_string(name), &oom);
		hc_json_add_string(doc, "type", tname, &oom);
		hc_json_add(doc, "size", U64(v->size), &oom);
		hc_json_add(doc, "section", json_object_new_string(v->section), &oom);
		hc_json_add(doc, "static", json_object_new_boolean(v->is_static), &oom);
		hc_json_add(doc, "retained", U64(retained), &oom);
		struct fields f = {.prog = prog, .json = fields};
		char path[256];
		uint64_t esize = v->esize ? v->esize : v->size;
		for (uint64_t i = 0; typed && mem && (i + 1) * esize <= v->size && i < MAX_ELEMS; i++) {
			if (v->esize)
				snprintf(path, sizeof(path), "[%" PRIu64 "]", i);
			else
				path[0] = '\0';
			list_fields(&f, &type, mem, v->size, i * esize, path, sizeof(path), 0);
		}
		oom |= f.oom;
		hc_json_add(doc, "fields", fields, &oom);
		for (uint32_t r = 0; r < g->nroots && !oom; r++) {
			uint32_t node = hc_graph_root_node(g, r);
			if (g->roots[r].symbol != v->name)
				continue;
			const char *rn = g->roots[r].name;
			const char *field = strncmp(rn, v->name, nlen) == 0 ? rn + nlen
					    : rn[0] == '*' ? "" : rn;
			for (uint32_t k = g->edge_start[node]; k < g->edge_start[node + 1]; k++) {
				json_object *o = object_json(g, g->edges[k], &oom);
				if (!o)
					break;
				hc_json_add(o, "field", json_object_new_string(field), &oom);
				json_object_array_add(out, o);
			}
		}
		hc_json_add(doc, "pointers", out, &oom);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "global 0x%" PRIx64 ": %s (%s, %s data in .%s)\n  size     %" PRIu64
			 " B\n  retained ", v->addr, name, tname ? tname : "type unknown",
			 v->is_static ? "static" : "variable", v->section, v->size);
	hc_strbuf_bytes(&sb, retained);
	hc_strbuf_puts(&sb, "\n");
	size_t fields_at = sb.len;
	hc_strbuf_puts(&sb, "  fields:\n");
	struct fields fl = {.prog = prog, .text = &sb};
	char path[256];
	uint64_t esize = v->esize ? v->esize : v->size;
	for (uint64_t i = 0; typed && mem && (i + 1) * esize <= v->size && i < MAX_ELEMS; i++) {
		if (v->esize)
			snprintf(path, sizeof(path), "[%" PRIu64 "]", i);
		else
			path[0] = '\0';
		list_fields(&fl, &type, mem, v->size, i * esize, path, sizeof(path), 0);
	}
	if (fl.count > MAX_FIELDS)
		hc_strbuf_printf(&sb, "    ... %u more\n", fl.count - MAX_FIELDS);
	if (!fl.count)
		sb.len = fields_at;
	hc_strbuf_printf(&sb, "  points to (%zu):\n", npointers);
	for (uint32_t r = 0; r < g->nroots; r++) {
		uint32_t node = hc_graph_root_node(g, r);
		if (g->roots[r].symbol != v->name)
			continue;
		const char *rn = g->roots[r].name;
		const char *field = strncmp(rn, v->name, nlen) == 0 ? rn + nlen : rn[0] == '*' ? "" : rn;
		for (uint32_t k = g->edge_start[node]; k < g->edge_start[node + 1]; k++) {
			uint32_t w = g->edges[k];
			hc_strbuf_printf(&sb, "    %-20s 0x%" PRIx64 " %s (%" PRIu64 " B)\n",
					 *field ? field : "(the value)", hc_graph_addr(g, w),
					 type_name_of(g, w), hc_graph_size(g, w));
		}
	}
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}

struct hc_error *hc_report_object(struct hc_program *prog, unsigned flags, uint64_t addr,
				  char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	uint32_t v = NONE;
	const struct hc_graph_global *global = hc_graph_find(g, addr) == NONE
						       ? hc_graph_global_at(g, addr) : NULL;
	if (global)
		return global_object(prog, g, global, flags, ret);
	err = find_object(g, addr, &v);
	if (err)
		return err;
	/* Who points to it: one pass over the edges. */
	uint32_t in[64];
	size_t nin = 0, total_in = 0;
	for (uint32_t u = 0; u < g->nnodes; u++) {
		for (uint32_t e = g->edge_start[u]; e < g->edge_start[u + 1]; e++) {
			if (g->edges[e] == v && u != g->nobjects) {
				if (nin < HC_ARRAY_SIZE(in))
					in[nin++] = u;
				total_in++;
				break;
			}
		}
	}
	uint32_t idom = g->idom[v];
	bool oom = false;
	if (flags & HC_REPORT_JSON) {
		json_object *doc = object_json(g, v, &oom);
		json_object *out = json_object_new_array(), *refs = json_object_new_array();
		if (!doc || !out || !refs) {
			json_object_put(doc);
			json_object_put(out);
			json_object_put(refs);
			return &hc_enomem;
		}
		hc_json_add(doc, "reachable", json_object_new_boolean(idom != NONE), &oom);
		json_object *fields = json_object_new_array();
		if (fields) {
			struct fields f = {.prog = prog, .json = fields};
			object_fields(prog, g, v, &f);
			oom |= f.oom;
			hc_json_add(doc, "fields", fields, &oom);
		}
		for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			json_object *o = object_json(g, g->edges[e], &oom);
			int64_t off = field_offset(prog, g, v, g->edges[e]);
			if (o && off >= 0) {
				char *f = field_at(prog, g, v, off);
				hc_json_add(o, "offset", U64((uint64_t)off), &oom);
				hc_json_add_string(o, "field", f, &oom);
				free(f);
			}
			if (o)
				json_object_array_add(out, o);
		}
		hc_json_add(doc, "pointers", out, &oom);
		for (size_t i = 0; i < nin; i++) {
			json_object *o;
			if (in[i] < g->nobjects) {
				o = object_json(g, in[i], &oom);
			} else {
				o = json_object_new_object();
				if (o)
					hc_json_add(o, "root", json_object_new_string(
							   g->roots[in[i] - g->nobjects - 1].name), &oom);
			}
			if (o)
				json_object_array_add(refs, o);
		}
		hc_json_add(doc, "referrers", refs, &oom);
		hc_json_add(doc, "referrer_count", U64(total_in), &oom);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "object 0x%" PRIx64 ": %s\n  size     %" PRIu64 " B\n  retained ",
			 hc_graph_addr(g, v), type_name_of(g, v), hc_graph_size(g, v));
	hc_strbuf_bytes(&sb, g->retained[v]);
	hc_strbuf_puts(&sb, idom == NONE ? "\n  unreachable (garbage the next GC would free)\n" : "\n");
	size_t fields_at = sb.len;
	hc_strbuf_puts(&sb, "  fields:\n");
	struct fields fl = {.prog = prog, .text = &sb};
	object_fields(prog, g, v, &fl);
	if (!fl.count)
		sb.len = fields_at; /* untyped: no fields to show */
	hc_strbuf_printf(&sb, "  points to (%" PRIu32 "):\n", g->edge_start[v + 1] - g->edge_start[v]);
	for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
		uint32_t w = g->edges[e];
		char *f = pointer_field(prog, g, v, w);
		hc_strbuf_printf(&sb, "    %-20s 0x%" PRIx64 " %s (%" PRIu64 " B)\n",
				 !f ? "?" : *f ? f : "(the value)",
				 hc_graph_addr(g, w), type_name_of(g, w), hc_graph_size(g, w));
		free(f);
	}
	hc_strbuf_printf(&sb, "  pointed to by (%zu):\n", total_in);
	for (size_t i = 0; i < nin; i++) {
		if (in[i] < g->nobjects)
			hc_strbuf_printf(&sb, "    0x%" PRIx64 " %s (%" PRIu64 " B)\n",
					 hc_graph_addr(g, in[i]), type_name_of(g, in[i]),
					 hc_graph_size(g, in[i]));
		else
			hc_strbuf_printf(&sb, "    %s\n", g->roots[in[i] - g->nobjects - 1].name);
	}
	if (total_in > nin)
		hc_strbuf_printf(&sb, "    ... %zu more\n", total_in - nin);
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}
