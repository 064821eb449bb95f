/*
 * Leaked goroutines (see go_leaks.h).  A goroutine blocked on channels or
 * in a select is a waiter woken by any of its sudogs' channels (sudog.c); one
 * blocked on a sync primitive, by its sudog's elem; a nil channel or
 * select {} never wakes (mgc.go:isMaybeRunnable).  The detector ignores
 * the sudogs' c and elem pointers while it marks
 * (mgc.go:setSyncObjectsUntraceable): they are the cut edges.  A channel
 * or object outside the heap (a global's) is always reachable.
 */
#include <string.h>

#include "go/go.h"
#include "go/go_leaks.h"
#include "graph/graph_leaks.h"

static bool runtime_package(const char *name)
{
	static const char *const pkgs[] = {"runtime.", "internal/", "sync.", "sync/", "panic"};
	for (size_t i = 0; i < HC_ARRAY_SIZE(pkgs); i++) {
		if (!strncmp(name, pkgs[i], strlen(pkgs[i])))
			return true;
	}
	return false;
}

size_t hc_go_user_frame(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g)
{
	for (size_t i = 0; i < g->nframes; i++) {
		const struct hc_go_logical *f = &gs->frames[g->first_frame + i];
		if (f->name && !runtime_package(f->name))
			return g->first_frame + i;
	}
	return SIZE_MAX;
}

void hc_go_leaks_destroy(struct hc_go_leaks *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->ngroups; i++)
		free(l->groups[i].members);
	free(l->groups);
	free(l->leaked);
	hc_go_goroutines_destroy(l->gs);
	free(l);
}

/* What groups leaked goroutines: start, go statement, status, blocking frame. */
struct key {
	const char *start, *cfunc, *cfile, *ufunc, *ufile, *state;
	int64_t cline, uline;
	size_t g, user;
};

static int str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int c;
	if ((c = str_cmp(a->start, b->start)) || (c = str_cmp(a->cfunc, b->cfunc)) ||
	    (c = str_cmp(a->cfile, b->cfile)) || (c = str_cmp(a->state, b->state)) ||
	    (c = str_cmp(a->ufunc, b->ufunc)) || (c = str_cmp(a->ufile, b->ufile)))
		return c;
	if (a->cline != b->cline)
		return a->cline < b->cline ? -1 : 1;
	if (a->uline != b->uline)
		return a->uline < b->uline ? -1 : 1;
	return a->g < b->g ? -1 : a->g > b->g;
}

static bool same_group(const struct key *a, const struct key *b)
{
	struct key x = *a, y = *b;
	x.g = y.g = 0;
	return key_cmp(&x, &y) == 0;
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct hc_go_leak_group *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->members[0] < b->members[0] ? -1 : a->members[0] > b->members[0];
}

struct hc_error *hc_go_leaks_get(struct hc_program *prog, struct hc_go_leaks **ret)
{
	struct hc_graph *g;
	struct hc_error *err = hc_graph_get(prog, &g);
	if (err)
		return err;
	struct hc_go_leaks *l = calloc(1, sizeof(*l));
	if (!l)
		return &hc_enomem;
	if ((err = hc_go_goroutines_get(prog, &l->gs))) {
		free(l);
		return err;
	}
	struct hc_go_goroutines *gs = l->gs;
	size_t nw = 0, ncuts = 0, nkeys = 0, ngroups = 0;
	struct hc_graph_waiter *w = calloc(gs->n + 1, sizeof(*w));
	uint32_t *wake = malloc((gs->nwaits + 1) * sizeof(*wake));
	struct hc_graph_cut *cuts = malloc((gs->nwaits + 1) * sizeof(*cuts));
	struct key *keys = calloc(gs->n + 1, sizeof(*keys));
	size_t *wg = malloc((gs->n + 1) * sizeof(*wg)); /* waiter -> goroutine */
	uint64_t *retained = NULL, *objects = NULL;
	l->leaked = calloc(gs->n + 1, sizeof(*l->leaked));
	if (!w || !wake || !cuts || !keys || !wg || !l->leaked)
		goto oom;
	for (size_t i = 0; i < gs->nwaits; i++) {
		const struct hc_go_wait *wt = &gs->waits[i];
		wake[i] = hc_graph_find(g, wt->target); /* UINT32_MAX: outside the heap */
		uint32_t from = hc_graph_find(g, wt->sudog);
		if (from != UINT32_MAX && wake[i] != UINT32_MAX)
			cuts[ncuts++] = (struct hc_graph_cut){from, wake[i]};
	}
	for (size_t i = 0; i < gs->n; i++) {
		const struct hc_go_goroutine *gr = &gs->g[i];
		if (gr->block == HC_GO_BLOCK_NONE)
			continue;
		wg[nw] = i;
		w[nw++] = (struct hc_graph_waiter){.owner = (int64_t)gr->goid,
						    .first_wake = gr->first_wait, .nwake = gr->nwaits,
						    .always = gr->block == HC_GO_BLOCK_ALWAYS,
						    .group = UINT32_MAX};
		struct key *k = &keys[nkeys++];
		k->g = nw - 1;
		k->state = gr->state;
		const char *file;
		int64_t line;
		if (!hc_pcln_physical(gs->pcln, gr->startpc, &k->start, &file, &line))
			k->start = NULL;
		if (!hc_pcln_physical(gs->pcln, gr->gopc, &k->cfunc, &k->cfile, &k->cline))
			k->cfunc = k->cfile = NULL;
		k->user = hc_go_user_frame(gs, gr);
		if (k->user != SIZE_MAX) {
			k->ufunc = gs->frames[k->user].name;
			k->ufile = gs->frames[k->user].file;
			k->uline = gs->frames[k->user].line;
		}
	}
	hc_qsort(keys, nkeys, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < nkeys; i++) {
		if (i > 0 && !same_group(&keys[i - 1], &keys[i]))
			ngroups++;
		w[keys[i].g].group = (uint32_t)ngroups;
	}
	if (nkeys)
		ngroups++;
	retained = calloc(ngroups + 1, sizeof(*retained));
	objects = calloc(ngroups + 1, sizeof(*objects));
	l->groups = calloc(ngroups + 1, sizeof(*l->groups));
	if (!retained || !objects || !l->groups)
		goto oom;
	if ((err = hc_graph_leaks(g, w, nw, wake, cuts, ncuts, retained, objects, ngroups)))
		goto fail;
	/* The groups with leaked goroutines, members in goroutine order. */
	for (size_t i = 0; i < nkeys; i++) {
		const struct hc_graph_waiter *wi = &w[keys[i].g];
		if (!wi->leaked)
			continue;
		size_t gi = wg[keys[i].g];
		l->leaked[gi] = true;
		l->nleaked++;
		struct hc_go_leak_group *grp = &l->groups[wi->group];
		size_t *m = realloc(grp->members, (grp->n + 1) * sizeof(*m));
		if (!m)
			goto oom;
		grp->members = m;
		grp->members[grp->n++] = gi;
		grp->stack_bytes += gs->g[gi].stack_hi - gs->g[gi].stack_lo;
		grp->retained = retained[wi->group];
		grp->objects = objects[wi->group];
		grp->blocked_in = keys[i].user;
	}
	size_t kept = 0;
	for (size_t i = 0; i < ngroups; i++) {
		if (l->groups[i].n)
			l->groups[kept++] = l->groups[i];
	}
	l->ngroups = kept;
	for (size_t i = 0; i < kept; i++) {
		/* keys sort by goroutine within a group only by waiter index,
		 * which follows allgs; order members by id. */
		struct hc_go_leak_group *grp = &l->groups[i];
		for (size_t a = 1; a < grp->n; a++) {
			size_t v = grp->members[a], b = a;
			for (; b > 0 && gs->g[grp->members[b - 1]].goid > gs->g[v].goid; b--)
				grp->members[b] = grp->members[b - 1];
			grp->members[b] = v;
		}
	}
	hc_qsort(l->groups, l->ngroups, sizeof(*l->groups), group_cmp);
	free(w);
	free(wake);
	free(cuts);
	free(keys);
	free(wg);
	free(retained);
	free(objects);
	*ret = l;
	return NULL;
oom:
	err = &hc_enomem;
fail:
	free(w);
	free(wake);
	free(cuts);
	free(keys);
	free(wg);
	free(retained);
	free(objects);
	hc_go_leaks_destroy(l);
	return err;
}
