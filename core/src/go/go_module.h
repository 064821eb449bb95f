/*
 * The Go runtime's module data found without symbols (go_module.c).
 */
#ifndef HC_GO_MODULE_H
#define HC_GO_MODULE_H

#include "util/internal.h"

struct hc_exe;

struct hc_go_module_loc {
	uint64_t pclntab;    /* the pcHeader */
	uint64_t moduledata; /* runtime.firstmoduledata */
	uint64_t text, etext, types, etypes;
};

/**
 * Find the pclntab and the module data of @p exe, built by Go @p version
 * (from its build info), by their contents; an error says what was
 * looked for and not found.
 */
struct hc_error *hc_go_locate_module(const struct hc_exe *exe, const char *version,
				     struct hc_go_module_loc *ret);

#endif /* HC_GO_MODULE_H */
