/*
 * ELF core files: the loadable segments and the notes the kernel writes
 * (NT_PRSTATUS per thread, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE).
 * The file is mapped, never copied.
 */
#ifndef HC_COREFILE_H
#define HC_COREFILE_H

#include <libelf.h>

#include "target/input.h"
#include "util/internal.h"

/* Registers we keep per thread, in the kernel's user_regs order. */
#define HC_MAX_REGS 34

struct hc_thread {
	int32_t tid;
	int signal;       /* pr_cursig */
	uint64_t pc, sp;
	uint64_t regs[HC_MAX_REGS];
	unsigned nregs;
};

struct hc_file_mapping {
	uint64_t start, end, offset; /* offset in bytes */
	const char *path;            /* into the note's data */
	/* Which file it is, where the source says (a live process's maps). */
	uint64_t dev, ino;
	bool dev_ino_known;
};

struct hc_core_segment {
	uint64_t vaddr, memsz, filesz, offset;
	uint64_t present;  /* bytes of filesz actually in the file */
	uint32_t flags;    /* PF_R | PF_W | PF_X */
};

enum hc_arch {
	HC_ARCH_X86_64,
	HC_ARCH_AARCH64,
};

struct hc_core {
	char *path;
	int fd;
	Elf *elf;
	const uint8_t *image; /* the whole file, mapped by libelf, or owned.data */
	size_t size;
	enum hc_input_kind kind;      /* compressed as */
	struct hc_input_image owned;  /* a compressed or piped core's bytes (input.h) */
	bool from_stream;             /* read from a pipe, or a live process: nothing identifies it again (never cached) */
	bool live;                    /* a snapshot of a running process (target/live.c) */
	uint64_t stop_ns;             /* how long that process was stopped for it */
	char *strings;                /* a snapshot's file names (files[].path point into it) */
	enum hc_arch arch;
	struct hc_core_segment *loads;
	size_t nloads;
	struct hc_thread *threads;
	size_t nthreads;
	struct hc_file_mapping *files;
	size_t nfiles;
	uint64_t at_entry, at_execfn, at_phdr;
	uint64_t at_sysinfo_ehdr; /* the [vdso] mapping, 0 if auxv does not say */
	bool has_auxv;
	int signal;     /* from NT_SIGINFO, else the first thread's cursig */
	int si_code;
	bool has_siginfo;
	uint64_t sig_word; /* siginfo's union's first word: si_addr of a fault, si_pid | si_uid << 32 of a kill */
	bool has_sig_word; /* the note was long enough to hold it */
	int32_t pid;
	char fname[17];
	char psargs[81];
	bool has_prpsinfo;
	uint64_t needed_size; /* file size the segments need */
	int64_t mtime_ns;     /* the file's modification time: the kernel wrote it at the crash */
};

/**
 * Open and parse a core; fails on anything that is not a usable core.
 * @p path "-" reads standard input; zstd, xz and lz4 are decompressed.
 */
struct hc_error *hc_core_open(const char *path, bool force,
			      struct hc_warnings *warnings,
			      struct hc_core **ret);
void hc_core_close(struct hc_core *core);
/** Take AT_ENTRY, AT_PHDR, AT_EXECFN and AT_SYSINFO_EHDR from an auxiliary vector. */
void hc_core_parse_auxv(struct hc_core *core, const uint8_t *desc, size_t size);
const char *hc_arch_name(enum hc_arch arch);

#endif /* HC_COREFILE_H */
