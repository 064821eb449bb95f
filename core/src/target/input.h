/*
 * A core's bytes in this process's memory when the file cannot simply be
 * mapped: compressed (systemd-coredump writes zstd, xz or lz4; detected by
 * magic, never by name) or read from a pipe (`-` as the core).  The bytes
 * are decompressed into anonymous memory, never into a temporary file, and
 * pages that are all zero are left untouched there (cores are mostly zeros:
 * reserved arenas, unused stack), so that they take no memory.
 */
#ifndef HC_INPUT_H
#define HC_INPUT_H

#include "util/internal.h"

/** What a file's first bytes say it is. */
enum hc_input_kind {
	HC_INPUT_PLAIN,
	HC_INPUT_ZSTD,
	HC_INPUT_XZ,
	HC_INPUT_LZ4,
};

/** The kind from at least the first 6 bytes (@p n of them). */
enum hc_input_kind hc_input_kind(const uint8_t *head, size_t n);
/** "zstd-compressed", ...; NULL for HC_INPUT_PLAIN. */
const char *hc_input_kind_name(enum hc_input_kind kind);

/** Anonymous memory holding a whole input. */
struct hc_input_image {
	uint8_t *data;
	size_t size; /* bytes of input */
	size_t cap;  /* bytes mapped (munmap this many) */
	bool cut;    /* the compressed stream ends inside a frame: the rest is lost */
};

/**
 * Read all of @p fd from its current position, decompressing as @p kind
 * says, into *@p ret; @p head (@p nhead bytes) were already read from it
 * and come first.  @p name names the input in errors.  Free with
 * hc_input_image_free().
 */
struct hc_error *hc_input_read(int fd, const char *name, enum hc_input_kind kind,
			       const uint8_t *head, size_t nhead,
			       struct hc_input_image *ret);
void hc_input_image_free(struct hc_input_image *img);

#endif /* HC_INPUT_H */
