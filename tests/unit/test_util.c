/* Unit tests of the shared utilities (util.c, error.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/internal.h"

static void test_strmap(void **state)
{
	(void)state;
	struct hc_strmap m;
	hc_strmap_init(&m);
	uint64_t v;
	assert_false(hc_strmap_get(&m, "missing", &v));
	static char keys[1000][16];
	for (int i = 0; i < 1000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key%d", i);
		assert_true(hc_strmap_put(&m, keys[i], (uint64_t)i * 3, false));
	}
	assert_int_equal(m.count, 1000);
	for (int i = 0; i < 1000; i++) {
		assert_true(hc_strmap_get(&m, keys[i], &v));
		assert_int_equal(v, (uint64_t)i * 3);
	}
	/* First insertion wins unless replacing. */
	assert_true(hc_strmap_put(&m, "key7", 1, false));
	assert_true(hc_strmap_get(&m, "key7", &v));
	assert_int_equal(v, 21);
	assert_true(hc_strmap_put(&m, "key7", 1, true));
	assert_true(hc_strmap_get(&m, "key7", &v));
	assert_int_equal(v, 1);
	hc_strmap_deinit(&m);
}

static void test_u64map(void **state)
{
	(void)state;
	struct hc_u64map m;
	hc_u64map_init(&m);
	uint64_t v;
	assert_false(hc_u64map_get(&m, 0, &v));
	/* Keys 0 and nearby addresses, as the graph uses them. */
	for (uint64_t i = 0; i < 5000; i++)
		assert_true(hc_u64map_put(&m, 0xc000000000ULL + 8 * i, i));
	assert_true(hc_u64map_put(&m, 0, 77));
	assert_int_equal(m.count, 5001);
	for (uint64_t i = 0; i < 5000; i++) {
		assert_true(hc_u64map_get(&m, 0xc000000000ULL + 8 * i, &v));
		assert_int_equal(v, i);
	}
	assert_false(hc_u64map_get(&m, 0xc000000004ULL, &v));
	assert_true(hc_u64map_get(&m, 0, &v));
	assert_int_equal(v, 77);
	assert_true(hc_u64map_put(&m, 0, 78));
	assert_true(hc_u64map_get(&m, 0, &v));
	assert_int_equal(v, 78);
	assert_int_equal(m.count, 5001);
	hc_u64map_deinit(&m);
	assert_false(hc_u64map_get(&m, 0, &v));
}

static void test_text_sanitize(void **state)
{
	(void)state;
	char ok[] = "main.Node \xc3\xa9t\xc3\xa9 \xe2\x86\x92 map[int]*T\n";
	char want_ok[sizeof(ok)];
	memcpy(want_ok, ok, sizeof(ok));
	hc_text_sanitize(ok);
	assert_string_equal(ok, want_ok); /* valid UTF-8 is kept */
	char bad[] = "a\x01" "b\x9a\xc3" "x\xe2\x86" "z\xc0\xaf" "q\x7f\xf8";
	hc_text_sanitize(bad);
	assert_string_equal(bad, "a?b??x??z??q??");
}

static void test_strbuf(void **state)
{
	(void)state;
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		hc_strbuf_printf(&sb, "%d,", i);
	hc_strbuf_bytes(&sb, 1023);
	hc_strbuf_puts(&sb, "|");
	hc_strbuf_bytes(&sb, 1536);
	hc_strbuf_puts(&sb, "|");
	hc_strbuf_bytes(&sb, 3ULL << 30);
	char *s;
	assert_null(hc_strbuf_finish(&sb, &s));
	assert_true(strncmp(s, "0,1,2,", 6) == 0);
	const char *tail = strstr(s, "999,");
	assert_non_null(tail);
	assert_string_equal(tail, "999,1023 B|1.5 KiB|3.0 GiB");
	free(s);
}

static void test_errors(void **state)
{
	(void)state;
	hc_error_destroy(NULL);
	struct hc_error *err = hc_error_format(HC_ERROR_BAD_DATA, "bad %d", 7);
	err = hc_error_prefix(err, "reading %s", "x");
	assert_string_equal(hc_error_message(err), "reading x: bad 7");
	assert_int_equal(hc_error_code(err), HC_ERROR_BAD_DATA);
	hc_error_destroy(err);
	err = hc_error_os(2, "/nope", "cannot open");
	assert_int_equal(hc_error_errno(err), 2);
	assert_string_equal(hc_error_message(err),
			    "cannot open /nope: No such file or directory");
	hc_error_destroy(err);
	hc_error_destroy(&hc_enomem); /* the static error is never freed */
	assert_string_equal(hc_error_message(&hc_enomem), "out of memory");
}

static void test_warnings_dedup(void **state)
{
	(void)state;
	struct hc_warnings w = {0};
	hc_warn(&w, "span %d is odd", 1);
	hc_warn(&w, "span %d is odd", 1);
	hc_warn(&w, "span %d is odd", 2);
	assert_int_equal(w.count, 2);
	hc_warnings_deinit(&w);
}

/* Warnings are counted by kind (their format); the text names a kind once. */
/* Damage is a warning that also says what, where and what it costs; the
 * kind carries the severity, informative warnings stay informative. */
static void test_warnings_damaged(void **state)
{
	(void)state;
	struct hc_warnings w = {0};
	hc_warn(&w, "counters differ by %d", 3);
	hc_warn_damaged(&w, "mspan", 0x1000, "object counts", "mspan at 0x%x is unreadable", 0x1000);
	hc_warn_damaged(&w, "mspan", 0x2000, "object counts", "mspan at 0x%x is unreadable", 0x2000);
	hc_warn_damaged(&w, "mspan", 0x2000, "object counts", "mspan at 0x%x is unreadable", 0x2000);
	assert_int_equal(w.count, 3);
	assert_int_equal(w.nkinds, 2);
	assert_false(w.kinds[0].incomplete);
	assert_true(w.kinds[1].incomplete);
	assert_null(w.msgs[0].structure);
	assert_string_equal(w.msgs[2].structure, "mspan");
	assert_string_equal(w.msgs[2].affects, "object counts");
	assert_int_equal(w.msgs[2].address, 0x2000);
	/* As a cache restores it. */
	struct hc_warnings c = {0};
	hc_warn_kind_damaged(&c, w.kinds[1].key, w.msgs[1].text, "mspan", 0x1000, "object counts");
	hc_warn_kind(&c, w.kinds[0].key, w.msgs[0].text);
	assert_true(c.kinds[0].incomplete);
	assert_false(c.kinds[1].incomplete);
	hc_warnings_deinit(&c);
	hc_warnings_deinit(&w);
}

static void test_warnings_kinds(void **state)
{
	(void)state;
	struct hc_warnings w = {0};
	hc_warn(&w, "object at 0x%x is not in the core", 0x1000);
	hc_warn(&w, "span %d is odd", 7);
	for (unsigned i = 1; i < 5; i++)
		hc_warn(&w, "object at 0x%x is not in the core", 0x1000 + 0x10 * i);
	assert_int_equal(w.count, 6);
	assert_int_equal(hc_warnings_nlines(&w), 2);
	assert_string_equal(hc_warnings_line(&w, 0),
			    "object at 0x1000 is not in the core (and 4 more like it, at 0x1010, "
			    "0x1020, 0x1030, ...)");
	assert_string_equal(hc_warnings_line(&w, 1), "span 7 is odd");
	assert_null(hc_warnings_line(&w, 2));
	/* A kind from a cache keeps its key. */
	hc_warn_kind(&w, "span %d is odd", "span 8 is odd");
	assert_string_equal(hc_warnings_line(&w, 1), "span 7 is odd (and 1 more like it)");
	assert_false(w.transient);
	hc_warn_oom(&w, "%s was left out", "something");
	assert_true(w.transient);
	hc_warnings_deinit(&w);
}

/*
 * Adding a warning is constant time: 400,000 distinct ones (which took
 * minutes when each was compared with every earlier one) take a fraction of
 * a second.  CPU time, not wall time, with a bound far below the quadratic
 * cost and far above the linear one: a loaded machine or the sanitizers do
 * not make it fail.
 */
static void test_warnings_linear(void **state)
{
	(void)state;
	struct hc_warnings w = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (unsigned i = 0; i < 400000; i++) {
		hc_warn(&w, "object at 0x%x is not in the core", 0x1000 + 8 * i);
		hc_warn(&w, "object at 0x%x is not in the core", 0x1000 + 8 * i); /* once */
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	assert_int_equal(w.count, 400000);
	assert_int_equal(hc_warnings_nlines(&w), 1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	hc_warnings_deinit(&w);
	assert_true(s < 60.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_u64map),
		cmocka_unit_test(test_text_sanitize),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_warnings_dedup),
		cmocka_unit_test(test_warnings_damaged),
		cmocka_unit_test(test_warnings_kinds),
		cmocka_unit_test(test_warnings_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
