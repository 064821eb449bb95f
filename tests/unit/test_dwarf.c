/*
 * The DWARF reader on a real Go executable: a global's address decoded from
 * its DW_FORM_block1 location equals its ELF symbol; struct fields, array
 * lengths and constants resolve by name.  The fixture directory comes from
 * HEAPCORE_FIXTURES (set by ctest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "debuginfo/dwarf_index.h"
#include "target/program.h"

static void check_fixture(const char *tag)
{
	const char *dir = getenv("HEAPCORE_FIXTURES");
	if (!dir)
		fail_msg("HEAPCORE_FIXTURES is not set");
	char core[4096];
	snprintf(core, sizeof(core), "%s/sizes/%s/core", dir, tag);
	struct hc_program *prog;
	struct hc_error *err = hc_program_open_core(core, NULL, 0, &prog);
	if (err)
		fail_msg("%s: %s", core, hc_error_message(err));
	struct hc_dwarf_index *dw;
	assert_null(hc_dwarf_index_get(prog, &dw));
	static const char *const globals[] = {"runtime.mheap_", "runtime.memstats", "main.ms",
					      "runtime.allgs", "main.nodes"};
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		uint64_t addr = 0;
		err = hc_dwarf_variable_address(dw, globals[i], &addr);
		if (err)
			fail_msg("%s %s: %s", tag, globals[i], hc_error_message(err));
		const struct hc_symbol *sym = hc_exe_symbol(prog->exe, globals[i]);
		assert_non_null(sym);
		assert_int_equal(addr, sym->addr);
	}
	struct hc_field f;
	assert_null(hc_dwarf_field(dw, "runtime.mspan", "startAddr", &f));
	assert_int_equal(f.size, 8);
	assert_null(hc_dwarf_field(dw, "runtime.mspan", "state.s.value", &f));
	assert_int_equal(f.size, 1);
	uint64_t n;
	assert_null(hc_dwarf_field(dw, "runtime.mcache", "alloc", &f));
	assert_null(hc_dwarf_array_length(&f.type, &n));
	assert_int_equal(n, 136);
	int64_t page;
	assert_null(hc_dwarf_constant(dw, "runtime._PageSize", &page));
	assert_int_equal(page, 8192);
	err = hc_dwarf_field(dw, "runtime.mspan", "noSuchField", &f);
	assert_non_null(err);
	assert_int_equal(hc_error_code(err), HC_ERROR_MISSING_DEBUG_INFO);
	hc_error_destroy(err);
	hc_program_destroy(prog);
}

static void test_dwarf_on_every_toolchain(void **state)
{
	(void)state;
	static const char *const tags[] = {"go1.22", "go1.23", "go1.24", "go1.26", "go1.27",
					   "go1.27-nogreenteagc"};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		check_fixture(tags[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_on_every_toolchain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
