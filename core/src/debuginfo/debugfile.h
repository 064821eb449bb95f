/*
 * Separate debug info for an executable that lacks its symbols or DWARF
 * (stripped, or built with -ldflags=-w): found the ways gdb and elfutils
 * find it (debugfile.c).
 */
#ifndef HC_DEBUGFILE_H
#define HC_DEBUGFILE_H

#include "target/exe.h"
#include "util/internal.h"

struct hc_debug_search {
	const char *symbols;    /* a debug file the user named (--symbols), or NULL */
	const char *debug_dirs; /* colon-separated, like gdb's debug-file-directory; NULL: /usr/lib/debug */
	bool debuginfod;        /* ask the servers libdebuginfod is configured with */
	struct hc_progress *progress; /* downloads report here */
};

/**
 * Find and attach @p exe's separate debug info when it needs some
 * (hc_exe_needs_debug_file()).  A file named by @p s->symbols must be the
 * executable's (an error otherwise); the other ways are tried in turn, and
 * what each found is recorded in exe->debug_search for later messages.
 * Fails only for a named file that does not fit, or out of memory.
 */
struct hc_error *hc_debug_find(struct hc_exe *exe, const struct hc_debug_search *s);

#endif /* HC_DEBUGFILE_H */
