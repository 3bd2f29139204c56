// SPDX-License-Identifier: GPL-2.0-only
/*
 * Subcommands "shared" and "shared-long": the shared completion and release
 * rings (FPGADMA_CAP_SHARED) on the stream engine's software model. A
 * verified stream through the rings, and every hostile case: an index not
 * held, repeated, out of range, a garbage producer, overruns, two threads
 * producing at once, a forked child scribbling, munmap while streaming,
 * stop/start and SET_RING while mapped, removal while mapped, reserved
 * fields. Each must be refused or counted, never lose a buffer, never oops.
 * "shared-long" streams >= 100k buffers, word by word, with exact drop
 * accounting (guest.sh runs it in one VM run only).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define MIX		0x9e3779b97f4a7c15ULL
#define LONG_BUFFERS	100000

struct sctx {
	char path[64];
	char knobs[128];
	int fd;
	struct fpgadma_info info;
	struct fpgadma_shm_info si;
	uint8_t *ring;
	uint8_t *ctrl;
	uint32_t mask;
	uint32_t ccons;		/* our completion consumer */
	uint32_t rprod;		/* our release producer */
	uint64_t next_seq;
	uint64_t lost_sum;
	uint64_t records;
	uint64_t kicks;		/* KICK calls the release path made */
};

static uint32_t *cu32(struct sctx *c, uint32_t off)
{
	return (uint32_t *)(c->ctrl + off);
}

static const struct fpgadma_shm_counters *ccnt(struct sctx *c)
{
	return (const struct fpgadma_shm_counters *)(c->ctrl +
						     c->si.counters_off);
}

static uint64_t cnt_of(const volatile __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

#define CNT(c, f) cnt_of(&ccnt(c)->f)

static bool knob(struct sctx *c, const char *name, unsigned long val)
{
	char path[192], text[32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", c->knobs, name);
	snprintf(text, sizeof(text), "%lu\n", val);
	err = write_file_errno(path, text);
	return err ? failf("write %lu to %s: %s", val, path, errname(err))
		   : true;
}

static bool shm_info(int fd, struct fpgadma_shm_info *si)
{
	memset(si, 0xa5, sizeof(*si));
	return EXPECT_OK(ioctl(fd, FPGADMA_IOC_SHM_INFO, si), "SHM_INFO");
}

static void *map_ctrl(int fd, const struct fpgadma_shm_info *si)
{
	void *p = mmap(NULL, si->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, (off_t)si->mmap_offset);

	if (p == MAP_FAILED) {
		failf("mmap control area: %s", errname(errno));
		return NULL;
	}
	return p;
}

/* Open the model, set the ring, map ring and control area; no start. */
static bool s_prepare(struct sctx *c, uint32_t count, unsigned long rate)
{
	char dev[16];

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!find_stream_dev(dev, sizeof(dev)))
		return false;
	snprintf(c->path, sizeof(c->path), "/dev/%s", dev);
	if (!model_knob_dir(dev, c->knobs, sizeof(c->knobs)))
		return false;
	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0)
		return false;
	if (!set_ring(c->fd, count, page_bytes()) || !get_info(c->fd, &c->info) ||
	    !set_timeout(c->fd, 3000) || !knob(c, "rate", rate) ||
	    !knob(c, "fill", 2))
		return false;
	if (!(c->info.caps & FPGADMA_CAP_SHARED))
		return failf("caps 0x%x lack FPGADMA_CAP_SHARED", c->info.caps);
	if (!shm_info(c->fd, &c->si))
		return false;
	c->mask = c->si.comp_entries - 1;
	c->ring = map_ring(c->fd, &c->info);
	if (!c->ring)
		return false;
	c->ctrl = map_ctrl(c->fd, &c->si);
	return c->ctrl != NULL;
}

static void s_reset(struct sctx *c)
{
	c->ccons = c->rprod = 0;
	c->next_seq = c->lost_sum = c->records = c->kicks = 0;
}

static bool s_start(struct sctx *c)
{
	struct fpgadma_shm_start st = { 0 };

	s_reset(c);
	return EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_SHM_START, &st),
			 "SHM_START");
}

static bool s_open(struct sctx *c, uint32_t count, unsigned long rate)
{
	return s_prepare(c, count, rate) && s_start(c);
}

static void s_close(struct sctx *c)
{
	if (c->ctrl)
		munmap(c->ctrl, c->si.mmap_size);
	if (c->ring)
		munmap(c->ring, ring_bytes(&c->info));
	if (c->fd >= 0) {
		ioctl(c->fd, FPGADMA_IOC_STOP);
		close(c->fd);
	}
	c->ctrl = c->ring = NULL;
	c->fd = -1;
	knob(c, "rate", 0);
	knob(c, "fill", 2);
}

static long kick(int fd, uint32_t flags, uint32_t reserved)
{
	struct fpgadma_shm_kick k = { .flags = flags, .reserved = reserved };

	return ioctl(fd, FPGADMA_IOC_SHM_KICK, &k);
}

/* Produce indices into the release ring; kick only if asked to. */
static bool s_release_n(struct sctx *c, const uint32_t *index, uint32_t n)
{
	uint32_t *slots = cu32(c, c->si.rel_ring_off);
	uint32_t i;

	for (i = 0; i < n; i++)
		slots[(c->rprod + i) & (c->si.rel_entries - 1)] = index[i];
	c->rprod += n;
	/* (C) */
	__atomic_store_n(cu32(c, c->si.rel_prod_off), c->rprod,
			 __ATOMIC_RELEASE);
	/* (G) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(cu32(c, c->si.flags_off), __ATOMIC_RELAXED) &
	    FPGADMA_SHM_NEED_WAKEUP) {
		c->kicks++;
		return EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK");
	}
	return true;
}

static bool s_release(struct sctx *c, uint32_t index)
{
	return s_release_n(c, &index, 1);
}

/* Records waiting in the completion ring. */
static uint32_t s_avail(struct sctx *c)
{
	return __atomic_load_n(cu32(c, c->si.comp_prod_off),
			       __ATOMIC_ACQUIRE) - c->ccons;
}

/*
 * Take the next record: from the ring if one is there, else wait in
 * SHM_KICK (the file's 3 s timeout bounds it). advance: store comp_cons.
 */
static bool s_next(struct sctx *c, struct fpgadma_record *r, bool advance)
{
	const struct fpgadma_record *comp =
		(const void *)(c->ctrl + c->si.comp_ring_off);
	uint32_t prod;

	for (;;) {
		/* (B) */
		prod = __atomic_load_n(cu32(c, c->si.comp_prod_off),
				       __ATOMIC_ACQUIRE);
		if (prod != c->ccons)
			break;
		if (kick(c->fd, FPGADMA_KICK_WAIT, 0) < 0)
			return failf("SHM_KICK(WAIT) with %u records taken: %s",
				     c->ccons, errname(errno));
	}
	if (prod - c->ccons > c->si.comp_entries)
		return failf("completion producer %u, consumer %u: more than %u",
			     prod, c->ccons, c->si.comp_entries);
	*r = comp[c->ccons & c->mask];
	c->ccons++;
	if (advance)
		/* (F) */
		__atomic_store_n(cu32(c, c->si.comp_cons_off), c->ccons,
				 __ATOMIC_RELEASE);
	return true;
}

static bool s_check(struct sctx *c, const struct fpgadma_record *r, bool full)
{
	const uint64_t *w;
	uint32_t k;

	if (r->index >= c->info.buf_count)
		return failf("record index %u out of range", r->index);
	if (r->sequence != c->next_seq + r->lost_before)
		return failf("sequence %llu, expected %llu + lost %u",
			     (unsigned long long)r->sequence,
			     (unsigned long long)c->next_seq, r->lost_before);
	c->next_seq = r->sequence + 1;
	c->lost_sum += r->lost_before;
	c->records++;
	if (r->flags & FPGADMA_REC_ERROR)
		return failf("record %llu flagged with an error",
			     (unsigned long long)r->sequence);
	if (r->bytes_used != c->info.buf_size)
		return failf("bytes_used %u, expected %u", r->bytes_used,
			     c->info.buf_size);
	w = (const uint64_t *)(c->ring + (size_t)r->index * c->info.buf_size);
	if (w[0] != r->sequence)
		return failf("buffer %u word 0 is %llu, record says %llu",
			     r->index, (unsigned long long)w[0],
			     (unsigned long long)r->sequence);
	for (k = 1; full && k < r->bytes_used / 8; k++)
		if (w[k] != (r->sequence ^ (k * MIX)))
			return failf("buffer %u (seq %llu) word %u corrupt",
				     r->index, (unsigned long long)r->sequence, k);
	return true;
}

/*
 * Stream n records through the rings, checking each: wait for one, take
 * what else is there, release the batch with one producer store (and at
 * most one kick), as an AF_XDP consumer does.
 */
static bool s_pump(struct sctx *c, uint64_t n, bool full)
{
	struct fpgadma_record r = { 0 };
	uint32_t idx[256];
	uint64_t done = 0;

	while (done < n) {
		uint32_t k = 0;

		do {
			if (!s_next(c, &r, true) || !s_check(c, &r, full))
				return false;
			idx[k++] = r.index;
		} while (k < 256 && done + k < n && s_avail(c));
		if (!s_release_n(c, idx, k))
			return false;
		done += k;
	}
	return true;
}

/* No buffer lost: the device, the driver and the user hold them all. */
static bool s_accounted(struct sctx *c, const char *when)
{
	struct fpgadma_stats st;

	if (!get_stats(c->fd, &st))
		return false;
	if (st.queued + st.done + st.user != c->info.buf_count)
		return failf("%s: queued %u + done %u + user %u != %u buffers",
			     when, st.queued, st.done, st.user,
			     c->info.buf_count);
	if (st.done)
		return failf("%s: %u buffers done in shared mode", when, st.done);
	return true;
}

static bool wait_cnt(struct sctx *c, const volatile __u64 *p, uint64_t want,
		     const char *what)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (cnt_of(p) >= want)
			return true;
		kick(c->fd, 0, 0);
		sleep_ms(10);
	}
	return failf("counter %s is %llu, expected >= %llu", what,
		     (unsigned long long)cnt_of(p), (unsigned long long)want);
}

/* ---- the subtests ------------------------------------------------------- */

static bool t_layout(void *arg)
{
	struct sctx *c = arg;
	const struct fpgadma_shm_info *si = &c->si;
	uint32_t off[] = { si->comp_prod_off, si->comp_cons_off,
			   si->rel_prod_off, si->rel_cons_off, si->flags_off };
	size_t i;
	bool ok;

	ok = s_prepare(c, 24, 0);
	if (!ok)
		goto out;
	si = &c->si;
	off[0] = si->comp_prod_off;
	off[1] = si->comp_cons_off;
	off[2] = si->rel_prod_off;
	off[3] = si->rel_cons_off;
	off[4] = si->flags_off;
	if (si->mmap_offset != FPGADMA_MMAP_CTRL_BASE ||
	    si->mmap_size % c->info.page_size)
		ok = failf("mmap offset 0x%llx size %llu",
			   (unsigned long long)si->mmap_offset,
			   (unsigned long long)si->mmap_size);
	else if (si->comp_entries != 32 || si->rel_entries != 32)
		ok = failf("%u/%u entries for 24 buffers, expected 32",
			   si->comp_entries, si->rel_entries);
	else if (si->comp_ring_off + 32ull * sizeof(struct fpgadma_record) >
		 si->rel_ring_off ||
		 si->rel_ring_off + 32ull * 4 > si->mmap_size ||
		 si->counters_off + sizeof(struct fpgadma_shm_counters) >
		 si->comp_ring_off)
		ok = failf("rings overlap or beyond the area");
	for (i = 0; ok && i < 5; i++)
		if (off[i] % 4 || off[i] + 4 > si->counters_off)
			ok = failf("index %zu at %u", i, off[i]);
	for (i = 0; ok && i < 4; i++)
		if (si->reserved[i])
			ok = failf("reserved[%zu] = 0x%llx", i,
				   (unsigned long long)si->reserved[i]);
out:
	s_close(c);
	return ok;
}

static bool t_stream(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_stats st0, st1;
	bool ok;

	ok = s_prepare(c, 32, 0) && get_stats(c->fd, &st0) && s_start(c) &&
	     s_pump(c, 3000, true) && s_accounted(c, "after 3000") &&
	     get_stats(c->fd, &st1);
	if (ok && (CNT(c, invalid) || CNT(c, garbage) || CNT(c, overrun)))
		ok = failf("invalid %llu garbage %llu overrun %llu",
			   (unsigned long long)CNT(c, invalid),
			   (unsigned long long)CNT(c, garbage),
			   (unsigned long long)CNT(c, overrun));
	if (ok && CNT(c, produced) < 3000)
		ok = failf("produced %llu < 3000",
			   (unsigned long long)CNT(c, produced));
	if (ok && c->lost_sum)
		ok = failf("%llu buffers lost with flow control",
			   (unsigned long long)c->lost_sum);
	if (ok && st1.dequeued - st0.dequeued < 3000)
		ok = failf("stats.dequeued moved by %llu",
			   (unsigned long long)(st1.dequeued - st0.dequeued));
	/* Steady state: at most one kick per batch, never one per buffer. */
	if (ok && c->kicks * 4 > 3000)
		ok = failf("%llu kicks for 3000 buffers",
			   (unsigned long long)c->kicks);
	s_close(c);
	return ok;
}

/* Release a bad index; it must be counted and change nothing. */
static bool bad_release(struct sctx *c, uint32_t index, const char *what)
{
	struct fpgadma_stats st0, st1;
	uint64_t inv;

	/* Earlier releases consumed first: only the bad one is pending. */
	if (!EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK"))
		return false;
	inv = CNT(c, invalid);
	if (!get_stats(c->fd, &st0) || !s_release(c, index) ||
	    !EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") ||
	    !wait_cnt(c, &ccnt(c)->invalid, inv + 1, what) ||
	    !get_stats(c->fd, &st1))
		return false;
	if (st1.released != st0.released)
		return failf("%s: stats.released moved %llu -> %llu", what,
			     (unsigned long long)st0.released,
			     (unsigned long long)st1.released);
	return s_accounted(c, what);
}

static bool t_not_held(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r = { 0 };
	bool ok;

	/*
	 * 5 buffers a second: buffer 7, last in the device's queue, stays
	 * queued for over a second; the user does not hold it.
	 */
	ok = s_open(c, 8, 5) && bad_release(c, 7, "queued index") &&
	     s_next(c, &r, true) && s_check(c, &r, false) &&
	     bad_release(c, 6, "queued index") && s_release(c, r.index) &&
	     s_pump(c, 3, false);
	s_close(c);
	return ok;
}

static bool t_repeat(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r = { 0 };
	uint64_t inv = 0;
	bool ok;

	ok = s_open(c, 8, 0) && s_pump(c, 10, false) && s_next(c, &r, true) &&
	     s_check(c, &r, false);
	if (ok) {
		uint32_t twice[2] = { r.index, r.index };
		uint64_t rel;

		inv = CNT(c, invalid);
		rel = CNT(c, released);
		/* One producer store: the kernel sees both in one pass. */
		ok = s_release_n(c, twice, 2) &&
		     EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") &&
		     wait_cnt(c, &ccnt(c)->invalid, inv + 1, "invalid") &&
		     wait_cnt(c, &ccnt(c)->released, rel + 1, "released");
	}
	if (ok && CNT(c, invalid) != inv + 1)
		ok = failf("invalid moved by %llu, expected 1",
			   (unsigned long long)(CNT(c, invalid) - inv));
	ok = ok && s_accounted(c, "repeat") && s_pump(c, 20, false);
	s_close(c);
	return ok;
}

static bool t_out_of_range(void *arg)
{
	struct sctx *c = arg;
	bool ok;

	ok = s_open(c, 8, 0) && s_pump(c, 10, false) &&
	     bad_release(c, 8, "index 8 of 8") &&
	     bad_release(c, 0xffffffffu, "index 0xffffffff") &&
	     bad_release(c, 0x80000000u, "index 0x80000000") &&
	     s_pump(c, 10, false);
	s_close(c);
	return ok;
}

static bool t_garbage_prod(void *arg)
{
	struct sctx *c = arg;
	uint32_t *prod, *cons;
	uint64_t g, rel;
	bool ok;

	ok = s_open(c, 8, 0) && s_pump(c, 10, false);
	if (!ok)
		goto out;
	prod = cu32(c, c->si.rel_prod_off);
	cons = cu32(c, c->si.rel_cons_off);
	/* The earlier releases consumed first: the kernel is at our producer. */
	ok = EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK");
	if (ok && __atomic_load_n(cons, __ATOMIC_ACQUIRE) != c->rprod)
		ok = failf("after a kick the kernel's consumer is %u, ours %u",
			   *cons, c->rprod);
	if (!ok)
		goto out;
	g = CNT(c, garbage);
	rel = CNT(c, released);
	/* Far ahead, then "behind" (a huge unsigned distance). */
	__atomic_store_n(prod, c->rprod + c->si.rel_entries + 1,
			 __ATOMIC_RELEASE);
	ok = EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") &&
	     wait_cnt(c, &ccnt(c)->garbage, g + 1, "garbage");
	__atomic_store_n(prod, c->rprod - 1, __ATOMIC_RELEASE);
	ok = ok && EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") &&
	     wait_cnt(c, &ccnt(c)->garbage, g + 2, "garbage");
	if (ok && (CNT(c, released) != rel ||
		   __atomic_load_n(cons, __ATOMIC_ACQUIRE) != c->rprod))
		ok = failf("garbage producer consumed something: released %llu -> %llu, cons %u, ours %u",
			   (unsigned long long)rel,
			   (unsigned long long)CNT(c, released),
			   *cons, c->rprod);
	/* Sane again: the stream goes on. */
	__atomic_store_n(prod, c->rprod, __ATOMIC_RELEASE);
	ok = ok && s_accounted(c, "garbage") && s_pump(c, 20, false);
out:
	s_close(c);
	return ok;
}

/*
 * Completion ring overrun: a consumer that never stores comp_cons and
 * releases buffers anyway (it read the indices). Counted, nothing else.
 */
static bool t_overrun(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r = { 0 };
	uint32_t i;
	bool ok;

	ok = s_open(c, 8, 0);
	for (i = 0; ok && i < 40; i++)
		ok = s_next(c, &r, false) && s_check(c, &r, false) &&
		     s_release(c, r.index);
	ok = ok && wait_cnt(c, &ccnt(c)->overrun, 1, "overrun") &&
	     s_accounted(c, "overrun");
	s_close(c);
	return ok;
}

/*
 * Two threads produce into the release ring at once, uncoordinated but for
 * the room they leave: each writes only while the ring has room for both,
 * so the kernel never sees it overrun (that would be garbage, and every
 * later entry with it) and consumes every entry, refusing the bad ones. A
 * racer's lost update can move the producer back; the kernel counts that
 * as garbage until the producer passes its consumer again.
 */
struct racer {
	struct sctx *c;
	uint32_t base;
	int rounds;
};

static void *race_thread(void *arg)
{
	struct racer *t = arg;
	struct sctx *c = t->c;
	uint32_t *prod = cu32(c, c->si.rel_prod_off);
	uint32_t *cons = cu32(c, c->si.rel_cons_off);
	uint32_t *slots = cu32(c, c->si.rel_ring_off);
	uint32_t mask = c->si.rel_entries - 1;
	int32_t room = (int32_t)c->si.rel_entries - 2;
	int i = 0;

	while (i < t->rounds) {
		uint32_t p = __atomic_load_n(prod, __ATOMIC_RELAXED);
		int32_t used = (int32_t)(p - __atomic_load_n(cons,
							      __ATOMIC_ACQUIRE));

		if (used >= room) {
			kick(c->fd, 0, 0);
			continue;
		}
		slots[p & mask] = (t->base + (uint32_t)i) % c->info.buf_count;
		__atomic_store_n(prod, p + 1, __ATOMIC_RELEASE);
		if ((++i & 15) == 0)
			kick(c->fd, 0, 0);
	}
	return NULL;
}

static bool t_threads(void *arg)
{
	struct sctx *c = arg;
	struct racer t[2];
	pthread_t th[2];
	uint32_t taken = 0;
	struct fpgadma_record r = { 0 };
	bool ok;
	int i;

	ok = s_open(c, 16, 0);
	/* Hold some buffers so that some of the racers' indices are valid. */
	while (ok && taken < 12 && s_next(c, &r, true))
		taken++;
	ok = ok && taken == 12;
	/*
	 * The model then refills at most one buffer a second: a buffer the
	 * racers gave back stays with the device, so their repeats of its
	 * index must be refused (at full speed it may be back in time).
	 */
	ok = ok && knob(c, "rate", 1);
	for (i = 0; ok && i < 2; i++) {
		t[i] = (struct racer) { .c = c, .base = (uint32_t)i * 7,
					.rounds = 20000 };
		if (pthread_create(&th[i], NULL, race_thread, &t[i]))
			ok = failf("pthread_create failed");
	}
	for (i = 0; ok && i < 2; i++)
		pthread_join(th[i], NULL);
	ok = ok && EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") &&
	     s_accounted(c, "racing producers");
	if (ok && CNT(c, invalid) == 0)
		ok = failf("no release refused after 40000 racy entries");
	/* Start over: the whole ring is there again. */
	ok = ok && knob(c, "rate", 0) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
	     s_start(c) && s_pump(c, 100, true) && s_accounted(c, "restart");
	s_close(c);
	return ok;
}

/* A forked child (the mapping is shared) scribbles over the whole area. */
static bool t_fork(void *arg)
{
	struct sctx *c = arg;
	int status;
	pid_t pid;
	bool ok;

	ok = s_open(c, 16, 0) && s_pump(c, 50, false);
	if (!ok)
		goto out;
	pid = fork();
	if (pid < 0) {
		ok = failf("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		uint32_t *w = (uint32_t *)c->ctrl, seed = 12345;
		size_t i, n = c->si.mmap_size / 4;
		int round;

		for (round = 0; round < 50; round++) {
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				w[i] = round & 1 ? seed : seed % 20;
			}
			kick(c->fd, 0, 0);
		}
		_exit(0);
	}
	if (!wait_child(pid, 20000, &status) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ok = failf("scribbling child failed (status 0x%x)", status);
		goto out;
	}
	ok = EXPECT_OK(kick(c->fd, 0, 0), "SHM_KICK") &&
	     s_accounted(c, "after the child");
	if (ok && !CNT(c, invalid) && !CNT(c, garbage))
		ok = failf("the child's garbage was neither refused nor counted");
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
	     s_start(c) && s_pump(c, 100, true);
out:
	s_close(c);
	return ok;
}

static bool t_munmap_streaming(void *arg)
{
	struct sctx *c = arg;
	uint32_t held = 0;
	struct fpgadma_stats st;
	bool ok;

	ok = s_open(c, 16, 0) && s_pump(c, 30, false);
	if (!ok)
		goto out;
	ok = EXPECT_OK(munmap(c->ctrl, c->si.mmap_size), "munmap control");
	c->ctrl = NULL;
	/* The kernel goes on producing into its own memory. */
	sleep_ms(500);
	ok = ok && get_stats(c->fd, &st);
	if (ok)
		held = st.user;
	c->ctrl = ok ? map_ctrl(c->fd, &c->si) : NULL;
	ok = ok && c->ctrl;
	if (ok && __atomic_load_n(cu32(c, c->si.comp_prod_off),
				  __ATOMIC_ACQUIRE) - c->ccons != held)
		ok = failf("after remap: %u records waiting, %u buffers held",
			   *cu32(c, c->si.comp_prod_off) - c->ccons, held);
	ok = ok && s_pump(c, 50, true) && s_accounted(c, "remap");
out:
	s_close(c);
	return ok;
}

static bool t_stop_start_set_ring(void *arg)
{
	struct sctx *c = arg;
	bool ok;

	ok = s_open(c, 16, 0) && s_pump(c, 40, true) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") && s_start(c);
	if (ok && (*cu32(c, c->si.rel_cons_off) || CNT(c, produced) > 16))
		ok = failf("SHM_START did not reset: rel_cons %u produced %llu",
			   *cu32(c, c->si.rel_cons_off),
			   (unsigned long long)CNT(c, produced));
	ok = ok && s_pump(c, 40, true) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");
	/* The data ring unmapped, the control area still mapped: EBUSY. */
	if (ok) {
		munmap(c->ring, ring_bytes(&c->info));
		c->ring = NULL;
		ok = EXPECT_ERRNO(ioc_set_ring(c->fd, 8, page_bytes(), 0, 0), EBUSY,
				  "SET_RING with the control area mapped");
	}
	if (ok) {
		munmap(c->ctrl, c->si.mmap_size);
		c->ctrl = NULL;
		ok = EXPECT_OK(ioc_set_ring(c->fd, 8, page_bytes(), 0, 0),
			       "SET_RING once unmapped") &&
		     shm_info(c->fd, &c->si);
		if (ok && c->si.comp_entries != 8)
			ok = failf("%u entries after SET_RING 8",
				   c->si.comp_entries);
	}
	s_close(c);
	return ok;
}

static bool t_modes(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r, buf[2];
	struct fpgadma_exchange ex;
	struct fpgadma_shm_start st = { 0 };
	uint32_t idx;
	int fd2 = -1;
	bool ok;

	/* 5 buffers a second: a released buffer is not refilled at once. */
	ok = s_open(c, 8, 5) && s_next(c, &r, true);
	if (!ok)
		goto out;
	ok = EXPECT_ERRNO(read(c->fd, buf, sizeof(buf)), EINVAL,
			  "read() in shared mode");
	memset(&ex, 0, sizeof(ex));
	ex.records = (uintptr_t)buf;
	ex.record_max = 2;
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_EXCHANGE, &ex), EINVAL,
				"EXCHANGE in shared mode");
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_START), EBUSY,
				"START in shared mode");
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_SHM_START, &st),
			     "SHM_START again");
	/* RELEASE works in shared mode, with its checks. */
	idx = r.index;
	ok = ok && EXPECT_OK(ioc_release(c->fd, &idx, 1, 0), "RELEASE") &&
	     EXPECT_ERRNO(ioc_release(c->fd, &idx, 1, 0), EINVAL,
			  "RELEASE of a released buffer");
	fd2 = ok ? dev_open(c->path, O_RDWR) : -1;
	ok = ok && fd2 >= 0 &&
	     EXPECT_ERRNO(ioctl(fd2, FPGADMA_IOC_SHM_START, &st), EBUSY,
			  "SHM_START while another file streams") &&
	     EXPECT_ERRNO(kick(fd2, 0, 0), EBUSY, "KICK from another file");
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
	     EXPECT_ERRNO(kick(c->fd, 0, 0), EINVAL, "KICK when stopped") &&
	     EXPECT_OK(ioctl(fd2, FPGADMA_IOC_START), "START in record mode") &&
	     EXPECT_ERRNO(kick(fd2, 0, 0), EINVAL, "KICK in record mode") &&
	     EXPECT_ERRNO(ioctl(fd2, FPGADMA_IOC_SHM_START, &st), EBUSY,
			  "SHM_START in record mode");
out:
	if (fd2 >= 0)
		close(fd2);
	s_close(c);
	return ok;
}

static bool t_wait(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r[4];
	struct pollfd p;
	uint64_t t0, kicks;
	int fl, i;
	bool ok;

	/* A starved device: rate 0 and every buffer held. */
	ok = s_open(c, 4, 0) && s_pump(c, 8, false);
	for (i = 0; ok && i < 400 && s_avail(c) != 4; i++)
		sleep_ms(5);
	if (ok && s_avail(c) != 4)
		ok = failf("%u records waiting, expected all 4", s_avail(c));
	/* Consume all four; hold them. */
	for (i = 0; ok && i < 4; i++)
		ok = s_next(c, &r[i], true) && s_check(c, &r[i], false);
	if (!ok)
		goto out;
	if (!(*cu32(c, c->si.flags_off) & FPGADMA_SHM_NEED_WAKEUP))
		ok = failf("device owns no buffer but NEED_WAKEUP is clear");
	p = (struct pollfd) { .fd = c->fd, .events = POLLIN };
	ok = ok && EXPECT_OK(poll(&p, 1, 0), "poll");
	if (ok && p.revents)
		ok = failf("poll revents 0x%x with an empty ring", p.revents);
	fl = fcntl(c->fd, F_GETFL);
	ok = ok && EXPECT_OK(fcntl(c->fd, F_SETFL, fl | O_NONBLOCK), "O_NONBLOCK") &&
	     EXPECT_ERRNO(kick(c->fd, FPGADMA_KICK_WAIT, 0), EAGAIN,
			  "KICK(WAIT) nonblocking, empty") &&
	     EXPECT_OK(fcntl(c->fd, F_SETFL, fl), "blocking again") &&
	     set_timeout(c->fd, 200);
	t0 = now_ns();
	ok = ok && EXPECT_ERRNO(kick(c->fd, FPGADMA_KICK_WAIT, 0), ETIMEDOUT,
				"KICK(WAIT) timeout");
	if (ok && now_ns() - t0 < 150000000ull)
		ok = failf("KICK(WAIT) returned after %llu ns",
			   (unsigned long long)(now_ns() - t0));
	/* One release, kicked by NEED_WAKEUP: a record comes, poll sees it. */
	kicks = c->kicks;
	ok = ok && set_timeout(c->fd, 3000) && s_release(c, r[0].index);
	if (ok && c->kicks != kicks + 1)
		ok = failf("NEED_WAKEUP set, but the release made %llu kicks",
			   (unsigned long long)(c->kicks - kicks));
	ok = ok && EXPECT_OK(poll(&p, 1, 3000), "poll");
	if (ok && !(p.revents & POLLIN))
		ok = failf("poll revents 0x%x after a release", p.revents);
out:
	s_close(c);
	return ok;
}

static bool t_reserved(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_shm_start st;
	size_t pg;
	void *p;
	bool ok;

	ok = s_prepare(c, 8, 0);
	if (!ok)
		goto out;
	pg = c->info.page_size;
	st = (struct fpgadma_shm_start) { .flags = 1 };
	ok = EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SHM_START, &st), EINVAL,
			  "SHM_START flags 1");
	st = (struct fpgadma_shm_start) { .reserved = 1 };
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SHM_START, &st),
				EINVAL, "SHM_START reserved 1");
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SHM_START, NULL),
				EFAULT, "SHM_START NULL");
	ok = ok && EXPECT_ERRNO(kick(c->fd, 0, 0), EINVAL, "KICK not streaming");
	ok = ok && s_start(c) &&
	     EXPECT_ERRNO(kick(c->fd, 2, 0), EINVAL, "KICK flags 2") &&
	     EXPECT_ERRNO(kick(c->fd, 0, 1), EINVAL, "KICK reserved 1") &&
	     EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SHM_KICK, NULL), EFAULT,
			  "KICK NULL") &&
	     EXPECT_ERRNO(ioctl(c->fd, _IOW(FPGADMA_IOC_MAGIC, 0x0b, uint32_t), 0),
			  ENOTTY, "KICK with the wrong size");
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, c->fd,
		 (off_t)c->si.mmap_offset);
	ok = ok && EXPECT_ERRNO(p == MAP_FAILED ? -1 : 0, EINVAL,
				"private mapping of the control area");
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, c->fd,
		 (off_t)(c->si.mmap_offset + c->si.mmap_size));
	ok = ok && EXPECT_ERRNO(p == MAP_FAILED ? -1 : 0, EINVAL,
				"mapping past the control area");
	p = mmap(NULL, c->si.mmap_size + pg, PROT_READ, MAP_SHARED, c->fd,
		 (off_t)c->si.mmap_offset);
	ok = ok && EXPECT_ERRNO(p == MAP_FAILED ? -1 : 0, EINVAL,
				"mapping longer than the control area");
	p = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_SHARED, c->fd,
		 (off_t)c->si.mmap_offset);
	ok = ok && EXPECT_ERRNO(p == MAP_FAILED ? -1 : 0, EINVAL,
				"executable mapping of the control area");
	ok = ok && s_pump(c, 10, false);
out:
	s_close(c);
	return ok;
}

/* ---- removal while mapped ----------------------------------------------- */

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static bool touch_sigbus(volatile uint32_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		*p = 7;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static bool t_unbind(void *arg)
{
	struct sctx *c = arg;
	struct binding b;
	char dev[16], node[64];
	uint32_t prod;
	size_t i;
	bool ok;

	ok = s_open(c, 16, 0) && s_pump(c, 30, false) &&
	     find_stream_dev(dev, sizeof(dev)) && dev_binding(dev, &b);
	if (!ok)
		goto out;
	/* Releases in flight when the device goes. */
	s_release(c, 0);
	if (binding_unbind(&b))
		ok = failf("unbind failed");
	/*
	 * The buffers (DMA memory) are gone: every page of their mapping
	 * faults. The control area is kernel memory the mapping holds: it
	 * stays, frozen, asking for a kick, so a consumer polling it learns
	 * of the removal from ENODEV, not from SIGBUS.
	 */
	for (i = 0; ok && i < ring_bytes(&c->info); i += c->info.page_size)
		if (!touch_sigbus((uint32_t *)(c->ring + i)))
			ok = failf("ring at %zu writable after unbind", i);
	prod = ok ? __atomic_load_n(cu32(c, c->si.comp_prod_off),
				    __ATOMIC_ACQUIRE) : 0;
	if (ok && *cu32(c, c->si.flags_off) !=
		  (FPGADMA_SHM_NEED_WAKEUP | FPGADMA_SHM_GONE))
		ok = failf("flags %#x after unbind, want NEED_WAKEUP | GONE",
			   *cu32(c, c->si.flags_off));
	/* The last word of each page: past the header, in no index. */
	for (i = c->info.page_size; ok && i <= c->si.mmap_size;
	     i += c->info.page_size)
		if (touch_sigbus((uint32_t *)(c->ctrl + i) - 1))
			ok = failf("control area page at %zu faults after unbind",
				   i - c->info.page_size);
	ok = ok && EXPECT_ERRNO(kick(c->fd, 0, 0), ENODEV, "KICK after unbind");
	ok = ok && EXPECT_ERRNO(kick(c->fd, FPGADMA_KICK_WAIT, 0), ENODEV,
				"waiting KICK after unbind");
	usleep(50000);
	if (ok && *cu32(c, c->si.comp_prod_off) != prod)
		ok = failf("comp_prod moved after unbind (%u, then %u)", prod,
			   *cu32(c, c->si.comp_prod_off));
	ok = ok && EXPECT_OK(munmap(c->ctrl, c->si.mmap_size), "munmap");
	c->ctrl = NULL;
	munmap(c->ring, ring_bytes(&c->info));
	c->ring = NULL;
	close(c->fd);
	c->fd = -1;
	if (binding_bind(&b))
		ok = failf("bind failed");
	ok = ok && wait_binding_node(&b, node, sizeof(node), 5000);
	/* It streams again. */
	ok = ok && s_open(c, 16, 0) && s_pump(c, 30, true);
out:
	s_close(c);
	return ok;
}

/* ---- the long stream ---------------------------------------------------- */

/*
 * LONG_BUFFERS through the rings, every word checked, with the model
 * producing at a fixed rate a slow phase cannot keep up with: every drop
 * must show up as lost_before, exactly as the model counted it.
 */
static bool t_long(void *arg)
{
	struct sctx *c = arg;
	char path[192], text[32];
	uint64_t dropped0, dropped1, kicks;
	struct fpgadma_stats st0, st1;
	FILE *f;
	bool ok;

	ok = s_prepare(c, 64, 0);
	snprintf(path, sizeof(path), "%s/dropped", c->knobs);
	f = ok ? fopen(path, "r") : NULL;
	ok = ok && f && fgets(text, sizeof(text), f);
	if (f)
		fclose(f);
	if (!ok) {
		failf("read %s", path);
		goto out;
	}
	dropped0 = strtoull(text, NULL, 10);
	ok = get_stats(c->fd, &st0) && s_start(c) &&
	     s_pump(c, LONG_BUFFERS / 2, true);
	/* Then a rate-limited phase with a slow spell: drops happen. */
	ok = ok && knob(c, "rate", 20000);
	if (ok) {
		struct fpgadma_record r = { 0 };
		uint64_t i;

		for (i = 0; ok && i < LONG_BUFFERS / 2; i++) {
			ok = s_next(c, &r, true) && s_check(c, &r, true);
			if (ok && i % 5000 == 0)
				sleep_ms(50);
			ok = ok && s_release(c, r.index);
		}
	}
	kicks = c->kicks;
	/*
	 * Flow control again (no more drops), and a few more buffers: the
	 * first record after the switch reports the drops still pending.
	 */
	ok = ok && knob(c, "rate", 0) && s_pump(c, 128, true) &&
	     get_stats(c->fd, &st1);
	f = ok ? fopen(path, "r") : NULL;
	ok = ok && f && fgets(text, sizeof(text), f);
	if (f)
		fclose(f);
	if (!ok)
		goto out;
	dropped1 = strtoull(text, NULL, 10);
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");
	if (!ok)
		goto out;
	if (c->lost_sum != dropped1 - dropped0)
		ok = failf("records report %llu lost, the model dropped %llu",
			   (unsigned long long)c->lost_sum,
			   (unsigned long long)(dropped1 - dropped0));
	else if (st1.dropped - st0.dropped != dropped1 - dropped0)
		ok = failf("the driver counted %llu drops, the model %llu",
			   (unsigned long long)(st1.dropped - st0.dropped),
			   (unsigned long long)(dropped1 - dropped0));
	else if (CNT(c, dropped) != c->lost_sum)
		ok = failf("counters.dropped %llu, records say %llu",
			   (unsigned long long)CNT(c, dropped),
			   (unsigned long long)c->lost_sum);
	else if (c->lost_sum == 0)
		ok = failf("no drop in the slow spells: the test proves nothing");
	else if (c->records != LONG_BUFFERS + 128)
		ok = failf("%llu records", (unsigned long long)c->records);
	printf("shared-long: %llu records, %llu lost (model dropped %llu), %llu kicks\n",
	       (unsigned long long)c->records,
	       (unsigned long long)c->lost_sum,
	       (unsigned long long)(dropped1 - dropped0),
	       (unsigned long long)kicks);
out:
	s_close(c);
	return ok;
}

int cmd_shared(const char *dev)
{
	static struct sctx c;
	static const struct step steps[] = {
		{ "shared.layout", 30, t_layout, false, false },
		{ "shared.stream-3000-verified", 120, t_stream, false, false },
		{ "shared.index-not-held", 30, t_not_held, false, false },
		{ "shared.index-repeated", 30, t_repeat, false, false },
		{ "shared.index-out-of-range", 30, t_out_of_range, false, false },
		{ "shared.garbage-producer", 30, t_garbage_prod, false, false },
		{ "shared.completion-overrun", 30, t_overrun, false, false },
		{ "shared.two-threads-produce", 60, t_threads, false, false },
		{ "shared.fork-child-scribbles", 60, t_fork, false, false },
		{ "shared.munmap-while-streaming", 30, t_munmap_streaming, false, false },
		{ "shared.stop-start-set-ring-mapped", 30, t_stop_start_set_ring, false, false },
		{ "shared.modes", 30, t_modes, false, false },
		{ "shared.wait-poll-need-wakeup", 30, t_wait, false, false },
		{ "shared.reserved-fields", 30, t_reserved, false, false },
		{ "shared.unbind-while-mapped", 60, t_unbind, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}

int cmd_shared_long(const char *dev)
{
	static struct sctx c;
	static const struct step steps[] = {
		{ "shared.long-100k-verified", 280, t_long, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}
