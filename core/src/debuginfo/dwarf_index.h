/*
 * Names to DWARF: one pass over the executable's compile units indexes every
 * top-level type, variable and constant by name, so that runtime structures
 * are read by field name (never by hard-coded offset).
 */
#ifndef HC_DWARF_INDEX_H
#define HC_DWARF_INDEX_H

#include <elfutils/libdw.h>

#include "util/internal.h"

struct hc_program;

struct hc_dwarf_index {
	Dwarf *dwarf;
	struct hc_strmap types;     /* name -> DIE offset */
	struct hc_strmap variables; /* name -> DIE offset */
	struct hc_strmap constants; /* name -> DIE offset */
	struct hc_strmap funcs;     /* function name -> DW_TAG_subprogram offset */
	/* A type's runtime descriptor, as an offset from moduledata.types
	 * (DW_AT_go_runtime_type) -> its DIE offset. */
	struct hc_u64map by_rtype;
	/* Compile units libdw could not read (damaged, or it ran out of
	 * memory): skipped, and named where a lookup then fails. */
	size_t unreadable_cus;
};

/** A struct field: where it is and what it is. */
struct hc_field {
	uint64_t offset;
	uint64_t size;
	Dwarf_Die type;
};

/** Build (once) and return the program's DWARF index. */
struct hc_error *hc_dwarf_index_get(struct hc_program *prog,
				    struct hc_dwarf_index **ret);
void hc_dwarf_index_destroy(struct hc_dwarf_index *dw);

struct hc_error *hc_dwarf_type(struct hc_dwarf_index *dw, const char *name,
			       Dwarf_Die *ret);
/** The type whose runtime descriptor is at moduledata.types + @p off. */
bool hc_dwarf_type_of_rtype(struct hc_dwarf_index *dw, uint64_t off, Dwarf_Die *ret);
/** The DIE's DW_AT_type. */
bool hc_dwarf_die_type(Dwarf_Die *die, Dwarf_Die *ret);
/** Follow typedefs (a bounded number) to the type they name. */
void hc_dwarf_strip_typedefs(Dwarf_Die *die);
/** The DWARF type of a global variable. */
struct hc_error *hc_dwarf_variable_type(struct hc_dwarf_index *dw,
					const char *name, Dwarf_Die *ret);
/** sizeof(type) for a named type. */
struct hc_error *hc_dwarf_sizeof(struct hc_dwarf_index *dw, const char *name,
				 uint64_t *ret);
/** Field @p field of the struct type @p die (a dotted path "a.b" descends). */
struct hc_error *hc_dwarf_die_field(Dwarf_Die *die, const char *field,
				    struct hc_field *ret);
/** Field of the named struct type. */
struct hc_error *hc_dwarf_field(struct hc_dwarf_index *dw, const char *type,
				const char *field, struct hc_field *ret);
/* The Go runtime-shaped structs DWARF names, whose words mean something as a
 * whole (a string's bytes, a slice's array, an interface's dynamic type). */
enum hc_go_struct {
	HC_GO_STRUCT_OTHER,
	HC_GO_STRING,    /* string: str, len */
	HC_GO_SLICE,     /* []T: array, len, cap */
	HC_GO_EFACE,     /* runtime.eface: _type, data */
	HC_GO_IFACE,     /* runtime.iface: tab, data */
	HC_GO_HCHAN,     /* hchan<T>: buf is an unsafe.Pointer to elements of elemtype */
};

/** Which of those the DWARF struct named @p name is. */
enum hc_go_struct hc_dwarf_go_struct(const char *name);
/**
 * Which of those the DWARF struct @p type is: by its Go kind where Go gives
 * one (DW_AT_go_kind; a named slice type "net.policyTable" is a slice), else
 * by its name.
 */
enum hc_go_struct hc_dwarf_go_struct_die(Dwarf_Die *type);
/**
 * Append to @p out the field path of byte @p off inside a value of @p type
 * (".next", ".items[3].name", "[7]"), descending structs and arrays and
 * stopping at strings, slices and interfaces, which are named as a whole.
 * False when nothing was appended.
 */
bool hc_dwarf_field_path(Dwarf_Die *type, uint64_t off, struct hc_strbuf *out);
/**
 * The type of the innermost member or element of @p type holding byte
 * @p off (descending structs and arrays, stopping at strings, slices and
 * interfaces, as hc_dwarf_field_path() does), and @p off's offset in it.
 */
void hc_dwarf_word_type(Dwarf_Die *type, uint64_t off, Dwarf_Die *ret, uint64_t *ret_off);
/** A package-level variable with a static address (DW_OP_addr). */
struct hc_dwarf_static {
	const char *name; /* owned by libdw */
	uint64_t addr;    /* link-time address */
	uint64_t size;
	uint64_t type;    /* its type's DIE offset */
};
/**
 * Every package-level variable DWARF places at a static address, sorted by
 * address (then name), in an array the caller frees with free().
 */
struct hc_error *hc_dwarf_static_variables(struct hc_dwarf_index *dw,
					   struct hc_dwarf_static **ret, size_t *nret);
/**
 * Append ", local NAME" or ", arg NAME" (and a field path inside it) for the
 * variable of function @p func whose stack slot holds @p addr when the
 * function is at link-time @p pc and its frame's CFA is @p cfa; the
 * variable's type and the word's offset in it go to @p var_type and
 * @p var_off.  False when DWARF does not say.
 */
bool hc_dwarf_frame_slot(struct hc_dwarf_index *dw, const char *func, uint64_t pc,
			 uint64_t cfa, uint64_t addr, struct hc_strbuf *out, Dwarf_Die *var_type,
			 uint64_t *var_off);
/**
 * The pointer mask of @p type from its DWARF layout: bit i of @p bits set when
 * word i of a value holds a pointer (pointers, func values, and the pointer
 * words of strings, slices, interfaces, maps and channels), for its first
 * @p nwords words.  False when the layout has something this reader does not
 * understand.
 */
bool hc_dwarf_pointer_mask(Dwarf_Die *type, uint8_t *bits, uint64_t nwords);
/** Whether the named struct type has the field. */
bool hc_dwarf_has_field(struct hc_dwarf_index *dw, const char *type,
			const char *field);
/** Value of a DW_TAG_constant. */
struct hc_error *hc_dwarf_constant(struct hc_dwarf_index *dw, const char *name,
				   int64_t *ret);
/**
 * The address of a global variable from its DWARF location.  Go writes it as
 * a DW_FORM_block1 expression (DW_OP_addr), which dwarf_getlocation in
 * libdw 0.188 rejects; the block is decoded here.
 */
struct hc_error *hc_dwarf_variable_address(struct hc_dwarf_index *dw,
					   const char *name, uint64_t *ret);
/** Number of elements of an array type (through typedefs). */
struct hc_error *hc_dwarf_array_length(Dwarf_Die *type, uint64_t *ret);
/** An array type's element type, length and element size; false if DWARF does not say. */
bool hc_dwarf_array_info(Dwarf_Die *array, Dwarf_Die *elem, uint64_t *n, uint64_t *esize);
/** Size of a type DIE. */
struct hc_error *hc_dwarf_die_size(Dwarf_Die *type, uint64_t *ret);

/**
 * The address of a symbol in the target (the ELF symbol table's, else
 * DWARF's), or 0 when it does not exist.
 */
uint64_t hc_program_symbol_addr(struct hc_program *prog, const char *name,
				uint64_t *size);

#endif /* HC_DWARF_INDEX_H */
