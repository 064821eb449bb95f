/*
 * heapcore info: what the core is and what goes with it.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore info [--json] [--force] CORE [EXE]\n\n"
	"Show the executable and how it was found, the Go version, the\n"
	"architecture, the crashing signal and thread, every thread (tid, pc, sp),\n"
	"every mapping with how many of its bytes the core holds, and the mapped\n"
	"files that could not be opened.\n\n"
	"  --json    print one JSON object\n"
	"  --force   use a mismatched executable or a truncated core anyway\n";

int cmd_info(int argc, char **argv)
{
	struct cli_common opts;
	int status = cli_parse_common(argc, argv, help, 0, &opts);
	if (status >= 0)
		return status;
	struct hc_program *prog;
	status = cli_open(&opts, &prog);
	if (status)
		return status;
	char *text;
	struct hc_error *err = hc_report_info(prog, opts.json ? HC_REPORT_JSON : 0, &text);
	status = err ? cli_fail(err) : cli_print(text);
	hc_program_destroy(prog);
	return status;
}
