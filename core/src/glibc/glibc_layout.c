/*
 * Where glibc's malloc structures lie: the layout of struct malloc_state,
 * struct _heap_info, struct malloc_par and struct tcache_perthread_struct,
 * and the addresses of main_arena and mp_ in the C library.  Read from the
 * C library's separate debug info (Debian's libc6-dbg installs it as
 * /usr/lib/debug/.build-id/xx/rest.debug) when it is there; else taken from
 * a table of builds whose layout is known, keyed by GNU build ID.  The
 * structures are malloc.c's and arena.c's; main_arena and mp_ are static,
 * so only the debug file's .symtab (not the library's .dynsym) names them.
 */
#include <dwarf.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/dwarf_index.h"
#include "glibc/glibc_layout.h"

/*
 * Builds whose layout is known without their debug file.  Each row was read
 * from that build's libc6-dbg DWARF (gdb's `ptype/o` and `info address`).
 */
static const struct hc_glibc_layout known[] = {
	{
		/* Debian 12 (bookworm), libc6 2.36-9+deb12u14, amd64 */
		.build_id = "93ac61ec5a8eb1396f9fbd350e3169a558528a40",
		.main_arena = 0x1d3c60,
		.mp = 0x1d3340,
		.ms_size = 2200, .ms_fastbins = 16, .nfastbins = 10, .ms_top = 96,
		.ms_bins = 112, .nbins = 128, .ms_next = 2160, .ms_attached = 2176,
		.ms_system_mem = 2184, .ms_max_system_mem = 2192,
		.hi_size = 48, .hi_ar_ptr = 0, .hi_prev = 8, .hi_heap_size = 16,
		.mp_n_mmaps = 60, .mp_n_mmaps_size = 4, .mp_mmapped_mem = 80,
		.mp_sbrk_base = 96, .mp_tcache_count = 120, .mp_mmap_threshold = 16,
		.tc_size = 640, .tc_counts = 0, .tc_entries = 128, .tc_nbins = 64,
		.tc_count_size = 2,
	},
	{
		/* Debian 13 (trixie), libc6 2.41-12+deb13u5, amd64 */
		.build_id = "93f70d1a8ae34f8e63c223f1500327fbd717f871",
		.main_arena = 0x1e5ac0,
		.mp = 0x1e5180,
		.ms_size = 2200, .ms_fastbins = 16, .nfastbins = 10, .ms_top = 96,
		.ms_bins = 112, .nbins = 128, .ms_next = 2160, .ms_attached = 2176,
		.ms_system_mem = 2184, .ms_max_system_mem = 2192,
		.hi_size = 48, .hi_ar_ptr = 0, .hi_prev = 8, .hi_heap_size = 16,
		.mp_n_mmaps = 60, .mp_n_mmaps_size = 4, .mp_mmapped_mem = 80,
		.mp_sbrk_base = 96, .mp_tcache_count = 120, .mp_mmap_threshold = 16,
		.tc_size = 640, .tc_counts = 0, .tc_entries = 128, .tc_nbins = 64,
		.tc_count_size = 2,
	},
};

const struct hc_glibc_layout *hc_glibc_known_layout(const char *build_id)
{
	for (size_t i = 0; i < HC_ARRAY_SIZE(known); i++)
		if (strcmp(known[i].build_id, build_id) == 0)
			return &known[i];
	return NULL;
}

/* The first complete definition of struct @p name among the top-level DIEs
 * of the debug file's compile units. */
struct wanted {
	const char *name;
	Dwarf_Die die;
	bool found;
};

static void find_structs(Dwarf *dw, struct wanted *w, size_t n)
{
	Dwarf_Off off = 0, next;
	size_t hsize, left = n;
	while (left && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				if (dwarf_tag(&child) != DW_TAG_structure_type ||
				    dwarf_hasattr(&child, DW_AT_declaration))
					continue;
				const char *nm = dwarf_diename(&child);
				if (!nm)
					continue;
				for (size_t i = 0; i < n; i++) {
					if (!w[i].found && strcmp(nm, w[i].name) == 0) {
						w[i].die = child;
						w[i].found = true;
						left--;
					}
				}
			} while (left && dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
}

static struct hc_error *field(Dwarf_Die *st, const char *name, uint64_t *off, uint64_t *size)
{
	struct hc_field f;
	struct hc_error *err = hc_dwarf_die_field(st, name, &f);
	if (err)
		return err;
	*off = f.offset;
	if (size)
		*size = f.size;
	return NULL;
}

static struct hc_error *array_len(Dwarf_Die *st, const char *name, uint32_t *ret)
{
	struct hc_field f;
	struct hc_error *err = hc_dwarf_die_field(st, name, &f);
	uint64_t n = 0;
	if (!err)
		err = hc_dwarf_array_length(&f.type, &n);
	if (err)
		return err;
	*ret = (uint32_t)n;
	return NULL;
}

static uint64_t symtab_value(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			const char *s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && strcmp(s, name) == 0 && GELF_ST_TYPE(sym.st_info) == STT_OBJECT)
				return sym.st_value;
		}
	}
	return 0;
}

static struct hc_error *from_dwarf(Dwarf *dw, struct hc_glibc_layout *L)
{
	struct wanted w[] = {
		{.name = "malloc_state"},
		{.name = "_heap_info"},
		{.name = "malloc_par"},
		{.name = "tcache_perthread_struct"},
	};
	find_structs(dw, w, HC_ARRAY_SIZE(w));
	for (size_t i = 0; i < HC_ARRAY_SIZE(w); i++)
		if (!w[i].found)
			return hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
					       "the C library's DWARF has no struct %s", w[i].name);
	Dwarf_Die *ms = &w[0].die, *hi = &w[1].die, *mp = &w[2].die, *tc = &w[3].die;
	uint64_t bins_size, sz;
	struct hc_error *err;
	if ((err = hc_dwarf_die_size(ms, &L->ms_size)) ||
	    (err = field(ms, "fastbinsY", &L->ms_fastbins, NULL)) ||
	    (err = array_len(ms, "fastbinsY", &L->nfastbins)) ||
	    (err = field(ms, "top", &L->ms_top, NULL)) ||
	    (err = field(ms, "bins", &L->ms_bins, &bins_size)) ||
	    (err = field(ms, "next", &L->ms_next, NULL)) ||
	    (err = field(ms, "attached_threads", &L->ms_attached, NULL)) ||
	    (err = field(ms, "system_mem", &L->ms_system_mem, NULL)) ||
	    (err = field(ms, "max_system_mem", &L->ms_max_system_mem, NULL)) ||
	    (err = hc_dwarf_die_size(hi, &L->hi_size)) ||
	    (err = field(hi, "ar_ptr", &L->hi_ar_ptr, NULL)) ||
	    (err = field(hi, "prev", &L->hi_prev, NULL)) ||
	    (err = field(hi, "size", &L->hi_heap_size, NULL)) ||
	    (err = field(mp, "n_mmaps", &L->mp_n_mmaps, &sz)) ||
	    (err = field(mp, "mmapped_mem", &L->mp_mmapped_mem, NULL)) ||
	    (err = field(mp, "sbrk_base", &L->mp_sbrk_base, NULL)) ||
	    (err = field(mp, "tcache_count", &L->mp_tcache_count, NULL)) ||
	    (err = field(mp, "mmap_threshold", &L->mp_mmap_threshold, NULL)) ||
	    (err = hc_dwarf_die_size(tc, &L->tc_size)) ||
	    (err = field(tc, "counts", &L->tc_counts, NULL)) ||
	    (err = array_len(tc, "counts", &L->tc_nbins)) ||
	    (err = field(tc, "entries", &L->tc_entries, NULL)))
		return hc_error_prefix(err, "the C library's malloc structures");
	L->mp_n_mmaps_size = (uint32_t)sz;
	/* bins[NBINS * 2 - 2] (malloc.c) */
	L->nbins = (uint32_t)(bins_size / 16 + 1);
	L->tc_count_size = L->tc_nbins ? (uint32_t)((L->tc_entries - L->tc_counts) / L->tc_nbins) : 0;
	if (L->tc_count_size != 1 && L->tc_count_size != 2)
		L->tc_count_size = 2;
	return NULL;
}

struct hc_error *hc_glibc_layout_read(const char *build_id, const char *debug_dirs,
				      struct hc_glibc_layout *ret, char **source)
{
	const char *dirs = debug_dirs && *debug_dirs ? debug_dirs : "/usr/lib/debug";
	char path[PATH_MAX];
	struct hc_strbuf tried;
	hc_strbuf_init(&tried);
	for (const char *p = dirs; *p;) {
		size_t n = strcspn(p, ":");
		if (n && n < sizeof(path) - 64 && strlen(build_id) == 40) {
			snprintf(path, sizeof(path), "%.*s/.build-id/%.2s/%s.debug", (int)n, p,
				 build_id, build_id + 2);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
				struct hc_glibc_layout L = {0};
				struct hc_error *err = NULL;
				if (!dw) {
					err = hc_error_format(HC_ERROR_MISSING_DEBUG_INFO,
							      "%s: no DWARF", path);
				} else {
					err = from_dwarf(dw, &L);
					Elf *elf = dwarf_getelf(dw);
					if (!err) {
						L.main_arena = symtab_value(elf, "main_arena");
						L.mp = symtab_value(elf, "mp_");
						if (!L.main_arena || !L.mp)
							err = hc_error_format(
								HC_ERROR_MISSING_DEBUG_INFO,
								"%s has no symbol main_arena or mp_", path);
					}
					dwarf_end(dw);
				}
				close(fd);
				if (!err) {
					hc_strbuf_deinit(&tried);
					if (asprintf(source, "DWARF of %s", path) < 0)
						return &hc_enomem;
					snprintf(L.build_id, sizeof(L.build_id), "%s", build_id);
					*ret = L;
					return NULL;
				}
				hc_strbuf_printf(&tried, "; %s", hc_error_message(err));
				hc_error_destroy(err);
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
	const struct hc_glibc_layout *k = hc_glibc_known_layout(build_id);
	if (k) {
		hc_strbuf_deinit(&tried);
		if (asprintf(source, "known layout of build ID %s (no debug file found)",
			     build_id) < 0)
			return &hc_enomem;
		*ret = *k;
		return NULL;
	}
	struct hc_error *err = hc_error_format(
		HC_ERROR_MISSING_DEBUG_INFO,
		"the C library (GNU build ID %s) has no debug file under %s (install libc6-dbg, "
		"or give --debug-dir) and its layout is not one heapcore knows%s",
		build_id, dirs, tried.str ? tried.str : "");
	hc_strbuf_deinit(&tried);
	return err;
}
