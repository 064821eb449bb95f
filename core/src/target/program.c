/*
 * The target of a program: open its core, find and open its executable,
 * check that the two belong together, and assemble the address space.
 *
 * Memory comes first from the core's own segments.  What the kernel did not
 * dump (read-only file mappings such as the executable's text and rodata,
 * where Go keeps its type descriptors and pclntab) comes from the file the
 * core's NT_FILE note names for that range, at that offset.  Anything else
 * reads as an error naming the address.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/live.h"
#include "target/program.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The NT_FILE entry that maps the entry point: the executable. */
static const struct hc_file_mapping *core_exe_mapping(const struct hc_core *core)
{
	if (core->has_auxv && core->at_entry) {
		for (size_t i = 0; i < core->nfiles; i++) {
			if (core->at_entry >= core->files[i].start &&
			    core->at_entry < core->files[i].end)
				return &core->files[i];
		}
	}
	/* No auxv: the first mapping of a file named like the process. */
	if (core->has_prpsinfo && core->fname[0]) {
		for (size_t i = 0; i < core->nfiles; i++) {
			if (strncmp(base_name(core->files[i].path), core->fname,
				    15) == 0)
				return &core->files[i];
		}
	}
	return NULL;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static struct hc_error *find_exe(struct hc_program *prog, char **ret)
{
	const char *named = prog->core_exe_path;
	if (!named)
		return hc_error_format(HC_ERROR_NOT_FOUND,
				       "cannot find the executable: %s does not name it (no NT_FILE entry maps the entry point); give it as an argument",
				       prog->core->path);
	if (file_exists(named)) {
		prog->exe_found_by = "named by the core (NT_FILE)";
		*ret = strdup(named);
		return *ret ? NULL : &hc_enomem;
	}
	if (prog->core->from_stream)
		return hc_error_format(HC_ERROR_NOT_FOUND,
				       "cannot find the executable: the core names %s, which does not exist; give it as an argument",
				       named);
	char *core_copy = strdup(prog->core->path);
	if (!core_copy)
		return &hc_enomem;
	char *beside;
	int r = asprintf(&beside, "%s/%s", dirname(core_copy), base_name(named));
	free(core_copy);
	if (r < 0)
		return &hc_enomem;
	if (file_exists(beside)) {
		prog->exe_found_by = "beside the core";
		*ret = beside;
		return NULL;
	}
	struct hc_error *err = hc_error_format(
		HC_ERROR_NOT_FOUND,
		"cannot find the executable: the core names %s, which does not exist, nor does %s; give it as an argument",
		named, beside);
	free(beside);
	return err;
}

/* A build ID as text: Go's is printable, GNU's is shown in hex. */
static void build_id_text(char *out, size_t outlen, const uint8_t *p, size_t n,
			  bool printable)
{
	static const char digits[] = "0123456789abcdef";
	if (printable) {
		/* Go's is text, unless the core is damaged: escape anything else. */
		size_t o = 0;
		for (size_t i = 0; i < n && o + 5 < outlen; i++) {
			if (p[i] >= 0x20 && p[i] < 0x7f) {
				out[o++] = (char)p[i];
			} else {
				snprintf(out + o, outlen - o, "\\x%02x", p[i]);
				o += 4;
			}
		}
		out[o] = '\0';
		return;
	}
	size_t i;
	for (i = 0; i < n && 2 * i + 2 < outlen; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * i] = '\0';
}

/*
 * Compare a build ID note of the file with the bytes the core holds at the
 * same address (the kernel dumps the first page of each file mapping, where
 * the notes sit).  Returns 1 match, 0 not comparable, -1 mismatch.
 */
static int compare_build_id(struct hc_program *prog,
			    const struct hc_build_id *id, const char *what,
			    struct hc_error **errp)
{
	if (!id->note || !id->vaddr || id->note_len > 512)
		return 0;
	uint8_t buf[512];
	if (!hc_memory_peek(&prog->mem, id->vaddr + prog->bias, buf, id->note_len))
		return 0;
	if (memcmp(buf, id->note, id->note_len) == 0)
		return 1;
	bool printable = strcmp(what, "Go build ID") == 0;
	char theirs[2049], ours[2049];
	build_id_text(ours, sizeof(ours), id->bytes, id->len, printable);
	size_t hdr = id->note_len - id->len;
	if (memcmp(buf, id->note, hdr) != 0) {
		*errp = hc_error_format(HC_ERROR_MISMATCH,
					"%s does not match %s: the file has %s %s at 0x%" PRIx64
					", where the core holds no such note (--force uses it anyway)",
					prog->exe->path, prog->core->path, what, ours,
					id->vaddr + prog->bias);
		return -1;
	}
	build_id_text(theirs, sizeof(theirs), buf + hdr, id->len, printable);
	*errp = hc_error_format(HC_ERROR_MISMATCH,
				"%s does not match %s: the core's %s is %s but the file's is %s (--force uses it anyway)",
				prog->exe->path, prog->core->path, what, theirs, ours);
	return -1;
}

/* Compare read-only loaded bytes of the file with what the core holds. */
static int compare_text(struct hc_program *prog, struct hc_error **errp)
{
	int result = 0;
	for (size_t i = 0; i < prog->exe->nloads; i++) {
		const GElf_Phdr *ph = &prog->exe->loads[i];
		if ((ph->p_flags & PF_W) || ph->p_filesz == 0 ||
		    ph->p_offset + ph->p_filesz > prog->exe->size)
			continue;
		uint64_t addr = ph->p_vaddr + prog->bias;
		size_t n = ph->p_filesz < 4096 ? (size_t)ph->p_filesz : 4096;
		const uint8_t *held = hc_memory_ptr(&prog->mem, addr, n);
		if (!held)
			continue;
		if (memcmp(held, prog->exe->image + ph->p_offset, n) != 0) {
			*errp = hc_error_format(HC_ERROR_MISMATCH,
						"%s does not match %s: its bytes at 0x%" PRIx64
						" differ from the core's (--force uses it anyway)",
						prog->exe->path, prog->core->path, addr);
			return -1;
		}
		result = 1;
	}
	return result;
}

static struct hc_error *verify_exe(struct hc_program *prog, unsigned flags)
{
	static const struct {
		size_t off;
		const char *what;
	} ids[] = {
		{offsetof(struct hc_exe, go_build_id), "Go build ID"},
		{offsetof(struct hc_exe, gnu_build_id), "GNU build ID"},
	};
	struct hc_error *err = NULL;
	int r = 0;
	bool machine_ok =
		(prog->core->arch == HC_ARCH_X86_64 && prog->exe->machine == EM_X86_64) ||
		(prog->core->arch == HC_ARCH_AARCH64 && prog->exe->machine == EM_AARCH64);
	if (!machine_ok) {
		err = hc_error_format(HC_ERROR_MISMATCH,
				      "%s does not match %s: it is for ELF machine %u, the core is %s (--force uses it anyway)",
				      prog->exe->path, prog->core->path,
				      prog->exe->machine, hc_arch_name(prog->core->arch));
		r = -1;
	}
	for (size_t i = 0; r == 0 && i < HC_ARRAY_SIZE(ids); i++) {
		const struct hc_build_id *id =
			(const void *)((const char *)prog->exe + ids[i].off);
		r = compare_build_id(prog, id, ids[i].what, &err);
		if (r > 0)
			prog->exe_verified_by = ids[i].what;
	}
	if (r == 0) {
		r = compare_text(prog, &err);
		if (r > 0)
			prog->exe_verified_by = "its loaded bytes";
	}
	if (r == 0) {
		prog->exe_verified_by = "nothing to compare";
		hc_warn(&prog->warnings[HC_PHASE_OPEN],
			"could not check that %s belongs to the core: the core holds none of its bytes",
			prog->exe->path);
	}
	if (r < 0) {
		if (!(flags & (HC_OPEN_FORCE | HC_OPEN_DIAGNOSE)))
			return err;
		hc_warn(&prog->warnings[HC_PHASE_OPEN], "%s", hc_error_message(err));
		hc_error_destroy(err);
		prog->exe_mismatch = true;
		prog->exe_verified_by = flags & HC_OPEN_FORCE ? "mismatch overridden by --force"
							      : "does not match the core (see warnings)";
	}
	return NULL;
}

static void compute_bias(struct hc_program *prog)
{
	prog->bias = 0;
	if (prog->exe->type != ET_DYN || !prog->core_exe_path)
		return;
	uint64_t low = UINT64_MAX;
	for (size_t i = 0; i < prog->exe->nloads; i++) {
		if (prog->exe->loads[i].p_offset == 0 && prog->exe->loads[i].p_vaddr < low)
			low = prog->exe->loads[i].p_vaddr;
	}
	for (size_t i = 0; low != UINT64_MAX && i < prog->core->nfiles; i++) {
		const struct hc_file_mapping *f = &prog->core->files[i];
		if (f->offset == 0 && strcmp(f->path, prog->core_exe_path) == 0) {
			prog->bias = f->start - low;
			return;
		}
	}
}

static struct hc_error *add_core_segments(struct hc_program *prog)
{
	const struct hc_core *core = prog->core;
	for (size_t i = 0; i < core->nloads; i++) {
		const struct hc_core_segment *s = &core->loads[i];
		struct hc_memory_segment seg = {
			.start = s->vaddr,
			.end = s->vaddr + s->present,
			.data = core->image + s->offset,
		};
		struct hc_error *err = hc_memory_add(&prog->mem, &seg);
		if (err)
			return err;
	}
	hc_memory_finish(&prog->mem);
	return NULL;
}

#define PAGE_SIZE 4096u

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The build ID in the first page of an ELF file (@p n bytes of it, as the
 * file holds it or as the core saved the mapping): the first GNU build ID
 * note, else Go's, among the notes that lie in the page (linkers put them
 * right after the program headers).  False when there is none.
 */
static bool page_build_id(const uint8_t *p, size_t n, const uint8_t **id, size_t *len)
{
	if (n < 64 || memcmp(p, ELFMAG, SELFMAG) != 0 || p[EI_CLASS] != ELFCLASS64)
		return false;
	uint64_t phoff = get64(p + 32);
	uint16_t phentsize = get16(p + 54), phnum = get16(p + 56);
	if (phentsize != sizeof(Elf64_Phdr) || phoff > n || phnum > (n - phoff) / phentsize)
		return false;
	const uint8_t *go = NULL;
	size_t golen = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (size_t)i * phentsize;
		uint64_t off = get64(ph + 8), size = get64(ph + 32);
		if (get32(ph) != PT_NOTE || off > n || size > n - off)
			continue;
		for (uint64_t o = off; o + 12 <= off + size;) {
			uint32_t namesz = get32(p + o), descsz = get32(p + o + 4), type = get32(p + o + 8);
			uint64_t d = o + 12 + ((namesz + 3ull) & ~3ull);
			if (d > off + size || descsz > off + size - d)
				break;
			if (namesz == 4 && memcmp(p + o + 12, "GNU", 4) == 0 && type == NT_GNU_BUILD_ID) {
				*id = p + d;
				*len = descsz;
				return true;
			}
			if (namesz == 4 && memcmp(p + o + 12, "Go\0\0", 4) == 0 && type == 4 && !go) {
				go = p + d;
				golen = descsz;
			}
			o = d + ((descsz + 3ull) & ~3ull);
		}
	}
	*id = go;
	*len = golen;
	return go != NULL;
}

/*
 * Whether the file a core's NT_FILE note names is the file the process
 * mapped, so that its bytes may stand for what the core left out: a file
 * of the analysing machine that merely has that name (a rebuilt library,
 * another machine's /etc file) must not.  Where the core saved the first
 * page of a mapping of the file, an ELF file's build ID must be the one
 * saved (without one, its ELF and program headers must be), other files'
 * saved bytes must be the file's.  Where it saved nothing of it, only an
 * ELF file whose size covers every mapping of it is used.  Returns NULL
 * when it is, else why not (to free).
 */
static char *not_the_mapped_file(struct hc_program *prog, const char *path,
				 const uint8_t *image, size_t size)
{
	const struct hc_core *core = prog->core;
	const uint8_t *saved = NULL;
	size_t nsaved = 0;
	char *why = NULL;
	for (size_t i = 0; i < core->nfiles; i++) {
		const struct hc_file_mapping *f = &core->files[i];
		if (strcmp(f->path, path) != 0)
			continue;
		uint64_t len = f->end - f->start;
		if (f->offset > size || len > size + PAGE_SIZE - 1 - f->offset) {
			if (asprintf(&why, "not the file the process mapped: it has %zu bytes, the process mapped bytes %#" PRIx64 "-%#" PRIx64 " of it",
				     size, f->offset, f->offset + len) < 0)
				why = NULL;
			return why ? why : strdup("not the file the process mapped (too small)");
		}
		if (f->dev_ino_known) {
			/* A live process says which file it mapped: compare by identity. */
			continue;
		}
		if (!saved && f->offset == 0) {
			nsaved = len < PAGE_SIZE ? (size_t)len : PAGE_SIZE;
			saved = hc_memory_ptr(&prog->mem, f->start, nsaved);
		}
	}
	size_t n = size < PAGE_SIZE ? size : PAGE_SIZE;
	bool elf = n >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0;
	if (!saved)
		return elf ? NULL
			   : strdup("not used: it is not an ELF file, and the core saved none of its bytes to check it against");
	const uint8_t *ours, *theirs;
	size_t nours, ntheirs;
	bool has_ours = page_build_id(image, n, &ours, &nours);
	bool has_theirs = page_build_id(saved, nsaved, &theirs, &ntheirs);
	if (has_theirs || has_ours) {
		if (has_theirs && has_ours && nours == ntheirs && memcmp(ours, theirs, nours) == 0)
			return NULL;
		return strdup(has_theirs ? "not the file the process mapped: its build ID differs from the one the core saved"
					 : "not the file the process mapped: it has a build ID, the core's copy of its first page has none");
	}
	/* No build ID: the bytes the core saved (an ELF file's headers) must be the file's. */
	size_t cmp = nsaved < n ? nsaved : n;
	if (elf && cmp >= 64) {
		uint64_t hdrs = get64(image + 32) + (uint64_t)get16(image + 54) * get16(image + 56);
		if (hdrs < cmp)
			cmp = (size_t)hdrs;
	}
	if (cmp < nsaved && !elf)
		return strdup("not the file the process mapped: it is shorter than the bytes the core saved of it");
	if (memcmp(saved, image, cmp) != 0)
		return strdup("not the file the process mapped: its first bytes differ from those the core saved");
	return NULL;
}

static struct hc_mapped_file *mapped_file(struct hc_program *prog,
					  const char *path)
{
	for (size_t i = 0; i < prog->nfiles; i++) {
		if (strcmp(prog->files[i].path, path) == 0)
			return &prog->files[i];
	}
	struct hc_mapped_file *f = &prog->files[prog->nfiles++];
	f->path = path;
	if (prog->core_exe_path && strcmp(path, prog->core_exe_path) == 0) {
		f->image = prog->exe->image;
		f->size = prog->exe->size;
		return f;
	}
	/*
	 * Regular files only, looked at before they are opened (opening a
	 * device can act: a watchdog, a tape), and opened without blocking
	 * (a FIFO put there since).
	 */
	struct stat st, fst;
	if (stat(path, &st) != 0) {
		f->error = strdup(strerror(errno));
		return f;
	}
	if (!S_ISREG(st.st_mode)) {
		f->error = strdup(S_ISDIR(st.st_mode) ? "not a regular file: a directory"
				  : S_ISFIFO(st.st_mode) ? "not a regular file: a FIFO"
				  : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "not a regular file: a device"
				  : "not a regular file");
		return f;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
	    fst.st_ino != st.st_ino) {
		f->error = strdup(fd < 0 ? strerror(errno) : "not a regular file (it changed while opened)");
		if (fd >= 0)
			close(fd);
		return f;
	}
	/* A live process names the file it mapped by device and inode. */
	for (size_t i = 0; i < prog->core->nfiles; i++) {
		const struct hc_file_mapping *m = &prog->core->files[i];
		if (m->dev_ino_known && strcmp(m->path, path) == 0 &&
		    (m->ino != (uint64_t)fst.st_ino || m->dev != (uint64_t)fst.st_dev)) {
			f->error = strdup("not the file the process mapped: it was replaced since (another inode)");
			close(fd);
			return f;
		}
	}
	if (fst.st_size > 0) {
		void *p = mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			f->error = strdup(strerror(errno));
		} else {
			f->error = not_the_mapped_file(prog, path, p, (size_t)fst.st_size);
			if (f->error) {
				munmap(p, (size_t)fst.st_size);
			} else {
				f->image = p;
				f->size = (size_t)fst.st_size;
				f->owned = true;
			}
		}
	} else {
		f->error = strdup("not the file the process mapped: it is empty");
	}
	close(fd);
	return f;
}

/* NT_FILE entries in start order, for finding the one that maps an address. */
struct file_index {
	const struct hc_file_mapping **sorted;
	size_t n;
};

static int file_start_cmp(const void *a, const void *b)
{
	const struct hc_file_mapping *x = *(const struct hc_file_mapping *const *)a;
	const struct hc_file_mapping *y = *(const struct hc_file_mapping *const *)b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The entry mapping @p addr, else NULL and *next the next entry's start (or UINT64_MAX). */
static const struct hc_file_mapping *file_at(const struct file_index *ix, uint64_t addr,
					     uint64_t *next)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->sorted[mid]->start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*next = lo < ix->n ? ix->sorted[lo]->start : UINT64_MAX;
	if (lo > 0 && addr < ix->sorted[lo - 1]->end)
		return ix->sorted[lo - 1];
	return NULL;
}

/*
 * Give [lo, hi), which the core did not save, the bytes of the files
 * mapped there; what no usable file covers becomes a hole saying @p why.
 */
static struct hc_error *add_from_files(struct hc_program *prog, const struct file_index *ix,
				       uint64_t lo, uint64_t hi, const char *why)
{
	while (lo < hi) {
		uint64_t next;
		const struct hc_file_mapping *fm = file_at(ix, lo, &next);
		struct hc_error *err;
		if (!fm) {
			uint64_t end = next < hi ? next : hi;
			err = hc_memory_add_hole(&prog->mem, lo, end, why);
			if (err)
				return err;
			lo = end;
			continue;
		}
		uint64_t end = fm->end < hi ? fm->end : hi;
		struct hc_mapped_file *mf = mapped_file(prog, fm->path);
		uint64_t off = fm->offset + (lo - fm->start);
		uint64_t avail = 0;
		if (mf->image && off < mf->size)
			avail = mf->size - off < end - lo ? mf->size - off : end - lo;
		if (avail) {
			struct hc_memory_segment seg = {
				.start = lo,
				.end = lo + avail,
				.data = mf->image + off,
			};
			err = hc_memory_add(&prog->mem, &seg);
			if (err)
				return err;
		}
		err = hc_memory_add_hole(&prog->mem, lo + avail, end,
					 mf->image ? "lies past the end of its mapped file"
					 : mf->error && strncmp(mf->error, "not the file", 12) == 0
						 ? "was not saved in the core, and the file of that name is not the one the process mapped"
						 : "was not saved in the core and its file could not be opened");
		if (err)
			return err;
		lo = end;
	}
	return NULL;
}

static int load_cmp(const void *a, const void *b)
{
	const struct hc_core_segment *x = *(const struct hc_core_segment *const *)a;
	const struct hc_core_segment *y = *(const struct hc_core_segment *const *)b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/*
 * What the core did not save comes from the files its NT_FILE note maps
 * there: the unsaved part of each segment (a kernel core leaves out
 * read-only file mappings, all of them under a restrictive
 * coredump_filter), and the mappings that have no segment at all (gdb's
 * gcore leaves out the executable's read-only segment: .rodata, the
 * pclntab, type data).
 */
static struct hc_error *add_file_segments(struct hc_program *prog)
{
	const struct hc_core *core = prog->core;
	struct hc_error *err = NULL;
	prog->files = calloc(core->nfiles ? core->nfiles : 1, sizeof(*prog->files));
	struct file_index ix = {calloc(core->nfiles ? core->nfiles : 1, sizeof(*ix.sorted)),
				core->nfiles};
	const struct hc_core_segment **loads = calloc(core->nloads ? core->nloads : 1,
						       sizeof(*loads));
	if (!prog->files || !ix.sorted || !loads) {
		err = &hc_enomem;
		goto out;
	}
	for (size_t i = 0; i < core->nfiles; i++) {
		ix.sorted[i] = &core->files[i];
		mapped_file(prog, core->files[i].path);
	}
	qsort(ix.sorted, ix.n, sizeof(*ix.sorted), file_start_cmp);
	for (size_t i = 0; i < core->nloads; i++)
		loads[i] = &core->loads[i];
	qsort(loads, core->nloads, sizeof(*loads), load_cmp);
	for (size_t i = 0; i < core->nloads && !err; i++) {
		const struct hc_core_segment *s = loads[i];
		err = add_from_files(prog, &ix, s->vaddr + s->present, s->vaddr + s->memsz,
				     s->present < s->filesz ? "was cut off when the core was truncated"
							    : "was not saved in the core");
	}
	/* Mapped files no segment covers: sweep both lists in address order. */
	uint64_t done = 0;
	size_t li = 0;
	for (size_t i = 0; i < ix.n && !err; i++) {
		uint64_t lo = ix.sorted[i]->start > done ? ix.sorted[i]->start : done;
		uint64_t hi = ix.sorted[i]->end;
		while (lo < hi && !err) {
			while (li < core->nloads && loads[li]->vaddr + loads[li]->memsz <= lo)
				li++;
			if (li < core->nloads && loads[li]->vaddr <= lo) {
				lo = loads[li]->vaddr + loads[li]->memsz;
				continue;
			}
			uint64_t end = li < core->nloads && loads[li]->vaddr < hi ? loads[li]->vaddr : hi;
			err = add_from_files(prog, &ix, lo, end, "was not saved in the core");
			lo = end;
		}
		if (hi > done)
			done = hi;
	}
	if (!err)
		hc_memory_finish(&prog->mem);
out:
	free(ix.sorted);
	free(loads);
	return err;
}

/* With the core and the executable open: check one against the other, and lay out memory. */
static struct hc_error *finish_target(struct hc_program *prog, unsigned flags)
{
	compute_bias(prog);
	struct hc_error *err = add_core_segments(prog);
	if (!err)
		err = verify_exe(prog, flags);
	if (!err)
		err = add_file_segments(prog);
	return err;
}

struct hc_error *hc_target_open(struct hc_program *prog, const char *core_path,
				const char *exe_path, unsigned flags)
{
	hc_memory_init(&prog->mem);
	bool force = flags & (HC_OPEN_FORCE | HC_OPEN_DIAGNOSE);
	struct hc_error *err = hc_core_open(core_path, force, &prog->warnings[HC_PHASE_OPEN],
					    &prog->core);
	if (err)
		return err;
	const struct hc_file_mapping *fm = core_exe_mapping(prog->core);
	prog->core_exe_path = fm ? fm->path : NULL;
	char *path = NULL;
	if (exe_path) {
		prog->exe_found_by = "given";
		path = strdup(exe_path);
		if (!path)
			err = &hc_enomem;
	} else {
		err = find_exe(prog, &path);
	}
	if (err)
		return err;
	err = hc_exe_open(path, &prog->exe);
	free(path);
	if (err)
		return err;
	return finish_target(prog, flags);
}

/*
 * A live process's executable: the file /proc/PID/exe links to, named by
 * its path when that path still is the same file, else by the link (it was
 * deleted or replaced since the process started).
 */
static struct hc_error *live_exe_path(int pid, char **ret)
{
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	struct stat a, b;
	if (stat(link, &a) != 0) {
		if (errno == EACCES || errno == EPERM)
			return hc_error_format(HC_ERROR_OS,
					       "cannot read process %d: permission denied (%s; run as its user or as root)",
					       pid, link);
		return hc_error_os(errno, link, "cannot open");
	}
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (stat(target, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*ret = strdup(target);
			return *ret ? NULL : &hc_enomem;
		}
	}
	*ret = strdup(link);
	return *ret ? NULL : &hc_enomem;
}

bool hc_is_libc_path(const char *path)
{
	const char *b = base_name(path);
	return strcmp(b, "libc.so.6") == 0 || (strncmp(b, "libc-2.", 7) == 0 &&
					       strstr(b, ".so") != NULL);
}

/* Whether /proc/PID/maps names a glibc C library (a C or C++ program on
 * glibc malloc, which the glibc backend reads).  Read once, bounded by the
 * file's size. */
static bool process_maps_libc(int pid)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n'), *name = strchr(line, '/');
		if (nl)
			*nl = '\0';
		found = name && hc_is_libc_path(name);
	}
	fclose(f);
	return found;
}

struct hc_error *hc_target_open_pid(struct hc_program *prog, int pid,
				    const struct hc_process_access *how,
				    const char *exe_path, unsigned flags)
{
	hc_memory_init(&prog->mem);
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d", pid);
	if (pid <= 0 || access(dir, F_OK) != 0)
		return hc_error_format(HC_ERROR_NOT_FOUND, "no process with PID %d", pid);
	char *path = NULL;
	struct hc_error *err;
	if (exe_path) {
		prog->exe_found_by = "given";
		path = strdup(exe_path);
		err = path ? NULL : &hc_enomem;
	} else {
		prog->exe_found_by = "the process's /proc/PID/exe";
		err = live_exe_path(pid, &path);
	}
	if (err)
		return err;
	err = hc_exe_open(path, &prog->exe);
	free(path);
	if (err)
		return err;
	/* Before stopping anything: heapcore reads Go heaps and glibc malloc's. */
	if (!prog->exe->go_build_id.note && !hc_exe_symbol(prog->exe, "runtime.buildVersion") &&
	    !process_maps_libc(pid))
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "process %d (%s) is not a Go program (no Go build ID, no runtime.buildVersion) "
				       "and maps no glibc libc.so.6; heapcore reads Go and glibc malloc heaps only",
				       pid, prog->exe->path);
	err = hc_core_snapshot(pid, how, &prog->core, NULL);
	if (err)
		return err;
	const struct hc_file_mapping *fm = core_exe_mapping(prog->core);
	prog->core_exe_path = fm ? fm->path : NULL;
	return finish_target(prog, flags);
}

void hc_target_close(struct hc_program *prog)
{
	for (size_t i = 0; i < prog->nfiles; i++) {
		if (prog->files[i].owned)
			munmap((void *)prog->files[i].image, prog->files[i].size);
		free(prog->files[i].error);
	}
	free(prog->files);
	prog->files = NULL;
	prog->nfiles = 0;
	hc_memory_deinit(&prog->mem);
	hc_exe_close(prog->exe);
	prog->exe = NULL;
	hc_core_close(prog->core);
	prog->core = NULL;
}

/* One file's identity: a changed file gets another key. */
static bool file_identity(struct hc_strbuf *out, const char *what, int fd, const char *path)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return false;
	hc_strbuf_printf(out, "%s %s dev %ju ino %ju size %jd mtime %jd.%09ld\n", what, path,
			 (uintmax_t)st.st_dev, (uintmax_t)st.st_ino, (intmax_t)st.st_size,
			 (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return true;
}

bool hc_target_identity(const struct hc_program *prog, unsigned flags, struct hc_strbuf *out)
{
	/* A core read from a pipe cannot be recognised again. */
	if (prog->core->from_stream)
		return false;
	if (!file_identity(out, "core", prog->core->fd, prog->core->path) ||
	    !file_identity(out, "exe", prog->exe->fd, prog->exe->path) ||
	    (prog->exe->debug.path &&
	     !file_identity(out, "debug", prog->exe->debug.fd, prog->exe->debug.path)))
		return false;
	hc_strbuf_printf(out, "flags %u\n", flags);
	return !out->oom;
}
