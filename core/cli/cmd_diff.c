/*
 * heapcore diff: what changed between two cores of one executable.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore diff [--json] [--threshold BYTES] [--force] OLD_CORE NEW_CORE [EXE]\n\n"
	"Compare two cores of one executable (their build IDs must match), taken\n"
	"at two moments or from two runs: a leak is growth.  Shows every\n"
	"runtime.MemStats field that changed; per type, the change in objects and\n"
	"bytes, biggest growth first; per root, the change in what it retains;\n"
	"per accumulation point (where a root's retained bytes spread over many\n"
	"elements, as in `heapcore leaks`), the change in its elements; and the\n"
	"goroutine groups (status, start, creator, blocking frame) whose size\n"
	"changed, with how many leaked.  Types, roots and accumulation points are\n"
	"matched by name (a goroutine's stack variables by frame and variable,\n"
	"\"goroutines' main.serve frame, local c\", summed over the goroutines),\n"
	"goroutine groups by functions and lines.  EXE, when given, is used for\n"
	"both cores.\n\n"
	"  --json            print {\"old\", \"new\", \"memstats\": {FIELD: {\"old\",\n"
	"                    \"new\", \"delta\"}}, \"types\": [{\"type\", \"old_count\",\n"
	"                    \"new_count\", \"count_delta\", \"old_bytes\", \"new_bytes\",\n"
	"                    \"bytes_delta\"}], \"roots\": [{\"root\", \"old_retained\",\n"
	"                    \"new_retained\", \"retained_delta\"}], \"accumulations\":\n"
	"                    [{\"root\", \"path\", \"point_type\", \"element_type\",\n"
	"                    \"in_old\", \"in_new\", \"old_count\", \"new_count\",\n"
	"                    \"count_delta\", \"old_bytes\", \"new_bytes\", \"bytes_delta\"}],\n"
	"                    \"goroutines\": [{\"status\", \"start\", \"created_by\",\n"
	"                    \"blocked_in\", \"leaked\", \"old_count\", \"new_count\",\n"
	"                    \"count_delta\", \"old_leaked\", \"new_leaked\"}],\n"
	"                    \"not_compared\", \"warnings\"}\n"
	"  --threshold BYTES leave out types, roots and accumulation points whose\n"
	"                    bytes changed by less (default 0: all that changed)\n"
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
