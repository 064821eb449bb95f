/*
 * Building an object graph (build.h): the backend numbers, scans and names;
 * this file splits the scan over threads and joins their edges, keeps the
 * roots, appends the super-root's and the roots' edges, and runs the
 * dominator pass with the backend's typing beside it on a second core.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "graph/build.h"

#define NONE UINT32_MAX

bool hc_edge_push(struct hc_edge_buf *eb, uint32_t target)
{
	if (eb->n == eb->cap) {
		uint64_t cap = eb->cap ? 2 * eb->cap : 1u << 16;
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		if (eb->n >= cap) {
			eb->limit = true; /* edge offsets are 32-bit */
			return false;
		}
		uint32_t *e = hc_array_resize(eb->e, cap, sizeof(*e));
		if (!e)
			return false;
		eb->e = e;
		eb->cap = cap;
	}
	eb->e[eb->n++] = target;
	return true;
}

struct hc_error *hc_edge_error(const struct hc_edge_buf *eb)
{
	if (eb->limit)
		return hc_error_create(HC_ERROR_UNSUPPORTED, "more than 2^32 heap pointers");
	return &hc_enomem;
}

uint32_t hc_graph_add_type(struct hc_graph_builder *gb, uint64_t rtype, char *name)
{
	if (name)
		hc_text_sanitize(name);
	struct hc_graph *g = gb->g;
	if (!hc_grow(&g->types, &gb->cap_types, g->ntypes + 1, sizeof(*g->types))) {
		free(name);
		return NONE;
	}
	g->types[g->ntypes] = (struct hc_type_info){.rtype = rtype, .name = name};
	return g->ntypes++;
}

uint32_t hc_graph_root(struct hc_graph_builder *gb, const char *name, enum hc_root_kind kind)
{
	struct hc_graph *g = gb->g;
	uint64_t idx;
	char *copy = strdup(name);
	if (!copy)
		return NONE;
	hc_text_sanitize(copy); /* a root's name may quote target memory */
	if (hc_strmap_get(&gb->root_index, copy, &idx)) {
		free(copy);
		return (uint32_t)idx;
	}
	if (g->nroots >= NONE / 2 ||
	    !hc_grow(&g->roots, &gb->cap_roots, g->nroots + 1, sizeof(*g->roots))) {
		free(copy);
		return NONE;
	}
	struct hc_root *r = &g->roots[g->nroots];
	memset(r, 0, sizeof(*r));
	r->name = copy;
	r->kind = kind;
	r->goroutine = -1;
	/* The map keys point into the roots' names, which move with realloc
	 * of the array but not themselves (each is its own allocation). */
	if (!hc_strmap_put(&gb->root_index, r->name, g->nroots, false)) {
		free(r->name);
		return NONE;
	}
	return g->nroots++;
}

bool hc_graph_root_add(struct hc_graph_builder *gb, uint32_t r, uint32_t target)
{
	struct hc_root *rt = &gb->g->roots[r];
	if (!hc_grow(&rt->targets, &rt->cap, rt->ntargets + 1, sizeof(*rt->targets)))
		return false;
	rt->targets[rt->ntargets++] = target;
	return true;
}

/* A share of the runs, scanned by one thread into its own edges. */
struct scan_job {
	struct hc_graph_builder *gb;
	size_t r0, r1;
	struct hc_edge_buf eb;
	struct hc_error *err;
	bool report; /* the thread that reports progress */
};

static void *scan_share(void *arg)
{
	struct scan_job *job = arg;
	job->err = job->gb->backend->scan(job->gb, job->r0, job->r1, &job->eb, job->report);
	return NULL;
}

/*
 * Scan every object's pointers into the CSR edge arrays.  Big heaps are
 * split into contiguous shares of runs with about as many objects each,
 * one thread per share (up to the online CPUs, at most 8), each with its
 * own edge array; the arrays are then joined and the offsets shifted.
 */
static struct hc_error *scan_objects(struct hc_graph_builder *gb)
{
	struct hc_graph *g = gb->g;
	g->nnodes = 0; /* set once roots are known */
	g->edge_start = hc_array_new((size_t)g->nobjects + 1, sizeof(*g->edge_start));
	if (!g->edge_start)
		return &hc_enomem;
	size_t nthreads = gb->threads;
	if (!nthreads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = g->nobjects < 200000 || cpus < 2 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
	}
	struct scan_job jobs[8];
	memset(jobs, 0, sizeof(jobs));
	size_t s = 0;
	for (size_t t = 0; t < nthreads; t++) {
		uint64_t goal = (uint64_t)g->nobjects * (t + 1) / nthreads;
		jobs[t] = (struct scan_job){.gb = gb, .r0 = s, .report = t == 0};
		while (s < g->nruns && (t + 1 == nthreads || g->runs[s].first < goal))
			s++;
		jobs[t].r1 = s;
	}
	pthread_t th[8];
	bool started[8] = {false};
	for (size_t t = 1; t < nthreads; t++)
		started[t] = pthread_create(&th[t], NULL, scan_share, &jobs[t]) == 0;
	scan_share(&jobs[0]);
	for (size_t t = 1; t < nthreads; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			scan_share(&jobs[t]); /* no thread: scan the share here */
	}
	struct hc_error *err = NULL;
	for (size_t t = 0; t < nthreads; t++) {
		if (!err)
			err = jobs[t].err;
		else if (jobs[t].err != err)
			hc_error_destroy(jobs[t].err);
	}
	/* Join the shares' edges into the first one's array. */
	struct hc_edge_buf *all = &jobs[0].eb;
	for (size_t t = 1; t < nthreads && !err; t++) {
		uint64_t base = all->n, n = jobs[t].eb.n;
		if (base + n >= UINT32_MAX) {
			err = hc_error_create(HC_ERROR_UNSUPPORTED, "more than 2^32 heap pointers");
			break;
		}
		if (base + n > all->cap) {
			uint32_t *e = hc_array_resize(all->e, base + n, sizeof(*e));
			if (!e) {
				err = &hc_enomem;
				break;
			}
			all->e = e;
			all->cap = base + n;
		}
		if (n)
			memcpy(all->e + base, jobs[t].eb.e, n * sizeof(uint32_t));
		all->n += n;
		uint32_t first = jobs[t].r0 < g->nruns ? g->runs[jobs[t].r0].first : g->nobjects;
		uint32_t end = jobs[t].r1 < g->nruns ? g->runs[jobs[t].r1].first : g->nobjects;
		for (uint32_t v = first; v < end; v++)
			g->edge_start[v] += (uint32_t)base;
	}
	for (size_t t = 1; t < nthreads; t++)
		hc_array_free(jobs[t].eb.e);
	gb->eb = *all;
	g->edges = all->e;
	g->nedges = all->n;
	if (err)
		return err;
	g->edge_start[g->nobjects] = (uint32_t)g->nedges;
	hc_progress(gb->progress, "scanning objects", 1, 1);
	return NULL;
}

/* Append the super-root's and the roots' edges; node ids follow the objects. */
static struct hc_error *finish_edges(struct hc_graph_builder *gb)
{
	struct hc_graph *g = gb->g;
	struct hc_edge_buf *eb = &gb->eb;
	struct hc_error *err = NULL;
	g->nnodes = g->nobjects + 1 + g->nroots;
	uint32_t *es = hc_array_resize(g->edge_start, (size_t)g->nnodes + 1, sizeof(*es));
	if (!es)
		return &hc_enomem;
	g->edge_start = es;
	g->edge_start[g->nobjects] = (uint32_t)eb->n;
	for (uint32_t r = 0; r < g->nroots && !err; r++)
		if (!hc_edge_push(eb, hc_graph_root_node(g, r)))
			err = hc_edge_error(eb);
	for (uint32_t r = 0; r < g->nroots && !err; r++) {
		g->edge_start[hc_graph_root_node(g, r)] = (uint32_t)eb->n;
		for (size_t k = 0; k < g->roots[r].ntargets && !err; k++)
			if (!hc_edge_push(eb, g->roots[r].targets[k]))
				err = hc_edge_error(eb);
	}
	/* hc_edge_push may have moved the array: the graph owns wherever it is now. */
	g->edges = eb->e;
	g->nedges = eb->n;
	if (!err)
		g->edge_start[g->nnodes] = (uint32_t)g->nedges;
	return err;
}

struct typing {
	struct hc_graph_builder *gb;
	struct hc_error *err;
};

static void *typing_thread(void *arg)
{
	struct typing *t = arg;
	t->err = t->gb->backend->types(t->gb, false);
	return NULL;
}

struct hc_error *hc_graph_build(const struct hc_graph_backend *backend, void *ctx,
				size_t threads, struct hc_progress *progress,
				struct hc_graph **ret)
{
	struct hc_graph_builder *gb = ctx; /* the backend's state starts with it */
	gb->backend = backend;
	gb->ctx = ctx;
	gb->threads = threads;
	gb->progress = progress;
	hc_strmap_init(&gb->root_index);
	gb->g = calloc(1, sizeof(*gb->g));
	if (!gb->g)
		return &hc_enomem;
	struct hc_graph *g = gb->g;
	struct hc_error *err = backend->number(gb);
	if (!err)
		err = scan_objects(gb);
	if (!err)
		err = backend->roots(gb);
	if (!err)
		err = finish_edges(gb);
	/*
	 * Typing and the dominator tree are independent (one writes types, the
	 * other reads only the edges and writes its own arrays): on a second
	 * core, typing runs beside the dominator pass.  Only this thread
	 * reports progress.
	 */
	struct typing typing = {.gb = gb};
	pthread_t typer;
	bool threaded = !err && backend->types && threads != 1 &&
			pthread_create(&typer, NULL, typing_thread, &typing) == 0;
	if (!err && !threaded && backend->types)
		typing.err = backend->types(gb, true);
	if (!err)
		err = hc_graph_dominators(g, progress);
	if (threaded)
		pthread_join(typer, NULL);
	if (!err)
		err = typing.err;
	else
		hc_error_destroy(typing.err);
	hc_progress(progress, "type totals", 0, 1);
	if (!err)
		err = hc_graph_tree_totals(g);
	hc_progress(progress, "type totals", 1, 1);
	hc_strmap_deinit(&gb->root_index);
	for (uint32_t r = 0; g->roots && r < g->nroots; r++) {
		free(g->roots[r].targets);
		g->roots[r].targets = NULL;
	}
	if (err && g->edges != gb->eb.e)
		hc_array_free(gb->eb.e); /* edges that never reached the graph */
	gb->g = NULL;
	if (err) {
		hc_graph_destroy(g);
		return err;
	}
	*ret = g;
	return NULL;
}
