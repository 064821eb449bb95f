/*
 * The glibc malloc reports (report_glibc.c): what the front ends' commands
 * show for a program on glibc malloc.
 */
#ifndef HC_REPORT_GLIBC_H
#define HC_REPORT_GLIBC_H

#include "util/internal.h"

/** `stats` for a glibc heap: mallinfo2() in all and per arena, mmapped chunks, tcaches. */
struct hc_error *hc_report_glibc_stats(struct hc_program *prog, unsigned flags, char **ret);

/**
 * `leaks` for a glibc heap: the objects in use that no root reaches,
 * grouped by type and usable size, the most bytes first (@p top groups;
 * 0: all).
 */
struct hc_error *hc_report_glibc_leaks(struct hc_program *prog, unsigned flags, size_t top,
				       char **ret);

/**
 * `triage` for a C or C++ program: the signal (NT_SIGINFO: name, code,
 * fault address or sender), the crashed thread's backtrace (libdwfl), the
 * mallinfo2() headline, the types retaining the most and the leak groups;
 * at most 60 lines of text.
 */
struct hc_error *hc_report_glibc_triage(struct hc_program *prog, unsigned flags, char **ret);

#endif /* HC_REPORT_GLIBC_H */
