/*
 * Goroutine stacks frame by frame, as the garbage collector scans them.
 *
 * The function table (moduledata.ftab) maps a pc to its _func; the pc-value
 * tables behind it (symtab.go:pcvalue: zig-zag varint value deltas, varint
 * pc deltas in units of pcHeader.minLC, starting at -1) give the frame size
 * at a pc (pcsp) and the stack-map index (PCDATA_StackMapIndex).  The
 * stack maps (FUNCDATA_LocalsPointerMaps and ArgsPointerMaps, a
 * runtime.stackmap of bit vectors) say which words of the locals and the
 * arguments hold live pointers there, and FUNCDATA_StackObjects lists the
 * address-taken locals with their pointer masks (traceback.go, stkframe.go,
 * mgcmark.go:scanframeworker).  Every table read is bounds-checked against
 * its slice; anything that does not decode stops the walk, and the caller
 * scans the rest of the stack conservatively.
 *
 * x86-64 only for now (a pushed return address and frame pointer); on
 * other architectures the walk stops at once.
 */
#include <inttypes.h>
#include <string.h>

#include "target/corefile.h"
#include "debuginfo/dwarf_index.h"
#include "go/go_layout.h"
#include "go/go_stack.h"
#include "target/program.h"

/* internal/abi/symtab.go, unchanged from Go 1.22 to 1.27. */
#define PCDATA_STACK_MAP_INDEX 1
#define FUNCDATA_ARGS_POINTER_MAPS 0
#define FUNCDATA_LOCALS_POINTER_MAPS 1
#define FUNCDATA_STACK_OBJECTS 2

/* Bounds on what a damaged core can make the walk do. */
#define MAX_FRAMES 100000
#define MAX_PCVALUE_STEPS (1u << 20)
#define MAX_FRAME_BYTES (1ULL << 30)

struct hc_pcln {
	struct hc_program *prog;
	bool usable; /* x86-64 and every table found */
	uint64_t text, minpc, maxpc, gofunc, rodata;
	unsigned quantum; /* pcHeader.minLC */
	const uint8_t *ftab;
	uint64_t nftab;   /* entries, the last one the end sentinel */
	const uint8_t *pclntable, *pctab, *funcnametab;
	uint64_t pclntable_len, pctab_len, funcnametab_len;
	struct gf f_entryoff, f_nameoff, f_args, f_pcsp, f_npcdata, f_nfuncdata;
	uint64_t func_fixed; /* bytes of _func before its pcdata offsets */
	struct gf sm_n, sm_nbit;
	uint64_t sm_data;    /* offset of stackmap.bytedata */
	/* File and line tables and the inline tree (symbolizing pcs); without
	 * them every pc is at "?":0, as the runtime says when they fail. */
	bool lines;
	struct gf f_pcfile, f_pcln, f_cuoffset, f_startline, f_funcid;
	const uint8_t *cutab, *filetab;
	uint64_t ncutab, filetab_len;
	struct gf ic_funcid, ic_nameoff, ic_parentpc, ic_startline;
	uint64_t ic_size;
	int64_t funcid_wrapper, funcid_gopanic, funcid_sigpanic, funcid_panicwrap;
};

/* A decoded _func. */
struct func {
	uint64_t entry;
	const uint8_t *fn;
	uint64_t avail; /* bytes of pclntable from fn */
	const char *name;
	int64_t args;
	uint32_t pcsp, npcdata, nfuncdata;
	uint32_t pcfile, pcln, cuoffset; /* when t->lines */
	int32_t nameoff, startline;
	uint8_t funcid;
};

/* A slice field of moduledata: its bytes, mapped, and its length. */
static const uint8_t *module_slice(struct hc_program *prog, uint64_t md, struct gf arr,
				   struct gf len, uint64_t elem, uint64_t *n)
{
	uint64_t a, l;
	if (!gl_peek_field(prog, md, arr, &a) || !gl_peek_field(prog, md, len, &l))
		return NULL;
	if (l == 0 || l > (1ULL << 32) / elem)
		return NULL;
	*n = l;
	return hc_memory_ptr(&prog->mem, a, (size_t)(l * elem));
}

/*
 * The tables that turn a pc into file, line and inlined calls
 * (symtab.go:funcline1, symtabinl.go): optional, read after the ones the
 * stack walk needs.
 */
static void load_lines(struct hc_pcln *t, struct gl_init *in, uint64_t mdaddr)
{
	const char *md = "runtime.moduledata", *fn = "runtime._func", *ic = "runtime.inlinedCall";
	struct gf cut = gl_field(in, md, "cutab.array"), cut_n = gl_field(in, md, "cutab.len"),
		  ft = gl_field(in, md, "filetab.array"), ft_n = gl_field(in, md, "filetab.len");
	t->f_pcfile = gl_field(in, fn, "pcfile");
	t->f_pcln = gl_field(in, fn, "pcln");
	t->f_cuoffset = gl_field(in, fn, "cuOffset");
	t->f_startline = gl_field(in, fn, "startLine");
	t->f_funcid = gl_field(in, fn, "funcID");
	t->ic_funcid = gl_field(in, ic, "funcID");
	t->ic_nameoff = gl_field(in, ic, "nameOff");
	t->ic_parentpc = gl_field(in, ic, "parentPc");
	t->ic_startline = gl_field(in, ic, "startLine");
	t->ic_size = gl_type_size(in, ic);
	/* internal/abi/symtab.go numbers its FuncIDs with iota: they moved in
	 * Go 1.26 (FuncID_runCleanups), so they come from DWARF. */
	t->funcid_wrapper = gl_constant(in, "internal/abi.FuncIDWrapper", -1, false);
	t->funcid_gopanic = gl_constant(in, "internal/abi.FuncID_gopanic", -1, false);
	t->funcid_sigpanic = gl_constant(in, "internal/abi.FuncID_sigpanic", -1, false);
	t->funcid_panicwrap = gl_constant(in, "internal/abi.FuncID_panicwrap", -1, false);
	if (in->err) {
		hc_error_destroy(in->err);
		in->err = NULL;
		return;
	}
	t->cutab = module_slice(t->prog, mdaddr, cut, cut_n, 4, &t->ncutab);
	t->filetab = module_slice(t->prog, mdaddr, ft, ft_n, 1, &t->filetab_len);
	t->lines = t->usable && t->cutab && t->filetab && t->ic_size >= 16 && t->ic_size <= 64;
}

struct hc_error *hc_pcln_get(struct hc_program *prog, struct hc_pcln **ret)
{
	if (prog->pcln) {
		*ret = prog->pcln;
		return NULL;
	}
	struct hc_pcln *t = calloc(1, sizeof(*t));
	if (!t)
		return &hc_enomem;
	t->prog = prog;
	prog->pcln = t;
	*ret = t;
	struct gl_init in = {.prog = prog};
	struct hc_error *err = hc_dwarf_index_get(prog, &in.dw);
	if (err) {
		hc_error_destroy(err);
		return NULL; /* unusable: stacks are scanned conservatively */
	}
	const char *md = "runtime.moduledata", *fn = "runtime._func";
	uint64_t mdaddr = gl_symbol(&in, "runtime.firstmoduledata", NULL);
	struct gf text = gl_field(&in, md, "text"), minpc = gl_field(&in, md, "minpc"),
		  maxpc = gl_field(&in, md, "maxpc"), gofunc = gl_field(&in, md, "gofunc"),
		  rodata = gl_field(&in, md, "rodata"), hdr = gl_field(&in, md, "pcHeader"),
		  ftab = gl_field(&in, md, "ftab.array"), ftab_n = gl_field(&in, md, "ftab.len"),
		  pcl = gl_field(&in, md, "pclntable.array"), pcl_n = gl_field(&in, md, "pclntable.len"),
		  pct = gl_field(&in, md, "pctab.array"), pct_n = gl_field(&in, md, "pctab.len"),
		  fnt = gl_field(&in, md, "funcnametab.array"),
		  fnt_n = gl_field(&in, md, "funcnametab.len"),
		  minlc = gl_field(&in, "runtime.pcHeader", "minLC");
	t->f_entryoff = gl_field(&in, fn, "entryOff");
	t->f_nameoff = gl_field(&in, fn, "nameOff");
	t->f_args = gl_field(&in, fn, "args");
	t->f_pcsp = gl_field(&in, fn, "pcsp");
	t->f_npcdata = gl_field(&in, fn, "npcdata");
	t->f_nfuncdata = gl_field(&in, fn, "nfuncdata");
	t->sm_n = gl_field(&in, "runtime.stackmap", "n");
	t->sm_nbit = gl_field(&in, "runtime.stackmap", "nbit");
	struct gf sm_data = gl_field(&in, "runtime.stackmap", "bytedata");
	if (in.err) {
		hc_error_destroy(in.err);
		return NULL;
	}
	uint64_t header, q;
	if (!gl_peek_field(prog, mdaddr, text, &t->text) ||
	    !gl_peek_field(prog, mdaddr, minpc, &t->minpc) ||
	    !gl_peek_field(prog, mdaddr, maxpc, &t->maxpc) ||
	    !gl_peek_field(prog, mdaddr, gofunc, &t->gofunc) ||
	    !gl_peek_field(prog, mdaddr, rodata, &t->rodata) ||
	    !gl_peek_field(prog, mdaddr, hdr, &header) || !gl_peek_field(prog, header, minlc, &q))
		return NULL;
	t->quantum = (unsigned)q;
	t->func_fixed = t->f_nfuncdata.off + 1;
	t->sm_data = sm_data.off;
	t->ftab = module_slice(prog, mdaddr, ftab, ftab_n, 8, &t->nftab);
	t->pclntable = module_slice(prog, mdaddr, pcl, pcl_n, 1, &t->pclntable_len);
	t->pctab = module_slice(prog, mdaddr, pct, pct_n, 1, &t->pctab_len);
	t->funcnametab = module_slice(prog, mdaddr, fnt, fnt_n, 1, &t->funcnametab_len);
	t->usable = prog->core->arch == HC_ARCH_X86_64 && t->ftab && t->nftab >= 2 &&
		    t->pclntable && t->pctab && t->funcnametab && (t->quantum == 1 || t->quantum == 4) &&
		    t->minpc < t->maxpc;
	load_lines(t, &in, mdaddr);
	return NULL;
}

void hc_pcln_destroy(struct hc_pcln *pcln)
{
	free(pcln);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static bool findfunc(struct hc_pcln *t, uint64_t pc, struct func *f)
{
	if (!t->usable || pc < t->minpc || pc >= t->maxpc || pc < t->text)
		return false;
	uint64_t off = pc - t->text;
	/* The last entry (of nftab - 1 real ones) with entryoff <= off. */
	uint64_t lo = 0, hi = t->nftab - 1;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (u32_at(t->ftab + 8 * mid) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	uint64_t funcoff = u32_at(t->ftab + 8 * (lo - 1) + 4);
	if (funcoff >= t->pclntable_len || t->pclntable_len - funcoff < t->func_fixed)
		return false;
	f->fn = t->pclntable + funcoff;
	f->avail = t->pclntable_len - funcoff;
	f->entry = t->text + gl_get(f->fn, t->f_entryoff);
	f->pcsp = (uint32_t)gl_get(f->fn, t->f_pcsp);
	f->npcdata = (uint32_t)gl_get(f->fn, t->f_npcdata);
	f->nfuncdata = (uint32_t)gl_get(f->fn, t->f_nfuncdata);
	f->args = (int32_t)gl_get(f->fn, t->f_args);
	if (t->func_fixed + 4ULL * (f->npcdata + f->nfuncdata) > f->avail)
		return false;
	uint64_t name = (uint32_t)gl_get(f->fn, t->f_nameoff);
	f->name = NULL;
	if (name < t->funcnametab_len &&
	    memchr(t->funcnametab + name, 0, t->funcnametab_len - name))
		f->name = (const char *)t->funcnametab + name;
	f->nameoff = (int32_t)name;
	if (t->lines) {
		f->pcfile = (uint32_t)gl_get(f->fn, t->f_pcfile);
		f->pcln = (uint32_t)gl_get(f->fn, t->f_pcln);
		f->cuoffset = (uint32_t)gl_get(f->fn, t->f_cuoffset);
		f->startline = (int32_t)gl_get(f->fn, t->f_startline);
		f->funcid = (uint8_t)gl_get(f->fn, t->f_funcid);
	}
	return f->entry <= pc;
}

const char *hc_pcln_func_at(struct hc_pcln *pcln, uint64_t pc)
{
	struct func f;
	return findfunc(pcln, pc, &f) && f.entry == pc ? f.name : NULL;
}

static bool uvarint(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* The value of the pc-value table at pctab + @p off for @p targetpc. */
static bool pcvalue(struct hc_pcln *t, const struct func *f, uint32_t off, uint64_t targetpc,
		    int32_t *ret)
{
	if (off == 0 || off >= t->pctab_len)
		return false;
	const uint8_t *p = t->pctab + off, *end = t->pctab + t->pctab_len;
	int64_t val = -1;
	uint64_t pc = f->entry;
	for (unsigned i = 0; i < MAX_PCVALUE_STEPS; i++) {
		uint64_t uv, pcdelta;
		/* symtab.go:step: a zero value delta ends the table, except
		 * at the function's entry. */
		if (!uvarint(&p, end, &uv) || (uv == 0 && pc != f->entry))
			return false;
		val += (uv & 1) ? ~(int64_t)(uv >> 1) : (int64_t)(uv >> 1);
		if (!uvarint(&p, end, &pcdelta))
			return false;
		pc += pcdelta * t->quantum;
		if (targetpc < pc) {
			*ret = (int32_t)val;
			return true;
		}
	}
	return false;
}

static uint32_t pcdata_off(const struct hc_pcln *t, const struct func *f, uint32_t i)
{
	return i < f->npcdata ? u32_at(f->fn + t->func_fixed + 4 * i) : 0;
}

static uint64_t funcdata(const struct hc_pcln *t, const struct func *f, uint32_t i)
{
	if (i >= f->nfuncdata)
		return 0;
	uint32_t off = u32_at(f->fn + t->func_fixed + 4ULL * f->npcdata + 4 * i);
	return off == UINT32_MAX ? 0 : t->gofunc + off;
}

/* Bit vector @p idx of the runtime.stackmap at @p addr: its bits and length. */
static const uint8_t *stackmap_bits(struct hc_pcln *t, uint64_t addr, int32_t idx,
				    uint32_t *nbit)
{
	uint8_t hdr[16];
	if (!addr || idx < 0 || t->sm_data > sizeof(hdr) ||
	    !hc_memory_peek(&t->prog->mem, addr, hdr, t->sm_data))
		return NULL;
	int32_t n = (int32_t)gl_get(hdr, t->sm_n), bits = (int32_t)gl_get(hdr, t->sm_nbit);
	if (n <= 0 || idx >= n || bits <= 0 || bits > (1 << 24))
		return NULL;
	uint64_t bytes = ((uint64_t)bits + 7) / 8;
	*nbit = (uint32_t)bits;
	return hc_memory_ptr(&t->prog->mem, addr + t->sm_data + bytes * (uint64_t)idx, bytes);
}

/* Report the words of [base, base + 8 * nbit) inside [lo, hi) whose bit is set;
 * only those are visited, so a damaged map costs no more than the range. */
static bool masked_words(struct hc_pcln *t, uint64_t base, const uint8_t *bits, uint32_t nbit,
			 uint64_t lo, uint64_t hi, const struct hc_go_stack_visitor *v)
{
	uint64_t first = base >= lo ? 0 : (lo - base + 7) / 8;
	uint64_t end = base >= hi ? 0 : (hi - base) / 8;
	if (end > nbit)
		end = nbit;
	for (uint64_t i = first; i < end; i++) {
		uint64_t a = base + 8 * i, val;
		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		if (hc_memory_peek_u64(&t->prog->mem, a, &val) && !v->word(v->arg, a, val))
			return false;
	}
	return true;
}

/* The address-taken locals and arguments, with their own pointer masks. */
static bool stack_objects(struct hc_pcln *t, const struct func *f, uint64_t varp, uint64_t argp,
			  uint64_t lo, uint64_t hi, const struct hc_go_stack_visitor *v)
{
	uint64_t p = funcdata(t, f, FUNCDATA_STACK_OBJECTS), n;
	if (!p || !hc_memory_peek_u64(&t->prog->mem, p, &n) || n > 4096)
		return true;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t r[16]; /* stackObjectRecord{off, size, ptrBytes int32; gcdataoff uint32} */
		if (!hc_memory_peek(&t->prog->mem, p + 8 + 16 * i, r, sizeof(r)))
			return true;
		int32_t off = (int32_t)u32_at(r), ptrbytes = (int32_t)u32_at(r + 8);
		uint32_t gcdataoff = u32_at(r + 12);
		if (ptrbytes <= 0 || ptrbytes > (1 << 20))
			continue;
		uint64_t base = off < 0 ? varp + (uint64_t)(int64_t)off : argp + (uint64_t)off;
		uint32_t nbit = (uint32_t)ptrbytes / 8;
		/* A local lies in the frame, an argument in the arguments. */
		if (base < lo || base + 8ULL * nbit > hi)
			continue;
		const uint8_t *mask = hc_memory_ptr(&t->prog->mem, t->rodata + gcdataoff, (nbit + 7) / 8);
		if (mask && !masked_words(t, base, mask, nbit, lo, hi, v))
			return false;
	}
	return true;
}

static bool is_named(const char *name, const char *what)
{
	return name && strcmp(name, what) == 0;
}

uint64_t hc_go_walk_stack(struct hc_pcln *t, uint64_t pc, uint64_t sp, uint64_t lo,
			  uint64_t hi, bool interrupted, const struct hc_go_stack_visitor *v)
{
	bool next_conservative = interrupted;
	for (unsigned depth = 0; depth < MAX_FRAMES; depth++) {
		struct func f;
		int32_t spdelta;
		if (sp < lo || sp >= hi || !findfunc(t, pc, &f) ||
		    !pcvalue(t, &f, f.pcsp, pc, &spdelta) || spdelta < 0 ||
		    (uint64_t)spdelta > MAX_FRAME_BYTES)
			return sp < hi ? sp : 0;
		uint64_t fp = sp + (uint64_t)spdelta + 8; /* above the return address */
		if (fp > hi)
			return sp;
		/* An asynchronously preempted frame, and the one it interrupted,
		 * have no stack map at that pc (mgcmark.go:scanframeworker). */
		bool preempt = is_named(f.name, "runtime.asyncPreempt") ||
			       is_named(f.name, "runtime.debugCallV2");
		struct hc_go_frame fr = {.pc = pc, .sp = sp, .fp = fp, .func = f.name,
					 .conservative = preempt || next_conservative};
		next_conservative = preempt;
		if (!v->frame(v->arg, &fr))
			return 0;
		uint64_t varp = fp - 8;
		if (varp > sp)
			varp -= 8; /* the saved frame pointer */
		uint64_t argp = fp;
		if (!v->word) {
			/* Frames only: no pointer words asked for. */
		} else if (fr.conservative) {
			for (uint64_t a = sp; a + 8 <= fp; a += 8) {
				uint64_t val;
				if (hc_memory_peek_u64(&t->prog->mem, a, &val) && !v->word(v->arg, a, val))
					return 0;
			}
		} else {
			int32_t idx = -1;
			uint64_t target = pc;
			if (target != f.entry) {
				target--;
				if (!pcvalue(t, &f, pcdata_off(t, &f, PCDATA_STACK_MAP_INDEX), target, &idx))
					idx = -1;
			}
			if (idx < 0)
				idx = 0; /* the prologue, as the runtime assumes */
			/* The arguments' f.args bytes, which the args map and argument
			 * stack objects cover (all the rest of the stack if unknown). */
			uint64_t args_end = hi;
			if (f.args > 0 && argp + ((uint64_t)f.args + 7) / 8 * 8 < hi)
				args_end = argp + ((uint64_t)f.args + 7) / 8 * 8;
			const uint8_t *bits;
			uint32_t nbit = 0;
			if (varp > sp &&
			    (bits = stackmap_bits(t, funcdata(t, &f, FUNCDATA_LOCALS_POINTER_MAPS), idx,
						  &nbit)) &&
			    !masked_words(t, varp - 8ULL * nbit, bits, nbit, sp, varp, v))
				return 0;
			if (f.args > 0 && /* not ArgsSizeUnknown, which is negative */
			    (bits = stackmap_bits(t, funcdata(t, &f, FUNCDATA_ARGS_POINTER_MAPS), idx,
						  &nbit)) &&
			    !masked_words(t, argp, bits, nbit, argp, args_end, v))
				return 0;
			if (!stack_objects(t, &f, varp, argp, sp, args_end, v))
				return 0;
		}
		if (is_named(f.name, "runtime.goexit") || is_named(f.name, "runtime.mstart") ||
		    is_named(f.name, "runtime.rt0_go") || fp >= hi)
			return 0;
		uint64_t lr;
		if (!hc_memory_peek_u64(&t->prog->mem, fp - 8, &lr))
			return fp;
		pc = lr;
		sp = fp;
	}
	return sp;
}

/* ---- symbolizing pcs, as runtime.CallersFrames and FuncForPC do ---- */

/* internal/abi/symtab.go, unchanged from Go 1.22 to 1.27. */
#define PCDATA_INL_TREE_INDEX 2
#define FUNCDATA_INL_TREE 3
/* Inlining nests a handful of calls deep: more is a damaged tree. */
#define MAX_INLINE_DEPTH 1000

/* symtab.go:(*moduledata).funcName: offset 0 is the empty name. */
static const char *func_name(const struct hc_pcln *t, int64_t off)
{
	if (off <= 0 || (uint64_t)off >= t->funcnametab_len ||
	    !memchr(t->funcnametab + off, 0, t->funcnametab_len - (uint64_t)off))
		return "";
	return (const char *)t->funcnametab + off;
}

/* A position in the inline tree (symtabinl.go:inlineFrame): pc 0 ends. */
struct inline_frame {
	uint64_t pc;
	int32_t index; /* -1: the physical function */
};

/* symtabinl.go:resolveInternal: the innermost inlined call at @p pc. */
static struct inline_frame inline_at(struct hc_pcln *t, const struct func *f, uint64_t pc)
{
	struct inline_frame uf = {pc, -1};
	int32_t idx;
	if (t->lines && funcdata(t, f, FUNCDATA_INL_TREE) &&
	    pcvalue(t, f, pcdata_off(t, f, PCDATA_INL_TREE_INDEX), pc, &idx))
		uf.index = idx < 0 ? -1 : idx;
	return uf;
}

/* An inlinedCall of f's tree, or false when the core does not hold it. */
static bool inlined_call(struct hc_pcln *t, const struct func *f, int32_t index, uint8_t *ret)
{
	uint64_t tree = funcdata(t, f, FUNCDATA_INL_TREE);
	return tree && index >= 0 && index < (1 << 20) &&
	       hc_memory_peek(&t->prog->mem, tree + (uint64_t)index * t->ic_size, ret, t->ic_size);
}

/* symtabinl.go:next: the logical caller of @p uf. */
static struct inline_frame inline_next(struct hc_pcln *t, const struct func *f,
				       struct inline_frame uf)
{
	uint8_t ic[64];
	if (uf.index < 0 || !inlined_call(t, f, uf.index, ic))
		return (struct inline_frame){0, -1};
	int32_t parent = (int32_t)gl_get(ic, t->ic_parentpc);
	return inline_at(t, f, f->entry + (uint64_t)(int64_t)parent);
}

/* symtabinl.go:srcFunc: the name, start line and FuncID of @p uf's function. */
static void src_func(struct hc_pcln *t, const struct func *f, struct inline_frame uf,
		     const char **name, int64_t *start_line, int64_t *funcid)
{
	uint8_t ic[64];
	if (uf.index >= 0 && inlined_call(t, f, uf.index, ic)) {
		*name = func_name(t, (int32_t)gl_get(ic, t->ic_nameoff));
		*start_line = (int32_t)gl_get(ic, t->ic_startline);
		*funcid = (uint8_t)gl_get(ic, t->ic_funcid);
		return;
	}
	*name = func_name(t, f->nameoff);
	*start_line = f->startline;
	*funcid = f->funcid;
}

/* symtab.go:funcline1 (not strict): "?", 0 when the tables do not say. */
static void file_line(struct hc_pcln *t, const struct func *f, uint64_t pc, const char **file,
		      int64_t *line)
{
	int32_t fileno, ln;
	*file = "?";
	*line = 0;
	if (!t->lines || !pcvalue(t, f, f->pcfile, pc, &fileno) || !pcvalue(t, f, f->pcln, pc, &ln) ||
	    fileno < 0 || ln < 0 || (uint64_t)fileno >= t->filetab_len)
		return;
	uint64_t cu = (uint64_t)f->cuoffset + (uint64_t)fileno;
	if (cu >= t->ncutab)
		return;
	uint32_t off = u32_at(t->cutab + 4 * cu);
	if (off != UINT32_MAX && off < t->filetab_len &&
	    memchr(t->filetab + off, 0, t->filetab_len - off))
		*file = (const char *)t->filetab + off;
	*line = ln;
}

bool hc_pcln_frame(struct hc_pcln *t, uint64_t pc, struct hc_go_pcframe *ret)
{
	struct func f;
	if (!findfunc(t, pc, &f))
		return false;
	/* "We store the pc of the start of the instruction following the
	 * instruction in question (the call or the inline mark)." */
	if (pc > f.entry)
		pc--;
	struct inline_frame uf = inline_at(t, &f, pc);
	int64_t funcid;
	ret->pc = pc;
	ret->entry = f.entry;
	ret->inlined = uf.index >= 0;
	src_func(t, &f, uf, &ret->name, &ret->start_line, &funcid);
	file_line(t, &f, pc, &ret->file, &ret->line);
	return true;
}

const char *hc_pcln_func_for_pc(struct hc_pcln *t, uint64_t pc)
{
	struct func f;
	if (!findfunc(t, pc, &f))
		return NULL;
	const char *name;
	int64_t start, funcid;
	src_func(t, &f, inline_at(t, &f, pc), &name, &start, &funcid);
	return name;
}

size_t hc_pcln_expand_inline(struct hc_pcln *t, uint64_t pc, uint64_t *out, size_t max)
{
	struct func f;
	if (max == 0 || !findfunc(t, pc - 1, &f))
		return 0;
	struct inline_frame uf = inline_at(t, &f, pc - 1);
	if (uf.index < 0)
		return 0;
	/* traceback.go: a wrapper is elided unless it called a panic. */
	int64_t callee = 0; /* FuncIDNormal: "we know it shouldn't be elided" */
	size_t n = 0;
	for (unsigned depth = 0; uf.pc && depth < MAX_INLINE_DEPTH && n < max; depth++) {
		const char *name;
		int64_t start, funcid;
		src_func(t, &f, uf, &name, &start, &funcid);
		bool elide = callee != t->funcid_gopanic && callee != t->funcid_sigpanic &&
			     callee != t->funcid_panicwrap;
		if (!(funcid == t->funcid_wrapper && elide))
			out[n++] = uf.pc + 1;
		callee = funcid;
		uf = inline_next(t, &f, uf);
	}
	return n;
}

size_t hc_pcln_logical_frames(struct hc_pcln *t, uint64_t pc, bool trap,
			      struct hc_go_logical *out, size_t max)
{
	struct func f;
	if (max == 0 || !findfunc(t, pc, &f))
		return 0;
	/* traceback.go:(*unwinder).symPC: a return address backs up into
	 * its call; a trapping instruction or a function's entry does not. */
	uint64_t sympc = !trap && pc > f.entry ? pc - 1 : pc;
	struct inline_frame uf = inline_at(t, &f, sympc);
	size_t n = 0;
	for (unsigned depth = 0; uf.pc && depth < MAX_INLINE_DEPTH && n < max; depth++) {
		struct hc_go_logical *l = &out[n++];
		int64_t start, funcid;
		src_func(t, &f, uf, &l->name, &start, &funcid);
		file_line(t, &f, uf.pc, &l->file, &l->line);
		l->inlined = uf.index >= 0;
		l->entry = f.entry;
		uf = inline_next(t, &f, uf);
	}
	return n;
}

bool hc_pcln_physical(struct hc_pcln *t, uint64_t pc, const char **name, const char **file,
		      int64_t *line)
{
	struct func f;
	if (!findfunc(t, pc, &f))
		return false;
	/* traceback.go:printcreatedby1: the physical function's name, the
	 * position of the call (pc backed up into it). */
	*name = func_name(t, f.nameoff);
	file_line(t, &f, pc > f.entry ? pc - 1 : pc, file, line);
	return true;
}
