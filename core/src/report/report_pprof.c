/*
 * Profiles for `go tool pprof`: a struct hc_profile (util/profile.h), made
 * by the Go heap backend (the heap profile, --live) or by the graph (the
 * retention profile), encoded as the profile.proto messages (protobuf-c code
 * generated at build time from report/profile.proto) and gzip-compressed
 * with zlib, as runtime/pprof writes it.
 */
#include <string.h>
#include <zlib.h>

#include "go/go_profile.h"
#include "graph/graph.h"
#include "graph/graph_profile.h"
#include "go/go.h"
#include "report/profile.pb-c.h"
#include "report/report.h"
#include "target/exe.h"
#include "target/program.h"
#include "util/profile.h"

typedef Heapcore__Pprof__Profile PbProfile;
typedef Heapcore__Pprof__ValueType PbValueType;
typedef Heapcore__Pprof__Sample PbSample;
typedef Heapcore__Pprof__Label PbLabel;
typedef Heapcore__Pprof__Mapping PbMapping;
typedef Heapcore__Pprof__Location PbLocation;
typedef Heapcore__Pprof__Line PbLine;
typedef Heapcore__Pprof__Function PbFunction;

/* The messages of one profile: one array per kind, and the pointer arrays
 * protobuf-c's repeated fields want. */
struct pb {
	PbValueType types[HC_PROFILE_MAX_VALUES + 1];
	PbValueType *type_ptrs[HC_PROFILE_MAX_VALUES];
	PbSample *samples;
	PbSample **sample_ptrs;
	PbLabel *labels;
	PbLabel **label_ptrs;
	PbMapping *mappings;
	PbMapping **mapping_ptrs;
	PbLocation *locations;
	PbLocation **location_ptrs;
	PbLine *lines;
	PbLine **line_ptrs;
	PbFunction *functions;
	PbFunction **function_ptrs;
};

static void pb_free(struct pb *m)
{
	free(m->samples);
	free(m->sample_ptrs);
	free(m->labels);
	free(m->label_ptrs);
	free(m->mappings);
	free(m->mapping_ptrs);
	free(m->locations);
	free(m->location_ptrs);
	free(m->lines);
	free(m->line_ptrs);
	free(m->functions);
	free(m->function_ptrs);
}

/* calloc(n, size), also for n == 0 (a pointer protobuf-c never reads). */
static void *array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static bool build(const struct hc_profile *p, struct pb *m, PbProfile *out)
{
	m->samples = array(p->nsamples, sizeof(*m->samples));
	m->sample_ptrs = array(p->nsamples, sizeof(*m->sample_ptrs));
	m->labels = array(p->nlabels, sizeof(*m->labels));
	m->label_ptrs = array(p->nlabels, sizeof(*m->label_ptrs));
	m->mappings = array(p->nmappings, sizeof(*m->mappings));
	m->mapping_ptrs = array(p->nmappings, sizeof(*m->mapping_ptrs));
	m->locations = array(p->nlocations, sizeof(*m->locations));
	m->location_ptrs = array(p->nlocations, sizeof(*m->location_ptrs));
	m->lines = array(p->nlines, sizeof(*m->lines));
	m->line_ptrs = array(p->nlines, sizeof(*m->line_ptrs));
	m->functions = array(p->nfunctions, sizeof(*m->functions));
	m->function_ptrs = array(p->nfunctions, sizeof(*m->function_ptrs));
	if (!m->samples || !m->sample_ptrs || !m->labels || !m->label_ptrs || !m->mappings ||
	    !m->mapping_ptrs || !m->locations || !m->location_ptrs || !m->lines || !m->line_ptrs ||
	    !m->functions || !m->function_ptrs)
		return false;
	for (size_t i = 0; i < p->nvalues; i++) {
		heapcore__pprof__value_type__init(&m->types[i]);
		m->types[i].type = p->sample_types[i].type;
		m->types[i].unit = p->sample_types[i].unit;
		m->type_ptrs[i] = &m->types[i];
	}
	PbValueType *period = &m->types[HC_PROFILE_MAX_VALUES];
	heapcore__pprof__value_type__init(period);
	period->type = p->period_type.type;
	period->unit = p->period_type.unit;
	for (size_t i = 0; i < p->nlabels; i++) {
		heapcore__pprof__label__init(&m->labels[i]);
		m->labels[i].key = p->labels[i].key;
		m->labels[i].str = p->labels[i].str;
		m->labels[i].num = p->labels[i].num;
		m->label_ptrs[i] = &m->labels[i];
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct hc_profile_sample *s = &p->samples[i];
		PbSample *o = &m->samples[i];
		heapcore__pprof__sample__init(o);
		o->n_location_id = s->nlocations;
		o->location_id = p->sample_locations + s->first_location;
		o->n_value = p->nvalues;
		o->value = p->values + s->first_value;
		o->n_label = s->nlabels;
		o->label = m->label_ptrs + s->first_label;
		m->sample_ptrs[i] = o;
	}
	for (size_t i = 0; i < p->nmappings; i++) {
		const struct hc_profile_mapping *s = &p->mappings[i];
		PbMapping *o = &m->mappings[i];
		heapcore__pprof__mapping__init(o);
		o->id = i + 1;
		o->memory_start = s->start;
		o->memory_limit = s->limit;
		o->file_offset = s->offset;
		o->filename = s->filename;
		o->build_id = s->build_id;
		o->has_functions = s->has_functions;
		m->mapping_ptrs[i] = o;
	}
	for (size_t i = 0; i < p->nlines; i++) {
		heapcore__pprof__line__init(&m->lines[i]);
		m->lines[i].function_id = p->lines[i].function_id;
		m->lines[i].line = p->lines[i].line;
		m->line_ptrs[i] = &m->lines[i];
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct hc_profile_location *s = &p->locations[i];
		PbLocation *o = &m->locations[i];
		heapcore__pprof__location__init(o);
		o->id = i + 1;
		o->mapping_id = s->mapping_id;
		o->address = s->address;
		o->n_line = s->nlines;
		o->line = m->line_ptrs + s->first_line;
		m->location_ptrs[i] = o;
	}
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct hc_profile_function *s = &p->functions[i];
		PbFunction *o = &m->functions[i];
		heapcore__pprof__function__init(o);
		o->id = i + 1;
		o->name = s->name;
		o->system_name = s->system_name;
		o->filename = s->filename;
		o->start_line = s->start_line;
		m->function_ptrs[i] = o;
	}
	heapcore__pprof__profile__init(out);
	out->n_sample_type = p->nvalues;
	out->sample_type = m->type_ptrs;
	out->n_sample = p->nsamples;
	out->sample = m->sample_ptrs;
	out->n_mapping = p->nmappings;
	out->mapping = m->mapping_ptrs;
	out->n_location = p->nlocations;
	out->location = m->location_ptrs;
	out->n_function = p->nfunctions;
	out->function = m->function_ptrs;
	out->n_string_table = p->nstrings;
	out->string_table = p->strings;
	out->time_nanos = p->time_nanos;
	out->period_type = period;
	out->period = p->period;
	out->default_sample_type = p->default_sample_type;
	return true;
}

/* gzip (RFC 1952) of @p in, as runtime/pprof compresses its profiles. */
static struct hc_error *gzip_bytes(const uint8_t *in, size_t n, void **ret, size_t *ret_size)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return &hc_enomem;
	uLong bound = deflateBound(&zs, (uLong)n);
	uint8_t *out = malloc(bound);
	if (!out || n > UINT_MAX || bound > UINT_MAX) {
		deflateEnd(&zs);
		free(out);
		return out ? hc_error_create(HC_ERROR_UNSUPPORTED, "the profile is over 4 GiB")
			   : &hc_enomem;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)bound;
	int r = deflate(&zs, Z_FINISH);
	size_t size = zs.total_out;
	deflateEnd(&zs);
	if (r != Z_STREAM_END) {
		free(out);
		return hc_error_format(HC_ERROR_NO_MEMORY, "compressing the profile failed (zlib %d)", r);
	}
	*ret = out;
	*ret_size = size;
	return NULL;
}

/* Encode @p p as a gzip-compressed profile.proto. */
static struct hc_error *encode(const struct hc_profile *p, void **ret, size_t *ret_size)
{
	if (p->oom)
		return &hc_enomem;
	struct pb m = {0};
	PbProfile msg;
	struct hc_error *err = NULL;
	uint8_t *buf = NULL;
	if (!build(p, &m, &msg)) {
		err = &hc_enomem;
		goto out;
	}
	size_t n = heapcore__pprof__profile__get_packed_size(&msg);
	buf = malloc(n ? n : 1);
	if (!buf) {
		err = &hc_enomem;
		goto out;
	}
	heapcore__pprof__profile__pack(&msg, buf);
	err = gzip_bytes(buf, n, ret, ret_size);
out:
	free(buf);
	pb_free(&m);
	return err;
}

struct hc_error *hc_report_pprof(struct hc_program *prog, enum hc_pprof_kind kind, void **ret,
				 size_t *ret_size)
{
	if (!prog || !ret || !ret_size || kind > HC_PPROF_RETAINED)
		return hc_error_create(HC_ERROR_INVALID_ARGUMENT, "hc_report_pprof: bad arguments");
	/* The heap profile reads the runtime's buckets; the live one also walks the heap. */
	hc_report_begin(prog, kind == HC_PPROF_RETAINED ? HC_PHASES_GRAPH
			      : kind == HC_PPROF_LIVE   ? HC_PHASES_PROFILE
							: HC_PHASES_OPEN | 1u << HC_PHASE_PROFILE);
	struct hc_profile p;
	hc_profile_init(&p);
	struct hc_error *err;
	if (kind == HC_PPROF_RETAINED) {
		/* Frames are names, not code: one mapping for the executable
		 * says whose they are, and that nothing needs symbolizing. */
		char build_id[129] = "";
		hc_elf_gnu_build_id(prog->exe->image, prog->exe->size, build_id, sizeof(build_id));
		hc_profile_add_mapping(&p, 0, 0, 0, prog->exe->path, build_id);
		if (p.nmappings)
			p.mappings[0].has_functions = true;
		struct hc_graph *g;
		err = hc_graph_get(prog, &g);
		hc_progress(&prog->progress, "retention profile", 0, 1);
		if (!err)
			err = hc_graph_retained_profile(g, &p);
		hc_progress(&prog->progress, "retention profile", 1, 1);
		p.time_nanos = prog->core->mtime_ns;
	} else {
		err = hc_go_heap_profile(prog, kind == HC_PPROF_LIVE, &p);
	}
	if (!err)
		err = encode(&p, ret, ret_size);
	hc_profile_deinit(&p);
	return err;
}
