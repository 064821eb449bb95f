/*
 * The `diff` report: what changed between two cores of one executable.
 * runtime.MemStats field by field, then the object graphs' totals per type
 * and per root matched by name (graph/graph_diff.c), biggest growth first.
 * A leak is growth: the type that grew, and the root that holds it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "go/go.h"
#include "graph/graph.h"
#include "graph/graph_diff.h"
#include "report/report.h"
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
	if (threshold) {
		hc_strbuf_puts(sb, " (bytes changed by at least ");
		hc_strbuf_bytes(sb, threshold);
		hc_strbuf_puts(sb, ")");
	}
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
	hc_strbuf_printf(sb, "\nRoots by growth of what they retain:\n  %14s %14s %14s  %s\n",
			 "retained delta", "old", "new", "root");
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
	hc_strbuf_puts(sb, "\nNot compared yet: accumulation points and goroutine groups.\n");
	warnings(a, b, NULL, sb);
}

struct hc_error *hc_report_diff(struct hc_program *before, struct hc_program *after,
				unsigned flags, uint64_t threshold, char **ret)
{
	if (!before || !after || !ret)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT, "hc_report_diff: bad arguments");
	const struct hc_memstats *ma, *mb;
	struct hc_graph_summary *sa = NULL, *sb = NULL;
	struct hc_graph_delta *types = NULL, *roots = NULL;
	size_t ntypes = 0, nroots = 0;
	hc_report_begin(before, HC_PHASES_GRAPH);
	hc_report_begin(after, HC_PHASES_GRAPH);
	struct hc_error *err = same_executable(before, after);
	if (!err)
		err = hc_go_memstats(before, &ma);
	if (!err)
		err = hc_go_memstats(after, &mb);
	if (!err)
		err = summarize(before, true, &sa);
	if (!err)
		err = summarize(after, false, &sb);
	if (!err)
		err = hc_graph_summary_diff(sa, sb, false, threshold, &types, &ntypes);
	if (!err)
		err = hc_graph_summary_diff(sa, sb, true, threshold, &roots, &nroots);
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
			json_object *nc = json_object_new_array();
			if (nc) {
				json_object_array_add(nc, json_object_new_string("accumulations"));
				json_object_array_add(nc, json_object_new_string("goroutines"));
			}
			hc_json_add(doc, "not_compared", nc, &oom);
			warnings(before, after, w, NULL);
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
	err = hc_strbuf_finish(&out, ret);
out:
	free(types);
	free(roots);
	hc_graph_summary_destroy(sa);
	hc_graph_summary_destroy(sb);
	return err;
}
