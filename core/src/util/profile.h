/*
 * A sampled profile in pprof's data model: samples of a few values each over
 * stacks of locations, locations made of (inlined) lines of functions, the
 * mappings the locations fall in, and one table of strings that every name
 * indexes.  Format-neutral: the heap profile (go/), the retention profile
 * (graph/) fill it, report/ encodes it as profile.proto.  IDs start at 1, as
 * the format wants (0 means none); string 0 is "".
 */
#ifndef HC_PROFILE_H
#define HC_PROFILE_H

#include "util/internal.h"

/* The most values a sample carries (the heap profile has four). */
#define HC_PROFILE_MAX_VALUES 4

struct hc_profile_value_type {
	int64_t type, unit; /* string indexes */
};

struct hc_profile_mapping {
	uint64_t start, limit, offset;
	int64_t filename, build_id; /* string indexes */
	bool has_functions;
};

struct hc_profile_function {
	int64_t name, system_name, filename; /* string indexes */
	int64_t start_line;
};

struct hc_profile_line {
	uint64_t function_id;
	int64_t line;
};

struct hc_profile_location {
	uint64_t mapping_id, address;
	size_t first_line, nlines; /* into lines */
};

struct hc_profile_label {
	int64_t key, str, num; /* key and str are string indexes */
};

struct hc_profile_sample {
	size_t first_location, nlocations; /* into sample_locations, leaf first */
	size_t first_value;                /* into values, nvalues of them */
	size_t first_label, nlabels;       /* into labels */
};

struct hc_profile {
	char **strings;
	size_t nstrings, cap_strings;
	struct hc_strmap string_index; /* keys are strings[i] */
	struct hc_profile_value_type sample_types[HC_PROFILE_MAX_VALUES];
	size_t nvalues;
	struct hc_profile_value_type period_type;
	int64_t period, time_nanos, default_sample_type;
	/* Element i has ID i + 1. */
	struct hc_profile_mapping *mappings;
	size_t nmappings, cap_mappings;
	struct hc_profile_function *functions;
	size_t nfunctions, cap_functions;
	struct hc_profile_location *locations;
	size_t nlocations, cap_locations;
	struct hc_profile_line *lines;
	size_t nlines, cap_lines;
	struct hc_profile_sample *samples;
	size_t nsamples, cap_samples;
	uint64_t *sample_locations;
	size_t nsample_locations, cap_sample_locations;
	int64_t *values;
	size_t nvalues_all, cap_values;
	struct hc_profile_label *labels;
	size_t nlabels, cap_labels;
	bool oom; /* an addition ran out of memory: the profile is incomplete */
};

void hc_profile_init(struct hc_profile *p);
void hc_profile_deinit(struct hc_profile *p);
/** The index of @p s in the string table, added (copied) if new; 0 when out of memory. */
int64_t hc_profile_string(struct hc_profile *p, const char *s);
/** Declare the next value of every sample: its type and unit ("inuse_space", "bytes"). */
void hc_profile_sample_type(struct hc_profile *p, const char *type, const char *unit);
/** Add a mapping; returns its ID (0 when out of memory). */
uint64_t hc_profile_add_mapping(struct hc_profile *p, uint64_t start, uint64_t limit,
				uint64_t offset, const char *file, const char *build_id);
/** Add a function; returns its ID (0 when out of memory). */
uint64_t hc_profile_add_function(struct hc_profile *p, const char *name,
				 const char *system_name, const char *file, int64_t start_line);
/** Add a location with @p nlines lines, innermost first; returns its ID (0: out of memory). */
uint64_t hc_profile_add_location(struct hc_profile *p, uint64_t mapping_id, uint64_t address,
				 const struct hc_profile_line *lines, size_t nlines);
/**
 * Add a sample over the locations @p locs (leaf first) with one value per
 * declared sample type and @p nlabels labels.
 */
void hc_profile_add_sample(struct hc_profile *p, const uint64_t *locs, size_t nlocs,
			   const int64_t *values, const struct hc_profile_label *labels,
			   size_t nlabels);

#endif /* HC_PROFILE_H */
