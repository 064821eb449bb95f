/*
 * The target's address space: a sorted table of segments, each backed either
 * by bytes mapped into this process (a core's PT_LOAD data, a mapped file) or
 * by a read callback (a live process's /proc/PID/mem, later).  A read that
 * touches an address outside every segment fails with HC_ERROR_FAULT naming
 * the address; it never returns zeros for memory that was not saved.
 */
#ifndef HC_MEMORY_H
#define HC_MEMORY_H

#include "util/internal.h"

typedef struct hc_error *hc_memory_read_fn(void *arg, void *buf,
					   uint64_t offset, size_t count);

struct hc_memory_segment {
	uint64_t start, end;   /* [start, end) in the target */
	const uint8_t *data;   /* bytes of [start, end), or NULL */
	hc_memory_read_fn *read; /* used when data is NULL */
	void *arg;
	uint64_t offset;       /* passed to read for start */
};

struct hc_memory_range {
	uint64_t start, end;
	const char *why; /* static text: "was not saved in the core" */
};

struct hc_memory {
	struct hc_memory_segment *segs;
	size_t nsegs, cap;
	/* Mapped in the process but without bytes here: reads name the reason. */
	struct hc_memory_range *holes;
	size_t nholes, cap_holes;
	size_t last; /* index of the last segment hit (a hint; atomic, readers may be threads) */
};

void hc_memory_init(struct hc_memory *mem);
void hc_memory_deinit(struct hc_memory *mem);
struct hc_error *hc_memory_add(struct hc_memory *mem,
			       const struct hc_memory_segment *seg);
struct hc_error *hc_memory_add_hole(struct hc_memory *mem, uint64_t start,
				    uint64_t end, const char *why);
/** Sort the table; call after the last add and before reading. */
void hc_memory_finish(struct hc_memory *mem);

struct hc_error *hc_memory_read(struct hc_memory *mem, uint64_t addr,
				void *buf, size_t count);
/**
 * A pointer to @p count bytes at @p addr when they lie in one mapped
 * segment, else NULL (use hc_memory_read() for the error).  Valid while the
 * memory lives.
 */
const uint8_t *hc_memory_ptr(struct hc_memory *mem, uint64_t addr,
			     size_t count);
/** Whether @p addr is readable. */
bool hc_memory_readable(struct hc_memory *mem, uint64_t addr);

struct hc_error *hc_memory_read_u64(struct hc_memory *mem, uint64_t addr,
				    uint64_t *ret);
struct hc_error *hc_memory_read_u32(struct hc_memory *mem, uint64_t addr,
				    uint32_t *ret);
struct hc_error *hc_memory_read_u16(struct hc_memory *mem, uint64_t addr,
				    uint16_t *ret);
struct hc_error *hc_memory_read_u8(struct hc_memory *mem, uint64_t addr,
				   uint8_t *ret);

/*
 * For readers to whom an unreadable address is an answer rather than an
 * error (probing a damaged core, walking until a mapping ends): true when
 * every byte was read.  Nothing is allocated on failure (but by a callback
 * segment's read function, whose error is freed before returning); @p buf
 * may then hold part of the bytes, *@p ret is untouched.
 */
bool hc_memory_peek(struct hc_memory *mem, uint64_t addr, void *buf,
		    size_t count);
bool hc_memory_peek_u64(struct hc_memory *mem, uint64_t addr, uint64_t *ret);

#endif /* HC_MEMORY_H */
