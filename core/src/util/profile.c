/*
 * The sampled-profile model (see profile.h): growable arrays and an interned
 * string table.  Out of memory is remembered in p->oom, so that builders
 * check once at the end, as with struct hc_strbuf.
 */
#include <string.h>

#include "util/profile.h"

void hc_profile_init(struct hc_profile *p)
{
	memset(p, 0, sizeof(*p));
	hc_strmap_init(&p->string_index);
	hc_profile_string(p, ""); /* the format reserves index 0 for "" */
}

void hc_profile_deinit(struct hc_profile *p)
{
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	hc_strmap_deinit(&p->string_index);
	free(p->mappings);
	free(p->functions);
	free(p->locations);
	free(p->lines);
	free(p->samples);
	free(p->sample_locations);
	free(p->values);
	free(p->labels);
	memset(p, 0, sizeof(*p));
}

int64_t hc_profile_string(struct hc_profile *p, const char *s)
{
	uint64_t i;
	if (hc_strmap_get(&p->string_index, s, &i))
		return (int64_t)i;
	char *copy = strdup(s);
	if (!copy || !hc_grow(&p->strings, &p->cap_strings, p->nstrings + 1, sizeof(*p->strings)) ||
	    !hc_strmap_put(&p->string_index, copy, p->nstrings, false)) {
		free(copy);
		p->oom = true;
		return 0;
	}
	p->strings[p->nstrings] = copy;
	return (int64_t)p->nstrings++;
}

void hc_profile_sample_type(struct hc_profile *p, const char *type, const char *unit)
{
	if (p->nvalues == HC_PROFILE_MAX_VALUES || p->nsamples) {
		p->oom = true; /* a builder's bug; the profile is not written */
		return;
	}
	p->sample_types[p->nvalues].type = hc_profile_string(p, type);
	p->sample_types[p->nvalues].unit = hc_profile_string(p, unit);
	p->nvalues++;
}

uint64_t hc_profile_add_mapping(struct hc_profile *p, uint64_t start, uint64_t limit,
				uint64_t offset, const char *file, const char *build_id)
{
	if (!hc_grow(&p->mappings, &p->cap_mappings, p->nmappings + 1, sizeof(*p->mappings))) {
		p->oom = true;
		return 0;
	}
	p->mappings[p->nmappings] = (struct hc_profile_mapping){
		.start = start,
		.limit = limit,
		.offset = offset,
		.filename = hc_profile_string(p, file),
		.build_id = hc_profile_string(p, build_id),
	};
	return ++p->nmappings;
}

uint64_t hc_profile_add_function(struct hc_profile *p, const char *name,
				 const char *system_name, const char *file, int64_t start_line)
{
	if (!hc_grow(&p->functions, &p->cap_functions, p->nfunctions + 1,
		     sizeof(*p->functions))) {
		p->oom = true;
		return 0;
	}
	p->functions[p->nfunctions] = (struct hc_profile_function){
		.name = hc_profile_string(p, name),
		.system_name = hc_profile_string(p, system_name),
		.filename = hc_profile_string(p, file),
		.start_line = start_line,
	};
	return ++p->nfunctions;
}

uint64_t hc_profile_add_location(struct hc_profile *p, uint64_t mapping_id, uint64_t address,
				 const struct hc_profile_line *lines, size_t nlines)
{
	if (!hc_grow(&p->locations, &p->cap_locations, p->nlocations + 1,
		     sizeof(*p->locations)) ||
	    !hc_grow(&p->lines, &p->cap_lines, p->nlines + nlines, sizeof(*p->lines))) {
		p->oom = true;
		return 0;
	}
	if (nlines) /* memcpy's arguments must not be NULL, even for no bytes */
		memcpy(p->lines + p->nlines, lines, nlines * sizeof(*lines));
	p->locations[p->nlocations] = (struct hc_profile_location){
		.mapping_id = mapping_id,
		.address = address,
		.first_line = p->nlines,
		.nlines = nlines,
	};
	p->nlines += nlines;
	return ++p->nlocations;
}

void hc_profile_add_sample(struct hc_profile *p, const uint64_t *locs, size_t nlocs,
			   const int64_t *values, const struct hc_profile_label *labels,
			   size_t nlabels)
{
	if (!hc_grow(&p->samples, &p->cap_samples, p->nsamples + 1, sizeof(*p->samples)) ||
	    !hc_grow(&p->sample_locations, &p->cap_sample_locations,
		     p->nsample_locations + nlocs, sizeof(*p->sample_locations)) ||
	    !hc_grow(&p->values, &p->cap_values, p->nvalues_all + p->nvalues, sizeof(*p->values)) ||
	    !hc_grow(&p->labels, &p->cap_labels, p->nlabels + nlabels, sizeof(*p->labels))) {
		p->oom = true;
		return;
	}
	p->samples[p->nsamples++] = (struct hc_profile_sample){
		.first_location = p->nsample_locations,
		.nlocations = nlocs,
		.first_value = p->nvalues_all,
		.first_label = p->nlabels,
		.nlabels = nlabels,
	};
	if (nlocs) /* memcpy's arguments must not be NULL, even for no bytes */
		memcpy(p->sample_locations + p->nsample_locations, locs, nlocs * sizeof(*locs));
	p->nsample_locations += nlocs;
	if (p->nvalues)
		memcpy(p->values + p->nvalues_all, values, p->nvalues * sizeof(*values));
	p->nvalues_all += p->nvalues;
	if (nlabels)
		memcpy(p->labels + p->nlabels, labels, nlabels * sizeof(*labels));
	p->nlabels += nlabels;
}
