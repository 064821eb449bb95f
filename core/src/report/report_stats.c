/*
 * The `stats` report: runtime.MemStats as ReadMemStats would have returned it,
 * first as a readable summary (the three headline figures, where the memory
 * went, GC state), then every field; or one JSON object.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "go/go.h"
#include "target/program.h"
#include "glibc/glibc.h"
#include "report/report.h"
#include "report/report_glibc.h"

#define U64(x) json_object_new_uint64(x)

/* The scalar fields of runtime.MemStats, in Go's order. */
static const struct {
	const char *name;
	size_t off;
} scalar_fields[] = {
#define F(x) {#x, offsetof(struct hc_memstats, x)}
	F(Alloc), F(TotalAlloc), F(Sys), F(Lookups), F(Mallocs), F(Frees),
	F(HeapAlloc), F(HeapSys), F(HeapIdle), F(HeapInuse), F(HeapReleased),
	F(HeapObjects), F(StackInuse), F(StackSys), F(MSpanInuse), F(MSpanSys),
	F(MCacheInuse), F(MCacheSys), F(BuckHashSys), F(GCSys), F(OtherSys),
	F(NextGC), F(LastGC), F(PauseTotalNs),
#undef F
};

static uint64_t scalar(const struct hc_memstats *ms, size_t i)
{
	uint64_t v;
	memcpy(&v, (const char *)ms + scalar_fields[i].off, sizeof(v));
	return v;
}

static json_object *memstats_json(const struct hc_memstats *ms, bool *oom)
{
	json_object *o = json_object_new_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < HC_ARRAY_SIZE(scalar_fields); i++)
		hc_json_add(o, scalar_fields[i].name, U64(scalar(ms, i)), oom);
	json_object *pns = json_object_new_array_ext(256), *pend = json_object_new_array_ext(256);
	for (int i = 0; pns && pend && i < 256; i++) {
		json_object_array_add(pns, U64(ms->PauseNs[i]));
		json_object_array_add(pend, U64(ms->PauseEnd[i]));
	}
	hc_json_add(o, "PauseNs", pns, oom);
	hc_json_add(o, "PauseEnd", pend, oom);
	hc_json_add(o, "NumGC", U64(ms->NumGC), oom);
	hc_json_add(o, "NumForcedGC", U64(ms->NumForcedGC), oom);
	hc_json_add(o, "GCCPUFraction", json_object_new_double(ms->GCCPUFraction), oom);
	hc_json_add(o, "EnableGC", json_object_new_boolean(1), oom);
	hc_json_add(o, "DebugGC", json_object_new_boolean(0), oom);
	json_object *bs = json_object_new_array_ext(HC_MEMSTATS_BY_SIZE);
	for (int i = 0; bs && i < HC_MEMSTATS_BY_SIZE; i++) {
		json_object *e = json_object_new_object();
		if (!e) {
			*oom = true;
			break;
		}
		hc_json_add(e, "Size", U64(ms->BySize[i].Size), oom);
		hc_json_add(e, "Mallocs", U64(ms->BySize[i].Mallocs), oom);
		hc_json_add(e, "Frees", U64(ms->BySize[i].Frees), oom);
		json_object_array_add(bs, e);
	}
	hc_json_add(o, "BySize", bs, oom);
	return o;
}

static json_object *by_class_json(const struct hc_go *go, bool *oom)
{
	json_object *arr = json_object_new_array();
	for (uint64_t c = 0; arr && c < go->nclasses; c++) {
		const struct hc_go_class_walk *w = &go->by_class[c];
		if (!w->spans)
			continue;
		json_object *e = json_object_new_object();
		if (!e) {
			*oom = true;
			break;
		}
		hc_json_add(e, "class", U64(c), oom);
		hc_json_add(e, "size", U64(go->class_to_size[c]), oom);
		hc_json_add(e, "spans", U64(w->spans), oom);
		hc_json_add(e, "objects", U64(w->objects), oom);
		hc_json_add(e, "bytes_inuse", U64(w->bytes_inuse), oom);
		hc_json_add(e, "bytes_free", U64(w->bytes_free), oom);
		json_object_array_add(arr, e);
	}
	return arr;
}

static struct hc_error *stats_json(struct hc_program *prog, const struct hc_go *go,
				   const struct hc_memstats *ms, unsigned flags, char **ret)
{
	bool oom = false;
	json_object *doc = json_object_new_object();
	if (!doc)
		return &hc_enomem;
	hc_json_add_string(doc, "go_version", prog->go_version, &oom);
	hc_json_add(doc, "MemStats", memstats_json(ms, &oom), &oom);
	if (flags & HC_REPORT_BY_SIZE)
		hc_json_add(doc, "size_classes", by_class_json(go, &oom), &oom);
	return hc_json_finish_report(prog, doc, oom, ret);
}

static void pct(struct hc_strbuf *sb, uint64_t part, uint64_t whole)
{
	hc_strbuf_printf(sb, "%5.1f%%", whole ? 100.0 * (double)part / (double)whole : 0.0);
}

/* "  label   12.3 MiB  45.6%  note" */
static void line(struct hc_strbuf *sb, const char *label, uint64_t bytes,
		 uint64_t whole)
{
	char num[24];
	hc_strbuf_printf(sb, "  %-18s %11s  ", label, hc_bytes_text(bytes, num));
	pct(sb, bytes, whole);
}

static void bytes_note(struct hc_strbuf *sb, const char *label, uint64_t n)
{
	hc_strbuf_printf(sb, "%s ", label);
	hc_strbuf_bytes(sb, n);
}

static void duration(struct hc_strbuf *sb, uint64_t ns)
{
	if (ns < 1000)
		hc_strbuf_printf(sb, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		hc_strbuf_printf(sb, "%.1f µs", (double)ns / 1e3);
	else if (ns < 1000000000)
		hc_strbuf_printf(sb, "%.1f ms", (double)ns / 1e6);
	else
		hc_strbuf_printf(sb, "%.2f s", (double)ns / 1e9);
}

static void summary(struct hc_strbuf *sb, struct hc_program *prog,
		    const struct hc_memstats *ms)
{
	hc_strbuf_printf(sb, "Go heap of %s (%s)\n\n", prog->core->fname, prog->go_version);
	char n[24];
	const struct {
		const char *name;
		uint64_t v;
		const char *what;
	} head[] = {
		{"HeapAlloc", ms->HeapAlloc, "bytes of allocated heap objects"},
		{"HeapSys", ms->HeapSys, "bytes of heap memory obtained from the OS"},
		{"StackInuse", ms->StackInuse, "bytes in stack spans"},
	};
	for (size_t i = 0; i < HC_ARRAY_SIZE(head); i++) {
		hc_strbuf_printf(sb, "  %-11s %11s  %s\n", head[i].name,
				 hc_bytes_text(head[i].v, n), head[i].what);
	}
	hc_strbuf_printf(sb, "  %-11s %11" PRIu64 "  live objects (%" PRIu64 " allocated - %" PRIu64
			 " freed)\n\n",
			 "HeapObjects", ms->HeapObjects, ms->Mallocs, ms->Frees);

	hc_strbuf_puts(sb, "Where it went, of ");
	hc_strbuf_bytes(sb, ms->Sys);
	hc_strbuf_puts(sb, " obtained from the OS (Sys):\n");
	uint64_t sys = ms->Sys;
	line(sb, "heap in use", ms->HeapInuse, sys);
	bytes_note(sb, "  objects", ms->HeapAlloc);
	bytes_note(sb, ", unused slots", ms->HeapInuse - ms->HeapAlloc);
	hc_strbuf_puts(sb, "\n");
	line(sb, "heap idle", ms->HeapIdle, sys);
	bytes_note(sb, "  free", ms->HeapIdle - ms->HeapReleased);
	bytes_note(sb, ", released to the OS", ms->HeapReleased);
	hc_strbuf_puts(sb, "\n");
	line(sb, "stacks", ms->StackSys, sys);
	bytes_note(sb, "  in use", ms->StackInuse);
	hc_strbuf_puts(sb, "\n");
	uint64_t meta = ms->MSpanSys + ms->MCacheSys + ms->GCSys + ms->BuckHashSys;
	line(sb, "runtime metadata", meta, sys);
	bytes_note(sb, "  spans", ms->MSpanSys);
	bytes_note(sb, ", mcaches", ms->MCacheSys);
	bytes_note(sb, ", GC", ms->GCSys);
	bytes_note(sb, ", profiling", ms->BuckHashSys);
	hc_strbuf_puts(sb, "\n");
	line(sb, "other", ms->OtherSys, sys);
	hc_strbuf_puts(sb, "\n\n");

	hc_strbuf_printf(sb, "GC: %u cycles (%u forced); next GC at ", ms->NumGC, ms->NumForcedGC);
	hc_strbuf_bytes(sb, ms->NextGC);
	if (ms->LastGC) {
		time_t t = (time_t)(ms->LastGC / 1000000000u);
		struct tm tm;
		char when[64];
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		hc_strbuf_printf(sb, "; last at %s", when);
	}
	hc_strbuf_puts(sb, "; total pause ");
	duration(sb, ms->PauseTotalNs);
	hc_strbuf_printf(sb, "; GC CPU %.4f%%\n\n", ms->GCCPUFraction * 100.0);
}

static void pauses(struct hc_strbuf *sb, const char *name, const uint64_t *ring,
		   uint32_t numgc)
{
	/* Circular buffer: the most recent pause is at (NumGC+255)%256. */
	uint32_t n = numgc < 256 ? numgc : 256;
	hc_strbuf_printf(sb, "  %-14s [", name);
	for (uint32_t i = 0; i < n; i++)
		hc_strbuf_printf(sb, "%s%" PRIu64, i ? " " : "", ring[(numgc + 255 - i) % 256]);
	hc_strbuf_puts(sb, "]  (most recent first)\n");
}

static void fields(struct hc_strbuf *sb, const struct hc_memstats *ms)
{
	hc_strbuf_puts(sb, "runtime.MemStats:\n");
	for (size_t i = 0; i < HC_ARRAY_SIZE(scalar_fields); i++)
		hc_strbuf_printf(sb, "  %-14s %" PRIu64 "\n", scalar_fields[i].name, scalar(ms, i));
	pauses(sb, "PauseNs", ms->PauseNs, ms->NumGC);
	pauses(sb, "PauseEnd", ms->PauseEnd, ms->NumGC);
	hc_strbuf_printf(sb, "  %-14s %u\n", "NumGC", ms->NumGC);
	hc_strbuf_printf(sb, "  %-14s %u\n", "NumForcedGC", ms->NumForcedGC);
	hc_strbuf_printf(sb, "  %-14s %.17g\n", "GCCPUFraction", ms->GCCPUFraction);
	hc_strbuf_printf(sb, "  %-14s true\n  %-14s false\n", "EnableGC", "DebugGC");
	hc_strbuf_printf(sb, "  BySize         %6s %12s %12s  (size classes with allocations)\n",
			 "Size", "Mallocs", "Frees");
	for (int i = 0; i < HC_MEMSTATS_BY_SIZE; i++) {
		if (ms->BySize[i].Mallocs || ms->BySize[i].Frees)
			hc_strbuf_printf(sb, "                 %6u %12" PRIu64 " %12" PRIu64 "\n",
					 ms->BySize[i].Size, ms->BySize[i].Mallocs,
					 ms->BySize[i].Frees);
	}
}

static void by_class_text(struct hc_strbuf *sb, const struct hc_go *go)
{
	hc_strbuf_puts(sb, "\nSize classes (span walk):\n");
	hc_strbuf_printf(sb, "  %5s %6s %8s %10s %12s %12s\n", "class", "size", "spans",
			 "objects", "in use", "free");
	for (uint64_t c = 0; c < go->nclasses; c++) {
		const struct hc_go_class_walk *w = &go->by_class[c];
		if (!w->spans)
			continue;
		char a[24], b[24];
		if (c == 0)
			hc_strbuf_printf(sb, "  %5s %6s", "0", "large");
		else
			hc_strbuf_printf(sb, "  %5" PRIu64 " %6u", c, go->class_to_size[c]);
		hc_strbuf_printf(sb, " %8" PRIu64 " %10" PRIu64 " %12s %12s\n", w->spans,
				 w->objects, hc_bytes_text(w->bytes_inuse, a),
				 hc_bytes_text(w->bytes_free, b));
	}
}

struct hc_error *hc_report_stats(struct hc_program *prog, unsigned flags, char **ret)
{
	hc_report_begin(prog, HC_PHASES_HEAP);
	if (!prog->go_version && hc_glibc_present(prog))
		return hc_report_glibc_stats(prog, flags, ret);
	const struct hc_memstats *ms;
	struct hc_error *err = hc_go_memstats(prog, &ms);
	if (err)
		return err;
	struct hc_go *go = prog->go;
	if (flags & HC_REPORT_JSON)
		return stats_json(prog, go, ms, flags, ret);
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	summary(&sb, prog, ms);
	fields(&sb, ms);
	if (flags & HC_REPORT_BY_SIZE)
		by_class_text(&sb, go);
	if (hc_program_num_warnings(prog))
		hc_strbuf_puts(&sb, "\n");
	hc_text_warnings(&sb, prog);
	return hc_strbuf_finish(&sb, ret);
}

size_t hc_memstats_nscalars(void)
{
	return HC_ARRAY_SIZE(scalar_fields);
}

const char *hc_memstats_scalar_name(size_t i)
{
	return scalar_fields[i].name;
}

uint64_t hc_memstats_scalar(const struct hc_memstats *ms, size_t i)
{
	return scalar(ms, i);
}
