/*
 * The goroutine reports: `goroutines` (every goroutine with its status and
 * frames as Go's own traceback prints them, grouped) and the leaked
 * goroutines of `leaks`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "go/go_leaks.h"
#include "report/report.h"
#include "report/report_goroutines.h"
#include "target/program.h"

#define U64(x) json_object_new_uint64(x)

/* Add @p val, or null where @p val is NULL because there is none (the
 * builders of @p val record their own allocation failures in *oom). */
static void add_or_null(json_object *obj, const char *key, json_object *val, bool *oom)
{
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		*oom = true;
	}
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
	hc_json_add_string(o, "status", g->state, oom);
	add_or_null(o, "wait_minutes",
		    g->wait_minutes >= 0 ? json_object_new_int64(g->wait_minutes) : NULL, oom);
	hc_json_add(o, "locked_to_thread", json_object_new_boolean(g->locked), oom);
	hc_json_add(o, "stack_bytes", U64(g->stack_hi - g->stack_lo), oom);
	add_or_null(o, "start", hc_go_start_json(gs, g, oom), oom);
	add_or_null(o, "created_by", hc_go_created_json(gs, g, oom), oom);
	hc_json_add(o, "frames", hc_go_frames_json(gs, g, oom), oom);
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
			hc_strbuf_printf(sb, "...%zu more frames...\n", n - max - 1);
			i = n - 1; /* and the outermost */
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

static const struct hc_go_leaks *sort_leaks;

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

static int group_key_cmp(size_t ia, size_t ib)
{
	const struct hc_go_leaks *l = sort_leaks;
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

static int member_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = group_key_cmp(a, b);
	if (c)
		return c;
	const struct hc_go_goroutine *x = &sort_leaks->gs->g[a], *y = &sort_leaks->gs->g[b];
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

struct group {
	size_t first, n; /* into the sorted members */
};

static const size_t *sort_members;

static int group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	uint64_t x = sort_leaks->gs->g[sort_members[a->first]].goid,
		 y = sort_leaks->gs->g[sort_members[b->first]].goid;
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
	qsort(c, n, sizeof(*c), count_cmp);
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
	sort_leaks = l;
	qsort(members, gs->n, sizeof(*members), member_cmp);
	for (size_t i = 0; i < gs->n; i++) {
		if (i == 0 || group_key_cmp(members[i - 1], members[i]))
			groups[ngroups++] = (struct group){i, 0};
		groups[ngroups - 1].n++;
	}
	sort_members = members;
	qsort(groups, ngroups, sizeof(*groups), group_cmp);
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
	struct hc_go_leaks *l;
	struct hc_error *err = hc_go_leaks_get(prog, &l);
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
