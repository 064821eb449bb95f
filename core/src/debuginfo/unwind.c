/*
 * Native backtraces (unwind.h) with elfutils' libdwfl.  The modules are the
 * files the core maps, reported at their load addresses and handed to
 * libdwfl as the images heapcore already opened and checked (so a file
 * replaced on disk since the crash is never used); their separate debug
 * files are found as gdb finds them (build ID, .gnu_debuglink under the
 * debug directories).  The thread's registers are the core's (NT_PRSTATUS)
 * and every memory read goes through the program's address space, so the
 * unwind sees exactly what the other analyses see.  libdwfl's own frame
 * state machine (dwfl_getthread_frames) steps from frame to frame with the
 * modules' CFI; the frames are bounded by the caller's maximum.
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/unwind.h"
#include "target/program.h"

/* libstdc++'s demangler (the Itanium C++ ABI's __cxa_demangle). */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct unwind {
	struct hc_program *prog;
	const struct hc_thread *thread;
	Dwfl *dwfl;
	struct hc_native_stack *out;
	size_t max, cap;
	bool oom, past_main, no_module;
};

/* The module's file: the image heapcore opened, as an Elf libdwfl reads. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	(void)mod;
	(void)name;
	(void)base;
	const struct hc_mapped_file *f = *userdata;
	*elfp = NULL;
	if (!f || !f->image)
		return -1;
	*elfp = elf_memory((char *)f->image, f->size);
	if (*elfp && !(*file_name = strdup(f->path))) {
		elf_end(*elfp);
		*elfp = NULL;
	}
	return -1;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct unwind *u = arg;
	if (*thread_argp)
		return 0; /* one thread: the one asked for */
	*thread_argp = u;
	return u->thread->tid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	struct unwind *u = arg;
	uint64_t v;
	if (!hc_memory_peek_u64(&u->prog->mem, addr, &v))
		return false;
	*result = v;
	return true;
}

/*
 * The thread's registers in DWARF numbering, from the kernel's
 * user_regs_struct order that NT_PRSTATUS holds.  x86-64 (System V psABI,
 * DWARF register numbers): rax rdx rcx rbx rsi rdi rbp rsp r8-r15, then the
 * return address (rip) as 16; aarch64: x0-x30, sp.
 */
static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct unwind *u = thread_arg;
	const struct hc_thread *t = u->thread;
	Dwarf_Word r[32];
	if (u->prog->core->arch == HC_ARCH_X86_64 && t->nregs >= 17) {
		/* user_regs_struct: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx
		 * rdx rsi rdi orig_rax rip cs eflags rsp ... */
		static const int from[17] = {10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16};
		if (t->nregs < 20)
			return false;
		for (int i = 0; i < 17; i++)
			r[i] = t->regs[from[i]];
		if (!dwfl_thread_state_registers(thread, 0, 17, r))
			return false;
		dwfl_thread_state_register_pc(thread, t->regs[16]);
		return true;
	}
	if (u->prog->core->arch == HC_ARCH_AARCH64 && t->nregs >= 33) {
		/* user_pt_regs: x0-x30, sp, pc, pstate */
		for (int i = 0; i < 32; i++)
			r[i] = t->regs[i];
		if (!dwfl_thread_state_registers(thread, 0, 32, r))
			return false;
		dwfl_thread_state_register_pc(thread, t->regs[32]);
		return true;
	}
	return false;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static char *name_of(const char *mangled)
{
	if (!mangled)
		return NULL;
	if (mangled[0] == '_' && mangled[1] == 'Z') {
		int status;
		char *d = __cxa_demangle(mangled, NULL, NULL, &status);
		if (d && status == 0)
			return d;
		free(d);
	}
	return strdup(mangled);
}

/* A subprogram's or inlined call's name: its linkage name (what gdb shows:
 * `__GI_raise`), else its name, through DW_AT_abstract_origin. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *s = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		s = dwarf_formstring(&attr);
	return s ? s : dwarf_diename(die) ? dwarf_diename(die) : NULL;
}

static struct hc_native_frame *push(struct unwind *u)
{
	struct hc_native_stack *s = u->out;
	if (s->n == u->max) {
		s->truncated = true;
		return NULL;
	}
	if (!hc_grow(&s->frames, &u->cap, s->n + 1, sizeof(*s->frames))) {
		u->oom = true;
		return NULL;
	}
	struct hc_native_frame *f = &s->frames[s->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

static const char *module_path(Dwfl_Module *mod)
{
	void **ud;
	if (!mod || !dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL) || !*ud)
		return NULL;
	return ((const struct hc_mapped_file *)*ud)->path;
}

/* One physical frame: the inlined calls at its pc (innermost first), then
 * the function they were inlined into. */
static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwind *u = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A caller's pc is a return address: the call is the byte before. */
	Dwarf_Addr at = activation ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, at);
	const char *path = module_path(mod);
	Dwarf_Addr bias;
	Dwarf_Die *cu = mod ? dwfl_module_addrdie(mod, at, &bias) : NULL;
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? dwarf_getscopes(cu, at - bias, &scopes) : 0;
	/* The source position of the innermost: the line table's. */
	const char *file = NULL;
	int line = 0;
	Dwfl_Line *l = mod ? dwfl_module_getsrc(mod, at) : NULL;
	if (l)
		file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	bool named = false;
	for (int i = 0; i < nscopes; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		struct hc_native_frame *f = push(u);
		if (!f)
			break;
		f->pc = pc;
		f->module = path;
		f->function = name_of(die_name(&scopes[i]));
		f->file = file ? strdup(file) : NULL;
		f->line = line;
		named = true;
		if (tag == DW_TAG_subprogram)
			break;
		/* The next (outer) frame is at this inlined call's call site. */
		f->inlined = true;
		Dwarf_Attribute attr;
		Dwarf_Word cl = 0, cf = 0;
		file = NULL;
		line = 0;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &cl) == 0)
			line = (int)cl;
		Dwarf_Files *files;
		if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &cf) == 0 &&
		    dwarf_getsrcfiles(cu, &files, NULL) == 0)
			file = dwarf_filesrc(files, cf, NULL, NULL);
	}
	free(scopes);
	if (!named && !u->oom && !u->out->truncated) {
		struct hc_native_frame *f = push(u);
		if (f) {
			f->pc = pc;
			f->module = path;
			GElf_Off off;
			GElf_Sym sym;
			f->function = mod ? name_of(dwfl_module_addrinfo(mod, at, &off, &sym, NULL, NULL,
									 NULL)) : NULL;
			f->file = file ? strdup(file) : NULL;
			f->line = line;
		}
	}
	if (u->oom || u->out->truncated)
		return DWARF_CB_ABORT;
	/* No file, no CFI: libdwfl would guess the caller from the frame
	 * pointer, which C code built with -O rarely keeps.  Stop here. */
	if (!path) {
		u->no_module = true;
		return DWARF_CB_ABORT;
	}
	/* As gdb's backtrace, nothing past main (the C library's start code). */
	const struct hc_native_frame *last = u->out->n ? &u->out->frames[u->out->n - 1] : NULL;
	if (last && last->function && strcmp(last->function, "main") == 0) {
		u->past_main = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/* Each file the core maps, as a module from its lowest to its highest
 * mapped address (only files mapped from offset 0: ELF images). */
static void report_modules(struct unwind *u)
{
	const struct hc_core *core = u->prog->core;
	for (size_t i = 0; i < u->prog->nfiles; i++) {
		struct hc_mapped_file *mf = &u->prog->files[i];
		uint64_t lo = UINT64_MAX, hi = 0;
		bool at_zero = false;
		for (size_t k = 0; k < core->nfiles; k++) {
			const struct hc_file_mapping *m = &core->files[k];
			if (strcmp(m->path, mf->path) != 0)
				continue;
			at_zero |= m->offset == 0;
			lo = m->start < lo ? m->start : lo;
			hi = m->end > hi ? m->end : hi;
		}
		if (!at_zero || lo >= hi || !mf->image)
			continue;
		Dwfl_Module *mod = dwfl_report_module(u->dwfl, mf->path, lo, hi);
		void **ud;
		if (mod && dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
			*ud = mf;
	}
}

struct hc_error *hc_native_unwind(struct hc_program *prog, int32_t tid, size_t max,
				  struct hc_native_stack *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->tid = tid;
	const struct hc_thread *thread = NULL;
	for (size_t i = 0; i < prog->core->nthreads; i++)
		if (prog->core->threads[i].tid == tid)
			thread = &prog->core->threads[i];
	if (!thread)
		return hc_error_format(HC_ERROR_NOT_FOUND, "no thread %d in the core", tid);
	/* Separate debug files where gdb looks: beside the file, in its
	 * .debug/, and under the debug directories (by build ID and link). */
	char *debuginfo_path = NULL;
	if (asprintf(&debuginfo_path, ":.debug:%s",
		     prog->debug_dirs ? prog->debug_dirs : "/usr/lib/debug") < 0)
		return &hc_enomem;
	const Dwfl_Callbacks callbacks = {
		.find_elf = find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.debuginfo_path = &debuginfo_path,
	};
	struct unwind u = {.prog = prog, .thread = thread, .out = ret, .max = max};
	u.dwfl = dwfl_begin(&callbacks);
	if (!u.dwfl) {
		free(debuginfo_path);
		return &hc_enomem;
	}
	dwfl_report_begin(u.dwfl);
	report_modules(&u);
	dwfl_report_end(u.dwfl, NULL, NULL);
	const char *why = NULL;
	if (!dwfl_attach_state(u.dwfl, NULL, prog->core->pid > 0 ? prog->core->pid : 1,
			       &thread_callbacks, &u)) {
		why = dwfl_errmsg(-1);
	} else if (dwfl_getthread_frames(u.dwfl, tid, frame_cb, &u) != 0 && !u.oom &&
		   !ret->truncated && !u.past_main && !u.no_module) {
		/* libdwfl ends every unwind with an error; at the outermost
		 * frame (no CFI says where its caller is, or pc 0) it is the
		 * normal end, else it says why the walk stopped. */
		int e = dwfl_errno();
		why = e ? dwfl_errmsg(e) : NULL;
	}
	const struct hc_native_frame *last = ret->n ? &ret->frames[ret->n - 1] : NULL;
	if (u.no_module)
		why = "no module maps this pc";
	if (why && last && last->function &&
	    (strcmp(last->function, "_start") == 0 || strcmp(last->function, "__clone3") == 0 ||
	     strcmp(last->function, "clone3") == 0 || strcmp(last->function, "__clone") == 0 ||
	     strcmp(last->function, "clone") == 0))
		why = NULL; /* the outermost frame of a process or a thread */
	char whybuf[4200];
	if (why && last) {
		/* Where it stopped: a file heapcore could not read has no CFI. */
		for (size_t i = 0; i < prog->core->nfiles; i++) {
			const struct hc_file_mapping *m = &prog->core->files[i];
			if (last->pc < m->start || last->pc >= m->end)
				continue;
			for (size_t k = 0; k < prog->nfiles; k++) {
				if (strcmp(prog->files[k].path, m->path) == 0 && !prog->files[k].image) {
					snprintf(whybuf, sizeof(whybuf),
						 "no unwind information for 0x%" PRIx64 ": %s is not readable (%s)",
						 last->pc, m->path, prog->files[k].error ? prog->files[k].error : "?");
					why = whybuf;
				}
			}
			break;
		}
	}
	if (why && !(ret->stopped = strdup(why)))
		u.oom = true;
	dwfl_end(u.dwfl);
	free(debuginfo_path);
	if (u.oom) {
		hc_native_stack_deinit(ret);
		return &hc_enomem;
	}
	return NULL;
}

void hc_native_stack_deinit(struct hc_native_stack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->frames[i].function);
		free(s->frames[i].file);
	}
	free(s->frames);
	free(s->stopped);
	memset(s, 0, sizeof(*s));
}
