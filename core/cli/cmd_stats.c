/*
 * heapcore stats: runtime.MemStats rebuilt from the core.
 */
#include "cli.h"

static const char help[] =
	"usage: heapcore stats [--json] [--by-size] [--force] CORE [EXE]\n\n"
	"Show runtime.MemStats as runtime.ReadMemStats would have returned it at\n"
	"the moment of the crash, whether or not the program ever called it: a\n"
	"summary (HeapAlloc, HeapSys, StackInuse; where the memory went; GC state),\n"
	"then every field.  The counters are cross-checked against a walk of every\n"
	"heap span; a disagreement or an inconsistent span is a warning.\n\n"
	"  --json     print {\"go_version\", \"MemStats\": {every field, named as in\n"
	"             Go}, \"warnings\": [...], \"incomplete\", \"damaged\": [...]}\n"
	"  --by-size  add the per-size-class table of the span walk: spans,\n"
	"             objects, bytes in use and free\n"
	"  --force    use a mismatched executable or a truncated core anyway\n\n"
	"ReadMemStats first flushes every P's cache.  heapcore adds what those\n"
	"caches hold, as the flush would.  Two effects of the flush depend on which\n"
	"thread calls it, and a crash has no caller; heapcore takes the thread that\n"
	"crashed: MSpanInuse (a stack span freed by the flush returns its mspan\n"
	"to the calling P's cache, or frees it: 160 bytes each), and the split\n"
	"between GCSys and OtherSys (the flush may move a few KiB; Sys is exact).\n"
	"A span cached from before the current sweep (possible only in a core taken\n"
	"mid-GC) would be swept by the flush; heapcore says so in a warning.\n";

static struct hc_error *report(struct hc_program *prog, const struct cli_common *opts,
			      char **ret)
{
	return hc_report_stats(prog, cli_report_flags(opts), ret);
}

int cmd_stats(int argc, char **argv)
{
	return cli_run_report(argc, argv, help, OPT_BY_SIZE, report);
}
