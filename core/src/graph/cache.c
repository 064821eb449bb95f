/*
 * The graph's cache file: the arrays as they are in memory, each section
 * aligned, after a header that says what the file holds and a checksum of
 * it.  Reading maps the file and points the graph's arrays into the
 * mapping: nothing is parsed or copied but the small tables (roots, types,
 * globals), whose strings live in one pool.  The file comes from an
 * earlier run, but a disk, a crash or a person may have damaged it, so
 * every count, offset, index and string is checked before use; a file that
 * fails is ignored by the caller and the analysis runs again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/cache.h"

#define NONE UINT32_MAX
#define MAGIC "HCGRAPH"
#define VERSION 1
#define ALIGN 64

enum {
	S_KEY, S_RUNS, S_ALLOCMAP, S_RANK, S_TYPE, S_EDGE_START, S_EDGES, S_IDOM, S_RETAINED,
	S_ROOTS, S_TYPES, S_GLOBALS, S_STRINGS, S_EXTRA, NSECTIONS,
};

struct header {
	char magic[8];
	uint32_t version, nsections;
	uint64_t nobjects, nruns, nroots, nnodes, nedges, ntypes, nglobals, allocmap_words;
	uint64_t reachable_objects, reachable_bytes;
	uint64_t flags;    /* 1: conservative_notice */
	uint64_t checksum; /* of every section */
	struct {
		uint64_t off, size;
	} sect[NSECTIONS];
};

/* Strings are offsets into the pool plus one; 0 is NULL. */
struct rec_root {
	uint64_t name, symbol, function, slot;
	int64_t goroutine;
	uint64_t dominated;
	uint32_t kind;
	uint8_t conservative, pad[3];
};

struct rec_type {
	uint64_t rtype, name, count, bytes, retained;
	uint8_t untyped, pad[7];
};

struct rec_global {
	uint64_t name, addr, size, type, esize, section;
	uint8_t is_static, rooted, pad[6];
};

/* A checksum at memory speed: four lanes of 64-bit multiply-mix.  It
 * depends on how the bytes are split into calls: writer and reader make
 * the same calls (each section's padding, then the section). */
struct sum {
	uint64_t lane[4];
	uint64_t n;
};

static void sum_bytes(struct sum *s, const uint8_t *p, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	size_t i = 0;
	/* The lanes in locals: through s they could alias p, and the compiler
	 * would keep them in memory (half of a cached query's time). */
	uint64_t l0 = s->lane[0], l1 = s->lane[1], l2 = s->lane[2], l3 = s->lane[3];
	for (; i + 32 <= len; i += 32) {
		uint64_t w[4];
		memcpy(w, p + i, sizeof(w));
		l0 = (l0 ^ w[0]) * k;
		l0 ^= l0 >> 29;
		l1 = (l1 ^ w[1]) * k;
		l1 ^= l1 >> 29;
		l2 = (l2 ^ w[2]) * k;
		l2 ^= l2 >> 29;
		l3 = (l3 ^ w[3]) * k;
		l3 ^= l3 >> 29;
	}
	s->lane[0] = l0;
	s->lane[1] = l1;
	s->lane[2] = l2;
	s->lane[3] = l3;
	for (; i < len; i++)
		s->lane[i % 4] = (s->lane[i % 4] ^ p[i]) * k;
	s->n += len;
}

static uint64_t sum_final(const struct sum *s)
{
	uint64_t h = s->n;
	for (int l = 0; l < 4; l++)
		h = (h ^ s->lane[l]) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

/* ---- writing ---- */

struct writer {
	int fd;
	uint64_t off;
	struct sum sum;
	struct hc_error *err;
	const char *path;
};

static void put(struct writer *w, const void *p, size_t len)
{
	const uint8_t *b = p;
	sum_bytes(&w->sum, b, len);
	while (len && !w->err) {
		ssize_t n = write(w->fd, b, len > (1u << 30) ? 1u << 30 : len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = hc_error_os(n < 0 ? errno : ENOSPC, w->path, "cannot write");
			return;
		}
		b += n;
		len -= (size_t)n;
		w->off += (uint64_t)n;
	}
}

static void section(struct writer *w, struct header *h, int s, const void *p, size_t len)
{
	static const uint8_t zeros[ALIGN];
	size_t pad = (ALIGN - w->off % ALIGN) % ALIGN;
	put(w, zeros, pad);
	h->sect[s].off = w->off;
	h->sect[s].size = len;
	put(w, p, len);
}

/* The string's offset in the pool, plus one (0 for NULL). */
static uint64_t intern(struct hc_strbuf *pool, const char *s)
{
	if (!s)
		return 0;
	uint64_t at = pool->len + 1;
	hc_strbuf_append(pool, s, strlen(s) + 1);
	return at;
}

static uint64_t allocmap_words(const struct hc_graph *g)
{
	uint64_t words = 0;
	for (size_t i = 0; i < g->nruns; i++) {
		uint64_t end = g->runs[i].bits_off + ((uint64_t)g->runs[i].nslots + 63) / 64;
		if (end > words)
			words = end;
	}
	return words;
}

struct hc_error *hc_graph_cache_write(const struct hc_graph *g, const char *path, const char *key,
				      const void *extra, size_t extra_len)
{
	struct hc_strbuf pool;
	hc_strbuf_init(&pool);
	struct rec_root *roots = calloc(g->nroots ? g->nroots : 1, sizeof(*roots));
	struct rec_type *types = calloc(g->ntypes ? g->ntypes : 1, sizeof(*types));
	struct rec_global *globals = calloc(g->nglobals ? g->nglobals : 1, sizeof(*globals));
	char *tmp = NULL;
	struct hc_error *err = NULL;
	if (!roots || !types || !globals || asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0) {
		tmp = NULL;
		err = &hc_enomem;
		goto out;
	}
	for (uint32_t r = 0; r < g->nroots; r++) {
		const struct hc_root *x = &g->roots[r];
		roots[r] = (struct rec_root){
			.name = intern(&pool, x->name), .symbol = intern(&pool, x->symbol),
			.function = intern(&pool, x->function), .slot = intern(&pool, x->slot),
			.goroutine = x->goroutine, .dominated = x->dominated, .kind = x->kind,
			.conservative = x->conservative,
		};
	}
	for (uint32_t t = 0; t < g->ntypes; t++) {
		const struct hc_type_info *x = &g->types[t];
		types[t] = (struct rec_type){.rtype = x->rtype, .name = intern(&pool, x->name),
					     .count = x->count, .bytes = x->bytes,
					     .retained = x->retained, .untyped = x->untyped};
	}
	for (size_t i = 0; i < g->nglobals; i++) {
		const struct hc_graph_global *x = &g->globals[i];
		globals[i] = (struct rec_global){
			.name = intern(&pool, x->name), .addr = x->addr, .size = x->size,
			.type = x->type, .esize = x->esize, .section = intern(&pool, x->section),
			.is_static = x->is_static, .rooted = x->rooted,
		};
	}
	if (pool.oom) {
		err = &hc_enomem;
		goto out;
	}
	struct writer w = {.path = tmp};
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w.fd < 0) {
		err = hc_error_os(errno, tmp, "cannot create");
		goto out;
	}
	struct header h = {.version = VERSION, .nsections = NSECTIONS,
			   .nobjects = g->nobjects, .nruns = g->nruns, .nroots = g->nroots,
			   .nnodes = g->nnodes, .nedges = g->nedges, .ntypes = g->ntypes,
			   .nglobals = g->nglobals, .allocmap_words = allocmap_words(g),
			   .reachable_objects = g->reachable_objects,
			   .reachable_bytes = g->reachable_bytes,
			   .flags = g->conservative_notice ? 1 : 0};
	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	/* The header last, once the sections' places and checksum are known. */
	put(&w, &h, sizeof(h));
	memset(&w.sum, 0, sizeof(w.sum));
	section(&w, &h, S_KEY, key, strlen(key) + 1);
	section(&w, &h, S_RUNS, g->runs, g->nruns * sizeof(*g->runs));
	section(&w, &h, S_ALLOCMAP, g->allocmap, h.allocmap_words * sizeof(*g->allocmap));
	section(&w, &h, S_RANK, g->rank, h.allocmap_words * sizeof(*g->rank));
	section(&w, &h, S_TYPE, g->type, (size_t)g->nobjects * sizeof(*g->type));
	section(&w, &h, S_EDGE_START, g->edge_start, ((size_t)g->nnodes + 1) * sizeof(*g->edge_start));
	section(&w, &h, S_EDGES, g->edges, g->nedges * sizeof(*g->edges));
	section(&w, &h, S_IDOM, g->idom, (size_t)g->nnodes * sizeof(*g->idom));
	section(&w, &h, S_RETAINED, g->retained, (size_t)g->nnodes * sizeof(*g->retained));
	section(&w, &h, S_ROOTS, roots, g->nroots * sizeof(*roots));
	section(&w, &h, S_TYPES, types, g->ntypes * sizeof(*types));
	section(&w, &h, S_GLOBALS, globals, g->nglobals * sizeof(*globals));
	section(&w, &h, S_STRINGS, pool.str ? pool.str : "", pool.len);
	section(&w, &h, S_EXTRA, extra, extra_len);
	h.checksum = sum_final(&w.sum);
	if (!w.err && pwrite(w.fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		w.err = hc_error_os(errno, tmp, "cannot write");
	if (close(w.fd) != 0 && !w.err)
		w.err = hc_error_os(errno, tmp, "cannot write");
	if (!w.err && rename(tmp, path) != 0)
		w.err = hc_error_os(errno, path, "cannot create");
	if (w.err)
		unlink(tmp);
	err = w.err;
out:
	free(tmp);
	free(roots);
	free(types);
	free(globals);
	hc_strbuf_deinit(&pool);
	return err;
}

/* ---- reading ---- */

struct reader {
	const uint8_t *map;
	size_t len;
	const struct header *h;
	const char *pool;
	uint64_t pool_len;
};

static struct hc_error *damaged(const char *path, const char *what)
{
	return hc_error_format(HC_ERROR_BAD_DATA, "%s is damaged: %s", path, what);
}

/* Section @p s, which must hold exactly @p n elements of @p elem bytes. */
static const void *sect(const struct reader *r, int s, uint64_t n, size_t elem)
{
	uint64_t off = r->h->sect[s].off, size = r->h->sect[s].size;
	if (off % ALIGN || off > r->len || size > r->len - off || (elem && n > UINT64_MAX / elem) ||
	    size != n * elem)
		return NULL;
	return r->map + off;
}

/* A pooled string: NULL for 0, else a NUL-terminated string of the pool. */
static bool string_at(const struct reader *r, uint64_t at, const char **ret)
{
	if (!at) {
		*ret = NULL;
		return true;
	}
	if (at - 1 >= r->pool_len || !memchr(r->pool + at - 1, 0, r->pool_len - (at - 1)))
		return false;
	*ret = r->pool + at - 1;
	return true;
}

/* Every index of the graph within what it indexes. */
static const char *check_graph(const struct hc_graph *g, uint64_t words)
{
	uint32_t next_first = 0;
	for (size_t i = 0; i < g->nruns; i++) {
		const struct hc_graph_run *run = &g->runs[i];
		if (run->first != next_first || run->bits_off > words ||
		    ((uint64_t)run->nslots + 63) / 64 > words - run->bits_off)
			return "a run's objects or bits are out of range";
		uint64_t count = 0;
		for (uint64_t w = 0; w < ((uint64_t)run->nslots + 63) / 64; w++) {
			uint64_t bits = g->allocmap[run->bits_off + w];
			if (w == (uint64_t)run->nslots / 64 && run->nslots % 64)
				bits &= (1ULL << (run->nslots % 64)) - 1;
			if (g->rank[run->bits_off + w] != count)
				return "an allocation bitmap's ranks are wrong";
			count += (uint64_t)__builtin_popcountll(bits);
		}
		if (count > g->nobjects - run->first)
			return "a run claims more objects than there are";
		next_first = run->first + (uint32_t)count;
	}
	if (next_first != g->nobjects)
		return "the runs' objects do not add up";
	for (uint32_t v = 0; v < g->nobjects; v++)
		if (g->type[v] >= g->ntypes)
			return "an object's type is out of range";
	if (g->edge_start[g->nnodes] != g->nedges)
		return "the edges do not add up";
	for (uint32_t v = 0; v < g->nnodes; v++)
		if (g->edge_start[v] > g->edge_start[v + 1])
			return "the edge offsets go backwards";
	for (uint64_t e = 0; e < g->nedges; e++)
		if (g->edges[e] >= g->nnodes)
			return "an edge points out of the graph";
	for (uint32_t v = 0; v < g->nnodes; v++)
		if (g->idom[v] != NONE && g->idom[v] >= g->nnodes)
			return "a dominator is out of the graph";
	return NULL;
}

static void unmap_cached(struct hc_graph *g)
{
	free(g->roots);
	free(g->types);
	free(g->globals);
	munmap(g->cache_map, g->cache_len);
	free(g);
}

struct hc_error *hc_graph_cache_read(const char *path, const char *key, struct hc_graph **ret,
				     const void **extra, size_t *extra_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? hc_error_create(HC_ERROR_NOT_FOUND, "no cache file")
				       : hc_error_os(errno, path, "cannot open");
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(struct header)) {
		close(fd);
		return damaged(path, "not a cache file");
	}
	size_t len = (size_t)st.st_size;
	/* Private and writable: a report may not write, but nothing it could
	 * write would reach the file.  Not prefaulted: populating a writable
	 * private mapping copies every page; read ahead instead. */
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return hc_error_os(errno, path, "cannot map");
	(void)madvise(map, len, MADV_WILLNEED);
	struct reader r = {.map = map, .len = len, .h = (const struct header *)map};
	const struct header *h = r.h;
	struct hc_graph *g = NULL;
	const char *why = NULL;
	if (memcmp(h->magic, MAGIC, sizeof(MAGIC)) != 0 || h->version != VERSION ||
	    h->nsections != NSECTIONS) {
		why = "not a cache file of this version";
		goto bad;
	}
	const char *stored_key = sect(&r, S_KEY, h->sect[S_KEY].size, 1);
	if (!stored_key) {
		why = "its key lies outside the file";
		goto bad;
	}
	if (key && (h->sect[S_KEY].size != strlen(key) + 1 ||
		    memcmp(stored_key, key, h->sect[S_KEY].size) != 0)) {
		munmap(map, len);
		return hc_error_create(HC_ERROR_NOT_FOUND, "the cache file is of another core");
	}
	struct sum sum;
	memset(&sum, 0, sizeof(sum));
	/* In the pieces the writer summed: each section's padding, then it. */
	uint64_t end = sizeof(*h);
	for (int s = 0; s < NSECTIONS; s++) {
		if (h->sect[s].off < end || h->sect[s].off > len || h->sect[s].size > len - h->sect[s].off) {
			why = "a section lies outside the file";
			goto bad;
		}
		sum_bytes(&sum, map + end, (size_t)(h->sect[s].off - end));
		sum_bytes(&sum, map + h->sect[s].off, (size_t)h->sect[s].size);
		end = h->sect[s].off + h->sect[s].size;
	}
	if (sum_final(&sum) != h->checksum) {
		why = "its checksum does not match";
		goto bad;
	}
	if (h->nobjects >= NONE / 2 || h->nnodes != h->nobjects + 1 + h->nroots ||
	    h->nnodes >= NONE || h->nedges >= UINT32_MAX || h->ntypes >= NONE) {
		why = "its counts are impossible";
		goto bad;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		munmap(map, len);
		return &hc_enomem;
	}
	g->cache_map = map;
	g->cache_len = len;
	g->nobjects = (uint32_t)h->nobjects;
	g->nruns = (size_t)h->nruns;
	g->nroots = (uint32_t)h->nroots;
	g->nnodes = (uint32_t)h->nnodes;
	g->nedges = h->nedges;
	g->ntypes = (uint32_t)h->ntypes;
	g->nglobals = (size_t)h->nglobals;
	g->reachable_objects = h->reachable_objects;
	g->reachable_bytes = h->reachable_bytes;
	g->conservative_notice = h->flags & 1;
	g->runs = (struct hc_graph_run *)sect(&r, S_RUNS, h->nruns, sizeof(*g->runs));
	g->allocmap = (uint64_t *)sect(&r, S_ALLOCMAP, h->allocmap_words, sizeof(*g->allocmap));
	g->rank = (uint16_t *)sect(&r, S_RANK, h->allocmap_words, sizeof(*g->rank));
	g->type = (uint32_t *)sect(&r, S_TYPE, h->nobjects, sizeof(*g->type));
	g->edge_start = (uint32_t *)sect(&r, S_EDGE_START, h->nnodes + 1, sizeof(*g->edge_start));
	g->edges = (uint32_t *)sect(&r, S_EDGES, h->nedges, sizeof(*g->edges));
	g->idom = (uint32_t *)sect(&r, S_IDOM, h->nnodes, sizeof(*g->idom));
	g->retained = (uint64_t *)sect(&r, S_RETAINED, h->nnodes, sizeof(*g->retained));
	const struct rec_root *roots = sect(&r, S_ROOTS, h->nroots, sizeof(*roots));
	const struct rec_type *types = sect(&r, S_TYPES, h->ntypes, sizeof(*types));
	const struct rec_global *globals = sect(&r, S_GLOBALS, h->nglobals, sizeof(*globals));
	r.pool = sect(&r, S_STRINGS, h->sect[S_STRINGS].size, 1);
	r.pool_len = h->sect[S_STRINGS].size;
	*extra = sect(&r, S_EXTRA, h->sect[S_EXTRA].size, 1);
	*extra_len = (size_t)h->sect[S_EXTRA].size;
	if (!g->runs || !g->allocmap || !g->rank || !g->type || !g->edge_start || !g->edges ||
	    !g->idom || !g->retained || !roots || !types || !globals || !r.pool || !*extra) {
		why = "a section has the wrong size";
		goto bad;
	}
	if ((why = check_graph(g, h->allocmap_words)))
		goto bad;
	g->roots = calloc(g->nroots ? g->nroots : 1, sizeof(*g->roots));
	g->types = calloc(g->ntypes ? g->ntypes : 1, sizeof(*g->types));
	g->globals = calloc(g->nglobals ? g->nglobals : 1, sizeof(*g->globals));
	if (!g->roots || !g->types || !g->globals) {
		unmap_cached(g);
		return &hc_enomem;
	}
	why = "a name is out of range";
	for (uint32_t i = 0; i < g->nroots; i++) {
		struct hc_root *x = &g->roots[i];
		const char *name, *slot;
		if (!string_at(&r, roots[i].name, &name) || !name ||
		    !string_at(&r, roots[i].symbol, &x->symbol) ||
		    !string_at(&r, roots[i].function, &x->function) ||
		    !string_at(&r, roots[i].slot, &slot) || roots[i].kind > HC_ROOT_OTHER)
			goto bad;
		x->name = (char *)name;
		x->slot = (char *)slot;
		x->kind = roots[i].kind;
		x->goroutine = roots[i].goroutine;
		x->dominated = roots[i].dominated;
		x->conservative = roots[i].conservative;
	}
	for (uint32_t i = 0; i < g->ntypes; i++) {
		struct hc_type_info *x = &g->types[i];
		const char *name;
		if (!string_at(&r, types[i].name, &name) || !name)
			goto bad;
		*x = (struct hc_type_info){.rtype = types[i].rtype, .untyped = types[i].untyped,
					   .name = (char *)name, .count = types[i].count,
					   .bytes = types[i].bytes, .retained = types[i].retained};
	}
	for (size_t i = 0; i < g->nglobals; i++) {
		struct hc_graph_global *x = &g->globals[i];
		if (!string_at(&r, globals[i].name, &x->name) || !x->name ||
		    !string_at(&r, globals[i].section, &x->section) ||
		    (i && globals[i].addr < globals[i - 1].addr + globals[i - 1].size))
			goto bad;
		x->addr = globals[i].addr;
		x->size = globals[i].size;
		x->type = globals[i].type;
		x->esize = globals[i].esize;
		x->is_static = globals[i].is_static;
		x->rooted = globals[i].rooted;
	}
	*ret = g;
	return NULL;
bad:
	if (g)
		unmap_cached(g);
	else
		munmap(map, len);
	return damaged(path, why);
}

void hc_graph_cache_free(struct hc_graph *g)
{
	unmap_cached(g);
}
