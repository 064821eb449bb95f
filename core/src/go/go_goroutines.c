/*
 * The goroutines of a Go core, as the runtime's own crash traceback shows
 * them (traceback.go: goroutineheader, traceback2, printcreatedby).
 *
 * Every g on runtime.allgs that is not dead (and not an M's g0: goid 0):
 * its status is the runtime's own gStatusStrings / waitReasonStrings text
 * (read from the core, so each version's words); the minutes it has waited
 * are (now - g.waitsince) / 60 s as goroutineheader computes them, but
 * where Go calls nanotime() a core has no clock: "now" is the latest
 * monotonic time it records (the waits themselves, sched.lastpoll, the last
 * GC's memstats.last_gc_nanotime, sysmon's last look at each P), so a lower
 * bound, short of Go's by the time since that record.  Frames start where the runtime's unwinder starts
 * (traceback.go:(*unwinder).initAt): g.syscallpc/sp for a goroutine in a
 * system call, g.sched otherwise, and for a goroutine running on a thread
 * that thread's registers or, when a signal stopped it, the context in its
 * signal frame.  Each physical frame expands into its inlined calls.  The
 * goroutine that crashed the program in a panic or a throw is shown as the
 * runtime printed it: from the frame that called fatalpanic / fatalthrow.
 *
 * For the leak detector, a blocked goroutine's sudogs (g.waiting, linked
 * by waitlink) give the channels it waits on (sudog.c) and the sync object
 * (sudog.elem).  Before Go 1.26 a goroutine blocked in semacquire does not
 * set g.waiting; its sudog is found in the semaphore table
 * (sema.go:semtable, a treap of sudogs per address).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "target/corefile.h"
#include "debuginfo/dwarf_index.h"
#include "go/go.h"
#include "go/go_goroutines.h"
#include "go/go_layout.h"
#include "target/program.h"

/* What the goroutine answers lack when a g is damaged (hc_warn_damaged()). */
#define AFF_GOROUTINES "goroutines lack the frames, status or leak verdict of these goroutines"

/* Bounds on what a damaged core can make the walk do. */
#define MAX_GOROUTINES (1u << 26)
#define MAX_FRAMES_PER_G 4096
#define MAX_SUDOGS_PER_G 4096

struct layout {
	uint64_t allgs;
	struct gf g_lo, g_hi, g_sp, g_pc, g_syscallsp, g_syscallpc, g_status, g_goid, g_m,
		g_waitreason, g_waitsince, g_lockedm, g_startpc, g_gopc, g_parent, g_waiting;
	struct gf m_procid, m_curg, m_vdsosp, m_vdsopc;
	struct gf sg_c, sg_elem, sg_waitlink, sg_g, sg_prev, sg_next;
	uint64_t waitreasons, nwaitreasons, gstatus, ngstatus;
	uint64_t semtable, sema_stride, sema_n;
	struct gf sr_treap;
	uint64_t lastpoll, last_gc, sysmon;
	struct gf cond_notify, nl_head; /* sync.Cond.notify, runtime.notifyList.head */
};

static uint64_t string_table(struct gl_init *in, const char *name, uint64_t *n)
{
	uint64_t addr = hc_program_symbol_addr(in->prog, name, NULL);
	*n = 0;
	if (!addr || !in->dw)
		return 0;
	Dwarf_Die type;
	struct hc_error *e = hc_dwarf_variable_type(in->dw, name, &type);
	if (!e)
		e = hc_dwarf_array_length(&type, n);
	hc_error_destroy(e);
	return *n ? addr : 0;
}

static struct hc_error *load_layout(struct hc_program *prog, struct layout *L)
{
	struct gl_init in = {.prog = prog};
	struct hc_error *err = hc_dwarf_index_get(prog, &in.dw);
	if (err)
		return err;
	const char *g = "runtime.g", *sg = "runtime.sudog";
	L->allgs = gl_symbol(&in, "runtime.allgs", NULL);
	L->g_lo = gl_field(&in, g, "stack.lo");
	L->g_hi = gl_field(&in, g, "stack.hi");
	L->g_sp = gl_field(&in, g, "sched.sp");
	L->g_pc = gl_field(&in, g, "sched.pc");
	L->g_syscallsp = gl_field(&in, g, "syscallsp");
	L->g_syscallpc = gl_field(&in, g, "syscallpc");
	L->g_status = gl_field(&in, g, "atomicstatus");
	L->g_goid = gl_field(&in, g, "goid");
	L->g_m = gl_field(&in, g, "m");
	L->g_waitreason = gl_field(&in, g, "waitreason");
	L->g_waitsince = gl_field(&in, g, "waitsince");
	L->g_lockedm = gl_field(&in, g, "lockedm");
	L->g_startpc = gl_field(&in, g, "startpc");
	L->g_gopc = gl_field(&in, g, "gopc");
	L->g_parent = gl_field(&in, g, "parentGoid");
	L->g_waiting = gl_field(&in, g, "waiting");
	L->m_procid = gl_field(&in, "runtime.m", "procid");
	L->m_curg = gl_field(&in, "runtime.m", "curg");
	L->m_vdsosp = gl_field_opt(&in, "runtime.m", "vdsoSP", false);
	L->m_vdsopc = gl_field_opt(&in, "runtime.m", "vdsoPC", false);
	/* Go 1.26 wraps sudog.c and elem (maybeTraceablePtr: vu is the truth). */
	L->sg_c = gl_field_opt(&in, sg, "c.vu", false);
	if (!L->sg_c.present)
		L->sg_c = gl_field(&in, sg, "c");
	L->sg_elem = gl_field_opt(&in, sg, "elem.vu", false);
	if (!L->sg_elem.present)
		L->sg_elem = gl_field(&in, sg, "elem");
	L->sg_waitlink = gl_field(&in, sg, "waitlink");
	L->sg_g = gl_field(&in, sg, "g");
	L->sg_prev = gl_field(&in, sg, "prev");
	L->sg_next = gl_field(&in, sg, "next");
	if (in.err)
		return in.err;
	L->waitreasons = string_table(&in, "runtime.waitReasonStrings", &L->nwaitreasons);
	L->gstatus = string_table(&in, "runtime.gStatusStrings", &L->ngstatus);
	/* The semaphore table and the clocks are optional. */
	L->semtable = hc_program_symbol_addr(prog, "runtime.semtable", NULL);
	L->sr_treap = gl_field_opt(&in, "runtime.semaRoot", "treap", false);
	uint64_t tabsize = gl_type_size(&in, "runtime.semTable");
	L->sema_n = (uint64_t)gl_constant(&in, "runtime.semTabSize", 251, false);
	if (in.err || !L->sr_treap.present || !L->sema_n || tabsize % L->sema_n)
		L->semtable = 0;
	else
		L->sema_stride = tabsize / L->sema_n;
	hc_error_destroy(in.err);
	in.err = NULL;
	/* Where a Cond keeps its waiters (absent when nothing uses a Cond). */
	L->cond_notify = gl_field_opt(&in, "sync.Cond", "notify", false);
	L->nl_head = gl_field_opt(&in, "runtime.notifyList", "head", false);
	hc_error_destroy(in.err);
	in.err = NULL;
	uint64_t sched = hc_program_symbol_addr(prog, "runtime.sched", NULL);
	struct gf lp = gl_field_opt(&in, "runtime.schedt", "lastpoll", false);
	if (!sched || !lp.present || !gl_peek_field(prog, sched, lp, &L->lastpoll))
		L->lastpoll = 0;
	uint64_t ms = hc_program_symbol_addr(prog, "runtime.memstats", NULL);
	struct gf lg = gl_field_opt(&in, "runtime.mstats", "last_gc_nanotime", false);
	if (!ms || !lg.present || !gl_peek_field(prog, ms, lg, &L->last_gc))
		L->last_gc = 0;
	/* sysmon's last look at each P (proc.go:retake stores its nanotime()
	 * in p.sysmontick.schedwhen and syscallwhen when the P has moved on),
	 * refreshed every 20 us to 10 ms while the program runs. */
	L->sysmon = 0;
	uint64_t allp = hc_program_symbol_addr(prog, "runtime.allp", NULL), parr, plen;
	struct gf sw = gl_field_opt(&in, "runtime.p", "sysmontick.schedwhen", false);
	struct gf cw = gl_field_opt(&in, "runtime.p", "sysmontick.syscallwhen", false);
	if (allp && sw.present && cw.present && hc_memory_peek_u64(&prog->mem, allp, &parr) &&
	    hc_memory_peek_u64(&prog->mem, allp + 8, &plen) && plen <= 4096) {
		for (uint64_t i = 0; i < plen; i++) {
			uint64_t pp, w;
			if (!hc_memory_peek_u64(&prog->mem, parr + 8 * i, &pp) || !pp)
				continue;
			if (gl_peek_field(prog, pp, sw, &w) && (int64_t)w > (int64_t)L->sysmon)
				L->sysmon = w;
			if (gl_peek_field(prog, pp, cw, &w) && (int64_t)w > (int64_t)L->sysmon)
				L->sysmon = w;
		}
	}
	hc_error_destroy(in.err);
	return NULL;
}

/* Entry @p i of a [N]string table of the runtime, into @p out. */
static void table_string(struct hc_program *prog, uint64_t table, uint64_t n, uint64_t i,
			 char *out, size_t outlen)
{
	uint64_t ptr, len;
	out[0] = '\0';
	if (!table || i >= n || !hc_memory_peek_u64(&prog->mem, table + 16 * i, &ptr) ||
	    !hc_memory_peek_u64(&prog->mem, table + 16 * i + 8, &len) || len >= outlen ||
	    !hc_memory_peek(&prog->mem, ptr, out, len)) {
		out[0] = '\0';
		return;
	}
	out[len] = '\0';
}

const struct hc_thread *hc_go_thread_of_m(struct hc_program *prog, uint64_t m)
{
	struct gl_init in = {.prog = prog};
	uint64_t procid;
	if (!m || hc_dwarf_index_get(prog, &in.dw))
		return NULL;
	struct gf f = gl_field(&in, "runtime.m", "procid");
	if (in.err) {
		hc_error_destroy(in.err);
		return NULL;
	}
	if (!gl_peek_field(prog, m, f, &procid))
		return NULL;
	for (size_t i = 0; i < prog->core->nthreads; i++) {
		if ((uint64_t)prog->core->threads[i].tid == procid)
			return &prog->core->threads[i];
	}
	return NULL;
}

/*
 * A running goroutine whose thread was stopped inside a signal handler (the
 * crashing one, typically) has its own context in the kernel's signal frame
 * on the handler's stack: rt_sigframe {pretcode = the runtime's sigreturn
 * trampoline; ucontext}.  Search upward from the thread's stack pointer for
 * the trampoline's address, and take the saved rip and rsp (x86-64
 * ucontext: uc_mcontext.gregs at 40, REG_RSP 15, REG_RIP 16) of the first
 * frame whose rsp lies on the goroutine's stack.  Nested signals (a signal
 * raised in the handler) have their rsp on the signal stack and are passed.
 */
bool hc_go_signal_context(struct hc_program *prog, uint64_t sp, uint64_t lo, uint64_t hi,
			  uint64_t *pc_ret, uint64_t *sp_ret)
{
	static const char *const names[] = {
		"runtime.sigreturn__sigaction.abi0", "runtime.sigreturn__sigaction",
		"runtime.sigreturn.abi0", "runtime.sigreturn",
	};
	uint64_t restorer = 0;
	for (size_t i = 0; i < HC_ARRAY_SIZE(names) && !restorer; i++)
		restorer = hc_program_symbol_addr(prog, names[i], NULL);
	if (!restorer || prog->core->arch != HC_ARCH_X86_64)
		return false;
	sp &= ~7ULL;
	for (uint64_t a = sp; a < sp + (256u << 10); a += 8) {
		uint64_t v, rsp, rip;
		if (!hc_memory_peek_u64(&prog->mem, a, &v))
			return false; /* the end of the stack's mapping */
		if (v != restorer)
			continue;
		uint64_t gregs = a + 8 + 40;
		if (!hc_memory_peek_u64(&prog->mem, gregs + 8 * 15, &rsp) ||
		    !hc_memory_peek_u64(&prog->mem, gregs + 8 * 16, &rip))
			continue;
		if (rsp >= lo && rsp < hi) {
			*pc_ret = rip;
			*sp_ret = rsp;
			return true;
		}
	}
	return false;
}

/* ---- frames ---- */

struct frame_walk {
	struct hc_go_goroutines *gs;
	bool trap;        /* the next frame's pc is a trapping instruction */
	bool oom;
	unsigned physical;
	size_t first;     /* the goroutine's first frame */
	/* Where the last fatalpanic/fatalthrow frame ended: the printed
	 * traceback starts after it (index into gs->frames), or SIZE_MAX. */
	size_t cut;
};

static bool named(const char *name, const char *what)
{
	return name && strcmp(name, what) == 0;
}

static bool walk_frame(void *arg, const struct hc_go_frame *fr)
{
	struct frame_walk *w = arg;
	struct hc_go_goroutines *gs = w->gs;
	struct hc_go_logical buf[64];
	size_t n = hc_pcln_logical_frames(gs->pcln, fr->pc, w->trap, buf, HC_ARRAY_SIZE(buf));
	if (!hc_grow(&gs->frames, &gs->cap_frames, gs->nframes + n, sizeof(*gs->frames))) {
		w->oom = true;
		return false;
	}
	memcpy(gs->frames + gs->nframes, buf, n * sizeof(*buf));
	gs->nframes += n;
	/* traceback.go:(*unwinder).next: the caller of an injected call
	 * (sigpanic, asyncPreempt, debugCallV2) stopped at the trapping
	 * instruction itself. */
	w->trap = named(fr->func, "runtime.sigpanic") || named(fr->func, "runtime.asyncPreempt") ||
		  named(fr->func, "runtime.debugCallV2");
	if (named(fr->func, "runtime.fatalpanic") || named(fr->func, "runtime.fatalthrow"))
		w->cut = gs->nframes;
	return ++w->physical < MAX_FRAMES_PER_G;
}


/* ---- what a blocked goroutine waits on ---- */

/* sudog address -> the goroutine and the semaphore address, from semtable. */
struct sema_waiter {
	uint64_t g, sudog, elem;
};

struct sema_walk {
	struct sema_waiter *w;
	size_t n, cap;
	uint64_t budget;
	bool oom;
};

static void sema_collect(struct hc_program *prog, const struct layout *L, struct sema_walk *sw)
{
	if (!L->semtable)
		return;
	uint64_t stack[256];
	for (uint64_t i = 0; i < L->sema_n; i++) {
		size_t top = 0;
		uint64_t root;
		if (!gl_peek_field(prog, L->semtable + i * L->sema_stride, L->sr_treap, &root) || !root)
			continue;
		stack[top++] = root;
		while (top && sw->budget && !sw->oom) {
			uint64_t t = stack[--top];
			sw->budget--;
			uint64_t prev, next, elem;
			if (!gl_peek_field(prog, t, L->sg_elem, &elem))
				continue;
			/* Waiters on one address hang off the treap node by waitlink. */
			for (uint64_t s = t, k = 0; s && k < MAX_SUDOGS_PER_G && sw->budget; k++) {
				uint64_t gp;
				sw->budget--;
				if (!gl_peek_field(prog, s, L->sg_g, &gp))
					break;
				if (!hc_grow(&sw->w, &sw->cap, sw->n + 1, sizeof(*sw->w))) {
					sw->oom = true;
					break;
				}
				sw->w[sw->n++] = (struct sema_waiter){gp, s, elem};
				if (!gl_peek_field(prog, s, L->sg_waitlink, &s))
					break;
			}
			if (gl_peek_field(prog, t, L->sg_prev, &prev) && prev && top < HC_ARRAY_SIZE(stack))
				stack[top++] = prev;
			if (gl_peek_field(prog, t, L->sg_next, &next) && next && top < HC_ARRAY_SIZE(stack))
				stack[top++] = next;
		}
	}
}

/*
 * Brent's cycle detection for a list in the target: step() is given each
 * next address and says when it has come round to one seen before.
 */
struct cycle {
	uint64_t mark;
	uint64_t power, lam;
};

static void cycle_init(struct cycle *c, uint64_t first)
{
	*c = (struct cycle){first, 1, 0};
}

static bool cycle_step(struct cycle *c, uint64_t next)
{
	if (next == c->mark)
		return true;
	if (++c->lam == c->power) {
		c->mark = next;
		c->power *= 2;
		c->lam = 0;
	}
	return false;
}

/* ---- sync.Cond waiters before Go 1.26 ---- */

/*
 * Before Go 1.26, runtime.notifyListWait (sema.go) queues its sudog on the
 * Cond's notifyList (l.head, linked by sudog.next) and sets neither
 * g.waiting nor sudog.elem: nothing reachable from the g names the Cond.
 * Go 1.26 stores l in sudog.elem and the sudog in g.waiting for its leak
 * detector.  Here the Cond is found on the waiter's stack:
 * sync.(*Cond).Wait keeps c live across runtime_notifyListWait (it locks
 * c.L afterwards), so c is among the live pointer words the stack maps give
 * for that frame at that call.  (Its DWARF location list does not help: Go
 * 1.22-1.25 describe c only while it is in AX at the entry.)  A word is
 * taken only when the notifyList it points to (c + the offset of notify, or
 * the word itself) queues a sudog whose g is this goroutine: the proof
 * that this is what it waits on; and that list names every goroutine on it.
 */
#define MAX_COND_CANDIDATES 64

struct cond_stack {
	struct hc_pcln *pcln;
	uint64_t cand[MAX_COND_CANDIDATES];
	size_t ncand;
	bool trap;
	bool last; /* the frame just visited holds sync.(*Cond).Wait */
};

static bool cond_frame(void *arg, const struct hc_go_frame *fr)
{
	struct cond_stack *cs = arg;
	if (cs->last)
		return false;
	struct hc_go_logical buf[64];
	size_t n = hc_pcln_logical_frames(cs->pcln, fr->pc, cs->trap, buf, HC_ARRAY_SIZE(buf));
	for (size_t i = 0; i < n; i++)
		cs->last |= named(buf[i].name, "sync.(*Cond).Wait");
	cs->trap = named(fr->func, "runtime.sigpanic") || named(fr->func, "runtime.asyncPreempt");
	return true;
}

static bool cond_word(void *arg, uint64_t addr, uint64_t value)
{
	struct cond_stack *cs = arg;
	(void)addr;
	if (value && cs->ncand < MAX_COND_CANDIDATES)
		cs->cand[cs->ncand++] = value;
	return true;
}

/* A goroutine by its g's address. */
struct g_index {
	uint64_t gp;
	size_t i;
};

static int g_index_cmp(const void *a, const void *b)
{
	const struct g_index *x = a, *y = b;
	return x->gp < y->gp ? -1 : x->gp > y->gp;
}

struct cond_find {
	struct hc_program *prog;
	const struct layout *L;
	struct hc_go_goroutines *gs;
	struct g_index *by_gp;  /* gs->n, sorted by gp */
	uint64_t *list, *sudog; /* per goroutine: its notifyList and sudog, or 0 */
	bool *tried, *cycle;
	uint64_t budget;        /* sudogs the walks may still read */
};

/*
 * Walk the notifyList at @p l; if it queues a sudog of the goroutine at
 * @p gp, record the list for every goroutine it queues.  A list that does
 * not end (a cycle, or longer than the goroutines) is walked once around
 * and sets *@p cycle.
 */
static bool cond_list_claim(struct cond_find *cf, uint64_t l, uint64_t gp, bool *cycle)
{
	const struct layout *L = cf->L;
	uint64_t s;
	if (!gl_peek_field(cf->prog, l, L->nl_head, &s) || !s)
		return false;
	uint64_t first = s;
	bool found = false;
	size_t k = 0;
	struct cycle cyc;
	cycle_init(&cyc, s);
	for (; s && cf->budget; k++, cf->budget--) {
		uint64_t owner;
		if (!gl_peek_field(cf->prog, s, L->sg_g, &owner))
			return false;
		found |= owner == gp;
		if (!gl_peek_field(cf->prog, s, L->sg_next, &s))
			return false;
		if (k > cf->gs->n || cycle_step(&cyc, s)) {
			*cycle = found;
			break;
		}
	}
	if (!found)
		return false;
	s = first;
	for (size_t j = 0; j < k && s; j++) {
		struct g_index key = {0}, *hit;
		if (!gl_peek_field(cf->prog, s, L->sg_g, &key.gp))
			break;
		if ((hit = bsearch(&key, cf->by_gp, cf->gs->n, sizeof(*hit), g_index_cmp)) &&
		    !cf->list[hit->i]) {
			cf->list[hit->i] = l;
			cf->sudog[hit->i] = s;
		}
		if (!gl_peek_field(cf->prog, s, L->sg_next, &s))
			break;
	}
	return true;
}

/* Find the notifyList goroutine @p i waits on (see above). */
static void cond_resolve(struct cond_find *cf, size_t i)
{
	const struct hc_go_goroutine *g = &cf->gs->g[i];
	if (cf->tried[i] || cf->list[i])
		return;
	cf->tried[i] = true;
	if (!g->pc || !cf->L->cond_notify.present || !cf->L->nl_head.present)
		return;
	struct cond_stack cs = {.pcln = cf->gs->pcln, .trap = g->trap};
	struct hc_go_stack_visitor v = {.arg = &cs, .frame = cond_frame, .word = cond_word};
	hc_go_walk_stack(cf->gs->pcln, g->pc, g->sp, g->stack_lo, g->stack_hi, g->trap, &v);
	if (!cs.last)
		return;
	for (size_t k = 0; k < cs.ncand && !cf->list[i]; k++) {
		uint64_t c = cs.cand[k];
		if (!cond_list_claim(cf, c + cf->L->cond_notify.off, g->gp, &cf->cycle[i]))
			cond_list_claim(cf, c, g->gp, &cf->cycle[i]);
	}
}

static bool cond_init(struct cond_find *cf, struct hc_program *prog, const struct layout *L,
		      struct hc_go_goroutines *gs)
{
	*cf = (struct cond_find){.prog = prog, .L = L, .gs = gs,
				 .budget = 16 * ((uint64_t)gs->n + 64)};
	cf->by_gp = malloc((gs->n + 1) * sizeof(*cf->by_gp));
	cf->list = calloc(gs->n + 1, sizeof(*cf->list));
	cf->sudog = calloc(gs->n + 1, sizeof(*cf->sudog));
	cf->tried = calloc(gs->n + 1, sizeof(*cf->tried));
	cf->cycle = calloc(gs->n + 1, sizeof(*cf->cycle));
	if (!cf->by_gp || !cf->list || !cf->sudog || !cf->tried || !cf->cycle)
		return false;
	for (size_t i = 0; i < gs->n; i++)
		cf->by_gp[i] = (struct g_index){gs->g[i].gp, i};
	hc_qsort(cf->by_gp, gs->n, sizeof(*cf->by_gp), g_index_cmp);
	return true;
}

static void cond_deinit(struct cond_find *cf)
{
	free(cf->by_gp);
	free(cf->list);
	free(cf->sudog);
	free(cf->tried);
	free(cf->cycle);
}

static bool has_frame(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
		      const char *name)
{
	for (size_t i = 0; i < g->nframes; i++) {
		if (named(gs->frames[g->first_frame + i].name, name))
			return true;
	}
	return false;
}

/* mgc.go:isMaybeRunnable's classes, by the wait reason's text. */
static enum hc_go_block block_kind(const struct hc_go_goroutines *gs,
				   const struct hc_go_goroutine *g, bool has_wg_reason)
{
	static const char *const always[] = {"select (no cases)", "chan send (nil chan)",
					     "chan receive (nil chan)"};
	static const char *const chans[] = {"chan receive", "select", "chan send"};
	static const char *const syncs[] = {"sync.Cond.Wait", "sync.Mutex.Lock",
					    "sync.RWMutex.RLock", "sync.RWMutex.Lock",
					    "sync.WaitGroup.Wait"};
	/* A goroutine the runtime's own detector marked _Gleaked (Go 1.26's
	 * goroutineleakprofile experiment) is judged again, by its wait
	 * reason, like any waiting one: the runtime's verdict is not taken. */
	if (g->status != 4 && !g->runtime_leaked)
		return HC_GO_BLOCK_NONE;
	for (size_t i = 0; i < HC_ARRAY_SIZE(always); i++)
		if (!strcmp(g->state, always[i]))
			return HC_GO_BLOCK_ALWAYS;
	for (size_t i = 0; i < HC_ARRAY_SIZE(chans); i++)
		if (!strcmp(g->state, chans[i]))
			return HC_GO_BLOCK_CHAN;
	for (size_t i = 0; i < HC_ARRAY_SIZE(syncs); i++)
		if (!strcmp(g->state, syncs[i]))
			return HC_GO_BLOCK_SYNC;
	/* Before Go 1.24 sync.WaitGroup.Wait parked as "semacquire"; the same
	 * wait is a sync wait to Go 1.26. */
	if (!has_wg_reason && !strcmp(g->state, "semacquire") &&
	    has_frame(gs, g, "sync.(*WaitGroup).Wait"))
		return HC_GO_BLOCK_SYNC;
	return HC_GO_BLOCK_NONE;
}

static bool add_wait(struct hc_go_goroutines *gs, size_t *cap, uint64_t sudog, uint64_t target)
{
	if (!hc_grow(&gs->waits, cap, gs->nwaits + 1, sizeof(*gs->waits)))
		return false;
	gs->waits[gs->nwaits++] = (struct hc_go_wait){sudog, target};
	return true;
}

static int sema_cmp(const void *a, const void *b)
{
	const struct sema_waiter *x = a, *y = b;
	return x->g < y->g ? -1 : x->g > y->g;
}

/* ---- the goroutines ---- */

void hc_go_goroutines_destroy(struct hc_go_goroutines *gs)
{
	if (!gs)
		return;
	free(gs->g);
	free(gs->frames);
	free(gs->waits);
	free(gs);
}

/* Where Go's traceback would start unwinding @p g (traceback.go:initAt). */
static void start_context(struct hc_program *prog, const struct layout *L, uint64_t gp,
			  struct hc_go_goroutine *g, uint64_t *pc, uint64_t *sp, bool *trap)
{
	uint64_t lo = g->stack_lo, hi = g->stack_hi, syscallsp = 0;
	*pc = *sp = 0;
	*trap = false;
	if (g->status == 2) {
		const struct hc_thread *t = hc_go_thread_of_m(prog, g->m);
		if (!t)
			return;
		*pc = t->pc;
		*sp = t->sp;
		if (*sp >= lo && *sp < hi) {
			*trap = true; /* stopped at any instruction */
			return;
		}
		if (hc_go_signal_context(prog, t->sp, lo, hi, pc, sp)) {
			*trap = true;
			return;
		}
		/* On the system stack: systemstack saved the goroutine's
		 * context in g.sched, as a switch does. */
		if (!gl_peek_field(prog, gp, L->g_sp, sp) || !gl_peek_field(prog, gp, L->g_pc, pc))
			*pc = *sp = 0;
		return;
	}
	if (gl_peek_field(prog, gp, L->g_syscallsp, &syscallsp) && syscallsp) {
		*sp = syscallsp;
		if (!gl_peek_field(prog, gp, L->g_syscallpc, pc))
			*pc = 0;
	} else if (!gl_peek_field(prog, gp, L->g_sp, sp) || !gl_peek_field(prog, gp, L->g_pc, pc)) {
		*pc = *sp = 0;
	}
	/* traceback.go:traceback1: a goroutine whose M is inside a VDSO call
	 * unwinds from where that call left Go code. */
	uint64_t vsp, vpc;
	if (g->m && L->m_vdsosp.present && L->m_vdsopc.present &&
	    gl_peek_field(prog, g->m, L->m_vdsosp, &vsp) && vsp &&
	    gl_peek_field(prog, g->m, L->m_vdsopc, &vpc)) {
		*sp = vsp;
		*pc = vpc;
	}
}

struct hc_error *hc_go_goroutines_get(struct hc_program *prog, struct hc_go_goroutines **ret)
{
	struct layout L;
	memset(&L, 0, sizeof(L));
	struct hc_error *err = load_layout(prog, &L);
	if (err)
		return err;
	uint64_t arr, len;
	err = hc_memory_read_u64(&prog->mem, L.allgs, &arr);
	if (!err)
		err = hc_memory_read_u64(&prog->mem, L.allgs + 8, &len);
	if (err)
		return hc_error_prefix(err, "reading runtime.allgs");
	if (len > MAX_GOROUTINES)
		return hc_error_format(HC_ERROR_BAD_DATA, "runtime.allgs claims %" PRIu64 " goroutines",
				       len);
	struct hc_go *go;
	if ((err = hc_go_get(prog, &go)))
		return err;
	struct hc_go_goroutines *gs = calloc(1, sizeof(*gs));
	if (!gs)
		return &hc_enomem;
	if ((err = hc_pcln_get(prog, &gs->pcln))) {
		free(gs);
		return err;
	}
	size_t cap_g = 0, cap_waits = 0;
	bool oom = false;
	/* Does this runtime name WaitGroup waits (Go 1.24+)? */
	bool has_wg_reason = false;
	for (uint64_t i = 0; i < L.nwaitreasons && !has_wg_reason; i++) {
		char s[64];
		table_string(prog, L.waitreasons, L.nwaitreasons, i, s, sizeof(s));
		has_wg_reason = !strcmp(s, "sync.WaitGroup.Wait");
	}
	uint64_t now = L.lastpoll > L.last_gc ? L.lastpoll : L.last_gc;
	if (L.sysmon > now)
		now = L.sysmon;
	/* Which thread took the fatal signal: the core's first with a signal. */
	int32_t crash_tid = -1;
	for (size_t i = 0; i < prog->core->nthreads && crash_tid < 0; i++) {
		if (prog->core->threads[i].signal)
			crash_tid = prog->core->threads[i].tid;
	}
	for (uint64_t i = 0; i < len && !oom; i++) {
		uint64_t gp, status, reason, lockedm, waitsince;
		if (!hc_memory_peek_u64(&prog->mem, arr + 8 * i, &gp) || !gp)
			continue;
		struct hc_go_goroutine g;
		memset(&g, 0, sizeof(g));
		g.gp = gp;
		g.wait_minutes = -1;
		if (!gl_peek_field(prog, gp, L.g_status, &status) ||
		    !gl_peek_field(prog, gp, L.g_goid, &g.goid)) {
			hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "goroutine", gp, AFF_GOROUTINES,
					"goroutine at 0x%" PRIx64 " is unreadable", gp);
			continue;
		}
		status &= ~0x1000ULL; /* _Gscan */
		g.status = (uint32_t)status;
		char sname[64];
		table_string(prog, L.gstatus, L.ngstatus, status, sname, sizeof(sname));
		if (status == 6 || status == 0 || g.goid == 0 || !strcmp(sname, "dead") ||
		    !strcmp(sname, "waiting for cgo callback"))
			continue; /* dead, never started, or an M's own g */
		if (!gl_peek_field(prog, gp, L.g_lo, &g.stack_lo) ||
		    !gl_peek_field(prog, gp, L.g_hi, &g.stack_hi) ||
		    !gl_peek_field(prog, gp, L.g_m, &g.m) ||
		    !gl_peek_field(prog, gp, L.g_waitreason, &reason) ||
		    !gl_peek_field(prog, gp, L.g_startpc, &g.startpc) ||
		    !gl_peek_field(prog, gp, L.g_gopc, &g.gopc) ||
		    !gl_peek_field(prog, gp, L.g_parent, &g.parent_goid))
			g.error = "its g is not saved in the core";
		g.locked = gl_peek_field(prog, gp, L.g_lockedm, &lockedm) && lockedm;
		g.runtime_leaked = !strcmp(sname, "leaked");
		/* traceback.go:goroutineheader */
		snprintf(g.state, sizeof(g.state), "%s", sname[0] ? sname : "???");
		if ((status == 4 || !strcmp(sname, "leaked")) && reason) {
			char why[64];
			table_string(prog, L.waitreasons, L.nwaitreasons, reason, why, sizeof(why));
			if (why[0])
				snprintf(g.state, sizeof(g.state), "%s", why);
		}
		if ((status == 4 || status == 3) && gl_peek_field(prog, gp, L.g_waitsince, &waitsince) &&
		    waitsince) {
			g.wait_minutes = (int64_t)waitsince; /* made minutes below */
			if (waitsince > now)
				now = waitsince;
		}
		if (status == 2 && crash_tid >= 0) {
			const struct hc_thread *t = hc_go_thread_of_m(prog, g.m);
			g.crashing = t && t->tid == crash_tid;
		}
		/* The stack: carved from stack spans (stack.go:stackalloc). */
		size_t si = hc_go_span_index(go, g.stack_lo);
		const struct hc_go_span *ss = si == SIZE_MAX ? NULL : &go->spans[si];
		g.first_frame = gs->nframes;
		if (!g.error && (!ss || ss->state != GO_SPAN_MANUAL || g.stack_hi <= g.stack_lo ||
				 g.stack_hi > ss->base + (uint64_t)ss->npages * go->page_size))
			g.error = "its stack is not in a stack span";
		if (!g.error) {
			uint64_t pc, sp;
			bool trap;
			start_context(prog, &L, gp, &g, &pc, &sp, &trap);
			if (!pc || sp < g.stack_lo || sp >= g.stack_hi) {
				g.error = g.status == 2 ? "running on a thread the core does not show"
					  : "its stack pointer is outside its stack";
			} else {
				g.pc = pc;
				g.sp = sp;
				g.trap = trap;
				struct frame_walk w = {.gs = gs, .trap = trap, .first = gs->nframes,
						       .cut = SIZE_MAX};
				struct hc_go_stack_visitor v = {.arg = &w, .frame = walk_frame};
				uint64_t rest = hc_go_walk_stack(gs->pcln, pc, sp, g.stack_lo, g.stack_hi,
								 trap, &v);
				if (w.oom) {
					oom = true;
					break;
				}
				if (w.cut != SIZE_MAX && g.crashing) {
					/* Shown from the caller of fatalpanic, as printed. */
					size_t drop = w.cut - w.first;
					memmove(gs->frames + w.first, gs->frames + w.cut,
						(gs->nframes - w.cut) * sizeof(*gs->frames));
					gs->nframes -= drop;
				}
				/* traceback.go:traceback1 prints the innermost
				 * tracebackInnerFrames (50) logical frames and the
				 * outermost tracebackOuterFrames (50), and says how
				 * many it elided between. */
				size_t n = gs->nframes - w.first;
				if (n > 100) {
					memmove(gs->frames + w.first + 50, gs->frames + gs->nframes - 50,
						50 * sizeof(*gs->frames));
					g.elided = n - 100;
					gs->nframes = w.first + 100;
				}
				if (rest)
					g.error = "its stack does not unwind to its first frame";
				if (gs->nframes == w.first)
					g.error = "its stack does not unwind";
			}
		}
		g.nframes = gs->nframes - g.first_frame;
		if (g.error)
			hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "goroutine", g.gp, AFF_GOROUTINES,
					"goroutine %" PRIu64 ": %s", g.goid, g.error);
		if (!hc_grow(&gs->g, &cap_g, gs->n + 1, sizeof(*gs->g))) {
			oom = true;
			break;
		}
		gs->g[gs->n++] = g;
	}
	for (size_t i = 0; i < gs->n; i++) {
		struct hc_go_goroutine *g = &gs->g[i];
		if (g->wait_minutes >= 0)
			g->wait_minutes = ((int64_t)now - g->wait_minutes) / 60000000000LL;
	}
	/* What the blocked ones wait on. */
	/* A treap holds one sudog per blocked goroutine: more is a damaged one. */
	struct sema_walk sw = {.budget = 4 * (uint64_t)gs->n + 64};
	struct cond_find cf = {0};
	bool sema_read = false;
	for (size_t i = 0; i < gs->n && !oom; i++) {
		struct hc_go_goroutine *g = &gs->g[i];
		g->block = block_kind(gs, g, has_wg_reason);
		g->first_wait = gs->nwaits;
		if (g->block != HC_GO_BLOCK_CHAN && g->block != HC_GO_BLOCK_SYNC)
			continue;
		uint64_t s = 0;
		if (!gl_peek_field(prog, g->gp, L.g_waiting, &s))
			s = 0;
		if (g->block == HC_GO_BLOCK_CHAN) {
			/* Every case of a select, linked by waitlink; a cycle ends
			 * the walk once around it, and a list too long at the bound. */
			struct cycle cyc;
			cycle_init(&cyc, s);
			for (unsigned k = 0; s && k < MAX_SUDOGS_PER_G; k++) {
				uint64_t c, next;
				if (!gl_peek_field(prog, s, L.sg_c, &c) ||
				    !gl_peek_field(prog, s, L.sg_waitlink, &next)) {
					hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "sudog", s,
							AFF_GOROUTINES, "goroutine %" PRIu64
							": its sudog at 0x%" PRIx64 " is unreadable", g->goid, s);
					break;
				}
				if (!add_wait(gs, &cap_waits, s, c)) {
					oom = true;
					break;
				}
				s = next;
				if (s && cycle_step(&cyc, s)) {
					g->error = "its list of sudogs (g.waiting) has a cycle";
					hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "sudog list", g->gp,
							AFF_GOROUTINES, "goroutine %" PRIu64 ": %s", g->goid,
							g->error);
					break;
				}
				if (k + 1 == MAX_SUDOGS_PER_G && s) {
					g->error = "its list of sudogs (g.waiting) does not end";
					hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "sudog list", g->gp,
							AFF_GOROUTINES, "goroutine %" PRIu64 ": %s", g->goid,
							g->error);
				}
			}
		} else if (s) {
			uint64_t elem;
			if (gl_peek_field(prog, s, L.sg_elem, &elem) && !add_wait(gs, &cap_waits, s, elem))
				oom = true;
		} else if (!strcmp(g->state, "sync.Cond.Wait")) {
			/* Before Go 1.26: its Cond, from its stack. */
			if (!cf.by_gp && !cond_init(&cf, prog, &L, gs)) {
				oom = true;
				break;
			}
			cond_resolve(&cf, i);
			if (cf.list[i] && !add_wait(gs, &cap_waits, cf.sudog[i], cf.list[i]))
				oom = true;
			if (cf.cycle[i]) {
				g->error = "its sync.Cond's list of sudogs does not end (a cycle)";
				hc_warn_damaged(&prog->warnings[HC_PHASE_GOROUTINES], "sudog list", g->gp,
						AFF_GOROUTINES, "goroutine %" PRIu64 ": %s", g->goid,
						g->error);
			} else if (!cf.list[i]) {
				hc_warn(&prog->warnings[HC_PHASE_GOROUTINES], "goroutine %" PRIu64
					": the sync.Cond it waits on is not found (judged not leaked)",
					g->goid);
			}
		} else {
			/* Before Go 1.26: look for it in the semaphore table. */
			if (!sema_read) {
				sema_collect(prog, &L, &sw);
				if (sw.oom) {
					oom = true;
					break;
				}
				hc_qsort(sw.w, sw.n, sizeof(*sw.w), sema_cmp);
				sema_read = true;
			}
			struct sema_waiter key = {.g = g->gp};
			struct sema_waiter *hit = bsearch(&key, sw.w, sw.n, sizeof(*sw.w), sema_cmp);
			if (hit && !add_wait(gs, &cap_waits, hit->sudog, hit->elem))
				oom = true;
		}
		g->nwaits = gs->nwaits - g->first_wait;
		/* A sync wait with nothing to check is maybe runnable
		 * (isMaybeRunnable: gp.waiting == nil). */
		if (g->block == HC_GO_BLOCK_SYNC && !g->nwaits)
			g->block = HC_GO_BLOCK_NONE;
	}
	free(sw.w);
	cond_deinit(&cf);
	if (oom) {
		hc_go_goroutines_destroy(gs);
		return &hc_enomem;
	}
	*ret = gs;
	return NULL;
}
