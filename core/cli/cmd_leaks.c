/*
 * heapcore leaks: the blocks in use that nothing reaches.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore leaks [--json] [--top N] CORE [EXE]\n\n"
	"The heap blocks still in use that no root reaches (glibc malloc): no\n"
	"global, thread stack, register or TLS word of the program points into\n"
	"them, nor does any block that is reached.  They are grouped by type (a\n"
	"C++ class from its vtable) and by usable size (what malloc_usable_size\n"
	"returns), the most bytes first.  Roots are scanned conservatively: a\n"
	"word that looks like a pointer keeps its block alive.\n\n"
	"  --top N    show the first N groups (default 20; 0 for all)\n"
	"  --json     print {\"leaked_objects\": {\"count\", \"bytes\", \"groups\":\n"
	"             [{\"type\", \"size\", \"count\", \"bytes\"}]}, \"warnings\"}\n"
	"  --force    use a mismatched executable or a truncated core anyway\n";

static struct hc_error *report(struct hc_program *prog, const struct cli_common *opts,
			      char **ret)
{
	return hc_report_leaks(prog, cli_report_flags(opts), opts->top, ret);
}

int cmd_leaks(int argc, char **argv)
{
	return cli_run_report(argc, argv, help, OPT_TOP, report);
}
