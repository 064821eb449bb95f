/*
 * heapcore pprof: a profile for `go tool pprof` from the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char help[] =
	"usage: heapcore pprof [-o FILE] [--live | --retained] [--force] CORE [EXE]\n\n"
	"Write a heap profile for `go tool pprof` (gzip-compressed profile.proto)\n"
	"to FILE, or to standard output when it is not a terminal.\n\n"
	"By default it is exactly what pprof.WriteHeapProfile would have written at\n"
	"the moment of the crash: the runtime's own records of sampled allocations\n"
	"(alloc_objects, alloc_space, inuse_objects, inuse_space, scaled by\n"
	"runtime.MemProfileRate as runtime/pprof scales them), with the same\n"
	"locations, inlined calls, functions, files and lines.  As in any Go heap\n"
	"profile, inuse_* is the heap as of the last completed garbage collection.\n\n"
	"  -o FILE     write the profile to FILE\n"
	"  --live      instead, the sampled objects still allocated at the crash,\n"
	"              per allocation stack (live_objects, live_space; scaled as\n"
	"              inuse_* is), from the runtime's per-object profile records:\n"
	"              what a heap profile cannot tell you\n"
	"  --retained  instead, what holds the memory: each sample's stack is a\n"
	"              path down the dominator tree (root, the types of the objects\n"
	"              that dominate, the object's type; a chain of one type is one\n"
	"              frame), weighted by objects and bytes, so that every frame's\n"
	"              cumulative value is exactly the retained size of what it\n"
	"              stands for (go tool pprof -http: a flame graph of retention).\n"
	"              Needs no heap profile in the program.\n"
	"  --force     use a mismatched executable or a truncated core anyway\n\n"
	"A program with heap profiling off (runtime.MemProfileRate = 0, or no use of\n"
	"the profile linked in) recorded nothing: heapcore says so, and --retained\n"
	"still works.  Warnings (a damaged profile bucket, named) go to stderr.\n";

static int write_all(const char *path, const void *data, size_t n)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "heapcore: error: cannot create %s: ", path);
		perror(NULL);
		return EXIT_OS;
	}
	bool ok = fwrite(data, 1, n, f) == n;
	ok = (path ? fclose(f) : fflush(f)) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "heapcore: error: writing %s: ", path ? path : "the profile");
		perror(NULL);
		return EXIT_OS;
	}
	return EXIT_OK;
}

int cmd_pprof(int argc, char **argv)
{
	const char *out = NULL;
	enum hc_pprof_kind kind = HC_PPROF_HEAP;
	int nkinds = 0;
	/* The options only this command has; the rest go to the common parser. */
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (!rest)
		return EXIT_INTERNAL;
	int n = 0;
	rest[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "heapcore pprof: %s needs a file name\n%s", a, help);
				free(rest);
				return EXIT_USAGE;
			}
			out = argv[++i];
		} else if (strcmp(a, "--live") == 0) {
			kind = HC_PPROF_LIVE;
			nkinds++;
		} else if (strcmp(a, "--retained") == 0) {
			kind = HC_PPROF_RETAINED;
			nkinds++;
		} else {
			rest[n++] = argv[i];
		}
	}
	struct cli_common opts;
	int status = cli_parse_common(n, rest, help, 0, &opts);
	free(rest);
	if (status >= 0)
		return status;
	if (opts.json || nkinds > 1) {
		fprintf(stderr, "heapcore pprof: %s\n%s",
			opts.json ? "the profile is not JSON; --json does not apply"
				  : "--live and --retained are different profiles: give one",
			help);
		return EXIT_USAGE;
	}
	if (!out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "heapcore pprof: the profile is binary: give -o FILE or redirect "
				"standard output\n");
		return EXIT_USAGE;
	}
	struct hc_program *prog;
	status = cli_open(&opts, &prog);
	if (status)
		return status;
	void *data;
	size_t size;
	struct hc_error *err = hc_report_pprof(prog, kind, &data, &size);
	cli_progress_finish();
	if (err) {
		status = cli_fail(err);
	} else {
		status = write_all(out, data, size);
		hc_free(data);
	}
	for (size_t i = 0; i < hc_program_num_warnings(prog); i++)
		fprintf(stderr, "heapcore: warning: %s\n", hc_program_warning(prog, i));
	if (!err && hc_program_incomplete(prog))
		fprintf(stderr, "heapcore: incomplete: the profile lacks what the warnings name\n");
	status = err ? status : cli_incomplete(prog, status);
	hc_program_destroy(prog);
	return status;
}
