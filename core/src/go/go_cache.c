/*
 * The Go heap's graph saved in the user's cache (graph/cache.h), so that a
 * second question about the same core is nearly free.  The file's name is
 * a hash of what the graph is computed from (heapcore's version, the core's,
 * executable's and debug file's identity, the open flags); the whole key is
 * inside it and must match.  The graph's warnings travel with it, each with
 * its kind.  A graph built short of memory (its warnings are transient) is
 * not saved: another run may build it whole.
 * Only the few most recent graphs are kept: each is about as big as the
 * heap's object and pointer counts times 20 bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "go/go.h"
#include "graph/cache.h"
#include "target/program.h"

#define CACHE_KEEP 4

/* The cache file of @p prog's graph and its key; false when there is none. */
static bool cache_place(struct hc_program *prog, char **path, char **key)
{
	struct hc_strbuf sb;
	hc_strbuf_init(&sb);
	hc_strbuf_puts(&sb, "go graph\n");
	if (!hc_self_identity(&sb) || !hc_target_identity(prog, prog->open_flags, &sb)) {
		hc_strbuf_deinit(&sb);
		return false;
	}
	uint64_t h = hc_hash_bytes(sb.str, sb.len);
	if (asprintf(path, "%s/%016" PRIx64 ".graph", prog->cache_dir, h) < 0) {
		hc_strbuf_deinit(&sb);
		return false;
	}
	*key = sb.str; /* the buffer is the caller's now */
	return true;
}

static void note(struct hc_program *prog, const char *what, struct hc_error *err)
{
	free(prog->cache_note);
	if (asprintf(&prog->cache_note, "%s: %s", what, hc_error_message(err)) < 0)
		prog->cache_note = NULL;
	hc_error_destroy(err);
}

bool hc_go_graph_cached(struct hc_program *prog, struct hc_graph **ret)
{
	char *path, *key;
	if (!prog->cache_dir || !cache_place(prog, &path, &key))
		return false;
	struct hc_graph *g;
	const void *extra;
	size_t len;
	struct hc_error *err = hc_graph_cache_read(path, key, &g, &extra, &len);
	if (err) {
		if (hc_error_code(err) == HC_ERROR_BAD_DATA) {
			unlink(path); /* analysed again, and saved anew */
			note(prog, "the cached analysis was not used", err);
		} else {
			hc_error_destroy(err);
		}
		free(path);
		free(key);
		return false;
	}
	/*
	 * The graph's warnings: NUL-terminated kind, message, and for damage
	 * its structure (empty: none), what it affects and its address (hex).
	 */
	struct hc_warnings *w = &prog->warnings[HC_PHASE_GRAPH];
	hc_warnings_deinit(w);
	const char *p = extra, *end = (const char *)extra + len;
	while (p < end) {
		const char *f[5];
		for (int i = 0; i < 5; i++) {
			const char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
			if (!z) {
				p = end;
				break;
			}
			f[i] = p;
			p = z + 1;
			if (i == 4)
				hc_warn_kind_damaged(w, f[0], f[1], *f[2] ? f[2] : NULL,
						     strtoull(f[4], NULL, 16), f[3]);
		}
	}
	/* Used now: the most recently used are the ones kept. */
	utimensat(AT_FDCWD, path, NULL, 0);
	free(path);
	free(key);
	*ret = g;
	return true;
}

struct cached {
	char name[32];
	struct timespec used;
};

static int newest_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct cached *)a)->used;
	const struct timespec *y = &((const struct cached *)b)->used;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec > y->tv_sec ? -1 : 1;
	return x->tv_nsec > y->tv_nsec ? -1 : x->tv_nsec < y->tv_nsec;
}

/* Keep only the CACHE_KEEP most recently used graphs of the directory. */
static void evict(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct cached files[256];
	size_t n = 0;
	struct dirent *e;
	while (n < HC_ARRAY_SIZE(files) && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;
		if (len < 7 || len >= sizeof(files[0].name) ||
		    strcmp(e->d_name + len - 6, ".graph") != 0 ||
		    fstatat(dirfd(d), e->d_name, &st, 0) != 0)
			continue;
		memcpy(files[n].name, e->d_name, len + 1);
		files[n++].used = st.st_mtim;
	}
	qsort(files, n, sizeof(*files), newest_first);
	for (size_t i = CACHE_KEEP; i < n; i++)
		unlinkat(dirfd(d), files[i].name, 0);
	closedir(d);
}

/* mkdir -p, private to the user as XDG asks; false with errno set. */
static bool make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return false;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return false;
		if (!c)
			return true;
		*p = c;
	}
}

void hc_go_graph_save(struct hc_program *prog, const struct hc_graph *g)
{
	const struct hc_warnings *w = &prog->warnings[HC_PHASE_GRAPH];
	char *path, *key;
	if (w->transient || !prog->cache_dir || !cache_place(prog, &path, &key))
		return;
	struct hc_strbuf extra;
	hc_strbuf_init(&extra);
	for (size_t i = 0; i < w->count; i++) {
		const char *k = w->kinds[w->msgs[i].kind].key;
		const struct hc_warning_msg *m = &w->msgs[i];
		hc_strbuf_append(&extra, k, strlen(k) + 1);
		hc_strbuf_append(&extra, m->text, strlen(m->text) + 1);
		hc_strbuf_append(&extra, m->structure ? m->structure : "",
				 (m->structure ? strlen(m->structure) : 0) + 1);
		hc_strbuf_append(&extra, m->affects ? m->affects : "",
				 (m->affects ? strlen(m->affects) : 0) + 1);
		hc_strbuf_printf(&extra, "%" PRIx64, m->address);
		hc_strbuf_append(&extra, "", 1);
	}
	struct hc_error *err = NULL;
	if (extra.oom)
		err = &hc_enomem;
	else if (!make_dirs(prog->cache_dir))
		err = hc_error_os(errno, prog->cache_dir, "cannot create");
	else
		err = hc_graph_cache_write(g, path, key, extra.str ? extra.str : "", extra.len);
	if (err)
		note(prog, "the analysis was not saved in the cache", err);
	else
		evict(prog->cache_dir);
	hc_strbuf_deinit(&extra);
	free(path);
	free(key);
}
