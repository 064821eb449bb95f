/*
 * The layout of glibc's malloc structures, as offsets, and where the
 * C library keeps main_arena and mp_ (glibc_layout.c says where it comes
 * from).
 */
#ifndef HC_GLIBC_LAYOUT_H
#define HC_GLIBC_LAYOUT_H

#include "util/internal.h"

struct hc_glibc_layout {
	char build_id[41];
	uint64_t main_arena, mp; /* link-time addresses in the C library */
	/* struct malloc_state */
	uint64_t ms_size, ms_fastbins, ms_top, ms_bins, ms_next, ms_attached, ms_system_mem,
		ms_max_system_mem;
	uint32_t nfastbins, nbins;
	/* struct _heap_info */
	uint64_t hi_size, hi_ar_ptr, hi_prev, hi_heap_size;
	/* struct malloc_par */
	uint64_t mp_n_mmaps, mp_mmapped_mem, mp_sbrk_base, mp_tcache_count, mp_mmap_threshold;
	uint32_t mp_n_mmaps_size;
	/* struct tcache_perthread_struct */
	uint64_t tc_size, tc_counts, tc_entries;
	uint32_t tc_nbins, tc_count_size;
};

/**
 * The structures' layout shared by the glibc 2.35 to 2.41 builds heapcore
 * knows (main_arena and mp_ of one of them: find the real ones).
 */
const struct hc_glibc_layout *hc_glibc_generic_layout(void);
/** A build's known layout, or NULL. */
const struct hc_glibc_layout *hc_glibc_known_layout(const char *build_id);
/**
 * The layout for the C library with GNU build ID @p build_id (lowercase
 * hex): from its debug file under @p debug_dirs (colon-separated; NULL:
 * /usr/lib/debug), else the known table.  *@p source says which (free()).
 */
struct hc_error *hc_glibc_layout_read(const char *build_id, const char *debug_dirs,
				      struct hc_glibc_layout *ret, char **source);

#endif /* HC_GLIBC_LAYOUT_H */
