/*
 * A running process as a core: every thread stopped at once (PTRACE_SEIZE
 * and PTRACE_INTERRUPT), its registers (PTRACE_GETREGSET), mappings
 * (/proc/PID/maps), auxiliary vector and name read, the memory a kernel
 * core would hold copied into anonymous memory (process_vm_readv, else
 * /proc/PID/mem), and the process let go again, all before any analysis.
 * The result is the same struct hc_core a core file gives, so every answer
 * is computed exactly as for a core of that moment (gcore's).
 *
 * Or, for a debugger that already holds the process stopped (gdb), the same
 * snapshot read through its memory callback and with its registers.
 */
#ifndef HC_LIVE_H
#define HC_LIVE_H

#include "target/corefile.h"

/**
 * Snapshot process @p pid into a core.  @p access NULL: stop it with
 * ptrace for the time of the copy; else read through @p access (the
 * caller keeps it stopped).  *@p ret_stop_ns: how long it was stopped.
 */
struct hc_error *hc_core_snapshot(int pid, const struct hc_process_access *access,
				  struct hc_core **ret, uint64_t *ret_stop_ns);

#endif /* HC_LIVE_H */
