/*
 * The Go runtime's layouts per toolchain, generated from each toolchain's
 * own DWARF by tools/gen_layouts.py (go_layout_tables.c) and checked
 * against the fixtures' DWARF by tests/test_layouts.py: what heapcore
 * reads by name when an executable carries no DWARF (-ldflags='-s -w').
 */
#ifndef HC_GO_LAYOUT_TABLES_H
#define HC_GO_LAYOUT_TABLES_H

#include "util/internal.h"

/* One member of a runtime type (path "" is the type itself). */
struct gl_table_field {
	const char *type;  /* "runtime.mspan" */
	const char *path;  /* "state.s.value": nested structs flattened */
	uint32_t off, size;
	uint64_t count;    /* an array's length, else 0 */
};

struct gl_table_constant {
	const char *name;
	int64_t value;
};

struct gl_table {
	const char *tag; /* "go1.22", "go1.27-nogreenteagc" (fixtures/generate.py's tags) */
	const struct gl_table_field *fields;
	size_t nfields;
	const struct gl_table_constant *constants;
	size_t nconstants;
};

extern const struct gl_table gl_tables[];
extern const size_t gl_ntables;

/*
 * The table for runtime.buildVersion @p version ("go1.27.3-X:nogreenteagc"):
 * its major.minor, with an experiment that has its own table; NULL when no
 * toolchain of that version made one (Go 1.25: none was installed).
 */
const struct gl_table *gl_table_for(const char *version);
/** TYPE.PATH in @p t ("" for the type's size); NULL when absent. */
const struct gl_table_field *gl_table_field(const struct gl_table *t, const char *type,
					    const char *path);
/** A constant's value; false when @p t does not have it. */
bool gl_table_constant(const struct gl_table *t, const char *name, int64_t *ret);

#endif /* HC_GO_LAYOUT_TABLES_H */
