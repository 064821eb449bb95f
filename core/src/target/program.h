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
struct hc_graph;
struct hc_dwarf_index;

struct hc_program {
	struct hc_core *core;
	struct hc_exe *exe;
	const char *exe_found_by;    /* static text */
	const char *exe_verified_by; /* static text */
	const char *core_exe_path;   /* the core's name for the executable, or NULL */
	uint64_t bias;               /* load address - link address */
	struct hc_memory mem;
	struct hc_mapped_file *files;
	size_t nfiles;
	struct hc_warnings warnings;
	char *go_version;
	struct hc_dwarf_index *dwarf;
	struct hc_go *go;
	struct hc_graph *graph;
	struct hc_pcln *pcln;
	struct hc_progress progress;
};

/** The address of a symbol in the target, or 0 when it does not exist. */
uint64_t hc_program_symbol_addr(struct hc_program *prog, const char *name,
				uint64_t *size);

#endif /* HC_PROGRAM_H */
