/*
 * Reading the Go runtime's layout by name: struct fields (offset and width)
 * from DWARF, globals from the symbol table, constants from DWARF.  Errors
 * are sticky in struct gl_init, so a table of lookups needs one check.
 *
 * An executable without DWARF (-ldflags=-w, or -s -w) is read through the
 * table generated from the DWARF of the same toolchain (go_layout_tables.h),
 * chosen by the Go version and experiments its build info records; without
 * a symbol table too, its globals are found from the code that uses them
 * (go_nosym.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go_layout.h"
#include "go/go_layout_tables.h"
#include "go/go_nosym.h"
#include "target/exe.h"
#include "target/memory.h"
#include "target/program.h"


bool gl_without_dwarf(struct hc_program *prog)
{
	return !prog->exe->dwarf && prog->go_version;
}

struct hc_error *gl_begin(struct hc_program *prog, struct gl_init *in)
{
	memset(in, 0, sizeof(*in));
	in->prog = prog;
	if (!gl_without_dwarf(prog))
		return hc_dwarf_index_get(prog, &in->dw);
	const char *v = prog->go_version;
	const struct gl_table *t = gl_table_for(v);
	if (!t)
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "%s has no DWARF, and heapcore has no runtime layout table for "
				       "%s (tables: Go 1.22-1.24, 1.26, 1.27, 1.27 with nogreenteagc)",
				       prog->exe->path, v);
	/* An experiment can change the runtime's structures (greenteagc does):
	 * a table made without it is not this runtime's. */
	const char *x = strstr(v, "X:");
	if (x && !strchr(t->tag, '-'))
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "%s has no DWARF, and was built with GOEXPERIMENT=%s: heapcore "
				       "has a runtime layout table for %s without that experiment only",
				       prog->exe->path, x + 2, t->tag);
	in->table = t;
	return NULL;
}

uint64_t gl_get(const uint8_t *p, struct gf f)
{
	switch (f.size) {
	case 1:
		return p[f.off];
	case 2: {
		uint16_t v;
		memcpy(&v, p + f.off, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p + f.off, 4);
		return v;
	}
	default: {
		uint64_t v;
		memcpy(&v, p + f.off, 8);
		return v;
	}
	}
}

/*
 * Resolve TYPE.PATH; a field of one of the runtime's atomic wrapper types
 * (atomic.Uint64 and friends: structs whose payload is `value`) resolves to
 * the payload.
 */
struct gf gl_field_opt(struct gl_init *in, const char *type, const char *path,
			   bool required)
{
	struct gf out = {0};
	if (in->err)
		return out;
	if (in->table) {
		const struct gl_table_field *tf = gl_table_field(in->table, type, path);
		char buf[160];
		if (!tf) {
			if (required)
				in->err = hc_error_format(HC_ERROR_UNSUPPORTED,
							  "%s.%s is not in the runtime layout table of %s",
							  type, path, in->table->tag);
			return out;
		}
		/* An atomic wrapper's payload, as with DWARF below. */
		snprintf(buf, sizeof(buf), "%s", path);
		for (int i = 0; i < 4; i++) {
			size_t n = strlen(buf);
			const struct gl_table_field *inner;
			if (n + 7 > sizeof(buf))
				break;
			memcpy(buf + n, ".value", 7);
			if (!(inner = gl_table_field(in->table, type, buf)))
				break;
			tf = inner;
		}
		out.off = tf->off;
		out.size = (uint8_t)(tf->size <= 8 ? tf->size : 8);
		out.present = true;
		return out;
	}
	struct hc_field f;
	struct hc_error *err = hc_dwarf_field(in->dw, type, path, &f);
	if (err) {
		if (required)
			in->err = err;
		else
			hc_error_destroy(err);
		return out;
	}
	uint64_t off = f.offset;
	struct hc_field inner;
	for (int i = 0; i < 4; i++) {
		struct hc_error *e = hc_dwarf_die_field(&f.type, "value", &inner);
		if (e) {
			hc_error_destroy(e);
			break;
		}
		off += inner.offset;
		f = inner;
	}
	out.off = (uint32_t)off;
	out.size = (uint8_t)(f.size <= 8 ? f.size : 8);
	out.present = true;
	return out;
}

struct gf gl_field(struct gl_init *in, const char *type, const char *path)
{
	return gl_field_opt(in, type, path, true);
}

uint64_t gl_type_size(struct gl_init *in, const char *type)
{
	uint64_t size = 0;
	if (in->err)
		return 0;
	if (in->table) {
		const struct gl_table_field *tf = gl_table_field(in->table, type, "");
		if (!tf)
			in->err = hc_error_format(HC_ERROR_UNSUPPORTED,
						  "%s is not in the runtime layout table of %s", type,
						  in->table->tag);
		return tf ? tf->size : 0;
	}
	in->err = hc_dwarf_sizeof(in->dw, type, &size);
	return size;
}

uint64_t gl_array_len(struct gl_init *in, const char *type, const char *path)
{
	uint64_t n = 0;
	struct hc_field f;
	if (in->err)
		return 0;
	if (in->table) {
		const struct gl_table_field *tf = gl_table_field(in->table, type, path);
		if (!tf || !tf->count)
			in->err = hc_error_format(HC_ERROR_UNSUPPORTED,
						  "%s.%s is not an array in the runtime layout table of %s",
						  type, path, in->table->tag);
		return tf ? tf->count : 0;
	}
	in->err = hc_dwarf_field(in->dw, type, path, &f);
	if (!in->err)
		in->err = hc_dwarf_array_length(&f.type, &n);
	return n;
}

int64_t gl_constant(struct gl_init *in, const char *name, int64_t fallback,
			bool required)
{
	int64_t v = fallback;
	if (in->err)
		return v;
	if (in->table) {
		if (gl_table_constant(in->table, name, &v))
			return v;
		if (required)
			in->err = hc_error_format(HC_ERROR_UNSUPPORTED,
						  "constant %s is not in the runtime layout table of %s",
						  name, in->table->tag);
		return fallback;
	}
	struct hc_error *err = hc_dwarf_constant(in->dw, name, &v);
	if (err) {
		if (required)
			in->err = err;
		else
			hc_error_destroy(err);
		return fallback;
	}
	return v;
}

uint64_t gl_symbol(struct gl_init *in, const char *name, const char *alt)
{
	if (in->err)
		return 0;
	if (!in->prog->exe->nsyms && in->table) {
		uint64_t addr = 0;
		in->err = hc_go_nosym_global(in->prog, in->table, name, &addr);
		return addr;
	}
	uint64_t addr = hc_program_symbol_addr(in->prog, name, NULL);
	if (!addr && alt)
		addr = hc_program_symbol_addr(in->prog, alt, NULL);
	if (!addr)
		in->err = hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
					  "symbol %s is not in %s", name,
					  in->prog->exe->path);
	return addr;
}

/* Read one field of the struct at @p base. */
struct hc_error *gl_read_field(struct hc_program *prog, uint64_t base,
				   struct gf f, uint64_t *ret)
{
	uint8_t buf[8];
	struct hc_error *err = hc_memory_read(&prog->mem, base + f.off, buf, f.size);
	if (err)
		return err;
	struct gf at0 = {0, f.size, true};
	*ret = gl_get(buf, at0);
	return NULL;
}

bool gl_peek_field(struct hc_program *prog, uint64_t base, struct gf f,
		   uint64_t *ret)
{
	uint8_t buf[8];
	if (f.size > sizeof(buf) || !hc_memory_peek(&prog->mem, base + f.off, buf, f.size))
		return false;
	struct gf at0 = {0, f.size, true};
	*ret = gl_get(buf, at0);
	return true;
}
