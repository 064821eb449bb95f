/*
 * Reports on a glibc malloc heap: `stats` (mallinfo2() as the program
 * would have read it, per arena and in all, the mmapped chunks, each
 * thread's tcache, and where every chunk is), `leaks` (the blocks in use
 * no root reaches) and `triage` (the signal, the crashed thread's
 * backtrace, the heap's headline, top types and leaks).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/unwind.h"
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

/* The graph's unreachable objects grouped by (type, size), the most bytes
 * first, into *@p ret (free()), with their total count and bytes. */
static struct hc_error *leak_groups(const struct hc_graph *g, struct leak_group **ret,
				    size_t *ret_n, uint64_t *ret_count, uint64_t *ret_bytes)
{
	/* a hash of the key to the group's index */
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
	*ret = groups;
	*ret_n = ngroups;
	*ret_count = count;
	*ret_bytes = bytes;
	return NULL;
}

static json_object *leak_groups_json(const struct hc_graph *g, const struct leak_group *groups,
				     size_t shown, uint64_t count, uint64_t bytes, bool *oom)
{
	json_object *lo = json_object_new_object(), *arr = json_object_new_array();
	if (!lo || !arr) {
		json_object_put(lo);
		json_object_put(arr);
		*oom = true;
		return NULL;
	}
	hc_json_add(lo, "count", json_object_new_uint64(count), oom);
	hc_json_add(lo, "bytes", json_object_new_uint64(bytes), oom);
	for (size_t i = 0; i < shown; i++) {
		json_object *o = json_object_new_object();
		if (!o) {
			*oom = true;
			break;
		}
		const struct leak_group *gr = &groups[i];
		if (gr->type == UINT32_MAX)
			json_object_object_add(o, "type", NULL); /* JSON null */
		else
			hc_json_add_string(o, "type", g->types[gr->type].name, oom);
		hc_json_add(o, "size", json_object_new_uint64(gr->size), oom);
		hc_json_add(o, "count", json_object_new_uint64(gr->count), oom);
		hc_json_add(o, "bytes", json_object_new_uint64(gr->bytes), oom);
		if (json_object_array_add(arr, o))
			*oom = true;
	}
	hc_json_add(lo, "groups", arr, oom);
	return lo;
}

static void leak_groups_text(struct hc_strbuf *sb, const struct hc_graph *g,
			     const struct leak_group *groups, size_t shown)
{
	if (shown)
		hc_strbuf_printf(sb, "\n%10s %12s %10s  %s\n", "count", "bytes", "size", "type");
	for (size_t i = 0; i < shown; i++) {
		const struct leak_group *gr = &groups[i];
		hc_strbuf_printf(sb, "%10" PRIu64 " %12" PRIu64 " %10" PRIu64 "  %s\n", gr->count,
				 gr->bytes, gr->size,
				 gr->type == UINT32_MAX ? "(untyped)" : g->types[gr->type].name);
	}
}

struct hc_error *hc_report_glibc_leaks(struct hc_program *prog, unsigned flags, size_t top,
				       char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	struct hc_graph *g;
	struct hc_error *err = hc_glibc_graph_get(prog, &g);
	if (err)
		return err;
	struct leak_group *groups;
	size_t ngroups;
	uint64_t count, bytes;
	if ((err = leak_groups(g, &groups, &ngroups, &count, &bytes)))
		return err;
	size_t shown = top && top < ngroups ? top : ngroups;
	if (flags & HC_REPORT_JSON) {
		bool oom = false;
		json_object *doc = json_object_new_object();
		if (!doc) {
			free(groups);
			return &hc_enomem;
		}
		hc_json_add_string(doc, "allocator", "glibc", &oom);
		hc_json_add(doc, "leaked_objects",
			    leak_groups_json(g, groups, shown, count, bytes, &oom), &oom);
		free(groups);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "leaked: %" PRIu64 " blocks, ", count);
	hc_strbuf_bytes(&sb, bytes);
	hc_strbuf_puts(&sb, " (blocks in use that no root reaches; sizes are malloc_usable_size)\n");
	leak_groups_text(&sb, g, groups, shown);
	if (shown < ngroups)
		hc_strbuf_printf(&sb, "... %zu more groups (--top 0 shows all)\n", ngroups - shown);
	free(groups);
	if (hc_program_num_warnings(prog))
		hc_strbuf_puts(&sb, "\n");
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}

/* ---- triage: the first screen on a C or C++ crash ---- */

/* What siginfo's si_code says (the kernel's include/uapi/asm-generic/siginfo.h). */
static void signal_code(int sig, int code, const char **name, const char **what)
{
	static const struct {
		int sig, code;
		const char *name, *what;
	} codes[] = {
		{SIGSEGV, 1, "SEGV_MAPERR", "address not mapped to object"},
		{SIGSEGV, 2, "SEGV_ACCERR", "invalid permissions for mapped object"},
		{SIGSEGV, 3, "SEGV_BNDERR", "failed address bound checks"},
		{SIGSEGV, 4, "SEGV_PKUERR", "failed protection key checks"},
		{SIGBUS, 1, "BUS_ADRALN", "invalid address alignment"},
		{SIGBUS, 2, "BUS_ADRERR", "nonexistent physical address"},
		{SIGBUS, 3, "BUS_OBJERR", "object-specific hardware error"},
		{SIGBUS, 4, "BUS_MCEERR_AR", "hardware memory error consumed on a machine check"},
		{SIGBUS, 5, "BUS_MCEERR_AO", "hardware memory error detected in process"},
		{SIGILL, 1, "ILL_ILLOPC", "illegal opcode"},
		{SIGILL, 2, "ILL_ILLOPN", "illegal operand"},
		{SIGILL, 3, "ILL_ILLADR", "illegal addressing mode"},
		{SIGILL, 4, "ILL_ILLTRP", "illegal trap"},
		{SIGILL, 5, "ILL_PRVOPC", "privileged opcode"},
		{SIGILL, 6, "ILL_PRVREG", "privileged register"},
		{SIGILL, 7, "ILL_COPROC", "coprocessor error"},
		{SIGILL, 8, "ILL_BADSTK", "internal stack error"},
		{SIGFPE, 1, "FPE_INTDIV", "integer divide by zero"},
		{SIGFPE, 2, "FPE_INTOVF", "integer overflow"},
		{SIGFPE, 3, "FPE_FLTDIV", "floating-point divide by zero"},
		{SIGFPE, 4, "FPE_FLTOVF", "floating-point overflow"},
		{SIGFPE, 5, "FPE_FLTUND", "floating-point underflow"},
		{SIGFPE, 6, "FPE_FLTRES", "floating-point inexact result"},
		{SIGFPE, 7, "FPE_FLTINV", "invalid floating-point operation"},
		{SIGFPE, 8, "FPE_FLTSUB", "subscript out of range"},
		{SIGTRAP, 1, "TRAP_BRKPT", "process breakpoint"},
		{SIGTRAP, 2, "TRAP_TRACE", "process trace trap"},
		{0, 0, "SI_USER", "sent by kill"},
		{0, 0x80, "SI_KERNEL", "sent by the kernel"},
		{0, -1, "SI_QUEUE", "sent by sigqueue"},
		{0, -2, "SI_TIMER", "a POSIX timer expired"},
		{0, -3, "SI_MESGQ", "a message queue changed state"},
		{0, -4, "SI_ASYNCIO", "asynchronous I/O completed"},
		{0, -5, "SI_SIGIO", "queued SIGIO"},
		{0, -6, "SI_TKILL", "sent by tkill (as raise and abort send it)"},
	};
	*name = *what = NULL;
	for (size_t i = 0; i < HC_ARRAY_SIZE(codes); i++) {
		if (codes[i].code == code && (codes[i].sig == sig || (codes[i].sig == 0 &&
								     (code <= 0 || code == 0x80)))) {
			*name = codes[i].name;
			*what = codes[i].what;
			return;
		}
	}
}

/* Whether sig_word is a fault address: a fault the hardware raised. */
static bool has_fault_address(int sig, int code)
{
	return code > 0 && code != 0x80 &&
	       (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
}

/* Whether the signal was sent by a process (si_pid and si_uid are set). */
static bool has_sender(int code)
{
	return code == 0 || code == -1 || code == -6; /* SI_USER, SI_QUEUE, SI_TKILL */
}

static int type_retained_cmp(const void *pa, const void *pb, void *arg)
{
	const struct hc_graph *g = arg;
	const struct hc_type_info *a = &g->types[*(const uint32_t *)pa],
				  *b = &g->types[*(const uint32_t *)pb];
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* At most 60 lines: 2 of the signal, 1 + 22 of the thread, 3 of the heap,
 * 1 + 5 of types, 2 + 6 of leaks, 4 of warnings and blank lines. */
#define TRIAGE_FRAMES 20
#define TRIAGE_JSON_FRAMES 64
#define TRIAGE_TYPES 5
#define TRIAGE_LEAKS 5
#define TRIAGE_WARNINGS 3

static void signal_text(struct hc_strbuf *sb, const struct hc_core *core)
{
	char buf[16];
	if (!core->signal) {
		hc_strbuf_puts(sb, "no signal: the process was running (a snapshot, or gcore's core)\n");
		return;
	}
	hc_strbuf_printf(sb, "killed by %s (signal %d)", hc_signal_name(core->signal, buf),
			 core->signal);
	if (core->has_siginfo) {
		const char *name, *what;
		signal_code(core->signal, core->si_code, &name, &what);
		if (name)
			hc_strbuf_printf(sb, ": %s (%s)", what, name);
		else
			hc_strbuf_printf(sb, ": si_code %d", core->si_code);
		if (core->has_sig_word && has_fault_address(core->signal, core->si_code))
			hc_strbuf_printf(sb, " at address 0x%" PRIx64, core->sig_word);
		else if (core->has_sig_word && has_sender(core->si_code))
			hc_strbuf_printf(sb, " from process %u%s", (unsigned)(uint32_t)core->sig_word,
					 (int32_t)core->sig_word == core->pid ? " (itself)" : "");
	}
	hc_strbuf_puts(sb, "\n");
}

static json_object *signal_json(const struct hc_core *core, bool *oom)
{
	if (!core->signal)
		return NULL;
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	char buf[16];
	const char *name = NULL, *what = NULL;
	if (core->has_siginfo)
		signal_code(core->signal, core->si_code, &name, &what);
	hc_json_add(o, "number", json_object_new_int(core->signal), oom);
	hc_json_add_string(o, "name", hc_signal_name(core->signal, buf), oom);
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	signal_text(&sb, core);
	char *text = NULL;
	if (hc_strbuf_finish(&sb, &text))
		*oom = true;
	if (text && *text)
		text[strlen(text) - 1] = '\0';
	hc_json_add_string(o, "text", text, oom);
	hc_free(text);
	if (core->has_siginfo)
		hc_json_add(o, "code", json_object_new_int(core->si_code), oom);
	else
		json_object_object_add(o, "code", NULL);
	hc_json_add_string(o, "code_name", name, oom);
	if (core->has_sig_word && has_fault_address(core->signal, core->si_code))
		hc_json_add(o, "address", hex_json(core->sig_word), oom);
	else
		json_object_object_add(o, "address", NULL);
	if (core->has_sig_word && has_sender(core->si_code))
		hc_json_add(o, "sender_pid", json_object_new_int((int32_t)core->sig_word), oom);
	else
		json_object_object_add(o, "sender_pid", NULL);
	return o;
}

static void frame_text(struct hc_strbuf *sb, size_t i, const struct hc_native_frame *f)
{
	hc_strbuf_printf(sb, "  #%-2zu 0x%016" PRIx64 " %s", i, f->pc,
			 f->function ? f->function : "??");
	if (f->inlined)
		hc_strbuf_puts(sb, " (inlined)");
	if (f->file)
		hc_strbuf_printf(sb, " at %s:%d", f->file, f->line);
	else if (f->module)
		hc_strbuf_printf(sb, " from %s", f->module);
	hc_strbuf_puts(sb, "\n");
}

static json_object *thread_json(const struct hc_native_stack *st, bool *oom)
{
	json_object *o = json_object_new_object(), *fr = json_object_new_array();
	if (!o || !fr) {
		json_object_put(o);
		json_object_put(fr);
		*oom = true;
		return NULL;
	}
	hc_json_add(o, "tid", json_object_new_int(st->tid), oom);
	for (size_t i = 0; i < st->n; i++) {
		const struct hc_native_frame *f = &st->frames[i];
		json_object *x = json_object_new_object();
		if (!x) {
			*oom = true;
			break;
		}
		hc_json_add_string(x, "function", f->function, oom);
		hc_json_add(x, "pc", hex_json(f->pc), oom);
		hc_json_add_string(x, "file", f->file, oom);
		hc_json_add(x, "line", json_object_new_int(f->line), oom);
		hc_json_add_string(x, "module", f->module, oom);
		hc_json_add(x, "inlined", json_object_new_boolean(f->inlined), oom);
		if (json_object_array_add(fr, x))
			*oom = true;
	}
	hc_json_add(o, "frames", fr, oom);
	hc_json_add(o, "truncated", json_object_new_boolean(st->truncated), oom);
	hc_json_add_string(o, "unwind_stopped", st->stopped, oom);
	return o;
}

struct hc_error *hc_report_glibc_triage(struct hc_program *prog, unsigned flags, char **ret)
{
	hc_report_begin(prog, HC_PHASES_GRAPH);
	const struct hc_core *core = prog->core;
	struct hc_glibc *gl;
	struct hc_graph *g;
	struct hc_error *err;
	if ((err = hc_glibc_get(prog, &gl)) || (err = hc_glibc_graph_get(prog, &g)))
		return err;
	struct hc_native_stack st = {0};
	bool json = flags & HC_REPORT_JSON;
	if (core->nthreads &&
	    (err = hc_native_unwind(prog, core->threads[0].tid,
				    json ? TRIAGE_JSON_FRAMES : TRIAGE_FRAMES, &st)))
		return err;
	struct leak_group *groups = NULL;
	size_t ngroups = 0;
	uint64_t lcount, lbytes;
	uint32_t *types = malloc((g->ntypes + 1) * sizeof(*types));
	if (!types || (err = leak_groups(g, &groups, &ngroups, &lcount, &lbytes))) {
		free(types);
		hc_native_stack_deinit(&st);
		return err ? err : &hc_enomem;
	}
	for (uint32_t t = 0; t < g->ntypes; t++)
		types[t] = t;
	hc_qsort_r(types, g->ntypes, sizeof(*types), type_retained_cmp, g);
	size_t ntypes = g->ntypes < TRIAGE_TYPES ? g->ntypes : TRIAGE_TYPES;
	size_t nleaks = ngroups < TRIAGE_LEAKS ? ngroups : TRIAGE_LEAKS;
	if (json) {
		bool oom = false;
		json_object *doc = json_object_new_object();
		if (!doc) {
			oom = true;
			goto json_done;
		}
		hc_json_add_string(doc, "allocator", "glibc", &oom);
		json_object *sig = signal_json(core, &oom);
		if (sig)
			hc_json_add(doc, "signal", sig, &oom);
		else
			json_object_object_add(doc, "signal", NULL);
		if (core->nthreads)
			hc_json_add(doc, "thread", thread_json(&st, &oom), &oom);
		else
			json_object_object_add(doc, "thread", NULL);
		hc_json_add(doc, "threads", json_object_new_uint64(core->nthreads), &oom);
		json_object *mi = json_object_new_object();
		for (size_t i = 0; mi && i < HC_ARRAY_SIZE(mi_fields); i++)
			hc_json_add(mi, mi_fields[i].name,
				    json_object_new_uint64(mi_get(&gl->mi, mi_fields[i].name)), &oom);
		hc_json_add(doc, "mallinfo2", mi, &oom);
		hc_json_add(doc, "in_use", count_json(gl->in_use.count, gl->in_use.bytes, &oom), &oom);
		json_object *ta = json_object_new_array();
		for (size_t i = 0; ta && i < ntypes; i++) {
			const struct hc_type_info *t = &g->types[types[i]];
			json_object *o = json_object_new_object();
			if (!o) {
				oom = true;
				break;
			}
			hc_json_add_string(o, "type", t->name, &oom);
			hc_json_add(o, "count", json_object_new_uint64(t->count), &oom);
			hc_json_add(o, "bytes", json_object_new_uint64(t->bytes), &oom);
			hc_json_add(o, "retained", json_object_new_uint64(t->retained), &oom);
			if (json_object_array_add(ta, o))
				oom = true;
		}
		hc_json_add(doc, "types", ta, &oom);
		hc_json_add(doc, "leaked_objects",
			    leak_groups_json(g, groups, nleaks, lcount, lbytes, &oom), &oom);
json_done:
		free(types);
		free(groups);
		hc_native_stack_deinit(&st);
		return hc_json_finish_report(prog, doc, oom, ret);
	}
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	signal_text(&sb, core);
	if (core->nthreads) {
		hc_strbuf_printf(&sb, "\nthread %d (%s, 1 of %zu):\n", st.tid,
				 core->signal ? "crashed" : "the first", core->nthreads);
		for (size_t i = 0; i < st.n; i++)
			frame_text(&sb, i, &st.frames[i]);
		if (st.truncated)
			hc_strbuf_puts(&sb, "  ... more frames (--json shows 64)\n");
		if (st.stopped)
			hc_strbuf_printf(&sb, "  (the unwind stopped: %s)\n", st.stopped);
	}
	hc_strbuf_puts(&sb, "\nheap: ");
	hc_strbuf_bytes(&sb, gl->mi.uordblks);
	hc_strbuf_puts(&sb, " in use (uordblks), ");
	hc_strbuf_bytes(&sb, gl->mi.fordblks);
	hc_strbuf_puts(&sb, " free (fordblks), arena ");
	hc_strbuf_bytes(&sb, gl->mi.arena);
	hc_strbuf_printf(&sb, ", %" PRIu64 " mmapped chunks of ", gl->mi.hblks);
	hc_strbuf_bytes(&sb, gl->mi.hblkhd);
	hc_strbuf_printf(&sb, "\n      %" PRIu64 " blocks in use, %zu arena%s, %zu tcache%s\n",
			 gl->in_use.count, gl->narenas, gl->narenas == 1 ? "" : "s", gl->ntcaches,
			 gl->ntcaches == 1 ? "" : "s");
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
	hc_strbuf_printf(&sb, "\nleaked: %" PRIu64 " blocks, ", lcount);
	hc_strbuf_bytes(&sb, lbytes);
	hc_strbuf_printf(&sb, " in %zu group%s%s\n", ngroups, ngroups == 1 ? "" : "s",
			 ngroups ? " (heapcore leaks tells more)" : "");
	leak_groups_text(&sb, g, groups, nleaks);
	if (ngroups > nleaks)
		hc_strbuf_printf(&sb, "... %zu more groups\n", ngroups - nleaks);
	size_t nwarn = hc_program_num_warnings(prog);
	if (nwarn)
		hc_strbuf_puts(&sb, "\n");
	for (size_t i = 0; i < nwarn && i < TRIAGE_WARNINGS; i++)
		hc_strbuf_printf(&sb, "warning: %s\n", hc_program_warning(prog, i));
	if (nwarn > TRIAGE_WARNINGS)
		hc_strbuf_printf(&sb, "... %zu more warnings (--json lists them)\n",
				 nwarn - TRIAGE_WARNINGS);
	free(types);
	free(groups);
	hc_native_stack_deinit(&st);
	return hc_strbuf_finish(&sb, ret);
}
