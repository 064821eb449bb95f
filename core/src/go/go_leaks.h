/*
 * Leaked goroutines: Go 1.26's goroutine leak detector on a core of any
 * version (graph/graph_leaks.c on the goroutines of go_goroutines.c),
 * grouped as people read them.
 */
#ifndef HC_GO_LEAKS_H
#define HC_GO_LEAKS_H

#include "go/go_goroutines.h"

struct hc_program;

/* Leaked goroutines with the same start function, go statement, status
 * and blocking user frame. */
struct hc_go_leak_group {
	size_t *members;       /* indices into gs->g, increasing goroutine id */
	size_t n;
	uint64_t stack_bytes;  /* their stacks' sizes */
	uint64_t retained;     /* heap bytes only these goroutines keep alive */
	uint64_t objects;      /* how many objects that is */
	size_t blocked_in;     /* index into gs->frames of the blocking user frame, or SIZE_MAX */
};

struct hc_go_leaks {
	struct hc_go_goroutines *gs; /* owned */
	bool *leaked;                /* per goroutine */
	struct hc_go_leak_group *groups; /* largest first */
	size_t ngroups;
	size_t nleaked;
};

/**
 * The goroutines of @p prog and which leaked, from its object graph.
 * Free *@p ret with hc_go_leaks_destroy().
 */
struct hc_error *hc_go_leaks_get(struct hc_program *prog, struct hc_go_leaks **ret);
void hc_go_leaks_destroy(struct hc_go_leaks *l);
/** The innermost frame of @p g outside the runtime and sync packages, or SIZE_MAX. */
size_t hc_go_user_frame(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g);

#endif /* HC_GO_LEAKS_H */
