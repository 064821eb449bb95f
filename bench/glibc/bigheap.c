/*
 * heapcore's glibc benchmark heap, the shape of chap's own anchor (issue
 * #17 item 4): 5 million allocations of mixed sizes from several threads,
 * about 1 GB, some of them freed (tcache, fastbins, unsorted, small and
 * large bins), some lost on purpose, then a crash.
 *
 * Each of NTHREADS threads (each on its own arena) makes PER_THREAD
 * allocations: mostly 16 to 336 bytes, 3 % of 1 to 3 KiB, a few of 256 KiB
 * (mmapped); every fourth block is linked into the thread's list (the
 * object graph has chains), one in ten is freed afterwards, then one in
 * fifty (fastbins keep those), and one in a hundred is lost (its address kept complemented in lost[], so that no
 * word points to it).  As its last acts, with no allocation after it, the
 * program stores mallinfo2() in `truth` and the number of lost blocks in
 * `nlost`, then aborts.  Sizes come from a fixed xorshift sequence: the
 * heap is the same on every run.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define PER_THREAD 1250000
#define MAXLOST (PER_THREAD / 50)

struct mallinfo2 truth;
size_t nlost;
uintptr_t lost[NTHREADS][MAXLOST]; /* ~address */
size_t nlost_thread[NTHREADS];
void **kept[NTHREADS];
struct link {
	struct link *next;
};
struct link *lists[NTHREADS];

static pthread_barrier_t done;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t size_of(uint64_t r)
{
	unsigned pick = (unsigned)(r % 100000);
	if (pick < 5)
		return 256 * 1024;                           /* mmapped */
	if (pick < 3005)
		return 1024 + (size_t)((r >> 20) % 2048);    /* 1-3 KiB */
	return 16 + (size_t)((r >> 20) % 321);              /* 16-336 bytes */
}

static void make_heap(int t)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
	void **k = malloc(PER_THREAD * sizeof(*k));
	kept[t] = k;
	for (size_t i = 0; i < PER_THREAD; i++) {
		uint64_t r = next_rand(&s);
		size_t n = size_of(r);
		void *p = malloc(n);
		memset(p, 0, n < 64 ? n : 64);
		if (i % 100 == 50 && nlost_thread[t] < MAXLOST) {
			lost[t][nlost_thread[t]++] = ~(uintptr_t)p;
			k[i] = NULL;
			continue;
		}
		if (i % 4 == 0 && n >= sizeof(struct link)) {
			struct link *l = p;
			l->next = lists[t];
			lists[t] = l;
			k[i] = NULL;
			continue;
		}
		k[i] = p;
	}
	/* Free one in ten of the kept blocks: the last 7 of a size stay in
	 * this thread's tcache, small ones then go to fastbins, others to the
	 * unsorted bin and, sorted by later requests, to small and large bins. */
	for (size_t i = 0; i < PER_THREAD; i += 10) {
		free(k[i]);
		k[i] = NULL;
	}
	for (size_t i = 5; i < PER_THREAD; i += 1000) {
		void *p = malloc(1500 + i % 500); /* sorts the unsorted bin */
		if (k[i])
			free(k[i]);
		k[i] = p;
	}
	/* Last, with no large request after them: chunks of fastbin sizes
	 * stay in fastbins once their tcache bin is full. */
	for (size_t i = 7; i < PER_THREAD; i += 50) {
		free(k[i]);
		k[i] = NULL;
	}
}

static void *heap_thread(void *arg)
{
	make_heap((int)(intptr_t)arg);
	pthread_barrier_wait(&done);
	pthread_barrier_wait(&done); /* main aborts in between: stay */
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	pthread_barrier_init(&done, NULL, NTHREADS);
	for (int t = 1; t < NTHREADS; t++)
		pthread_create(&th[t], NULL, heap_thread, (void *)(intptr_t)t);
	make_heap(0); /* main is thread 0, on main_arena */
	pthread_barrier_wait(&done);
	for (int i = 0; i < NTHREADS; i++)
		nlost += nlost_thread[i];
	truth = mallinfo2();
	abort();
}
