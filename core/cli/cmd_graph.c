/*
 * The object-graph commands: types, roots, top, path, object.  Each builds
 * the graph of every allocated object (pointers from the runtime's own
 * metadata, named roots, dominator tree) and prints one view of it.
 */
#include "cli.h"

#define COMMON_HELP                                                          \
	"  --json     print one JSON object\n"                                   \
	"  --force    use a mismatched executable or a truncated core anyway\n"

static const char types_help[] =
	"usage: heapcore types [--json] [--top N] [--sort retained|count|bytes] CORE [EXE]\n\n"
	"Heap objects grouped by type: count, bytes, and retained bytes (what\n"
	"would be freed if every object of the type were).  Objects the runtime\n"
	"records no type for are grouped by size class, never hidden.\n\n"
	"  --top N    show the first N types (default 20; 0 for all)\n"
	"  --sort K   order by retained (default), count or bytes\n" COMMON_HELP;

static const char roots_help[] =
	"usage: heapcore roots [--json] [--top N] CORE [EXE]\n\n"
	"Roots by retained size: global variables (named by variable and field\n"
	"path, main.cfg.Items[3]), goroutine stack frames and their locals\n"
	"(goroutine 18 (chan receive) main.holder frame, local buf; read through\n"
	"the compiler's stack maps, or conservatively where a stack does not\n"
	"unwind, and then the name says so), finalizers, cleanups and weak\n"
	"handles, and thread registers; then how much of the heap is reachable.\n\n"
	"  --top N    show the first N roots (default 20; 0 for all)\n" COMMON_HELP;

static const char top_help[] =
	"usage: heapcore top [--json] [--top N] [--depth N] CORE [EXE]\n\n"
	"The dominator tree: the objects that retain the most memory, each with\n"
	"the objects only it keeps alive, unfolded --depth levels.\n\n"
	"  --top N    N objects per level (default 20; 0 for all)\n"
	"  --depth N  levels to unfold (default 1)\n" COMMON_HELP;

static const char path_help[] =
	"usage: heapcore path [--json] ADDR CORE [EXE]\n\n"
	"The shortest path from a root to the object that contains ADDR (any\n"
	"address inside it), one line per hop with the field the pointer is in\n"
	"(.next, [3].Name, (group 3, slot 5).elem in a map), from the object's\n"
	"type; a path of more than 4096 hops shows its two ends (--json has all).\n\n"
	COMMON_HELP;

static const char object_help[] =
	"usage: heapcore object [--json] ADDR CORE [EXE]\n\n"
	"The object that contains ADDR: type, size, retained size, its fields\n"
	"with their values (from its type's DWARF), the objects it points to\n"
	"(by field) and the objects and roots that point to it.\n\n" COMMON_HELP;

static struct hc_error *types(struct hc_program *prog, const struct cli_common *opts,
			     char **ret)
{
	return hc_report_types(prog, cli_report_flags(opts), opts->top, ret);
}

static struct hc_error *roots(struct hc_program *prog, const struct cli_common *opts,
			     char **ret)
{
	return hc_report_roots(prog, cli_report_flags(opts), opts->top, ret);
}

static struct hc_error *top(struct hc_program *prog, const struct cli_common *opts,
			   char **ret)
{
	return hc_report_top(prog, cli_report_flags(opts), opts->top, opts->depth, ret);
}

static struct hc_error *path(struct hc_program *prog, const struct cli_common *opts,
			    char **ret)
{
	return hc_report_path(prog, cli_report_flags(opts), opts->address, ret);
}

static struct hc_error *object(struct hc_program *prog, const struct cli_common *opts,
			      char **ret)
{
	return hc_report_object(prog, cli_report_flags(opts), opts->address, ret);
}

int cmd_types(int argc, char **argv)
{
	return cli_run_report(argc, argv, types_help, OPT_TOP | OPT_SORT, types);
}

int cmd_roots(int argc, char **argv)
{
	return cli_run_report(argc, argv, roots_help, OPT_TOP, roots);
}

int cmd_top(int argc, char **argv)
{
	return cli_run_report(argc, argv, top_help, OPT_TOP | OPT_DEPTH, top);
}

int cmd_path(int argc, char **argv)
{
	return cli_run_report(argc, argv, path_help, OPT_ADDRESS, path);
}

int cmd_object(int argc, char **argv)
{
	return cli_run_report(argc, argv, object_help, OPT_ADDRESS, object);
}
