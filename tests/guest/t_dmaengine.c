// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaengine: the dmaengine engine against the test-only provider
 * tests/dmaengine/fpgadma_dmatest.ko (insmod it after fpgadma.ko). The
 * pattern, contiguous sequences, short and error records from residue and
 * result, starvation (the consumer holds every buffer: starved, never
 * dropped), stop with descriptors in flight and start again, SET_RING,
 * hostile knob values, unbind of the fpgadma device while streaming, and
 * unbind of the provider while streaming (the device link unbinds fpgadma
 * first; binding fpgadma without a provider fails with EAGAIN, the bind
 * of a deferred probe, until it is back).
 *
 * The provider writes word k of production s as s ^ (k * MIX); word 0 is
 * s, which equals the record's sequence number (it never drops).
 *
 * dmaengine-pl330: the same engine against a mainline provider, dma-pl330
 * on QEMU's Exynos4210 machine (smdkc210), whose fpgadma node
 * (tests/dt/fpgadma-pl330-exynos4210.dtsi) names a PL330 channel and, as
 * its data port (reg), the low word of the MCT's free-running counter: the
 * data is that counter read at transfer time, never decreasing (mod 2^32)
 * along the stream and moving. The steps that need the test provider's
 * knobs (injected faults, pausing, hard-interrupt callbacks) are not run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define MIX		0x9e3779b97f4a7c15ULL
#define BATCH		16
#define PROVIDER	"/sys/bus/platform/devices/fpgadma-dmatest"
#define CLIENT_DRV	"/sys/bus/platform/drivers/fpgadma"

struct dctx;

/**
 * struct dprov - the provider a run is against
 * @client: fpgadma's platform device.
 * @drv:    the provider's driver in sysfs.
 * @dev:    the provider's device.
 * @knobs:  it is the test provider, with its knobs in PROVIDER.
 * @data:   checks the data of one full buffer.
 */
struct dprov {
	const char *client;
	const char *drv;
	const char *dev;
	bool knobs;
	bool (*data)(struct dctx *c, const struct fpgadma_record *r,
		     const void *buf);
};

struct dctx {
	const struct dprov *p;
	char dev[16];		/* fpgadmaN */
	char path[32];		/* /dev/fpgadmaN */
	int fd;
	struct fpgadma_info info;
	uint8_t *ring;
	uint64_t next_seq;
	uint64_t records;
	uint64_t shorts;
	uint64_t errors;
	/* dmaengine-pl330: the last counter value seen, how often it moved */
	bool have_last;
	uint32_t last;
	uint64_t moved;
};

static bool knob_write(const char *knob, const char *val)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), PROVIDER "/%s", knob);
	err = write_file_errno(path, val);
	return err ? failf("write %s to %s: %s", val, path, errname(err)) : true;
}

static bool knob_read(const char *knob, uint64_t *val)
{
	char path[128], text[32], *end;
	FILE *f;
	bool got;

	snprintf(path, sizeof(path), PROVIDER "/%s", knob);
	f = fopen(path, "r");
	if (!f)
		return failf("open %s: %s", path, strerror(errno));
	got = fgets(text, sizeof(text), f) != NULL;
	fclose(f);
	if (!got)
		return failf("cannot read %s", path);
	errno = 0;
	*val = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		return failf("cannot parse '%s' in %s", text, path);
	return true;
}

/* The provider driver's sysfs file @name (bind, unbind). */
static const char *provider_path(const struct dctx *c, const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", c->p->drv, name);
	return path;
}

/* The node whose engine is "dmaengine", into c->dev and c->path. */
static bool find_dev(struct dctx *c, bool quiet)
{
	char engine[32], node[64];
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(c->dev, sizeof(c->dev), "fpgadma%d", i);
		snprintf(node, sizeof(node), "/sys/class/fpgadma/%s", c->dev);
		if (access(node, F_OK))
			continue;
		if (sysfs_read(c->dev, "engine", engine, sizeof(engine)) &&
		    !strncmp(engine, "dmaengine", 9)) {
			snprintf(c->path, sizeof(c->path), "/dev/%s", c->dev);
			return true;
		}
	}
	return quiet ? false :
	       failf("no dmaengine device; insmod fpgadma_dmatest.ko");
}

static bool wait_dev(struct dctx *c, unsigned int timeout_ms)
{
	uint64_t end = now_ns() + timeout_ms * 1000000ull;

	while (!find_dev(c, true) || access(c->path, F_OK)) {
		if (now_ns() > end)
			return failf("no dmaengine node after %u ms", timeout_ms);
		sleep_ms(50);
	}
	return true;
}

static void reset_counts(struct dctx *c)
{
	c->next_seq = 0;
	c->records = 0;
	c->shorts = 0;
	c->errors = 0;
	c->have_last = false;
}

/* Open the node and set up and map its ring; no START. */
static bool dprepare(struct dctx *c, uint32_t count, uint32_t size)
{
	c->fd = -1;
	c->ring = NULL;
	if (!find_dev(c, false))
		return false;
	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0)
		return false;
	if (!set_ring(c->fd, count, size) || !get_info(c->fd, &c->info) ||
	    !set_timeout(c->fd, 3000))
		return false;
	c->ring = map_ring(c->fd, &c->info);
	if (!c->ring)
		return false;
	reset_counts(c);
	return true;
}

static bool dopen(struct dctx *c, uint32_t count, uint32_t size)
{
	return dprepare(c, count, size) &&
	       EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START");
}

static void dclose(struct dctx *c)
{
	if (c->ring)
		munmap(c->ring, ring_bytes(&c->info));
	if (c->fd >= 0) {
		ioctl(c->fd, FPGADMA_IOC_STOP);
		close(c->fd);
	}
	c->ring = NULL;
	c->fd = -1;
	if (!c->p->knobs)
		return;
	knob_write("paused", "0");
	knob_write("delay_us", "0");
	knob_write("hardirq", "0");
}

/* The test provider's pattern. */
static bool data_pattern(struct dctx *c, const struct fpgadma_record *r,
			 const void *buf)
{
	const uint64_t *w = buf;
	uint32_t k;

	(void)c;
	for (k = 0; k < r->bytes_used / 8; k++)
		if (w[k] != (r->sequence ^ (k * MIX)))
			return failf("buffer %u (seq %llu) word %u is %#llx",
				     r->index, (unsigned long long)r->sequence,
				     k, (unsigned long long)w[k]);
	return true;
}

/* A free-running 32-bit counter: never back (mod 2^32), in stream order. */
static bool data_counter(struct dctx *c, const struct fpgadma_record *r,
			 const void *buf)
{
	const uint32_t *w = buf;
	uint32_t k;

	for (k = 0; k < r->bytes_used / 4; k++) {
		uint32_t d = w[k] - c->last;

		if (c->have_last && d >= 0x80000000u)
			return failf("buffer %u (seq %llu) word %u: counter %#x after %#x",
				     r->index, (unsigned long long)r->sequence,
				     k, w[k], c->last);
		c->moved += c->have_last && d;
		c->have_last = true;
		c->last = w[k];
	}
	return true;
}

/* Check one record and its buffer; updates the expected sequence. */
static bool check_record(struct dctx *c, const struct fpgadma_record *r)
{
	uint32_t size = c->info.buf_size;

	if (r->index >= c->info.buf_count)
		return failf("record index %u out of range", r->index);
	if (r->sequence != c->next_seq || r->lost_before)
		return failf("sequence %llu lost %u, expected %llu and none",
			     (unsigned long long)r->sequence, r->lost_before,
			     (unsigned long long)c->next_seq);
	c->next_seq++;
	c->records++;
	if (r->flags & FPGADMA_REC_ERROR) {
		c->errors++;
		if (r->bytes_used)
			return failf("error record with %u bytes", r->bytes_used);
		return true;
	}
	if ((r->flags & FPGADMA_REC_SHORT) && c->p->knobs) {
		c->shorts++;
		if (r->bytes_used != size / 2)
			return failf("short record of %u bytes, the provider wrote %u",
				     r->bytes_used, size / 2);
	} else if (r->flags || r->bytes_used != size) {
		return failf("record flags %#x bytes %u, expected 0 and %u",
			     r->flags, r->bytes_used, size);
	}
	return c->p->data(c, r, c->ring + (size_t)r->index * size);
}

static long read_records(struct dctx *c, struct fpgadma_record *r, size_t max)
{
	ssize_t n = read(c->fd, r, max * sizeof(*r));

	if (n < 0) {
		failf("read: %s", errname(errno));
		return -errno;
	}
	return n / (ssize_t)sizeof(*r);
}

static bool release_records(struct dctx *c, const struct fpgadma_record *r,
			    long n)
{
	uint32_t idx[BATCH] = { 0 };
	long i;

	for (i = 0; i < n && i < BATCH; i++)
		idx[i] = r[i].index;
	return EXPECT_OK(ioc_release(c->fd, idx, (uint32_t)n, 0), "RELEASE");
}

static bool pump(struct dctx *c, uint64_t n)
{
	struct fpgadma_record r[BATCH] = { { 0 } };
	uint64_t done = 0;

	while (done < n) {
		long got = read_records(c, r, BATCH), i;

		if (got < 0)
			return false;
		for (i = 0; i < got; i++)
			if (!check_record(c, &r[i]))
				return false;
		if (!release_records(c, r, got))
			return false;
		done += (uint64_t)got;
	}
	return true;
}

static bool t_info(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_info info;
	int fd;
	bool ok;

	if (!find_dev(c, false))
		return false;
	fd = dev_open(c->path, O_RDWR);
	if (fd < 0)
		return false;
	ok = get_info(fd, &info);
	close(fd);
	if (!ok)
		return false;
	if (strcmp(info.engine, "dmaengine"))
		return failf("engine '%s'", info.engine);
	if (!(info.caps & FPGADMA_CAP_STARVED) ||
	    (info.caps & FPGADMA_CAP_COALESCE))
		return failf("caps %#x: want STARVED, no COALESCE", info.caps);
	if (info.buf_count != 32 || info.buf_size != 65536)
		return failf("default ring %u x %u, expected 32 x 65536",
			     info.buf_count, info.buf_size);
	return true;
}

static bool t_pattern(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_stats st;
	bool ok;

	ok = dopen(c, 16, page_bytes()) && pump(c, 2000) && get_stats(c->fd, &st);
	if (ok && (st.dropped || st.errors))
		ok = failf("dropped %llu errors %llu",
			   (unsigned long long)st.dropped,
			   (unsigned long long)st.errors);
	dclose(c);
	return ok;
}

/* N injected faults of a kind: exactly N records so flagged. */
static bool fault_records(struct dctx *c, const char *knob, uint64_t *count)
{
	struct fpgadma_stats st0, st1;
	bool ok;

	ok = dopen(c, 16, 2 * page_bytes()) && pump(c, 20) && get_stats(c->fd, &st0) &&
	     knob_write(knob, "3") && pump(c, 200) && get_stats(c->fd, &st1);
	if (ok && *count != 3)
		ok = failf("%llu records flagged after %s=3",
			   (unsigned long long)*count, knob);
	if (ok && count == &c->errors && st1.errors - st0.errors != 3)
		ok = failf("stats.errors grew by %llu, expected 3",
			   (unsigned long long)(st1.errors - st0.errors));
	dclose(c);
	return ok;
}

static bool t_short(void *arg)
{
	struct dctx *c = arg;

	return fault_records(c, "short_xfer", &c->shorts);
}

static bool t_error(void *arg)
{
	struct dctx *c = arg;

	return fault_records(c, "error", &c->errors);
}

/*
 * The consumer holds every buffer: the source is held back (produced
 * stays), one starvation episode that lasts while held, nothing dropped;
 * after the release the stream goes on where it was.
 */
static bool t_starved(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_record r[BATCH] = { { 0 } };
	struct fpgadma_stats st0, st1, st2, st3;
	uint64_t p0 = 0, p1 = 0, sev = 0, sns = 0;
	long held = 0, i;
	bool ok;

	ok = dprepare(c, 8, page_bytes()) && get_stats(c->fd, &st0) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START");
	while (ok && held < 8) {
		long got = read_records(c, r + held, (size_t)(8 - held));
		ok = got >= 0;
		for (i = 0; ok && i < got; i++)
			ok = check_record(c, &r[held + i]);
		held += ok ? got : 0;
	}
	ok = ok && (!c->p->knobs || knob_read("produced", &p0));
	sleep_ms(50);
	ok = ok && get_stats(c->fd, &st1) && sysfs_u64(c->dev, "starved", &sev) &&
	     sysfs_u64(c->dev, "starved_ns", &sns);
	sleep_ms(100);
	ok = ok && get_stats(c->fd, &st2) &&
	     (!c->p->knobs || knob_read("produced", &p1));
	/* sysfs shows the same episode, read between the two GET_STATS. */
	if (ok && (sev != st1.starved || sns < st1.starved_ns ||
		   sns > st2.starved_ns))
		ok = failf("sysfs starved %llu, starved_ns %llu; GET_STATS %llu, %llu..%llu ns",
			   (unsigned long long)sev, (unsigned long long)sns,
			   (unsigned long long)st1.starved,
			   (unsigned long long)st1.starved_ns,
			   (unsigned long long)st2.starved_ns);
	if (ok && (st1.starved != st0.starved + 1 || st2.starved != st1.starved))
		ok = failf("starved %llu -> %llu -> %llu while holding all, expected one episode",
			   (unsigned long long)st0.starved,
			   (unsigned long long)st1.starved,
			   (unsigned long long)st2.starved);
	if (ok && st2.starved_ns <= st1.starved_ns)
		ok = failf("starved_ns %llu -> %llu: the episode does not last",
			   (unsigned long long)st1.starved_ns,
			   (unsigned long long)st2.starved_ns);
	if (ok && (p1 != p0 || st2.dropped || st2.queued))
		ok = failf("produced %llu -> %llu, dropped %llu, queued %u while starved",
			   (unsigned long long)p0, (unsigned long long)p1,
			   (unsigned long long)st2.dropped, st2.queued);
	ok = ok && release_records(c, r, 8) && pump(c, 100) &&
	     get_stats(c->fd, &st3);
	if (ok && st3.dropped)
		ok = failf("dropped %llu", (unsigned long long)st3.dropped);
	dclose(c);
	return ok;
}

/* Callbacks from hard interrupt context: records, starvation, STOP. */
static bool t_hardirq(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_stats st0, st1;
	bool ok;

	struct fpgadma_record r[8] = { { 0 } };
	long held = 0, i;

	ok = knob_write("hardirq", "1") && dprepare(c, 8, page_bytes()) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
	     pump(c, 500) && knob_write("short_xfer", "2") && pump(c, 50);
	/* Hold all 8: the last callback starts an episode, which lasts. */
	while (ok && held < 8) {
		long got = read_records(c, r + held, (size_t)(8 - held));

		ok = got >= 0;
		for (i = 0; ok && i < got; i++)
			ok = check_record(c, &r[held + i]);
		held += ok ? got : 0;
	}
	ok = ok && get_stats(c->fd, &st0);
	sleep_ms(50);
	ok = ok && get_stats(c->fd, &st1) && release_records(c, r, 8) &&
	     pump(c, 50);
	if (ok && c->shorts != 2)
		ok = failf("%llu short records, expected 2",
			   (unsigned long long)c->shorts);
	if (ok && (st1.dropped || !st1.starved || st1.starved != st0.starved ||
		   st1.starved_ns <= st0.starved_ns))
		ok = failf("dropped %llu, starved %llu -> %llu, ns %llu -> %llu: expected no drops and one episode going on",
			   (unsigned long long)st1.dropped,
			   (unsigned long long)st0.starved,
			   (unsigned long long)st1.starved,
			   (unsigned long long)st0.starved_ns,
			   (unsigned long long)st1.starved_ns);
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");
	reset_counts(c);
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
	     pump(c, 50);
	dclose(c);
	return ok;
}

/* STOP with descriptors in flight (the source paused), START again. */
static bool t_stop_start(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_stats st;
	uint64_t term0 = 0, term1 = 0, left = 0;
	int round;
	bool ok;

	ok = dopen(c, 16, page_bytes()) && pump(c, 50);
	for (round = 0; ok && round < 5; round++) {
		/*
		 * Paused, the source finishes what it fills; what completed
		 * goes back to it, so that all 16 are in flight at STOP.
		 */
		ok = knob_write("paused", "1");
		sleep_ms(20);
		ok = ok && get_stats(c->fd, &st) && pump(c, st.done) &&
		     get_stats(c->fd, &st) &&
		     knob_read("terminated", &term0);
		if (ok && st.queued != 16)
			ok = failf("%u of 16 buffers in flight, paused", st.queued);
		ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
		     knob_read("terminated", &term1) &&
		     knob_read("inflight", &left);
		if (ok && left)
			ok = failf("%llu descriptors in flight after STOP",
				   (unsigned long long)left);
		if (ok && term1 - term0 != 16)
			ok = failf("STOP terminated %llu descriptors, 16 were in flight",
				   (unsigned long long)(term1 - term0));
		reset_counts(c);
		ok = ok && knob_write("paused", "0") &&
		     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
		     pump(c, 50);
	}
	/* A slow transfer in flight at STOP. */
	ok = ok && knob_write("delay_us", "300000") &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP slow") &&
	     knob_write("delay_us", "0");
	reset_counts(c);
	ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
	     pump(c, 50);
	dclose(c);
	return ok;
}

/* A consumer thread reading and releasing while the owner stops/starts. */
struct race {
	struct dctx *c;
	/* odd while the owner stops and starts: held buffers go back then */
	atomic_uint restarts;
	volatile bool stop;
	uint64_t records;
	char err[160];
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct dctx *c = r->c;
	struct fpgadma_record rec[BATCH];
	uint32_t idx[BATCH];

	while (!r->stop) {
		unsigned int g0 = atomic_load(&r->restarts);
		ssize_t n = read(c->fd, rec, sizeof(rec));
		bool bad = false;
		long i, got;

		if (n < 0) {
			/* Stopped, or restarted under us. */
			if (errno != EPIPE && errno != EINVAL && errno != EAGAIN) {
				snprintf(r->err, sizeof(r->err), "read: %s",
					 errname(errno));
				break;
			}
			continue;
		}
		got = n / (ssize_t)sizeof(rec[0]);
		for (i = 0; i < got; i++) {
			const uint64_t *w = (const uint64_t *)(c->ring +
				(size_t)rec[i].index * c->info.buf_size);
			uint32_t k;

			idx[i] = rec[i].index;
			if (rec[i].flags || rec[i].bytes_used != c->info.buf_size ||
			    rec[i].lost_before) {
				snprintf(r->err, sizeof(r->err),
					 "record flags %#x bytes %u lost %u",
					 rec[i].flags, rec[i].bytes_used,
					 rec[i].lost_before);
				bad = true;
				break;
			}
			for (k = 0; k < rec[i].bytes_used / 8; k++)
				if (w[k] != (rec[i].sequence ^ (k * MIX)))
					break;
			if (k != rec[i].bytes_used / 8) {
				snprintf(r->err, sizeof(r->err),
					 "buffer %u (seq %llu) word %u corrupt",
					 rec[i].index,
					 (unsigned long long)rec[i].sequence, k);
				bad = true;
				break;
			}
		}
		/*
		 * A verdict only for records read and checked within one
		 * stream: a restart gives every buffer back to the device.
		 */
		if (bad) {
			unsigned int g1 = atomic_load(&r->restarts);

			if (g0 == g1 && !(g0 & 1)) {
				r->stop = true;
				break;
			}
			r->err[0] = '\0';
			continue;
		}
		r->records += (uint64_t)got;
		/* EINVAL: the stream restarted, the buffers went back. */
		if (!r->stop && got && ioc_release(c->fd, idx, (uint32_t)got, 0) < 0 &&
		    errno != EINVAL && errno != EPIPE) {
			snprintf(r->err, sizeof(r->err), "RELEASE: %s",
				 errname(errno));
			break;
		}
	}
	return NULL;
}

static bool t_stop_start_race(void *arg)
{
	struct dctx *c = arg;
	struct race r = { .c = c, .restarts = 0 };
	uint64_t left = 0;
	pthread_t th;
	int i;
	bool ok;

	ok = dopen(c, 8, page_bytes()) && set_timeout(c->fd, 100);
	if (!ok || pthread_create(&th, NULL, race_reader, &r)) {
		dclose(c);
		return ok ? failf("pthread_create failed") : false;
	}
	for (i = 0; ok && i < 40 && !r.stop; i++) {
		sleep_ms((unsigned int)(i % 7));
		atomic_fetch_add(&r.restarts, 1);
		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
		     knob_read("inflight", &left);
		if (ok && left)
			ok = failf("%llu descriptors in flight after STOP %d",
				   (unsigned long long)left, i);
		ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START");
		atomic_fetch_add(&r.restarts, 1);
	}
	r.stop = true;
	pthread_join(th, NULL);
	if (ok && r.err[0])
		ok = failf("reader: %s", r.err);
	if (ok && !r.records)
		ok = failf("the reader got no record in 40 restarts");
	/* After the races: a clean, checked stream. */
	if (ok) {
		ioctl(c->fd, FPGADMA_IOC_STOP);
		reset_counts(c);
		ok = set_timeout(c->fd, 3000) &&
		     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
		     pump(c, 100);
	}
	dclose(c);
	return ok;
}

static bool t_set_ring(void *arg)
{
	const uint32_t page = page_bytes();
	const uint32_t geo[][2] = {
		{ 2, page }, { 4, 16 * page }, { 64, page }, { 3, 3 * page },
	};
	struct dctx *c = arg;
	unsigned int i;
	bool ok = true;

	for (i = 0; ok && i < sizeof(geo) / sizeof(geo[0]); i++) {
		ok = dopen(c, geo[i][0], geo[i][1]) && pump(c, 40);
		if (ok && (c->info.buf_count != geo[i][0] ||
			   c->info.buf_size != geo[i][1]))
			ok = failf("ring %u x %u after SET_RING %u x %u",
				   c->info.buf_count, c->info.buf_size,
				   geo[i][0], geo[i][1]);
		dclose(c);
	}
	return ok;
}

static bool t_knobs_bad(void *arg)
{
	static const struct { const char *knob, *val; } bad[] = {
		{ "error", "1001" }, { "error", "-1" }, { "error", "x" },
		{ "short_xfer", "4294967296" }, { "short_xfer", " " },
		{ "delay_us", "1000001" }, { "delay_us", "-5" },
		{ "paused", "2" }, { "paused", "yes" }, { "hardirq", "2" },
	};
	char path[128];
	uint64_t v;
	unsigned int i;
	int err;

	(void)arg;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), PROVIDER "/%s", bad[i].knob);
		err = write_file_errno(path, bad[i].val);
		if (err != EINVAL && err != ERANGE)
			return failf("%s = '%s': %s, expected EINVAL", bad[i].knob,
				     bad[i].val, err ? errname(err) : "accepted");
	}
	/* Pending faults add up to at most 1000. */
	if (!knob_write("error", "1000"))
		return false;
	err = write_file_errno(PROVIDER "/error", "1");
	if (err != EINVAL)
		return failf("error beyond 1000 pending: %s",
			     err ? errname(err) : "accepted");
	if (!knob_read("error", &v) || v != 1000)
		return failf("error knob %llu, expected 1000", (unsigned long long)v);
	/* Written-only counters refuse writes. */
	err = write_file_errno(PROVIDER "/produced", "0");
	if (!err)
		return failf("produced accepted a write");
	/* Drain the faults by streaming them through. */
	{
		struct dctx *c = arg;
		bool ok = dopen(c, 16, page_bytes()) && pump(c, 1100);

		if (ok && c->errors != 1000)
			ok = failf("%llu error records, expected 1000",
				   (unsigned long long)c->errors);
		dclose(c);
		return ok;
	}
}

/* Unbind fpgadma from its platform device while streaming, then rebind. */
static bool t_unbind_client(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_record r;
	struct fpgadma_stats st;
	int err;
	bool ok;

	ok = dopen(c, 16, page_bytes()) && pump(c, 30);
	if (!ok) {
		dclose(c);
		return false;
	}
	err = write_file_errno(CLIENT_DRV "/unbind", c->p->client);
	ok = err ? failf("unbind %s: %s", c->p->client, errname(err)) : true;
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_GET_STATS, &st),
				ENODEV, "GET_STATS after unbind");
	ok = ok && EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), ENODEV,
				"read after unbind");
	dclose(c);
	err = write_file_errno(CLIENT_DRV "/bind", c->p->client);
	ok = ok && (err ? failf("bind %s: %s", c->p->client, errname(err)) : true);
	ok = ok && wait_dev(c, 5000) && dopen(c, 16, page_bytes()) && pump(c, 30);
	dclose(c);
	return ok;
}

/*
 * Unbind the provider while streaming: the device link unbinds fpgadma
 * first, open files get ENODEV. fpgadma bound without a provider defers;
 * the provider's return binds it.
 */
static bool t_unbind_provider(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_record r;
	struct fpgadma_stats st;
	int err;
	bool ok;

	ok = dopen(c, 16, page_bytes()) && pump(c, 30);
	if (!ok) {
		dclose(c);
		return false;
	}
	err = write_file_errno(provider_path(c, "unbind"), c->p->dev);
	ok = err ? failf("unbind the provider: %s", errname(err)) : true;
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_GET_STATS, &st),
				ENODEV, "GET_STATS after the provider left");
	ok = ok && EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), ENODEV,
				"read after the provider left");
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_START), ENODEV,
				"START after the provider left");
	if (c->ring)
		munmap(c->ring, ring_bytes(&c->info));
	c->ring = NULL;
	close(c->fd);
	c->fd = -1;
	if (ok && find_dev(c, true))
		ok = failf("%s still there without its provider", c->dev);
	/* No channel: the probe defers, which a bind reports as EAGAIN. */
	err = write_file_errno(CLIENT_DRV "/bind", c->p->client);
	if (ok && err != EAGAIN)
		ok = failf("bind fpgadma with no provider: %s, expected EAGAIN",
			   err ? errname(err) : "bound");
	if (ok && find_dev(c, true))
		ok = failf("%s appeared with no provider", c->dev);
	err = write_file_errno(provider_path(c, "bind"), c->p->dev);
	if (err)
		return failf("bind the provider again: %s", errname(err));
	/* The provider's bind may have bound it already (deferred probe). */
	err = write_file_errno(CLIENT_DRV "/bind", c->p->client);
	if (ok && err && err != EBUSY)
		ok = failf("bind fpgadma with the provider back: %s",
			   errname(err));
	ok = ok && wait_dev(c, 5000) && dopen(c, 16, page_bytes()) && pump(c, 30);
	dclose(c);
	return ok;
}

/*
 * A mainline provider: the counter along 400 buffers, STOP with
 * everything in flight and START again, data checked across each.
 */
static bool t_counter(void *arg)
{
	struct dctx *c = arg;
	struct fpgadma_stats st;
	int round;
	bool ok;

	c->moved = 0;
	ok = dopen(c, 16, page_bytes()) && pump(c, 400);
	if (ok && c->moved < 400)
		ok = failf("the counter moved %llu times in 400 buffers",
			   (unsigned long long)c->moved);
	for (round = 0; ok && round < 5; round++) {
		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP") &&
		     get_stats(c->fd, &st);
		if (ok && st.queued)
			ok = failf("%u buffers queued after STOP", st.queued);
		reset_counts(c);
		ok = ok && EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
		     pump(c, 40);
	}
	ok = ok && get_stats(c->fd, &st);
	if (ok && (st.dropped || st.errors))
		ok = failf("dropped %llu errors %llu",
			   (unsigned long long)st.dropped,
			   (unsigned long long)st.errors);
	dclose(c);
	return ok;
}

static const struct dprov dmatest = {
	.client = "fpgadma-dmaengine",
	.drv = "/sys/bus/platform/drivers/fpgadma-dmatest",
	.dev = "fpgadma-dmatest",
	.knobs = true,
	.data = data_pattern,
};

static const struct dprov pl330 = {
	.client = "10050100.fpgadma",
	.drv = "/sys/bus/amba/drivers/dma-pl330",
	.dev = "12690000.dma-controller",
	.data = data_counter,
};

int cmd_dmaengine_pl330(const char *dev)
{
	static struct dctx c = { .p = &pl330, .fd = -1 };
	static const struct step steps[] = {
		{ "pl330.info", 10, t_info, true, false },
		{ "pl330.counter-stop-start", 300, t_counter, false, false },
		{ "pl330.starved-not-dropped", 60, t_starved, false, false },
		{ "pl330.set-ring", 120, t_set_ring, false, false },
		{ "pl330.unbind-fpgadma-streaming", 60, t_unbind_client, false, false },
		{ "pl330.unbind-provider-streaming", 60, t_unbind_provider, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}

int cmd_dmaengine(const char *dev)
{
	static struct dctx c = { .p = &dmatest, .fd = -1 };
	static const struct step steps[] = {
		{ "dmaengine.info", 10, t_info, true, false },
		{ "dmaengine.pattern-2000", 120, t_pattern, false, false },
		{ "dmaengine.short-records", 30, t_short, false, false },
		{ "dmaengine.error-records", 30, t_error, false, false },
		{ "dmaengine.starved-not-dropped", 30, t_starved, false, false },
		{ "dmaengine.stop-in-flight-start", 60, t_stop_start, false, false },
		{ "dmaengine.stop-start-race", 60, t_stop_start_race, false, false },
		{ "dmaengine.hardirq-callbacks", 60, t_hardirq, false, false },
		{ "dmaengine.set-ring", 60, t_set_ring, false, false },
		{ "dmaengine.knobs-bad-input", 60, t_knobs_bad, false, false },
		{ "dmaengine.unbind-fpgadma-streaming", 30, t_unbind_client, false, false },
		{ "dmaengine.unbind-provider-streaming", 30, t_unbind_provider, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}
