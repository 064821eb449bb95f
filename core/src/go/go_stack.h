/*
 * Goroutine stacks, frame by frame: the pclntab's function table and pc-value
 * tables (frame sizes, stack-map indexes) and the compiler's stack maps say
 * which words of each frame hold live pointers, as the garbage collector's
 * scanstack reads them (runtime/traceback.go, mgcmark.go:scanframeworker).
 */
#ifndef HC_GO_STACK_H
#define HC_GO_STACK_H

#include "util/internal.h"

struct hc_program;
struct hc_pcln;

/** The pclntab of the program's first module, decoded once. */
struct hc_error *hc_pcln_get(struct hc_program *prog, struct hc_pcln **ret);
void hc_pcln_destroy(struct hc_pcln *pcln);
/** The name of the function whose entry is exactly @p pc, or NULL. */
const char *hc_pcln_func_at(struct hc_pcln *pcln, uint64_t pc);

struct hc_go_frame {
	uint64_t pc;       /* where the frame's function is (a return address above the top) */
	uint64_t sp, fp;   /* the frame is [sp, fp) */
	const char *func;  /* its function's name */
	bool conservative; /* no usable stack map: every word of the frame counts */
};

struct hc_go_stack_visitor {
	void *arg;
	/** A new frame; its pointer words follow.  False stops the walk. */
	bool (*frame)(void *arg, const struct hc_go_frame *fr);
	/** A word of the current frame that holds a live pointer.  False stops.
	 *  NULL: only the frames are wanted, and no stack map is read. */
	bool (*word)(void *arg, uint64_t addr, uint64_t value);
};

/**
 * Walk the goroutine stack [@p lo, @p hi) from @p pc and @p sp (the saved
 * context, or the registers of the thread running it).  Returns the stack
 * pointer where unwinding stopped short of the stack's top (an unknown
 * function, a damaged frame), or 0 when it reached the outermost frame; the
 * caller scans what is left conservatively.  @p interrupted: the context is
 * a signal's, at an instruction with no stack map; the top frame is then
 * scanned conservatively, as the runtime scans an async-preempted frame.
 */
uint64_t hc_go_walk_stack(struct hc_pcln *pcln, uint64_t pc, uint64_t sp, uint64_t lo,
			  uint64_t hi, bool interrupted, const struct hc_go_stack_visitor *v);

/* One frame of runtime.CallersFrames([]uintptr{pc}) (symtab.go:(*Frames).Next). */
struct hc_go_pcframe {
	uint64_t pc;            /* Frame.PC: the return pc less one, unless that is the entry */
	uint64_t entry;         /* Frame.Entry: the physical function's entry */
	const char *name;       /* runtime_FrameSymbolName: the symbol, generic shapes kept */
	const char *file;       /* "?" when the tables do not say */
	int64_t line;           /* 0 when the tables do not say */
	int64_t start_line;
	bool inlined;           /* Frame.Func is nil: an inlined call */
};

/**
 * The frame runtime.CallersFrames gives for the single return pc @p pc: the
 * innermost inlined call at pc - 1, as runtime/pprof's allFrames expands
 * each pc of a profile stack.  False when no Go function holds @p pc.
 */
bool hc_pcln_frame(struct hc_pcln *pcln, uint64_t pc, struct hc_go_pcframe *ret);
/**
 * runtime.FuncForPC(pc).Name() (without its shape-name rewriting): the
 * innermost inlined call at @p pc itself; NULL when no Go function holds it.
 */
const char *hc_pcln_func_for_pc(struct hc_pcln *pcln, uint64_t pc);
/**
 * runtime_expandFinalInlineFrame for one pc: when pc - 1 is inside inlined
 * code, the return pcs of its inline chain, innermost first, wrappers elided
 * as tracebackPCs elides them (at most @p max); 0 when nothing is inlined.
 */
size_t hc_pcln_expand_inline(struct hc_pcln *pcln, uint64_t pc, uint64_t *out, size_t max);

/* One logical frame of a traceback (traceback.go:traceback2). */
struct hc_go_logical {
	const char *name;  /* the function's symbol, generic shapes kept */
	const char *file;  /* "?" when the tables do not say */
	int64_t line;
	uint64_t entry;    /* the physical function's entry */
	bool inlined;
};

/**
 * The logical frames Go's traceback prints for the physical frame at
 * @p pc, innermost first: its inlined calls, then the function itself (at
 * most @p max; 0 when no Go function holds @p pc).  @p trap: @p pc is the
 * faulting instruction itself (the frame a signal interrupted, or the
 * caller of sigpanic), not a return address.
 */
size_t hc_pcln_logical_frames(struct hc_pcln *pcln, uint64_t pc, bool trap,
			      struct hc_go_logical *out, size_t max);
/**
 * The physical function holding @p pc and the position of the call just
 * before @p pc, as "created by" prints a goroutine's go statement.
 */
bool hc_pcln_physical(struct hc_pcln *pcln, uint64_t pc, const char **name, const char **file,
		      int64_t *line);

#endif /* HC_GO_STACK_H */
