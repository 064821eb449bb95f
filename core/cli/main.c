/*
 * heapcore: the command table and the pieces every command shares.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{"info", cmd_info, "the core, its executable, threads and mappings"},
	{"stats", cmd_stats, "runtime.MemStats of the Go heap, rebuilt from the core"},
	{"types", cmd_types, "heap objects by type: count, bytes, retained"},
	{"roots", cmd_roots, "roots (globals, goroutines, threads) by retained size"},
	{"top", cmd_top, "the dominator tree: the biggest retainers"},
	{"path", cmd_path, "the shortest path from a root to an object"},
	{"object", cmd_object, "one object: type, size, retained, pointers, referrers"},
	{"pprof", cmd_pprof, "a heap profile for go tool pprof, as the program would have written it"},
	{"diff", cmd_diff, "what changed between two cores of one executable"},
	{"goroutines", cmd_goroutines, "every goroutine: status, frames, leaked, grouped"},
	{"leaks", cmd_leaks, "leaked goroutines and leak suspects"},
	{"triage", cmd_triage, "the first screen on a crash: panic, goroutine, leaks"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: heapcore COMMAND [OPTIONS] CORE [EXE]\n"
		   "       heapcore COMMAND [OPTIONS] --pid PID [EXE]\n"
		   "       heapcore --version | --help\n\n"
		   "Inspect the heap of a crashed process from its core dump.  EXE is\n"
		   "found from the core when not given.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\noptions of every command:\n"
		   "  --json              one JSON document instead of text\n"
		   "  --force             go on with a mismatched executable or a truncated core\n"
		   "  --symbols FILE      the executable's separate debug info (-s FILE)\n"
		   "  --pid PID           a running process instead of CORE: stopped for the\n"
		   "                      moment its memory is copied, then let go (ptrace)\n"
		   "  --no-cache          neither use nor save the analysis in the cache\n"
		   "                      ($XDG_CACHE_HOME/heapcore, else ~/.cache/heapcore)\n"
		   "  --debug-dir DIRS    where to look for it by build ID and .gnu_debuglink\n"
		   "                      (colon-separated; default /usr/lib/debug); with\n"
		   "                      DEBUGINFOD_URLS set, debuginfod servers are asked too\n"
		   "\n`heapcore COMMAND --help` describes a command.\n\n"
		   "exit status: 0 success, 1 usage error, 2 bad input (not a core, truncated,\n"
		   "mismatched executable, corrupt or unsupported data, missing debug info),\n"
		   "3 a file could not be opened or read, 4 internal error (out of memory),\n"
		   "5 answered, but incomplete: a runtime structure the answer needed was\n"
		   "damaged, or bytes it needed are missing from the core (each is named).\n");
}

int cli_fail(struct hc_error *err)
{
	fprintf(stderr, "heapcore: error: %s\n", hc_error_message(err));
	int status;
	switch (hc_error_code(err)) {
	case HC_ERROR_OS:
		status = EXIT_OS;
		break;
	case HC_ERROR_NO_MEMORY:
		status = EXIT_INTERNAL;
		break;
	case HC_ERROR_INVALID_ARGUMENT:
		/* The library checks what the CLI passes on from the command line (--depth). */
		status = EXIT_USAGE;
		break;
	default:
		status = EXIT_INPUT;
		break;
	}
	hc_error_destroy(err);
	return status;
}

static bool parse_number(const char *s, unsigned long long *ret)
{
	char *end;
	/* strtoull takes "-1" as ULLONG_MAX: digits only. */
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*ret = v;
	return true;
}

int cli_parse_common(int argc, char **argv, const char *help,
		     unsigned allowed, struct cli_common *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->diagnose = allowed & OPT_DIAGNOSE;
	ret->top = 20;
	ret->depth = 1;
	ret->threshold_pct = 10;
	const char *pos[3];
	int npos = 0, maxpos = (allowed & (OPT_ADDRESS | OPT_OLD_CORE)) ? 3 : 2;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && a[0] == '-' && a[1]) {
			unsigned long long n;
			const char *val = i + 1 < argc ? argv[i + 1] : NULL;
			if (strcmp(a, "--") == 0) {
				dashdash = true;
			} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
				fputs(help, stdout);
				return EXIT_OK;
			} else if (strcmp(a, "--json") == 0) {
				ret->json = true;
			} else if (strcmp(a, "--force") == 0) {
				ret->force = true;
			} else if (strcmp(a, "--symbols") == 0 || strcmp(a, "-s") == 0) {
				if (!val)
					goto bad_value;
				ret->symbols = val;
				i++;
			} else if (strcmp(a, "--pid") == 0) {
				if (!val || !parse_number(val, &n) || n == 0 || n > INT32_MAX)
					goto bad_value;
				ret->pid = (int)n;
				i++;
			} else if (strcmp(a, "--no-cache") == 0) {
				ret->no_cache = true;
			} else if (strcmp(a, "--debug-dir") == 0) {
				if (!val)
					goto bad_value;
				ret->debug_dir = val;
				i++;
			} else if ((allowed & OPT_BY_SIZE) && strcmp(a, "--by-size") == 0) {
				ret->by_size = true;
			} else if ((allowed & OPT_TOP) && strcmp(a, "--top") == 0) {
				if (!val || !parse_number(val, &n))
					goto bad_value;
				ret->top = (unsigned long)n;
				i++;
			} else if ((allowed & OPT_DEPTH) && strcmp(a, "--depth") == 0) {
				/* Its range is the library's to check (HC_TOP_DEPTH_MAX). */
				if (!val || !parse_number(val, &n))
					goto bad_value;
				ret->depth = n > UINT_MAX ? UINT_MAX : (unsigned)n;
				i++;
			} else if ((allowed & OPT_ALL) && strcmp(a, "--all") == 0) {
				ret->all = true;
			} else if ((allowed & OPT_PERCENT) && strcmp(a, "--threshold") == 0) {
				char *end;
				errno = 0;
				ret->threshold_pct = val ? strtod(val, &end) : -1;
				if (!val || errno || end == val || *end || !(ret->threshold_pct >= 0) ||
				    ret->threshold_pct > 100)
					goto bad_value;
				i++;
			} else if ((allowed & OPT_THRESHOLD) && strcmp(a, "--threshold") == 0) {
				if (!val || !parse_number(val, &ret->threshold))
					goto bad_value;
				i++;
			} else if ((allowed & OPT_SORT) && strcmp(a, "--sort") == 0) {
				if (!val)
					goto bad_value;
				if (strcmp(val, "count") == 0)
					ret->sort_flags = HC_REPORT_SORT_COUNT;
				else if (strcmp(val, "bytes") == 0)
					ret->sort_flags = HC_REPORT_SORT_BYTES;
				else if (strcmp(val, "retained") == 0)
					ret->sort_flags = 0;
				else
					goto bad_value;
				i++;
			} else {
				fprintf(stderr, "heapcore %s: unknown option %s\n%s",
					argv[0], a, help);
				return EXIT_USAGE;
			}
			continue;
bad_value:
			fprintf(stderr, "heapcore %s: %s needs a valid value\n%s", argv[0], a, help);
			return EXIT_USAGE;
		}
		if (npos == maxpos) {
			fprintf(stderr, "heapcore %s: too many arguments\n%s", argv[0], help);
			return EXIT_USAGE;
		}
		pos[npos++] = a;
	}
	int first = 0;
	if (allowed & OPT_ADDRESS) {
		if (npos == 0 || !parse_number(pos[0], &ret->address)) {
			fprintf(stderr, "heapcore %s: %s\n%s", argv[0],
				npos ? "ADDR must be a number (0x... for hex)" : "no address given", help);
			return EXIT_USAGE;
		}
		first = 1;
	}
	if (allowed & OPT_OLD_CORE) {
		ret->old_core = npos ? pos[0] : NULL;
		first = 1;
	}
	if (ret->pid) {
		/* --pid PID [EXE]: the process stands for the core. */
		if (npos > first + 1) {
			fprintf(stderr, "heapcore %s: --pid takes the place of CORE: too many arguments\n%s",
				argv[0], help);
			return EXIT_USAGE;
		}
		ret->exe = npos > first ? pos[first] : NULL;
		return -1;
	}
	if (npos <= first) {
		fprintf(stderr, "heapcore %s: no core file given\n%s", argv[0], help);
		return EXIT_USAGE;
	}
	ret->core = pos[first];
	ret->exe = npos > first + 1 ? pos[first + 1] : NULL;
	return -1;
}

/*
 * Where analyses are kept between runs: $XDG_CACHE_HOME/heapcore, else
 * ~/.cache/heapcore (the XDG base directory specification); NULL with
 * --no-cache, HEAPCORE_CACHE=off, or without a home.
 */
static char *cache_dir(const struct cli_common *opts)
{
	const char *off = getenv("HEAPCORE_CACHE");
	if (opts->no_cache || (off && strcmp(off, "off") == 0))
		return NULL;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = NULL;
	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/heapcore", xdg) < 0)
			dir = NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&dir, "%s/.cache/heapcore", home) < 0)
			dir = NULL;
	}
	return dir;
}

int cli_open(const struct cli_common *opts, struct hc_program **ret)
{
	/* libdebuginfod reads DEBUGINFOD_URLS itself: ask it only when set. */
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct hc_open_options o = {
		.flags = (opts->force ? HC_OPEN_FORCE : 0) | (opts->diagnose ? HC_OPEN_DIAGNOSE : 0),
		.exe_path = opts->exe,
		.symbols_path = opts->symbols,
		.debug_dirs = opts->debug_dir,
		.debuginfod = urls && *urls,
		.progress = cli_progress_start(),
	};
	char *cache = cache_dir(opts);
	o.cache_dir = cache;
	struct hc_error *err = opts->pid ? hc_program_open_pid(opts->pid, &o, ret)
				         : hc_program_open(opts->core, &o, ret);
	free(cache);
	if (err) {
		cli_progress_finish();
		return cli_fail(err);
	}
	return EXIT_OK;
}

unsigned cli_report_flags(const struct cli_common *opts)
{
	return (opts->json ? HC_REPORT_JSON : 0) | (opts->by_size ? HC_REPORT_BY_SIZE : 0) |
	       (opts->all ? HC_REPORT_ALL : 0) | opts->sort_flags;
}

int cli_run_report(int argc, char **argv, const char *help, unsigned allowed,
		   cli_report_fn *report)
{
	struct cli_common opts;
	int status = cli_parse_common(argc, argv, help, allowed, &opts);
	if (status >= 0)
		return status;
	struct hc_program *prog;
	status = cli_open(&opts, &prog);
	if (status)
		return status;
	char *text;
	struct hc_error *err = report(prog, &opts, &text);
	cli_progress_finish();
	status = err ? cli_fail(err) : cli_incomplete(prog, cli_print(text));
	cli_cache_note(prog);
	hc_program_destroy(prog);
	return status;
}

void cli_cache_note(struct hc_program *prog)
{
	const char *note = hc_program_cache_note(prog);
	if (note)
		fprintf(stderr, "heapcore: note: %s (--no-cache skips the cache)\n", note);
}

int cli_print(char *text)
{
	int status = EXIT_OK;
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
		perror("heapcore: error: writing output");
		status = EXIT_OS;
	}
	hc_free(text);
	return status;
}

int cli_incomplete(struct hc_program *prog, int status)
{
	return status == EXIT_OK && hc_program_incomplete(prog) ? EXIT_INCOMPLETE : status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("heapcore %s\n", hc_version());
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "heapcore: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
