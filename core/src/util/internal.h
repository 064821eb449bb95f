/*
 * Internal declarations shared by the library's modules: error
 * constructors, a growable string buffer, a string-keyed hash table,
 * cleanup helpers and the program structure.
 */
#ifndef HC_INTERNAL_H
#define HC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "heapcore.h"

#define HC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* ---- errors (error.c) ---- */

struct hc_error {
	enum hc_error_code code;
	int errnum;
	uint64_t address;
	char *message;
};

/** The static out-of-memory error; never freed. */
extern struct hc_error hc_enomem;

struct hc_error *hc_error_create(enum hc_error_code code, const char *msg);
struct hc_error *hc_error_format(enum hc_error_code code, const char *fmt,
				 ...) HC_PRINTF(2, 3);
/** An OS error for @p path with the current errno-style @p errnum. */
struct hc_error *hc_error_os(int errnum, const char *path, const char *what);
/** A fault reading @p address: "address 0x... <why>". */
struct hc_error *hc_error_fault(uint64_t address, const char *why);
/** Prefix an error's message with "<prefix>: "; returns @p err. */
struct hc_error *hc_error_prefix(struct hc_error *err, const char *fmt, ...)
	HC_PRINTF(2, 3);

static inline void hc_error_cleanup(struct hc_error **errp)
{
	hc_error_destroy(*errp);
}

static inline void hc_free_cleanup(void *p)
{
	free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(hc_free_cleanup)))

/* ---- string buffer (strbuf.c) ---- */

struct hc_strbuf {
	char *str;
	size_t len;
	size_t cap;
	bool oom;
};

void hc_strbuf_init(struct hc_strbuf *sb);
void hc_strbuf_deinit(struct hc_strbuf *sb);
void hc_strbuf_append(struct hc_strbuf *sb, const char *s, size_t n);
void hc_strbuf_puts(struct hc_strbuf *sb, const char *s);
void hc_strbuf_printf(struct hc_strbuf *sb, const char *fmt, ...) HC_PRINTF(2, 3);
/** Hand the text over: on success *ret owns it and sb is empty. */
struct hc_error *hc_strbuf_finish(struct hc_strbuf *sb, char **ret);

/* qsort and qsort_r for arrays that may be empty (and NULL): the C library
 * declares base non-null even when there is nothing to sort. */
static inline void hc_qsort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline void hc_qsort_r(void *base, size_t n, size_t size,
			      int (*cmp)(const void *, const void *, void *), void *arg)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, arg);
}
/** Human-readable byte count: "12.5 MiB", "840 B". */
void hc_strbuf_bytes(struct hc_strbuf *sb, uint64_t n);
/** The same into @p buf, with no allocation (a column cannot run out of memory); returns buf. */
const char *hc_bytes_text(uint64_t n, char buf[static 24]);

/* ---- vectors ---- */

/** Grow *arr (of *cap elements of @p elem) to hold at least @p need. */
bool hc_grow(void *arrp, size_t *cap, size_t need, size_t elem);

/* ---- big arrays (bigarray.c) ---- */

/** A zero-filled array of @p n elements of @p elem bytes, or NULL. */
void *hc_array_new(size_t n, size_t elem);
/**
 * Resize an hc_array_new() array, keeping its contents; new elements are
 * zero.  NULL when out of memory, and then @p arr is unchanged.
 */
void *hc_array_resize(void *arr, size_t n, size_t elem);
void hc_array_free(void *arr);

/* ---- string-keyed hash table (util.c) ---- */

struct hc_strmap_entry {
	const char *key; /* not owned */
	uint64_t value;
};

struct hc_strmap {
	struct hc_strmap_entry *entries;
	size_t mask; /* capacity - 1, or SIZE_MAX when empty */
	size_t count;
};

void hc_strmap_init(struct hc_strmap *m);
void hc_strmap_deinit(struct hc_strmap *m);
/** Insert or (if @p replace) overwrite; the key must outlive the map. */
bool hc_strmap_put(struct hc_strmap *m, const char *key, uint64_t value,
		   bool replace);
bool hc_strmap_get(const struct hc_strmap *m, const char *key,
		   uint64_t *ret);
uint64_t hc_hash_bytes(const void *p, size_t n);

/* ---- 64-bit-keyed hash table (util.c) ---- */

struct hc_u64map_entry {
	uint64_t key;
	uint64_t value;
};

struct hc_u64map {
	struct hc_u64map_entry *entries;
	bool *used;
	size_t mask; /* capacity - 1, or SIZE_MAX when empty */
	size_t count;
};

void hc_u64map_init(struct hc_u64map *m);
void hc_u64map_deinit(struct hc_u64map *m);
/** Insert or overwrite; false only when out of memory. */
bool hc_u64map_put(struct hc_u64map *m, uint64_t key, uint64_t value);
bool hc_u64map_get(const struct hc_u64map *m, uint64_t key, uint64_t *ret);

/**
 * Make text read from the target printable in place: bytes that are not
 * valid UTF-8, and control characters other than newline and tab, become
 * '?'.  Names from a damaged core can hold anything.
 */
void hc_text_sanitize(char *s);

/**
 * This build of heapcore, as text for cache keys: its version and the file
 * the library was loaded from (path, size, modification time).
 */
bool hc_self_identity(struct hc_strbuf *out);

/* ---- progress ---- */

/* Where a long computation reports how far it got (hc_progress_fn). */
struct hc_progress {
	hc_progress_fn *fn; /* NULL: nobody listens */
	void *arg;
	const char *phase;
	uint64_t last;
};

/**
 * Report progress: a phase starts with done == 0 and ends with done ==
 * total.  Between, call as often as convenient; calls closer together than
 * 1/256 of the phase are dropped here.  @p p may be NULL.
 */
void hc_progress(struct hc_progress *p, const char *phase, uint64_t done, uint64_t total);

/* ---- warnings ---- */

/*
 * Warnings are counted by kind: the format a warning was made from is its
 * kind, so that "object at 0x... is not in the core" a thousand times is one
 * kind with a thousand messages.  Text output prints a kind once, with its
 * count and the first few addresses; JSON carries every message.  Adding a
 * warning is amortized constant time: identical messages are found through
 * a hash of their text, kinds through a hash of their format.
 */
#define HC_WARN_SHOWN 4 /* messages of a kind whose addresses the text names */

struct hc_warning_kind {
	char *key;                   /* the format (its text: a cache keeps it) */
	size_t count;                /* distinct messages of this kind */
	size_t shown[HC_WARN_SHOWN]; /* indexes of its first messages */
	char *line;                  /* its summary line, built on demand */
	bool incomplete;             /* its messages name damage (hc_warn_damaged()) */
};

struct hc_warning_msg {
	char *text;
	size_t kind; /* index into kinds */
	/*
	 * For damage (hc_warn_damaged()): what could not be used, where, and
	 * which part of the answer lacks it; NULL for a warning that only
	 * informs.
	 */
	char *structure;
	char *affects;
	uint64_t address;
};

struct hc_warnings {
	struct hc_warning_msg *msgs; /* every distinct message, in the order raised */
	size_t count;
	size_t cap;
	struct hc_warning_kind *kinds;
	size_t nkinds;
	size_t kinds_cap;
	struct hc_u64map by_text; /* hash of a message -> its index */
	struct hc_u64map by_kind; /* hash of a format -> its kind */
	bool ready;               /* the maps are initialized (zeroed storage is empty) */
	/*
	 * What was raised depends on more than the target: memory ran out
	 * (a partial answer, or a warning that could not be kept).  Such an
	 * analysis must not be cached.
	 */
	bool transient;
	size_t lost; /* warnings dropped for want of memory */
};

void hc_warn(struct hc_warnings *w, const char *fmt, ...) HC_PRINTF(2, 3);
/**
 * A warning for what was left out because memory ran out: like hc_warn(),
 * and the analysis is marked transient (not to be cached).
 */
void hc_warn_oom(struct hc_warnings *w, const char *fmt, ...) HC_PRINTF(2, 3);
/**
 * A warning that makes the answer incomplete: the analysis had to skip or
 * guess at @p structure (a short noun: "mspan", "goroutine stack") at
 * @p address, which it needed; @p affects says which part of the answer
 * lacks it ("object counts and types").  The message (@p fmt) says what was
 * wrong, as hc_warn()'s.  A report whose warnings hold one is marked
 * incomplete (JSON "incomplete", text "incomplete: ...", the CLI's exit 5).
 */
void hc_warn_damaged(struct hc_warnings *w, const char *structure, uint64_t address,
		     const char *affects, const char *fmt, ...) HC_PRINTF(5, 6);
/** Add @p msg as a warning of kind @p key (a cache's saved warnings). */
void hc_warn_kind(struct hc_warnings *w, const char *key, const char *msg);
/** As hc_warn_kind(), for damage saved by a cache (@p structure NULL: none). */
void hc_warn_kind_damaged(struct hc_warnings *w, const char *key, const char *msg,
			  const char *structure, uint64_t address, const char *affects);
void hc_warnings_deinit(struct hc_warnings *w);
/** Number of lines hc_warnings_line() gives: one per kind, and one for lost warnings. */
size_t hc_warnings_nlines(const struct hc_warnings *w);
/**
 * Line @p i of the text form: a kind's first message, and when it has more,
 * their count and the first addresses they name; NULL when out of memory.
 * Valid until the next warning is added or @p w is deinitialized.
 */
const char *hc_warnings_line(const struct hc_warnings *w, size_t i);

#endif /* HC_INTERNAL_H */
