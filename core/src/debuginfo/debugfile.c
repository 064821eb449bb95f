/*
 * Finding an executable's separate debug info, in gdb's order: a file the
 * user named (gdb -s, --symbols); by GNU build ID under each debug
 * directory (DIR/.build-id/xx/rest.debug); through the .gnu_debuglink
 * section (beside the executable, in its .debug/ folder, and under each
 * debug directory by the executable's own directory); from debuginfod
 * servers.  Every candidate must carry the executable's build ID
 * (hc_exe_add_debug_file()): that is the proof that it belongs, so the
 * debuglink's CRC, which would cost a read of the whole file, adds nothing.
 */
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo/debugfile.h"

/* Try one candidate; record the outcome in @p log.  True once attached. */
static bool try_file(struct hc_exe *exe, const char *path, const char *how,
		     struct hc_strbuf *log, bool *oom)
{
	if (access(path, F_OK) != 0) {
		hc_strbuf_printf(log, "; %s: %s: not found", how, path);
		return false;
	}
	struct hc_error *err = hc_exe_add_debug_file(exe, path, how);
	if (!err)
		return true;
	if (err == &hc_enomem)
		*oom = true;
	hc_strbuf_printf(log, "; %s: %s", how, hc_error_message(err));
	hc_error_destroy(err);
	return false;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Call @p fn for each directory of the colon-separated list @p dirs. */
static bool each_dir(const char *dirs, bool (*fn)(void *arg, const char *dir), void *arg)
{
	char dir[PATH_MAX];
	for (const char *p = dirs; *p;) {
		size_t n = strcspn(p, ":");
		if (n && n < sizeof(dir)) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			if (fn(arg, dir))
				return true;
		}
		p += n + (p[n] == ':');
	}
	return false;
}

struct search {
	struct hc_exe *exe;
	struct hc_strbuf *log;
	bool oom;
	const char *id_hex;   /* the GNU build ID in hex */
	const char *link;     /* the .gnu_debuglink name */
	const char *exe_dir;  /* the executable's directory */
};

static bool by_build_id(void *arg, const char *dir)
{
	struct search *s = arg;
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", dir, s->id_hex,
			     s->id_hex + 2) >= sizeof(path))
		return false;
	return try_file(s->exe, path, "build ID", s->log, &s->oom);
}

static bool by_link_under(void *arg, const char *dir)
{
	struct search *s = arg;
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s%s/%s", dir, s->exe_dir, s->link) >=
	    sizeof(path))
		return false;
	return try_file(s->exe, path, ".gnu_debuglink", s->log, &s->oom);
}

/*
 * libdebuginfod is loaded only when a server is to be asked: linked, it
 * brings libcurl and some forty libraries whose loading would cost every
 * run (a third of `stats`).
 */
struct debuginfod_api {
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *);
	void (*set_user_data)(debuginfod_client *, void *);
	void *(*get_user_data)(debuginfod_client *);
	void (*set_progressfn)(debuginfod_client *, debuginfod_progressfn_t);
	int (*find_debuginfo)(debuginfod_client *, const unsigned char *, int, char **);
};

static const struct debuginfod_api *debuginfod_api(struct hc_strbuf *log)
{
	static struct debuginfod_api api;
	static void *lib;
	if (lib)
		return &api;
	void *h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		hc_strbuf_printf(log, "; debuginfod: libdebuginfod.so.1 cannot be loaded (%s)",
				 dlerror());
		return NULL;
	}
	struct debuginfod_api a;
	/* POSIX: a function pointer travels through void * (dlsym). */
	*(void **)&a.begin = dlsym(h, "debuginfod_begin");
	*(void **)&a.end = dlsym(h, "debuginfod_end");
	*(void **)&a.set_user_data = dlsym(h, "debuginfod_set_user_data");
	*(void **)&a.get_user_data = dlsym(h, "debuginfod_get_user_data");
	*(void **)&a.set_progressfn = dlsym(h, "debuginfod_set_progressfn");
	*(void **)&a.find_debuginfo = dlsym(h, "debuginfod_find_debuginfo");
	if (!a.begin || !a.end || !a.set_user_data || !a.get_user_data || !a.set_progressfn ||
	    !a.find_debuginfo) {
		hc_strbuf_puts(log, "; debuginfod: libdebuginfod.so.1 lacks the client functions");
		dlclose(h);
		return NULL;
	}
	api = a;
	lib = h; /* kept for the process's life */
	return &api;
}

static int download_progress(debuginfod_client *c, long done, long total)
{
	struct hc_progress *p = debuginfod_api(NULL)->get_user_data(c);
	if (total > 0)
		hc_progress(p, "downloading debug info", (uint64_t)done, (uint64_t)total);
	return 0;
}

static bool by_debuginfod(struct search *s, struct hc_progress *progress)
{
	const struct hc_build_id *id = &s->exe->gnu_build_id;
	const struct debuginfod_api *api = debuginfod_api(s->log);
	if (!api)
		return false;
	debuginfod_client *c = api->begin();
	if (!c) {
		hc_strbuf_puts(s->log, "; debuginfod: no client");
		return false;
	}
	api->set_user_data(c, progress);
	api->set_progressfn(c, download_progress);
	char *path = NULL;
	int fd = api->find_debuginfo(c, id->bytes, (int)id->len, &path);
	api->end(c);
	if (fd < 0) {
		hc_strbuf_printf(s->log, "; debuginfod: %s", strerror(-fd));
		free(path);
		return false;
	}
	close(fd);
	bool ok = path && try_file(s->exe, path, "debuginfod", s->log, &s->oom);
	free(path);
	return ok;
}

struct hc_error *hc_debug_find(struct hc_exe *exe, const struct hc_debug_search *s)
{
	if (s->symbols) {
		struct hc_error *err = hc_exe_add_debug_file(exe, s->symbols, "--symbols");
		return err ? hc_error_prefix(err, "--symbols") : NULL;
	}
	if (!hc_exe_needs_debug_file(exe))
		return NULL;
	struct hc_strbuf log;
	hc_strbuf_init(&log);
	struct search st = {.exe = exe, .log = &log};
	const char *dirs = s->debug_dirs && *s->debug_dirs ? s->debug_dirs : "/usr/lib/debug";
	bool found = false;
	char id_hex[2 * 64 + 1];
	if (exe->gnu_build_id.len >= 2 && exe->gnu_build_id.len <= 64) {
		hex(id_hex, exe->gnu_build_id.bytes, exe->gnu_build_id.len);
		st.id_hex = id_hex;
		found = each_dir(dirs, by_build_id, &st);
	} else {
		hc_strbuf_puts(&log, "; build ID: the executable has no GNU build ID");
	}
	GElf_Word crc;
	const char *link = found ? NULL : dwelf_elf_gnu_debuglink(exe->elf, &crc);
	if (!found && link && !strchr(link, '/')) {
		char *copy = strdup(exe->path);
		char *slash = copy ? strrchr(copy, '/') : NULL;
		if (slash) {
			*slash = '\0';
			st.exe_dir = copy;
			st.link = link;
			char path[PATH_MAX];
			/* Beside the executable, in its .debug/, then under each directory. */
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", copy, link) < sizeof(path) &&
			    strcmp(path, exe->path) != 0)
				found = try_file(exe, path, ".gnu_debuglink", &log, &st.oom);
			if (!found &&
			    (size_t)snprintf(path, sizeof(path), "%s/.debug/%s", copy, link) < sizeof(path))
				found = try_file(exe, path, ".gnu_debuglink", &log, &st.oom);
			if (!found)
				found = each_dir(dirs, by_link_under, &st);
		} else if (!copy) {
			st.oom = true;
		}
		free(copy);
	} else if (!found) {
		hc_strbuf_puts(&log, "; .gnu_debuglink: the executable has none");
	}
	if (!found && !s->debuginfod)
		hc_strbuf_puts(&log, "; debuginfod: not asked (DEBUGINFOD_URLS is not set)");
	else if (!found && !exe->gnu_build_id.len)
		hc_strbuf_puts(&log, "; debuginfod: needs a GNU build ID");
	else if (!found)
		found = by_debuginfod(&st, s->progress);
	if (st.oom || log.oom) {
		hc_strbuf_deinit(&log);
		return &hc_enomem;
	}
	if (!found && log.len > 2) {
		free(exe->debug_search);
		exe->debug_search = strdup(log.str + 2); /* without the leading "; " */
		if (!exe->debug_search) {
			hc_strbuf_deinit(&log);
			return &hc_enomem;
		}
	}
	hc_strbuf_deinit(&log);
	return NULL;
}
