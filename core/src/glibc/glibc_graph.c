/*
 * The glibc backend of the object graph (graph/build.h): every chunk in use
 * (tcache and fastbin chunks are free, whatever their in-use bit says) is
 * an object, from its user pointer for malloc_usable_size() bytes; its
 * words are scanned conservatively (any word holding an address inside an
 * object points to it).  Roots, scanned the same way: the writable
 * segments of the executable and of every library (named by the symbol
 * that holds the word), each thread's stack from its sp to the end of its
 * mapping, its registers, and its static TLS (below fs_base, where glibc
 * puts the TLS blocks of x86-64's variant II).  Types: a C++ object with
 * virtual functions starts with a pointer into its class's vtable, the
 * symbol `_ZTV<class>`; demangled, that names its type.  Other objects are
 * grouped by size.
 *
 * Each object is a run of one slot, so that the graph's address index
 * (a binary search over runs) and its sizes need nothing else.
 */
#include <elf.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "glibc/glibc.h"
#include "graph/build.h"
#include "target/program.h"

#define NONE UINT32_MAX
#define FS_BASE 21
#define TLS_BELOW (64 * 1024)
#define TLS_ABOVE 4096

/* libstdc++'s demangler (the Itanium C++ ABI's __cxa_demangle). */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct gsym {
	uint64_t addr, size;
	const char *name; /* into a mapped image, valid while the program lives */
};

struct module {
	char *name;     /* base name */
	uint64_t start; /* where its first page (ELF header) is mapped */
};

struct gbuilder {
	struct hc_graph_builder gb; /* first: hc_graph_build() takes it as ctx */
	struct hc_program *prog;
	struct hc_glibc *gl;
	struct gsym *syms;
	size_t nsyms, cap_syms;
	struct module *mods;
	size_t nmods, cap_mods;
	uint64_t lo, hi; /* every object lies in [lo, hi) */
	struct hc_u64map vtypes;  /* vtable symbol address -> type id */
	struct hc_u64map untyped; /* usable size -> type id */
};

static size_t run_at(const void *arg, uint64_t addr)
{
	const struct hc_graph *g = arg;
	size_t lo = 0, hi = g->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->runs[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : SIZE_MAX;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool add_sym(struct gbuilder *b, uint64_t addr, uint64_t size, const char *name)
{
	if (!hc_grow(&b->syms, &b->cap_syms, b->nsyms + 1, sizeof(*b->syms)))
		return false;
	b->syms[b->nsyms++] = (struct gsym){.addr = addr, .size = size, .name = name};
	return true;
}

/* The data symbols (objects with a size) of an ELF image loaded at @p bias:
 * its .symtab, else its .dynsym. */
static bool image_syms(struct gbuilder *b, const uint8_t *image, size_t size, uint64_t bias)
{
	Elf *elf = elf_memory((char *)image, size);
	if (!elf)
		return true;
	Elf_Scn *scn = NULL, *best = NULL;
	GElf_Shdr best_sh = {0};
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
			continue;
		if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !best)) {
			best = scn;
			best_sh = sh;
		}
	}
	bool ok = true;
	Elf_Data *data = best ? elf_getdata(best, NULL) : NULL;
	size_t n = data ? best_sh.sh_size / best_sh.sh_entsize : 0;
	for (size_t i = 0; ok && i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (sym.st_shndx == SHN_UNDEF || GELF_ST_TYPE(sym.st_info) != STT_OBJECT ||
		    !sym.st_size)
			continue;
		const char *name = elf_strptr(elf, best_sh.sh_link, sym.st_name);
		if (name && *name)
			ok = add_sym(b, sym.st_value + bias, sym.st_size, name);
	}
	/* The strings stay in the image (elf_memory reads in place). */
	elf_end(elf);
	return ok;
}

static int sym_cmp(const void *x, const void *y)
{
	const struct gsym *a = x, *b = y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static const struct gsym *sym_at(const struct gbuilder *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct gsym *s = &b->syms[lo - 1];
	return addr < s->addr + s->size ? s : NULL;
}

/*
 * Every ELF file the core maps (the executable and each library): its load
 * bias, and its data symbols where the file could be opened.  The program
 * headers are read from the core (the kernel saves each mapped ELF file's
 * first page), so that a library on this machine that differs from the
 * crashed process's costs names, never roots.
 */
static struct hc_error *load_modules(struct gbuilder *b)
{
	struct hc_program *prog = b->prog;
	struct hc_exe *exe = prog->exe;
	for (size_t i = 0; i < exe->nsyms; i++)
		if (exe->syms[i].size && !add_sym(b, exe->syms[i].addr + prog->bias,
						  exe->syms[i].size, exe->syms[i].name))
			return &hc_enomem;
	for (size_t i = 0; i < prog->core->nfiles; i++) {
		const struct hc_file_mapping *f = &prog->core->files[i];
		uint8_t magic[SELFMAG];
		if (f->offset != 0 || !hc_memory_peek(&prog->mem, f->start, magic, SELFMAG) ||
		    memcmp(magic, ELFMAG, SELFMAG) != 0)
			continue;
		const struct hc_mapped_file *mf = NULL;
		for (size_t k = 0; k < prog->nfiles; k++)
			if (strcmp(prog->files[k].path, f->path) == 0)
				mf = &prog->files[k];
		if (!hc_grow(&b->mods, &b->cap_mods, b->nmods + 1, sizeof(*b->mods)))
			return &hc_enomem;
		struct module *m = &b->mods[b->nmods];
		m->name = strdup(base_name(f->path));
		if (!m->name)
			return &hc_enomem;
		m->start = f->start;
		bool is_exe = mf && mf->image == exe->image;
		if (mf && mf->image && !is_exe &&
		    !image_syms(b, mf->image, mf->size, f->start)) {
			free(m->name);
			return &hc_enomem;
		}
		b->nmods++;
	}
	hc_qsort(b->syms, b->nsyms, sizeof(*b->syms), sym_cmp);
	return NULL;
}

/* "shapes::Circle" from "_ZTVN6shapes6CircleE"; NULL when out of memory. */
static char *class_name(const char *vtable_sym)
{
	int status = 0;
	char *d = __cxa_demangle(vtable_sym, NULL, NULL, &status);
	if (d && status == 0) {
		static const char prefix[] = "vtable for ";
		if (strncmp(d, prefix, sizeof(prefix) - 1) == 0)
			memmove(d, d + sizeof(prefix) - 1, strlen(d) - sizeof(prefix) + 2);
		return d;
	}
	free(d);
	return strdup(vtable_sym);
}

static uint32_t type_of(struct gbuilder *b, uint64_t addr, uint64_t size)
{
	struct hc_graph_builder *gb = &b->gb;
	uint64_t w, id;
	if (size >= 8 && hc_memory_peek_u64(&b->prog->mem, addr, &w)) {
		const struct gsym *s = sym_at(b, w);
		/* A vtable pointer points past the offset-to-top and typeinfo words. */
		if (s && strncmp(s->name, "_ZTV", 4) == 0 && w >= s->addr + 16) {
			if (hc_u64map_get(&b->vtypes, s->addr, &id))
				return (uint32_t)id;
			char *name = class_name(s->name);
			if (!name)
				return NONE;
			id = hc_graph_add_type(gb, s->addr, name);
			if (id == NONE || !hc_u64map_put(&b->vtypes, s->addr, id))
				return NONE;
			return (uint32_t)id;
		}
	}
	if (hc_u64map_get(&b->untyped, size, &id))
		return (uint32_t)id;
	char *name;
	if (asprintf(&name, "(untyped, %" PRIu64 " bytes)", size) < 0)
		return NONE;
	id = hc_graph_add_type(gb, 0, name);
	if (id == NONE || !hc_u64map_put(&b->untyped, size, id))
		return NONE;
	gb->g->types[id].untyped = true;
	return (uint32_t)id;
}

static struct hc_error *gl_number(struct hc_graph_builder *gb)
{
	struct gbuilder *b = gb->ctx;
	struct hc_graph *g = gb->g;
	const struct hc_glibc *gl = b->gl;
	struct hc_error *err = load_modules(b);
	if (err)
		return err;
	size_t n = 0;
	for (size_t i = 0; i < gl->nchunks; i++)
		n += gl->chunks[i].state == HC_CHUNK_IN_USE || gl->chunks[i].state == HC_CHUNK_MMAPPED;
	if (n >= NONE / 2)
		return hc_error_create(HC_ERROR_UNSUPPORTED, "more than 2^31 heap objects");
	g->runs = calloc(n ? n : 1, sizeof(*g->runs)); /* hc_graph_destroy() free()s it */
	g->allocmap = hc_array_new(n ? n : 1, sizeof(*g->allocmap));
	g->rank = hc_array_new(n ? n : 1, sizeof(*g->rank));
	g->type = hc_array_new(n ? n : 1, sizeof(*g->type));
	if (!g->runs || !g->allocmap || !g->rank || !g->type)
		return &hc_enomem;
	g->run_at = run_at;
	g->run_at_arg = g;
	b->lo = UINT64_MAX;
	uint32_t v = 0;
	for (size_t i = 0; i < gl->nchunks; i++) {
		const struct hc_glibc_chunk *c = &gl->chunks[i];
		if (c->state != HC_CHUNK_IN_USE && c->state != HC_CHUNK_MMAPPED)
			continue;
		uint64_t base = c->addr + 16, size = hc_glibc_usable(c);
		g->runs[v] = (struct hc_graph_run){
			.base = base, .elemsize = size, .bits_off = v, .first = v, .nslots = 1};
		g->allocmap[v] = 1;
		uint32_t t = type_of(b, base, size);
		if (t == NONE)
			return &hc_enomem;
		g->type[v] = t;
		if (base < b->lo)
			b->lo = base;
		if (base + size > b->hi)
			b->hi = base + size;
		v++;
	}
	g->nruns = n;
	g->nobjects = (uint32_t)n;
	return NULL;
}

/* The object a word points into, or NONE. */
static inline uint32_t target(const struct gbuilder *b, uint64_t w)
{
	if (w < b->lo || w >= b->hi)
		return NONE;
	return hc_graph_find(b->gb.g, w);
}

static struct hc_error *gl_scan(struct hc_graph_builder *gb, size_t r0, size_t r1,
				struct hc_edge_buf *eb, bool report)
{
	struct gbuilder *b = gb->ctx;
	struct hc_graph *g = gb->g;
	for (size_t r = r0; r < r1; r++) {
		uint32_t v = (uint32_t)r;
		const struct hc_graph_run *run = &g->runs[r];
		g->edge_start[v] = (uint32_t)eb->n;
		uint64_t nwords = run->elemsize / 8;
		const uint8_t *p = hc_memory_ptr(&b->prog->mem, run->base, nwords * 8);
		for (uint64_t k = 0; k < nwords; k++) {
			uint64_t w;
			if (p)
				memcpy(&w, p + 8 * k, 8);
			else if (!hc_memory_peek_u64(&b->prog->mem, run->base + 8 * k, &w))
				continue;
			uint32_t t = target(b, w);
			if (t != NONE && t != v && !hc_edge_push(eb, t))
				return hc_edge_error(eb);
		}
		if (report && (r & 4095) == 0)
			hc_progress(gb->progress, "scanning objects", r - r0, r1 - r0);
	}
	return NULL;
}

/* Scan [a, b) of the target for pointers to objects, as root @p name, or
 * (when @p name is NULL) as roots named by the symbol holding each word,
 * @p fallback where none does. */
static struct hc_error *scan_range(struct gbuilder *b, uint64_t a, uint64_t end,
				   const char *name, const char *fallback, enum hc_root_kind kind)
{
	struct hc_graph_builder *gb = &b->gb;
	uint32_t fixed = NONE;
	a = (a + 7) & ~7ull;
	for (uint64_t page = a; page < end;) {
		uint64_t next = (page | 4095) + 1;
		if (next > end)
			next = end;
		const uint8_t *p = hc_memory_ptr(&b->prog->mem, page, next - page);
		for (uint64_t x = page; p && x + 8 <= next; x += 8) {
			uint64_t w;
			memcpy(&w, p + (x - page), 8);
			uint32_t t = target(b, w);
			if (t == NONE)
				continue;
			uint32_t r;
			if (name) {
				if (fixed == NONE && (fixed = hc_graph_root(gb, name, kind)) == NONE)
					return &hc_enomem;
				r = fixed;
			} else {
				const struct gsym *s = sym_at(b, x);
				r = hc_graph_root(gb, s ? s->name : fallback, kind);
				if (r == NONE)
					return &hc_enomem;
				if (s)
					gb->g->roots[r].symbol = s->name;
			}
			if (!hc_graph_root_add(gb, r, t))
				return &hc_enomem;
		}
		page = next;
	}
	return NULL;
}

/* The writable PT_LOAD segments of module @p m, from its program headers
 * in the core. */
static struct hc_error *module_roots(struct gbuilder *b, const struct module *m)
{
	struct hc_memory *mem = &b->prog->mem;
	Elf64_Ehdr eh;
	if (!hc_memory_peek(mem, m->start, &eh, sizeof(eh)) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > 256)
		return NULL;
	Elf64_Phdr ph[256];
	if (!hc_memory_peek(mem, m->start + eh.e_phoff, ph, eh.e_phnum * sizeof(Elf64_Phdr))) {
		hc_warn(&b->prog->warnings[HC_PHASE_GRAPH], "%s: its program headers are not in the core; its "
			"writable data is not scanned for roots", m->name);
		return NULL;
	}
	/* The load bias: the first PT_LOAD maps file offset 0 at m->start. */
	uint64_t bias = 0;
	bool first = true;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && first) {
			bias = m->start - (ph[i].p_vaddr & ~4095ull);
			first = false;
		}
	}
	char fallback[300];
	snprintf(fallback, sizeof(fallback), "%s (writable data)", m->name);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W) || ph[i].p_memsz > (1ull << 40))
			continue;
		uint64_t start = bias + ph[i].p_vaddr;
		struct hc_error *err = scan_range(b, start, start + ph[i].p_memsz, NULL, fallback,
						  HC_ROOT_GLOBAL);
		if (err)
			return err;
	}
	return NULL;
}

static bool segment_of(const struct hc_core *core, uint64_t addr, uint64_t *start,
		       uint64_t *end)
{
	for (size_t i = 0; i < core->nloads; i++) {
		const struct hc_core_segment *s = &core->loads[i];
		if (addr >= s->vaddr && addr < s->vaddr + s->memsz) {
			*start = s->vaddr;
			*end = s->vaddr + s->memsz;
			return true;
		}
	}
	return false;
}

static struct hc_error *gl_roots(struct hc_graph_builder *gb)
{
	struct gbuilder *b = gb->ctx;
	struct hc_core *core = b->prog->core;
	struct hc_error *err = NULL;
	for (size_t i = 0; i < b->nmods && !err; i++)
		err = module_roots(b, &b->mods[i]);
	char name[64];
	for (size_t i = 0; i < core->nthreads && !err; i++) {
		const struct hc_thread *t = &core->threads[i];
		snprintf(name, sizeof(name), "thread %d registers", t->tid);
		for (unsigned k = 0; k < t->nregs; k++) {
			uint32_t o = target(b, t->regs[k]);
			if (o == NONE)
				continue;
			uint32_t r = hc_graph_root(gb, name, HC_ROOT_THREAD);
			if (r == NONE || !hc_graph_root_add(gb, r, o))
				return &hc_enomem;
		}
		uint64_t s0, s1;
		bool have_stack = segment_of(core, t->sp, &s0, &s1);
		if (have_stack) {
			snprintf(name, sizeof(name), "thread %d stack", t->tid);
			err = scan_range(b, t->sp, s1, name, NULL, HC_ROOT_THREAD);
		}
		uint64_t fs = core->arch == HC_ARCH_X86_64 && t->nregs > FS_BASE ? t->regs[FS_BASE] : 0;
		uint64_t f0, f1;
		if (!err && fs && !(have_stack && fs >= t->sp && fs < s1) &&
		    segment_of(core, fs, &f0, &f1)) {
			/* The static TLS blocks lie below the thread pointer, the
			 * thread descriptor (struct pthread) above it. */
			uint64_t a = fs - f0 > TLS_BELOW ? fs - TLS_BELOW : f0;
			uint64_t e = f1 - fs > TLS_ABOVE ? fs + TLS_ABOVE : f1;
			snprintf(name, sizeof(name), "thread %d TLS", t->tid);
			err = scan_range(b, a, e, name, NULL, HC_ROOT_THREAD);
		}
	}
	return err;
}

static const struct hc_graph_backend glibc_backend = {
	.number = gl_number,
	.scan = gl_scan,
	.roots = gl_roots,
	.types = NULL,
};

struct hc_error *hc_glibc_graph_get(struct hc_program *prog, struct hc_graph **ret)
{
	if (prog->graph) {
		*ret = prog->graph;
		return NULL;
	}
	struct gbuilder b = {.prog = prog};
	struct hc_error *err = hc_glibc_get(prog, &b.gl);
	if (err)
		return err;
	hc_u64map_init(&b.vtypes);
	hc_u64map_init(&b.untyped);
	size_t threads = 0;
	const char *th = getenv("HEAPCORE_THREADS");
	if (th && *th) {
		long n = strtol(th, NULL, 10);
		threads = n < 1 ? 1 : n > 8 ? 8 : (size_t)n;
	}
	struct hc_graph *g = NULL;
	err = hc_graph_build(&glibc_backend, &b, threads, &prog->progress, &g);
	hc_u64map_deinit(&b.vtypes);
	hc_u64map_deinit(&b.untyped);
	free(b.syms);
	for (size_t i = 0; i < b.nmods; i++)
		free(b.mods[i].name);
	free(b.mods);
	if (err)
		return err;
	prog->graph = g;
	*ret = g;
	return NULL;
}
