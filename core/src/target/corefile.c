/*
 * Parsing ELF core files.  The kernel's note layouts (elf_prstatus,
 * elf_prpsinfo, siginfo_t, the NT_FILE table) are fixed by the Linux ABI for
 * 64-bit targets, so they are decoded by offset here rather than through the
 * host's <sys/procfs.h>, which describes only the host architecture.
 *
 * Every length read from the file is checked against the file's size before
 * it is used; a core cut short by a full disk or a size limit is reported as
 * truncated instead of being read past its end.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/corefile.h"
#include "target/input.h"

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

/* struct elf_prstatus on 64-bit Linux. */
#define PRSTATUS_CURSIG 12
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112
/* struct elf_prpsinfo on 64-bit Linux. */
#define PRPSINFO_PID 24
#define PRPSINFO_FNAME 40
#define PRPSINFO_PSARGS 56
#define PRPSINFO_SIZE 136

/* user_regs_struct indexes. */
#define X86_64_NREGS 27
#define X86_64_RIP 16
#define X86_64_RSP 19
#define AARCH64_NREGS 34
#define AARCH64_SP 31
#define AARCH64_PC 32

const char *hc_arch_name(enum hc_arch arch)
{
	return arch == HC_ARCH_X86_64 ? "x86-64" : "aarch64";
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static struct hc_error *parse_prstatus(struct hc_core *core,
				       const uint8_t *desc, size_t size)
{
	unsigned nregs = core->arch == HC_ARCH_X86_64 ? X86_64_NREGS
						      : AARCH64_NREGS;
	if (size < PRSTATUS_REG + nregs * 8)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: NT_PRSTATUS note is too short (%zu bytes)",
				       core->path, size);
	size_t cap = core->nthreads;
	if (!hc_grow(&core->threads, &cap, core->nthreads + 1,
		     sizeof(*core->threads)))
		return &hc_enomem;
	struct hc_thread *t = &core->threads[core->nthreads++];
	memset(t, 0, sizeof(*t));
	int16_t cursig;
	memcpy(&cursig, desc + PRSTATUS_CURSIG, sizeof(cursig));
	t->signal = cursig;
	t->tid = (int32_t)get_u32(desc + PRSTATUS_PID);
	t->nregs = nregs;
	for (unsigned i = 0; i < nregs; i++)
		t->regs[i] = get_u64(desc + PRSTATUS_REG + 8 * i);
	if (core->arch == HC_ARCH_X86_64) {
		t->pc = t->regs[X86_64_RIP];
		t->sp = t->regs[X86_64_RSP];
	} else {
		t->pc = t->regs[AARCH64_PC];
		t->sp = t->regs[AARCH64_SP];
	}
	return NULL;
}

/*
 * The NT_FILE table: which file backs each file mapping, at which offset.
 * The table is built in a local array and handed to @p core only whole, so
 * that a note rejected half-way leaves nothing behind; the error says what
 * is wrong with the note, for a warning.
 */
static struct hc_error *parse_file_note(struct hc_core *core,
					const uint8_t *desc, size_t size)
{
	if (size < 16)
		return hc_error_create(HC_ERROR_BAD_DATA, "it is too short");
	uint64_t count = get_u64(desc), page = get_u64(desc + 8);
	if (count > (size - 16) / 24)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "it claims %" PRIu64 " files but has room for %zu",
				       count, (size - 16) / 24);
	if (count == 0)
		return NULL;
	struct hc_file_mapping *files = calloc(count, sizeof(*files));
	if (!files)
		return &hc_enomem;
	struct hc_error *err = NULL;
	const char *names = (const char *)desc + 16 + count * 24;
	const char *end = (const char *)desc + size;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = desc + 16 + i * 24;
		const char *nul = memchr(names, '\0', (size_t)(end - names));
		if (!nul) {
			err = hc_error_create(HC_ERROR_BAD_DATA, "its names are cut short");
			break;
		}
		struct hc_file_mapping *f = &files[i];
		f->start = get_u64(e);
		f->end = get_u64(e + 8);
		if (page && get_u64(e + 16) > UINT64_MAX / page) {
			err = hc_error_format(HC_ERROR_BAD_DATA,
					      "entry %" PRIu64 " has an impossible offset", i);
			break;
		}
		f->offset = get_u64(e + 16) * page;
		f->path = names;
		if (f->end < f->start) {
			err = hc_error_format(HC_ERROR_BAD_DATA,
					      "entry %" PRIu64 " ends before it starts", i);
			break;
		}
		names = nul + 1;
	}
	if (err) {
		free(files);
		return err;
	}
	core->files = files;
	core->nfiles = count;
	return NULL;
}

void hc_core_parse_auxv(struct hc_core *core, const uint8_t *desc, size_t size)
{
	core->has_auxv = true;
	for (size_t off = 0; off + 16 <= size; off += 16) {
		uint64_t type = get_u64(desc + off), val = get_u64(desc + off + 8);
		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			core->at_entry = val;
		else if (type == AT_EXECFN)
			core->at_execfn = val;
		else if (type == AT_PHDR)
			core->at_phdr = val;
		else if (type == AT_SYSINFO_EHDR)
			core->at_sysinfo_ehdr = val;
	}
}

/*
 * The kernel writes one note segment, with one NT_PRPSINFO, NT_SIGINFO,
 * NT_AUXV and NT_FILE note and one NT_PRSTATUS per thread (binfmt_elf.c,
 * fill_note_info).  A crafted or damaged core may hold several segments or
 * repeat a note: threads are gathered from every segment, and of the
 * process-wide notes the first is used and each repeat is a warning.  A note
 * whose sizes run past its segment ends that segment's notes, with a
 * warning; what came before it is kept.
 */
enum { SEEN_PRPSINFO = 1, SEEN_SIGINFO = 2, SEEN_AUXV = 4, SEEN_FILE = 8 };

static bool first_note(unsigned *seen, unsigned which, const char *name,
		       struct hc_warnings *warnings)
{
	if (!(*seen & which)) {
		*seen |= which;
		return true;
	}
	hc_warn(warnings, "core has more than one %s note; only the first is used", name);
	return false;
}

static struct hc_error *parse_notes(struct hc_core *core, const uint8_t *p,
				    size_t size, unsigned *seen,
				    struct hc_warnings *warnings)
{
	size_t off = 0;
	while (off + 12 <= size) {
		uint32_t namesz = get_u32(p + off), descsz = get_u32(p + off + 4),
			 type = get_u32(p + off + 8);
		size_t name_off = off + 12;
		/* In size_t: a 32-bit sum would wrap for sizes near 4 GiB. */
		size_t desc_off = name_off + (((size_t)namesz + 3) & ~(size_t)3);
		if (desc_off > size || descsz > size - desc_off) {
			hc_warn(warnings,
				"a note at byte %zu of the core's note segment runs past the segment's %zu bytes; the notes from there on are ignored",
				off, size);
			return NULL;
		}
		const char *name = (const char *)p + name_off;
		const uint8_t *desc = p + desc_off;
		bool is_core = namesz == 5 && memcmp(name, "CORE", 5) == 0;
		struct hc_error *err = NULL;
		if (is_core && type == NT_PRSTATUS) {
			err = parse_prstatus(core, desc, descsz);
		} else if (is_core && type == NT_PRPSINFO) {
			if (descsz < PRPSINFO_SIZE)
				hc_warn(warnings, "the core's NT_PRPSINFO note has %" PRIu32
					" bytes, not %d; the process name is unknown",
					descsz, PRPSINFO_SIZE);
			else if (first_note(seen, SEEN_PRPSINFO, "NT_PRPSINFO", warnings)) {
				core->has_prpsinfo = true;
				core->pid = (int32_t)get_u32(desc + PRPSINFO_PID);
				memcpy(core->fname, desc + PRPSINFO_FNAME, 16);
				memcpy(core->psargs, desc + PRPSINFO_PSARGS, 80);
			}
		} else if (is_core && type == NT_SIGINFO) {
			if (descsz < 12)
				hc_warn(warnings, "the core's NT_SIGINFO note has %" PRIu32
					" bytes, too few for a siginfo", descsz);
			/* gdb's gcore writes one per thread, after its NT_PRSTATUS: the
			 * first is the first thread's, as the kernel's only one is. */
			else if (!(*seen & SEEN_SIGINFO)) {
				*seen |= SEEN_SIGINFO;
				core->has_siginfo = true;
				core->signal = (int)get_u32(desc);
				core->si_code = (int)get_u32(desc + 8);
				if (descsz >= 24) {
					core->sig_word = get_u64(desc + 16);
					core->has_sig_word = true;
				}
			}
		} else if (is_core && type == NT_AUXV) {
			if (first_note(seen, SEEN_AUXV, "NT_AUXV", warnings))
				hc_core_parse_auxv(core, desc, descsz);
		} else if (is_core && type == NT_FILE) {
			if (first_note(seen, SEEN_FILE, "NT_FILE", warnings)) {
				err = parse_file_note(core, desc, descsz);
				if (err && err != &hc_enomem) {
					hc_warn(warnings,
						"the core's NT_FILE note is ignored (%s): the files the process mapped are unknown",
						hc_error_message(err));
					hc_error_destroy(err);
					err = NULL;
				}
			}
		}
		if (err)
			return err;
		off = desc_off + (((size_t)descsz + 3) & ~(size_t)3);
	}
	return NULL;
}

/*
 * What a file that is not ELF is, from its first bytes, with what to do
 * about it: cores are commonly stored compressed or archived.  zstd, xz and
 * lz4 (systemd-coredump's formats) are read directly (input.c); what one of
 * them holds that is not ELF is said as such.
 */
static struct hc_error *not_elf(const char *path, const uint8_t *head, size_t n,
				enum hc_input_kind kind)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *what, *how;
	} kinds[] = {
		{"\x1f\x8b", 2, "gzip-compressed", "gunzip"},
		{"BZh", 3, "bzip2-compressed", "bunzip2"},
	};
	if (kind != HC_INPUT_PLAIN)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s is not a core file: it is %s, and what it holds is not an ELF file",
				       path, hc_input_kind_name(kind));
	for (size_t i = 0; head && i < HC_ARRAY_SIZE(kinds); i++) {
		if (n >= kinds[i].len && memcmp(head, kinds[i].magic, kinds[i].len) == 0)
			return hc_error_format(HC_ERROR_BAD_DATA,
					       "%s is not a core file: it is %s; decompress it first "
					       "(%s, or coredumpctl dump PID > core)",
					       path, kinds[i].what, kinds[i].how);
	}
	return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: it is not an ELF file",
			       path);
}

static struct hc_error *check_header(struct hc_core *core)
{
	size_t n;
	const char *ident = elf_getident(core->elf, &n);
	if (elf_kind(core->elf) != ELF_K_ELF || !ident || n < EI_NIDENT)
		return not_elf(core->path, core->image, core->size, core->kind);
	if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "%s: only 64-bit little-endian cores are supported",
				       core->path);
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(core->elf, &ehdr))
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: unreadable ELF header: %s", core->path,
				       elf_errmsg(-1));
	if (ehdr.e_type != ET_CORE) {
		const char *what = ehdr.e_type == ET_EXEC ? "an executable"
				   : ehdr.e_type == ET_DYN ? "a shared object or PIE executable"
				   : ehdr.e_type == ET_REL ? "an object file"
							   : "not a core";
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s is not a core file: it is %s",
				       core->path, what);
	}
	if (ehdr.e_machine == EM_X86_64)
		core->arch = HC_ARCH_X86_64;
	else if (ehdr.e_machine == EM_AARCH64)
		core->arch = HC_ARCH_AARCH64;
	else
		return hc_error_format(HC_ERROR_UNSUPPORTED,
				       "%s: cores of ELF machine %u are not supported",
				       core->path, ehdr.e_machine);
	return NULL;
}

/*
 * The address ranges a truncated core lost (segment bytes past its end),
 * merged, in address order: the first few with their sizes, then how many
 * more and how many bytes in all.
 */
static void cut_ranges(const struct hc_core *core, struct hc_strbuf *out)
{
	uint64_t total = 0, lo = 0, hi = 0;
	size_t nranges = 0, shown = 0;
	/* Segments are in address order in every core seen; merge neighbours. */
	for (size_t i = 0; i <= core->nloads; i++) {
		const struct hc_core_segment *s = i < core->nloads ? &core->loads[i] : NULL;
		if (s && s->present >= s->filesz)
			continue;
		uint64_t a = s ? s->vaddr + s->present : 0, b = s ? s->vaddr + s->filesz : 0;
		if (s)
			total += b - a;
		if (s && nranges && a == hi) {
			hi = b;
			continue;
		}
		if (nranges && shown < 4) {
			hc_strbuf_printf(out, "%s%#" PRIx64 "-%#" PRIx64 " (", shown ? ", " : "", lo, hi);
			hc_strbuf_bytes(out, hi - lo);
			hc_strbuf_puts(out, ")");
			shown++;
		}
		if (!s)
			break;
		lo = a;
		hi = b;
		nranges++;
	}
	if (nranges > shown)
		hc_strbuf_printf(out, " and %zu more ranges", nranges - shown);
	hc_strbuf_puts(out, ", ");
	hc_strbuf_bytes(out, total);
	hc_strbuf_puts(out, " in all");
}

static struct hc_error *read_segments(struct hc_core *core, bool force,
				      struct hc_warnings *warnings)
{
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(core->elf, &ehdr))
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: unreadable ELF header", core->path);
	/* Check the table's extent before libelf reads it. */
	size_t phnum = ehdr.e_phnum;
	if (phnum == PN_XNUM && elf_getphdrnum(core->elf, &phnum) != 0)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: unreadable program header count: %s",
				       core->path, elf_errmsg(-1));
	if (ehdr.e_phentsize != sizeof(Elf64_Phdr))
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s: program header entries are %u bytes, not %zu",
				       core->path, ehdr.e_phentsize, sizeof(Elf64_Phdr));
	if (ehdr.e_phoff > core->size ||
	    (uint64_t)phnum * ehdr.e_phentsize > core->size - ehdr.e_phoff)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s is truncated: its program headers end past its %zu bytes",
				       core->path, core->size);
	core->loads = calloc(phnum ? phnum : 1, sizeof(*core->loads));
	if (!core->loads)
		return &hc_enomem;
	bool have_notes = false;
	unsigned seen = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(core->elf, (int)i, &ph))
			return hc_error_format(HC_ERROR_BAD_DATA,
					       "%s: unreadable program header %zu",
					       core->path, i);
		if (ph.p_offset > UINT64_MAX - ph.p_filesz)
			return hc_error_format(HC_ERROR_BAD_DATA,
					       "%s: program header %zu has an impossible size",
					       core->path, i);
		if (ph.p_filesz && ph.p_offset + ph.p_filesz > core->needed_size)
			core->needed_size = ph.p_offset + ph.p_filesz;
		if (ph.p_type == PT_NOTE) {
			if (ph.p_offset + ph.p_filesz > core->size)
				return hc_error_format(HC_ERROR_BAD_DATA,
						       "%s is truncated: its notes end at byte %" PRIu64
						       " but the file has %zu",
						       core->path, ph.p_offset + ph.p_filesz,
						       core->size);
			struct hc_error *err = parse_notes(
				core, core->image + ph.p_offset, ph.p_filesz, &seen, warnings);
			if (err)
				return err;
			have_notes = true;
		} else if (ph.p_type == PT_LOAD) {
			if (ph.p_filesz > ph.p_memsz)
				return hc_error_format(HC_ERROR_BAD_DATA,
						       "%s: segment at 0x%" PRIx64
						       " holds more bytes than it maps",
						       core->path, ph.p_vaddr);
			if (ph.p_vaddr > UINT64_MAX - ph.p_memsz)
				return hc_error_format(HC_ERROR_BAD_DATA,
						       "%s: segment at 0x%" PRIx64
						       " wraps around the address space",
						       core->path, ph.p_vaddr);
			struct hc_core_segment *s = &core->loads[core->nloads++];
			s->vaddr = ph.p_vaddr;
			s->memsz = ph.p_memsz;
			s->filesz = ph.p_filesz;
			s->offset = ph.p_offset;
			s->flags = ph.p_flags;
			if (ph.p_offset >= core->size)
				s->present = 0;
			else if (ph.p_filesz > core->size - ph.p_offset)
				s->present = core->size - ph.p_offset;
			else
				s->present = ph.p_filesz;
		}
	}
	if (!have_notes || core->nthreads == 0)
		return hc_error_format(HC_ERROR_BAD_DATA,
				       "%s has no thread notes (NT_PRSTATUS); it is not a process core",
				       core->path);
	if (core->needed_size > core->size) {
		struct hc_strbuf ranges;
		hc_strbuf_init(&ranges);
		cut_ranges(core, &ranges);
		if (ranges.oom) {
			hc_strbuf_deinit(&ranges);
			return &hc_enomem;
		}
		/*
		 * A truncated core yields what it still holds: the ranges it lost
		 * are named here once, and each answer that needed bytes of them
		 * names what it lacks and is marked incomplete.
		 */
		(void)force;
		hc_warn(warnings,
			"core is truncated: %zu of %" PRIu64 " bytes present; missing: %s; "
			"answers that need those bytes are incomplete, and each read of them "
			"is named (\"was cut off when the core was truncated\")",
			core->size, core->needed_size, ranges.str);
		struct hc_error *err = NULL;
		hc_strbuf_deinit(&ranges);
		return err;
	}
	return NULL;
}

/* Up to @p n bytes from the start of a stream, however its reads split. */
static ssize_t read_head(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * The core's bytes: a plain regular file is mapped by libelf; a compressed
 * one, standard input (`-`) or a pipe (`<(coredumpctl dump PID)`) is read
 * whole into anonymous memory first (input.c).
 */
static struct hc_error *load_image(struct hc_core *core, const char *path, bool is_stdin)
{
	struct stat st;
	if (fstat(core->fd, &st) < 0)
		return hc_error_os(errno, path, "cannot stat");
	if (S_ISDIR(st.st_mode))
		return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: it is a directory",
				       core->path);
	bool stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	if (!S_ISREG(st.st_mode) && !stream)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: %s",
				       core->path, is_stdin && isatty(core->fd)
				       ? "standard input is a terminal (pipe a core into it)"
				       : "not a regular file or a pipe");
	/* Opened without blocking (a FIFO with no writer); read blocking. */
	int fl = fcntl(core->fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(core->fd, F_SETFL, fl & ~O_NONBLOCK);
	if (S_ISREG(st.st_mode))
		core->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	uint8_t head[EI_NIDENT];
	ssize_t got = stream ? read_head(core->fd, head, sizeof(head))
			     : pread(core->fd, head, sizeof(head), 0);
	if (got < 0)
		return hc_error_os(errno, path, "cannot read");
	core->kind = hc_input_kind(head, (size_t)got);
	if (!stream && core->kind == HC_INPUT_PLAIN && st.st_size < EI_NIDENT)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: it is %s",
				       core->path, st.st_size ? "too short to be an ELF file" : "empty");
	elf_version(EV_CURRENT);
	if (!stream && core->kind == HC_INPUT_PLAIN) {
		core->elf = elf_begin(core->fd, ELF_C_READ_MMAP, NULL);
		if (!core->elf)
			return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: %s",
					       core->path, elf_errmsg(-1));
		core->image = (const uint8_t *)elf_rawfile(core->elf, &core->size);
		if (!core->image)
			return not_elf(core->path, head, (size_t)got, core->kind);
		return NULL;
	}
	if (!stream && lseek(core->fd, (off_t)got, SEEK_SET) < 0)
		return hc_error_os(errno, path, "cannot seek");
	struct hc_error *err = hc_input_read(core->fd, core->path, core->kind, head, (size_t)got,
					     &core->owned);
	if (err)
		return err;
	core->image = core->owned.data;
	core->size = core->owned.size;
	if (core->size < EI_NIDENT)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: %s %s",
				       core->path, core->kind == HC_INPUT_PLAIN ? "it is" : "what it holds is",
				       core->size ? "too short to be an ELF file" : "empty");
	core->elf = elf_memory((char *)core->owned.data, core->size);
	if (!core->elf)
		return hc_error_format(HC_ERROR_BAD_DATA, "%s is not a core file: %s", core->path,
				       elf_errmsg(-1));
	return NULL;
}

struct hc_error *hc_core_open(const char *path, bool force,
			      struct hc_warnings *warnings,
			      struct hc_core **ret)
{
	struct hc_error *err;
	struct hc_core *core = calloc(1, sizeof(*core));
	if (!core)
		return &hc_enomem;
	core->fd = -1;
	bool is_stdin = strcmp(path, "-") == 0;
	/* Absolute, so that every front end names the same file the same way. */
	core->path = is_stdin ? strdup("<stdin>") : realpath(path, NULL);
	if (!core->path && errno != ENOMEM)
		core->path = strdup(path);
	if (!core->path) {
		err = &hc_enomem;
		goto fail;
	}
	core->from_stream = is_stdin;
	/* Never blocks: a FIFO without a writer opens (and then reads as empty). */
	core->fd = is_stdin ? dup(STDIN_FILENO)
			    : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (core->fd < 0) {
		err = hc_error_os(errno, is_stdin ? "standard input" : path, "cannot open");
		goto fail;
	}
	err = load_image(core, is_stdin ? "standard input" : path, is_stdin);
	if (err)
		goto fail;
	if (core->owned.data) {
		struct stat st;
		/* Read from a pipe: nothing identifies it again (no cache). */
		if (fstat(core->fd, &st) == 0 && !S_ISREG(st.st_mode))
			core->from_stream = true;
	}
	err = check_header(core);
	if (err)
		goto fail;
	err = read_segments(core, force, warnings);
	if (err)
		goto fail;
	if (core->owned.cut)
		hc_warn(warnings, "the core's %s stream ends inside a frame: the file was cut short",
			hc_input_kind_name(core->kind));
	if (!core->has_siginfo)
		core->signal = core->threads[0].signal;
	*ret = core;
	return NULL;
fail:
	hc_core_close(core);
	return err;
}

void hc_core_close(struct hc_core *core)
{
	if (!core)
		return;
	if (core->elf)
		elf_end(core->elf);
	if (core->fd >= 0)
		close(core->fd);
	hc_input_image_free(&core->owned);
	free(core->strings);
	free(core->loads);
	free(core->threads);
	free(core->files);
	free(core->path);
	free(core);
}
