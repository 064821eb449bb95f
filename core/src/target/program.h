/*
 * struct hc_program: a core, its executable, the other files it maps, and the
 * address space they make up together.  Analysis state (the Go heap, the
 * object graph) hangs off it and is built on first use.
 */
#ifndef HC_PROGRAM_H
#define HC_PROGRAM_H

#include "target/corefile.h"
#include "target/exe.h"
#include "target/memory.h"

struct hc_mapped_file {
	const char *path;   /* as the core names it (NT_FILE) */
	const uint8_t *image; /* NULL when it could not be opened */
	size_t size;
	bool owned;         /* image is our own mmap (not the executable's) */
	char *error;        /* why it could not be opened */
};

struct hc_go;
struct hc_glibc;
struct hc_graph;

/*
 * A warning belongs to the analysis that raised it, and a report prints the
 * warnings of the analyses it used, whatever else ran before on the same
 * program (gdb runs many commands on one).
 */
enum hc_phase {
	HC_PHASE_OPEN,    /* the target: core, executable, files, Go version */
	HC_PHASE_HEAP,    /* the allocator's heap walk and statistics */
	HC_PHASE_GRAPH,   /* the object graph */
	HC_PHASE_PROFILE, /* the heap profile */
	HC_PHASE_GOROUTINES, /* goroutines, their stacks and what blocks them */
	HC_NPHASES
};
#define HC_PHASES_OPEN (1u << HC_PHASE_OPEN)
#define HC_PHASES_HEAP (HC_PHASES_OPEN | 1u << HC_PHASE_HEAP)
#define HC_PHASES_GRAPH (HC_PHASES_HEAP | 1u << HC_PHASE_GRAPH)
#define HC_PHASES_PROFILE (HC_PHASES_HEAP | 1u << HC_PHASE_PROFILE)
#define HC_PHASES_GOROUTINES (HC_PHASES_GRAPH | 1u << HC_PHASE_GOROUTINES) /* leaks need the graph */
struct hc_dwarf_index;

struct hc_program {
	struct hc_core *core;
	struct hc_exe *exe;
	const char *exe_found_by;    /* static text */
	const char *exe_verified_by; /* static text */
	bool exe_mismatch;           /* it does not match the core (used anyway) */
	const char *core_exe_path;   /* the core's name for the executable, or NULL */
	uint64_t bias;               /* load address - link address */
	struct hc_memory mem;
	struct hc_mapped_file *files;
	size_t nfiles;
	struct hc_warnings warnings[HC_NPHASES];
	unsigned report_phases; /* whose warnings the last report printed (HC_PHASES_...) */
	char *go_version;
	char *go_version_why; /* why runtime.buildVersion could not be read, or NULL */
	bool go_version_oom;  /* it could not be read for want of memory */
	struct hc_dwarf_index *dwarf;
	struct hc_go *go;
	struct hc_glibc *glibc; /* the glibc malloc heap, walked on first use */
	char *debug_dirs;       /* where separate debug info is looked for (NULL: the default) */
	struct hc_graph *graph;
	/* The object graph's builder when the heap is not Go's (glibc), or NULL. */
	struct hc_error *(*graph_get)(struct hc_program *prog, struct hc_graph **ret);
	struct hc_pcln *pcln;
	struct hc_progress progress;
	const char *cache_dir; /* where analyses are saved and found again (NULL: nowhere) */
	char *cache_note;      /* why the cache could not be used, for the front end, or NULL */
	unsigned open_flags;
};

/**
 * Open @p prog's target: the core, its executable (@p exe_path, or found
 * from the core), the files it maps, the address space; @p flags are
 * enum hc_open_flags.  On failure, what
 * was opened stays for hc_target_close().
 */
struct hc_error *hc_target_open(struct hc_program *prog, const char *core_path,
				const char *exe_path, unsigned flags);
/**
 * Open running process @p pid as the target: its executable (@p exe_path,
 * else /proc/PID/exe), checked to be Go or to map glibc's C library before
 * the process is stopped, and
 * a snapshot of it (target/live.h), through @p access when a debugger holds
 * it, else with ptrace.  On failure, what was opened stays for
 * hc_target_close().
 */
struct hc_error *hc_target_open_pid(struct hc_program *prog, int pid,
				    const struct hc_process_access *access,
				    const char *exe_path, unsigned flags);
/** Whether @p path names glibc's C library (libc.so.6, libc-2.NN.so). */
bool hc_is_libc_path(const char *path);
/** Free what hc_target_open() opened. */
void hc_target_close(struct hc_program *prog);
/**
 * What the analyses of @p prog are computed from, as text for a cache key:
 * the core's, the executable's and the debug file's identity (path,
 * device, inode, size, modification time) and the open flags.  False when
 * a file cannot be stat'ed or out of memory.
 */
bool hc_target_identity(const struct hc_program *prog, unsigned flags, struct hc_strbuf *out);

#endif /* HC_PROGRAM_H */
