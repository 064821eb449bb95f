/* Unit tests of the address-space reader (memory.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "target/memory.h"

/*
 * Every allocation the code under test makes, counted: the test links with
 * --wrap for each allocator heapcore uses (tests/CMakeLists.txt), so that a
 * probe that allocates and frees again is seen, as ASan would not.
 */
static long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **ret, const char *fmt, va_list ap);
int __wrap_asprintf(char **ret, const char *fmt, ...);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	allocations++;
	return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	allocations++;
	return __real_strndup(s, n);
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	allocations++;
	return __real_vasprintf(ret, fmt, ap);
}

int __wrap_asprintf(char **ret, const char *fmt, ...)
{
	allocations++;
	va_list ap;
	va_start(ap, fmt);
	int r = __real_vasprintf(ret, fmt, ap);
	va_end(ap);
	return r;
}

static uint8_t a[64], b[32];

static void setup_memory(struct hc_memory *mem)
{
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(0x80 + i);
	hc_memory_init(mem);
	/* Added out of order: the table sorts itself. */
	struct hc_memory_segment sb = {.start = 0x1040, .end = 0x1060, .data = b};
	struct hc_memory_segment sa = {.start = 0x1000, .end = 0x1040, .data = a};
	assert_null(hc_memory_add(mem, &sb));
	assert_null(hc_memory_add(mem, &sa));
	assert_null(hc_memory_add_hole(mem, 0x1060, 0x2000, "was not saved in the core"));
	hc_memory_finish(mem);
}

static void test_read_within_and_across(void **state)
{
	(void)state;
	struct hc_memory mem;
	setup_memory(&mem);
	uint64_t v;
	assert_null(hc_memory_read_u64(&mem, 0x1008, &v));
	assert_int_equal(v, 0x0f0e0d0c0b0a0908ULL);
	uint8_t buf[8];
	/* Straddles the two segments. */
	assert_null(hc_memory_read(&mem, 0x103c, buf, 8));
	uint8_t want[8] = {0x3c, 0x3d, 0x3e, 0x3f, 0x80, 0x81, 0x82, 0x83};
	assert_memory_equal(buf, want, 8);
	assert_non_null(hc_memory_ptr(&mem, 0x1040, 32));
	assert_null(hc_memory_ptr(&mem, 0x1040, 33));
	assert_null(hc_memory_ptr(&mem, 0x103c, 8));
	hc_memory_deinit(&mem);
}

static void test_faults_name_the_address(void **state)
{
	(void)state;
	struct hc_memory mem;
	setup_memory(&mem);
	uint64_t v = 42;
	struct hc_error *err = hc_memory_read_u64(&mem, 0x105c, &v);
	assert_non_null(err);
	assert_int_equal(hc_error_code(err), HC_ERROR_FAULT);
	assert_int_equal(hc_error_address(err), 0x1060);
	assert_string_equal(hc_error_message(err),
			    "address 0x1060 was not saved in the core");
	assert_int_equal(v, 42); /* untouched on failure */
	hc_error_destroy(err);
	err = hc_memory_read_u64(&mem, 0x3000, &v);
	assert_non_null(err);
	assert_string_equal(hc_error_message(err),
			    "address 0x3000 is not mapped in the core");
	hc_error_destroy(err);
	err = hc_memory_read_u64(&mem, 0xff8, &v);
	assert_non_null(err);
	assert_int_equal(hc_error_address(err), 0xff8);
	hc_error_destroy(err);
	assert_false(hc_memory_readable(&mem, 0x1060));
	assert_true(hc_memory_readable(&mem, 0x105f));
	hc_memory_deinit(&mem);
}

static struct hc_error *fake_read(void *arg, void *buf, uint64_t offset,
				  size_t count)
{
	(void)arg;
	uint8_t *p = buf;
	for (size_t i = 0; i < count; i++)
		p[i] = (uint8_t)(offset + i);
	return NULL;
}

/* Probes answer true or false and allocate nothing, failed or not. */
static void test_peek(void **state)
{
	(void)state;
	struct hc_memory mem;
	setup_memory(&mem);
	/* The counter counts: a failed read builds its error. */
	long before = allocations;
	uint8_t scratch[8];
	struct hc_error *err = hc_memory_read(&mem, 0x105c, scratch, 8);
	assert_non_null(err);
	hc_error_destroy(err);
	assert_true(allocations > before);
	before = allocations;
	uint64_t v = 42;
	assert_true(hc_memory_peek_u64(&mem, 0x1008, &v));
	assert_int_equal(v, 0x0f0e0d0c0b0a0908ULL);
	uint8_t buf[8];
	assert_true(hc_memory_peek(&mem, 0x103c, buf, 8)); /* across segments */
	assert_int_equal(buf[4], 0x80);
	v = 42;
	assert_false(hc_memory_peek_u64(&mem, 0x105c, &v)); /* into the hole */
	assert_false(hc_memory_peek_u64(&mem, 0x10, &v));
	assert_false(hc_memory_peek_u64(&mem, UINT64_MAX - 3, &v));
	assert_int_equal(v, 42);
	assert_int_equal(allocations, before);
	hc_memory_deinit(&mem);
}

static void test_callback_segment(void **state)
{
	(void)state;
	struct hc_memory mem;
	hc_memory_init(&mem);
	struct hc_memory_segment s = {.start = 0x5000, .end = 0x6000,
				      .read = fake_read, .offset = 0x10};
	assert_null(hc_memory_add(&mem, &s));
	hc_memory_finish(&mem);
	uint32_t v;
	assert_null(hc_memory_read_u32(&mem, 0x5000, &v));
	assert_int_equal(v, 0x13121110);
	assert_null(hc_memory_ptr(&mem, 0x5000, 4));
	hc_memory_deinit(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_within_and_across),
		cmocka_unit_test(test_faults_name_the_address),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_callback_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
