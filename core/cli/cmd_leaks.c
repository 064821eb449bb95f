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

static const char leaks_help[] =
	"usage: heapcore leaks [--json] [--threshold PCT] CORE [EXE]\n\n"
	"Leaked goroutines, found as Go 1.26's goroutine leak detector finds them\n"
	"(runtime/mgc.go), on a core of any Go version: marking from every root\n"
	"but the stacks of goroutines blocked on channels, select or sync objects,\n"
	"a blocked goroutine whose channel or object gets marked may run again,\n"
	"and its stack is marked in turn; those left are leaked (a nil channel or\n"
	"select {} always is).  A goroutine waiting on something a global or a\n"
	"running goroutine can reach is stuck, not leaked.  They are grouped by\n"
	"start function, go statement, status and blocking frame, with the heap\n"
	"bytes only they keep alive.\n\n"
	"Then the leak suspects, as Eclipse MAT's report finds them: every root (or\n"
	"object several roots share) retaining at least PCT %% of the live heap,\n"
	"with its accumulation point (down the dominator tree to where the bytes\n"
	"spread over many children: the big map, slice or list), the elements\n"
	"accumulated there and the path to it.\n\n"
	"On a C or C++ program on glibc malloc: the blocks still in use that no\n"
	"root reaches (no global, thread stack, register or TLS word points into\n"
	"them, nor any block that is reached; scanned conservatively), grouped by\n"
	"type (a C++ class from its vtable) and usable size (malloc_usable_size),\n"
	"the most bytes first; --json: {\"leaked_objects\": {\"count\", \"bytes\",\n"
	"\"groups\": [{\"type\", \"size\", \"count\", \"bytes\"}]}}.\n\n"
	"  --threshold PCT  suspects retain at least PCT %% of the live heap (default 10)\n"
	COMMON_HELP;

static struct hc_error *leaks(struct hc_program *prog, const struct cli_common *opts, char **ret)
{
	return hc_report_leaks(prog, cli_report_flags(opts), opts->threshold_pct, ret);
}

int cmd_leaks(int argc, char **argv)
{
	return cli_run_report(argc, argv, leaks_help, OPT_PERCENT, leaks);
}

static const char triage_help[] =
	"usage: heapcore triage [--json] CORE [EXE]\n\n"
	"The first screen on a crash (at most 60 lines): what the Go runtime\n"
	"printed first (the panic and its value, the [signal ...] line of a panic\n"
	"a signal raised, or a fatal signal's lines), the goroutine that panicked\n"
	"or crashed with its frames, the goroutines by status, the MemStats\n"
	"headline, the types retaining the most, the leak suspects and the leaked\n"
	"goroutines (heapcore leaks tells more).\n\n"
	"On a C or C++ program on glibc malloc: the signal (name, si_code, fault\n"
	"address or sender), the crashed thread's backtrace (as gdb's bt, to main),\n"
	"the mallinfo2() headline, the types retaining the most and the leaked\n"
	"blocks by type and size.\n\n" COMMON_HELP;

static struct hc_error *triage(struct hc_program *prog, const struct cli_common *opts, char **ret)
{
	return hc_report_triage(prog, cli_report_flags(opts), ret);
}

int cmd_triage(int argc, char **argv)
{
	return cli_run_report(argc, argv, triage_help, 0, triage);
}
