/*
 * The Go runtime's globals found without a symbol table (go_nosym.c).
 */
#ifndef HC_GO_NOSYM_H
#define HC_GO_NOSYM_H

#include "util/internal.h"

struct hc_program;
struct gl_table;

/**
 * The address of runtime global @p name ("runtime.mheap_") in a program
 * whose executable has no symbol table, read through layout table @p t.
 * An error says which global could not be found and why (no recipe for
 * it, the functions that reference it absent, or no single address that
 * passes the structure checks): never a guess.
 */
struct hc_error *hc_go_nosym_global(struct hc_program *prog, const struct gl_table *t,
				    const char *name, uint64_t *ret);

#endif /* HC_GO_NOSYM_H */
