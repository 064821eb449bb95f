/*
 * A native thread's backtrace from a core (or a live snapshot), as gdb's
 * `bt` shows it: libdwfl unwinds from the thread's saved registers with the
 * modules' CFI (.eh_frame, .debug_frame), reading the stack through the
 * program's memory; each pc is named from DWARF (inlined calls expanded,
 * innermost first, as their own frames) or else from the ELF symbol
 * tables, C++ names demangled.
 */
#ifndef HC_UNWIND_H
#define HC_UNWIND_H

#include "util/internal.h"

struct hc_program;

struct hc_native_frame {
	uint64_t pc;    /* the frame's pc: a caller's is its return address */
	char *function; /* NULL when nothing names it */
	char *file;     /* NULL when no line table covers it */
	int line;
	const char *module; /* the mapped file's path (the core's name), or NULL */
	bool inlined;       /* a call inlined into the next frame's function */
};

struct hc_native_stack {
	int32_t tid;
	struct hc_native_frame *frames;
	size_t n;
	bool truncated; /* more frames than asked for */
	char *stopped;  /* why the unwind stopped before the outermost frame, or NULL */
};

/**
 * Unwind thread @p tid of @p prog, at most @p max frames, into @p ret
 * (free it with hc_native_stack_deinit()).  A stack that does not unwind
 * to its end is not an error: ret->stopped says why it stopped.
 */
struct hc_error *hc_native_unwind(struct hc_program *prog, int32_t tid, size_t max,
				  struct hc_native_stack *ret);
void hc_native_stack_deinit(struct hc_native_stack *s);

#endif /* HC_UNWIND_H */
