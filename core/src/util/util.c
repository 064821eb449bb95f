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
	/* Text for a terminal: names from the core, the executable or the
	 * file system (process arguments, NT_FILE paths, symbols) may carry
	 * escape sequences that would retitle or clear it. */
	hc_text_sanitize(sb->str);
	*ret = sb->str;
	memset(sb, 0, sizeof(*sb));
	return NULL;
}

const char *hc_bytes_text(uint64_t n, char buf[static 24])
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	if (n < 1024) {
		snprintf(buf, 24, "%" PRIu64 " B", n);
		return buf;
	}
	double v = (double)n / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < HC_ARRAY_SIZE(units)) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, 24, "%.1f %s", v, units[u]);
	return buf;
}

void hc_strbuf_bytes(struct hc_strbuf *sb, uint64_t n)
{
	char buf[24];
	hc_strbuf_puts(sb, hc_bytes_text(n, buf));
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

/* Find or add the kind @p key; SIZE_MAX when out of memory. */
static size_t warning_kind(struct hc_warnings *w, const char *key)
{
	uint64_t h = hc_hash_bytes(key, strlen(key)), k;
	/* Equal hashes of different keys probe on: h, h+1, ... */
	for (; hc_u64map_get(&w->by_kind, h, &k); h++) {
		if (strcmp(w->kinds[k].key, key) == 0)
			return (size_t)k;
	}
	if (!hc_grow(&w->kinds, &w->kinds_cap, w->nkinds + 1, sizeof(*w->kinds)))
		return SIZE_MAX;
	struct hc_warning_kind *kind = &w->kinds[w->nkinds];
	memset(kind, 0, sizeof(*kind));
	if (!(kind->key = strdup(key)))
		return SIZE_MAX;
	if (!hc_u64map_put(&w->by_kind, h, w->nkinds)) {
		free(kind->key);
		return SIZE_MAX;
	}
	return w->nkinds++;
}

/*
 * Add @p msg (owned from here on) as a warning of kind @p key; with
 * @p structure, damage at @p address that leaves @p affects incomplete.
 */
static void warn_add(struct hc_warnings *w, const char *key, char *msg,
		     const char *structure, uint64_t address, const char *affects)
{
	if (!w->ready) {
		hc_u64map_init(&w->by_text);
		hc_u64map_init(&w->by_kind);
		w->ready = true;
	}
	hc_text_sanitize(msg); /* names read from a damaged core may be anything */
	uint64_t h = hc_hash_bytes(msg, strlen(msg)), i;
	for (; hc_u64map_get(&w->by_text, h, &i); h++) {
		if (strcmp(w->msgs[i].text, msg) == 0) {
			free(msg);
			return;
		}
	}
	char *st = structure ? strdup(structure) : NULL;
	char *af = structure ? strdup(affects ? affects : "") : NULL;
	size_t k = structure && (!st || !af) ? SIZE_MAX : warning_kind(w, key);
	if (k == SIZE_MAX || !hc_grow(&w->msgs, &w->cap, w->count + 1, sizeof(*w->msgs)) ||
	    !hc_u64map_put(&w->by_text, h, w->count)) {
		free(msg);
		free(st);
		free(af);
		w->lost++;
		w->transient = true;
		return;
	}
	struct hc_warning_msg *m = &w->msgs[w->count];
	m->structure = st;
	m->affects = af;
	m->address = address;
	if (st) {
		hc_text_sanitize(st);
		hc_text_sanitize(af);
		w->kinds[k].incomplete = true;
	}
	struct hc_warning_kind *kind = &w->kinds[k];
	if (kind->count < HC_WARN_SHOWN)
		kind->shown[kind->count] = w->count;
	kind->count++;
	free(kind->line);
	kind->line = NULL;
	m->text = msg;
	m->kind = k;
	w->count++;
}

static void warn_va(struct hc_warnings *w, const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0) {
		w->lost++;
		w->transient = true;
		return;
	}
	warn_add(w, fmt, msg, NULL, 0, NULL);
}

void hc_warn_damaged(struct hc_warnings *w, const char *structure, uint64_t address,
		     const char *affects, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg;
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->lost++;
		w->transient = true;
		return;
	}
	warn_add(w, fmt, msg, structure, address, affects);
}

void hc_warn(struct hc_warnings *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	warn_va(w, fmt, ap);
	va_end(ap);
}

void hc_warn_oom(struct hc_warnings *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	warn_va(w, fmt, ap);
	va_end(ap);
	w->transient = true;
}

void hc_warn_kind(struct hc_warnings *w, const char *key, const char *msg)
{
	hc_warn_kind_damaged(w, key, msg, NULL, 0, NULL);
}

void hc_warn_kind_damaged(struct hc_warnings *w, const char *key, const char *msg,
			  const char *structure, uint64_t address, const char *affects)
{
	char *copy = strdup(msg);
	if (!copy) {
		w->lost++;
		w->transient = true;
		return;
	}
	warn_add(w, key, copy, structure, address, affects);
}

void hc_warnings_deinit(struct hc_warnings *w)
{
	for (size_t i = 0; i < w->count; i++) {
		free(w->msgs[i].text);
		free(w->msgs[i].structure);
		free(w->msgs[i].affects);
	}
	free(w->msgs);
	for (size_t i = 0; i < w->nkinds; i++) {
		free(w->kinds[i].key);
		free(w->kinds[i].line);
	}
	free(w->kinds);
	if (w->ready) {
		hc_u64map_deinit(&w->by_text);
		hc_u64map_deinit(&w->by_kind);
	}
	memset(w, 0, sizeof(*w));
}

size_t hc_warnings_nlines(const struct hc_warnings *w)
{
	return w->nkinds + (w->lost ? 1 : 0);
}

/* The first address ("0x...") @p msg names, into @p sb; false if none. */
static bool first_address(struct hc_strbuf *sb, const char *msg)
{
	const char *p = strstr(msg, "0x");
	if (!p)
		return false;
	size_t n = 2 + strspn(p + 2, "0123456789abcdefABCDEF");
	if (n == 2)
		return false;
	hc_strbuf_append(sb, p, n);
	return true;
}

const char *hc_warnings_line(const struct hc_warnings *w, size_t i)
{
	if (i >= w->nkinds)
		return w->lost && i == w->nkinds ? "more warnings were lost: out of memory" : NULL;
	struct hc_warning_kind *kind = &w->kinds[i]; /* the line is a cache, not the value */
	if (kind->line || kind->count == 1)
		return kind->line ? kind->line : w->msgs[kind->shown[0]].text;
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_printf(&sb, "%s (and %zu more like it", w->msgs[kind->shown[0]].text,
			 kind->count - 1);
	const char *sep = ", at ";
	size_t shown = kind->count < HC_WARN_SHOWN ? kind->count : HC_WARN_SHOWN;
	for (size_t k = 1; k < shown; k++) {
		size_t len = sb.len;
		hc_strbuf_puts(&sb, sep);
		if (first_address(&sb, w->msgs[kind->shown[k]].text)) {
			sep = ", ";
		} else {
			sb.len = len; /* no address to name */
			if (sb.str)
				sb.str[len] = '\0';
		}
	}
	hc_strbuf_puts(&sb, kind->count > shown && strcmp(sep, ", ") == 0 ? ", ...)" : ")");
	if (sb.oom) {
		hc_strbuf_deinit(&sb);
		return NULL;
	}
	kind->line = sb.str;
	return kind->line;
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
