/*
 * The `diff` report: what changed between two cores of one executable.
 * runtime.MemStats field by field, then the object graphs' totals per type
 * and per root and the roots' accumulation points, matched by name
 * (graph/graph_diff.c), biggest growth first, and the goroutines' groups.
 * A leak is growth: the type that grew, the root that holds it, the
 * container where it piles up, the goroutines that pile up.
 *
 * Goroutines are grouped as `leaks` groups leaked ones: status, start
 * function, the go statement that created them, and the innermost frame
 * outside the runtime (where they block).  That, rather than the whole
 * stack, is what a goroutine leak keeps constant while it grows: two
 * goroutines of one leak may differ in their runtime frames or recursion
 * depth.  Functions and lines identify a group across the two cores (the
 * executables are one); goroutine ids and addresses do not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "go/go.h"
#include "go/go_leaks.h"
#include "graph/graph.h"
#include "graph/graph_diff.h"
#include "report/report.h"
#include "report/report_goroutines.h"
#include "target/program.h"

#define U64(x) json_object_new_uint64(x)
#define I64(x) json_object_new_int64(x)

/* The two programs' executables must be one: by build ID, else by bytes. */
static struct hc_error *same_executable(const struct hc_program *a, const struct hc_program *b)
{
	const struct hc_exe *x = a->exe, *y = b->exe;
	const struct hc_build_id *ix = NULL, *iy = NULL;
	const char *what = NULL;
	if (x->go_build_id.bytes && y->go_build_id.bytes) {
		ix = &x->go_build_id, iy = &y->go_build_id, what = "Go build ID";
	} else if (x->gnu_build_id.bytes && y->gnu_build_id.bytes) {
		ix = &x->gnu_build_id, iy = &y->gnu_build_id, what = "GNU build ID";
	}
	if (ix ? ix->len == iy->len && memcmp(ix->bytes, iy->bytes, ix->len) == 0
	       : x->size == y->size && memcmp(x->image, y->image, x->size) == 0)
		return NULL;
	if (!what)
		return hc_error_format(HC_ERROR_MISMATCH,
				       "%s and %s are cores of different executables (%s and %s differ): "
				       "diff compares two cores of one executable",
				       a->core->path, b->core->path, x->path, y->path);
	/* Go's build ID is text, GNU's is shown in hex. */
	bool text = ix == &x->go_build_id;
	struct hc_strbuf sx, sy;
	hc_strbuf_init(&sx);
	hc_strbuf_init(&sy);
	for (size_t i = 0; i < ix->len && i < 128; i++)
		hc_strbuf_printf(&sx, text ? "%c" : "%02x", ix->bytes[i]);
	for (size_t i = 0; i < iy->len && i < 128; i++)
		hc_strbuf_printf(&sy, text ? "%c" : "%02x", iy->bytes[i]);
	if (sx.str)
		hc_text_sanitize(sx.str);
	if (sy.str)
		hc_text_sanitize(sy.str);
	struct hc_error *err = hc_error_format(
		HC_ERROR_MISMATCH,
		"%s and %s are cores of different executables (%s %s and %s): diff compares two "
		"cores of one executable",
		a->core->path, b->core->path, what, sx.str ? sx.str : "?", sy.str ? sy.str : "?");
	hc_strbuf_deinit(&sx);
	hc_strbuf_deinit(&sy);
	return err;
}

/* ---- goroutine groups ---- */

struct gr_group {
	char *key;
	size_t rep; /* a member: index into the goroutines */
	uint64_t count, leaked;
};

struct gr_summary {
	struct hc_go_leaks *l;
	struct gr_group *groups;
	size_t n;
	struct hc_strmap index; /* key -> group */
};

struct gr_delta {
	const struct gr_summary *os, *ns;
	const struct gr_group *old, *new;
};

static void gr_summary_destroy(struct gr_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->groups[i].key);
	free(s->groups);
	hc_strmap_deinit(&s->index);
	hc_go_leaks_destroy(s->l);
	free(s);
}

/* The go statement that created @p g, as the traceback's "created by"
 * (none for the main goroutine). */
static bool gr_created(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
		       const char **func, const char **file, int64_t *line)
{
	return g->goid != 1 && g->gopc && hc_pcln_physical(gs->pcln, g->gopc, func, file, line);
}

static bool gr_start(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
		     const char **func, const char **file, int64_t *line)
{
	return g->startpc && hc_pcln_physical(gs->pcln, g->startpc, func, file, line);
}

static const struct hc_go_logical *gr_blocked(const struct hc_go_goroutines *gs,
					       const struct hc_go_goroutine *g)
{
	size_t f = hc_go_user_frame(gs, g);
	return f == SIZE_MAX ? NULL : &gs->frames[f];
}

static char *gr_key(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g)
{
	const char *func, *file;
	int64_t line;
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%s\x1f", g->state);
	if (gr_start(gs, g, &func, &file, &line))
		hc_strbuf_printf(&sb, "%s", func ? func : "?");
	hc_strbuf_puts(&sb, "\x1f");
	if (gr_created(gs, g, &func, &file, &line))
		hc_strbuf_printf(&sb, "%s %s:%" PRId64, func ? func : "?", file ? file : "?", line);
	hc_strbuf_puts(&sb, "\x1f");
	const struct hc_go_logical *b = gr_blocked(gs, g);
	if (b)
		hc_strbuf_printf(&sb, "%s %s:%" PRId64, b->name ? b->name : "?",
				 b->file ? b->file : "?", b->line);
	char *key = NULL;
	struct hc_error *err = hc_strbuf_finish(&sb, &key);
	hc_error_destroy(err);
	return key;
}

/*
 * @p prog's goroutines in groups, with which leaked (this needs the object
 * graph).  A core whose goroutines cannot be read leaves *@p ret NULL and
 * says why in *@p why, for the caller to report: the heap's diff stands
 * without them.
 */
static struct hc_error *gr_summarize(struct hc_program *prog, struct gr_summary **ret,
				     char **why)
{
	*ret = NULL;
	struct hc_go_leaks *l;
	struct hc_error *err = hc_go_leaks_get(prog, &l);
	if (err) {
		if (hc_error_code(err) == HC_ERROR_NO_MEMORY)
			return err;
		bool ok = asprintf(why, "%s core: %s", prog->core->path, hc_error_message(err)) >= 0;
		hc_error_destroy(err);
		return ok ? NULL : &hc_enomem;
	}
	struct gr_summary *s = calloc(1, sizeof(*s));
	if (!s) {
		hc_go_leaks_destroy(l);
		return &hc_enomem;
	}
	s->l = l;
	hc_strmap_init(&s->index);
	size_t cap = 0;
	for (size_t i = 0; i < l->gs->n; i++) {
		char *key = gr_key(l->gs, &l->gs->g[i]);
		uint64_t at;
		if (!key) {
			gr_summary_destroy(s);
			return &hc_enomem;
		}
		if (hc_strmap_get(&s->index, key, &at)) {
			free(key);
		} else if (!hc_grow(&s->groups, &cap, s->n + 1, sizeof(*s->groups)) ||
			   !hc_strmap_put(&s->index, key, s->n, false)) {
			free(key);
			gr_summary_destroy(s);
			return &hc_enomem;
		} else {
			at = s->n++;
			s->groups[at] = (struct gr_group){.key = key, .rep = i};
		}
		s->groups[at].count++;
		s->groups[at].leaked += l->leaked[i];
	}
	*ret = s;
	return NULL;
}

static int64_t gr_delta_count(const struct gr_delta *d)
{
	return (int64_t)((d->new ? d->new->count : 0) - (d->old ? d->old->count : 0));
}

static int gr_delta_cmp(const void *pa, const void *pb)
{
	const struct gr_delta *a = pa, *b = pb;
	int64_t x = gr_delta_count(a), y = gr_delta_count(b);
	if (x != y)
		return x > y ? -1 : 1;
	uint64_t p = a->new ? a->new->count : 0, q = b->new ? b->new->count : 0;
	if (p != q)
		return p > q ? -1 : 1;
	return strcmp(a->new ? a->new->key : a->old->key, b->new ? b->new->key : b->old->key);
}

/* The groups whose number of goroutines, or of leaked ones, changed. */
static struct hc_error *gr_diff(const struct gr_summary *a, const struct gr_summary *b,
				struct gr_delta **ret, size_t *n)
{
	struct gr_delta *out = malloc((a->n + b->n + 1) * sizeof(*out));
	if (!out)
		return &hc_enomem;
	size_t k = 0;
	uint64_t at;
	for (size_t i = 0; i < a->n + b->n; i++) {
		struct gr_delta d = {a, b, NULL, NULL};
		if (i < a->n) {
			d.old = &a->groups[i];
			if (hc_strmap_get(&b->index, d.old->key, &at))
				d.new = &b->groups[at];
		} else {
			d.new = &b->groups[i - a->n];
			if (hc_strmap_get(&a->index, d.new->key, &at))
				continue;
		}
		if (!d.old || !d.new || d.old->count != d.new->count || d.old->leaked != d.new->leaked)
			out[k++] = d;
	}
	hc_qsort(out, k, sizeof(*out), gr_delta_cmp);
	*ret = out;
	*n = k;
	return NULL;
}

/* The group's goroutines: the new core's if it has any. */
static const struct hc_go_goroutines *gr_goroutines(const struct gr_delta *d)
{
	return d->new ? d->ns->l->gs : d->os->l->gs;
}

static const struct hc_go_goroutine *gr_rep(const struct gr_delta *d)
{
	return &gr_goroutines(d)->g[d->new ? d->new->rep : d->old->rep];
}

static json_object *gr_place_json(const char *func, const char *file, int64_t line, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_go_print_name(&sb, func);
	if (sb.oom)
		*oom = true;
	hc_json_add_string(o, "function", sb.str ? sb.str : "", oom);
	hc_strbuf_deinit(&sb);
	hc_json_add_string(o, "file", file, oom);
	hc_json_add(o, "line", json_object_new_int64(line), oom);
	return o;
}

static void add_or_null(json_object *obj, const char *key, json_object *val, bool *oom)
{
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		*oom = true;
	}
}

static json_object *gr_json(const struct gr_delta *d, size_t n, bool *oom)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		const struct hc_go_goroutines *gs = gr_goroutines(&d[i]);
		const struct hc_go_goroutine *g = gr_rep(&d[i]);
		json_object *e = json_object_new_object();
		if (!e) {
			*oom = true;
			break;
		}
		const char *func, *file;
		int64_t line;
		hc_json_add_string(e, "status", g->state, oom);
		add_or_null(e, "start", hc_go_start_json(gs, g, oom), oom);
		add_or_null(e, "created_by",
			    gr_created(gs, g, &func, &file, &line) ? gr_place_json(func, file, line, oom)
								    : NULL,
			    oom);
		const struct hc_go_logical *b = gr_blocked(gs, g);
		add_or_null(e, "blocked_in", b ? gr_place_json(b->name, b->file, b->line, oom) : NULL,
			    oom);
		uint64_t oc = d[i].old ? d[i].old->count : 0, nc = d[i].new ? d[i].new->count : 0;
		uint64_t ol = d[i].old ? d[i].old->leaked : 0, nl = d[i].new ? d[i].new->leaked : 0;
		hc_json_add(e, "leaked", json_object_new_boolean(nl || (!d[i].new && ol)), oom);
		hc_json_add(e, "old_count", U64(oc), oom);
		hc_json_add(e, "new_count", U64(nc), oom);
		hc_json_add(e, "count_delta", I64(gr_delta_count(&d[i])), oom);
		hc_json_add(e, "old_leaked", U64(ol), oom);
		hc_json_add(e, "new_leaked", U64(nl), oom);
		json_object_array_add(arr, e);
	}
	if (!arr)
		*oom = true;
	return arr;
}

/* ---- accumulation points ---- */

static json_object *acc_json(const struct hc_graph_acc_delta *d, size_t n, bool *oom)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		const struct hc_graph_acc_total *a = d[i].new ? d[i].new : d[i].old;
		json_object *e = json_object_new_object(), *path = json_object_new_array();
		if (!e || !path) {
			json_object_put(e);
			json_object_put(path);
			*oom = true;
			break;
		}
		hc_json_add_string(e, "root", a->root, oom);
		for (size_t k = 0; k < a->npath; k++)
			json_object_array_add(path, json_object_new_string(a->path[k] ? a->path[k] : "?"));
		hc_json_add(e, "path", path, oom);
		hc_json_add_string(e, "point_type", a->npath ? a->path[a->npath - 1] : NULL, oom);
		hc_json_add_string(e, "element_type", a->elem_type, oom);
		hc_json_add(e, "in_old", json_object_new_boolean(d[i].old != NULL), oom);
		hc_json_add(e, "in_new", json_object_new_boolean(d[i].new != NULL), oom);
		hc_json_add(e, "old_count", U64(d[i].old ? d[i].old->count : 0), oom);
		hc_json_add(e, "new_count", U64(d[i].new ? d[i].new->count : 0), oom);
		hc_json_add(e, "count_delta", I64(hc_graph_acc_delta_count(&d[i])), oom);
		hc_json_add(e, "old_bytes", U64(d[i].old ? d[i].old->bytes : 0), oom);
		hc_json_add(e, "new_bytes", U64(d[i].new ? d[i].new->bytes : 0), oom);
		hc_json_add(e, "bytes_delta", I64(hc_graph_acc_delta_bytes(&d[i])), oom);
		json_object_array_add(arr, e);
	}
	if (!arr)
		*oom = true;
	return arr;
}

/* The graph's totals; the first core's graph is freed once summarized. */
static struct hc_error *summarize(struct hc_program *prog, bool release,
				  struct hc_graph_summary **ret)
{
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (!err)
		err = hc_graph_summarize(g, ret);
	if (release) {
		hc_graph_destroy(prog->graph);
		prog->graph = NULL;
	}
	return err;
}

static json_object *change_json(uint64_t before, uint64_t after, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "old", U64(before), oom);
	hc_json_add(o, "new", U64(after), oom);
	hc_json_add(o, "delta", I64((int64_t)(after - before)), oom);
	return o;
}

static json_object *memstats_json(const struct hc_memstats *a, const struct hc_memstats *b,
				  bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < hc_memstats_nscalars(); i++)
		hc_json_add(o, hc_memstats_scalar_name(i),
			    change_json(hc_memstats_scalar(a, i), hc_memstats_scalar(b, i), oom), oom);
	hc_json_add(o, "NumGC", change_json(a->NumGC, b->NumGC, oom), oom);
	hc_json_add(o, "NumForcedGC", change_json(a->NumForcedGC, b->NumForcedGC, oom), oom);
	json_object *f = json_object_new_object();
	if (f) {
		hc_json_add(f, "old", json_object_new_double(a->GCCPUFraction), oom);
		hc_json_add(f, "new", json_object_new_double(b->GCCPUFraction), oom);
		hc_json_add(f, "delta", json_object_new_double(b->GCCPUFraction - a->GCCPUFraction),
			    oom);
	}
	hc_json_add(o, "GCCPUFraction", f, oom);
	json_object *bs = json_object_new_array_ext(HC_MEMSTATS_BY_SIZE);
	for (int i = 0; bs && i < HC_MEMSTATS_BY_SIZE; i++) {
		json_object *e = json_object_new_object();
		if (!e) {
			*oom = true;
			break;
		}
		hc_json_add(e, "Size", U64(b->BySize[i].Size), oom);
		hc_json_add(e, "Mallocs", change_json(a->BySize[i].Mallocs, b->BySize[i].Mallocs, oom),
			    oom);
		hc_json_add(e, "Frees", change_json(a->BySize[i].Frees, b->BySize[i].Frees, oom), oom);
		json_object_array_add(bs, e);
	}
	hc_json_add(o, "BySize", bs, oom);
	return o;
}

static json_object *deltas_json(const struct hc_graph_delta *d, size_t n, bool roots, bool *oom)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_object *e = json_object_new_object();
		if (!e) {
			*oom = true;
			break;
		}
		if (roots) {
			hc_json_add(e, "root", json_object_new_string(d[i].name), oom);
			hc_json_add(e, "old_retained", U64(d[i].old_bytes), oom);
			hc_json_add(e, "new_retained", U64(d[i].new_bytes), oom);
			hc_json_add(e, "retained_delta", I64(hc_graph_delta_bytes(&d[i])), oom);
		} else {
			hc_json_add(e, "type", json_object_new_string(d[i].name), oom);
			hc_json_add(e, "old_count", U64(d[i].old_count), oom);
			hc_json_add(e, "new_count", U64(d[i].new_count), oom);
			hc_json_add(e, "count_delta", I64((int64_t)(d[i].new_count - d[i].old_count)),
				    oom);
			hc_json_add(e, "old_bytes", U64(d[i].old_bytes), oom);
			hc_json_add(e, "new_bytes", U64(d[i].new_bytes), oom);
			hc_json_add(e, "bytes_delta", I64(hc_graph_delta_bytes(&d[i])), oom);
		}
		json_object_array_add(arr, e);
	}
	if (!arr)
		*oom = true;
	return arr;
}

static json_object *core_json(const struct hc_program *prog, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "core", json_object_new_string(prog->core->path), oom);
	hc_json_add_string(o, "go_version", prog->go_version, oom);
	return o;
}

/* Both programs' warnings, each saying which core it is about. */
static void warnings(const struct hc_program *a, const struct hc_program *b, json_object *arr,
		     struct hc_strbuf *sb)
{
	const struct hc_program *progs[] = {a, b};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < hc_program_num_warnings(progs[k]); i++) {
			const char *w = hc_program_warning(progs[k], i);
			if (arr) {
				char *s;
				if (asprintf(&s, "%s core: %s", k ? "new" : "old", w) >= 0) {
					json_object_array_add(arr, json_object_new_string(s));
					free(s);
				}
			} else {
				hc_strbuf_printf(sb, "warning: %s core: %s\n", k ? "new" : "old", w);
			}
		}
	}
}

/* "+1.5 MiB", "-840 B", "0 B" */
static void signed_bytes(struct hc_strbuf *sb, int64_t n)
{
	char t[25];
	t[0] = n > 0 ? '+' : '-';
	hc_bytes_text(n < 0 ? -(uint64_t)n : (uint64_t)n, t + 1);
	hc_strbuf_printf(sb, "%14s", n ? t : t + 1);
}

static void bytes_col(struct hc_strbuf *sb, uint64_t n)
{
	char t[24];
	hc_strbuf_printf(sb, "%14s", hc_bytes_text(n, t));
}

/* " (bytes changed by at least 1.0 KiB)" */
static void threshold_text(struct hc_strbuf *sb, uint64_t threshold)
{
	if (threshold) {
		hc_strbuf_puts(sb, " (bytes changed by at least ");
		hc_strbuf_bytes(sb, threshold);
		hc_strbuf_puts(sb, ")");
	}
}

static void acc_text(struct hc_strbuf *sb, const struct hc_graph_acc_delta *d, size_t n,
		     uint64_t threshold)
{
	hc_strbuf_puts(sb, "\nAccumulation points by growth (elements only the point keeps alive)");
	threshold_text(sb, threshold);
	hc_strbuf_printf(sb, ":\n  %12s %14s %11s %11s  %s\n", "count delta", "bytes delta",
			 "old count", "new count", "root: elements");
	for (size_t i = 0; i < n; i++) {
		const struct hc_graph_acc_total *a = d[i].new ? d[i].new : d[i].old;
		hc_strbuf_printf(sb, "  %+12" PRId64 " ", hc_graph_acc_delta_count(&d[i]));
		signed_bytes(sb, hc_graph_acc_delta_bytes(&d[i]));
		hc_strbuf_printf(sb, " %11" PRIu64 " %11" PRIu64 "  %s: %s%s\n",
				 d[i].old ? d[i].old->count : 0, d[i].new ? d[i].new->count : 0,
				 a->root, a->elem_type,
				 !d[i].old ? " (new)" : !d[i].new ? " (gone)" : "");
		hc_strbuf_printf(sb, "  %*s  in %s", 12 + 1 + 14 + 1 + 11 + 1 + 11, "", a->root);
		for (size_t k = 0; k < a->npath; k++)
			hc_strbuf_printf(sb, " → %s", a->path[k] ? a->path[k] : "?");
		hc_strbuf_puts(sb, "\n");
	}
	if (!n)
		hc_strbuf_puts(sb, "  (no accumulation point changed)\n");
}

static void gr_place_text(struct hc_strbuf *sb, const char *what, const char *func,
			  const char *file, int64_t line)
{
	hc_strbuf_printf(sb, "  %*s  %s ", 12 + 1 + 11 + 1 + 11, "", what);
	hc_go_print_name(sb, func);
	hc_strbuf_printf(sb, " at %s:%" PRId64 "\n", file ? file : "?", line);
}

static void gr_text(struct hc_strbuf *sb, const struct gr_delta *d, size_t n)
{
	hc_strbuf_printf(sb, "\nGoroutine groups by growth (status, start, creator, blocking frame):"
			 "\n  %12s %11s %11s  %s\n", "count delta", "old count", "new count", "group");
	for (size_t i = 0; i < n; i++) {
		const struct hc_go_goroutines *gs = gr_goroutines(&d[i]);
		const struct hc_go_goroutine *g = gr_rep(&d[i]);
		uint64_t oc = d[i].old ? d[i].old->count : 0, nc = d[i].new ? d[i].new->count : 0;
		const struct gr_group *last = d[i].new ? d[i].new : d[i].old;
		hc_strbuf_printf(sb, "  %+12" PRId64 " %11" PRIu64 " %11" PRIu64 "  [%s",
				 gr_delta_count(&d[i]), oc, nc, g->state);
		if (last->leaked == last->count)
			hc_strbuf_puts(sb, " (leaked)");
		else if (last->leaked)
			hc_strbuf_printf(sb, " (%" PRIu64 " leaked)", last->leaked);
		hc_strbuf_puts(sb, "] ");
		const char *func, *file;
		int64_t line;
		if (gr_start(gs, g, &func, &file, &line))
			hc_go_print_name(sb, func);
		else
			hc_strbuf_puts(sb, "?");
		if (!d[i].old)
			hc_strbuf_puts(sb, " (new)");
		else if (!d[i].new)
			hc_strbuf_puts(sb, " (gone)");
		if (d[i].old && d[i].new && d[i].old->leaked != d[i].new->leaked)
			hc_strbuf_printf(sb, " (leaked: %" PRIu64 " before)", d[i].old->leaked);
		hc_strbuf_puts(sb, "\n");
		if (gr_created(gs, g, &func, &file, &line))
			gr_place_text(sb, "created by", func, file, line);
		const struct hc_go_logical *b = gr_blocked(gs, g);
		if (b)
			gr_place_text(sb, "blocked in", b->name, b->file, b->line);
	}
	if (!n)
		hc_strbuf_puts(sb, "  (no group changed)\n");
}

static void text(struct hc_strbuf *sb, const struct hc_program *a, const struct hc_program *b,
		 const struct hc_memstats *ma, const struct hc_memstats *mb,
		 const struct hc_graph_delta *types, size_t ntypes,
		 const struct hc_graph_delta *roots, size_t nroots, uint64_t threshold)
{
	hc_strbuf_printf(sb, "Diff of two cores of %s (%s)\n  old: %s\n  new: %s\n\n",
			 a->core->fname, a->go_version ? a->go_version : "?", a->core->path,
			 b->core->path);
	hc_strbuf_printf(sb, "runtime.MemStats, the fields that changed:\n  %-14s %16s %16s %17s\n",
			 "field", "old", "new", "delta");
	for (size_t i = 0; i < hc_memstats_nscalars(); i++) {
		uint64_t x = hc_memstats_scalar(ma, i), y = hc_memstats_scalar(mb, i);
		if (x != y)
			hc_strbuf_printf(sb, "  %-14s %16" PRIu64 " %16" PRIu64 " %+17" PRId64 "\n",
					 hc_memstats_scalar_name(i), x, y, (int64_t)(y - x));
	}
	if (ma->NumGC != mb->NumGC)
		hc_strbuf_printf(sb, "  %-14s %16u %16u %+17" PRId64 "\n", "NumGC", ma->NumGC,
				 mb->NumGC, (int64_t)mb->NumGC - ma->NumGC);
	hc_strbuf_puts(sb, "\nTypes by growth");
	threshold_text(sb, threshold);
	hc_strbuf_printf(sb, ":\n  %12s %14s %11s %11s  %s\n", "count delta", "bytes delta",
			 "old count", "new count", "type");
	for (size_t i = 0; i < ntypes; i++) {
		const struct hc_graph_delta *d = &types[i];
		hc_strbuf_printf(sb, "  %+12" PRId64 " ", (int64_t)(d->new_count - d->old_count));
		signed_bytes(sb, hc_graph_delta_bytes(d));
		hc_strbuf_printf(sb, " %11" PRIu64 " %11" PRIu64 "  %s\n", d->old_count, d->new_count,
				 d->name);
	}
	if (!ntypes)
		hc_strbuf_puts(sb, "  (no type changed)\n");
	hc_strbuf_puts(sb, "\nRoots by growth of what they retain");
	threshold_text(sb, threshold);
	hc_strbuf_printf(sb, ":\n  %14s %14s %14s  %s\n", "retained delta", "old", "new", "root");
	for (size_t i = 0; i < nroots; i++) {
		const struct hc_graph_delta *d = &roots[i];
		hc_strbuf_puts(sb, "  ");
		signed_bytes(sb, hc_graph_delta_bytes(d));
		hc_strbuf_puts(sb, " ");
		bytes_col(sb, d->old_bytes);
		hc_strbuf_puts(sb, " ");
		bytes_col(sb, d->new_bytes);
		hc_strbuf_printf(sb, "  %s\n", d->name);
	}
	if (!nroots)
		hc_strbuf_puts(sb, "  (no root changed)\n");
}

struct hc_error *hc_report_diff(struct hc_program *before, struct hc_program *after,
				unsigned flags, uint64_t threshold, char **ret)
{
	if (!before || !after || !ret)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT, "hc_report_diff: bad arguments");
	const struct hc_memstats *ma, *mb;
	struct hc_graph_summary *sa = NULL, *sb = NULL;
	struct hc_graph_delta *types = NULL, *roots = NULL;
	struct hc_graph_acc_delta *accs = NULL;
	struct gr_summary *ga = NULL, *gb = NULL;
	struct gr_delta *grs = NULL;
	char *why_a = NULL, *why_b = NULL;
	size_t ntypes = 0, nroots = 0, naccs = 0, ngrs = 0;
	hc_report_begin(before, HC_PHASES_GOROUTINES);
	hc_report_begin(after, HC_PHASES_GOROUTINES);
	struct hc_error *err = same_executable(before, after);
	if (!err)
		err = hc_go_memstats(before, &ma);
	if (!err)
		err = hc_go_memstats(after, &mb);
	/* The goroutines' leaks need the graph: the first core's before its
	 * graph goes. */
	if (!err)
		err = gr_summarize(before, &ga, &why_a);
	if (!err)
		err = summarize(before, true, &sa);
	if (!err)
		err = summarize(after, false, &sb);
	if (!err)
		err = gr_summarize(after, &gb, &why_b);
	if (!err)
		err = hc_graph_summary_diff(sa, sb, false, threshold, &types, &ntypes);
	if (!err)
		err = hc_graph_summary_diff(sa, sb, true, threshold, &roots, &nroots);
	if (!err)
		err = hc_graph_acc_diff(sa, sb, threshold, &accs, &naccs);
	if (!err && ga && gb)
		err = gr_diff(ga, gb, &grs, &ngrs);
	if (err)
		goto out;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *w = json_object_new_array();
		if (doc && w) {
			hc_json_add(doc, "old", core_json(before, &oom), &oom);
			hc_json_add(doc, "new", core_json(after, &oom), &oom);
			hc_json_add(doc, "memstats", memstats_json(ma, mb, &oom), &oom);
			hc_json_add(doc, "types", deltas_json(types, ntypes, false, &oom), &oom);
			hc_json_add(doc, "roots", deltas_json(roots, nroots, true, &oom), &oom);
			hc_json_add(doc, "accumulations", acc_json(accs, naccs, &oom), &oom);
			json_object *nc = json_object_new_array();
			if (ga && gb) {
				hc_json_add(doc, "goroutines", gr_json(grs, ngrs, &oom), &oom);
			} else {
				add_or_null(doc, "goroutines", NULL, &oom);
				if (nc)
					json_object_array_add(nc, json_object_new_string("goroutines"));
			}
			hc_json_add(doc, "not_compared", nc, &oom);
			warnings(before, after, w, NULL);
			for (int k = 0; k < 2; k++) {
				const char *why = k ? why_b : why_a;
				char *line;
				if (why && asprintf(&line, "goroutines not compared: %s", why) >= 0) {
					json_object_array_add(w, json_object_new_string(line));
					free(line);
				}
			}
			hc_json_add(doc, "warnings", w, &oom);
			w = NULL;
		}
		json_object_put(w);
		if (!doc || oom) {
			json_object_put(doc);
			err = &hc_enomem;
		} else {
			err = hc_json_finish(doc, ret);
		}
		goto out;
	}
	struct hc_strbuf out;
	hc_strbuf_init(&out);
	text(&out, before, after, ma, mb, types, ntypes, roots, nroots, threshold);
	acc_text(&out, accs, naccs, threshold);
	if (ga && gb)
		gr_text(&out, grs, ngrs);
	warnings(before, after, NULL, &out);
	if (why_a)
		hc_strbuf_printf(&out, "warning: goroutines not compared: %s\n", why_a);
	if (why_b)
		hc_strbuf_printf(&out, "warning: goroutines not compared: %s\n", why_b);
	err = hc_strbuf_finish(&out, ret);
out:
	free(types);
	free(roots);
	free(accs);
	free(grs);
	free(why_a);
	free(why_b);
	gr_summary_destroy(ga);
	gr_summary_destroy(gb);
	hc_graph_summary_destroy(sa);
	hc_graph_summary_destroy(sb);
	return err;
}
