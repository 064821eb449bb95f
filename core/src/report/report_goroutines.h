/*
 * Pieces of the goroutine reports (report_goroutines.c) that `leaks` and
 * `triage` reuse.
 */
#ifndef HC_REPORT_GOROUTINES_H
#define HC_REPORT_GOROUTINES_H

#include <json-c/json.h>

#include "go/go_leaks.h"

/** A function's name as Go's traceback prints it (printFuncName). */
void hc_go_print_name(struct hc_strbuf *sb, const char *name);
/** A goroutine's frames and "created by" lines, Go's way; at most @p max frames (0: all). */
void hc_go_frames_text(struct hc_strbuf *sb, const struct hc_go_goroutines *gs,
		       const struct hc_go_goroutine *g, size_t max);
/** "N goroutines: n1 status1, ..." and the leaked count. */
void hc_go_summary_text(struct hc_strbuf *sb, const struct hc_go_leaks *l);
/** The goroutines grouped by status and frames (see report_goroutines.c). */
size_t hc_go_groups_text(struct hc_strbuf *sb, const struct hc_go_leaks *l, size_t max_groups,
			 size_t max_frames);
json_object *hc_go_counts_json(const struct hc_go_leaks *l, bool *oom);
json_object *hc_go_frames_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
			       bool *oom);
json_object *hc_go_created_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
				bool *oom);
json_object *hc_go_start_json(const struct hc_go_goroutines *gs, const struct hc_go_goroutine *g,
			      bool *oom);

#endif /* HC_REPORT_GOROUTINES_H */
