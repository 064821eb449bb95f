/*
 * Fuzz the executable reader: ELF headers, the symbol table, build ID
 * notes, and the DWARF index with everything heapcore computes from DWARF
 * types (sizes, field paths, pointer masks, array shapes), over every type
 * the index holds.  Seeds: small ELF executables with DWARF (run builds
 * them from seed_src/).
 */
#include <dwarf.h>

#include "debuginfo/dwarf_index.h"
#include "fuzz_common.h"
#include "target/program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool each_type(void *arg, Dwarf_Die *die)
{
	(void)arg;
	uint64_t size = 0;
	struct hc_error *err = hc_dwarf_die_size(die, &size);
	hc_error_destroy(err);
	if (!err && size && size <= (1u << 16)) {
		uint64_t nwords = (size + 7) / 8;
		uint8_t bits[1024];
		hc_dwarf_pointer_mask(die, bits, nwords <= 8192 ? nwords : 8192);
		struct hc_strbuf sb;
		hc_strbuf_init(&sb);
		for (uint64_t off = 0; off < size && off < 256; off += 8)
			hc_dwarf_field_path(die, off, &sb);
		hc_strbuf_deinit(&sb);
	}
	Dwarf_Die elem;
	uint64_t n, esize;
	hc_dwarf_array_info(die, &elem, &n, &esize);
	hc_dwarf_go_struct(dwarf_diename(die));
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	struct hc_program prog = {0};
	struct hc_error *err = hc_exe_open(path, &prog.exe);
	if (!err) {
		hc_exe_stripped_go(prog.exe);
		hc_exe_symbol(prog.exe, "main");
		struct hc_dwarf_index *dw;
		err = hc_dwarf_index_get(&prog, &dw);
		if (!err) {
			/* Every type the index holds. */
			for (size_t i = 0; dw->types.entries && i <= dw->types.mask; i++) {
				Dwarf_Die die;
				if (!dw->types.entries[i].key ||
				    !dwarf_offdie(dw->dwarf, dw->types.entries[i].value, &die))
					continue;
				each_type(NULL, &die);
			}
			Dwarf_Die t;
			struct hc_field f;
			hc_error_destroy(hc_dwarf_type(dw, "runtime.g", &t));
			hc_error_destroy(hc_dwarf_field(dw, "runtime.g", "stack.lo", &f));
			uint64_t addr;
			hc_error_destroy(hc_dwarf_variable_address(dw, "runtime.allgs", &addr));
			int64_t c;
			hc_error_destroy(hc_dwarf_constant(dw, "runtime._PageShift", &c));
		}
		hc_error_destroy(err);
		hc_dwarf_index_destroy(prog.dwarf);
		hc_exe_close(prog.exe);
	} else {
		hc_error_destroy(err);
	}
	close(fd);
	return 0;
}
