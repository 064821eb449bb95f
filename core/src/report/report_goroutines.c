/*
 * The goroutine reports: `goroutines` (every goroutine with its status and
 * frames as Go's own traceback prints them, grouped) and the leaked
 * goroutines of `leaks`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "go/go.h"
#include "go/go_leaks.h"
#include "graph/graph_leaks.h"
#include "glibc/glibc.h"
#include "report/report.h"
#include "report/report_glibc.h"
#include "report/report_goroutines.h"
#include "target/program.h"

#define U64(x) json_object_new_uint64(x)
#define NONE UINT32_MAX

/* Add @p val, or null where @p val is NULL because there is none (the
 * builders of @p val record their own allocation failures in *oom). */
static void add_or_null(json_object *obj, const char *key, json_object *val, bool *oom)
{
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		*oom = true;
	}
}

/*
 * The goroutines with which leaked, or, when the object graph cannot be
 * built (a damaged heap), the goroutines alone with none marked leaked and
 * a warning saying why: a crash's goroutines stand without its heap.
 * *@p have_graph says which.
 */
static struct hc_error *leaks_or_goroutines(struct hc_program *prog, struct hc_go_leaks **ret,
					    bool *have_graph)
{
	struct hc_error *err = hc_go_leaks_get(prog, ret);
	*have_graph = !err;
	if (!err || hc_error_code(err) == HC_ERROR_NO_MEMORY)
		return err;
	struct hc_go_goroutines *gs;
	struct hc_error *e2 = hc_go_goroutines_get(prog, &gs);
	if (e2) {
		hc_error_destroy(e2);
		return err;
	}
	struct hc_go_leaks *l = calloc(1, sizeof(*l));
	if (l)
		l->leaked = calloc(gs->n + 1, sizeof(*l->leaked));
	if (!l || !l->leaked) {
		free(l);
		hc_go_goroutines_destroy(gs);
		hc_error_destroy(err);
		return &hc_enomem;
	}
	l->gs = gs;
	hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "heap", 0,
		"no goroutine is judged leaked",
		"the heap could not be analysed, so no goroutine is judged leaked: %s",
		hc_error_message(err));
	hc_error_destroy(err);
	*ret = l;
	return NULL;
}

/* traceback.go:printFuncName: gopanic is "panic", a generic function's
 * shapes are "[...]". */
void hc_go_print_name(struct hc_strbuf *sb, const char *name)
{
	if (!name) {
		hc_strbuf_puts(sb, "?");
		return;
	}
	if (!strcmp(name, "runtime.gopanic")) {
		hc_strbuf_puts(sb, "panic");
		return;
	}
	const char *open = strchr(name, '['), *close = strrchr(name, ']');
	if (!open || !close || close <= open) {
		hc_strbuf_puts(sb, name);
		return;
	}
	hc_strbuf_append(sb, name, (size_t)(open - name));
	hc_strbuf_puts(sb, "[...]");
	hc_strbuf_puts(sb, close + 1);
}

static json_object *name_json(const char *name)
{
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_go_print_name(&sb, name);
	json_object *o = sb.oom ? NULL : json_object_new_string(sb.str ? sb.str : "");
	hc_strbuf_deinit(&sb);
	return o;
}

static json_object *place_json(const char *func, const char *file, int64_t line, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "function", name_json(func), oom);
	hc_json_add_string(o, "file", file, oom);
	hc_json_add(o, "line", json_object_new_int64(line), oom);
	return o;
}

/* "created by F in goroutine N", or NULL (the main goroutine, none). */
static bool created_by(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
		       const char **func, const char **file, int64_t *line)
{
	return g->goid != 1 && g->gopc && hc_pcln_physical(gs->pcln, g->gopc, func, file, line);
}

json_object *hc_go_created_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
				bool *oom)
{
	const char *func, *file;
	int64_t line;
	if (!created_by(gs, g, &func, &file, &line))
		return NULL;
	json_object *o = place_json(func, file, line, oom);
	if (o && g->parent_goid)
		hc_json_add(o, "goroutine", U64(g->parent_goid), oom);
	return o;
}

json_object *hc_go_start_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
			      bool *oom)
{
	const char *func, *file;
	int64_t line;
	if (!g->startpc || !hc_pcln_physical(gs->pcln, g->startpc, &func, &file, &line))
		return NULL;
	return place_json(func, file, line, oom);
}

json_object *hc_go_frames_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
			       bool *oom)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < g->nframes; i++) {
		const struct hc_go_logical *f = &gs->frames[g->first_frame + i];
		json_object_array_add(a, place_json(f->name, f->file, f->line, oom));
	}
	if (!a)
		*oom = true;
	return a;
}

static json_object *goroutine_json(const struct hc_go_goroutines *gs,
				   const struct hc_go_goroutine *g, bool leaked, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "id", U64(g->goid), oom);
	hc_json_add(o, "address", U64(g->gp), oom);
	hc_json_add_string(o, "status", g->state, oom);
	add_or_null(o, "wait_minutes",
		    g->wait_minutes >= 0 ? json_object_new_int64(g->wait_minutes) : NULL, oom);
	hc_json_add(o, "locked_to_thread", json_object_new_boolean(g->locked), oom);
	hc_json_add(o, "stack_bytes", U64(g->stack_hi - g->stack_lo), oom);
	add_or_null(o, "start", hc_go_start_json(gs, g, oom), oom);
	add_or_null(o, "created_by", hc_go_created_json(gs, g, oom), oom);
	hc_json_add(o, "frames", hc_go_frames_json(gs, g, oom), oom);
	hc_json_add(o, "elided_frames", U64(g->elided), oom);
	hc_json_add(o, "leaked", json_object_new_boolean(leaked), oom);
	hc_json_add(o, "crashed", json_object_new_boolean(g->crashing), oom);
	hc_json_add_string(o, "error", g->error, oom);
	return o;
}

/* The bracketed header of goroutineheader: "chan receive (leaked), 3 minutes". */
static void header(struct hc_strbuf *sb, const struct hc_go_goroutine *g, bool leaked,
		   bool minutes)
{
	hc_strbuf_printf(sb, "[%s", g->state);
	if (leaked)
		hc_strbuf_puts(sb, " (leaked)");
	if (minutes && g->wait_minutes >= 1)
		hc_strbuf_printf(sb, ", %" PRId64 " minutes", g->wait_minutes);
	if (g->locked)
		hc_strbuf_puts(sb, ", locked to thread");
	hc_strbuf_puts(sb, "]");
}

void hc_go_frames_text(struct hc_strbuf *sb, const struct hc_go_goroutines *gs,
		       const struct hc_go_goroutine *g, size_t max)
{
	size_t n = g->nframes;
	for (size_t i = 0; i < n; i++) {
		if (max && i == max && n > max + 1) {
			hc_strbuf_printf(sb, "...%zu more frames...\n", n - max - 1 + g->elided);
			i = n - 1; /* and the outermost */
		} else if (g->elided && i == 50) {
			hc_strbuf_printf(sb, "...%zu frames elided...\n", g->elided);
		}
		const struct hc_go_logical *f = &gs->frames[g->first_frame + i];
		hc_go_print_name(sb, f->name);
		hc_strbuf_printf(sb, "(...)\n\t%s:%" PRId64 "\n", f->file, f->line);
	}
	if (g->error)
		hc_strbuf_printf(sb, "(%s)\n", g->error);
	const char *func, *file;
	int64_t line;
	if (created_by(gs, g, &func, &file, &line)) {
		hc_strbuf_puts(sb, "created by ");
		hc_go_print_name(sb, func);
		if (g->parent_goid)
			hc_strbuf_printf(sb, " in goroutine %" PRIu64, g->parent_goid);
		hc_strbuf_printf(sb, "\n\t%s:%" PRId64 "\n", file, line);
	}
}

/* ---- grouping: identical status and frames ---- */

static int frames_cmp(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *a,
		      const struct hc_go_goroutine *b)
{
	if (a->nframes != b->nframes)
		return a->nframes < b->nframes ? -1 : 1;
	for (size_t i = 0; i < a->nframes; i++) {
		const struct hc_go_logical *x = &gs->frames[a->first_frame + i],
					   *y = &gs->frames[b->first_frame + i];
		int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
		if (!c)
			c = strcmp(x->file, y->file);
		if (c)
			return c;
		if (x->line != y->line)
			return x->line < y->line ? -1 : 1;
	}
	return 0;
}

static int group_key_cmp(const struct hc_go_leaks *l, size_t ia, size_t ib)
{
	const struct hc_go_goroutine *a = &l->gs->g[ia], *b = &l->gs->g[ib];
	int c = strcmp(a->state, b->state);
	if (c)
		return c;
	if (l->leaked[ia] != l->leaked[ib])
		return l->leaked[ia] ? -1 : 1;
	if (a->locked != b->locked)
		return a->locked ? -1 : 1;
	return frames_cmp(l->gs, a, b);
}

static int member_cmp(const void *pa, const void *pb, void *arg)
{
	const struct hc_go_leaks *l = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = group_key_cmp(l, a, b);
	if (c)
		return c;
	const struct hc_go_goroutine *x = &l->gs->g[a], *y = &l->gs->g[b];
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

struct group {
	size_t first, n; /* into the sorted members */
};

struct group_sort {
	const struct hc_go_leaks *l;
	const size_t *members;
};

static int group_cmp(const void *pa, const void *pb, void *arg)
{
	const struct group_sort *gsort = arg;
	const struct group *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	uint64_t x = gsort->l->gs->g[gsort->members[a->first]].goid,
		 y = gsort->l->gs->g[gsort->members[b->first]].goid;
	return x < y ? -1 : x > y;
}

struct status_count {
	const char *state;
	size_t n;
};

static int count_cmp(const void *pa, const void *pb)
{
	const struct status_count *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->state, b->state);
}

/* Counts per status, most first; *@p ret for the caller to free. */
static size_t status_counts(const struct hc_go_goroutines *gs, struct status_count **ret)
{
	struct status_count *c = calloc(gs->n + 1, sizeof(*c));
	size_t n = 0;
	if (!c)
		return SIZE_MAX;
	for (size_t i = 0; i < gs->n; i++) {
		size_t k = 0;
		while (k < n && strcmp(c[k].state, gs->g[i].state))
			k++;
		if (k == n)
			c[n++] = (struct status_count){gs->g[i].state, 0};
		c[k].n++;
	}
	hc_qsort(c, n, sizeof(*c), count_cmp);
	*ret = c;
	return n;
}

void hc_go_summary_text(struct hc_strbuf *sb, const struct hc_go_leaks *l)
{
	struct status_count *c = NULL;
	size_t n = status_counts(l->gs, &c);
	if (n == SIZE_MAX) {
		sb->oom = true;
		return;
	}
	hc_strbuf_printf(sb, "%zu goroutines:", l->gs->n);
	for (size_t i = 0; i < n; i++)
		hc_strbuf_printf(sb, "%s %zu %s", i ? "," : "", c[i].n, c[i].state);
	hc_strbuf_printf(sb, "\n%zu leaked (Go 1.26's leak detector)\n", l->nleaked);
	free(c);
}

json_object *hc_go_counts_json(const struct hc_go_leaks *l, bool *oom)
{
	struct status_count *c = NULL;
	size_t n = status_counts(l->gs, &c);
	json_object *o = json_object_new_object();
	if (n == SIZE_MAX || !o) {
		*oom = true;
		free(c);
		return o;
	}
	for (size_t i = 0; i < n; i++)
		hc_json_add(o, c[i].state, U64(c[i].n), oom);
	free(c);
	return o;
}

/*
 * The goroutines grouped by status and frames, largest group first: the
 * first @p max_groups groups (0: all), each with up to @p max_frames frames
 * (0: all).  Returns how many groups there were.
 */
size_t hc_go_groups_text(struct hc_strbuf *sb, const struct hc_go_leaks *l, size_t max_groups,
			 size_t max_frames)
{
	const struct hc_go_goroutines *gs = l->gs;
	size_t *members = malloc((gs->n + 1) * sizeof(*members));
	struct group *groups = malloc((gs->n + 1) * sizeof(*groups));
	size_t ngroups = 0;
	if (!members || !groups) {
		sb->oom = true;
		goto out;
	}
	for (size_t i = 0; i < gs->n; i++)
		members[i] = i;
	hc_qsort_r(members, gs->n, sizeof(*members), member_cmp, (void *)l);
	for (size_t i = 0; i < gs->n; i++) {
		if (i == 0 || group_key_cmp(l, members[i - 1], members[i]))
			groups[ngroups++] = (struct group){i, 0};
		groups[ngroups - 1].n++;
	}
	struct group_sort gsort = {l, members};
	hc_qsort_r(groups, ngroups, sizeof(*groups), group_cmp, &gsort);
	for (size_t k = 0; k < ngroups && (!max_groups || k < max_groups); k++) {
		const struct group *grp = &groups[k];
		const struct hc_go_goroutine *g = &gs->g[members[grp->first]];
		hc_strbuf_printf(sb, "\n%zu goroutine%s ", grp->n, grp->n == 1 ? "" : "s");
		header(sb, g, l->leaked[members[grp->first]], false);
		hc_strbuf_puts(sb, ":");
		for (size_t i = 0; i < grp->n && i < 16; i++)
			hc_strbuf_printf(sb, " %" PRIu64, gs->g[members[grp->first + i]].goid);
		if (grp->n > 16)
			hc_strbuf_printf(sb, " ... (%zu more)", grp->n - 16);
		hc_strbuf_puts(sb, "\n");
		hc_go_frames_text(sb, gs, g, max_frames);
	}
out:
	free(members);
	free(groups);
	return ngroups;
}

struct hc_error *hc_report_goroutines(struct hc_program *prog, unsigned flags, char **ret)
{
	hc_report_begin(prog, HC_PHASES_GOROUTINES);
	struct hc_go_leaks *l;
	bool have_graph;
	struct hc_error *err = leaks_or_goroutines(prog, &l, &have_graph);
	if (err)
		return err;
	const struct hc_go_goroutines *gs = l->gs;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *arr = json_object_new_array();
		for (size_t i = 0; arr && i < gs->n; i++)
			json_object_array_add(arr, goroutine_json(gs, &gs->g[i], l->leaked[i], &oom));
		if (!doc || !arr)
			oom = true;
		else {
			hc_json_add(doc, "goroutines", arr, &oom);
			arr = NULL;
			hc_json_add(doc, "counts", hc_go_counts_json(l, &oom), &oom);
			hc_json_add(doc, "leaked", U64(l->nleaked), &oom);
		}
		json_object_put(arr);
		hc_go_leaks_destroy(l);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_go_summary_text(&sb, l);
	if (flags & HC_REPORT_ALL) {
		for (size_t i = 0; i < gs->n; i++) {
			const struct hc_go_goroutine *g = &gs->g[i];
			hc_strbuf_printf(&sb, "\ngoroutine %" PRIu64 " ", g->goid);
			header(&sb, g, l->leaked[i], true);
			hc_strbuf_puts(&sb, ":\n");
			hc_go_frames_text(&sb, gs, g, 0);
		}
	} else {
		hc_go_groups_text(&sb, l, 0, 0);
	}
	hc_text_warnings(&sb, prog);
	hc_go_leaks_destroy(l);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- leaks: leaked goroutines and leak suspects ---- */

/* 20,000 */
static void thousands(struct hc_strbuf *sb, uint64_t n)
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%" PRIu64, n);
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			hc_strbuf_puts(sb, ",");
		hc_strbuf_append(sb, d + i, 1);
	}
}

struct suspect {
	uint32_t node;      /* a root's node, or an object several roots share */
	uint64_t retained;
	struct hc_graph_accumulation acc;
	uint32_t *path;     /* node ids, from node to the accumulation point */
	size_t npath;
};

static int suspect_cmp(const void *pa, const void *pb)
{
	const struct suspect *a = pa, *b = pb;
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

static const char *node_type(const struct hc_graph *g, uint32_t v)
{
	return v < g->nobjects ? g->types[g->type[v]].name : "root";
}

static const char *suspect_name(const struct hc_graph *g, const struct suspect *s, char *buf,
				size_t len)
{
	if (s->node > g->nobjects)
		return g->roots[s->node - g->nobjects - 1].name;
	snprintf(buf, len, "object 0x%" PRIx64, hc_graph_addr(g, s->node));
	return buf;
}

/* The type a suspect holds: its first object's on the path. */
static const char *suspect_type(const struct hc_graph *g, const struct suspect *s)
{
	if (s->node < g->nobjects)
		return node_type(g, s->node);
	return s->npath > 1 ? node_type(g, s->path[1]) : "?";
}

/* Roots and shared objects retaining at least @p pct % of the live heap. */
static struct hc_error *find_suspects(const struct hc_graph *g, double pct, struct suspect **ret,
				      size_t *n)
{
	uint32_t *first, *next;
	size_t ns = 0, cap = 0;
	struct suspect *s = NULL;
	*ret = NULL;
	*n = 0;
	if (!hc_graph_dominator_children(g, &first, &next))
		return &hc_enomem;
	struct hc_error *err = NULL;
	double live = (double)g->reachable_bytes;
	for (uint32_t c = first[g->nobjects]; c != NONE && !err; c = next[c]) {
		/* The super-root's children: roots, and objects several roots share. */
		if (!g->retained[c] || (double)g->retained[c] < live * pct / 100)
			continue;
		if (!hc_grow(&s, &cap, ns + 1, sizeof(*s))) {
			err = &hc_enomem;
			break;
		}
		struct suspect *x = &s[ns++];
		memset(x, 0, sizeof(*x));
		x->node = c;
		x->retained = g->retained[c];
		err = hc_graph_accumulation(g, first, next, c, &x->acc);
		if (!err && x->acc.point != NONE) {
			err = hc_graph_path_between(g, c, x->acc.point, &x->path, &x->npath);
			if (err && hc_error_code(err) == HC_ERROR_NOT_FOUND) {
				hc_error_destroy(err);
				err = NULL;
			}
		}
	}
	hc_array_free(first);
	hc_array_free(next);
	if (ns) /* s is NULL when no root qualifies */
		hc_qsort(s, ns, sizeof(*s), suspect_cmp);
	*ret = s;
	*n = ns;
	return err;
}

static void free_suspects(struct suspect *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hc_array_free(s[i].path);
	free(s);
}

static void suspects_text(struct hc_strbuf *sb, const struct hc_graph *g, const struct suspect *s,
			  size_t n, double pct, size_t max)
{
	hc_strbuf_printf(sb, "leak suspects (retaining at least %g %% of the ", pct);
	hc_strbuf_bytes(sb, g->reachable_bytes);
	hc_strbuf_puts(sb, " live heap):");
	if (!n)
		hc_strbuf_puts(sb, " none");
	hc_strbuf_puts(sb, "\n");
	for (size_t i = 0; i < n && (!max || i < max); i++) {
		char buf[64];
		const struct suspect *x = &s[i];
		hc_strbuf_printf(sb, "%s (%s) retains ", suspect_name(g, x, buf, sizeof(buf)),
				 suspect_type(g, x));
		hc_strbuf_bytes(sb, x->retained);
		hc_strbuf_printf(sb, " (%.1f %%)",
				 g->reachable_bytes ? 100.0 * (double)x->retained / (double)g->reachable_bytes
						    : 0.0);
		if (x->acc.point == NONE) {
			hc_strbuf_puts(sb, "\n");
			continue;
		}
		if (x->acc.elem_type != NONE) {
			hc_strbuf_puts(sb, ": ");
			thousands(sb, x->acc.count);
			hc_strbuf_printf(sb, " × %s (", g->types[x->acc.elem_type].name);
			hc_strbuf_bytes(sb, x->acc.bytes);
			hc_strbuf_puts(sb, ")");
		}
		hc_strbuf_printf(sb, "\n    accumulated in 0x%" PRIx64 " %s, retaining ",
				 hc_graph_addr(g, x->acc.point), node_type(g, x->acc.point));
		hc_strbuf_bytes(sb, g->retained[x->acc.point]);
		hc_strbuf_puts(sb, "\n");
		if (x->npath > 1) {
			hc_strbuf_printf(sb, "    path: %s", suspect_name(g, x, buf, sizeof(buf)));
			for (size_t k = 1; k < x->npath; k++)
				hc_strbuf_printf(sb, " → 0x%" PRIx64 " %s", hc_graph_addr(g, x->path[k]),
						 node_type(g, x->path[k]));
			hc_strbuf_puts(sb, "\n");
		}
	}
}

static json_object *suspects_json(const struct hc_graph *g, const struct suspect *s, size_t n,
				  bool *oom)
{
	json_object *a = json_object_new_array();
	if (!a) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct suspect *x = &s[i];
		char buf[64];
		json_object *o = json_object_new_object();
		if (!o) {
			*oom = true;
			break;
		}
		hc_json_add_string(o, "root", suspect_name(g, x, buf, sizeof(buf)), oom);
		hc_json_add_string(o, "type", suspect_type(g, x), oom);
		hc_json_add(o, "retained", U64(x->retained), oom);
		hc_json_add(o, "share", json_object_new_double(
			g->reachable_bytes ? (double)x->retained / (double)g->reachable_bytes : 0), oom);
		json_object *acc = NULL, *path = json_object_new_array();
		if (x->acc.point != NONE) {
			acc = json_object_new_object();
			if (!acc) {
				*oom = true;
			} else {
				hc_json_add(acc, "address", U64(hc_graph_addr(g, x->acc.point)), oom);
				hc_json_add_string(acc, "type", node_type(g, x->acc.point), oom);
				hc_json_add_string(acc, "element_type", x->acc.elem_type != NONE
						   ? g->types[x->acc.elem_type].name : NULL, oom);
				hc_json_add(acc, "count", U64(x->acc.count), oom);
				hc_json_add(acc, "bytes", U64(x->acc.bytes), oom);
				hc_json_add(acc, "retained", U64(g->retained[x->acc.point]), oom);
			}
		}
		add_or_null(o, "accumulation", acc, oom);
		for (size_t k = 0; path && k < x->npath; k++) {
			json_object *h = json_object_new_object();
			if (!h) {
				*oom = true;
				break;
			}
			uint32_t v = x->path[k];
			if (v > g->nobjects) {
				hc_json_add_string(h, "root", g->roots[v - g->nobjects - 1].name, oom);
			} else {
				hc_json_add(h, "address", U64(hc_graph_addr(g, v)), oom);
				hc_json_add_string(h, "type", node_type(g, v), oom);
				hc_json_add(h, "size", U64(hc_graph_size(g, v)), oom);
			}
			json_object_array_add(path, h);
		}
		if (!path)
			*oom = true;
		else
			hc_json_add(o, "path", path, oom);
		json_object_array_add(a, o);
	}
	return a;
}

static void leak_groups_text(struct hc_strbuf *sb, const struct hc_go_leaks *l, size_t max)
{
	const struct hc_go_goroutines *gs = l->gs;
	hc_strbuf_printf(sb, "leaked goroutines: %zu in %zu group%s (Go 1.26's leak detector)\n",
			 l->nleaked, l->ngroups, l->ngroups == 1 ? "" : "s");
	for (size_t i = 0; i < l->ngroups && (!max || i < max); i++) {
		const struct hc_go_leak_group *grp = &l->groups[i];
		const struct hc_go_goroutine *g = &gs->g[grp->members[0]];
		const char *func, *file;
		int64_t line;
		hc_strbuf_printf(sb, "\n%zu × [%s] ", grp->n, g->state);
		if (g->startpc && hc_pcln_physical(gs->pcln, g->startpc, &func, &file, &line))
			hc_go_print_name(sb, func);
		else
			hc_strbuf_puts(sb, "?");
		hc_strbuf_puts(sb, "\n");
		if (created_by(gs, g, &func, &file, &line)) {
			hc_strbuf_puts(sb, "    created by ");
			hc_go_print_name(sb, func);
			hc_strbuf_printf(sb, " at %s:%" PRId64 "\n", file, line);
		}
		if (grp->blocked_in != SIZE_MAX) {
			const struct hc_go_logical *f = &gs->frames[grp->blocked_in];
			hc_strbuf_puts(sb, "    blocked in ");
			hc_go_print_name(sb, f->name);
			hc_strbuf_printf(sb, " at %s:%" PRId64 "\n", f->file, f->line);
		}
		hc_strbuf_puts(sb, "    stacks ");
		hc_strbuf_bytes(sb, grp->stack_bytes);
		hc_strbuf_puts(sb, ", retaining ");
		hc_strbuf_bytes(sb, grp->retained);
		hc_strbuf_printf(sb, " only they keep alive (%" PRIu64 " objects)\n    goroutines",
				 grp->objects);
		for (size_t k = 0; k < grp->n && k < 16; k++)
			hc_strbuf_printf(sb, " %" PRIu64, gs->g[grp->members[k]].goid);
		if (grp->n > 16)
			hc_strbuf_printf(sb, " ... (%zu more)", grp->n - 16);
		hc_strbuf_puts(sb, "\n");
	}
}

static json_object *leak_groups_json(const struct hc_go_leaks *l, bool *oom)
{
	const struct hc_go_goroutines *gs = l->gs;
	json_object *a = json_object_new_array();
	if (!a) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < l->ngroups; i++) {
		const struct hc_go_leak_group *grp = &l->groups[i];
		const struct hc_go_goroutine *g = &gs->g[grp->members[0]];
		json_object *o = json_object_new_object(), *ids = json_object_new_array();
		if (!o || !ids) {
			json_object_put(o);
			json_object_put(ids);
			*oom = true;
			break;
		}
		hc_json_add(o, "count", U64(grp->n), oom);
		hc_json_add_string(o, "status", g->state, oom);
		add_or_null(o, "start", hc_go_start_json(gs, g, oom), oom);
		add_or_null(o, "created_by", hc_go_created_json(gs, g, oom), oom);
		json_object *b = NULL;
		if (grp->blocked_in != SIZE_MAX) {
			const struct hc_go_logical *f = &gs->frames[grp->blocked_in];
			b = place_json(f->name, f->file, f->line, oom);
		}
		add_or_null(o, "blocked_in", b, oom);
		hc_json_add(o, "stack_bytes", U64(grp->stack_bytes), oom);
		hc_json_add(o, "retained", U64(grp->retained), oom);
		hc_json_add(o, "retained_objects", U64(grp->objects), oom);
		for (size_t k = 0; k < grp->n; k++)
			json_object_array_add(ids, U64(gs->g[grp->members[k]].goid));
		hc_json_add(o, "goroutines", ids, oom);
		json_object_array_add(a, o);
	}
	return a;
}

struct hc_error *hc_report_leaks(struct hc_program *prog, unsigned flags, double threshold,
				 char **ret)
{
	hc_report_begin(prog, HC_PHASES_GOROUTINES);
	if (!prog->go_version && hc_glibc_present(prog)) /* a C or C++ program */
		return hc_report_glibc_leaks(prog, flags, 0, ret);
	struct hc_go_leaks *l;
	struct hc_error *err = hc_go_leaks_get(prog, &l);
	if (err)
		return err;
	struct hc_graph *g;
	struct suspect *s = NULL;
	size_t ns = 0;
	if ((err = hc_graph_get(prog, &g)) || (err = find_suspects(g, threshold, &s, &ns))) {
		free_suspects(s, ns);
		hc_go_leaks_destroy(l);
		return err;
	}
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object();
		if (!doc)
			oom = true;
		else {
			hc_json_add(doc, "leaked_goroutines", leak_groups_json(l, &oom), &oom);
			hc_json_add(doc, "suspects", suspects_json(g, s, ns, &oom), &oom);
			hc_json_add(doc, "threshold", json_object_new_double(threshold), &oom);
			hc_json_add(doc, "live_bytes", U64(g->reachable_bytes), &oom);
		}
		free_suspects(s, ns);
		hc_go_leaks_destroy(l);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	leak_groups_text(&sb, l, 0);
	hc_strbuf_puts(&sb, "\n");
	suspects_text(&sb, g, s, ns, threshold, 0);
	hc_text_warnings(&sb, prog);
	free_suspects(s, ns);
	hc_go_leaks_destroy(l);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- triage: the first screen on a crash ---- */

static int type_retained_cmp(const void *pa, const void *pb, void *arg)
{
	const struct hc_graph *g = arg;
	const struct hc_type_info *a = &g->types[*(const uint32_t *)pa],
				  *b = &g->types[*(const uint32_t *)pb];
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* The @p n types retaining the most, into @p out; how many there are. */
static size_t top_types(const struct hc_graph *g, uint32_t *out, size_t n)
{
	uint32_t *all = malloc((g->ntypes + 1) * sizeof(*all));
	if (!all)
		return 0;
	for (uint32_t t = 0; t < g->ntypes; t++)
		all[t] = t;
	hc_qsort_r(all, g->ntypes, sizeof(*all), type_retained_cmp, (void *)g);
	size_t k = n < g->ntypes ? n : g->ntypes;
	memcpy(out, all, k * sizeof(*out));
	free(all);
	return k;
}

static const struct hc_go_goroutine *crashed_goroutine(const struct hc_go_goroutines *gs,
						       const struct hc_go_crash *c)
{
	for (size_t i = 0; i < gs->n; i++) {
		if (c->goid ? gs->g[i].goid == c->goid : gs->g[i].crashing)
			return &gs->g[i];
	}
	return NULL;
}

/* At most 60 lines: 3 of the runtime's, 24 of the crashed goroutine, 2 of
 * counts, 7 of heap and types, 7 of suspects, 6 of leaks, 4 of warnings,
 * and blank lines between. */
#define TRIAGE_FRAMES 9
#define TRIAGE_TYPES 5
#define TRIAGE_SUSPECTS 2
#define TRIAGE_WARNINGS 3
#define TRIAGE_LEAKS 4
#define TRIAGE_GROUPS 3

struct hc_error *hc_report_triage(struct hc_program *prog, unsigned flags, char **ret)
{
	hc_report_begin(prog, HC_PHASES_GOROUTINES);
	if (!prog->go_version && hc_glibc_present(prog)) /* a C or C++ program */
		return hc_report_glibc_triage(prog, flags, ret);
	struct hc_go_crash crash;
	struct hc_error *err = hc_go_crash_get(prog, &crash);
	if (err)
		return err;
	const struct hc_memstats *ms = NULL;
	struct hc_go_leaks *l = NULL;
	struct hc_graph *g = NULL;
	struct suspect *s = NULL;
	size_t ns = 0;
	const double threshold = 10;
	bool have_graph = false;
	if ((err = hc_go_memstats(prog, &ms)) || (err = leaks_or_goroutines(prog, &l, &have_graph)) ||
	    (have_graph && ((err = hc_graph_get(prog, &g)) ||
			    (err = find_suspects(g, threshold, &s, &ns))))) {
		free_suspects(s, ns);
		hc_go_leaks_destroy(l);
		hc_go_crash_deinit(&crash);
		return err;
	}
	const struct hc_go_goroutines *gs = l->gs;
	const struct hc_go_goroutine *cg = crashed_goroutine(gs, &crash);
	uint32_t types[TRIAGE_TYPES];
	size_t ntypes = g ? top_types(g, types, TRIAGE_TYPES) : 0;
	char sigbuf[16];
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *panic = NULL, *sig = NULL;
		if (!doc) {
			oom = true;
			goto json_done;
		}
		if (crash.panic) {
			panic = json_object_new_object();
			if (panic) {
				hc_json_add_string(panic, "message", crash.panic, &oom);
				hc_json_add(panic, "goroutine", U64(crash.goid), &oom);
				hc_json_add_string(panic, "signal", crash.sigpanic, &oom);
			} else
				oom = true;
		}
		add_or_null(doc, "panic", panic, &oom);
		sig = json_object_new_object();
		if (sig) {
			hc_json_add(sig, "number", json_object_new_int(crash.signal), &oom);
			hc_json_add_string(sig, "name", crash.signal ? hc_signal_name(crash.signal, sigbuf)
									: NULL, &oom);
			hc_json_add_string(sig, "text", crash.fatal, &oom);
		} else
			oom = true;
		add_or_null(doc, "signal", sig, &oom);
		add_or_null(doc, "goroutine",
			    cg ? goroutine_json(gs, cg, l->leaked[(size_t)(cg - gs->g)], &oom) : NULL, &oom);
		json_object *gr = json_object_new_object();
		if (gr) {
			hc_json_add(gr, "count", U64(gs->n), &oom);
			hc_json_add(gr, "by_status", hc_go_counts_json(l, &oom), &oom);
			hc_json_add(gr, "leaked", U64(l->nleaked), &oom);
		} else
			oom = true;
		add_or_null(doc, "goroutines", gr, &oom);
		json_object *m = json_object_new_object();
		if (m) {
			hc_json_add(m, "HeapAlloc", U64(ms->HeapAlloc), &oom);
			hc_json_add(m, "HeapSys", U64(ms->HeapSys), &oom);
			hc_json_add(m, "HeapObjects", U64(ms->HeapObjects), &oom);
			hc_json_add(m, "StackInuse", U64(ms->StackInuse), &oom);
			hc_json_add(m, "Sys", U64(ms->Sys), &oom);
			hc_json_add(m, "NumGC", U64(ms->NumGC), &oom);
		} else
			oom = true;
		add_or_null(doc, "memstats", m, &oom);
		json_object *ta = json_object_new_array();
		for (size_t i = 0; ta && i < ntypes; i++) {
			const struct hc_type_info *t = &g->types[types[i]];
			json_object *o = json_object_new_object();
			if (!o) {
				oom = true;
				break;
			}
			hc_json_add_string(o, "type", t->name, &oom);
			hc_json_add(o, "count", U64(t->count), &oom);
			hc_json_add(o, "bytes", U64(t->bytes), &oom);
			hc_json_add(o, "retained", U64(t->retained), &oom);
			json_object_array_add(ta, o);
		}
		hc_json_add(doc, "types", ta, &oom);
		if (g)
			hc_json_add(doc, "suspects", suspects_json(g, s, ns, &oom), &oom);
		else
			hc_json_add(doc, "suspects", json_object_new_array(), &oom);
		hc_json_add(doc, "leaks", leak_groups_json(l, &oom), &oom);
json_done:
		free_suspects(s, ns);
		hc_go_leaks_destroy(l);
		hc_go_crash_deinit(&crash);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	/* What the runtime printed first. */
	if (crash.panic) {
		hc_strbuf_printf(&sb, "%s\n", crash.panic);
		if (crash.sigpanic)
			hc_strbuf_printf(&sb, "%s\n", crash.sigpanic);
	} else if (crash.fatal) {
		hc_strbuf_printf(&sb, "%s\n", crash.fatal);
	} else if (crash.signal) {
		hc_strbuf_printf(&sb, "killed by %s\n", hc_signal_name(crash.signal, sigbuf));
	}
	if (!cg && (crash.fatal || crash.panic))
		hc_strbuf_puts(&sb, "\nno goroutine was running on the thread that took the signal\n");
	if (cg) {
		hc_strbuf_printf(&sb, "\ngoroutine %" PRIu64 " ", cg->goid);
		header(&sb, cg, l->leaked[(size_t)(cg - gs->g)], true);
		hc_strbuf_puts(&sb, ":\n");
		hc_go_frames_text(&sb, gs, cg, TRIAGE_FRAMES);
	}
	hc_strbuf_puts(&sb, "\n");
	hc_go_summary_text(&sb, l);
	hc_strbuf_puts(&sb, "\nheap: ");
	hc_strbuf_bytes(&sb, ms->HeapAlloc);
	hc_strbuf_printf(&sb, " in %" PRIu64 " objects (HeapAlloc), HeapSys ", ms->HeapObjects);
	hc_strbuf_bytes(&sb, ms->HeapSys);
	hc_strbuf_puts(&sb, ", StackInuse ");
	hc_strbuf_bytes(&sb, ms->StackInuse);
	hc_strbuf_puts(&sb, ", Sys ");
	hc_strbuf_bytes(&sb, ms->Sys);
	hc_strbuf_printf(&sb, ", %u GCs\n", ms->NumGC);
	if (ntypes)
		hc_strbuf_puts(&sb, "top types by retained:\n");
	for (size_t i = 0; i < ntypes; i++) {
		const struct hc_type_info *t = &g->types[types[i]];
		hc_strbuf_puts(&sb, "  ");
		hc_strbuf_bytes(&sb, t->retained);
		hc_strbuf_printf(&sb, "  %s (%" PRIu64 " objects, ", t->name, t->count);
		hc_strbuf_bytes(&sb, t->bytes);
		hc_strbuf_puts(&sb, ")\n");
	}
	hc_strbuf_puts(&sb, "\n");
	if (g) {
		suspects_text(&sb, g, s, ns, threshold, TRIAGE_SUSPECTS);
		hc_strbuf_puts(&sb, "\n");
	}
	hc_strbuf_printf(&sb, "leaked goroutines: %zu in %zu group%s%s\n", l->nleaked, l->ngroups,
			 l->ngroups == 1 ? "" : "s", l->ngroups ? " (heapcore leaks tells more)" : "");
	for (size_t i = 0; i < l->ngroups && i < TRIAGE_LEAKS; i++) {
		const struct hc_go_leak_group *grp = &l->groups[i];
		const struct hc_go_goroutine *g0 = &gs->g[grp->members[0]];
		hc_strbuf_printf(&sb, "  %zu × [%s]", grp->n, g0->state);
		if (grp->blocked_in != SIZE_MAX) {
			const struct hc_go_logical *f = &gs->frames[grp->blocked_in];
			hc_strbuf_puts(&sb, " in ");
			hc_go_print_name(&sb, f->name);
			hc_strbuf_printf(&sb, " at %s:%" PRId64, f->file, f->line);
		}
		hc_strbuf_puts(&sb, ", retaining ");
		hc_strbuf_bytes(&sb, grp->retained);
		hc_strbuf_puts(&sb, "\n");
	}
	if (l->ngroups > TRIAGE_LEAKS)
		hc_strbuf_printf(&sb, "  ... %zu more groups\n", l->ngroups - TRIAGE_LEAKS);
	/* An incomplete answer's line takes one warning's place. */
	size_t nwarn = hc_program_num_warnings(prog);
	size_t shown = TRIAGE_WARNINGS - (hc_program_incomplete(prog) ? 1 : 0);
	for (size_t i = 0; i < nwarn && i < shown; i++)
		hc_strbuf_printf(&sb, "warning: %s\n", hc_program_warning(prog, i));
	if (nwarn > shown)
		hc_strbuf_printf(&sb, "... %zu more warnings (--json lists them)\n", nwarn - shown);
	hc_text_incomplete(&sb, prog, 1);
	free_suspects(s, ns);
	hc_go_leaks_destroy(l);
	hc_go_crash_deinit(&crash);
	return hc_strbuf_finish(&sb, ret);
}
