/*
 * Reports on a glibc malloc heap: `stats` (mallinfo2() as the program
 * would have read it, per arena and in all, the mmapped chunks, each
 * thread's tcache, and where every chunk is).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "glibc/glibc.h"
#include "graph/graph.h"
#include "report/report.h"
#include "report/report_glibc.h"
#include "target/program.h"

static const struct {
	const char *name, *what;
	size_t off;
} mi_fields[] = {
#define F(n, w) {#n, w, offsetof(struct hc_mallinfo2, n)}
	F(arena, "non-mmapped space allocated from the system"),
	F(ordblks, "free chunks (top, unsorted, small and large bins)"),
	F(smblks, "free chunks in fastbins"),
	F(hblks, "mmapped chunks"),
	F(hblkhd, "bytes in mmapped chunks"),
	F(usmblks, "always 0"),
	F(fsmblks, "bytes in fastbin chunks"),
	F(uordblks, "bytes in use (glibc counts tcache chunks as in use)"),
	F(fordblks, "free bytes (top, bins, fastbins)"),
	F(keepcost, "main_arena's top chunk (what malloc_trim could release)"),
#undef F
};

/* The per-arena share: the fields int_mallinfo adds per arena. */
static const char *const arena_fields[] = {"arena", "ordblks", "smblks", "fsmblks", "uordblks",
					   "fordblks", "keepcost"};

static uint64_t mi_get(const struct hc_mallinfo2 *mi, const char *name)
{
	for (size_t i = 0; i < HC_ARRAY_SIZE(mi_fields); i++)
		if (strcmp(mi_fields[i].name, name) == 0)
			return *(const uint64_t *)((const char *)mi + mi_fields[i].off);
	return 0;
}

static const char *const state_keys[HC_CHUNK_NSTATES] = {
	"in_use", "tcache", "fastbin", "unsorted", "small_bin", "large_bin", "free_unbinned",
	"mmapped"};

static json_object *count_json(uint64_t count, uint64_t bytes, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "count", json_object_new_uint64(count), oom);
	hc_json_add(o, "bytes", json_object_new_uint64(bytes), oom);
	return o;
}

static json_object *hex_json(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static json_object *libc_json(const struct hc_glibc *gl, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	hc_json_add_string(o, "path", gl->libc_path, oom);
	hc_json_add_string(o, "build_id", gl->build_id, oom);
	hc_json_add_string(o, "layout", gl->layout_source, oom);
	return o;
}

static struct hc_error *stats_json(struct hc_program *prog, const struct hc_glibc *gl,
				   char **ret)
{
	bool oom = false;
	json_object *doc = json_object_new_object();
	if (!doc)
		return &hc_enomem;
	hc_json_add_string(doc, "allocator", "glibc", &oom);
	hc_json_add(doc, "libc", libc_json(gl, &oom), &oom);
	json_object *mi = json_object_new_object();
	for (size_t i = 0; mi && i < HC_ARRAY_SIZE(mi_fields); i++)
		hc_json_add(mi, mi_fields[i].name,
			    json_object_new_uint64(mi_get(&gl->mi, mi_fields[i].name)), &oom);
	hc_json_add(doc, "mallinfo2", mi, &oom);
	hc_json_add(doc, "in_use", count_json(gl->in_use.count, gl->in_use.bytes, &oom), &oom);
	json_object *arenas = json_object_new_array();
	for (size_t i = 0; arenas && i < gl->narenas; i++) {
		const struct hc_glibc_arena *a = &gl->arenas[i];
		json_object *o = json_object_new_object();
		if (!o) {
			oom = true;
			break;
		}
		hc_json_add(o, "address", hex_json(a->addr), &oom);
		hc_json_add(o, "main", json_object_new_boolean(a->main), &oom);
		hc_json_add(o, "heaps", json_object_new_uint64(a->heaps), &oom);
		hc_json_add(o, "system_mem", json_object_new_uint64(a->system_mem), &oom);
		hc_json_add(o, "max_system_mem", json_object_new_uint64(a->max_system_mem), &oom);
		hc_json_add(o, "top", hex_json(a->top), &oom);
		hc_json_add(o, "top_size", json_object_new_uint64(a->top_size), &oom);
		hc_json_add(o, "attached_threads", json_object_new_uint64(a->threads), &oom);
		json_object *m = json_object_new_object();
		for (size_t k = 0; m && k < HC_ARRAY_SIZE(arena_fields); k++)
			hc_json_add(m, arena_fields[k],
				    json_object_new_uint64(mi_get(&a->mi, arena_fields[k])), &oom);
		hc_json_add(o, "mallinfo2", m, &oom);
		json_object *c = json_object_new_object();
		for (int s = 0; c && s < HC_CHUNK_NSTATES; s++) {
			if (s == HC_CHUNK_MMAPPED)
				continue;
			hc_json_add(c, state_keys[s],
				    count_json(a->by_state[s].count, a->by_state[s].bytes, &oom), &oom);
		}
		hc_json_add(o, "chunks", c, &oom);
		if (json_object_array_add(arenas, o))
			oom = true;
	}
	hc_json_add(doc, "arenas", arenas, &oom);
	json_object *mm = count_json(gl->n_mmaps, gl->mmapped_mem, &oom);
	if (mm) {
		hc_json_add(mm, "found_count", json_object_new_uint64(gl->mmapped_found.count), &oom);
		hc_json_add(mm, "found_bytes", json_object_new_uint64(gl->mmapped_found.bytes), &oom);
	}
	hc_json_add(doc, "mmap", mm, &oom);
	json_object *tcs = json_object_new_array();
	for (size_t i = 0; tcs && i < gl->ntcaches; i++) {
		const struct hc_glibc_tcache *t = &gl->tcaches[i];
		json_object *o = count_json(t->count, t->bytes, &oom);
		if (!o)
			break;
		hc_json_add(o, "tid", json_object_new_int(t->tid), &oom);
		hc_json_add(o, "address", hex_json(t->addr), &oom);
		if (json_object_array_add(tcs, o))
			oom = true;
	}
	hc_json_add(doc, "tcaches", tcs, &oom);
	return hc_json_finish_report(prog, doc, oom, ret);
}

static void count_text(struct hc_strbuf *sb, const char *label, uint64_t count, uint64_t bytes)
{
	hc_strbuf_printf(sb, "  %-16s %10" PRIu64 " chunks %14" PRIu64 " bytes  (", label, count,
			 bytes);
	hc_strbuf_bytes(sb, bytes);
	hc_strbuf_puts(sb, ")\n");
}

struct hc_error *hc_report_glibc_stats(struct hc_program *prog, unsigned flags, char **ret)
{
	struct hc_glibc *gl;
	struct hc_error *err = hc_glibc_get(prog, &gl);
	if (err)
		return err;
	if (flags & HC_REPORT_JSON)
		return stats_json(prog, gl, ret);
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "glibc malloc: %s (build ID %s)\nlayout: %s\n\n", gl->libc_path,
			 gl->build_id, gl->layout_source);
	hc_strbuf_printf(&sb, "In use: %" PRIu64 " blocks, ", gl->in_use.count);
	hc_strbuf_bytes(&sb, gl->in_use.bytes);
	hc_strbuf_printf(&sb, " (chunk bytes; the program's blocks, not tcache's)\n");
	hc_strbuf_printf(&sb, "Arenas: %zu, mmapped chunks: %" PRIu64 ", tcaches: %zu\n\n",
			 gl->narenas, gl->n_mmaps, gl->ntcaches);
	hc_strbuf_puts(&sb, "mallinfo2() (all arenas):\n");
	for (size_t i = 0; i < HC_ARRAY_SIZE(mi_fields); i++)
		hc_strbuf_printf(&sb, "  %-9s %14" PRIu64 "  %s\n", mi_fields[i].name,
				 mi_get(&gl->mi, mi_fields[i].name), mi_fields[i].what);
	for (size_t i = 0; i < gl->narenas; i++) {
		const struct hc_glibc_arena *a = &gl->arenas[i];
		hc_strbuf_printf(&sb, "\narena 0x%" PRIx64 "%s: %" PRIu64 " heap%s, system_mem %" PRIu64
				 " (max %" PRIu64 "), top 0x%" PRIx64 " (%" PRIu64
				 " bytes), %" PRIu64 " attached thread%s\n",
				 a->addr, a->main ? " (main_arena)" : "", a->heaps,
				 a->heaps == 1 ? "" : "s", a->system_mem, a->max_system_mem, a->top,
				 a->top_size, a->threads, a->threads == 1 ? "" : "s");
		hc_strbuf_puts(&sb, "  mallinfo2 share:");
		for (size_t k = 0; k < HC_ARRAY_SIZE(arena_fields); k++)
			hc_strbuf_printf(&sb, " %s %" PRIu64, arena_fields[k],
					 mi_get(&a->mi, arena_fields[k]));
		hc_strbuf_puts(&sb, "\n");
		for (int s = 0; s < HC_CHUNK_NSTATES; s++) {
			if (s == HC_CHUNK_MMAPPED ||
			    (s == HC_CHUNK_FREE_UNBINNED && !a->by_state[s].count))
				continue;
			count_text(&sb, hc_glibc_state_name(s), a->by_state[s].count,
				   a->by_state[s].bytes);
		}
	}
	hc_strbuf_printf(&sb, "\nmmapped chunks: %" PRIu64 ", %" PRIu64 " bytes (mp_.n_mmaps, "
			 "mp_.mmapped_mem); found in the core: %" PRIu64 ", %" PRIu64 " bytes\n",
			 gl->n_mmaps, gl->mmapped_mem, gl->mmapped_found.count,
			 gl->mmapped_found.bytes);
	if (gl->ntcaches)
		hc_strbuf_puts(&sb, "\ntcaches (free chunks each thread keeps):\n");
	for (size_t i = 0; i < gl->ntcaches; i++)
		hc_strbuf_printf(&sb, "  thread %-8d 0x%" PRIx64 " %6" PRIu64 " chunks %10" PRIu64
				 " bytes\n", gl->tcaches[i].tid, gl->tcaches[i].addr,
				 gl->tcaches[i].count, gl->tcaches[i].bytes);
	if (hc_program_num_warnings(prog))
		hc_strbuf_puts(&sb, "\n");
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}

/* One group of leaked objects: a type (or none) and a usable size. */
struct leak_group {
	uint32_t type; /* UINT32_MAX: untyped */
	uint64_t size, count, bytes;
};

static int group_cmp(const void *x, const void *y)
{
	const struct leak_group *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

struct hc_error *hc_report_glibc_leaks(struct hc_program *prog, unsigned flags, size_t top,
				       char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_glibc_graph_get(prog, &g);
	if (err)
		return err;
	/* Group the unreachable objects by (type, size): a hash of the key to
	 * the group's index. */
	struct hc_u64map index;
	hc_u64map_init(&index);
	struct leak_group *groups = NULL;
	size_t ngroups = 0, cap = 0;
	uint64_t count = 0, bytes = 0;
	for (uint32_t v = 0; v < g->nobjects; v++) {
		if (g->idom[v] != UINT32_MAX)
			continue;
		const struct hc_type_info *t = &g->types[g->type[v]];
		uint32_t type = t->untyped ? UINT32_MAX : g->type[v];
		uint64_t size = hc_graph_size(g, v);
		uint64_t key = hc_hash_bytes(&type, sizeof(type)) ^ (size * 0x9e3779b97f4a7c15ull), gi;
		/* colliding keys are told apart by a linear probe over the groups */
		bool found = false;
		while (hc_u64map_get(&index, key, &gi)) {
			if (groups[gi].type == type && groups[gi].size == size) {
				found = true;
				break;
			}
			key++;
		}
		if (!found) {
			if (!hc_grow(&groups, &cap, ngroups + 1, sizeof(*groups)) ||
			    !hc_u64map_put(&index, key, ngroups)) {
				free(groups);
				hc_u64map_deinit(&index);
				return &hc_enomem;
			}
			groups[ngroups] = (struct leak_group){.type = type, .size = size};
			gi = ngroups++;
		}
		groups[gi].count++;
		groups[gi].bytes += size;
		count++;
		bytes += size;
	}
	hc_u64map_deinit(&index);
	if (ngroups)
		hc_qsort(groups, ngroups, sizeof(*groups), group_cmp);
	size_t shown = top && top < ngroups ? top : ngroups;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object(), *lo = json_object_new_object(),
			    *arr = json_object_new_array();
		if (!doc || !lo || !arr) {
			json_object_put(doc);
			json_object_put(lo);
			json_object_put(arr);
			free(groups);
			return &hc_enomem;
		}
		hc_json_add_string(doc, "allocator", "glibc", &oom);
		hc_json_add(lo, "count", json_object_new_uint64(count), &oom);
		hc_json_add(lo, "bytes", json_object_new_uint64(bytes), &oom);
		for (size_t i = 0; i < shown; i++) {
			json_object *o = json_object_new_object();
			if (!o) {
				oom = true;
				break;
			}
			const struct leak_group *gr = &groups[i];
			if (gr->type == UINT32_MAX)
				json_object_object_add(o, "type", NULL); /* JSON null */
			else
				hc_json_add_string(o, "type", g->types[gr->type].name, &oom);
			hc_json_add(o, "size", json_object_new_uint64(gr->size), &oom);
			hc_json_add(o, "count", json_object_new_uint64(gr->count), &oom);
			hc_json_add(o, "bytes", json_object_new_uint64(gr->bytes), &oom);
			if (json_object_array_add(arr, o))
				oom = true;
		}
		hc_json_add(lo, "groups", arr, &oom);
		hc_json_add(doc, "leaked_objects", lo, &oom);
		free(groups);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "leaked: %" PRIu64 " blocks, ", count);
	hc_strbuf_bytes(&sb, bytes);
	hc_strbuf_puts(&sb, " (blocks in use that no root reaches; sizes are malloc_usable_size)\n");
	if (shown)
		hc_strbuf_printf(&sb, "\n%10s %12s %10s  %s\n", "count", "bytes", "size", "type");
	for (size_t i = 0; i < shown; i++) {
		const struct leak_group *gr = &groups[i];
		hc_strbuf_printf(&sb, "%10" PRIu64 " %12" PRIu64 " %10" PRIu64 "  %s\n", gr->count,
				 gr->bytes, gr->size,
				 gr->type == UINT32_MAX ? "(untyped)" : g->types[gr->type].name);
	}
	if (shown < ngroups)
		hc_strbuf_printf(&sb, "... %zu more groups (--top 0 shows all)\n", ngroups - shown);
	free(groups);
	if (hc_program_num_warnings(prog))
		hc_strbuf_puts(&sb, "\n");
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}
