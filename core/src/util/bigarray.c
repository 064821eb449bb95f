/*
 * Arrays of one element per heap object or pointer: hundreds of megabytes on
 * a big core.  They are anonymous mappings with transparent huge pages, so
 * that filling them takes one page fault per 2 MiB instead of per 4 KiB (the
 * faults were a fifth of the analysis time on a 15M-object heap), and they
 * grow with mremap instead of copying.  Sanitizer builds use malloc instead,
 * so that AddressSanitizer still sees every access.
 */
#include <string.h>
#include <sys/mman.h>

#include "util/internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define USE_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define USE_MALLOC 1
#endif
#endif

/* The mapping's length sits in a header before the elements. */
#define HEADER 64
#define HUGE_PAGE (2u << 20)

static size_t mapping_length(size_t bytes)
{
	return (HEADER + bytes + 4095) & ~(size_t)4095;
}

static bool array_bytes(size_t n, size_t elem, size_t *ret)
{
	if (elem && n > (SIZE_MAX - HEADER - 4096) / elem)
		return false;
	*ret = n * elem;
	return true;
}

void *hc_array_new(size_t n, size_t elem)
{
	size_t bytes;
	if (!array_bytes(n, elem, &bytes))
		return NULL;
	size_t len = mapping_length(bytes);
#ifdef USE_MALLOC
	char *p = calloc(1, len);
	if (!p)
		return NULL;
#else
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (len >= HUGE_PAGE)
		madvise(p, len, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
	memcpy(p, &len, sizeof(len));
	return p + HEADER;
}

void *hc_array_resize(void *arr, size_t n, size_t elem)
{
	if (!arr)
		return hc_array_new(n, elem);
	size_t bytes, old;
	char *p = (char *)arr - HEADER;
	memcpy(&old, p, sizeof(old));
	if (!array_bytes(n, elem, &bytes))
		return NULL;
	size_t len = mapping_length(bytes);
	if (len == old)
		return arr;
#ifdef USE_MALLOC
	char *q = realloc(p, len);
	if (!q)
		return NULL;
	if (len > old)
		memset(q + old, 0, len - old);
#else
	char *q = mremap(p, old, len, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
	if (len >= HUGE_PAGE)
		madvise(q, len, MADV_HUGEPAGE);
#endif
	memcpy(q, &len, sizeof(len));
	return q + HEADER;
}

void hc_array_free(void *arr)
{
	if (!arr)
		return;
	char *p = (char *)arr - HEADER;
#ifdef USE_MALLOC
	free(p);
#else
	size_t len;
	memcpy(&len, p, sizeof(len));
	munmap(p, len);
#endif
}
