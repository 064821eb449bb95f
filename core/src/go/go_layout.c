/*
 * Reading the Go runtime's layout by name: struct fields (offset and width)
 * from DWARF, globals from the symbol table, constants from DWARF.  Errors
 * are sticky in struct gl_init, so a table of lookups needs one check.
 */
#include <inttypes.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "go/go_layout.h"
#include "target/memory.h"
#include "target/program.h"


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
	in->err = hc_dwarf_sizeof(in->dw, type, &size);
	return size;
}

uint64_t gl_array_len(struct gl_init *in, const char *type, const char *path)
{
	uint64_t n = 0;
	struct hc_field f;
	if (in->err)
		return 0;
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
