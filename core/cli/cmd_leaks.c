/*
 * The crash commands: goroutines, leaks, triage.
 */
#include "cli.h"

#define COMMON_HELP                                                          \
	"  --json     print one JSON object\n"                                   \
	"  --force    use a mismatched executable or a truncated core anyway\n"

static const char goroutines_help[] =
	"usage: heapcore goroutines [--json] [--all] CORE [EXE]\n\n"
	"Every goroutine that is not dead, as Go's own crash traceback shows it:\n"
	"its status (the wait reason of a waiting one), the minutes it has waited,\n"
	"whether it is locked to its thread, its frames with inlined calls\n"
	"expanded, where it was created, and whether it leaked (Go 1.26's\n"
	"goroutine leak detector, applied to any version: see heapcore leaks\n"
	"--help).  Goroutines with the same status and frames are grouped,\n"
	"largest group first.\n\n"
	"  --all      each goroutine on its own, as Go prints it\n" COMMON_HELP;

static struct hc_error *goroutines(struct hc_program *prog, const struct cli_common *opts,
				   char **ret)
{
	return hc_report_goroutines(prog, cli_report_flags(opts), ret);
}

int cmd_goroutines(int argc, char **argv)
{
	return cli_run_report(argc, argv, goroutines_help, OPT_ALL, goroutines);
}
