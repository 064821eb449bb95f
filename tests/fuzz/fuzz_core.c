/*
 * Fuzz the core file reader: the ELF header, program headers and notes
 * (NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE), truncation.
 * Seeds are the headers and notes of the fixture cores (their first bytes,
 * up to the end of the note segment).
 */
#include "fuzz_common.h"
#include "target/corefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));
	struct hc_warnings w = {0};
	struct hc_core *core = NULL;
	for (int force = 0; force < 2; force++) {
		struct hc_error *err = hc_core_open(path, force, &w, &core);
		if (err) {
			hc_error_destroy(err);
			continue;
		}
		/* Touch what the rest of the library reads. */
		volatile uint64_t sink = 0;
		for (size_t i = 0; i < core->nthreads; i++)
			sink += core->threads[i].pc + core->threads[i].sp;
		for (size_t i = 0; i < core->nfiles; i++)
			sink += core->files[i].start + (uint64_t)(core->files[i].path[0]);
		for (size_t i = 0; i < core->nloads; i++)
			sink += core->loads[i].vaddr + core->loads[i].present;
		(void)sink;
		hc_core_close(core);
	}
	hc_warnings_deinit(&w);
	close(fd);
	return 0;
}
