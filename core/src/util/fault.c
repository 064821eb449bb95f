/*
 * Fault injection for the tests (built with -DHEAPCORE_FAULT_INJECTION=ON,
 * which the sanitizer build turns on): every allocation heapcore's own code
 * makes goes through here, by the linker's --wrap, and
 * HEAPCORE_FAIL_ALLOC=N makes the Nth fail as if memory had run out.
 * HEAPCORE_COUNT_ALLOC=1 prints, at exit, how many allocations were made,
 * so that a test can sweep over every one.  Allocations made inside
 * libraries (libdw, json-c) are theirs, not counted.  Never in a release
 * build: the environment is read only here, and only in this build.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/internal.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);
char *__real_realpath(const char *path, char *resolved);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **ret, const char *fmt, va_list ap);
int __wrap_asprintf(char **ret, const char *fmt, ...);
char *__wrap_realpath(const char *path, char *resolved);

static long fail_at = -1;
static long made;

static void report(void)
{
	char line[80];
	int n = snprintf(line, sizeof(line), "heapcore: fault injection: %ld allocations\n",
			 __atomic_load_n(&made, __ATOMIC_RELAXED));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

__attribute__((constructor)) static void fault_init(void)
{
	const char *s = getenv("HEAPCORE_FAIL_ALLOC");
	if (s && *s)
		fail_at = strtol(s, NULL, 10);
	if (getenv("HEAPCORE_COUNT_ALLOC"))
		atexit(report);
}

/* Whether this allocation is the one to fail. */
static bool fail(void)
{
	if (__atomic_add_fetch(&made, 1, __ATOMIC_RELAXED) != fail_at)
		return false;
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	return fail() ? -1 : __real_vasprintf(ret, fmt, ap);
}

int __wrap_asprintf(char **ret, const char *fmt, ...)
{
	if (fail())
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int r = __real_vasprintf(ret, fmt, ap);
	va_end(ap);
	return r;
}

char *__wrap_realpath(const char *path, char *resolved)
{
	return !resolved && fail() ? NULL : __real_realpath(path, resolved);
}
