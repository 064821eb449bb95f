/*
 * The heapcore command-line tool: a table of commands, each in its own
 * cmd_<name>.c, sharing option parsing and the mapping from library errors
 * to exit statuses.
 */
#ifndef HC_CLI_H
#define HC_CLI_H

#include <stdbool.h>

#include "heapcore.h"

/* Exit statuses (documented in `heapcore --help` and README.md). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,  /* bad command line */
	EXIT_INPUT = 2,  /* bad input: not a core, truncated, mismatched, corrupt, missing debug info */
	EXIT_OS = 3,     /* a file could not be opened or read */
	EXIT_INTERNAL = 4, /* out of memory or a bug */
	EXIT_INCOMPLETE = 5, /* answered, but incomplete: something it needed was damaged or missing */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Options beyond --json and --force that a command accepts. */
enum {
	OPT_BY_SIZE = 1 << 0,
	OPT_TOP = 1 << 1,
	OPT_DEPTH = 1 << 2,
	OPT_SORT = 1 << 3,
	OPT_ADDRESS = 1 << 4, /* a leading ADDR argument */
	OPT_DIAGNOSE = 1 << 5, /* open a damaged or mismatched core anyway (HC_OPEN_DIAGNOSE) */
	OPT_OLD_CORE = 1 << 6, /* a leading OLD_CORE argument: CORE is the newer one */
	OPT_THRESHOLD = 1 << 7,
	OPT_ALL = 1 << 8,       /* --all */
	OPT_PERCENT = 1 << 9,   /* --threshold PCT, a percentage */
};

/* Options the commands share. */
struct cli_common {
	bool json;
	bool force;
	bool diagnose; /* the command describes the core: open it whatever is wrong */
	bool by_size;
	unsigned long top;   /* --top N */
	unsigned depth;      /* --depth N */
	unsigned sort_flags; /* --sort count|bytes|retained */
	unsigned long long address;
	const char *core;
	const char *exe;
	int pid;               /* --pid PID: a running process instead of CORE */
	const char *symbols;   /* --symbols FILE: the executable's separate debug info */
	const char *debug_dir; /* --debug-dir DIR[:DIR...]: where to look for it */
	bool no_cache;         /* --no-cache: neither use nor save analyses */
	const char *old_core;  /* OPT_OLD_CORE */
	unsigned long long threshold; /* --threshold BYTES */
	bool all;                     /* --all */
	double threshold_pct;         /* --threshold PCT (OPT_PERCENT; default 10) */
};

/*
 * Parse [--json] [--force] [options in @p allowed] [ADDR] CORE [EXE].
 * Returns -1 to go on, else the exit status (after --help or a usage error).
 */
int cli_parse_common(int argc, char **argv, const char *usage,
		     unsigned allowed, struct cli_common *ret);
/** Print "heapcore: error: MESSAGE" and return the exit status for @p err. */
int cli_fail(struct hc_error *err);
/** Open the program named by the common options, or print the error. */
int cli_open(const struct cli_common *opts, struct hc_program **ret);
/**
 * Start timing, and return the progress callback to give the library: one
 * that shows progress on stderr (a terminal) or traces phases
 * (HEAPCORE_TRACE=1), or NULL when neither is wanted.
 */
hc_progress_fn *cli_progress_start(void);
/** Erase the progress line, or print the trace's totals. */
void cli_progress_finish(void);
/** Say on stderr why the cache could not be used, if it could not. */
void cli_cache_note(struct hc_program *prog);
/** Print a report text and free it. */
int cli_print(char *text);
/** @p status, or EXIT_INCOMPLETE when it is EXIT_OK and @p prog's last answer is incomplete. */
int cli_incomplete(struct hc_program *prog, int status);

/** Report flags from the options: --json, --by-size, --sort. */
unsigned cli_report_flags(const struct cli_common *opts);

/** Format one report of an open program (the text is freed by the caller). */
typedef struct hc_error *cli_report_fn(struct hc_program *prog,
				       const struct cli_common *opts, char **ret);

/*
 * A whole report command: parse the options in @p allowed, open the core,
 * format with @p report, print, and map any error to the exit status.
 */
int cli_run_report(int argc, char **argv, const char *help, unsigned allowed,
		   cli_report_fn *report);

int cmd_info(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_types(int argc, char **argv);
int cmd_roots(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_object(int argc, char **argv);
int cmd_pprof(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_goroutines(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_triage(int argc, char **argv);

#endif /* HC_CLI_H */
