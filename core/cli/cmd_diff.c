/*
 * heapcore diff: what changed between two cores of one executable.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore diff [--json] [--threshold BYTES] [--force] OLD_CORE NEW_CORE [EXE]\n\n"
	"Compare two cores of one executable (their build IDs must match), taken\n"
	"at two moments or from two runs: a leak is growth.  Shows every\n"
	"runtime.MemStats field that changed; per type, the change in objects and\n"
	"bytes, biggest growth first; per root, the change in what it retains.\n"
	"Types and roots are matched by name (goroutine roots carry their\n"
	"goroutine id, so they rarely match across processes).  EXE, when given,\n"
	"is used for both cores.  Accumulation points and goroutine groups are\n"
	"not compared yet.\n\n"
	"  --json            print {\"old\", \"new\", \"memstats\": {FIELD: {\"old\",\n"
	"                    \"new\", \"delta\"}}, \"types\": [{\"type\", \"old_count\",\n"
	"                    \"new_count\", \"count_delta\", \"old_bytes\", \"new_bytes\",\n"
	"                    \"bytes_delta\"}], \"roots\": [{\"root\", \"old_retained\",\n"
	"                    \"new_retained\", \"retained_delta\"}], \"not_compared\",\n"
	"                    \"warnings\"}\n"
	"  --threshold BYTES leave out types and roots whose bytes changed by less\n"
	"                    (default 0: all that changed)\n"
	"  --force           use a mismatched executable or a truncated core anyway\n"
	"(and the options of every command: heapcore --help)\n";

int cmd_diff(int argc, char **argv)
{
	struct cli_common opts, old_opts;
	int status = cli_parse_common(argc, argv, help, OPT_OLD_CORE | OPT_THRESHOLD, &opts);
	if (status >= 0)
		return status;
	old_opts = opts;
	old_opts.core = opts.old_core;
	old_opts.pid = 0; /* --pid is the new one */
	struct hc_program *before, *after;
	status = cli_open(&old_opts, &before);
	if (status)
		return status;
	status = cli_open(&opts, &after);
	if (status) {
		hc_program_destroy(before);
		return status;
	}
	char *text;
	struct hc_error *err = hc_report_diff(before, after, cli_report_flags(&opts),
					      (uint64_t)opts.threshold, &text);
	cli_progress_finish();
	status = err ? cli_fail(err) : cli_incomplete(after, cli_incomplete(before, cli_print(text)));
	hc_program_destroy(before);
	hc_program_destroy(after);
	return status;
}
