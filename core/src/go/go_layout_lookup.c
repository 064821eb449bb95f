/*
 * Looking up the generated per-toolchain layout tables
 * (go_layout_tables.h).  The tables are small (a few thousand rows each)
 * and read once per analysis, so a linear search is enough.
 */
#include <string.h>

#include "go/go_layout_tables.h"

const struct gl_table *gl_table_for(const char *version)
{
	char tag[64];
	const char *p = version;
	if (!version || strncmp(version, "go1.", 4) != 0)
		return NULL;
	/* "go1.NN": up to the second dot or the end of the number. */
	p += 4;
	size_t n = 4;
	while (p[n - 4] >= '0' && p[n - 4] <= '9' && n < 8)
		n++;
	if (n == 4)
		return NULL;
	memcpy(tag, version, n);
	tag[n] = '\0';
	/* Experiments that change layouts have their own table
	 * (fixtures/generate.py builds go1.27 with GOEXPERIMENT=nogreenteagc). */
	/* "-X:", or " X:" after a version with a dash and before Go 1.26
	 * (cmd/link/internal/ld/main.go). */
	const char *x = strstr(version, "-X:");
	if (!x)
		x = strstr(version, " X:");
	const struct gl_table *plain = NULL;
	for (size_t i = 0; i < gl_ntables; i++) {
		const char *t = gl_tables[i].tag;
		if (strncmp(t, tag, n) != 0 || (t[n] != '\0' && t[n] != '-'))
			continue;
		if (t[n] == '\0')
			plain = &gl_tables[i];
		else if (x && strstr(x + 3, t + n + 1))
			return &gl_tables[i];
	}
	return plain;
}

const struct gl_table_field *gl_table_field(const struct gl_table *t, const char *type,
					    const char *path)
{
	for (size_t i = 0; t && i < t->nfields; i++)
		if (strcmp(t->fields[i].type, type) == 0 && strcmp(t->fields[i].path, path) == 0)
			return &t->fields[i];
	return NULL;
}

bool gl_table_constant(const struct gl_table *t, const char *name, int64_t *ret)
{
	for (size_t i = 0; t && i < t->nconstants; i++)
		if (strcmp(t->constants[i].name, name) == 0) {
			*ret = t->constants[i].value;
			return true;
		}
	return false;
}
