/*
 * Small shared utilities: a growable string buffer that remembers running out
 * of memory (so formatters check once, at the end), array growth, a
 * string-keyed open-addressing hash table for symbol and DWARF name indexes,
 * and the warning list.
 *
 * The hash table is hand-written rather than taken from a library because
 * the only candidates on Debian (glib's GHashTable, hsearch_r) bring either a
 * large dependency or a fixed-size table; this one is an array of
 * {key, value} pairs with linear probing.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/internal.h"

void hc_strbuf_init(struct hc_strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void hc_strbuf_deinit(struct hc_strbuf *sb)
{
	free(sb->str);
	memset(sb, 0, sizeof(*sb));
}

static bool strbuf_reserve(struct hc_strbuf *sb, size_t extra)
{
	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *s = realloc(sb->str, cap);
	if (!s) {
		sb->oom = true;
		return false;
	}
	sb->str = s;
	sb->cap = cap;
	return true;
}

void hc_strbuf_append(struct hc_strbuf *sb, const char *s, size_t n)
{
	if (!strbuf_reserve(sb, n))
		return;
	memcpy(sb->str + sb->len, s, n);
	sb->len += n;
	sb->str[sb->len] = '\0';
}

void hc_strbuf_puts(struct hc_strbuf *sb, const char *s)
{
	hc_strbuf_append(sb, s, strlen(s));
}

void hc_strbuf_printf(struct hc_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->str + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

struct hc_error *hc_strbuf_finish(struct hc_strbuf *sb, char **ret)
{
	if (!strbuf_reserve(sb, 0)) {
		hc_strbuf_deinit(sb);
		return &hc_enomem;
	}
	sb->str[sb->len] = '\0'; /* also when nothing was ever appended */
	*ret = sb->str;
	memset(sb, 0, sizeof(*sb));
	return NULL;
}

void hc_strbuf_bytes(struct hc_strbuf *sb, uint64_t n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	if (n < 1024) {
		hc_strbuf_printf(sb, "%" PRIu64 " B", n);
		return;
	}
	double v = (double)n / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < HC_ARRAY_SIZE(units)) {
		v /= 1024.0;
		u++;
	}
	hc_strbuf_printf(sb, "%.1f %s", v, units[u]);
}

bool hc_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return false;
		n *= 2;
	}
	void *p = realloc(*(void **)arrp, n * elem);
	if (!p)
		return false;
	*(void **)arrp = p;
	*cap = n;
	return true;
}

/* FNV-1a, 64-bit. */
uint64_t hc_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void hc_strmap_init(struct hc_strmap *m)
{
	m->entries = NULL;
	m->mask = SIZE_MAX;
	m->count = 0;
}

void hc_strmap_deinit(struct hc_strmap *m)
{
	free(m->entries);
	hc_strmap_init(m);
}

static struct hc_strmap_entry *strmap_slot(struct hc_strmap_entry *entries,
					   size_t mask, const char *key)
{
	size_t i = (size_t)hc_hash_bytes(key, strlen(key)) & mask;
	while (entries[i].key && strcmp(entries[i].key, key) != 0)
		i = (i + 1) & mask;
	return &entries[i];
}

bool hc_strmap_put(struct hc_strmap *m, const char *key, uint64_t value,
		   bool replace)
{
	if (m->mask == SIZE_MAX || (m->count + 1) * 2 > m->mask + 1) {
		size_t cap = m->mask == SIZE_MAX ? 64 : (m->mask + 1) * 2;
		struct hc_strmap_entry *e = calloc(cap, sizeof(*e));
		if (!e)
			return false;
		if (m->mask != SIZE_MAX) {
			for (size_t i = 0; i <= m->mask; i++) {
				if (m->entries[i].key)
					*strmap_slot(e, cap - 1,
						     m->entries[i].key) =
						m->entries[i];
			}
		}
		free(m->entries);
		m->entries = e;
		m->mask = cap - 1;
	}
	struct hc_strmap_entry *slot = strmap_slot(m->entries, m->mask, key);
	if (slot->key) {
		if (replace)
			slot->value = value;
		return true;
	}
	slot->key = key;
	slot->value = value;
	m->count++;
	return true;
}

bool hc_strmap_get(const struct hc_strmap *m, const char *key, uint64_t *ret)
{
	if (m->mask == SIZE_MAX)
		return false;
	const struct hc_strmap_entry *slot =
		strmap_slot(m->entries, m->mask, key);
	if (!slot->key)
		return false;
	*ret = slot->value;
	return true;
}

void hc_u64map_init(struct hc_u64map *m)
{
	m->entries = NULL;
	m->used = NULL;
	m->mask = SIZE_MAX;
	m->count = 0;
}

void hc_u64map_deinit(struct hc_u64map *m)
{
	free(m->entries);
	free(m->used);
	hc_u64map_init(m);
}

/* A 64-bit finalizer (splitmix64's) spreads nearby keys such as addresses. */
static size_t u64map_slot(const struct hc_u64map_entry *entries, const bool *used,
			  size_t mask, uint64_t key)
{
	uint64_t h = key;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	size_t i = (size_t)h & mask;
	while (used[i] && entries[i].key != key)
		i = (i + 1) & mask;
	return i;
}

bool hc_u64map_put(struct hc_u64map *m, uint64_t key, uint64_t value)
{
	if (m->mask == SIZE_MAX || (m->count + 1) * 2 > m->mask + 1) {
		size_t cap = m->mask == SIZE_MAX ? 64 : (m->mask + 1) * 2;
		struct hc_u64map_entry *e = malloc(cap * sizeof(*e));
		bool *used = calloc(cap, sizeof(*used));
		if (!e || !used) {
			free(e);
			free(used);
			return false;
		}
		for (size_t i = 0; m->mask != SIZE_MAX && i <= m->mask; i++) {
			if (m->used[i]) {
				size_t k = u64map_slot(e, used, cap - 1, m->entries[i].key);
				e[k] = m->entries[i];
				used[k] = true;
			}
		}
		free(m->entries);
		free(m->used);
		m->entries = e;
		m->used = used;
		m->mask = cap - 1;
	}
	size_t i = u64map_slot(m->entries, m->used, m->mask, key);
	if (!m->used[i]) {
		m->used[i] = true;
		m->entries[i].key = key;
		m->count++;
	}
	m->entries[i].value = value;
	return true;
}

bool hc_u64map_get(const struct hc_u64map *m, uint64_t key, uint64_t *ret)
{
	if (m->mask == SIZE_MAX)
		return false;
	size_t i = u64map_slot(m->entries, m->used, m->mask, key);
	if (!m->used[i])
		return false;
	*ret = m->entries[i].value;
	return true;
}

void hc_text_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		unsigned n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
			   : (*p & 0xf8) == 0xf0 ? 3 : 4;
		bool ok = n < 4 && (n || (*p >= 0x20 && *p != 0x7f) || *p == '\n' || *p == '\t');
		if (n == 1 && *p < 0xc2)
			ok = false; /* overlong */
		for (unsigned i = 1; ok && i <= n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

void hc_warn(struct hc_warnings *w, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	hc_text_sanitize(msg); /* names read from a damaged core may be anything */
	for (size_t i = 0; i < w->count; i++) {
		if (strcmp(w->msgs[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	if (!hc_grow(&w->msgs, &w->cap, w->count + 1, sizeof(*w->msgs))) {
		free(msg);
		return;
	}
	w->msgs[w->count++] = msg;
}

void hc_warnings_deinit(struct hc_warnings *w)
{
	for (size_t i = 0; i < w->count; i++)
		free(w->msgs[i]);
	free(w->msgs);
	memset(w, 0, sizeof(*w));
}

void hc_progress(struct hc_progress *p, const char *phase, uint64_t done, uint64_t total)
{
	if (!p || !p->fn)
		return;
	/* Each 1/256 of the phase at most, and always at the start and the end. */
	if (done != 0 && done < total && phase == p->phase && done - p->last < total / 256)
		return;
	p->phase = phase;
	p->last = done;
	p->fn(p->arg, phase, done > total ? total : done, total);
}

bool hc_self_identity(struct hc_strbuf *out)
{
	/* The file this code was loaded from: a rebuilt library is another. */
	Dl_info info;
	struct stat st;
	if (!dladdr((void *)hc_self_identity, &info) || !info.dli_fname ||
	    stat(info.dli_fname, &st) != 0)
		return false;
	hc_strbuf_printf(out, "heapcore %s %s size %jd mtime %jd.%09ld\n", HC_VERSION_STRING,
			 info.dli_fname, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec);
	return !out->oom;
}
