/*
 * The Go heap profile as the runtime recorded it (runtime.mbuckets,
 * mprof.go), turned into the profile runtime/pprof would have written at
 * the moment of the crash (see go_profile.c).
 */
#ifndef HC_GO_PROFILE_H
#define HC_GO_PROFILE_H

#include "util/internal.h"

struct hc_program;
struct hc_profile;

/**
 * Fill @p out (initialized, empty) with what pprof.WriteHeapProfile would
 * have written at the crash; with @p live, the sampled objects still
 * allocated in the heap per stack (from the profile specials) instead.
 * A damaged bucket becomes a warning naming it, and the rest is answered.
 * HC_ERROR_NOT_FOUND when the program recorded no heap profile.
 */
struct hc_error *hc_go_heap_profile(struct hc_program *prog, bool live, struct hc_profile *out);

#endif /* HC_GO_PROFILE_H */
