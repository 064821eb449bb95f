/*
 * The goroutines of a Go core: every live g on runtime.allgs with its
 * status as Go's traceback prints it, where it was created, and its frames
 * (go_stack.c), and what a blocked one waits on (its sudogs' channels and
 * synchronization objects), for the goroutine leak detector
 * (graph/graph_leaks.c).
 */
#ifndef HC_GO_GOROUTINES_H
#define HC_GO_GOROUTINES_H

#include "util/internal.h"
#include "go/go_stack.h"

struct hc_program;
struct hc_thread;

/* How a goroutine blocks, in the terms of Go 1.26's leak detector
 * (mgc.go:isMaybeRunnable). */
enum hc_go_block {
	HC_GO_BLOCK_NONE,   /* not blocked in a way that can leak: maybe runnable */
	HC_GO_BLOCK_ALWAYS, /* a nil channel or select {}: never runnable again */
	HC_GO_BLOCK_CHAN,   /* runnable again if any of its channels is reachable */
	HC_GO_BLOCK_SYNC,   /* runnable again if its sync object is reachable */
};

/* What a blocked goroutine waits on: a sudog and its channel (c) or object (elem). */
struct hc_go_wait {
	uint64_t sudog, target;
};

struct hc_go_goroutine {
	uint64_t gp, goid, parent_goid;
	uint32_t status;      /* _G*, scan bit dropped */
	char state[64];       /* as traceback.go:goroutineheader prints it */
	int64_t wait_minutes; /* as goroutineheader computes it, or -1 */
	bool locked;          /* g.lockedm != 0 */
	bool crashing;        /* the goroutine of the thread that took the fatal signal */
	bool runtime_leaked;  /* _Gleaked: the runtime's own detector found it leaked (Go 1.26+) */
	uint64_t stack_lo, stack_hi;
	uint64_t startpc, gopc, m;
	uint64_t pc, sp;      /* where its frames start (0 when they could not) */
	bool trap;            /* pc is an interrupted instruction, not a return address */
	/* Frames: frames[first_frame .. first_frame + nframes) of the set. */
	size_t first_frame, nframes;
	size_t elided;        /* frames left out between the first and last 50, as Go does */
	const char *error;    /* why the frames stop short (static text), or NULL */
	enum hc_go_block block;
	size_t first_wait, nwaits;
};

struct hc_go_goroutines {
	struct hc_go_goroutine *g;
	size_t n;
	struct hc_go_logical *frames;
	size_t nframes, cap_frames;
	struct hc_go_wait *waits;
	size_t nwaits;
	struct hc_pcln *pcln; /* the program's (not owned) */
};

/**
 * Read every goroutine of @p prog that is not dead.  A goroutine whose g
 * or stack is damaged is kept with the reason in its error, and a warning;
 * the rest stand.  Free *@p ret with hc_go_goroutines_destroy().
 */
struct hc_error *hc_go_goroutines_get(struct hc_program *prog, struct hc_go_goroutines **ret);
void hc_go_goroutines_destroy(struct hc_go_goroutines *gs);

/** The thread of the M at @p m (by m.procid), or NULL. */
const struct hc_thread *hc_go_thread_of_m(struct hc_program *prog, uint64_t m);
/**
 * The context a signal interrupted on the stack [lo, hi), searched in the
 * kernel's signal frames above @p sp (see go_goroutines.c); false if none.
 */
bool hc_go_signal_context(struct hc_program *prog, uint64_t sp, uint64_t lo, uint64_t hi,
			  uint64_t *pc_ret, uint64_t *sp_ret);


/* What the runtime printed first when the program died (see go_crash.c). */
struct hc_go_crash {
	char *panic;      /* "panic: ..." lines (several for nested panics), or NULL */
	char *sigpanic;   /* "[signal SIGSEGV: ... pc=0x...]" of a panic raised by a signal, or NULL */
	char *fatal;      /* "SIGABRT: abort\nPC=0x... m=0 sigcode=0" of a fatal signal, or NULL */
	uint64_t goid;    /* the goroutine that panicked or took the signal, or 0 */
	int signal;       /* the signal that killed the process (the core's) */
};

/**
 * Reproduce what the Go runtime printed first on stderr when @p prog
 * died: the panic values as printpanics prints them (strings, and error
 * and Stringer values, which the runtime turned into their text before
 * printing; a value it cannot render as its type and address), the
 * "[signal ...]" line of a panic a signal raised, or the signal lines of a
 * fatal signal.  Free with hc_go_crash_deinit().
 */
struct hc_error *hc_go_crash_get(struct hc_program *prog, struct hc_go_crash *ret);
void hc_go_crash_deinit(struct hc_go_crash *c);

#endif /* HC_GO_GOROUTINES_H */
