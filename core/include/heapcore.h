/**
 * @file heapcore.h
 * heapcore: post-mortem heap inspection of process core dumps.
 *
 * The library opens a core dump and the executable that produced it,
 * rebuilds the crashed process's allocator state (the Go runtime heap
 * first) and formats reports.  It never prints, exits or aborts: every
 * fallible call returns a struct hc_error (NULL on success), and every
 * report is returned as text the caller prints, so the command-line tool
 * and the gdb commands show byte-identical output.
 *
 * Threading: an hc_program may be used by one thread at a time.
 */
#ifndef HEAPCORE_H
#define HEAPCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HC_PUBLIC __attribute__((visibility("default")))
#else
#define HC_PUBLIC
#endif

/** Library version, also returned by hc_version(). */
#define HC_VERSION_STRING "0.1.0"

/** The kinds of error the library reports. */
enum hc_error_code {
	/** Out of memory. */
	HC_ERROR_NO_MEMORY = 1,
	/** An operating-system call failed; hc_error_errno() and hc_error_path() tell more. */
	HC_ERROR_OS = 2,
	/** An address of the target could not be read; hc_error_address() tells which. */
	HC_ERROR_FAULT = 3,
	/** The input is malformed: truncated, corrupted, or not what it should be. */
	HC_ERROR_BAD_DATA = 4,
	/** The executable lacks the symbols or DWARF the analysis needs. */
	HC_ERROR_MISSING_DEBUG_INFO = 5,
	/** The input is valid but of a kind heapcore does not handle (yet). */
	HC_ERROR_UNSUPPORTED = 6,
	/** The executable does not belong to the core. */
	HC_ERROR_MISMATCH = 7,
	/** Something asked for does not exist (an address outside every object, a name). */
	HC_ERROR_NOT_FOUND = 8,
	/** The caller passed an invalid argument. */
	HC_ERROR_INVALID_ARGUMENT = 9,
};

/** An error: a code and a one-line message.  Free with hc_error_destroy(). */
struct hc_error;

/** The error's code. */
HC_PUBLIC enum hc_error_code hc_error_code(const struct hc_error *err);
/** The error's one-line message (no trailing newline); valid until the error is destroyed. */
HC_PUBLIC const char *hc_error_message(const struct hc_error *err);
/** For HC_ERROR_OS: the errno value; 0 otherwise. */
HC_PUBLIC int hc_error_errno(const struct hc_error *err);
/** For HC_ERROR_FAULT: the address that could not be read; 0 otherwise. */
HC_PUBLIC uint64_t hc_error_address(const struct hc_error *err);
/** Free an error.  NULL is a no-op. */
HC_PUBLIC void hc_error_destroy(struct hc_error *err);

/** The library's version string. */
HC_PUBLIC const char *hc_version(void);

/** Free memory the library handed to the caller (report texts). NULL is a no-op. */
HC_PUBLIC void hc_free(void *ptr);

/** A core dump opened together with its executable. */
struct hc_program;

/** Flags for hc_program_open_core(). */
enum hc_open_flags {
	/**
	 * Go on where heapcore would otherwise refuse: an executable that does
	 * not match the core, a truncated core (the missing bytes read as
	 * "not saved in core").  Each overridden problem becomes a warning.
	 */
	HC_OPEN_FORCE = 1u << 0,
	/**
	 * Open as much as can be opened, as HC_OPEN_FORCE does, for a report
	 * that describes the core and what is wrong with it (`info`): a
	 * mismatched executable or a truncated core becomes a warning, and the
	 * executable is reported as not matching rather than as overridden.
	 */
	HC_OPEN_DIAGNOSE = 1u << 1,
};

/**
 * Open a core dump.
 *
 * @param core_path the core file.
 * @param exe_path the executable, or NULL to find it from the core: the
 *        file the core's NT_FILE note maps at the entry point, else a file
 *        of that name in the core's directory.
 * @param flags a combination of enum hc_open_flags.
 * @param ret on success, the program; free with hc_program_destroy().
 */
HC_PUBLIC struct hc_error *hc_program_open_core(const char *core_path,
						const char *exe_path,
						unsigned flags,
						struct hc_program **ret);

/**
 * Progress of long work (building the object graph of a big heap,
 * downloading debug info).
 *
 * @param phase what is being done, e.g. "scanning objects"; the same pointer
 *        for the whole phase.
 * @param done, total units of the phase done so far and in all; a phase
 *        starts with done == 0 and ends with done == total.
 *
 * Called from the thread that called into the library, a few hundred times a
 * phase at most.  It must not call back into the library on the same program.
 */
typedef void hc_progress_fn(void *arg, const char *phase, uint64_t done,
			    uint64_t total);

/**
 * How to open a core, for hc_program_open(): the executable, and where to
 * find the symbols and DWARF it lacks (a stripped or -ldflags=-w build).
 * Zero-initialize, then set what is needed.
 */
struct hc_open_options {
	/** A combination of enum hc_open_flags. */
	unsigned flags;
	/** The executable, or NULL to find it from the core (as hc_program_open_core()). */
	const char *exe_path;
	/**
	 * Its separate debug info (gdb's -s FILE), or NULL to search: by GNU
	 * build ID and through .gnu_debuglink under @p debug_dirs, then
	 * debuginfod.  A file named here must carry the executable's build ID.
	 */
	const char *symbols_path;
	/** Colon-separated debug directories (gdb's debug-file-directory); NULL: /usr/lib/debug. */
	const char *debug_dirs;
	/** Nonzero: ask debuginfod servers (libdebuginfod reads DEBUGINFOD_URLS) when nothing local fits. */
	int debuginfod;
	/** Progress while opening (a download) and after, or NULL. */
	hc_progress_fn *progress;
	void *progress_arg;
	/**
	 * A directory where analyses are saved and found again (created if
	 * missing; the few most recent kept), so that a second question about
	 * the same core is nearly free; NULL: none.  See hc_program_cache_note().
	 */
	const char *cache_dir;
};

/**
 * Open a core with options.
 *
 * @param core_path the core file.
 * @param opts the executable and where its debug info is; NULL: all defaults.
 * @param ret on success, the program; free with hc_program_destroy().
 */
HC_PUBLIC struct hc_error *hc_program_open(const char *core_path,
					   const struct hc_open_options *opts,
					   struct hc_program **ret);

/**
 * Open a running process as if it were a core taken now (gcore's): every
 * thread is stopped (PTRACE_SEIZE + PTRACE_INTERRUPT), its registers,
 * mappings and the memory a core would hold are copied, and it is let go
 * again (signals that arrived meanwhile are delivered) before this returns;
 * every answer is then computed from the copy.  The executable is
 * @p opts->exe_path, else /proc/PID/exe.  Errors: no such process;
 * permission denied (ptrace needs the same user, and CAP_SYS_PTRACE where
 * /proc/sys/kernel/yama/ptrace_scope asks for it); already traced; not a
 * Go program (checked before stopping it); the process exited meanwhile.
 * The program is never cached (hc_open_options.cache_dir is ignored).
 */
HC_PUBLIC struct hc_error *hc_program_open_pid(int pid, const struct hc_open_options *opts,
					       struct hc_program **ret);

/** Registers of one thread, in the kernel's user_regs_struct order (x86-64: 27). */
struct hc_thread_registers {
	int32_t tid;
	uint32_t nregs;
	uint64_t regs[34];
};

/**
 * Read @p count bytes of the process at @p address into @p buf: 0, or an
 * errno value (EFAULT, EIO) when they cannot be read.
 */
typedef int hc_read_memory_fn(void *arg, uint64_t address, void *buf, size_t count);

/** How hc_program_open_process() reads a process a debugger holds stopped. */
struct hc_process_access {
	hc_read_memory_fn *read;
	void *arg;
	/** Every thread's registers; the first is the debugger's current thread. */
	const struct hc_thread_registers *threads;
	size_t nthreads;
};

/**
 * As hc_program_open_pid(), for a process that a debugger already holds
 * stopped (gdb): memory is read through @p access->read, registers come
 * from @p access; /proc/PID/maps and auxv are read directly.  The copy is
 * taken before this returns; open again after the process ran.
 */
HC_PUBLIC struct hc_error *hc_program_open_process(int pid, const struct hc_process_access *access,
						   const struct hc_open_options *opts,
						   struct hc_program **ret);

/** Close a program and free everything it owns.  NULL is a no-op. */
HC_PUBLIC void hc_program_destroy(struct hc_program *prog);

/**
 * Why the cache (hc_open_options.cache_dir) could not be used or written
 * (unwritable, damaged file), for the front end to say; NULL when it could.
 * Valid while the program lives.
 */
HC_PUBLIC const char *hc_program_cache_note(const struct hc_program *prog);

/** Path of the executable in use; valid while the program lives. */
HC_PUBLIC const char *hc_program_exe_path(const struct hc_program *prog);

/**
 * The Go runtime version with experiments (runtime.buildVersion, e.g.
 * "go1.27.3-X:nogreenteagc"), or NULL when the program is not Go.
 */
HC_PUBLIC const char *hc_program_go_version(const struct hc_program *prog);

/** Number of warnings collected so far (e.g. overridden checks, inconsistent heap data). */
HC_PUBLIC size_t hc_program_num_warnings(const struct hc_program *prog);
/** Warning @p i (0-based); valid while the program lives. */
HC_PUBLIC const char *hc_program_warning(const struct hc_program *prog, size_t i);

/**
 * Whether the last report's answer is incomplete: its analysis had to skip
 * or guess at something it needed (a damaged or unreadable runtime
 * structure, bytes the core lacks in the heap, a goroutine stack or the
 * runtime's data).  The answer was still formatted; its warnings name each
 * such thing, and the report says so (text: "incomplete: ..." lines after
 * the warnings; JSON: "incomplete": true and "damaged": [{"structure",
 * "address", "reason", "affects"}]).  Warnings that only inform (an
 * object scanned conservatively, counters that disagree) do not count.
 * The command-line tool exits with status 5 then.
 */
HC_PUBLIC int hc_program_incomplete(const struct hc_program *prog);
/** Whether warning @p i (as hc_program_warning()) names something the answer lacks. */
HC_PUBLIC int hc_program_warning_incomplete(const struct hc_program *prog, size_t i);

/** Report progress of @p prog's work to @p fn (NULL: none, the default). */
HC_PUBLIC void hc_program_set_progress(struct hc_program *prog,
				       hc_progress_fn *fn, void *arg);

/** Flags for the report functions. */
enum hc_report_flags {
	/** Format as one JSON document instead of text. */
	HC_REPORT_JSON = 1u << 0,
	/** stats: add the per-size-class table. */
	HC_REPORT_BY_SIZE = 1u << 1,
	/** types: sort by count (default: retained). */
	HC_REPORT_SORT_COUNT = 1u << 2,
	/** types: sort by bytes. */
	HC_REPORT_SORT_BYTES = 1u << 3,
	/** goroutines: every goroutine on its own instead of grouped. */
	HC_REPORT_ALL = 1u << 4,
};

/**
 * Format the `info` report: executable and how it was found, Go version,
 * architecture, signal, threads, mappings, files that could not be opened.
 *
 * @param ret on success, a NUL-terminated text ending in a newline; free it
 *        with hc_free().
 */
HC_PUBLIC struct hc_error *hc_report_info(struct hc_program *prog,
					  unsigned flags, char **ret);

/** Number of BySize entries in runtime.MemStats. */
#define HC_MEMSTATS_BY_SIZE 61

/**
 * runtime.MemStats, field for field and named as in Go, as ReadMemStats
 * would have returned it at the moment of the crash.
 */
struct hc_memstats {
	uint64_t Alloc, TotalAlloc, Sys, Lookups, Mallocs, Frees;
	uint64_t HeapAlloc, HeapSys, HeapIdle, HeapInuse, HeapReleased, HeapObjects;
	uint64_t StackInuse, StackSys;
	uint64_t MSpanInuse, MSpanSys, MCacheInuse, MCacheSys;
	uint64_t BuckHashSys, GCSys, OtherSys;
	uint64_t NextGC, LastGC, PauseTotalNs;
	uint64_t PauseNs[256];
	uint64_t PauseEnd[256];
	uint32_t NumGC, NumForcedGC;
	double GCCPUFraction;
	struct {
		uint32_t Size;
		uint64_t Mallocs, Frees;
	} BySize[HC_MEMSTATS_BY_SIZE];
};

/**
 * Rebuild runtime.MemStats from the core (Go programs only).  Heap problems
 * found on the way (a corrupted span, counters that disagree with the span
 * walk) become warnings, see hc_program_warning().
 *
 * @param ret on success, the statistics; valid while the program lives.
 */
HC_PUBLIC struct hc_error *hc_go_memstats(struct hc_program *prog,
					  const struct hc_memstats **ret);

/** One heap object: an allocated slot of the Go heap. */
struct hc_object {
	uint64_t address;
	uint64_t size;       /**< the slot size (the size class), or the span size for large objects */
	unsigned span_class; /**< size class << 1 | noscan; size class 0 is a large object */
};

/** An iterator over the allocated heap objects, in address order. */
struct hc_object_iterator;

/** Start iterating over the heap's allocated objects; free with hc_object_iterator_destroy(). */
HC_PUBLIC struct hc_error *hc_object_iterator_create(struct hc_program *prog,
						     struct hc_object_iterator **ret);
/**
 * The next object.  @p ret is set to NULL at the end; otherwise it points to
 * storage valid until the next call.
 */
HC_PUBLIC struct hc_error *hc_object_iterator_next(struct hc_object_iterator *it,
						   const struct hc_object **ret);
/** Free an iterator.  NULL is a no-op. */
HC_PUBLIC void hc_object_iterator_destroy(struct hc_object_iterator *it);

/**
 * Format the `stats` report: runtime.MemStats with a readable summary first,
 * or (HC_REPORT_JSON) {"go_version", "MemStats", "warnings", "incomplete",
 * "damaged"} (every report's JSON has the last two, see
 * hc_program_incomplete()); with
 * HC_REPORT_BY_SIZE also the per-size-class table of the span walk.
 */
HC_PUBLIC struct hc_error *hc_report_stats(struct hc_program *prog,
					   unsigned flags, char **ret);

/*
 * Reports over the object graph (built on first use: every allocated object,
 * its pointers, the named roots, the dominator tree and retained sizes).
 * @p top limits the rows (0: all).  Each returns text (or JSON with
 * HC_REPORT_JSON) to free with hc_free().
 */

/** Per type: count, bytes, retained (the bytes freed if every object of the type were). */
HC_PUBLIC struct hc_error *hc_report_types(struct hc_program *prog, unsigned flags,
					   size_t top, char **ret);
/** Roots (globals, goroutine stacks, thread registers) by retained size. */
HC_PUBLIC struct hc_error *hc_report_roots(struct hc_program *prog, unsigned flags,
					   size_t top, char **ret);
/** The deepest hc_report_top() unfolds the dominator tree: 1000 levels. */
#define HC_TOP_DEPTH_MAX 1000u

/**
 * The dominator tree, biggest retainers first, unfolded @p depth levels
 * (1 to HC_TOP_DEPTH_MAX; HC_ERROR_INVALID_ARGUMENT otherwise).
 */
HC_PUBLIC struct hc_error *hc_report_top(struct hc_program *prog, unsigned flags,
					 size_t top, unsigned depth, char **ret);
/** The shortest path from a root to the object containing @p address. */
HC_PUBLIC struct hc_error *hc_report_path(struct hc_program *prog, unsigned flags,
					  uint64_t address, char **ret);
/** One object: type, size, retained, its pointers and who points to it. */
HC_PUBLIC struct hc_error *hc_report_object(struct hc_program *prog, unsigned flags,
					    uint64_t address, char **ret);

/** The profiles hc_report_pprof() writes. */
/**
 * Every goroutine that is not dead, as Go's own crash traceback shows it:
 * id, status (the wait reason of a waiting one), minutes waited, locked to
 * a thread, stack size, start function, where it was created, every frame
 * (inlined calls expanded; a running goroutine's from its thread), and
 * whether it leaked (Go 1.26's goroutine leak detector, on any version).
 * Text groups goroutines with the same status and frames, largest group
 * first (HC_REPORT_ALL: each goroutine on its own, as Go prints it);
 * HC_REPORT_JSON: {"goroutines": [{"id", "status", "wait_minutes",
 * "locked_to_thread", "stack_bytes", "start", "created_by", "frames",
 * "elided_frames", "leaked", "crashed", "error"}], "counts", "leaked",
 * "warnings"}; over 100 frames, the innermost and outermost 50, as Go
 * prints them.  A
 * goroutine whose g or stack is damaged is listed with the reason in
 * "error"; the rest stand.
 */
HC_PUBLIC struct hc_error *hc_report_goroutines(struct hc_program *prog, unsigned flags,
						char **ret);

/**
 * What leaked: the leaked goroutines (Go 1.26's goroutine leak detector,
 * on any version: blocked on channels, select or sync objects nothing but
 * other leaked goroutines can reach), grouped by start function, go
 * statement, status and blocking frame, with the heap bytes only they keep
 * alive; and the leak suspects (Eclipse MAT's): every root, or object
 * several roots share, retaining at least @p threshold percent of the live
 * heap, with its accumulation point (down the dominator tree to where the
 * bytes spread over many children), the elements accumulated there and
 * the shortest path to it.  HC_REPORT_JSON: {"leaked_goroutines":
 * [{"count", "status", "start", "created_by", "blocked_in", "stack_bytes",
 * "retained", "retained_objects", "goroutines"}], "suspects": [{"root",
 * "type", "retained", "share", "accumulation": {"address", "type",
 * "element_type", "count", "bytes", "retained"}, "path"}], "threshold",
 * "live_bytes", "warnings"}.
 */
HC_PUBLIC struct hc_error *hc_report_leaks(struct hc_program *prog, unsigned flags,
					   double threshold, char **ret);

/**
 * The first screen on a crash, at most 60 lines: what the Go runtime
 * printed first (the panic value as printpanics prints it, the "[signal
 * ...]" line of a panic a signal raised, or a fatal signal's lines), the
 * goroutine that panicked or crashed with its frames, the goroutines by
 * status, the MemStats headline, the types retaining the most, the leak
 * suspects and the leaked goroutine groups (see hc_report_leaks()).
 * HC_REPORT_JSON: {"panic": {"message", "goroutine", "signal"} or null,
 * "signal": {"number", "name", "text"}, "goroutine", "goroutines",
 * "memstats", "types", "suspects", "leaks", "warnings"}.
 */
HC_PUBLIC struct hc_error *hc_report_triage(struct hc_program *prog, unsigned flags, char **ret);

enum hc_pprof_kind {
	/**
	 * What pprof.WriteHeapProfile would have written at the moment of the
	 * crash, from the runtime's memory-profile buckets: alloc_objects,
	 * alloc_space, inuse_objects, inuse_space, scaled by MemProfileRate.
	 */
	HC_PPROF_HEAP = 0,
	/**
	 * The sampled objects still allocated at the crash, per allocation
	 * stack (live_objects, live_space), from the runtime's profile specials;
	 * scaled as inuse_* is.
	 */
	HC_PPROF_LIVE = 1,
	/**
	 * Retention: each sample's stack is a path down the dominator tree (a
	 * root, the types of the objects that dominate, the object's type), so
	 * that a frame's cumulative value is exactly the retained size and
	 * object count of what it stands for.  Needs no heap profile.
	 */
	HC_PPROF_RETAINED = 2,
};

/**
 * A profile for `go tool pprof`: gzip-compressed profile.proto.  The heap
 * and live profiles need a program that recorded a heap profile
 * (runtime.MemProfileRate > 0): HC_ERROR_NOT_FOUND otherwise.  A damaged
 * memory-profile bucket becomes a warning naming it, see
 * hc_program_warning().
 *
 * @param ret on success, the profile's bytes; free with hc_free().
 * @param ret_size on success, how many bytes *ret holds.
 */
HC_PUBLIC struct hc_error *hc_report_pprof(struct hc_program *prog, enum hc_pprof_kind kind,
					   void **ret, size_t *ret_size);

/**
 * What changed between two cores of one executable (checked by build ID):
 * every runtime.MemStats field, the objects and bytes of every type, what
 * every root retains, and the elements of every root's accumulation point,
 * matched by name, biggest growth first; and the goroutines in groups
 * (status, start, creator, blocking frame) whose size changed.  With
 * HC_REPORT_JSON, {"old", "new", "memstats": {FIELD: {"old", "new",
 * "delta"}}, "types": [...], "roots": [...], "accumulations": [...],
 * "goroutines": [...] or null, "not_compared", "warnings"} (README).
 *
 * @param threshold leave out types, roots and accumulation points whose
 *        bytes changed by less (0: every one that changed).
 * @param ret on success, the text; free it with hc_free().
 *
 * Diffing two big heaps needs one object graph at a time: @p before's graph
 * is freed once summarized (it is rebuilt if asked for again).
 */
HC_PUBLIC struct hc_error *hc_report_diff(struct hc_program *before, struct hc_program *after,
					  unsigned flags, uint64_t threshold, char **ret);

#ifdef __cplusplus
}
#endif

#endif /* HEAPCORE_H */
