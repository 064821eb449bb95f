/* Unit tests of the layout-table lookup (go_layout_lookup.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "go/go_layout_tables.h"

static void test_version_picks_table(void **state)
{
	(void)state;
	const struct gl_table *t = gl_table_for("go1.22.12");
	assert_non_null(t);
	assert_string_equal(t->tag, "go1.22");
	t = gl_table_for("go1.27.3-X:nogreenteagc");
	assert_non_null(t);
	assert_string_equal(t->tag, "go1.27-nogreenteagc");
	/* " X:" after a version with a dash, and before Go 1.26. */
	t = gl_table_for("go1.27rc1 X:nogreenteagc");
	assert_non_null(t);
	assert_string_equal(t->tag, "go1.27-nogreenteagc");
	t = gl_table_for("go1.27.3");
	assert_non_null(t);
	assert_string_equal(t->tag, "go1.27");
	/* An experiment without a table of its own: the plain one. */
	t = gl_table_for("go1.26.1-X:jsonv2");
	assert_non_null(t);
	assert_string_equal(t->tag, "go1.26");
	/* go1.2 is not go1.22; no 1.25 toolchain made a table. */
	assert_null(gl_table_for("go1.2"));
	assert_null(gl_table_for("go1.25.4"));
	assert_null(gl_table_for("devel"));
	assert_null(gl_table_for(NULL));
}

static void test_fields_and_constants(void **state)
{
	(void)state;
	const struct gl_table *t = gl_table_for("go1.24.1");
	assert_non_null(t);
	/* internal/abi.Type is 48 bytes, Size_ first (internal/abi/type.go). */
	const struct gl_table_field *f = gl_table_field(t, "internal/abi.Type", "");
	assert_non_null(f);
	assert_int_equal(f->size, 48);
	f = gl_table_field(t, "internal/abi.Type", "Size_");
	assert_non_null(f);
	assert_int_equal(f->off, 0);
	assert_int_equal(f->size, 8);
	assert_null(gl_table_field(t, "internal/abi.Type", "NoSuchField"));
	assert_null(gl_table_field(t, "runtime.nosuchtype", ""));
	int64_t v = 0;
	assert_true(gl_table_constant(t, "runtime._PageSize", &v));
	assert_int_equal(v, 8192);
	assert_false(gl_table_constant(t, "runtime.noSuchConstant", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_picks_table),
		cmocka_unit_test(test_fields_and_constants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
