/*
 * The executable (and, later, shared libraries): its loadable segments,
 * symbol table, build IDs and DWARF, with the file mapped rather than read.
 */
#ifndef HC_EXE_H
#define HC_EXE_H

#include <elfutils/libdw.h>
#include <gelf.h>

#include "util/internal.h"

struct hc_symbol {
	const char *name; /* into the ELF string table */
	uint64_t addr;    /* link-time address */
	uint64_t size;
};

struct hc_build_id {
	uint64_t vaddr;       /* link-time address of the note header, 0 if not loaded */
	const uint8_t *note;  /* the whole note (header, name, descriptor) in the file */
	size_t note_len;
	const uint8_t *bytes; /* the descriptor */
	size_t len;
};

struct hc_exe {
	char *path;
	int fd;
	Elf *elf;
	const uint8_t *image;
	size_t size;
	uint16_t machine;
	uint16_t type; /* ET_EXEC or ET_DYN */
	GElf_Phdr *loads;
	size_t nloads;
	struct hc_symbol *syms;
	size_t nsyms;
	struct hc_strmap symbol_index; /* name -> index in syms */
	struct hc_build_id go_build_id, gnu_build_id;
	Dwarf *dwarf; /* NULL without DWARF (the executable's, or its debug file's) */
	/* Separate debug info (symbols and DWARF the executable lacks), once
	 * found and checked against it (debuginfo/debugfile.c). */
	struct {
		char *path;
		const char *found_by; /* static text */
		int fd;
		Elf *elf;
	} debug;
	/* What the search for separate debug info tried and why each way
	 * failed, for messages; NULL when none was needed or it succeeded. */
	char *debug_search;
};

struct hc_error *hc_exe_open(const char *path, struct hc_exe **ret);
/**
 * Use the ELF file at @p path as @p exe's separate debug info (found by
 * @p how, static text): its symbol table where the executable has none, its
 * DWARF where the executable has none.  It must carry the executable's
 * build ID (GNU, else Go): HC_ERROR_MISMATCH otherwise, and nothing changes.
 */
struct hc_error *hc_exe_add_debug_file(struct hc_exe *exe, const char *path,
				       const char *how);
/** Whether @p exe lacks a symbol table or DWARF (separate debug info may help). */
bool hc_exe_needs_debug_file(const struct hc_exe *exe);
void hc_exe_close(struct hc_exe *exe);
/** Look a symbol up by its exact name. */
const struct hc_symbol *hc_exe_symbol(const struct hc_exe *exe,
				      const char *name);
/** A Go executable (it has a Go build ID) without a symbol table. */
bool hc_exe_stripped_go(const struct hc_exe *exe);
/**
 * The Go version the executable's build info names ("go1.22.12"), read
 * from its .go.buildinfo section, which the linker keeps with -s -w:
 * written to @p out (NUL-terminated); false when there is none or it does
 * not decode.
 */
bool hc_exe_buildinfo_version(const struct hc_exe *exe, char *out, size_t outlen);

/**
 * The GNU build ID of the ELF file @p image, as lowercase hex in @p out
 * (which holds @p outlen bytes), found as runtime/pprof finds it: the first
 * NT_GNU_BUILD_ID note of an SHT_NOTE section.  False when there is none.
 */
bool hc_elf_gnu_build_id(const uint8_t *image, size_t size, char *out, size_t outlen);

#endif /* HC_EXE_H */
