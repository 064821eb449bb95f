/*
 * Unit tests of core parsing (corefile.c) on synthetic cores written by the
 * test itself: well-formed notes are decoded, and malformed ones (a note
 * running past its segment, an NT_FILE count larger than its note, a missing
 * thread note, truncated data) are rejected with a message.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/corefile.h"

struct builder {
	uint8_t notes[4096];
	size_t nlen;
};

static void add_note(struct builder *b, const char *name, uint32_t type,
		     const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	uint32_t hdr[3] = {namesz, descsz, type};
	memcpy(b->notes + b->nlen, hdr, 12);
	b->nlen += 12;
	memcpy(b->notes + b->nlen, name, namesz);
	b->nlen += (namesz + 3) & ~3u;
	memcpy(b->notes + b->nlen, desc, descsz);
	b->nlen += (descsz + 3) & ~3u;
}

static void add_thread(struct builder *b, int32_t tid, uint64_t pc, uint64_t sp)
{
	uint8_t pr[336] = {0};
	int16_t sig = 11;
	memcpy(pr + 12, &sig, 2);
	memcpy(pr + 32, &tid, 4);
	memcpy(pr + 112 + 16 * 8, &pc, 8);
	memcpy(pr + 112 + 19 * 8, &sp, 8);
	add_note(b, "CORE", NT_PRSTATUS, pr, sizeof(pr));
}

/*
 * Write a core with one PT_NOTE and one PT_LOAD of 4096 bytes (filesz
 * @p load_filesz) at 0x10000; cut the file to @p cut bytes if non-zero.
 */
static char *write_core(const struct builder *b, uint64_t load_filesz, size_t cut)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/hc-test-core-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	Elf64_Phdr ph[2] = {{0}};
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = sizeof(eh) + sizeof(ph);
	ph[0].p_filesz = b->nlen;
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_W;
	ph[1].p_offset = (ph[0].p_offset + b->nlen + 4095) & ~4095ULL;
	ph[1].p_vaddr = 0x10000;
	ph[1].p_filesz = load_filesz;
	ph[1].p_memsz = 4096;
	static uint8_t image[16384];
	memset(image, 0xab, sizeof(image));
	memcpy(image, &eh, sizeof(eh));
	memcpy(image + sizeof(eh), ph, sizeof(ph));
	memcpy(image + ph[0].p_offset, b->notes, b->nlen);
	size_t size = ph[1].p_offset + load_filesz;
	if (cut)
		size = cut;
	assert_true(write(fd, image, size) == (ssize_t)size);
	close(fd);
	return path;
}

static void test_parses_threads_and_files(void **state)
{
	(void)state;
	struct builder b = {0};
	add_thread(&b, 100, 0x401000, 0x7fff0000);
	add_thread(&b, 101, 0x402000, 0x7ffe0000);
	uint8_t file[16 + 24 + 16] = {0};
	uint64_t hdr[5] = {1, 4096, 0x400000, 0x401000, 2};
	memcpy(file, hdr, sizeof(hdr));
	memcpy(file + 40, "/bin/thing", 11);
	add_note(&b, "CORE", 0x46494c45, file, sizeof(file));
	uint8_t si[128] = {6};
	add_note(&b, "CORE", 0x53494749, si, sizeof(si));
	char *path = write_core(&b, 4096, 0);
	struct hc_warnings w = {0};
	struct hc_core *core;
	assert_null(hc_core_open(path, false, &w, &core));
	assert_int_equal(core->nthreads, 2);
	assert_int_equal(core->threads[0].tid, 100);
	assert_int_equal(core->threads[1].pc, 0x402000);
	assert_int_equal(core->threads[1].sp, 0x7ffe0000);
	assert_int_equal(core->signal, 6);
	assert_int_equal(core->nfiles, 1);
	assert_string_equal(core->files[0].path, "/bin/thing");
	assert_int_equal(core->files[0].offset, 2 * 4096);
	assert_int_equal(core->nloads, 1);
	assert_int_equal(core->loads[0].present, 4096);
	hc_core_close(core);
	hc_warnings_deinit(&w);
	unlink(path);
}

static void expect_error(const struct builder *b, uint64_t filesz, size_t cut,
			 bool force, const char *substring)
{
	char *path = write_core(b, filesz, cut);
	struct hc_warnings w = {0};
	struct hc_core *core = NULL;
	struct hc_error *err = hc_core_open(path, force, &w, &core);
	assert_non_null(err);
	if (!strstr(hc_error_message(err), substring))
		fail_msg("message '%s' lacks '%s'", hc_error_message(err), substring);
	assert_null(strchr(hc_error_message(err), '\n'));
	hc_error_destroy(err);
	hc_warnings_deinit(&w);
	unlink(path);
}

/* The core opens, with one warning holding @p substring. */
static void expect_warning(const struct builder *b, const char *substring, size_t nthreads)
{
	char *path = write_core(b, 4096, 0);
	struct hc_warnings w = {0};
	struct hc_core *core = NULL;
	assert_null(hc_core_open(path, false, &w, &core));
	assert_int_equal(core->nthreads, nthreads);
	assert_int_equal(w.count, 1);
	if (!strstr(w.msgs[0].text, substring))
		fail_msg("warning '%s' lacks '%s'", w.msgs[0].text, substring);
	hc_core_close(core);
	hc_warnings_deinit(&w);
	unlink(path);
}

static void test_rejects_bad_notes(void **state)
{
	(void)state;
	struct builder b = {0};
	add_thread(&b, 100, 1, 2);
	/* NT_FILE claiming a million entries in a 40-byte note: the note is ignored. */
	uint64_t hdr[5] = {1000000, 4096, 0, 0, 0};
	add_note(&b, "CORE", 0x46494c45, hdr, sizeof(hdr));
	expect_warning(&b, "NT_FILE note is ignored (it claims 1000000 files", 1);

	struct builder none = {0};
	uint8_t si[128] = {6};
	add_note(&none, "CORE", 0x53494749, si, sizeof(si));
	expect_error(&none, 4096, 0, false, "no thread notes");

	struct builder shortpr = {0};
	uint8_t pr[64] = {0};
	add_note(&shortpr, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	expect_error(&shortpr, 4096, 0, false, "NT_PRSTATUS note is too short");

	/* A note whose descriptor size runs past the segment: the notes
	 * before it stand. */
	struct builder past = {0};
	add_thread(&past, 100, 1, 2);
	uint32_t bogus[3] = {5, 0x7fffffff, 1};
	memcpy(past.notes + past.nlen, bogus, 12);
	memcpy(past.notes + past.nlen + 12, "CORE\0\0\0", 8);
	past.nlen += 20;
	expect_warning(&past, "runs past the segment's", 1);
	/* Alone, it leaves no thread. */
	struct builder only = {0};
	memcpy(only.notes, bogus, 12);
	memcpy(only.notes + 12, "CORE\0\0\0", 8);
	only.nlen = 20;
	expect_error(&only, 4096, 0, false, "no thread notes");
}

static void test_truncation(void **state)
{
	(void)state;
	struct builder b = {0};
	add_thread(&b, 100, 1, 2);
	/* Cut inside the PT_LOAD data: read, with one warning naming what is lost. */
	char *path = write_core(&b, 4096, 4096 + 100);
	for (int force = 0; force < 2; force++) {
		struct hc_warnings w = {0};
		struct hc_core *core = NULL;
		assert_null(hc_core_open(path, force, &w, &core));
		assert_int_equal(w.count, 1);
		assert_int_equal(core->loads[0].present, 100);
		hc_core_close(core);
		hc_warnings_deinit(&w);
	}
	unlink(path);
	/* Cut inside the program headers and inside the notes. */
	expect_error(&b, 4096, 64 + 20, true, "program headers");
	expect_error(&b, 4096, 64 + 112 + 30, true, "notes end at byte");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_threads_and_files),
		cmocka_unit_test(test_rejects_bad_notes),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
