/*
 * Helpers shared by the report formatters: JSON documents (json-c) and
 * signal names.
 */
#ifndef HC_REPORT_H
#define HC_REPORT_H

#include <json-c/json.h>

#include "util/internal.h"

struct hc_program;

/** Serialize @p doc (consumed) into a malloc'ed text ending in a newline. */
struct hc_error *hc_json_finish(json_object *doc, char **ret);
/**
 * Finish a report's JSON document: add the program's warnings, then
 * serialize it (consumed) unless @p oom says building it ran out of memory.
 */
struct hc_error *hc_json_finish_report(const struct hc_program *prog, json_object *doc,
				       bool oom, char **ret);
/** json_object_object_add that records allocation failure in *oom. */
void hc_json_add(json_object *obj, const char *key, json_object *val, bool *oom);
/** Add @p val, or JSON null when @p val is NULL because @p s is NULL. */
void hc_json_add_string(json_object *obj, const char *key, const char *s, bool *oom);
/**
 * A report starts: it prints the warnings of the analyses @p phases
 * (HC_PHASES_...) and no others, and hc_program_warning() gives those.
 */
void hc_report_begin(struct hc_program *prog, unsigned phases);
/** The warnings of the program as a JSON array. */
json_object *hc_json_warnings(const struct hc_program *prog);
/**
 * Append the warnings as text lines "warning: ...", then the lines
 * hc_text_incomplete() gives.
 */
void hc_text_warnings(struct hc_strbuf *sb, const struct hc_program *prog);
/**
 * When the answer is incomplete, one line per part of it that lacks
 * something: "incomplete: WHAT (STRUCTURE at 0x..., ... and N more)"; past
 * @p max lines, one line counting the rest.
 */
void hc_text_incomplete(struct hc_strbuf *sb, const struct hc_program *prog, size_t max);
/** "SIGABRT" or "signal 77". */
const char *hc_signal_name(int sig, char buf[static 16]);

/* The uint64 fields of runtime.MemStats, in Go's order (report_stats.c). */
size_t hc_memstats_nscalars(void);
const char *hc_memstats_scalar_name(size_t i);
uint64_t hc_memstats_scalar(const struct hc_memstats *ms, size_t i);

#endif /* HC_REPORT_H */
