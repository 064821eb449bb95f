/*
 * The public handle, struct hc_program: the layers put together.  Opening
 * reads the target (target/), then the Go version the runtime recorded
 * (go/); the analyses (DWARF index, Go heap, pclntab, object graph) hang off
 * the program and are built on first use by the layers that own them, and
 * freed here.
 */
#include <stdlib.h>
#include <string.h>

#include "debuginfo/debugfile.h"
#include "debuginfo/dwarf_index.h"
#include "glibc/glibc.h"
#include "go/go.h"
#include "go/go_stack.h"
#include "graph/graph.h"
#include "target/program.h"

/* Open a program on @p core_path, or (core_path NULL) on process @p pid. */
static struct hc_error *program_open(const char *core_path, int pid,
				     const struct hc_process_access *access,
				     const struct hc_open_options *opts, struct hc_program **ret)
{
	static const struct hc_open_options defaults;
	if (!ret)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT, "no result pointer given");
	if (!opts)
		opts = &defaults;
	struct hc_program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return &hc_enomem;
	prog->progress.fn = opts->progress;
	prog->progress.arg = opts->progress_arg;
	prog->open_flags = opts->flags;
	prog->report_phases = HC_PHASES_OPEN;
	/* A live process changes: its analyses are never kept. */
	if (core_path && opts->cache_dir && !(prog->cache_dir = strdup(opts->cache_dir))) {
		free(prog);
		return &hc_enomem;
	}
	if (opts->debug_dirs && !(prog->debug_dirs = strdup(opts->debug_dirs))) {
		free((char *)prog->cache_dir);
		free(prog);
		return &hc_enomem;
	}
	struct hc_error *err = core_path
		? hc_target_open(prog, core_path, opts->exe_path, opts->flags)
		: hc_target_open_pid(prog, pid, access, opts->exe_path, opts->flags);
	if (!err) {
		struct hc_debug_search s = {.symbols = opts->symbols_path,
					    .debug_dirs = opts->debug_dirs,
					    .debuginfod = opts->debuginfod,
					    .progress = &prog->progress};
		err = hc_debug_find(prog->exe, &s);
	}
	if (err) {
		hc_program_destroy(prog);
		return err;
	}
	hc_go_read_version(prog);
	if (!prog->go_version && hc_glibc_present(prog))
		prog->graph_get = hc_glibc_graph_get;
	*ret = prog;
	return NULL;
}

struct hc_error *hc_program_open(const char *core_path, const struct hc_open_options *opts,
				 struct hc_program **ret)
{
	if (!core_path)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT, "no core file given");
	return program_open(core_path, 0, NULL, opts, ret);
}

struct hc_error *hc_program_open_pid(int pid, const struct hc_open_options *opts,
				     struct hc_program **ret)
{
	return program_open(NULL, pid, NULL, opts, ret);
}

struct hc_error *hc_program_open_process(int pid, const struct hc_process_access *access,
					 const struct hc_open_options *opts,
					 struct hc_program **ret)
{
	if (!access || !access->read || !access->threads || !access->nthreads)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT,
				       "no memory reader or no threads given for the process");
	return program_open(NULL, pid, access, opts, ret);
}

struct hc_error *hc_program_open_core(const char *core_path,
				      const char *exe_path, unsigned flags,
				      struct hc_program **ret)
{
	struct hc_open_options opts = {.flags = flags, .exe_path = exe_path};
	return hc_program_open(core_path, &opts, ret);
}

void hc_program_destroy(struct hc_program *prog)
{
	if (!prog)
		return;
	hc_graph_destroy(prog->graph);
	hc_pcln_destroy(prog->pcln);
	hc_go_destroy(prog->go);
	hc_glibc_destroy(prog->glibc);
	free(prog->debug_dirs);
	hc_dwarf_index_destroy(prog->dwarf);
	hc_target_close(prog);
	for (int i = 0; i < HC_NPHASES; i++)
		hc_warnings_deinit(&prog->warnings[i]);
	free((char *)prog->cache_dir);
	free(prog->cache_note);
	free(prog->go_version);
	free(prog->go_version_why);
	free(prog);
}

const char *hc_program_cache_note(const struct hc_program *prog)
{
	return prog->cache_note;
}

const char *hc_program_exe_path(const struct hc_program *prog)
{
	return prog->exe->path;
}

const char *hc_program_go_version(const struct hc_program *prog)
{
	return prog->go_version;
}

size_t hc_program_num_warnings(const struct hc_program *prog)
{
	size_t n = 0;
	for (int k = 0; k < HC_NPHASES; k++) {
		if (prog->report_phases >> k & 1)
			n += hc_warnings_nlines(&prog->warnings[k]);
	}
	return n;
}

const char *hc_program_warning(const struct hc_program *prog, size_t i)
{
	for (int k = 0; k < HC_NPHASES; k++) {
		if (!(prog->report_phases >> k & 1))
			continue;
		size_t n = hc_warnings_nlines(&prog->warnings[k]);
		if (i < n)
			return hc_warnings_line(&prog->warnings[k], i);
		i -= n;
	}
	return NULL;
}

int hc_program_warning_incomplete(const struct hc_program *prog, size_t i)
{
	for (int k = 0; k < HC_NPHASES; k++) {
		if (!(prog->report_phases >> k & 1))
			continue;
		const struct hc_warnings *w = &prog->warnings[k];
		size_t n = hc_warnings_nlines(w);
		if (i < n)
			return i < w->nkinds && w->kinds[i].incomplete;
		i -= n;
	}
	return 0;
}

int hc_program_incomplete(const struct hc_program *prog)
{
	for (int k = 0; k < HC_NPHASES; k++) {
		const struct hc_warnings *w = &prog->warnings[k];
		if (!(prog->report_phases >> k & 1))
			continue;
		for (size_t i = 0; i < w->nkinds; i++) {
			if (w->kinds[i].incomplete)
				return 1;
		}
	}
	return 0;
}

void hc_program_set_progress(struct hc_program *prog, hc_progress_fn *fn, void *arg)
{
	prog->progress.fn = fn;
	prog->progress.arg = arg;
}
