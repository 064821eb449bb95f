/*
 * The `info` report: what the core is, which executable goes with it and how
 * it was found, the threads, the mappings and how much of each the core
 * holds, and the files that could not be opened.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "target/program.h"
#include "go/go_module.h"
#include "report/report.h"

static const char *mapping_file(const struct hc_program *prog, uint64_t start)
{
	for (size_t i = 0; i < prog->core->nfiles; i++) {
		if (prog->core->files[i].start <= start && start < prog->core->files[i].end)
			return prog->core->files[i].path;
	}
	return NULL;
}

static void perms(char out[4], uint32_t flags)
{
	out[0] = (flags & PF_R) ? 'r' : '-';
	out[1] = (flags & PF_W) ? 'w' : '-';
	out[2] = (flags & PF_X) ? 'x' : '-';
	out[3] = '\0';
}

static struct hc_error *info_json(struct hc_program *prog, char **ret)
{
	const struct hc_core *core = prog->core;
	bool oom = false;
	char sigbuf[16];
	json_object *doc = json_object_new_object();
	if (!doc)
		return &hc_enomem;
	hc_json_add(doc, "core", json_object_new_string(core->path), &oom);
	json_object *exe = json_object_new_object();
	if (exe) {
		hc_json_add(exe, "path", json_object_new_string(prog->exe->path), &oom);
		hc_json_add(exe, "found_by", json_object_new_string(prog->exe_found_by), &oom);
		hc_json_add(exe, "verified_by", json_object_new_string(prog->exe_verified_by), &oom);
		if (prog->core_exe_path)
			hc_json_add(exe, "core_name", json_object_new_string(prog->core_exe_path), &oom);
		/* Separate debug info: where it came from, or where it was sought. */
		if (prog->exe->debug.path) {
			json_object *dbg = json_object_new_object();
			if (dbg) {
				hc_json_add(dbg, "path", json_object_new_string(prog->exe->debug.path), &oom);
				hc_json_add(dbg, "found_by", json_object_new_string(prog->exe->debug.found_by), &oom);
			}
			hc_json_add(exe, "debug_file", dbg, &oom);
		} else if (prog->exe->debug_search) {
			hc_json_add(exe, "debug_search", json_object_new_string(prog->exe->debug_search), &oom);
		}
	}
	hc_json_add(doc, "executable", exe, &oom);
	hc_json_add_string(doc, "go_version", prog->go_version, &oom);
	hc_json_add(doc, "arch", json_object_new_string(hc_arch_name(core->arch)), &oom);
	hc_json_add(doc, "pid", json_object_new_int(core->pid), &oom);
	hc_json_add(doc, "command", json_object_new_string(core->fname), &oom);
	if (core->live)
		hc_json_add(doc, "stopped_ns", json_object_new_int64((int64_t)core->stop_ns), &oom);
	/* A core of a running process (gcore, --pid) records no signal. */
	json_object *sig = core->has_siginfo ? json_object_new_object() : NULL;
	if (sig) {
		hc_json_add(sig, "number", json_object_new_int(core->signal), &oom);
		hc_json_add(sig, "name", json_object_new_string(hc_signal_name(core->signal, sigbuf)), &oom);
		hc_json_add(sig, "code", json_object_new_int(core->si_code), &oom);
	}
	if (core->has_siginfo)
		hc_json_add(doc, "signal", sig, &oom);
	else if (json_object_object_add(doc, "signal", NULL) != 0)
		oom = true;
	hc_json_add(doc, "crashed_tid", json_object_new_int(core->threads[0].tid), &oom);
	json_object *threads = json_object_new_array();
	for (size_t i = 0; threads && i < core->nthreads; i++) {
		json_object *t = json_object_new_object();
		if (!t) {
			oom = true;
			break;
		}
		hc_json_add(t, "tid", json_object_new_int(core->threads[i].tid), &oom);
		hc_json_add(t, "pc", json_object_new_uint64(core->threads[i].pc), &oom);
		hc_json_add(t, "sp", json_object_new_uint64(core->threads[i].sp), &oom);
		hc_json_add(t, "crashed", json_object_new_boolean(i == 0), &oom);
		json_object_array_add(threads, t);
	}
	hc_json_add(doc, "threads", threads, &oom);
	json_object *maps = json_object_new_array();
	for (size_t i = 0; maps && i < core->nloads; i++) {
		const struct hc_core_segment *s = &core->loads[i];
		json_object *m = json_object_new_object();
		if (!m) {
			oom = true;
			break;
		}
		char p[4];
		perms(p, s->flags);
		const char *file = mapping_file(prog, s->vaddr);
		hc_json_add(m, "start", json_object_new_uint64(s->vaddr), &oom);
		hc_json_add(m, "end", json_object_new_uint64(s->vaddr + s->memsz), &oom);
		hc_json_add(m, "perm", json_object_new_string(p), &oom);
		hc_json_add(m, "core_bytes", json_object_new_uint64(s->present), &oom);
		hc_json_add_string(m, "file", file, &oom);
		json_object_array_add(maps, m);
	}
	hc_json_add(doc, "mappings", maps, &oom);
	json_object *missing = json_object_new_array();
	for (size_t i = 0; missing && i < prog->nfiles; i++) {
		if (!prog->files[i].error)
			continue;
		json_object *m = json_object_new_object();
		if (!m) {
			oom = true;
			break;
		}
		hc_json_add(m, "path", json_object_new_string(prog->files[i].path), &oom);
		hc_json_add(m, "error", json_object_new_string(prog->files[i].error), &oom);
		json_object_array_add(missing, m);
	}
	hc_json_add(doc, "unopened_files", missing, &oom);
	return hc_json_finish_report(prog, doc, oom, ret);
}

static struct hc_error *info_text(struct hc_program *prog, char **ret)
{
	const struct hc_core *core = prog->core;
	struct hc_strbuf sb;
	char sigbuf[16];
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "core:        %s\n", core->path);
	hc_strbuf_printf(&sb, "executable:  %s (%s; %s%s)\n", prog->exe->path,
			 prog->exe_found_by, prog->exe_mismatch ? "" : "matched by ",
			 prog->exe_verified_by);
	if (prog->exe->debug.path)
		hc_strbuf_printf(&sb, "debug info:  %s (found by %s)\n", prog->exe->debug.path,
				 prog->exe->debug.found_by);
	else if (prog->exe->debug_search)
		hc_strbuf_printf(&sb, "debug info:  none found (%s)\n", prog->exe->debug_search);
	char bi[80], biv[128];
	const char *unknown = "(not a Go program)";
	if (hc_exe_stripped_go(prog->exe)) {
		unknown = "(unknown: a stripped Go executable)";
		if (hc_exe_buildinfo_version(prog->exe, bi, sizeof(bi))) {
			snprintf(biv, sizeof(biv), "%s (from its build info: a stripped Go executable)", bi);
			unknown = biv;
		}
	}
	/* Without symbols, prog->go_version is the build info's (go.c). */
	bool from_bi = unknown == biv && prog->go_version && strcmp(prog->go_version, bi) == 0;
	hc_strbuf_printf(&sb, "go version:  %s%s\n",
			 from_bi ? biv : prog->go_version ? prog->go_version : unknown,
			 prog->go_version && prog->exe_mismatch ? " (read through the mismatched executable)" : "");
	if ((!prog->go_version || from_bi) && unknown == biv) {
		/* No symbols: the module data found by its contents (go_module.c). */
		struct hc_go_module_loc loc;
		struct hc_error *e = hc_go_locate_module(prog->exe, bi, &loc);
		if (e)
			hc_strbuf_printf(&sb, "runtime:     not found without symbols: %s\n",
					 hc_error_message(e));
		else
			hc_strbuf_printf(&sb, "runtime:     pclntab 0x%" PRIx64 ", moduledata 0x%" PRIx64
					 " (found without symbols: by the pclntab's header and the "
					 "module data's pointer to it)\n", loc.pclntab, loc.moduledata);
		hc_error_destroy(e);
	}
	hc_strbuf_printf(&sb, "arch:        %s\n", hc_arch_name(core->arch));
	hc_strbuf_printf(&sb, "process:     pid %d, %s\n", core->pid, core->fname);
	if (core->live)
		hc_strbuf_printf(&sb, "stopped:     %.1f ms, while its memory was copied\n",
				 (double)core->stop_ns / 1e6);
	if (core->has_siginfo)
		hc_strbuf_printf(&sb, "signal:      %s (%d) in thread %d\n",
				 hc_signal_name(core->signal, sigbuf), core->signal,
				 core->threads[0].tid);
	else
		hc_strbuf_printf(&sb, "signal:      none (a snapshot of a running process: no NT_SIGINFO)\n");
	hc_strbuf_printf(&sb, "threads:     %zu\n", core->nthreads);
	hc_strbuf_printf(&sb, "  %-8s %-18s %-18s\n", "tid", "pc", "sp");
	for (size_t i = 0; i < core->nthreads; i++)
		hc_strbuf_printf(&sb, "%c %-8d 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
				 i == 0 ? '*' : ' ', core->threads[i].tid,
				 core->threads[i].pc, core->threads[i].sp);
	uint64_t total = 0, held = 0;
	for (size_t i = 0; i < core->nloads; i++) {
		total += core->loads[i].memsz;
		held += core->loads[i].present;
	}
	hc_strbuf_printf(&sb, "mappings:    %zu (", core->nloads);
	hc_strbuf_bytes(&sb, held);
	hc_strbuf_puts(&sb, " of ");
	hc_strbuf_bytes(&sb, total);
	hc_strbuf_puts(&sb, " in the core)\n");
	hc_strbuf_printf(&sb, "  %-18s %-18s %-4s %10s  %s\n", "start", "end", "perm",
			 "in core", "file");
	for (size_t i = 0; i < core->nloads; i++) {
		const struct hc_core_segment *s = &core->loads[i];
		char p[4];
		perms(p, s->flags);
		const char *file = mapping_file(prog, s->vaddr);
		char num[24];
		hc_strbuf_printf(&sb, "  0x%016" PRIx64 " 0x%016" PRIx64 " %-4s %10s  %s\n",
				 s->vaddr, s->vaddr + s->memsz, p, hc_bytes_text(s->present, num),
				 file ? file : "");
	}
	size_t nmissing = 0;
	for (size_t i = 0; i < prog->nfiles; i++)
		nmissing += prog->files[i].error != NULL;
	if (nmissing) {
		hc_strbuf_printf(&sb, "unopened files: %zu\n", nmissing);
		for (size_t i = 0; i < prog->nfiles; i++) {
			if (prog->files[i].error)
				hc_strbuf_printf(&sb, "  %s: %s\n", prog->files[i].path,
						 prog->files[i].error);
		}
	}
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}

struct hc_error *hc_report_info(struct hc_program *prog, unsigned flags,
				char **ret)
{
	hc_report_begin(prog, HC_PHASES_OPEN);
	if (flags & HC_REPORT_JSON)
		return info_json(prog, ret);
	return info_text(prog, ret);
}
