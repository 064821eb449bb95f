/*
 * What the Go runtime printed first when the program died, rebuilt from
 * the core.
 *
 * A panic: the thread that took the fatal signal runs an M whose current
 * goroutine has g._panic set.  printpanics (panic.go) prints the chain
 * oldest first, "panic: " and printpanicval (error.go) of each value; by
 * then preprintpanics has replaced every error and Stringer value by its
 * Error() / String() text, so the text is in the core as a string.  A
 * panic a signal raised (sigpanic: nil dereference, ...) adds "[signal
 * NAME code=0x.. addr=0x.. pc=0x..]" from g.sig, sigcode0, sigcode1 and
 * sigpc (panic.go:dopanic_m), NAME from the runtime's own sigtable.
 *
 * A fatal signal (signal_unix.go:fatalsignal): "NAME" then "PC=0x.. m=N
 * sigcode=C" (and " addr=0x.." for SIGSEGV and SIGBUS), from the kernel's
 * signal frame the handler ran on: rt_sigframe {pretcode; ucontext (304
 * bytes on x86-64); siginfo}.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "target/corefile.h"
#include "debuginfo/dwarf_index.h"
#include "go/go_goroutines.h"
#include "go/go_layout.h"
#include "target/program.h"

#define MAX_PANICS 64
#define MAX_MS 100000
#define MAX_TEXT (1u << 20)

/* internal/abi.Kind */
enum { K_BOOL = 1, K_INT, K_INT8, K_INT16, K_INT32, K_INT64, K_UINT, K_UINT8, K_UINT16,
       K_UINT32, K_UINT64, K_UINTPTR, K_FLOAT32, K_FLOAT64, K_COMPLEX64, K_COMPLEX128,
       K_STRING = 24 };

void hc_go_crash_deinit(struct hc_go_crash *c)
{
	free(c->panic);
	free(c->sigpanic);
	free(c->fatal);
	memset(c, 0, sizeof(*c));
}

struct ctx {
	struct hc_program *prog;
	struct gl_init in;
	uint64_t types; /* moduledata.types */
	struct gf t_str, t_kind, t_tflag;
	bool indented;  /* the runtime has printindented (Go 1.24+) */
};

/* A Go string's bytes at @p ptr, @p len into @p sb; false when not saved. */
static bool go_string(struct ctx *c, uint64_t ptr, uint64_t len, struct hc_strbuf *sb,
		      bool indent)
{
	if (len > MAX_TEXT)
		return false;
	const uint8_t *p = len ? hc_memory_ptr(&c->prog->mem, ptr, len) : (const uint8_t *)"";
	if (!p)
		return false;
	for (uint64_t i = 0; i < len; i++) {
		hc_strbuf_append(sb, (const char *)p + i, 1);
		if (indent && p[i] == '\n')
			hc_strbuf_puts(sb, "\t");
	}
	return true;
}

/* abi.Type's name (type.go:Name, [flags][uvarint len][bytes]) into @p out. */
static bool type_string(struct ctx *c, uint64_t rtype, char *out, size_t outlen)
{
	uint64_t off, tflag;
	uint8_t hdr[11];
	if (!c->types || !gl_peek_field(c->prog, rtype, c->t_str, &off) ||
	    !gl_peek_field(c->prog, rtype, c->t_tflag, &tflag))
		return false;
	uint64_t p = c->types + (uint64_t)(int64_t)(int32_t)off, len = 0;
	if (!hc_memory_peek(&c->prog->mem, p, hdr, sizeof(hdr)))
		return false;
	int i, shift = 0;
	for (i = 1; i < 11; i++, shift += 7) {
		len |= (uint64_t)(hdr[i] & 0x7f) << shift;
		if (!(hdr[i] & 0x80))
			break;
	}
	if (i == 11 || len == 0 || len >= outlen ||
	    !hc_memory_peek(&c->prog->mem, p + 1 + (uint64_t)i, out, len))
		return false;
	out[len] = '\0';
	if ((tflag & 2) && out[0] == '*') /* TFlagExtraStar */
		memmove(out, out + 1, len);
	return true;
}

/* error.go:printpanicval of the eface {rtype, data}. */
static void panic_value(struct ctx *c, uint64_t rtype, uint64_t data, struct hc_strbuf *sb)
{
	if (!rtype) {
		hc_strbuf_puts(sb, "nil");
		return;
	}
	char name[512];
	uint64_t kind;
	if (!type_string(c, rtype, name, sizeof(name)) ||
	    !gl_peek_field(c->prog, rtype, c->t_kind, &kind)) {
		hc_strbuf_printf(sb, "(type at 0x%" PRIx64 ") 0x%" PRIx64, rtype, data);
		return;
	}
	kind &= 0x1f;
	/* A builtin type's name is its kind's: printed bare. */
	static const char *const builtin[] = {
		[K_BOOL] = "bool", [K_INT] = "int", [K_INT8] = "int8", [K_INT16] = "int16",
		[K_INT32] = "int32", [K_INT64] = "int64", [K_UINT] = "uint", [K_UINT8] = "uint8",
		[K_UINT16] = "uint16", [K_UINT32] = "uint32", [K_UINT64] = "uint64",
		[K_UINTPTR] = "uintptr", [K_STRING] = "string",
	};
	bool bare = kind < HC_ARRAY_SIZE(builtin) && builtin[kind] && !strcmp(builtin[kind], name);
	if (kind == K_STRING) {
		uint64_t ptr, len;
		size_t mark = sb->len;
		if (!bare)
			hc_strbuf_printf(sb, "%s(\"", name);
		if (hc_memory_peek_u64(&c->prog->mem, data, &ptr) &&
		    hc_memory_peek_u64(&c->prog->mem, data + 8, &len) &&
		    go_string(c, ptr, len, sb, c->indented)) {
			if (!bare)
				hc_strbuf_puts(sb, "\")");
			return;
		}
		sb->len = mark;
		if (sb->str)
			sb->str[mark] = '\0';
	} else if (kind >= K_BOOL && kind <= K_UINTPTR) {
		static const uint8_t size[] = {[K_BOOL] = 1, [K_INT] = 8, [K_INT8] = 1, [K_INT16] = 2,
					       [K_INT32] = 4, [K_INT64] = 8, [K_UINT] = 8,
					       [K_UINT8] = 1, [K_UINT16] = 2, [K_UINT32] = 4,
					       [K_UINT64] = 8, [K_UINTPTR] = 8};
		uint64_t v = 0;
		if (hc_memory_peek(&c->prog->mem, data, &v, size[kind])) {
			char num[32];
			if (kind == K_BOOL)
				snprintf(num, sizeof(num), "%s", v ? "true" : "false");
			else if (kind <= K_INT64) {
				int sh = 64 - 8 * size[kind];
				snprintf(num, sizeof(num), "%" PRId64, (int64_t)(v << sh) >> sh);
			} else
				snprintf(num, sizeof(num), "%" PRIu64, v);
			if (bare)
				hc_strbuf_puts(sb, num);
			else
				hc_strbuf_printf(sb, "%s(%s)", name, num);
			return;
		}
	}
	/* Not rendered (another kind, or not saved): its type and address,
	 * as printanycustomtype's default case prints. */
	hc_strbuf_printf(sb, "(%s) 0x%" PRIx64, name, data);
}

/* sigtable[sig].name, or "" */
static void signal_name(struct ctx *c, uint64_t sig, char *out, size_t outlen)
{
	uint64_t table = hc_program_symbol_addr(c->prog, "runtime.sigtable", NULL);
	struct gl_init in = c->in;
	in.err = NULL;
	struct gf name = gl_field(&in, "runtime.sigTabT", "name");
	uint64_t esize = gl_type_size(&in, "runtime.sigTabT");
	uint64_t ptr, len;
	out[0] = '\0';
	if (in.err || !table || !esize || sig >= 65 ||
	    !hc_memory_peek_u64(&c->prog->mem, table + sig * esize + name.off, &ptr) ||
	    !hc_memory_peek_u64(&c->prog->mem, table + sig * esize + name.off + 8, &len) ||
	    len >= outlen || !hc_memory_peek(&c->prog->mem, ptr, out, len))
		out[0] = '\0';
	else
		out[len] = '\0';
	hc_error_destroy(in.err);
}

/* The M whose thread is @p tid, by walking allm. */
static uint64_t m_of_thread(struct ctx *c, int32_t tid)
{
	struct gl_init in = c->in;
	in.err = NULL;
	struct gf procid = gl_field(&in, "runtime.m", "procid"),
		  alllink = gl_field(&in, "runtime.m", "alllink");
	uint64_t allm = hc_program_symbol_addr(c->prog, "runtime.allm", NULL), m;
	if (in.err || !allm || !hc_memory_peek_u64(&c->prog->mem, allm, &m)) {
		hc_error_destroy(in.err);
		return 0;
	}
	for (unsigned i = 0; m && i < MAX_MS; i++) {
		uint64_t id;
		if (!gl_peek_field(c->prog, m, procid, &id))
			return 0;
		if (id == (uint64_t)(uint32_t)tid)
			return m;
		if (!gl_peek_field(c->prog, m, alllink, &m))
			return 0;
	}
	return 0;
}

static char *finish(struct hc_strbuf *sb)
{
	char *out = NULL;
	if (!sb->len) {
		hc_strbuf_deinit(sb);
		return NULL;
	}
	hc_error_destroy(hc_strbuf_finish(sb, &out));
	return out;
}

struct hc_error *hc_go_crash_get(struct hc_program *prog, struct hc_go_crash *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct ctx c = {.prog = prog, .in = {.prog = prog}};
	struct hc_error *err = hc_dwarf_index_get(prog, &c.in.dw);
	if (err)
		return err;
	const char *t = "internal/abi.Type";
	c.t_str = gl_field(&c.in, t, "Str");
	c.t_kind = gl_field(&c.in, t, "Kind_");
	c.t_tflag = gl_field(&c.in, t, "TFlag");
	struct gf md_types = gl_field(&c.in, "runtime.moduledata", "types"),
		  m_curg = gl_field(&c.in, "runtime.m", "curg"),
		  m_id = gl_field(&c.in, "runtime.m", "id"),
		  g_panic = gl_field(&c.in, "runtime.g", "_panic"),
		  g_goid = gl_field(&c.in, "runtime.g", "goid"),
		  g_sig = gl_field(&c.in, "runtime.g", "sig"),
		  g_code0 = gl_field(&c.in, "runtime.g", "sigcode0"),
		  g_code1 = gl_field(&c.in, "runtime.g", "sigcode1"),
		  g_sigpc = gl_field(&c.in, "runtime.g", "sigpc"),
		  p_arg = gl_field(&c.in, "runtime._panic", "arg._type"),
		  p_data = gl_field(&c.in, "runtime._panic", "arg.data"),
		  p_link = gl_field(&c.in, "runtime._panic", "link"),
		  p_recovered = gl_field(&c.in, "runtime._panic", "recovered"),
		  p_goexit = gl_field(&c.in, "runtime._panic", "goexit");
	struct gf p_repanicked = gl_field_opt(&c.in, "runtime._panic", "repanicked", false);
	if (c.in.err)
		return c.in.err;
	uint64_t md = hc_program_symbol_addr(prog, "runtime.firstmoduledata", NULL);
	if (!md || !gl_peek_field(prog, md, md_types, &c.types))
		c.types = 0;
	c.indented = hc_program_symbol_addr(prog, "runtime.printindented", NULL) != 0;
	/* The thread that took the fatal signal. */
	const struct hc_thread *th = NULL;
	for (size_t i = 0; i < prog->core->nthreads && !th; i++) {
		if (prog->core->threads[i].signal)
			th = &prog->core->threads[i];
	}
	ret->signal = prog->core->signal;
	if (!th)
		return NULL;
	uint64_t m = m_of_thread(&c, th->tid), gp = 0, p = 0;
	if (m && gl_peek_field(prog, m, m_curg, &gp) && gp && gl_peek_field(prog, gp, g_panic, &p) &&
	    p) {
		/* printpanics, oldest first. */
		uint64_t chain[MAX_PANICS];
		size_t n = 0;
		for (uint64_t q = p; q && n < MAX_PANICS;) {
			chain[n++] = q;
			if (!gl_peek_field(prog, q, p_link, &q))
				break;
		}
		struct hc_strbuf sb;
		hc_strbuf_init(&sb);
		for (size_t i = n; i-- > 0;) {
			uint64_t q = chain[i], rtype = 0, data = 0, recovered = 0, goexit = 0,
				 repanicked = 0;
			gl_peek_field(prog, q, p_arg, &rtype);
			gl_peek_field(prog, q, p_data, &data);
			gl_peek_field(prog, q, p_recovered, &recovered);
			gl_peek_field(prog, q, p_goexit, &goexit);
			if (p_repanicked.present)
				gl_peek_field(prog, q, p_repanicked, &repanicked);
			if (i + 1 < n) {
				uint64_t lg = 0, lr = 0;
				gl_peek_field(prog, chain[i + 1], p_goexit, &lg);
				if (p_repanicked.present)
					gl_peek_field(prog, chain[i + 1], p_repanicked, &lr);
				if (lr)
					break;
				if (!lg)
					hc_strbuf_puts(&sb, "\t");
			}
			if (goexit)
				continue;
			hc_strbuf_puts(&sb, "panic: ");
			panic_value(&c, rtype, data, &sb);
			if (recovered && repanicked)
				hc_strbuf_puts(&sb, " [recovered, repanicked]");
			else if (recovered)
				hc_strbuf_puts(&sb, " [recovered]");
			hc_strbuf_puts(&sb, "\n");
		}
		if (sb.oom) {
			hc_strbuf_deinit(&sb);
			return &hc_enomem;
		}
		if (sb.len && sb.str[sb.len - 1] == '\n')
			sb.str[--sb.len] = '\0';
		ret->panic = finish(&sb);
		gl_peek_field(prog, gp, g_goid, &ret->goid);
		uint64_t sig = 0, code0 = 0, code1 = 0, sigpc = 0;
		if (gl_peek_field(prog, gp, g_sig, &sig) && sig) {
			char name[128];
			gl_peek_field(prog, gp, g_code0, &code0);
			gl_peek_field(prog, gp, g_code1, &code1);
			gl_peek_field(prog, gp, g_sigpc, &sigpc);
			signal_name(&c, sig, name, sizeof(name));
			hc_strbuf_init(&sb);
			if (name[0])
				hc_strbuf_printf(&sb, "[signal %s", name);
			else
				hc_strbuf_printf(&sb, "[signal 0x%" PRIx64, sig);
			hc_strbuf_printf(&sb, " code=0x%" PRIx64 " addr=0x%" PRIx64 " pc=0x%" PRIx64 "]",
					 code0, code1, sigpc);
			ret->sigpanic = finish(&sb);
		}
		return NULL;
	}
	/* A fatal signal: the handler's frame holds its siginfo and context. */
	uint64_t restorer = 0;
	static const char *const names[] = {
		"runtime.sigreturn__sigaction.abi0", "runtime.sigreturn__sigaction",
		"runtime.sigreturn.abi0", "runtime.sigreturn",
	};
	for (size_t i = 0; i < HC_ARRAY_SIZE(names) && !restorer; i++)
		restorer = hc_program_symbol_addr(prog, names[i], NULL);
	if (!restorer || prog->core->arch != HC_ARCH_X86_64)
		return NULL;
	/* The outermost signal frame on the thread's signal stack (a signal
	 * raised while crashing nests inside the fatal one). */
	uint64_t top = (th->sp & ~7ULL) + (256u << 10), gsignal, hi;
	struct gl_init in = c.in;
	in.err = NULL;
	struct gf m_gsignal = gl_field(&in, "runtime.m", "gsignal"),
		  g_hi = gl_field(&in, "runtime.g", "stack.hi");
	if (!in.err && m && gl_peek_field(prog, m, m_gsignal, &gsignal) && gsignal &&
	    gl_peek_field(prog, gsignal, g_hi, &hi) && hi > th->sp && hi < top)
		top = hi;
	hc_error_destroy(in.err);
	uint64_t frame = 0, rip = 0, addr = 0;
	int32_t si[3] = {0, 0, 0};
	for (uint64_t a = th->sp & ~7ULL; a < top; a += 8) {
		uint64_t v, r;
		int32_t info[3];
		if (!hc_memory_peek_u64(&prog->mem, a, &v))
			break;
		if (v != restorer || !hc_memory_peek_u64(&prog->mem, a + 8 + 40 + 8 * 16, &r) ||
		    !hc_memory_peek(&prog->mem, a + 8 + 304, info, sizeof(info)) || info[0] <= 0 ||
		    info[0] > 64)
			continue;
		frame = a;
		rip = r;
		memcpy(si, info, sizeof(si));
		if (!hc_memory_peek_u64(&prog->mem, a + 8 + 304 + 16, &addr))
			addr = 0;
	}
	if (!frame)
		return NULL;
	uint64_t mid = 0;
	if (m)
		gl_peek_field(prog, m, m_id, &mid);
	char name[128];
	signal_name(&c, (uint64_t)si[0], name, sizeof(name));
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	if (name[0])
		hc_strbuf_printf(&sb, "%s\n", name);
	else
		hc_strbuf_printf(&sb, "Signal %d\n", si[0]);
	hc_strbuf_printf(&sb, "PC=0x%" PRIx64 " m=%" PRId64 " sigcode=%d", rip, (int64_t)mid, si[2]);
	if (si[0] == 11 || si[0] == 7) /* SIGSEGV, SIGBUS */
		hc_strbuf_printf(&sb, " addr=0x%" PRIx64, addr);
	ret->fatal = finish(&sb);
	if (gp)
		gl_peek_field(prog, gp, g_goid, &ret->goid);
	return NULL;
}
