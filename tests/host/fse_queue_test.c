// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the stream engine's host-side rings
 * (driver/fpgadma_fse_queue.c, compiled unchanged): descriptor posting and
 * ring-full, phase-bit parsing across many wraps, free-running index
 * wrap-around at 2^32, clamping of bogus lengths, and entries beyond the
 * tail. A tiny device model plays the other side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpgadma_fse_queue.h"

static int failed, checks;

#define CHECK(name, cond)						\
	do {								\
		checks++;						\
		if (cond) {						\
			printf("PASS: fse:%s\n", name);			\
		} else {						\
			printf("FAIL: fse:%s: %s (line %d)\n", name,	\
			       #cond, __LINE__);			\
			failed++;					\
		}							\
	} while (0)

#define SIZE 8

struct rig {
	struct fse_desc desc[SIZE];
	struct fse_cpl cpl[SIZE];
	u32 owner[SIZE];
	struct fse_queue q;
	u32 dev_head;		/* the device's completion count */
};

static u32 phase_of(u32 count)
{
	return (count / SIZE) & 1 ? 0 : FSE_CPL_PHASE;
}

static void rig_init(struct rig *r, u32 start)
{
	memset(r, 0, sizeof(*r));
	fse_queue_init(&r->q, SIZE, r->desc, r->cpl, r->owner);
	/*
	 * Start the free-running counters anywhere, e.g. near 2^32, with the
	 * completion ring as the device would have left it: slots before
	 * the start written on this pass, the others on the previous one.
	 */
	r->q.head = r->q.tail = r->dev_head = start;
	for (u32 s = 0; s < SIZE; s++)
		r->cpl[s].flags = s < (start & (SIZE - 1)) ? phase_of(start) :
				  phase_of(start - SIZE);
}

/* The device completes its next descriptor. */
static void dev_complete(struct rig *r, u32 bytes, u32 lost, u32 flags)
{
	u32 slot = r->dev_head & (SIZE - 1);
	u32 phase = phase_of(r->dev_head);

	r->cpl[slot].bytes = bytes;
	r->cpl[slot].lost = lost;
	r->cpl[slot].sequence = 0x5e000000 + r->dev_head;
	r->cpl[slot].flags = flags | phase;
	r->dev_head++;
}

static void test_post_and_full(void)
{
	struct rig r;
	int ok = 1;

	rig_init(&r, 0);
	for (u32 i = 0; i < SIZE; i++)
		ok &= fse_queue_post(&r.q, 100 + i, 0x1000ULL * i, 4096) == 0;
	CHECK("post-fills-ring", ok && fse_queue_pending(&r.q) == SIZE);
	CHECK("post-full-enospc", fse_queue_post(&r.q, 1, 0, 4096) == -ENOSPC &&
	      r.q.tail == SIZE);
	CHECK("descriptor-contents", r.desc[3].addr == 0x3000 &&
	      r.desc[3].len == 4096 && r.desc[3].reserved == 0 &&
	      r.owner[3] == 103);
}

static void test_poll_empty_and_stale(void)
{
	struct rig r;
	struct fse_event ev;

	rig_init(&r, 0);
	CHECK("poll-nothing-posted", !fse_queue_poll(&r.q, &ev));
	fse_queue_post(&r.q, 7, 0x1000, 4096);
	CHECK("poll-not-yet-written", !fse_queue_poll(&r.q, &ev));
	/* A device that writes beyond what was posted is ignored. */
	dev_complete(&r, 10, 0, 0);
	dev_complete(&r, 10, 0, 0);
	CHECK("poll-first", fse_queue_poll(&r.q, &ev) && ev.index == 7);
	CHECK("poll-beyond-tail-ignored", !fse_queue_poll(&r.q, &ev));
}

static void test_fields(void)
{
	struct rig r;
	struct fse_event ev;

	rig_init(&r, 0);
	fse_queue_post(&r.q, 1, 0, 4096);
	fse_queue_post(&r.q, 2, 0, 4096);
	dev_complete(&r, 1000, 5, FSE_CPL_SHORT);
	dev_complete(&r, 999999, 0, FSE_CPL_ERROR | 0x80);
	CHECK("parse-short-lost", fse_queue_poll(&r.q, &ev) && ev.index == 1 &&
	      ev.bytes == 1000 && ev.lost == 5 && ev.flags == FSE_CPL_SHORT);
	CHECK("parse-sequence", ev.sequence == 0x5e000000);
	CHECK("clamp-bytes-to-len-and-mask-flags",
	      fse_queue_poll(&r.q, &ev) && ev.index == 2 && ev.bytes == 4096 &&
	      ev.flags == FSE_CPL_ERROR);
}

/* A small deterministic generator (xorshift32): reproducible runs. */
static u32 rng_state = 1;

static u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Many passes over the ring, with the counters crossing 2^32. */
static void test_wrap(u32 start, const char *name)
{
	struct rig r;
	struct fse_event ev;
	u32 next_owner = 0, expect = 0;
	int ok = 1;

	rig_init(&r, start);
	for (int round = 0; round < 1000 && ok; round++) {
		u32 posts = rng() % (SIZE + 1);
		u32 done = 0;

		while (posts-- && fse_queue_post(&r.q, next_owner, 0, 64) == 0)
			next_owner++;
		/* The device completes some of what is outstanding. */
		u32 out = r.q.tail - r.dev_head;
		u32 n = out ? rng() % (out + 1) : 0;

		for (u32 i = 0; i < n; i++)
			dev_complete(&r, 64, 0, 0);
		while (fse_queue_poll(&r.q, &ev)) {
			ok &= ev.index == expect++;
			done++;
		}
		ok &= done == n && r.q.head == r.dev_head;
	}
	CHECK(name, ok && expect > 1000);
}

int main(void)
{
	test_post_and_full();
	test_poll_empty_and_stale();
	test_fields();
	test_wrap(0, "wrap-many-passes");
	test_wrap(0xfffffff0u, "wrap-counter-2^32");
	test_wrap(0xfffffff3u, "wrap-counter-2^32-unaligned");
	/* Only here: scripts/check.d/lib.sh run_test fails a run without it. */
	printf("DONE: fse_queue_test %d\n", checks);
	return failed ? 1 : 0;
}
