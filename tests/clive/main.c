/*
 * A long-running C program on glibc malloc for heapcore's live-process
 * tests (tests/test_glibc_live.py): it keeps a heap of known shape and
 * serves requests read one per line from standard input, answering each
 * with one line on standard output, so that a test can read it with
 * `heapcore --pid` or gdb, compare with the program's own mallinfo2(), and
 * see it keep working afterwards.
 *
 * Requests:
 *
 *   alloc N  keep N more list nodes and blocks of mixed sizes; fill tcache
 *            bins and fastbins, leave chunks in the unsorted bin; lose
 *            blocks on purpose (single ones, a chain, a cycle); start a
 *            thread that does the same in its own arena and stays alive
 *   stats    mallinfo2() as one JSON object
 *   lost     the blocks lost so far: {"count", "bytes", "sizes": {usable
 *            size: count}} (malloc_usable_size)
 *   ping     "pong N", N the number of nodes kept
 *
 * Input and output go through read(2) and write(2) with static buffers:
 * nothing is allocated between an answer and the next request, so a
 * snapshot taken then sees the heap the answer describes.  The lost blocks'
 * addresses are kept complemented, so that no word points to them.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXLEAK 4096
#define MAXTHREADS 32

struct node {
	struct node *next;
	long payload[5];
};

struct node *list_head; /* the kept list */
long nodes;
void **kept;            /* kept blocks of mixed sizes */
size_t nkept, cap_kept;
uintptr_t lost_addr[MAXLEAK]; /* ~address of each lost block */
size_t nlost;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t forever = PTHREAD_MUTEX_INITIALIZER; /* held by main */
static pthread_t threads[MAXTHREADS];
static int nthreads;
static char out[1 << 16];

static void keep(void *p)
{
	pthread_mutex_lock(&lock);
	if (nkept == cap_kept) {
		cap_kept = cap_kept ? 2 * cap_kept : 256;
		kept = realloc(kept, cap_kept * sizeof(*kept));
	}
	kept[nkept++] = p;
	pthread_mutex_unlock(&lock);
}

/* Allocate a block and forget it: only lost_addr knows it, complemented. */
static __attribute__((noinline)) void *lose(size_t n)
{
	void *p = malloc(n);
	memset(p, 0x5a, n);
	pthread_mutex_lock(&lock);
	if (nlost < MAXLEAK)
		lost_addr[nlost++] = ~(uintptr_t)p;
	pthread_mutex_unlock(&lock);
	return p;
}

static __attribute__((noinline)) void lose_shapes(int k)
{
	for (int i = 0; i < k; i++)
		lose(40 + 24 * i);
	/* a chain: the tail is reached only through the lost head */
	struct node *head = lose(sizeof(struct node));
	head->next = lose(sizeof(struct node));
	head->next->next = NULL;
	/* a cycle of three */
	struct node *a = lose(sizeof(struct node)), *b = lose(sizeof(struct node)),
		    *c = lose(sizeof(struct node));
	a->next = b;
	b->next = c;
	c->next = a;
}

/*
 * Blocks of mixed sizes, most kept; then, for a few sizes, 7 + extra
 * chunks freed (a full tcache bin, the rest to a fastbin or the unsorted
 * bin), each followed by a kept guard so that nothing coalesces.
 */
static __attribute__((noinline)) void shapes(long n, int salt)
{
	for (long i = 0; i < n; i++) {
		struct node *x = malloc(sizeof(*x));
		x->payload[0] = i;
		pthread_mutex_lock(&lock);
		x->next = list_head;
		list_head = x;
		nodes++;
		pthread_mutex_unlock(&lock);
		if (i % 4 == 0)
			keep(malloc(16 + (size_t)(i * 37 + salt) % 2000));
	}
	keep(malloc(250000 + 4096 * (size_t)salt)); /* mmapped */
	lose_shapes(3 + salt % 3);
	/* Freed last: a request of 1024 bytes or more would consolidate the
	 * fastbins. */
	static const size_t sizes[] = {24, 56, 72, 300, 1500};
	void *p[sizeof(sizes) / sizeof(sizes[0])][12];
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int i = 0; i < 12; i++) {
			p[s][i] = malloc(sizes[s] + 8 * (size_t)salt);
			keep(malloc(1100));
		}
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int i = 0; i < 12; i++)
			free(p[s][i]);
}

static void reply(size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(1, out + done, len - done);
		if (w <= 0)
			exit(1);
		done += (size_t)w;
	}
}

static pthread_barrier_t started;

static void *thread_main(void *arg)
{
	long n = (long)((intptr_t)arg >> 8);
	shapes(n, (int)((intptr_t)arg & 0xff));
	pthread_barrier_wait(&started);
	pthread_mutex_lock(&forever); /* main holds it: stay alive */
	pthread_mutex_unlock(&forever);
	return NULL;
}

static __attribute__((noinline)) void alloc_request(long n)
{
	shapes(n, 0);
	if (nthreads < MAXTHREADS) {
		pthread_barrier_init(&started, NULL, 2);
		pthread_create(&threads[nthreads], NULL, thread_main,
			       (void *)(intptr_t)((n / 4) << 8 | (1 + nthreads)));
		pthread_barrier_wait(&started);
		pthread_barrier_destroy(&started);
		nthreads++;
	}
}

static __attribute__((noinline)) size_t lost_json(void)
{
	/* usable size -> count, for sizes up to 64 KiB */
	static uint32_t by_size[1 << 16];
	memset(by_size, 0, sizeof(by_size));
	uint64_t bytes = 0;
	for (size_t i = 0; i < nlost; i++) {
		size_t u = malloc_usable_size((void *)~lost_addr[i]);
		bytes += u;
		if (u < sizeof(by_size) / sizeof(by_size[0]))
			by_size[u]++;
	}
	size_t len = (size_t)snprintf(out, sizeof(out), "{\"count\": %zu, \"bytes\": %llu, \"sizes\": {",
				      nlost, (unsigned long long)bytes);
	const char *sep = "";
	for (size_t u = 0; u < sizeof(by_size) / sizeof(by_size[0]) && len < sizeof(out) - 64; u++) {
		if (by_size[u]) {
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s\"%zu\": %u", sep, u,
						by_size[u]);
			sep = ", ";
		}
	}
	len += (size_t)snprintf(out + len, sizeof(out) - len, "}}\n");
	return len;
}

static __attribute__((noinline)) size_t stats_json(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (size_t)snprintf(out, sizeof(out),
				"{\"arena\": %zu, \"ordblks\": %zu, \"smblks\": %zu, \"hblks\": %zu, "
				"\"hblkhd\": %zu, \"usmblks\": %zu, \"fsmblks\": %zu, "
				"\"uordblks\": %zu, \"fordblks\": %zu, \"keepcost\": %zu}\n",
				mi.arena, mi.ordblks, mi.smblks, mi.hblks, mi.hblkhd, mi.usmblks,
				mi.fsmblks, mi.uordblks, mi.fordblks, mi.keepcost);
}

int main(void)
{
	static char in[4096];
	size_t have = 0;
	pthread_mutex_lock(&forever);
	for (;;) {
		char *nl = memchr(in, '\n', have);
		if (!nl) {
			if (have == sizeof(in))
				return 1;
			ssize_t r = read(0, in + have, sizeof(in) - have);
			if (r <= 0)
				return 0;
			have += (size_t)r;
			continue;
		}
		*nl = '\0';
		size_t len;
		if (strncmp(in, "alloc ", 6) == 0) {
			alloc_request(strtol(in + 6, NULL, 10));
			len = (size_t)snprintf(out, sizeof(out), "ok\n");
		} else if (strcmp(in, "stats") == 0) {
			len = stats_json();
		} else if (strcmp(in, "lost") == 0) {
			len = lost_json();
		} else if (strcmp(in, "ping") == 0) {
			len = (size_t)snprintf(out, sizeof(out), "pong %ld\n", nodes);
		} else {
			len = (size_t)snprintf(out, sizeof(out), "unknown request\n");
		}
		size_t used = (size_t)(nl + 1 - in);
		memmove(in, nl + 1, have - used);
		have -= used;
		reply(len);
	}
}
