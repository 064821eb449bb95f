/*
 * Progress of long work on stderr.
 *
 * On a terminal, work that has taken over a second shows its phase and
 * percentage on one line, rewritten in place and erased before the report is
 * printed; anywhere else, nothing.  HEAPCORE_PROGRESS=always shows it from
 * the start wherever stderr goes, =never never (the gdb commands read the
 * same variable).  HEAPCORE_TRACE=1 instead logs every
 * phase's wall time and memory (anonymous and file-backed resident pages, the
 * latter mostly the mapped core) as it ends, and the peak at exit: what
 * bench/ records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static struct {
	bool always, trace, shown;
	double start, phase_start, last_draw;
	const char *phase;
	double peak_anon;
} state;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident anonymous and file-backed MiB, from /proc/self/statm. */
static void resident(double *anon, double *file)
{
	unsigned long size, res = 0, shared = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	*anon = *file = 0;
	if (!f)
		return;
	if (fscanf(f, "%lu %lu %lu", &size, &res, &shared) == 3) {
		double page = (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
		*anon = (double)(res - shared) * page;
		*file = (double)shared * page;
	}
	fclose(f);
}

static void on_progress(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	(void)arg;
	double t = now();
	if (phase != state.phase) {
		state.phase = phase;
		state.phase_start = t;
	}
	if (state.trace) {
		if (done == total) {
			double anon, file;
			resident(&anon, &file);
			if (anon > state.peak_anon)
				state.peak_anon = anon;
			fprintf(stderr, "heapcore: trace: %-22s %7.3f s  anon %8.1f MiB  file %8.1f MiB\n",
				phase, t - state.phase_start, anon, file);
		}
		return;
	}
	if ((!state.always && t - state.start < 1.0) ||
	    (t - state.last_draw < 0.1 && done != total && state.shown))
		return;
	state.last_draw = t;
	state.shown = true;
	fprintf(stderr, "\r\033[Kheapcore: %s %3u%%", phase,
		total ? (unsigned)(done * 100 / total) : 100);
	fflush(stderr);
}

hc_progress_fn *cli_progress_start(void)
{
	const char *trace = getenv("HEAPCORE_TRACE");
	state.trace = trace && *trace && strcmp(trace, "0") != 0;
	const char *mode = getenv("HEAPCORE_PROGRESS");
	bool never = mode && strcmp(mode, "never") == 0;
	state.always = mode && strcmp(mode, "always") == 0;
	state.start = now();
	if (state.trace || (!never && (state.always || isatty(STDERR_FILENO))))
		return on_progress;
	return NULL;
}

void cli_progress_finish(void)
{
	if (state.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		state.shown = false;
	}
	if (state.trace) {
		double anon, file;
		resident(&anon, &file);
		if (anon > state.peak_anon)
			state.peak_anon = anon;
		fprintf(stderr, "heapcore: trace: %-22s %7.3f s  anon %8.1f MiB (peak at phase ends %.1f MiB)  file %8.1f MiB\n",
			"total", now() - state.start, anon, state.peak_anon, file);
	}
}
