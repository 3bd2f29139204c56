// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the shared release ring's kernel side
 * (driver/fpgadma_shring.c with driver/fpgadma_ring.c, unchanged, against
 * tests/host/shim): every hostile entry refused and counted, then a
 * kernel thread and a user thread running the whole protocol of the UAPI
 * header (pairs A to E) for 50000 buffers. Built twice: with ASan/UBSan,
 * and with ThreadSanitizer (shring_test_tsan), which checks that the
 * protocol's acquire/release pairs order every access to the shared slots.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpgadma_ring.h"
#include "fpgadma_shring.h"

static int failed, checks;

#define CHECK(name, cond)						\
	do {								\
		checks++;						\
		if (cond) {						\
			printf("PASS: shring:%s\n", name);		\
		} else {						\
			printf("FAIL: shring:%s: %s (line %d)\n", name,	\
			       #cond, __LINE__);			\
			failed++;					\
		}							\
	} while (0)

#define COUNT	8
#define ENTRIES	8

struct rig {
	struct fpgadma_ring ring;
	void *mem;
	u32 slots[ENTRIES];
	u32 accept[COUNT];
	u32 cons;
	struct fpgadma_shring_stats st;
};

/* A streaming ring whose buffers 0..held-1 the user holds. */
static void rig_init(struct rig *r, u32 held)
{
	u32 i, index;

	memset(r, 0, sizeof(*r));
	r->mem = calloc(1, fpgadma_ring_mem_size(COUNT));
	if (!r->mem)
		abort();
	fpgadma_ring_init(&r->ring, COUNT, r->mem);
	fpgadma_ring_start(&r->ring);
	for (i = 0; i < held; i++) {
		fpgadma_ring_complete(&r->ring, i, 64, 0, i);
		fpgadma_ring_dequeue(&r->ring, &index);
	}
}

static u32 rig_take(struct rig *r, u32 prod)
{
	return fpgadma_shring_take(&r->ring, r->slots, ENTRIES, prod, &r->cons,
				   r->accept, 0, &r->st);
}

static void test_hostile(void)
{
	struct rig r;
	u32 n;

	rig_init(&r, 3);
	r.slots[0] = 1;
	r.slots[1] = 8;			/* out of range */
	r.slots[2] = 0xffffffffu;	/* out of range */
	r.slots[3] = 5;			/* queued: not held */
	r.slots[4] = 1;			/* repeated */
	r.slots[5] = 2;
	n = rig_take(&r, 6);
	CHECK("valid-accepted", n == 2 && r.accept[0] == 1 && r.accept[1] == 2);
	CHECK("bad-counted", r.st.invalid == 4 && r.st.released == 2);
	CHECK("consumer-advanced", r.cons == 6);
	CHECK("ring-state", r.ring.n_user == 1 && r.ring.released == 2 &&
	      fpgadma_ring_n_queued(&r.ring) == COUNT - 1);

	/* Garbage producers: ahead by more than the ring, and behind. */
	n = rig_take(&r, r.cons + ENTRIES + 1);
	CHECK("garbage-ahead", n == 0 && r.st.garbage == 1 && r.cons == 6);
	n = rig_take(&r, r.cons - 1);
	CHECK("garbage-behind", n == 0 && r.st.garbage == 2 && r.cons == 6);
	/* Exactly a full ring is not garbage. */
	memset(r.slots, 0, sizeof(r.slots));
	n = rig_take(&r, r.cons + ENTRIES);
	CHECK("full-ring", n == 1 && r.accept[0] == 0 && r.st.garbage == 2 &&
	      r.st.invalid == 4 + ENTRIES - 1 && r.cons == 6 + ENTRIES);
	CHECK("nothing-held", r.ring.n_user == 0);
	/* Empty ring: nothing, no count. */
	n = rig_take(&r, r.cons);
	CHECK("empty", n == 0 && r.st.garbage == 2);
	free(r.mem);

	/* Not streaming: nothing accepted. */
	rig_init(&r, 2);
	fpgadma_ring_stop(&r.ring);
	r.slots[0] = 0;
	n = rig_take(&r, 1);
	CHECK("stopped", n == 0 && r.st.invalid == 1);
	free(r.mem);
}

/* ---- the protocol, two threads ------------------------------------------- */

#define TCOUNT		16
#define TENTRIES	16
#define TOTAL		50000u

struct rec {
	u32 index;
	u64 sequence;
};

static struct {
	struct fpgadma_ring ring;
	void *mem;
	struct rec comp[TENTRIES];
	u32 comp_prod;			/* kernel writes */
	u32 rel[TENTRIES];
	u32 rel_prod;			/* user writes */
	u32 rel_cons;			/* kernel writes */
	int done;
	struct fpgadma_shring_stats st;
	u64 user_errors;
} sh;

static void *kernel_thread(void *arg)
{
	u32 prod = 0, cons = 0, accept[TCOUNT], index;
	u64 seq = 0;

	(void)arg;
	while (!__atomic_load_n(&sh.done, __ATOMIC_ACQUIRE)) {
		u32 rp;

		/* The device completes its oldest buffer; the record goes out. */
		if (seq < TOTAL && !fpgadma_ring_peek_queued(&sh.ring, 0, &index)) {
			fpgadma_ring_complete(&sh.ring, index, 64, 0, seq);
			fpgadma_ring_dequeue(&sh.ring, &index);
			sh.comp[prod & (TENTRIES - 1)] = (struct rec) {
				.index = index, .sequence = seq++,
			};
			prod++;
			/* (A) */
			__atomic_store_n(&sh.comp_prod, prod, __ATOMIC_RELEASE);
		}
		/* (D) */
		rp = __atomic_load_n(&sh.rel_prod, __ATOMIC_ACQUIRE);
		fpgadma_shring_take(&sh.ring, sh.rel, TENTRIES, rp, &cons,
				    accept, 0, &sh.st);
		/* (E) */
		__atomic_store_n(&sh.rel_cons, cons, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *user_thread(void *arg)
{
	u32 cons = 0, prod = 0;
	u64 next = 0;
	char held[TCOUNT] = { 0 };

	(void)arg;
	while (next < TOTAL) {
		/* (B) */
		u32 p = __atomic_load_n(&sh.comp_prod, __ATOMIC_ACQUIRE);

		while (cons != p) {
			struct rec r = sh.comp[cons & (TENTRIES - 1)];
			u32 rc;

			cons++;
			if (r.index >= TCOUNT || r.sequence != next || held[r.index])
				sh.user_errors++;
			else
				held[r.index] = 1;
			next++;
			/* Room in the release ring: (E)'s other side. */
			do
				rc = __atomic_load_n(&sh.rel_cons, __ATOMIC_ACQUIRE);
			while (prod - rc >= TENTRIES);
			if (r.index < TCOUNT)
				held[r.index] = 0;
			sh.rel[prod & (TENTRIES - 1)] = r.index;
			prod++;
			/* (C) */
			__atomic_store_n(&sh.rel_prod, prod, __ATOMIC_RELEASE);
		}
	}
	/* Wait until the kernel consumed the last releases. */
	while (__atomic_load_n(&sh.rel_cons, __ATOMIC_ACQUIRE) != prod)
		;
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_threads(void)
{
	pthread_t k, u;

	memset(&sh, 0, sizeof(sh));
	sh.mem = calloc(1, fpgadma_ring_mem_size(TCOUNT));
	if (!sh.mem)
		abort();
	fpgadma_ring_init(&sh.ring, TCOUNT, sh.mem);
	fpgadma_ring_start(&sh.ring);
	if (pthread_create(&k, NULL, kernel_thread, NULL) ||
	    pthread_create(&u, NULL, user_thread, NULL))
		abort();
	pthread_join(u, NULL);
	pthread_join(k, NULL);
	CHECK("threads-records-in-order", sh.user_errors == 0);
	CHECK("threads-all-released", sh.st.released == TOTAL &&
	      sh.st.invalid == 0 && sh.st.garbage == 0);
	CHECK("threads-no-buffer-lost", sh.ring.n_user == 0 &&
	      fpgadma_ring_n_queued(&sh.ring) == TCOUNT &&
	      sh.ring.completed == TOTAL);
	free(sh.mem);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_hostile();
	test_threads();
	printf("DONE: shring_test %d\n", checks);
	return failed ? 1 : 0;
}
