// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the fpgadma ring state machine (driver/fpgadma_ring.c,
 * compiled unchanged against tests/host/shim): every transition, every
 * illegal transition, and the configuration limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpgadma_ring.h"

static int failed, checks;

#define CHECK(name, cond)						\
	do {								\
		checks++;						\
		if (cond) {						\
			printf("PASS: ring:%s\n", name);		\
		} else {						\
			printf("FAIL: ring:%s: %s (line %d)\n", name,	\
			       #cond, __LINE__);			\
			failed++;					\
		}							\
	} while (0)

struct fixture {
	struct fpgadma_ring ring;
	void *mem;
};

static void setup(struct fixture *f, u32 count)
{
	f->mem = calloc(1, fpgadma_ring_mem_size(count));
	if (!f->mem) {
		perror("calloc");
		exit(1);
	}
	fpgadma_ring_init(&f->ring, count, f->mem);
}

static void teardown(struct fixture *f)
{
	free(f->mem);
}

static int states_are(const struct fpgadma_ring *r, u8 s)
{
	for (u32 i = 0; i < r->count; i++)
		if (r->state[i] != s)
			return 0;
	return 1;
}

static void test_start_stop(void)
{
	struct fixture f;
	u32 idx;

	setup(&f, 4);
	CHECK("init-idle", states_are(&f.ring, FPGADMA_BUF_IDLE) &&
	      !f.ring.streaming);
	CHECK("complete-idle-epipe",
	      fpgadma_ring_complete(&f.ring, 0, 1, 0, 1) == -EPIPE);
	CHECK("drop-idle-epipe", fpgadma_ring_drop(&f.ring, 1) == -EPIPE);
	idx = 0;
	CHECK("release-idle-epipe",
	      fpgadma_ring_release(&f.ring, &idx, 1) == -EPIPE);
	CHECK("dequeue-idle-enoent", fpgadma_ring_dequeue(&f.ring, &idx) == -ENOENT);
	CHECK("start", fpgadma_ring_start(&f.ring) == 0 &&
	      states_are(&f.ring, FPGADMA_BUF_QUEUED) &&
	      fpgadma_ring_n_queued(&f.ring) == 4);
	CHECK("start-twice-ebusy", fpgadma_ring_start(&f.ring) == -EBUSY);
	for (u32 i = 0; i < 4; i++) {
		fpgadma_ring_peek_queued(&f.ring, i, &idx);
		if (idx != i)
			break;
		if (i == 3)
			CHECK("queue-in-index-order", 1);
	}
	CHECK("peek-queued-beyond", fpgadma_ring_peek_queued(&f.ring, 4, &idx) == -ENOENT);
	fpgadma_ring_complete(&f.ring, 0, 10, 0, 5);
	fpgadma_ring_complete(&f.ring, 1, 10, 0, 6);
	fpgadma_ring_dequeue(&f.ring, &idx);
	CHECK("stop-returns-held", fpgadma_ring_stop(&f.ring) == 1);
	CHECK("stop-all-idle", states_are(&f.ring, FPGADMA_BUF_IDLE) &&
	      !fpgadma_ring_n_done(&f.ring) && !fpgadma_ring_n_queued(&f.ring) &&
	      f.ring.n_user == 0);
	CHECK("restart-seq-zero", fpgadma_ring_start(&f.ring) == 0 &&
	      fpgadma_ring_complete(&f.ring, 0, 1, 0, 1) == 0 &&
	      f.ring.meta[0].sequence == 0);
	teardown(&f);
}

static void test_complete_order(void)
{
	struct fixture f;
	u32 idx;

	setup(&f, 3);
	fpgadma_ring_start(&f.ring);
	CHECK("complete-out-of-order-einval",
	      fpgadma_ring_complete(&f.ring, 1, 1, 0, 1) == -EINVAL &&
	      f.ring.state[1] == FPGADMA_BUF_QUEUED &&
	      fpgadma_ring_n_queued(&f.ring) == 3);
	CHECK("complete-out-of-range-einval",
	      fpgadma_ring_complete(&f.ring, 7, 1, 0, 1) == -EINVAL);
	CHECK("complete-head", fpgadma_ring_complete(&f.ring, 0, 100, 0, 42) == 0 &&
	      f.ring.state[0] == FPGADMA_BUF_DONE &&
	      f.ring.meta[0].bytes_used == 100 &&
	      f.ring.meta[0].timestamp_ns == 42 && f.ring.completed == 1 &&
	      f.ring.bytes == 100);
	CHECK("complete-done-again-einval",
	      fpgadma_ring_complete(&f.ring, 0, 1, 0, 1) == -EINVAL);
	fpgadma_ring_complete(&f.ring, 1, 1, 1, 43);
	CHECK("error-flag-counted", f.ring.errors == 1 && f.ring.meta[1].flags == 1);
	fpgadma_ring_complete(&f.ring, 2, 1, 0, 44);
	CHECK("complete-empty-queue-einval",
	      fpgadma_ring_complete(&f.ring, 0, 1, 0, 1) == -EINVAL);
	CHECK("peek-done-order", fpgadma_ring_peek_done(&f.ring, 0, &idx) == 0 &&
	      idx == 0 && fpgadma_ring_peek_done(&f.ring, 2, &idx) == 0 &&
	      idx == 2 && fpgadma_ring_peek_done(&f.ring, 3, &idx) == -ENOENT);
	teardown(&f);
}

static void test_dequeue_release(void)
{
	struct fixture f;
	u32 idx, a[4];

	setup(&f, 4);
	fpgadma_ring_start(&f.ring);
	for (u32 i = 0; i < 3; i++)
		fpgadma_ring_complete(&f.ring, i, 1, 0, i);
	CHECK("dequeue-oldest", fpgadma_ring_dequeue(&f.ring, &idx) == 0 &&
	      idx == 0 && f.ring.state[0] == FPGADMA_BUF_USER &&
	      f.ring.n_user == 1 && f.ring.dequeued == 1);
	fpgadma_ring_dequeue(&f.ring, &idx);
	a[0] = 2;	/* done, not user */
	CHECK("release-done-einval", fpgadma_ring_release(&f.ring, a, 1) == -EINVAL &&
	      f.ring.state[2] == FPGADMA_BUF_DONE);
	a[0] = 3;	/* queued */
	CHECK("release-queued-einval", fpgadma_ring_release(&f.ring, a, 1) == -EINVAL);
	a[0] = 4;
	CHECK("release-out-of-range-einval",
	      fpgadma_ring_release(&f.ring, a, 1) == -EINVAL);
	a[0] = 0xffffffff;
	CHECK("release-u32max-einval",
	      fpgadma_ring_release(&f.ring, a, 1) == -EINVAL);
	a[0] = 0; a[1] = 1; a[2] = 0;
	CHECK("release-duplicate-einval-atomic",
	      fpgadma_ring_release(&f.ring, a, 3) == -EINVAL &&
	      f.ring.state[0] == FPGADMA_BUF_USER &&
	      f.ring.state[1] == FPGADMA_BUF_USER && f.ring.n_user == 2 &&
	      fpgadma_ring_n_queued(&f.ring) == 1 && f.ring.released == 0);
	a[0] = 1; a[1] = 3;
	CHECK("release-partly-bad-atomic",
	      fpgadma_ring_release(&f.ring, a, 2) == -EINVAL &&
	      f.ring.state[1] == FPGADMA_BUF_USER);
	CHECK("release-zero-ok", fpgadma_ring_release(&f.ring, a, 0) == 0);
	a[0] = 1; a[1] = 0;
	CHECK("release-batch", fpgadma_ring_release(&f.ring, a, 2) == 0 &&
	      f.ring.state[0] == FPGADMA_BUF_QUEUED &&
	      f.ring.state[1] == FPGADMA_BUF_QUEUED && f.ring.n_user == 0 &&
	      f.ring.released == 2);
	/* queue is now 3, 1, 0: the device fills in that order */
	CHECK("released-appended-in-order",
	      fpgadma_ring_peek_queued(&f.ring, 0, &idx) == 0 && idx == 3 &&
	      fpgadma_ring_peek_queued(&f.ring, 1, &idx) == 0 && idx == 1 &&
	      fpgadma_ring_peek_queued(&f.ring, 2, &idx) == 0 && idx == 0);
	CHECK("release-twice-einval", fpgadma_ring_release(&f.ring, a, 1) == -EINVAL);
	teardown(&f);
}

static void test_drops_and_sequence(void)
{
	struct fixture f;
	u32 idx;

	setup(&f, 2);
	fpgadma_ring_start(&f.ring);
	fpgadma_ring_complete(&f.ring, 0, 1, 0, 1);
	fpgadma_ring_drop(&f.ring, 3);
	fpgadma_ring_complete(&f.ring, 1, 1, 0, 2);
	CHECK("lost-before", f.ring.meta[0].lost_before == 0 &&
	      f.ring.meta[1].lost_before == 3);
	CHECK("sequence-counts-drops", f.ring.meta[0].sequence == 0 &&
	      f.ring.meta[1].sequence == 4 && f.ring.dropped == 3);
	fpgadma_ring_dequeue(&f.ring, &idx);
	fpgadma_ring_release(&f.ring, &idx, 1);
	fpgadma_ring_complete(&f.ring, 0, 1, 0, 3);
	CHECK("lost-reset-after-report", f.ring.meta[0].lost_before == 0 &&
	      f.ring.meta[0].sequence == 5);
	f.ring.pending_lost = 0xfffffff0;
	fpgadma_ring_drop(&f.ring, 0x100);
	CHECK("lost-saturates", f.ring.pending_lost == 0xffffffff &&
	      f.ring.dropped == 3 + 0x100);
	teardown(&f);
}

/* Many random legal and illegal operations against a simple model. */
static void test_random_walk(void)
{
	struct fixture f;
	unsigned int seed = 1;
	int ok = 1;

	setup(&f, 5);
	fpgadma_ring_start(&f.ring);
	for (int step = 0; step < 200000 && ok; step++) {
		u32 idx, op = rand_r(&seed) % 4, n[4] = { 0 };

		if (op == 0) {
			if (fpgadma_ring_peek_queued(&f.ring, 0, &idx) == 0)
				ok &= fpgadma_ring_complete(&f.ring, idx, 1, 0, step) == 0;
			else
				ok &= fpgadma_ring_drop(&f.ring, 1) == 0;
		} else if (op == 1) {
			fpgadma_ring_dequeue(&f.ring, &idx);
		} else {
			idx = rand_r(&seed) % 6;
			int held = idx < 5 && f.ring.state[idx] == FPGADMA_BUF_USER;

			ok &= fpgadma_ring_release(&f.ring, &idx, 1) == (held ? 0 : -EINVAL);
		}
		for (u32 i = 0; i < 5; i++)
			n[f.ring.state[i]]++;
		ok &= n[FPGADMA_BUF_QUEUED] == fpgadma_ring_n_queued(&f.ring) &&
		      n[FPGADMA_BUF_DONE] == fpgadma_ring_n_done(&f.ring) &&
		      n[FPGADMA_BUF_USER] == f.ring.n_user &&
		      n[FPGADMA_BUF_IDLE] == 0;
		ok &= f.ring.next_seq == f.ring.completed + f.ring.dropped;
	}
	CHECK("random-walk-invariants", ok);
	teardown(&f);
}

static void test_config_limits(void)
{
	struct fpgadma_ring_limits lim = {
		.page_size = 4096, .max_count = 1024,
		.max_size = 4 << 20, .max_total = 64ull << 20,
	};

	CHECK("config-ok", fpgadma_ring_check_config(&lim, 16, 4096) == 0);
	CHECK("config-max-ok", fpgadma_ring_check_config(&lim, 16, 4 << 20) == 0);
	CHECK("config-count-zero", fpgadma_ring_check_config(&lim, 0, 4096) == -EINVAL);
	CHECK("config-count-over", fpgadma_ring_check_config(&lim, 1025, 4096) == -EINVAL);
	CHECK("config-size-zero", fpgadma_ring_check_config(&lim, 1, 0) == -EINVAL);
	CHECK("config-size-unaligned", fpgadma_ring_check_config(&lim, 1, 4097) == -EINVAL);
	CHECK("config-size-over", fpgadma_ring_check_config(&lim, 1, (4 << 20) + 4096) == -EINVAL);
	CHECK("config-total-over", fpgadma_ring_check_config(&lim, 17, 4 << 20) == -EINVAL);
	lim.max_count = 0xffffffff;
	lim.max_size = 0xfffff000;
	CHECK("config-no-32bit-wrap",
	      fpgadma_ring_check_config(&lim, 0x100000, 0x1000) == -EINVAL &&
	      fpgadma_ring_check_config(&lim, 0xffffffff, 0xfffff000) == -EINVAL);
}

int main(void)
{
	test_start_stop();
	test_complete_order();
	test_dequeue_release();
	test_drops_and_sequence();
	test_random_walk();
	test_config_limits();
	/* Only here: scripts/check.d/lib.sh run_test fails a run without it. */
	printf("DONE: ring_test %d\n", checks);
	return failed ? 1 : 0;
}
