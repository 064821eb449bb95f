/*
 * Opening an executable: its ELF image is mapped by libelf, its symbol table
 * indexed by name, its build IDs located, and its DWARF handed to libdw (which
 * decompresses Go's SHF_COMPRESSED debug sections itself).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/exe.h"

/* The Go and GNU build ID notes of @p elf. */
static void find_build_ids(Elf *elf, struct hc_build_id *go, struct hc_build_id *gnu)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_rawdata(scn, NULL);
		if (!data || !data->d_buf)
			continue;
		size_t off = 0, next, name_off, desc_off;
		GElf_Nhdr nh;
		while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			size_t start = off;
			off = next;
			const char *name = (const char *)data->d_buf + name_off;
			const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
			struct hc_build_id *id = NULL;
			/* Go pads its note name to "Go\0\0" (namesz 4). */
			if (nh.n_namesz >= 3 && strcmp(name, "Go") == 0 &&
			    nh.n_type == 4)
				id = go;
			else if (nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
				 nh.n_type == NT_GNU_BUILD_ID)
				id = gnu;
			if (!id)
				continue;
			id->bytes = desc;
			id->len = nh.n_descsz;
			id->note = (const uint8_t *)data->d_buf + start;
			id->note_len = desc_off + nh.n_descsz - start;
			id->vaddr = (sh.sh_flags & SHF_ALLOC) ? sh.sh_addr + start : 0;
		}
	}
}

/* The symbol table of @p elf (the executable or its debug file). */
static struct hc_error *read_symbols(struct hc_exe *exe, Elf *elf)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		exe->syms = calloc(n ? n : 1, sizeof(*exe->syms));
		if (!exe->syms)
			return &hc_enomem;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			int type = GELF_ST_TYPE(sym.st_info);
			if (sym.st_shndx == SHN_UNDEF ||
			    (type != STT_OBJECT && type != STT_FUNC &&
			     type != STT_NOTYPE))
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			struct hc_symbol *s = &exe->syms[exe->nsyms];
			s->name = name;
			s->addr = sym.st_value;
			s->size = sym.st_size;
			if (!hc_strmap_put(&exe->symbol_index, name, exe->nsyms, false))
				return &hc_enomem;
			exe->nsyms++;
		}
		break;
	}
	return NULL;
}

struct hc_error *hc_exe_open(const char *path, struct hc_exe **ret)
{
	struct hc_error *err;
	struct hc_exe *exe = calloc(1, sizeof(*exe));
	if (!exe)
		return &hc_enomem;
	hc_strmap_init(&exe->symbol_index);
	exe->fd = -1;
	exe->debug.fd = -1;
	exe->path = realpath(path, NULL);
	if (!exe->path && errno != ENOMEM)
		exe->path = strdup(path);
	if (!exe->path) {
		err = &hc_enomem;
		goto fail;
	}
	exe->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (exe->fd < 0) {
		err = hc_error_os(errno, path, "cannot open executable");
		goto fail;
	}
	struct stat st;
	if (fstat(exe->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = hc_error_format(HC_ERROR_BAD_DATA,
				      "%s is not an executable: not a regular file", path);
		goto fail;
	}
	elf_version(EV_CURRENT);
	exe->elf = elf_begin(exe->fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr ehdr;
	if (!exe->elf || elf_kind(exe->elf) != ELF_K_ELF ||
	    !gelf_getehdr(exe->elf, &ehdr)) {
		err = hc_error_format(HC_ERROR_BAD_DATA,
				      "%s is not an executable: it is not an ELF file", path);
		goto fail;
	}
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
		err = hc_error_format(HC_ERROR_BAD_DATA,
				      "%s is not an executable%s", path,
				      ehdr.e_type == ET_CORE ? ": it is a core file" : "");
		goto fail;
	}
	exe->machine = ehdr.e_machine;
	exe->type = ehdr.e_type;
	exe->image = (const uint8_t *)elf_rawfile(exe->elf, &exe->size);
	size_t phnum;
	if (elf_getphdrnum(exe->elf, &phnum) != 0) {
		err = hc_error_format(HC_ERROR_BAD_DATA,
				      "%s: unreadable program headers", path);
		goto fail;
	}
	exe->loads = calloc(phnum ? phnum : 1, sizeof(*exe->loads));
	if (!exe->loads) {
		err = &hc_enomem;
		goto fail;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(exe->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			exe->loads[exe->nloads++] = ph;
	}
	err = read_symbols(exe, exe->elf);
	if (err)
		goto fail;
	find_build_ids(exe->elf, &exe->go_build_id, &exe->gnu_build_id);
	exe->dwarf = dwarf_begin_elf(exe->elf, DWARF_C_READ, NULL);
	*ret = exe;
	return NULL;
fail:
	hc_exe_close(exe);
	return err;
}

void hc_exe_close(struct hc_exe *exe)
{
	if (!exe)
		return;
	if (exe->dwarf)
		dwarf_end(exe->dwarf);
	if (exe->debug.elf)
		elf_end(exe->debug.elf);
	if (exe->debug.fd >= 0)
		close(exe->debug.fd);
	free(exe->debug.path);
	free(exe->debug_search);
	if (exe->elf)
		elf_end(exe->elf);
	if (exe->fd >= 0)
		close(exe->fd);
	hc_strmap_deinit(&exe->symbol_index);
	free(exe->syms);
	free(exe->loads);
	free(exe->path);
	free(exe);
}

const struct hc_symbol *hc_exe_symbol(const struct hc_exe *exe,
				      const char *name)
{
	uint64_t i;
	if (!hc_strmap_get(&exe->symbol_index, name, &i))
		return NULL;
	return &exe->syms[i];
}

bool hc_exe_stripped_go(const struct hc_exe *exe)
{
	return exe->go_build_id.note && !exe->nsyms;
}

/*
 * debug/buildinfo's format (Go 1.18+, src/debug/buildinfo/buildinfo.go): a
 * 32-byte header, "\xff Go buildinf:", the pointer size, flags whose bit 2
 * says the strings follow inline; then the version as a uvarint length and
 * its bytes.
 */
bool hc_exe_buildinfo_version(const struct hc_exe *exe, char *out, size_t outlen)
{
	static const char magic[] = "\xff Go buildinf:";
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (!exe->elf || elf_getshdrstrndx(exe->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(exe->elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(exe->elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".go.buildinfo") != 0)
			continue;
		if (sh.sh_type != SHT_PROGBITS || sh.sh_offset > exe->size ||
		    sh.sh_size > exe->size - sh.sh_offset || sh.sh_size < 33)
			return false;
		const uint8_t *b = exe->image + sh.sh_offset;
		if (memcmp(b, magic, sizeof(magic) - 1) != 0 || !(b[15] & 2))
			return false;
		uint64_t len = 0;
		size_t i = 32;
		for (int shift = 0; i < sh.sh_size && shift < 64; shift += 7) {
			len |= (uint64_t)(b[i] & 0x7f) << shift;
			if (!(b[i++] & 0x80))
				break;
		}
		if (len < 3 || len >= outlen || len > sh.sh_size - i || memcmp(b + i, "go", 2) != 0)
			return false;
		for (uint64_t k = 0; k < len; k++)
			if (b[i + k] < 0x20 || b[i + k] > 0x7e)
				return false;
		memcpy(out, b + i, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

bool hc_exe_needs_debug_file(const struct hc_exe *exe)
{
	return !exe->debug.elf && (!exe->nsyms || !exe->dwarf);
}

static bool same_build_id(const struct hc_build_id *a, const struct hc_build_id *b)
{
	return a->len && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

struct hc_error *hc_exe_add_debug_file(struct hc_exe *exe, const char *path, const char *how)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return hc_error_os(errno, path, "cannot open debug file");
	struct stat st;
	Elf *elf = NULL;
	struct hc_error *err = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = hc_error_format(HC_ERROR_BAD_DATA, "%s is not a debug file: not a regular file",
				      path);
		goto fail;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = hc_error_format(HC_ERROR_BAD_DATA, "%s is not a debug file: not an ELF file",
				      path);
		goto fail;
	}
	/* It must be the executable's own: the same build ID, never a guess.
	 * GNU's where the executable has one, else Go's (objcopy
	 * --only-keep-debug keeps both notes). */
	struct hc_build_id go = {0}, gnu = {0};
	find_build_ids(elf, &go, &gnu);
	bool match = exe->gnu_build_id.len ? same_build_id(&exe->gnu_build_id, &gnu)
					   : same_build_id(&exe->go_build_id, &go);
	if (!match) {
		err = hc_error_format(HC_ERROR_MISMATCH,
				      "%s is not %s's debug file: %s", path, exe->path,
				      exe->gnu_build_id.len || exe->go_build_id.len
					      ? "its build ID differs"
					      : "the executable has no build ID to check it by");
		goto fail;
	}
	char *copy = realpath(path, NULL);
	if (!copy)
		copy = strdup(path);
	if (!copy) {
		err = &hc_enomem;
		goto fail;
	}
	if (!exe->nsyms) {
		/* An empty symbol table of the executable's own goes; the debug
		 * file's names live as long as its Elf, which the exe keeps. */
		free(exe->syms);
		exe->syms = NULL;
		if ((err = read_symbols(exe, elf))) {
			free(exe->syms);
			exe->syms = NULL;
			exe->nsyms = 0;
			hc_strmap_deinit(&exe->symbol_index);
			hc_strmap_init(&exe->symbol_index);
			free(copy);
			goto fail;
		}
	}
	exe->debug.path = copy;
	exe->debug.found_by = how;
	exe->debug.fd = fd;
	exe->debug.elf = elf;
	if (!exe->dwarf)
		exe->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	return NULL;
fail:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/*
 * As runtime/pprof/elf.go:elfBuildID reads it: the first NT_GNU_BUILD_ID
 * note ("GNU\0", type 3) in an SHT_NOTE section, by the section headers.
 * Little-endian files only, every offset checked against the image.
 */
bool hc_elf_gnu_build_id(const uint8_t *image, size_t size, char *out, size_t outlen)
{
	if (size < 64 || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_DATA] != ELFDATA2LSB ||
	    (image[EI_CLASS] != ELFCLASS32 && image[EI_CLASS] != ELFCLASS64))
		return false;
	bool is64 = image[EI_CLASS] == ELFCLASS64;
	uint64_t shoff = is64 ? le(image + 40, 8) : le(image + 32, 4);
	uint64_t shentsize = le(image + (is64 ? 58 : 46), 2), shnum = le(image + (is64 ? 60 : 48), 2);
	if (shentsize != (is64 ? 64u : 40u))
		return false;
	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t sh = shoff + i * shentsize;
		if (sh > size || size - sh < shentsize || le(image + sh + 4, 4) != SHT_NOTE)
			continue;
		uint64_t off = is64 ? le(image + sh + 24, 8) : le(image + sh + 16, 4);
		uint64_t end = off + (is64 ? le(image + sh + 32, 8) : le(image + sh + 20, 4));
		if (end < off || end > size)
			continue;
		while (off + 16 <= end) {
			uint64_t namesz = le(image + off, 4), descsz = le(image + off + 4, 4);
			uint64_t type = le(image + off + 8, 4);
			uint64_t desc = off + 12 + ((namesz + 3) & ~3ull);
			uint64_t next = desc + ((descsz + 3) & ~3ull);
			if (namesz == 4 && type == NT_GNU_BUILD_ID && memcmp(image + off + 12, "GNU", 4) == 0) {
				if (descsz > 256 || desc + descsz > size || 2 * descsz + 1 > outlen)
					return false;
				for (uint64_t k = 0; k < descsz; k++)
					snprintf(out + 2 * k, 3, "%02x", image[desc + k]);
				out[2 * descsz] = '\0';
				return true;
			}
			if (next <= off)
				break;
			off = next;
		}
	}
	return false;
}
