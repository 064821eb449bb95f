/*
 * The address-space reader (see memory.h).  Segments are kept sorted by
 * start address and looked up by binary search, with the last hit tried
 * first because walks over the heap read neighbouring addresses.
 */
#include <string.h>

#include "target/memory.h"

void hc_memory_init(struct hc_memory *mem)
{
	memset(mem, 0, sizeof(*mem));
}

void hc_memory_deinit(struct hc_memory *mem)
{
	free(mem->segs);
	free(mem->holes);
	memset(mem, 0, sizeof(*mem));
}

struct hc_error *hc_memory_add(struct hc_memory *mem,
			       const struct hc_memory_segment *seg)
{
	if (seg->end <= seg->start)
		return NULL;
	if (!hc_grow(&mem->segs, &mem->cap, mem->nsegs + 1, sizeof(*seg)))
		return &hc_enomem;
	mem->segs[mem->nsegs++] = *seg;
	return NULL;
}

struct hc_error *hc_memory_add_hole(struct hc_memory *mem, uint64_t start,
				    uint64_t end, const char *why)
{
	if (end <= start)
		return NULL;
	if (!hc_grow(&mem->holes, &mem->cap_holes, mem->nholes + 1,
		     sizeof(*mem->holes)))
		return &hc_enomem;
	mem->holes[mem->nholes++] = (struct hc_memory_range){start, end, why};
	return NULL;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct hc_memory_segment *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void hc_memory_finish(struct hc_memory *mem)
{
	if (mem->nsegs)
		qsort(mem->segs, mem->nsegs, sizeof(*mem->segs), seg_cmp);
	mem->last = 0;
}

static const struct hc_memory_segment *find_seg(struct hc_memory *mem,
						uint64_t addr)
{
	/* A hint shared by the threads that read at once (relaxed atomics:
	 * any index, checked here, is a valid hint). */
	size_t last = __atomic_load_n(&mem->last, __ATOMIC_RELAXED);
	if (last < mem->nsegs) {
		const struct hc_memory_segment *s = &mem->segs[last];
		if (addr >= s->start && addr < s->end)
			return s;
	}
	size_t lo = 0, hi = mem->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mem->segs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mem->nsegs && mem->segs[lo].start <= addr) {
		__atomic_store_n(&mem->last, lo, __ATOMIC_RELAXED);
		return &mem->segs[lo];
	}
	return NULL;
}

static struct hc_error *unreadable(struct hc_memory *mem, uint64_t addr)
{
	for (size_t i = 0; i < mem->nholes; i++) {
		if (addr >= mem->holes[i].start && addr < mem->holes[i].end)
			return hc_error_fault(addr, mem->holes[i].why);
	}
	return hc_error_fault(addr, "is not mapped in the core");
}

struct hc_error *hc_memory_read(struct hc_memory *mem, uint64_t addr,
				void *buf, size_t count)
{
	uint8_t *out = buf;
	while (count) {
		const struct hc_memory_segment *s = find_seg(mem, addr);
		if (!s)
			return unreadable(mem, addr);
		uint64_t avail = s->end - addr;
		size_t n = count < avail ? count : (size_t)avail;
		if (s->data) {
			memcpy(out, s->data + (addr - s->start), n);
		} else {
			struct hc_error *err = s->read(s->arg, out,
						       s->offset + (addr - s->start), n);
			if (err)
				return err;
		}
		out += n;
		addr += n;
		count -= n;
		if (count && addr == 0) /* wrapped around the address space */
			return hc_error_fault(0, "is past the end of the address space");
	}
	return NULL;
}

const uint8_t *hc_memory_ptr(struct hc_memory *mem, uint64_t addr,
			     size_t count)
{
	const struct hc_memory_segment *s = find_seg(mem, addr);
	if (!s || !s->data || s->end - addr < count)
		return NULL;
	return s->data + (addr - s->start);
}

bool hc_memory_readable(struct hc_memory *mem, uint64_t addr)
{
	return find_seg(mem, addr) != NULL;
}

#define DEFINE_READ(name, type)                                              \
	struct hc_error *name(struct hc_memory *mem, uint64_t addr, type *ret) \
	{                                                                    \
		type v;                                                      \
		struct hc_error *err = hc_memory_read(mem, addr, &v, sizeof(v)); \
		if (err)                                                     \
			return err;                                          \
		*ret = v;                                                    \
		return NULL;                                                 \
	}

/* Targets are little-endian (x86-64, aarch64), like the hosts we build on. */
DEFINE_READ(hc_memory_read_u64, uint64_t)
DEFINE_READ(hc_memory_read_u32, uint32_t)
DEFINE_READ(hc_memory_read_u16, uint16_t)
DEFINE_READ(hc_memory_read_u8, uint8_t)

/*
 * hc_memory_read() without its error: probes run in hot loops (the
 * signal-frame search probes up to 32k words, conservative scans probe
 * every word), where building and freeing a message per failed probe costs
 * more than the probe.  Only a callback segment's failed read allocates
 * (its error, freed here).
 */
bool hc_memory_peek(struct hc_memory *mem, uint64_t addr, void *buf,
		    size_t count)
{
	uint8_t *out = buf;
	while (count) {
		const struct hc_memory_segment *s = find_seg(mem, addr);
		if (!s)
			return false;
		uint64_t avail = s->end - addr;
		size_t n = count < avail ? count : (size_t)avail;
		if (s->data) {
			memcpy(out, s->data + (addr - s->start), n);
		} else {
			struct hc_error *err = s->read(s->arg, out,
						       s->offset + (addr - s->start), n);
			if (err) {
				hc_error_destroy(err);
				return false;
			}
		}
		out += n;
		addr += n;
		count -= n;
		if (count && addr == 0) /* wrapped around the address space */
			return false;
	}
	return true;
}

bool hc_memory_peek_u64(struct hc_memory *mem, uint64_t addr, uint64_t *ret)
{
	uint64_t v;
	if (!hc_memory_peek(mem, addr, &v, sizeof(v)))
		return false;
	*ret = v;
	return true;
}
