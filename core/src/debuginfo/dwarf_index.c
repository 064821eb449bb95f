/*
 * The DWARF index (see dwarf.h).  Go writes its debug sections compressed
 * (SHF_COMPRESSED) and libdw decompresses them on load.  Go also emits
 * variable locations as DW_FORM_block1 expressions, which dwarf_getlocation
 * in libdw 0.188 rejects; heapcore takes global addresses from the ELF symbol
 * table instead and uses DWARF only for types, fields and constants.
 */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "debuginfo/dwarf_index.h"
#include "target/program.h"

/* Go's attribute linking a type's DIE to its runtime type descriptor
 * (cmd/internal/dwarf: DW_AT_go_runtime_type). */
#define DW_AT_go_runtime_type 0x2904
/* Go's attribute giving a type's reflect.Kind (DW_AT_go_kind). */
#define DW_AT_go_kind 0x2900
#define GO_KIND_SLICE 23
#define GO_KIND_STRING 24

static struct hc_error *build_index(struct hc_dwarf_index *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw->dwarf, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		bool readable = dwarf_offdie(dw->dwarf, off + hsize, &cu) != NULL;
		off = next;
		if (!readable) {
			dw->unreadable_cus++; /* the others still index */
			continue;
		}
		if (dwarf_child(&cu, &child) != 0)
			continue;
		do {
			const char *name = dwarf_diename(&child);
			if (!name)
				continue;
			struct hc_strmap *map;
			switch (dwarf_tag(&child)) {
			case DW_TAG_variable:
				map = &dw->variables;
				break;
			case DW_TAG_constant:
				map = &dw->constants;
				break;
			case DW_TAG_subprogram:
				map = &dw->funcs;
				break;
			case DW_TAG_structure_type:
			case DW_TAG_typedef:
			case DW_TAG_base_type:
			case DW_TAG_pointer_type:
			case DW_TAG_array_type:
			case DW_TAG_subroutine_type:
			case DW_TAG_interface_type:
			case DW_TAG_union_type:
				map = &dw->types;
				break;
			default:
				continue;
			}
			if (!hc_strmap_put(map, name, dwarf_dieoffset(&child), false))
				return &hc_enomem;
			Dwarf_Attribute a;
			Dwarf_Addr rtype;
			if (map == &dw->types && dwarf_attr(&child, DW_AT_go_runtime_type, &a) &&
			    dwarf_formaddr(&a, &rtype) == 0 &&
			    !hc_u64map_put(&dw->by_rtype, rtype, dwarf_dieoffset(&child)))
				return &hc_enomem;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return NULL;
}

struct hc_error *hc_dwarf_index_get(struct hc_program *prog,
				    struct hc_dwarf_index **ret)
{
	if (prog->dwarf) {
		*ret = prog->dwarf;
		return NULL;
	}
	if (!prog->exe->dwarf)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s has no DWARF debug information (was it built with -ldflags=-w or stripped?) "
				       "and no separate debug info was found (%s); give its debug file with --symbols",
				       prog->exe->path,
				       prog->exe->debug_search ? prog->exe->debug_search : "none searched");
	struct hc_dwarf_index *dw = calloc(1, sizeof(*dw));
	if (!dw)
		return &hc_enomem;
	dw->dwarf = prog->exe->dwarf;
	hc_strmap_init(&dw->types);
	hc_strmap_init(&dw->variables);
	hc_strmap_init(&dw->constants);
	hc_strmap_init(&dw->funcs);
	hc_u64map_init(&dw->by_rtype);
	struct hc_error *err = build_index(dw);
	if (err) {
		hc_dwarf_index_destroy(dw);
		return err;
	}
	prog->dwarf = dw;
	*ret = dw;
	return NULL;
}

void hc_dwarf_index_destroy(struct hc_dwarf_index *dw)
{
	if (!dw)
		return;
	hc_strmap_deinit(&dw->types);
	hc_strmap_deinit(&dw->variables);
	hc_strmap_deinit(&dw->constants);
	hc_strmap_deinit(&dw->funcs);
	hc_u64map_deinit(&dw->by_rtype);
	free(dw);
}

bool hc_dwarf_type_of_rtype(struct hc_dwarf_index *dw, uint64_t off, Dwarf_Die *ret)
{
	uint64_t die;
	return hc_u64map_get(&dw->by_rtype, off, &die) && dwarf_offdie(dw->dwarf, die, ret);
}

/* A name the index does not hold: perhaps in a compile unit it could not read. */
static struct hc_error *not_indexed(const struct hc_dwarf_index *dw, const char *what)
{
	if (dw->unreadable_cus)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "%s (%zu of its compile units could not be read)", what,
				       dw->unreadable_cus);
	return hc_error_create(HC_ERROR_MISSING_DEBUG_INFO, what);
}

struct hc_error *hc_dwarf_type(struct hc_dwarf_index *dw, const char *name,
			       Dwarf_Die *ret)
{
	uint64_t off;
	if (!hc_strmap_get(&dw->types, name, &off) ||
	    !dwarf_offdie(dw->dwarf, off, ret)) {
		char what[1024];
		snprintf(what, sizeof(what), "type %s is not in the executable's DWARF", name);
		return not_indexed(dw, what);
	}
	return NULL;
}

bool hc_dwarf_die_type(Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute attr;
	return dwarf_attr(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, ret);
}

void hc_dwarf_strip_typedefs(Dwarf_Die *die)
{
	for (int i = 0; i < 16 && dwarf_tag(die) == DW_TAG_typedef; i++) {
		if (!hc_dwarf_die_type(die, die))
			return;
	}
}

struct hc_error *hc_dwarf_variable_type(struct hc_dwarf_index *dw,
					const char *name, Dwarf_Die *ret)
{
	uint64_t off;
	Dwarf_Die var;
	if (!hc_strmap_get(&dw->variables, name, &off) ||
	    !dwarf_offdie(dw->dwarf, off, &var) || !hc_dwarf_die_type(&var, ret)) {
		char what[1024];
		snprintf(what, sizeof(what), "variable %s has no DWARF type", name);
		return not_indexed(dw, what);
	}
	return NULL;
}

struct hc_error *hc_dwarf_die_size(Dwarf_Die *type, uint64_t *ret)
{
	Dwarf_Die die = *type;
	hc_dwarf_strip_typedefs(&die);
	Dwarf_Word size;
	if (dwarf_aggregate_size(&die, &size) != 0) {
		Dwarf_Attribute attr;
		if (!dwarf_attr(&die, DW_AT_byte_size, &attr) ||
		    dwarf_formudata(&attr, &size) != 0) {
			const char *name = dwarf_diename(type);
			return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
					       "DWARF gives no size for type %s",
					       name ? name : "(anonymous)");
		}
	}
	*ret = size;
	return NULL;
}

struct hc_error *hc_dwarf_sizeof(struct hc_dwarf_index *dw, const char *name,
				 uint64_t *ret)
{
	Dwarf_Die die;
	struct hc_error *err = hc_dwarf_type(dw, name, &die);
	if (err)
		return err;
	return hc_dwarf_die_size(&die, ret);
}

static bool member(Dwarf_Die *st, const char *name, size_t len,
		   struct hc_field *ret)
{
	Dwarf_Die child;
	if (dwarf_child(st, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		const char *n = dwarf_diename(&child);
		if (!n || strlen(n) != len || memcmp(n, name, len) != 0)
			continue;
		Dwarf_Attribute attr;
		Dwarf_Word off = 0;
		if (dwarf_attr(&child, DW_AT_data_member_location, &attr) &&
		    dwarf_formudata(&attr, &off) != 0)
			return false;
		if (!hc_dwarf_die_type(&child, &ret->type))
			return false;
		ret->offset = off;
		uint64_t size;
		struct hc_error *err = hc_dwarf_die_size(&ret->type, &size);
		if (err) {
			hc_error_destroy(err);
			size = 0;
		}
		ret->size = size;
		return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

struct hc_error *hc_dwarf_die_field(Dwarf_Die *die, const char *field,
				    struct hc_field *ret)
{
	Dwarf_Die cur = *die;
	uint64_t base = 0;
	const char *p = field;
	struct hc_field f;
	for (int depth = 0; depth < 16; depth++) {
		hc_dwarf_strip_typedefs(&cur);
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!member(&cur, p, len, &f)) {
			const char *tn = dwarf_diename(die);
			return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
					       "DWARF type %s has no field %s",
					       tn ? tn : "(anonymous)", field);
		}
		base += f.offset;
		if (!dot) {
			f.offset = base;
			*ret = f;
			return NULL;
		}
		cur = f.type;
		p = dot + 1;
	}
	return hc_error_format(HC_ERROR_INVALID_ARGUMENT, "field path %s is too deep", field);
}

/*
 * Where the location expression @p ops puts the variable at @p pc, as pieces:
 * Go writes a stack slot as DW_OP_call_frame_cfa [DW_OP_consts N DW_OP_plus]
 * or DW_OP_fbreg N (the frame base is the CFA), optionally split with
 * DW_OP_piece; registers and anything else are not on the stack.  Returns
 * the offset within the variable of the piece holding @p addr, or -1.
 */
static int64_t slot_in_location(const Dwarf_Op *ops, size_t n, uint64_t cfa, uint64_t addr)
{
	uint64_t piece_off = 0;
	size_t i = 0;
	while (i < n) {
		bool on_stack = false;
		uint64_t where = 0;
		if (ops[i].atom == DW_OP_call_frame_cfa) {
			on_stack = true;
			where = cfa;
			i++;
			if (i + 1 < n && ops[i].atom == DW_OP_consts && ops[i + 1].atom == DW_OP_plus) {
				where += (uint64_t)(int64_t)ops[i].number;
				i += 2;
			}
		} else if (ops[i].atom == DW_OP_fbreg) {
			on_stack = true;
			where = cfa + (uint64_t)(int64_t)ops[i].number;
			i++;
		} else {
			/* A register or something else: skip to the piece. */
			while (i < n && ops[i].atom != DW_OP_piece)
				i++;
		}
		uint64_t size = 0;
		if (i < n && ops[i].atom == DW_OP_piece) {
			size = ops[i].number;
			i++;
		} else if (i < n) {
			return -1; /* an expression this reader does not evaluate */
		}
		if (on_stack && addr >= where && (size == 0 || addr < where + size))
			return (int64_t)(piece_off + (addr - where));
		piece_off += size;
		if (size == 0)
			break;
	}
	return -1;
}

/* Search @p scope's variables and parameters (and nested blocks) for @p addr. */
static bool frame_slot_in(Dwarf_Die *scope, uint64_t pc, uint64_t cfa, uint64_t addr,
			  struct hc_strbuf *out, Dwarf_Die *var_type, uint64_t *var_off, int depth)
{
	Dwarf_Die child;
	if (depth > 8 || dwarf_child(scope, &child) != 0)
		return false;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_lexical_block) {
			if (frame_slot_in(&child, pc, cfa, addr, out, var_type, var_off, depth + 1))
				return true;
			continue;
		}
		if (tag != DW_TAG_variable && tag != DW_TAG_formal_parameter)
			continue;
		Dwarf_Attribute attr;
		Dwarf_Op *ops;
		size_t nops;
		Dwarf_Die type;
		uint64_t size = 0;
		if (!dwarf_attr(&child, DW_AT_location, &attr) ||
		    dwarf_getlocation_addr(&attr, pc, &ops, &nops, 1) != 1)
			continue;
		int64_t off = slot_in_location(ops, nops, cfa, addr);
		if (off < 0 || !hc_dwarf_die_type(&child, &type))
			continue;
		struct hc_error *e = hc_dwarf_die_size(&type, &size);
		hc_error_destroy(e);
		if (e || (uint64_t)off >= size)
			continue;
		const char *name = dwarf_diename(&child);
		hc_strbuf_printf(out, ", %s %s", tag == DW_TAG_variable ? "local" : "arg",
				 name ? name : "?");
		hc_dwarf_field_path(&type, (uint64_t)off, out);
		*var_type = type;
		*var_off = (uint64_t)off;
		return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

bool hc_dwarf_array_info(Dwarf_Die *array, Dwarf_Die *elem, uint64_t *n, uint64_t *esize)
{
	struct hc_error *e = hc_dwarf_array_length(array, n);
	if (!e && !hc_dwarf_die_type(array, elem))
		return false;
	if (!e)
		e = hc_dwarf_die_size(elem, esize);
	hc_error_destroy(e);
	return e == NULL;
}

/* Mark the pointer words of a value of @p type at word @p word; false if
 * the layout is not one this reader understands. */
static bool mark_pointers(Dwarf_Die *type, uint64_t word, uint8_t *bits, uint64_t nwords,
			  int depth)
{
	Dwarf_Die t = *type;
	if (depth > 32)
		return false;
	hc_dwarf_strip_typedefs(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
	case DW_TAG_subroutine_type: /* a func value: a *funcval */
		if (word >= nwords)
			return false;
		bits[word / 8] |= (uint8_t)(1u << (word % 8));
		return true;
	case DW_TAG_base_type:
		return true;
	case DW_TAG_array_type: {
		Dwarf_Die elem;
		uint64_t n = 0, esize = 0;
		if (!hc_dwarf_array_info(&t, &elem, &n, &esize) || (esize % 8 && n > 1))
			return false;
		for (uint64_t i = 0; i < n && word + i * (esize / 8) < nwords; i++)
			if (!mark_pointers(&elem, word + i * (esize / 8), bits, nwords, depth + 1))
				return false;
		return true;
	}
	case DW_TAG_structure_type: {
		Dwarf_Die child;
		if (dwarf_child(&t, &child) != 0)
			return true; /* struct{} */
		do {
			Dwarf_Attribute a;
			Dwarf_Word off;
			Dwarf_Die mt;
			if (dwarf_tag(&child) != DW_TAG_member)
				continue;
			if (!dwarf_attr(&child, DW_AT_data_member_location, &a) ||
			    dwarf_formudata(&a, &off) != 0 || !hc_dwarf_die_type(&child, &mt))
				return false;
			Dwarf_Die ms = mt;
			hc_dwarf_strip_typedefs(&ms);
			int tag = dwarf_tag(&ms);
			bool word_sized = tag == DW_TAG_pointer_type || tag == DW_TAG_subroutine_type;
			if (off % 8 && (word_sized || tag == DW_TAG_structure_type ||
					tag == DW_TAG_array_type))
				continue; /* nothing pointer-aligned can start here */
			if (!mark_pointers(&mt, word + off / 8, bits, nwords, depth + 1))
				return false;
		} while (dwarf_siblingof(&child, &child) == 0);
		return true;
	}
	default:
		return false;
	}
}

bool hc_dwarf_pointer_mask(Dwarf_Die *type, uint8_t *bits, uint64_t nwords)
{
	memset(bits, 0, (size_t)((nwords + 7) / 8));
	return mark_pointers(type, 0, bits, nwords, 0);
}

bool hc_dwarf_frame_slot(struct hc_dwarf_index *dw, const char *func, uint64_t pc,
			 uint64_t cfa, uint64_t addr, struct hc_strbuf *out, Dwarf_Die *var_type,
			 uint64_t *var_off)
{
	uint64_t off;
	Dwarf_Die die;
	if (!func || !hc_strmap_get(&dw->funcs, func, &off) || !dwarf_offdie(dw->dwarf, off, &die))
		return false;
	return frame_slot_in(&die, pc, cfa, addr, out, var_type, var_off, 0);
}

enum hc_go_struct hc_dwarf_go_struct(const char *name)
{
	if (!name)
		return HC_GO_STRUCT_OTHER;
	if (strcmp(name, "string") == 0)
		return HC_GO_STRING;
	if (name[0] == '[' && name[1] == ']')
		return HC_GO_SLICE;
	if (strcmp(name, "runtime.eface") == 0)
		return HC_GO_EFACE;
	if (strcmp(name, "runtime.iface") == 0)
		return HC_GO_IFACE;
	if (strncmp(name, "hchan<", 6) == 0)
		return HC_GO_HCHAN;
	return HC_GO_STRUCT_OTHER;
}

/*
 * Descend from @p type to the innermost member or element holding byte
 * @p off, stopping at strings, slices and interfaces (named as a whole):
 * its path goes to @p out (when not NULL), its type and @p off's offset in
 * it to @p ret and @p ret_off.
 */
static void descend(Dwarf_Die *type, uint64_t off, struct hc_strbuf *out, Dwarf_Die *ret,
		    uint64_t *ret_off)
{
	Dwarf_Die cur = *type;
	for (int depth = 0; depth < 32; depth++) {
		hc_dwarf_strip_typedefs(&cur);
		int tag = dwarf_tag(&cur);
		if (tag == DW_TAG_array_type) {
			Dwarf_Die elem;
			uint64_t esize = 0, n = 0;
			if (!hc_dwarf_array_info(&cur, &elem, &n, &esize) || esize == 0 ||
			    off / esize >= n)
				break;
			if (out)
				hc_strbuf_printf(out, "[%" PRIu64 "]", off / esize);
			off %= esize;
			cur = elem;
			continue;
		}
		/* A string, slice or interface is named as a whole. */
		enum hc_go_struct gs = hc_dwarf_go_struct_die(&cur);
		if (tag != DW_TAG_structure_type ||
		    (gs != HC_GO_STRUCT_OTHER && gs != HC_GO_HCHAN))
			break;
		/* The member holding off: the last one starting at or before it. */
		Dwarf_Die child, best;
		uint64_t best_off = 0;
		bool found = false;
		if (dwarf_child(&cur, &child) != 0)
			break;
		do {
			Dwarf_Attribute a;
			Dwarf_Word moff;
			if (dwarf_tag(&child) != DW_TAG_member ||
			    !dwarf_attr(&child, DW_AT_data_member_location, &a) ||
			    dwarf_formudata(&a, &moff) != 0 || moff > off)
				continue;
			if (!found || moff >= best_off) {
				best = child;
				best_off = moff;
				found = true;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		Dwarf_Die mtype;
		uint64_t msize = 0;
		if (!found || !hc_dwarf_die_type(&best, &mtype))
			break;
		struct hc_error *e = hc_dwarf_die_size(&mtype, &msize);
		hc_error_destroy(e);
		if (e || off - best_off >= msize)
			break; /* padding */
		const char *name = dwarf_diename(&best);
		if (out)
			hc_strbuf_printf(out, ".%s", name ? name : "?");
		off -= best_off;
		cur = mtype;
	}
	*ret = cur;
	*ret_off = off;
}

enum hc_go_struct hc_dwarf_go_struct_die(Dwarf_Die *type)
{
	Dwarf_Attribute a;
	Dwarf_Word kind;
	if (dwarf_attr(type, DW_AT_go_kind, &a) && dwarf_formudata(&a, &kind) == 0) {
		if (kind == GO_KIND_SLICE)
			return HC_GO_SLICE;
		if (kind == GO_KIND_STRING)
			return HC_GO_STRING;
	}
	return hc_dwarf_go_struct(dwarf_diename(type));
}

bool hc_dwarf_field_path(Dwarf_Die *type, uint64_t off, struct hc_strbuf *out)
{
	size_t start = out->len;
	Dwarf_Die inner;
	uint64_t inner_off;
	descend(type, off, out, &inner, &inner_off);
	return out->len > start;
}

void hc_dwarf_word_type(Dwarf_Die *type, uint64_t off, Dwarf_Die *ret, uint64_t *ret_off)
{
	descend(type, off, NULL, ret, ret_off);
}

struct hc_error *hc_dwarf_field(struct hc_dwarf_index *dw, const char *type,
				const char *field, struct hc_field *ret)
{
	Dwarf_Die die;
	struct hc_error *err = hc_dwarf_type(dw, type, &die);
	if (err)
		return err;
	return hc_dwarf_die_field(&die, field, ret);
}

bool hc_dwarf_has_field(struct hc_dwarf_index *dw, const char *type,
			const char *field)
{
	struct hc_field f;
	struct hc_error *err = hc_dwarf_field(dw, type, field, &f);
	hc_error_destroy(err);
	return err == NULL;
}

struct hc_error *hc_dwarf_constant(struct hc_dwarf_index *dw, const char *name,
				   int64_t *ret)
{
	uint64_t off;
	Dwarf_Die die;
	Dwarf_Attribute attr;
	Dwarf_Sword v;
	if (!hc_strmap_get(&dw->constants, name, &off) ||
	    !dwarf_offdie(dw->dwarf, off, &die) ||
	    !dwarf_attr(&die, DW_AT_const_value, &attr) ||
	    dwarf_formsdata(&attr, &v) != 0)
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "constant %s is not in the executable's DWARF", name);
	*ret = v;
	return NULL;
}

struct hc_error *hc_dwarf_array_length(Dwarf_Die *type, uint64_t *ret)
{
	Dwarf_Die die = *type, child;
	hc_dwarf_strip_typedefs(&die);
	if (dwarf_tag(&die) != DW_TAG_array_type || dwarf_child(&die, &child) != 0)
		return hc_error_create(HC_ERROR_MISSING_DEBUG_INFO,
				       "DWARF type is not an array");
	do {
		if (dwarf_tag(&child) != DW_TAG_subrange_type)
			continue;
		Dwarf_Attribute attr;
		Dwarf_Word v;
		if (dwarf_attr(&child, DW_AT_count, &attr) &&
		    dwarf_formudata(&attr, &v) == 0) {
			*ret = v;
			return NULL;
		}
		if (dwarf_attr(&child, DW_AT_upper_bound, &attr) &&
		    dwarf_formudata(&attr, &v) == 0) {
			*ret = v + 1;
			return NULL;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return hc_error_create(HC_ERROR_MISSING_DEBUG_INFO,
			       "DWARF array type has no length");
}

struct hc_error *hc_dwarf_variable_address(struct hc_dwarf_index *dw,
					   const char *name, uint64_t *ret)
{
	uint64_t off;
	Dwarf_Die die;
	Dwarf_Attribute attr;
	Dwarf_Block block;
	if (!hc_strmap_get(&dw->variables, name, &off) ||
	    !dwarf_offdie(dw->dwarf, off, &die) ||
	    !dwarf_attr(&die, DW_AT_location, &attr))
		return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
				       "variable %s has no DWARF location", name);
	if (dwarf_formblock(&attr, &block) != 0 || block.length != 9 ||
	    block.data[0] != DW_OP_addr)
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "variable %s's DWARF location is not a static address", name);
	uint64_t addr;
	memcpy(&addr, block.data + 1, 8);
	*ret = addr;
	return NULL;
}

uint64_t hc_program_symbol_addr(struct hc_program *prog, const char *name,
				uint64_t *size)
{
	const struct hc_symbol *s = hc_exe_symbol(prog->exe, name);
	if (!s) {
		/* No ELF symbol (a stripped symbol table): DWARF may still know it. */
		struct hc_dwarf_index *dw;
		uint64_t addr;
		struct hc_error *err = prog->exe->dwarf ? hc_dwarf_index_get(prog, &dw) : &hc_enomem;
		if (!err)
			err = hc_dwarf_variable_address(dw, name, &addr);
		if (err) {
			hc_error_destroy(err);
			return 0;
		}
		if (size)
			*size = 0;
		return addr + prog->bias;
	}
	if (size)
		*size = s->size;
	return s->addr + prog->bias;
}

static int static_variable_cmp(const void *a, const void *b)
{
	const struct hc_dwarf_static *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct hc_error *hc_dwarf_static_variables(struct hc_dwarf_index *dw,
					   struct hc_dwarf_static **ret, size_t *nret)
{
	const struct hc_strmap *m = &dw->variables;
	struct hc_dwarf_static *out = calloc(m->count ? m->count : 1, sizeof(*out));
	size_t n = 0;
	if (!out)
		return &hc_enomem;
	for (size_t i = 0; m->mask != SIZE_MAX && i <= m->mask && n < m->count; i++) {
		const char *name = m->entries[i].key;
		Dwarf_Die var, type;
		uint64_t addr, size = 0;
		if (!name || !dwarf_offdie(dw->dwarf, m->entries[i].value, &var) ||
		    !hc_dwarf_die_type(&var, &type))
			continue;
		struct hc_error *e = hc_dwarf_variable_address(dw, name, &addr);
		if (!e)
			e = hc_dwarf_die_size(&type, &size);
		hc_error_destroy(e);
		if (e || !addr)
			continue;
		out[n++] = (struct hc_dwarf_static){.name = name, .addr = addr, .size = size,
						    .type = dwarf_dieoffset(&type)};
	}
	qsort(out, n, sizeof(*out), static_variable_cmp);
	*ret = out;
	*nret = n;
	return NULL;
}
