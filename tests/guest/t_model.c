// SPDX-License-Identifier: GPL-2.0-only
/*
 * model: the stream engine through its software model (insmod
 * fpgadma_model.ko after fpgadma.ko). Integrity soak, exact drop
 * accounting with a slow consumer, each injected fault, interrupt
 * coalescing, an idle model that does not poll, STOP inside a long
 * moderation window, and a device that ignores RESET (stuck).
 * model-restart: one clean stream (after the model was reloaded).
 * model-nocoalesce: a model loaded with caps=1 (no moderation).
 *
 * The model writes word k of production s as s ^ (k * MIX); word 0 is s,
 * which must equal the record's sequence number.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
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
#define SOAK_BUFFERS	100000

struct mctx {
	char path[64];
	char knobs[128];	/* the model's sysfs directory */
	int fd;
	struct fpgadma_info info;
	uint8_t *ring;
	uint64_t next_seq;	/* expected sequence of the next record */
	uint64_t lost_sum;
	uint64_t records;
};

static bool knob_write(struct mctx *c, const char *knob, unsigned long val)
{
	char path[192];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", c->knobs, knob);
	f = fopen(path, "w");
	if (!f)
		return failf("open %s: %s", path, strerror(errno));
	ok = fprintf(f, "%lu\n", val) > 0;
	ok &= fclose(f) == 0;
	return ok ? true : failf("write %lu to %s: %s", val, path,
				 strerror(errno));
}

static bool knob_read(struct mctx *c, const char *knob, uint64_t *val)
{
	char path[192];
	char text[32], *end;
	FILE *f;
	bool got;

	snprintf(path, sizeof(path), "%s/%s", c->knobs, knob);
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

/* The first /dev/fpgadmaN whose engine is "stream". */
static bool find_model(struct mctx *c)
{
	char dev[16];

	if (!find_stream_dev(dev, sizeof(dev)))
		return false;
	snprintf(c->path, sizeof(c->path), "/dev/%s", dev);
	return model_knob_dir(dev, c->knobs, sizeof(c->knobs));
}

static void reset_counts(struct mctx *c)
{
	c->next_seq = 0;
	c->lost_sum = 0;
	c->records = 0;
}

/* Open the model's node, set up the ring and the knobs; no START. */
static bool model_prepare(struct mctx *c, uint32_t count, uint32_t size,
			  unsigned long rate)
{
	c->fd = -1;
	c->ring = NULL;
	if (!find_model(c))
		return false;
	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0)
		return false;
	if (!set_ring(c->fd, count, size) || !get_info(c->fd, &c->info) ||
	    !set_timeout(c->fd, 3000) || !knob_write(c, "rate", rate) ||
	    !knob_write(c, "fill", 2))
		return false;
	c->ring = map_ring(c->fd, &c->info);
	if (!c->ring)
		return false;
	reset_counts(c);
	return true;
}

static bool model_open(struct mctx *c, uint32_t count, uint32_t size,
		       unsigned long rate)
{
	return model_prepare(c, count, size, rate) &&
	       EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START");
}

static void model_close(struct mctx *c)
{
	if (c->ring)
		munmap(c->ring, ring_bytes(&c->info));
	if (c->fd >= 0) {
		ioctl(c->fd, FPGADMA_IOC_STOP);
		close(c->fd);
	}
	/* Leave the model as the next test expects it. */
	knob_write(c, "rate", 0);
	knob_write(c, "fill", 2);
	knob_write(c, "stuck", 0);
	knob_write(c, "gone", 0);
}

/* Check one record and its buffer; updates the expected sequence. */
static bool check_record(struct mctx *c, const struct fpgadma_record *r,
			 bool full)
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
		return true;
	w = (const uint64_t *)(c->ring + (size_t)r->index * c->info.buf_size);
	if (r->bytes_used >= 8 && w[0] != r->sequence)
		return failf("buffer %u word 0 is %llu, record says %llu",
			     r->index, (unsigned long long)w[0],
			     (unsigned long long)r->sequence);
	for (k = 1; full && k < r->bytes_used / 8; k++)
		if (w[k] != (r->sequence ^ (k * MIX)))
			return failf("buffer %u (seq %llu) word %u corrupt",
				     r->index, (unsigned long long)r->sequence, k);
	return true;
}

/* Read up to max records (at least one, bounded by the timeout). */
static long read_records(struct mctx *c, struct fpgadma_record *r, size_t max)
{
	ssize_t n = read(c->fd, r, max * sizeof(*r));

	if (n < 0) {
		failf("read: %s", errname(errno));
		return -errno;
	}
	return n / (ssize_t)sizeof(*r);
}

static bool release_records(struct mctx *c, const struct fpgadma_record *r,
			    long n)
{
	uint32_t idx[64];
	long i;

	if (n > 64)
		return failf("release of %ld records at once", n);
	for (i = 0; i < n; i++)
		idx[i] = r[i].index;
	return EXPECT_OK(ioc_release(c->fd, idx, (uint32_t)n, 0), "RELEASE");
}

/* Stream n records: check each, release each batch. */
static bool pump(struct mctx *c, uint64_t n, bool full)
{
	struct fpgadma_record r[BATCH];
	uint64_t done = 0;

	while (done < n) {
		long got = read_records(c, r, BATCH), i;

		if (got < 0)
			return false;
		for (i = 0; i < got; i++)
			if (!check_record(c, &r[i], full))
				return false;
		if (!release_records(c, r, got))
			return false;
		done += got;
	}
	return true;
}

static bool t_soak(void *arg)
{
	struct mctx *c = arg;
	uint64_t t0, dt;
	bool ok;

	if (!model_open(c, 64, page_bytes(), 0))
		return false;
	t0 = now_ns();
	ok = pump(c, SOAK_BUFFERS, true);
	dt = now_ns() - t0;
	if (ok && c->lost_sum)
		ok = failf("%llu buffers lost under flow control",
			   (unsigned long long)c->lost_sum);
	if (ok)
		printf("INFO: model.soak: %llu buffers verified in %.1f s\n",
		       (unsigned long long)c->records, dt / 1e9);
	model_close(c);
	return ok;
}

/*
 * A consumer slower than the source: drops must show up exactly, as gaps
 * in the sequence matching lost_before, and held buffers must not change.
 */
static bool t_slow_consumer(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[64];
	struct fpgadma_stats st0, st1;
	uint64_t model_drops = 0, held_word[8];
	long got = 0, i, total = 0;
	bool ok = false;

	if (!model_open(c, 8, page_bytes(), 2000) || !get_stats(c->fd, &st0))
		goto out;
	while (total < 200) {
		got = read_records(c, r, 1);
		if (got < 0 || !check_record(c, &r[0], true))
			goto out;
		sleep_ms(5);
		if (!release_records(c, r, 1))
			goto out;
		total++;
	}
	if (!c->lost_sum) {
		failf("a consumer 10x slower than the source lost nothing");
		goto out;
	}
	/* Hold every buffer: no completion can come, so counts settle. */
	for (total = 0; total < 8; total += got) {
		got = read_records(c, r + total, 8 - total);
		if (got < 0)
			goto out;
		for (i = total; i < total + got; i++)
			if (!check_record(c, &r[i], true))
				goto out;
	}
	for (i = 0; i < 8; i++)
		held_word[i] = *(uint64_t *)(c->ring +
					     (size_t)r[i].index * c->info.buf_size);
	sleep_ms(100);	/* ~200 more drops, none reported yet */
	if (!get_stats(c->fd, &st1))
		goto out;
	if (st1.dropped - st0.dropped != c->lost_sum) {
		failf("stats dropped %llu, records report %llu",
		      (unsigned long long)(st1.dropped - st0.dropped),
		      (unsigned long long)c->lost_sum);
		goto out;
	}
	for (i = 0; i < 8; i++)
		if (*(uint64_t *)(c->ring + (size_t)r[i].index *
				  c->info.buf_size) != held_word[i]) {
			failf("held buffer %u changed", r[i].index);
			goto out;
		}
	if (!knob_read(c, "dropped", &model_drops))
		goto out;
	/* The model also counts its drops since the last completion. */
	if (model_drops < c->lost_sum + 100) {
		failf("model dropped %llu, reported %llu: expected ~200 more",
		      (unsigned long long)model_drops,
		      (unsigned long long)c->lost_sum);
		goto out;
	}
	printf("INFO: model.slow-consumer: %llu records, %llu lost, all accounted\n",
	       (unsigned long long)c->records, (unsigned long long)c->lost_sum);
	ok = true;
out:
	model_close(c);
	return ok;
}

/* Stream until a record with @flag shows up (within @limit records). */
static bool expect_flag(struct mctx *c, uint32_t flag, unsigned int limit,
			struct fpgadma_record *hit)
{
	struct fpgadma_record r[BATCH];
	unsigned int seen = 0;
	bool found = false;

	while (!found && seen < limit) {
		long got = read_records(c, r, BATCH), i;

		if (got < 0)
			return false;
		for (i = 0; i < got; i++) {
			if (!check_record(c, &r[i], true))
				return false;
			if ((r[i].flags & flag) && !found) {
				*hit = r[i];
				found = true;
			}
		}
		if (!release_records(c, r, got))
			return false;
		seen += got;
	}
	return found ? true : failf("no record with flag %#x in %u", flag, seen);
}

static bool t_fault_short(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record hit;
	bool ok;

	ok = model_open(c, 16, 2 * page_bytes(), 0) && pump(c, 20, true) &&
	     knob_write(c, "short_xfer", 1) &&
	     expect_flag(c, FPGADMA_REC_SHORT, 200, &hit);
	if (ok && hit.bytes_used != page_bytes())
		ok = failf("short record has %u bytes, expected %u (half)",
			   hit.bytes_used, page_bytes());
	ok = ok && pump(c, 20, true);
	model_close(c);
	return ok;
}

static bool t_fault_bus_error(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record hit;
	struct fpgadma_stats st0, st1;
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && get_stats(c->fd, &st0) &&
	     knob_write(c, "bus_error", 1) &&
	     expect_flag(c, FPGADMA_REC_ERROR, 200, &hit) &&
	     pump(c, 20, true) && get_stats(c->fd, &st1);
	if (ok && st1.errors != st0.errors + 1)
		ok = failf("errors went from %llu to %llu, expected +1",
			   (unsigned long long)st0.errors,
			   (unsigned long long)st1.errors);
	model_close(c);
	return ok;
}

static bool t_fault_missed_irq(void *arg)
{
	struct mctx *c = arg;
	bool ok;

	/* Completions stay in memory until a later interrupt reaps them. */
	ok = model_open(c, 64, page_bytes(), 0) && knob_write(c, "miss_irq", 5) &&
	     pump(c, 300, true);
	if (ok && c->lost_sum)
		ok = failf("lost %llu buffers", (unsigned long long)c->lost_sum);
	model_close(c);
	return ok;
}

static bool t_fault_spurious_irq(void *arg)
{
	struct mctx *c = arg;
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && pump(c, 20, true) &&
	     knob_write(c, "spurious_irq", 20) && pump(c, 100, true);
	model_close(c);
	return ok;
}

static bool t_fault_stall(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[BATCH];
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && pump(c, 20, true) &&
	     set_timeout(c->fd, 200) && knob_write(c, "stall_ms", 1500);
	if (ok) {
		/* Drain what was produced before the stall, then time out. */
		for (;;) {
			ssize_t n = read(c->fd, r, sizeof(r));

			if (n < 0) {
				ok = expect_errno(n, errno, ETIMEDOUT,
						  "read during a stall");
				break;
			}
			for (long i = 0; i < n / (ssize_t)sizeof(r[0]); i++)
				ok = ok && check_record(c, &r[i], true);
			ok = ok && release_records(c, r, (long)(n / (ssize_t)sizeof(r[0])));
			if (!ok)
				break;
		}
	}
	ok = ok && set_timeout(c->fd, 5000) && pump(c, 50, true);
	model_close(c);
	return ok;
}

static bool t_fault_burst(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[64];
	bool ok;

	/* 5 buffers a second, then 32 at once. */
	ok = model_open(c, 64, page_bytes(), 5) && pump(c, 2, true) &&
	     knob_write(c, "burst", 32);
	if (ok) {
		long got;

		sleep_ms(300);
		got = read_records(c, r, 64);
		ok = got >= 32 ? true :
		     failf("%ld records ready after a burst of 32", got);
		for (long i = 0; ok && i < got; i++)
			ok = check_record(c, &r[i], true);
		ok = ok && release_records(c, r, got);
	}
	model_close(c);
	return ok;
}

static long set_coalesce(int fd, uint32_t count, uint32_t usecs,
			 uint32_t flags)
{
	struct fpgadma_coalesce co = {
		.count = count, .usecs = usecs, .flags = flags,
	};

	return ioctl(fd, FPGADMA_IOC_SET_COALESCE, &co);
}

/*
 * Completions per interrupt the device raised (the model's count: on a
 * kernel with threaded interrupts one handler run may serve two raises),
 * and per handler run, over n records with the given moderation.
 */
static bool per_irq(struct mctx *c, uint32_t count, uint32_t usecs,
		    unsigned long rate, uint64_t n, double *raised,
		    double *handled)
{
	uint64_t irq0 = 0, irq1 = 0, raise0 = 0, raise1 = 0;
	char dev[16];

	snprintf(dev, sizeof(dev), "%s", c->path + 5);
	/*
	 * The raised count is read outside the handled one (before it at
	 * the start, after it at the end): an interrupt handled inside the
	 * window was raised inside the raised window, unless it was already
	 * in flight when that opened.
	 */
	if (!model_open(c, 64, page_bytes(), rate) ||
	    !EXPECT_OK(set_coalesce(c->fd, count, usecs, 0), "SET_COALESCE") ||
	    !pump(c, 10, false) || !knob_read(c, "irqs_raised", &raise0) ||
	    !sysfs_u64(dev, "irqs", &irq0) || !pump(c, n, false) ||
	    !sysfs_u64(dev, "irqs", &irq1) ||
	    !knob_read(c, "irqs_raised", &raise1))
		return false;
	*raised = (double)n / (double)(raise1 > raise0 ? raise1 - raise0 : 1);
	*handled = (double)n / (double)(irq1 > irq0 ? irq1 - irq0 : 1);
	/* Allow the few interrupts that can be in flight at the start. */
	if (irq1 - irq0 > raise1 - raise0 + 2)
		return failf("%llu interrupts handled, only %llu raised",
			     (unsigned long long)(irq1 - irq0),
			     (unsigned long long)(raise1 - raise0));
	return true;
}

static bool t_coalesce_count(void *arg)
{
	struct mctx *c = arg;
	double base = 0, coal = 0, hbase = 0, hcoal = 0;
	bool ok;

	ok = per_irq(c, 1, 0, 0, 2000, &base, &hbase);
	model_close(c);
	ok = ok && per_irq(c, 16, 5000, 0, 2000, &coal, &hcoal);
	model_close(c);
	if (ok)
		printf("INFO: model.coalesce-count: buffers per raised/handled irq: %.1f/%.1f at K=1, %.1f/%.1f at K=16\n",
		       base, hbase, coal, hcoal);
	/*
	 * K honoured: at most K per interrupt, and close to K. The window
	 * may take in up to a ring (64) of completions signalled before it
	 * began: 16 * 2000 / (2000 - 64) = 16.53.
	 */
	if (ok && base > 1.04)
		ok = failf("%.2f buffers per interrupt at K=1", base);
	if (ok && (coal < 8.0 || coal > 16.53))
		ok = failf("%.1f buffers per interrupt at K=16", coal);
	return ok;
}

static bool t_coalesce_time(void *arg)
{
	struct mctx *c = arg;
	double ratio = 0, handled = 0;
	bool ok;

	/* 1000 buffers/s, interrupt at most every 20 ms: ~20 per interrupt. */
	ok = per_irq(c, 64, 20000, 1000, 1000, &ratio, &handled);
	model_close(c);
	if (ok)
		printf("INFO: model.coalesce-time: %.1f buffers/irq at T=20ms, 1000/s\n",
		       ratio);
	if (ok && (ratio < 8.0 || ratio > 30.0))
		ok = failf("%.1f buffers per interrupt, expected about 20", ratio);
	return ok;
}

static bool t_coalesce_bad(void *arg)
{
	struct mctx *c = arg;
	bool ok;
	int edu;

	ok = model_open(c, 16, page_bytes(), 0) &&
	     EXPECT_ERRNO(set_coalesce(c->fd, 2048, 0, 0), EINVAL, "count > ring") &&
	     EXPECT_ERRNO(set_coalesce(c->fd, 1, 0, 1), EINVAL, "flags") &&
	     pump(c, 10, true);
	model_close(c);
	edu = dev_open("/dev/fpgadma0", O_RDWR);
	if (ok && edu >= 0)
		ok = EXPECT_ERRNO(set_coalesce(edu, 1, 0, 0), EOPNOTSUPP,
				  "SET_COALESCE on edu");
	if (edu >= 0)
		close(edu);
	return ok;
}

static long exchange(struct mctx *c, const uint32_t *idx, uint32_t nrel,
		     struct fpgadma_record *r, uint32_t max,
		     struct fpgadma_exchange *ex)
{
	*ex = (struct fpgadma_exchange) {
		.indices = (uintptr_t)idx, .records = (uintptr_t)r,
		.release_count = nrel, .record_max = max,
	};
	return ioctl(c->fd, FPGADMA_IOC_EXCHANGE, ex);
}

/* The streaming loop with one system call per batch. */
static bool t_exchange(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[BATCH];
	struct fpgadma_exchange ex;
	uint32_t idx[BATCH], n = 0;
	bool ok;

	ok = model_open(c, 64, page_bytes(), 0);
	while (ok && c->records < 20000) {
		ok = EXPECT_OK(exchange(c, idx, n, r, BATCH, &ex), "EXCHANGE");
		if (ok && (ex.record_count < 1 || ex.record_count > BATCH ||
			   ex.release_count))
			ok = failf("record_count %u, release_count %u",
				   ex.record_count, ex.release_count);
		for (n = 0; ok && n < ex.record_count; n++) {
			ok = check_record(c, &r[n], true);
			idx[n] = r[n].index;
		}
	}
	if (ok && c->lost_sum)
		ok = failf("lost %llu", (unsigned long long)c->lost_sum);
	model_close(c);
	return ok;
}

static bool t_exchange_bad(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[BATCH] = { 0 };
	struct fpgadma_exchange ex;
	struct fpgadma_stats st0, st1;
	uint32_t bad = 1000, held;
	bool ok;
	int other;

	ok = model_open(c, 16, page_bytes(), 0) && get_stats(c->fd, &st0);
	/* Reserved fields, sizes. */
	ok = ok && (ex = (struct fpgadma_exchange){ .record_max = 1, .flags = 1 },
		    EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_EXCHANGE, &ex), EINVAL, "flags"));
	ok = ok && (ex = (struct fpgadma_exchange){ .record_max = 1, .reserved = 1 },
		    EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_EXCHANGE, &ex), EINVAL, "reserved"));
	ok = ok && EXPECT_ERRNO(exchange(c, NULL, 0, r, 0, &ex), EINVAL, "record_max 0");
	ok = ok && EXPECT_ERRNO(exchange(c, NULL, 0, r, 5000, &ex), EINVAL, "record_max too big");
	ok = ok && EXPECT_ERRNO(exchange(c, &bad, 5000, r, 1, &ex), EINVAL, "release_count too big");
	ok = ok && EXPECT_ERRNO(exchange(c, NULL, 1, r, 1, &ex), EFAULT, "bad indices pointer");
	/* A refused release takes no record. */
	ok = ok && EXPECT_ERRNO(exchange(c, &bad, 1, r, 1, &ex), EINVAL, "index not held") &&
	     get_stats(c->fd, &st1);
	if (ok && st1.dequeued != st0.dequeued)
		ok = failf("a refused EXCHANGE dequeued %llu records",
			   (unsigned long long)(st1.dequeued - st0.dequeued));
	/* Bad record pointer: EFAULT, nothing dequeued either. */
	ok = ok && EXPECT_ERRNO(exchange(c, NULL, 0, NULL, 1, &ex), EFAULT, "bad records pointer") &&
	     get_stats(c->fd, &st1);
	if (ok && st1.dequeued != st0.dequeued)
		ok = failf("EXCHANGE into a bad pointer dequeued records");
	/* A good one, then a second file is refused. */
	ok = ok && EXPECT_OK(exchange(c, NULL, 0, r, 1, &ex), "EXCHANGE") &&
	     check_record(c, &r[0], true);
	held = r[0].index;
	other = dev_open(c->path, O_RDWR);
	if (ok && other >= 0) {
		struct fpgadma_exchange ox = { .indices = (uintptr_t)&held,
			.records = (uintptr_t)r, .release_count = 1, .record_max = 1 };

		ok = EXPECT_ERRNO(ioctl(other, FPGADMA_IOC_EXCHANGE, &ox), EBUSY,
				  "EXCHANGE by a second file");
	}
	if (other >= 0)
		close(other);
	/*
	 * Timeout after a release: hold every buffer (EXCHANGE without
	 * releasing until it times out), stall the device, then release one:
	 * ETIMEDOUT, and release_count reads 0 (the release happened).
	 */
	ok = ok && set_timeout(c->fd, 200);
	while (ok) {
		long ret = exchange(c, NULL, 0, r, BATCH, &ex);

		if (ret < 0) {
			ok = expect_errno(ret, errno, ETIMEDOUT, "EXCHANGE, all held");
			break;
		}
		for (uint32_t i = 0; ok && i < ex.record_count; i++)
			ok = check_record(c, &r[i], true);
	}
	ok = ok && knob_write(c, "stall_ms", 1000);
	if (ok) {
		sleep_ms(20);	/* the model is asleep now */
		ok = EXPECT_ERRNO(exchange(c, &held, 1, r, 1, &ex), ETIMEDOUT,
				  "EXCHANGE after a release, device stalled");
		if (ok && ex.release_count)
			ok = failf("release_count %u after a timed-out EXCHANGE",
				   ex.release_count);
	}
	model_close(c);
	return ok;
}

/* Writes a raw string to a knob; returns 0 or the errno of the write. */
static int knob_write_raw(struct mctx *c, const char *knob, const char *text)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", c->knobs, knob);
	return write_file_errno(path, text);
}

/*
 * The model's sysfs knobs refuse junk, out-of-range values and overflow,
 * and keep their values.
 */
static bool t_knobs_bad(void *arg)
{
	static const char * const knobs[] = {
		"rate", "fill", "len", "miss_irq", "stall_ms", "burst",
	};
	uint64_t before[6], after;
	static const struct { const char *knob, *text; } bad[] = {
		{ "rate", "abc" }, { "rate", "-1" }, { "rate", "10000001" },
		{ "rate", "99999999999999999999" }, { "fill", "3" },
		{ "len", "4194305" }, { "miss_irq", "1001" },
		{ "stall_ms", "10001" }, { "burst", "1025" }, { "burst", "\n" },
	};
	size_t i;

	if (!find_model(arg))
		return false;
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (!knob_read(arg, knobs[i], &before[i]))
			return false;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = knob_write_raw(arg, bad[i].knob, bad[i].text);

		if (err != EINVAL && err != ERANGE)
			return failf("%s <- '%s': %s, expected EINVAL or ERANGE",
				     bad[i].knob, bad[i].text, errname(err));
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (!knob_read(arg, knobs[i], &after))
			return false;
		if (after != before[i])
			return failf("%s changed from %llu to %llu by refused writes",
				     knobs[i], (unsigned long long)before[i],
				     (unsigned long long)after);
	}
	return knob_write_raw(arg, "produced", "1") != 0 ?
	       true : failf("the read-only counter 'produced' accepted a write");
}

/* The pid of the model's kernel thread, "fpgadma-model/N". */
static bool model_thread(struct mctx *c, pid_t *pid)
{
	const char *id = strrchr(c->knobs, '.');
	char want[32], path[300], comm[32];
	struct dirent *e;
	DIR *d;

	if (!id)
		return failf("no device number in %s", c->knobs);
	snprintf(want, sizeof(want), "fpgadma-model/%s\n", id + 1);
	d = opendir("/proc");
	if (!d)
		return failf("opendir /proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		FILE *f;
		bool match;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		match = fgets(comm, sizeof(comm), f) && !strcmp(comm, want);
		fclose(f);
		if (match) {
			*pid = (pid_t)strtol(e->d_name, NULL, 10);
			closedir(d);
			return true;
		}
	}
	closedir(d);
	return failf("no kernel thread %.*s", (int)strlen(want) - 1, want);
}

/* Voluntary plus involuntary context switches of @pid so far. */
static bool ctx_switches(pid_t pid, uint64_t *n)
{
	static const char * const keys[] = {
		"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:",
	};
	char path[64], line[128], *end;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return failf("open %s: %s", path, strerror(errno));
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		for (size_t k = 0; k < 2; k++) {
			size_t len = strlen(keys[k]);

			if (strncmp(line, keys[k], len))
				continue;
			errno = 0;
			*n += strtoull(line + len, &end, 10);
			if (!errno && end != line + len)
				found++;
		}
	}
	fclose(f);
	return found == 2 ? true : failf("no context switch counts in %s", path);
}

/* The model thread may switch at most a few times in a second of @what. */
static bool idle_switches(pid_t pid, const char *what)
{
	uint64_t a = 0, b = 0;

	sleep_ms(200);
	if (!ctx_switches(pid, &a))
		return false;
	sleep_ms(1000);
	if (!ctx_switches(pid, &b))
		return false;
	printf("INFO: model.idle-no-poll: %s: %llu context switches in 1 s\n",
	       what, (unsigned long long)(b - a));
	return b - a <= 5 ? true :
	       failf("%s: the model thread switched %llu times in 1 s",
		     what, (unsigned long long)(b - a));
}

/*
 * Idle is asleep: stopped, and flow controlled with every buffer held
 * (no descriptor to fill), the model thread sleeps until a register write
 * instead of polling.
 */
static bool t_idle(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[16];
	long got, i, total;
	pid_t pid = 0;
	bool ok;

	ok = find_model(c) && model_thread(c, &pid) &&
	     idle_switches(pid, "stopped");
	ok = ok && model_open(c, 16, page_bytes(), 0);
	for (total = 0; ok && total < 16; total += got) {
		got = read_records(c, r + total, 16 - total);
		ok = got > 0;
		for (i = total; ok && i < total + got; i++)
			ok = check_record(c, &r[i], true);
	}
	ok = ok && idle_switches(pid, "streaming, all 16 buffers held");
	model_close(c);
	return ok;
}

/*
 * STOP inside a long moderation window (1000 buffers or 3 s): the model
 * must see RUN clear at once, so STOP is quick and the next START (whose
 * RESET must work) streams again.
 */
static bool t_stop_long_window(void *arg)
{
	struct mctx *c = arg;
	bool ok;

	ok = model_prepare(c, 64, page_bytes(), 0) &&
	     EXPECT_OK(set_coalesce(c->fd, 1000, 3000000, 0),
		       "SET_COALESCE 1000 buffers, 3 s") &&
	     set_timeout(c->fd, 8000) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START") &&
	     pump(c, 64, true);
	if (ok) {
		uint64_t t0, dt;

		/* The ring was refilled: a 3 s window is open now. */
		sleep_ms(100);
		t0 = now_ns();
		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP),
			       "STOP inside the window");
		dt = now_ns() - t0;
		if (ok && dt > 500000000ull)
			ok = failf("STOP took %.0f ms: RUN clear not seen at once",
				   dt / 1e6);
	}
	if (ok) {
		reset_counts(c);
		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START),
			       "START after the STOP") && pump(c, 64, true);
	}
	if (c->fd >= 0)
		set_coalesce(c->fd, 1, 0, 0);
	model_close(c);
	return ok;
}

/*
 * A device that ignores RESET (stuck=1 while idle, so it writes no
 * memory): START fails, since RESET never completes; once it is unstuck,
 * the pending RESET takes effect and START streams.
 */
static bool t_stuck_reset(void *arg)
{
	static const int allowed[] = { ETIMEDOUT, EIO };
	struct mctx *c = arg;
	bool ok;

	ok = model_prepare(c, 16, page_bytes(), 0) && knob_write(c, "stuck", 1);
	if (ok) {
		long ret = ioctl(c->fd, FPGADMA_IOC_START);
		int err = errno;

		ok = expect_errno_in(ret, err, allowed, 2,
				     "START, the device ignores RESET");
	}
	ok = ok && knob_write(c, "stuck", 0) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START),
		       "START once the device resets") &&
	     pump(c, 50, true);
	model_close(c);
	return ok;
}

/*
 * A streaming device that does not stop (stuck=1): STOP must not report
 * success while the device may still write. It fails with EIO, the stream
 * is over for the user, and the buffers stay quarantined: START fails
 * with EIO while the device still runs. Once it stops, START streams.
 */
static bool t_stuck_stop(void *arg)
{
	struct fpgadma_stats st;
	struct mctx *c = arg;
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && pump(c, 50, true) &&
	     knob_write(c, "stuck", 1) &&
	     EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_STOP), EIO,
			  "STOP, the device does not stop") &&
	     get_stats(c->fd, &st);
	if (ok && st.streaming)
		ok = failf("streaming = %u after the failed STOP", st.streaming);
	ok = ok && EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_START), EIO,
				"START while the buffers are quarantined");
	if (ok)
		reset_counts(c);	/* a new stream: sequence 0 again */
	ok = ok && knob_write(c, "stuck", 0) &&
	     EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START),
		       "START once the device stops") &&
	     pump(c, 50, true);
	model_close(c);
	return ok;
}

/*
 * Surprise removal: every register reads all-ones. STOP must see a dead
 * device at once (no poll for the RUNNING bit, which all-ones has set,
 * then a reset) and report the stream stopped, not quarantine the
 * buffers. Once the device is back, it streams again.
 */
static bool t_gone_stop(void *arg)
{
	struct mctx *c = arg;
	uint64_t ms = 0;
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && pump(c, 50, true) &&
	     knob_write(c, "gone", 1);
	if (ok) {
		uint64_t t0 = now_ns();

		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP),
			       "STOP of a device that reads all-ones");
		ms = (now_ns() - t0) / 1000000;
	}
	/* The stop poll alone would take a second (FSE_STOP_TIMEOUT_US). */
	if (ok && ms >= 500)
		ok = failf("STOP of a gone device took %llu ms: it polled",
			   (unsigned long long)ms);
	if (c->ring)
		munmap(c->ring, ring_bytes(&c->info));
	c->ring = NULL;
	ok = ok && EXPECT_OK(ioc_set_ring(c->fd, 16, page_bytes(), 0, 0),
			     "SET_RING after it (not quarantined)");
	ok = knob_write(c, "gone", 0) && ok;
	model_close(c);
	if (ok) {
		ok = model_open(c, 16, page_bytes(), 0) && pump(c, 50, true);
		model_close(c);
	}
	return ok;
}

/*
 * A completion whose sequence number disagrees with the engine's count
 * (drops included) is flagged FPGADMA_REC_ERROR; the engine then follows
 * the device's count, so the next one may be flagged too, and the stream
 * goes on with its data intact.
 */
static bool t_bad_sequence(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r[BATCH];
	unsigned int seen = 0, flagged = 0;
	bool ok;

	ok = model_open(c, 16, page_bytes(), 0) && pump(c, 20, true) &&
	     knob_write(c, "bad_seq", 1);
	while (ok && seen < 100) {
		long got = read_records(c, r, BATCH), i;

		if (got < 0) {
			ok = false;
			break;
		}
		for (i = 0; ok && i < got; i++) {
			ok = check_record(c, &r[i], true);
			flagged += !!(r[i].flags & FPGADMA_REC_ERROR);
		}
		ok = ok && release_records(c, r, got);
		seen += (unsigned int)got;
	}
	if (ok && (flagged < 1 || flagged > 2))
		ok = failf("%u of %u records flagged after one wrong sequence number, expected 1 or 2",
			   flagged, seen);
	ok = ok && pump(c, 20, true);
	model_close(c);
	return ok;
}

static bool t_restart(void *arg)
{
	struct mctx *c = arg;
	bool ok;

	/* After all the faults: a clean stream from sequence 0. */
	ok = model_open(c, 64, 65536, 0) && pump(c, 500, true);
	model_close(c);
	return ok;
}

int cmd_model(const char *dev)
{
	static struct mctx c;
	static const struct step steps[] = {
		{ "model.soak-100k", 280, t_soak, false, false },
		{ "model.slow-consumer-drops-exact", 60, t_slow_consumer, false, false },
		{ "model.fault-short", 30, t_fault_short, false, false },
		{ "model.fault-bus-error", 30, t_fault_bus_error, false, false },
		{ "model.fault-missed-irq", 30, t_fault_missed_irq, false, false },
		{ "model.fault-spurious-irq", 30, t_fault_spurious_irq, false, false },
		{ "model.fault-stall", 30, t_fault_stall, false, false },
		{ "model.fault-burst", 30, t_fault_burst, false, false },
		{ "model.coalesce-count", 60, t_coalesce_count, false, false },
		{ "model.coalesce-time", 60, t_coalesce_time, false, false },
		{ "model.coalesce-bad-input", 30, t_coalesce_bad, false, false },
		{ "model.exchange", 120, t_exchange, false, false },
		{ "model.exchange-bad-input", 30, t_exchange_bad, false, false },
		{ "model.knobs-bad-input", 30, t_knobs_bad, false, false },
		{ "model.idle-no-poll", 30, t_idle, false, false },
		{ "model.stop-in-long-window", 30, t_stop_long_window, false, false },
		{ "model.stuck-ignores-reset", 30, t_stuck_reset, false, false },
		{ "model.stuck-stop-quarantines", 60, t_stuck_stop, false, false },
		{ "model.gone-stops-at-once", 60, t_gone_stop, false, false },
		{ "model.bad-sequence-flagged", 60, t_bad_sequence, false, false },
		{ "model.restart-after-faults", 60, t_restart, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}

int cmd_model_restart(const char *dev)
{
	static struct mctx c;

	(void)dev;
	run_test("model.stream-after-reload", 60, t_restart, &c);
	return test_failures();
}

/* caps=1: no FPGADMA_CAP_COALESCE, SET_COALESCE refused, streams. */
static bool t_nocoal_info(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_info info;
	int fd;
	bool ok;

	if (!find_model(c))
		return false;
	fd = dev_open(c->path, O_RDWR);
	if (fd < 0)
		return false;
	ok = get_info(fd, &info);
	if (ok && (info.caps & FPGADMA_CAP_COALESCE))
		ok = failf("INFO has FPGADMA_CAP_COALESCE (caps %#x) on a device without moderation",
			   info.caps);
	close(fd);
	return ok;
}

static bool t_nocoal_set(void *arg)
{
	struct mctx *c = arg;
	bool ok;
	int fd;

	if (!find_model(c))
		return false;
	fd = dev_open(c->path, O_RDWR);
	if (fd < 0)
		return false;
	ok = EXPECT_ERRNO(set_coalesce(fd, 16, 0, 0), EOPNOTSUPP,
			  "SET_COALESCE count 16, no moderation") &&
	     EXPECT_ERRNO(set_coalesce(fd, 1, 1000, 0), EOPNOTSUPP,
			  "SET_COALESCE 1 ms, no moderation") &&
	     EXPECT_ERRNO(set_coalesce(fd, 1, 0, 0), EOPNOTSUPP,
			  "SET_COALESCE 1, 0, no moderation");
	close(fd);
	return ok;
}

static bool t_nocoal_stream(void *arg)
{
	struct mctx *c = arg;
	bool ok;

	ok = model_open(c, 64, page_bytes(), 0) && pump(c, 2000, true);
	if (ok && c->lost_sum)
		ok = failf("lost %llu", (unsigned long long)c->lost_sum);
	model_close(c);
	return ok;
}

int cmd_model_nocoalesce(const char *dev)
{
	static struct mctx c;
	static const struct step steps[] = {
		{ "model-nocoalesce.info-no-cap", 30, t_nocoal_info, false, false },
		{ "model-nocoalesce.set-eopnotsupp", 30, t_nocoal_set, false, false },
		{ "model-nocoalesce.stream", 60, t_nocoal_stream, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}

/*
 * release-4096: the largest RELEASE (FPGADMA_RELEASE_MAX indices) on a
 * 4096-buffer ring of the model, timed. Its interrupts-off sections (the
 * ring's release under ring_lock, then the engine's posting in chunks)
 * are inside the ioctl, so its wall time bounds the longest of them; the
 * lane prints the figure for the record (docs/performance.md). Needs
 * fpgadma loaded with max_buf_count=4096.
 */
#define REL_N		4096U
#define REL_ROUNDS	5

static bool t_release_4096(void *arg)
{
	struct mctx *c = arg;
	static uint32_t idx[REL_N];
	struct fpgadma_record r[BATCH];
	uint64_t best = UINT64_MAX, worst = 0;
	bool ok;

	ok = model_open(c, REL_N, page_bytes(), 0) && knob_write(c, "fill", 1);
	for (int round = 0; ok && round < REL_ROUNDS; round++) {
		uint32_t held = 0;
		uint64_t t0, dt;

		/* Hold every buffer: the device has none left. */
		while (ok && held < REL_N) {
			long got = read_records(c, r, BATCH), i;

			ok = got > 0;
			for (i = 0; ok && i < got; i++) {
				ok = check_record(c, &r[i], false);
				idx[held++] = r[i].index;
			}
		}
		if (!ok)
			break;
		t0 = now_ns();
		ok = EXPECT_OK(ioc_release(c->fd, idx, REL_N, 0),
			       "RELEASE of 4096 indices");
		dt = now_ns() - t0;
		best = dt < best ? dt : best;
		worst = dt > worst ? dt : worst;
	}
	if (ok)
		printf("# RELEASE of %u indices: %llu..%llu us over %d rounds (ioctl wall time, bounds its interrupts-off sections)\n",
		       REL_N, (unsigned long long)(best / 1000),
		       (unsigned long long)(worst / 1000), REL_ROUNDS);
	/* And every released buffer comes back. */
	ok = ok && pump(c, 2ULL * REL_N, false);
	model_close(c);
	return ok;
}

int cmd_release_4096(const char *dev)
{
	static struct mctx c;

	(void)dev;
	run_test("model.release-4096", 240, t_release_4096, &c);
	return test_failures();
}
