/*
 * Finding the Go runtime's module data without symbols (-ldflags='-s -w'):
 * the pclntab by its header (runtime/symtab.go: pcHeader, magic 0xfffffff1
 * since Go 1.20, then two zero bytes, the instruction size quantum and the
 * pointer size), and runtime.firstmoduledata as the word that points to it
 * (moduledata.pcHeader is its first field) in the writable data the linker
 * initialised, checked through the per-version layout table
 * (go_layout_tables.h): its text range, pclntable and types must agree.
 */
#include <gelf.h>
#include <inttypes.h>
#include <string.h>

#include "go/go_layout_tables.h"
#include "go/go_module.h"
#include "target/exe.h"

#define PCLN_MAGIC 0xfffffff1u

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Section @p i's bytes in the file, when they are there. */
static const uint8_t *section_bytes(const struct hc_exe *exe, const GElf_Shdr *sh)
{
	if (sh->sh_type != SHT_PROGBITS || sh->sh_offset > exe->size ||
	    sh->sh_size > exe->size - sh->sh_offset)
		return NULL;
	return exe->image + sh->sh_offset;
}

static bool pcln_header(const uint8_t *p)
{
	uint32_t magic;
	memcpy(&magic, p, 4);
	return magic == PCLN_MAGIC && p[4] == 0 && p[5] == 0 && p[6] == 1 && p[7] == 8;
}

struct hc_error *hc_go_locate_module(const struct hc_exe *exe, const char *version,
				     struct hc_go_module_loc *ret)
{
	const struct gl_table *t = gl_table_for(version);
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	struct hc_go_module_loc loc = {0};
	if (!t)
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "no runtime layout table for %s (tables: Go 1.22-1.24, 1.26, 1.27)",
				       version ? version : "an unknown Go version");
	const struct gl_table_field *f_text = gl_table_field(t, "runtime.moduledata", "text"),
				    *f_etext = gl_table_field(t, "runtime.moduledata", "etext"),
				    *f_pcln = gl_table_field(t, "runtime.moduledata", "pclntable.array"),
				    *f_types = gl_table_field(t, "runtime.moduledata", "types"),
				    *f_etypes = gl_table_field(t, "runtime.moduledata", "etypes"),
				    *f_size = gl_table_field(t, "runtime.moduledata", "");
	if (!f_text || !f_etext || !f_pcln || !f_types || !f_etypes || !f_size || !exe->elf ||
	    elf_getshdrstrndx(exe->elf, &shstrndx) != 0)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s: cannot read its sections", exe->path);
	/* The pclntab: the header at the start of an allocated read-only section
	 * (.gopclntab, where the linker puts it). */
	uint64_t pcln_end = 0;
	while ((scn = elf_nextscn(exe->elf, scn)) && !loc.pclntab) {
		GElf_Shdr sh;
		const uint8_t *b;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_WRITE) ||
		    !(b = section_bytes(exe, &sh)) || sh.sh_size < 64)
			continue;
		if (pcln_header(b)) {
			loc.pclntab = sh.sh_addr;
			pcln_end = sh.sh_addr + sh.sh_size;
		}
	}
	if (!loc.pclntab)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: no pclntab (no read-only section starts with the Go 1.20+ "
				       "pcHeader magic 0x%x)", exe->path, PCLN_MAGIC);
	/* The module data: a word equal to the pclntab's address in the
	 * writable data, whose other fields agree. */
	scn = NULL;
	while ((scn = elf_nextscn(exe->elf, scn)) && !loc.moduledata) {
		GElf_Shdr sh;
		const uint8_t *b;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || !(sh.sh_flags & SHF_WRITE) ||
		    !(b = section_bytes(exe, &sh)) || sh.sh_size < f_size->size)
			continue;
		for (uint64_t o = 0; o + f_size->size <= sh.sh_size; o += 8) {
			const uint8_t *m = b + o;
			if (le64(m) != loc.pclntab)
				continue;
			uint64_t text = le64(m + f_text->off), etext = le64(m + f_etext->off);
			uint64_t pcln = le64(m + f_pcln->off), types = le64(m + f_types->off),
				 etypes = le64(m + f_etypes->off);
			if (text && text < etext && pcln >= loc.pclntab && pcln < pcln_end && types &&
			    types < etypes) {
				loc.moduledata = sh.sh_addr + o;
				loc.text = text;
				loc.etext = etext;
				loc.types = types;
				loc.etypes = etypes;
				break;
			}
		}
	}
	if (!loc.moduledata)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: no module data (no word in its writable data points to the "
				       "pclntab at 0x%" PRIx64 " with a text range and types beside it)",
				       exe->path, loc.pclntab);
	*ret = loc;
	return NULL;
}
