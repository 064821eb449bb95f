/*
 * Reading the Go runtime's layout by name (see go_layout.c).
 */
#ifndef HC_GO_LAYOUT_H
#define HC_GO_LAYOUT_H

#include "util/internal.h"

struct hc_program;
struct hc_dwarf_index;

/* A struct field's place and width (1, 2, 4 or 8 bytes). */
struct gf {
	uint32_t off;
	uint8_t size;
	bool present;
};

struct gl_table;

struct gl_init {
	struct hc_program *prog;
	struct hc_dwarf_index *dw;    /* NULL when the layouts come from a table */
	const struct gl_table *table; /* without DWARF: the toolchain's (go_layout_tables.h) */
	struct hc_error *err; /* the first failure; later lookups do nothing */
};

/**
 * Start reading @p prog's runtime layouts: from its DWARF, or, when the
 * executable has none, from the table generated for its Go version and
 * experiments (an error when there is no such table).
 */
struct hc_error *gl_begin(struct hc_program *prog, struct gl_init *in);
/** Whether @p prog's runtime layouts come from a table (no DWARF). */
bool gl_without_dwarf(struct hc_program *prog);

/** Read a field of width 1, 2, 4 or 8 from a copy of a struct. */
uint64_t gl_get(const uint8_t *p, struct gf f);
/*
 * TYPE.PATH ("a.b" descends); a field of one of the runtime's atomic wrapper
 * types resolves to its `value` payload.
 */
struct gf gl_field_opt(struct gl_init *in, const char *type, const char *path,
		       bool required);
struct gf gl_field(struct gl_init *in, const char *type, const char *path);
uint64_t gl_type_size(struct gl_init *in, const char *type);
uint64_t gl_array_len(struct gl_init *in, const char *type, const char *path);
int64_t gl_constant(struct gl_init *in, const char *name, int64_t fallback,
		    bool required);
/** A global's address (trying @p alt if given and @p name is absent). */
uint64_t gl_symbol(struct gl_init *in, const char *name, const char *alt);
/** Read one field of the struct at @p base in the target. */
struct hc_error *gl_read_field(struct hc_program *prog, uint64_t base,
			       struct gf f, uint64_t *ret);
/** The same for readers to whom failure is an answer: true when read. */
bool gl_peek_field(struct hc_program *prog, uint64_t base, struct gf f,
		   uint64_t *ret);

#endif /* HC_GO_LAYOUT_H */
