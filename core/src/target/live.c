/*
 * Snapshots of running processes (see live.h).
 *
 * Stopping: every thread listed in /proc/PID/task is seized and
 * interrupted, and the listing is repeated until it names no thread that is
 * not stopped: a thread can only be created by a running one, so once a
 * listing finds every thread stopped, none can appear.  A thread whose
 * stop is a signal-delivery stop has that signal given back when it is
 * detached (PTRACE_DETACH with the signal), so no signal is lost; pending
 * interrupts are cleared by the detach itself (ptrace(2)).
 *
 * Copying: the mappings a kernel core would hold under the default
 * coredump_filter: anonymous and written-to private memory in full, of a
 * read-only file mapping only its first page when it is an ELF header (for
 * the build-ID check); the rest of those files is read later from the files
 * themselves, checked by device and inode, exactly as for a core.  Pages of
 * anonymous memory that /proc/PID/pagemap says are neither present nor
 * swapped read as zero and are not copied (most of a Go heap's reserved
 * arena), which keeps the stop short.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target/live.h"

#define PAGE 4096u
#define MAX_THREADS 100000

struct tracee {
	int32_t tid;
	int deliver; /* signal to give back at detach */
};

struct snapshot {
	int pid;
	const struct hc_process_access *access;
	struct tracee *t;
	size_t nt, capt;
	int memfd, pagemap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A whole /proc file into a NUL-terminated buffer; NULL with errno set. */
static char *read_proc(int pid, const char *what, size_t *ret_len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	while (buf) {
		if (cap - len < 2) {
			char *more = cap > (SIZE_MAX / 4) ? NULL : realloc(buf, cap * 2);
			if (!more) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = more;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			buf = NULL;
			errno = e;
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			if (ret_len)
				*ret_len = len;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	return buf;
}

static struct hc_error *exited(int pid)
{
	return hc_error_format(HC_ERROR_NOT_FOUND,
			       "process %d exited while it was being read", pid);
}

static bool alive(int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return access(path, F_OK) == 0;
}

/* Why PTRACE_SEIZE failed, with what to do about it. */
static struct hc_error *attach_error(int pid, int errnum)
{
	if (errnum == ESRCH)
		return alive(pid) ? hc_error_os(errnum, "ptrace", "cannot attach to the process")
				  : exited(pid);
	if (errnum != EPERM)
		return hc_error_format(HC_ERROR_OS, "cannot attach to process %d: %s", pid,
				       strerror(errnum));
	char *status = read_proc(pid, "status", NULL);
	const char *tracer = status ? strstr(status, "\nTracerPid:") : NULL;
	long tpid = tracer ? strtol(tracer + 11, NULL, 10) : 0;
	free(status);
	if (tpid > 0) {
		char *comm = read_proc((int)tpid, "comm", NULL);
		if (comm)
			comm[strcspn(comm, "\n")] = '\0';
		struct hc_error *err = hc_error_format(
			HC_ERROR_OS,
			"cannot attach to process %d: it is already traced by process %ld (%s); detach that "
			"tracer first, or run the heap- commands inside it if it is gdb",
			pid, tpid, comm && *comm ? comm : "?");
		free(comm);
		err->errnum = EPERM;
		return err;
	}
	char *scope = read_proc(1, "../sys/kernel/yama/ptrace_scope", NULL);
	if (scope)
		scope[strcspn(scope, "\n")] = '\0';
	struct hc_error *err = hc_error_format(
		HC_ERROR_OS,
		"cannot attach to process %d: permission denied (ptrace needs the process's user, "
		"and CAP_SYS_PTRACE where /proc/sys/kernel/yama/ptrace_scope asks for it: it is %s "
		"here; run as root, or set it to 0)",
		pid, scope ? scope : "absent");
	free(scope);
	err->errnum = EPERM;
	return err;
}

/* Wait for @p tid's stop; false when the thread is gone. */
static bool wait_stop(struct tracee *t)
{
	for (;;) {
		int st;
		pid_t r = waitpid(t->tid, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return false;
		if (!WIFSTOPPED(st))
			continue;
		/* A signal-delivery stop (no event) has taken a signal: give it back. */
		if ((st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP)
			t->deliver = WSTOPSIG(st);
		return true;
	}
}

static void detach_all(struct snapshot *s)
{
	for (size_t i = 0; i < s->nt; i++)
		ptrace(PTRACE_DETACH, s->t[i].tid, NULL, (void *)(intptr_t)s->t[i].deliver);
	s->nt = 0;
}

static bool known(const struct snapshot *s, int32_t tid)
{
	for (size_t i = 0; i < s->nt; i++) {
		if (s->t[i].tid == tid)
			return true;
	}
	return false;
}

static struct hc_error *stop_all(struct snapshot *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", s->pid);
	for (int pass = 0; pass < 1000; pass++) {
		DIR *d = opendir(path);
		if (!d)
			return exited(s->pid);
		bool added = false;
		struct dirent *e;
		size_t first_new = s->nt;
		while ((e = readdir(d))) {
			char *end;
			long tid = strtol(e->d_name, &end, 10);
			if (*end || tid <= 0 || known(s, (int32_t)tid))
				continue;
			if (s->nt >= MAX_THREADS) {
				closedir(d);
				return hc_error_format(HC_ERROR_UNSUPPORTED,
						       "process %d has more than %d threads", s->pid,
						       MAX_THREADS);
			}
			if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) != 0) {
				int errnum = errno;
				if (errnum == ESRCH && tid != s->pid)
					continue; /* the thread ended */
				closedir(d);
				return attach_error(s->pid, errnum);
			}
			if (!hc_grow(&s->t, &s->capt, s->nt + 1, sizeof(*s->t))) {
				ptrace(PTRACE_DETACH, (pid_t)tid, NULL, NULL);
				closedir(d);
				return &hc_enomem;
			}
			s->t[s->nt++] = (struct tracee){(int32_t)tid, 0};
			ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL);
			added = true;
		}
		closedir(d);
		for (size_t i = first_new; i < s->nt; i++) {
			if (!wait_stop(&s->t[i])) {
				if (s->t[i].tid == s->pid || !alive(s->pid))
					return exited(s->pid);
				/* The thread ended: forget it. */
				s->t[i--] = s->t[--s->nt];
			}
		}
		if (!added)
			return NULL;
	}
	return hc_error_format(HC_ERROR_UNSUPPORTED,
			       "process %d kept creating threads while it was being stopped", s->pid);
}

/* Read the process's bytes: 0 or an errno value. */
static int read_remote(struct snapshot *s, uint64_t addr, uint8_t *buf, size_t n)
{
	if (s->access) {
		/* The debugger's reader, in pieces it can copy without trouble. */
		while (n) {
			size_t k = n < (16u << 20) ? n : (16u << 20);
			int r = s->access->read(s->access->arg, addr, buf, k);
			if (r)
				return r;
			addr += k;
			buf += k;
			n -= k;
		}
		return 0;
	}
	struct iovec local = {buf, n}, remote = {(void *)(uintptr_t)addr, n};
	ssize_t got = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
	if (got == (ssize_t)n)
		return 0;
	if (s->memfd < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", s->pid);
		s->memfd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->memfd < 0)
			return errno;
	}
	for (size_t done = 0; done < n;) {
		ssize_t k = pread(s->memfd, buf + done, n - done, (off_t)(addr + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		done += (size_t)k;
	}
	return 0;
}

/* Copy whole pages, page by page: how many leading bytes could be read. */
static uint64_t copy_pages(struct snapshot *s, uint64_t addr, uint64_t len, uint8_t *out)
{
	uint64_t p = 0;
	while (p < len && read_remote(s, addr + p, out + p, len - p < PAGE ? (size_t)(len - p) : PAGE) == 0)
		p += PAGE;
	return p < len ? p : len;
}

#define BATCH 1024       /* iovecs per process_vm_readv (IOV_MAX) */
#define PAGEMAP_CHUNK 32768 /* pagemap entries read at once (128 MiB of memory) */

/*
 * Anonymous memory: the runs of pages that hold data (present or swapped,
 * says /proc/PID/pagemap), read in batches of up to BATCH runs per
 * process_vm_readv; the rest is left zero.  False when pagemap cannot say.
 */
static bool copy_sparse(struct snapshot *s, uint64_t addr, uint64_t len, uint8_t *out,
			uint64_t *ret)
{
	static __thread uint64_t entries[PAGEMAP_CHUNK];
	struct iovec local[BATCH], remote[BATCH];
	uint64_t npages = len / PAGE;
	for (uint64_t first = 0; first < npages;) {
		uint64_t n = npages - first < PAGEMAP_CHUNK ? npages - first : PAGEMAP_CHUNK;
		ssize_t got = pread(s->pagemap, entries, n * 8, (off_t)((addr / PAGE + first) * 8));
		if (got != (ssize_t)(n * 8))
			return false;
		size_t nio = 0;
		uint64_t batch_bytes = 0;
		for (uint64_t k = 0; k <= n; k++) {
			bool last = k == n;
			if (!last && entries[k] >> 62 != 0) {
				uint64_t a = addr + (first + k) * PAGE;
				if (nio && (uint64_t)(uintptr_t)remote[nio - 1].iov_base + remote[nio - 1].iov_len == a) {
					remote[nio - 1].iov_len += PAGE;
					local[nio - 1].iov_len += PAGE;
				} else {
					remote[nio] = (struct iovec){(void *)(uintptr_t)a, PAGE};
					local[nio] = (struct iovec){out + (a - addr), PAGE};
					nio++;
				}
				batch_bytes += PAGE;
				if (nio < BATCH)
					continue;
			}
			if (!nio || (!last && nio < BATCH && entries[k] >> 62 == 0))
				continue;
			ssize_t r = s->access ? -1
				    : process_vm_readv(s->pid, local, nio, remote, nio, 0);
			if (r != (ssize_t)batch_bytes) {
				/* Run by run, so that an unreadable page ends the copy there. */
				for (size_t i = 0; i < nio; i++) {
					uint64_t a = (uint64_t)(uintptr_t)remote[i].iov_base;
					if (read_remote(s, a, local[i].iov_base, remote[i].iov_len) == 0)
						continue;
					uint64_t done = copy_pages(s, a, remote[i].iov_len, local[i].iov_base);
					if (done < remote[i].iov_len) {
						*ret = a - addr + done;
						return true;
					}
				}
			}
			nio = 0;
			batch_bytes = 0;
		}
		first += n;
	}
	*ret = len;
	return true;
}

/*
 * Copy [addr, addr + len) into @p out; for anonymous memory only the pages
 * that hold something.  Returns how many leading bytes were copied (a page
 * that cannot be read ends the copy there).
 */
static uint64_t copy_range(struct snapshot *s, uint64_t addr, uint64_t len, bool anonymous,
			   uint8_t *out)
{
	uint64_t done;
	if (anonymous && s->pagemap >= 0 && len % PAGE == 0 && copy_sparse(s, addr, len, out, &done))
		return done;
	if (read_remote(s, addr, out, (size_t)len) == 0)
		return len;
	return copy_pages(s, addr, len, out);
}

struct mapping {
	uint64_t start, end, offset, inode;
	unsigned major, minor;
	char perms[5];
	char *path; /* into the maps text, NUL-terminated; "" for anonymous */
};

static struct hc_error *parse_maps(int pid, char *text, struct mapping **ret, size_t *ret_n)
{
	struct mapping *m = NULL;
	size_t n = 0, cap = 0;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct mapping x = {0};
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &x.start,
			   &x.end, x.perms, &x.offset, &x.major, &x.minor, &x.inode, &pos) < 7 ||
		    x.end < x.start) {
			free(m);
			return hc_error_format(HC_ERROR_BAD_DATA, "/proc/%d/maps: unreadable line: %.80s",
					       pid, line);
		}
		x.path = line + pos;
		if (!hc_grow(&m, &cap, n + 1, sizeof(*m))) {
			free(m);
			return &hc_enomem;
		}
		m[n++] = x;
		if (!nl)
			break;
		line = nl + 1;
	}
	*ret = m;
	*ret_n = n;
	return NULL;
}

/* How many leading bytes of @p m a core holds (the default coredump_filter's choice). */
static uint64_t dump_size(struct snapshot *s, const struct mapping *m)
{
	uint64_t len = m->end - m->start;
	if (m->perms[0] != 'r' || strcmp(m->path, "[vvar]") == 0 ||
	    strcmp(m->path, "[vvar_vclock]") == 0 || strcmp(m->path, "[vsyscall]") == 0)
		return 0;
	if (m->inode && m->perms[1] != 'w') {
		uint8_t magic[SELFMAG];
		if (m->offset == 0 && len >= PAGE &&
		    read_remote(s, m->start, magic, sizeof(magic)) == 0 &&
		    memcmp(magic, ELFMAG, SELFMAG) == 0)
			return PAGE;
		return 0;
	}
	return len;
}

static struct hc_error *read_threads(struct snapshot *s, struct hc_core *core)
{
	size_t n = s->access ? s->access->nthreads : s->nt;
	if (n == 0)
		return hc_error_format(HC_ERROR_BAD_DATA, "process %d: no threads", s->pid);
	core->threads = calloc(n, sizeof(*core->threads));
	if (!core->threads)
		return &hc_enomem;
	for (size_t i = 0; i < n; i++) {
		struct hc_thread *t = &core->threads[core->nthreads];
		if (s->access) {
			const struct hc_thread_registers *r = &s->access->threads[i];
			t->tid = r->tid;
			t->nregs = r->nregs < HC_MAX_REGS ? r->nregs : HC_MAX_REGS;
			memcpy(t->regs, r->regs, t->nregs * sizeof(t->regs[0]));
		} else {
			struct iovec iov = {t->regs, sizeof(t->regs)};
			if (ptrace(PTRACE_GETREGSET, s->t[i].tid, (void *)NT_PRSTATUS, &iov) != 0)
				return alive(s->pid) ? hc_error_os(errno, "ptrace", "cannot read the registers")
						     : exited(s->pid);
			t->tid = s->t[i].tid;
			t->nregs = (unsigned)(iov.iov_len / sizeof(t->regs[0]));
		}
		/* user_regs_struct: rip 16, rsp 19 (x86-64); sp 31, pc 32 (aarch64). */
#if defined(__x86_64__)
		if (t->nregs > 19) {
			t->pc = t->regs[16];
			t->sp = t->regs[19];
		}
#elif defined(__aarch64__)
		if (t->nregs > 32) {
			t->pc = t->regs[32];
			t->sp = t->regs[31];
		}
#endif
		core->nthreads++;
	}
	/* The process's own thread first, as its leader (a kernel core puts the crashing one). */
	if (!s->access) {
		for (size_t i = 1; i < core->nthreads; i++) {
			if (core->threads[i].tid == s->pid) {
				struct hc_thread tmp = core->threads[0];
				core->threads[0] = core->threads[i];
				core->threads[i] = tmp;
			}
		}
	}
	return NULL;
}

/* Copy memory and describe it; the threads are stopped. */
static struct hc_error *copy_process(struct snapshot *s, struct hc_core *core)
{
	size_t len;
	char *maps = read_proc(s->pid, "maps", &len);
	if (!maps)
		return alive(s->pid) ? hc_error_os(errno, "/proc/PID/maps", "cannot read") : exited(s->pid);
	core->strings = maps;
	struct mapping *m = NULL;
	size_t n = 0;
	struct hc_error *err = parse_maps(s->pid, maps, &m, &n);
	if (err)
		return err;
	uint64_t *sizes = calloc(n ? n : 1, sizeof(*sizes));
	core->loads = calloc(n ? n : 1, sizeof(*core->loads));
	core->files = calloc(n ? n : 1, sizeof(*core->files));
	if (!sizes || !core->loads || !core->files) {
		free(sizes);
		free(m);
		return &hc_enomem;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		sizes[i] = dump_size(s, &m[i]);
		total += sizes[i];
	}
	uint8_t *image = NULL;
	if (total) {
		image = mmap(NULL, total, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (image == MAP_FAILED) {
			free(sizes);
			free(m);
			return hc_error_format(HC_ERROR_NO_MEMORY,
					       "out of memory for a copy of process %d (%" PRIu64 " bytes)",
					       s->pid, total);
		}
		core->owned = (struct hc_input_image){image, total, total, false};
	}
	uint64_t off = 0;
	for (size_t i = 0; i < n; i++) {
		const struct mapping *x = &m[i];
		uint64_t got = sizes[i] ? copy_range(s, x->start, sizes[i], x->inode == 0, image + off) : 0;
		if (sizes[i] && got == 0 && !alive(s->pid)) {
			free(sizes);
			free(m);
			return exited(s->pid);
		}
		core->loads[core->nloads++] = (struct hc_core_segment){
			.vaddr = x->start,
			.memsz = x->end - x->start,
			.filesz = got,
			.offset = off,
			.present = got,
			.flags = (x->perms[0] == 'r' ? PF_R : 0) | (x->perms[1] == 'w' ? PF_W : 0) |
				 (x->perms[2] == 'x' ? PF_X : 0),
		};
		off += sizes[i];
		if (x->inode && x->path[0] == '/')
			core->files[core->nfiles++] = (struct hc_file_mapping){
				.start = x->start,
				.end = x->end,
				.offset = x->offset,
				.path = x->path,
				.dev = makedev(x->major, x->minor),
				.ino = x->inode,
				.dev_ino_known = true,
			};
	}
	free(sizes);
	free(m);
	core->image = image;
	core->size = (size_t)total;
	core->needed_size = total;
	return NULL;
}

static void read_identity(int pid, struct hc_core *core)
{
	size_t len;
	char *auxv = read_proc(pid, "auxv", &len);
	if (auxv) {
		hc_core_parse_auxv(core, (const uint8_t *)auxv, len);
		free(auxv);
	}
	char *comm = read_proc(pid, "comm", NULL);
	if (comm) {
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(core->fname, sizeof(core->fname), "%s", comm);
		free(comm);
	}
	char *args = read_proc(pid, "cmdline", &len);
	if (args) {
		for (size_t i = 0; i + 1 < len; i++)
			if (!args[i])
				args[i] = ' ';
		snprintf(core->psargs, sizeof(core->psargs), "%s", args);
		free(args);
	}
	core->pid = pid;
	core->has_prpsinfo = true;
}

struct hc_error *hc_core_snapshot(int pid, const struct hc_process_access *access,
				  struct hc_core **ret, uint64_t *ret_stop_ns)
{
	struct hc_core *core = calloc(1, sizeof(*core));
	if (!core)
		return &hc_enomem;
	core->fd = -1;
	core->live = core->from_stream = true;
#if defined(__x86_64__)
	core->arch = HC_ARCH_X86_64;
#elif defined(__aarch64__)
	core->arch = HC_ARCH_AARCH64;
#endif
	struct hc_error *err = NULL;
	if (asprintf(&core->path, "process %d", pid) < 0) {
		core->path = NULL;
		hc_core_close(core);
		return &hc_enomem;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	core->mtime_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
	struct snapshot s = {.pid = pid, .access = access, .memfd = -1, .pagemap = -1};
	read_identity(pid, core);
	uint64_t t0 = now_ns();
	if (!access)
		err = stop_all(&s);
	if (!err) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
		s.pagemap = open(path, O_RDONLY | O_CLOEXEC);
		err = read_threads(&s, core);
	}
	if (!err)
		err = copy_process(&s, core);
	detach_all(&s);
	uint64_t stopped = now_ns() - t0;
	if (s.memfd >= 0)
		close(s.memfd);
	if (s.pagemap >= 0)
		close(s.pagemap);
	free(s.t);
	if (err) {
		hc_core_close(core);
		return err;
	}
	core->stop_ns = stopped;
	if (ret_stop_ns)
		*ret_stop_ns = stopped;
	*ret = core;
	return NULL;
}
