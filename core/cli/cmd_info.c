/*
 * heapcore info: what the core is and what goes with it.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore info [--json] [--force] CORE [EXE]\n\n"
	"Show the executable and how it was found, the Go version, the\n"
	"architecture, the crashing signal and thread, every thread (tid, pc, sp),\n"
	"every mapping with how many of its bytes the core holds, and the mapped\n"
	"files that could not be opened.  A truncated core or an executable that\n"
	"does not match it is shown, with what is wrong as a warning.\n\n"
	"  --json    print one JSON object\n"
	"  --force   use a mismatched executable (reported as overridden)\n";

static struct hc_error *report(struct hc_program *prog, const struct cli_common *opts,
			      char **ret)
{
	return hc_report_info(prog, cli_report_flags(opts), ret);
}

int cmd_info(int argc, char **argv)
{
	return cli_run_report(argc, argv, help, OPT_DIAGNOSE, report);
}
