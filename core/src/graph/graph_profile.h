/*
 * The retention profile: the dominator tree as a profile whose stacks are
 * retention paths (root, then the types of the objects that dominate, then
 * the object's type), so that a flame graph shows what holds the memory
 * (see graph_profile.c).
 */
#ifndef HC_GRAPH_PROFILE_H
#define HC_GRAPH_PROFILE_H

#include "graph/graph.h"
#include "util/profile.h"

/**
 * Fill @p out (initialized, empty) with one sample per distinct retention
 * path of the reachable objects: its objects and their bytes.  A frame's
 * cumulative value in pprof is then exactly the retained size (and count)
 * of the dominator subtree it stands for.  Locations belong to the first
 * mapping, when the caller added one.
 */
struct hc_error *hc_graph_retained_profile(const struct hc_graph *g, struct hc_profile *out);

#endif /* HC_GRAPH_PROFILE_H */
