// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput section 1: zero copy vs copy, the consumer checksumming
 * every byte (model rate=0: flat out, flow controlled).
 *
 * Zero copy: fpgadma_next_batch() of up to min(depth/4, 16) views, the
 * checksum of each buffer in place, fpgadma_release_batch() of the batch
 * (the library reads up to 64 ready records per read() and hands them out
 * from there). Copy: fpgadma_read() of buf_size bytes into a user buffer,
 * checksum it. Also the producer's ceiling (zero copy, the consumer does
 * not touch the data) for fill 2/1/0 and the checksum alone over cached
 * memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct tp {
	bool ok;
	double mbps;		/* consumed MB/s (10^6 bytes) */
	double mbps_min;	/* worst of the repetitions */
	double cpu_s_per_gb;	/* consumer user+sys seconds per 10^9 bytes */
	uint64_t buffers;
	uint64_t bad;		/* buffers whose word 0 was not their sequence */
	uint32_t depth;
	uint32_t per_read;
	int memory;		/* the ring's kind (FPGADMA_MEM_*) */
};

/* Run time of one throughput point. */
static double tp_secs(void)
{
	return opt.quick ? 0.25 : 0.4;
}

/* The measured window of a run: after a ring's worth of warm-up buffers. */
struct meter {
	uint64_t warm, t0, c0, end, bytes, bufs;
};

static void meter_init(struct meter *m, uint32_t depth)
{
	*m = (struct meter) { .warm = depth, .end = UINT64_MAX };
}

/* Count n buffers of bytes in all; true once the run is long enough. */
static bool meter_add(struct meter *m, uint64_t n, uint64_t bytes)
{
	if (m->warm) {
		m->warm = m->warm > n ? m->warm - n : 0;
		if (!m->warm) {
			m->t0 = now_ns();
			m->c0 = cpu_ns();
			m->end = m->t0 + (uint64_t)(tp_secs() * 1e9);
		}
		return false;
	}
	m->bytes += bytes;
	m->bufs += n;
	return now_ns() >= m->end && m->bufs >= 8;
}

static void meter_done(const struct meter *m, uint32_t depth, uint32_t per_read,
		       struct tp *r)
{
	r->mbps = (double)m->bytes / ((double)(now_ns() - m->t0) / 1e9) / 1e6;
	r->cpu_s_per_gb = (double)(cpu_ns() - m->c0) / 1e9 / ((double)m->bytes / 1e9);
	r->buffers = m->bufs;
	r->depth = depth;
	r->per_read = per_read;
	r->ok = true;
}

/* Word 0 of every buffer the model fills is its sequence number. */
static bool pattern_ok(int fill, const void *data, size_t len, uint64_t seq)
{
	return !fill || len < 8 || *(const uint64_t *)data == seq;
}

static void zc_run(uint32_t size, uint32_t depth, int fill, bool csum,
		   struct tp *r)
{
	struct fpgadma_view v[16];
	uint32_t per_read = depth / 4 ? depth / 4 : 1;
	struct stream s;
	struct meter m;

	memset(r, 0, sizeof(*r));
	if (per_read > 16)
		per_read = 16;
	if (!model_setup(0, fill) || !stream_open(&s, model.node, depth, size, 0))
		return;
	r->memory = s.memory;
	meter_init(&m, depth);
	for (;;) {
		int n = fpgadma_next_batch(s.dev, v, per_read, WAIT_MS);
		uint64_t bytes = 0;
		int rel;

		if (n <= 0) {
			warn("zero-copy next_batch: %s", fpgadma_strerror(n));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (csum)
				bench_sink += checksum(v[i].data, v[i].len);
			r->bad += !pattern_ok(fill, v[i].data, v[i].len, v[i].sequence);
			bytes += v[i].len;
		}
		rel = fpgadma_release_batch(s.dev, v, (size_t)n);
		if (rel) {
			warn("zero-copy release_batch: %s", fpgadma_strerror(rel));
			goto out;
		}
		if (meter_add(&m, (uint64_t)n, bytes))
			break;
	}
	meter_done(&m, depth, per_read, r);
out:
	stream_close(&s);
}

static void copy_run(uint32_t size, uint32_t depth, int fill, struct tp *r)
{
	uint8_t *ubuf = aligned_alloc(4096, size);
	struct stream s;
	struct meter m;

	memset(r, 0, sizeof(*r));
	if (!ubuf)
		return;
	memset(ubuf, 0, size);
	if (!model_setup(0, fill) ||
	    !stream_open(&s, model.node, depth, size, FPGADMA_OPEN_COPY)) {
		free(ubuf);
		return;
	}
	r->memory = s.memory;
	meter_init(&m, depth);
	for (uint64_t seq = 0;; seq++) {
		/* One buffer: the library's file is non-blocking, so a read
		 * may return part of it when the consumer caught up. */
		for (size_t got = 0; got < size;) {
			ssize_t n = fpgadma_read(s.dev, ubuf + got, size - got, WAIT_MS);

			if (n < 0) {
				warn("copy read: %s", fpgadma_strerror((int)n));
				goto out;
			}
			got += (size_t)n;
		}
		bench_sink += checksum(ubuf, size);
		r->bad += !pattern_ok(fill, ubuf, size, seq);
		if (meter_add(&m, 1, size))
			break;
	}
	meter_done(&m, depth, 1, r);
out:
	stream_close(&s);
	free(ubuf);
}

/*
 * The host may be shared (other VMs steal the vCPUs' time, and guest clocks
 * keep running meanwhile): alternate zero copy and copy reps() times and
 * keep each mode's best run (highest MB/s, lowest CPU s/GB).
 */
static void keep_best(struct tp *best, const struct tp *t)
{
	if (!t->ok)
		return;
	if (!best->ok) {
		*best = *t;
		best->mbps_min = t->mbps;
		return;
	}
	best->mbps_min = t->mbps < best->mbps_min ? t->mbps : best->mbps_min;
	if (t->mbps > best->mbps) {
		best->mbps = t->mbps;
		best->buffers = t->buffers;
	}
	if (t->cpu_s_per_gb < best->cpu_s_per_gb)
		best->cpu_s_per_gb = t->cpu_s_per_gb;
	best->bad += t->bad;
}

static void record_tp(const char *test, const char *mode, uint32_t size, int fill,
		      const struct tp *t, bool all)
{
	struct params p = {
		.section = "throughput", .test = test, .mode = mode, .buf_size = size,
		.depth = t->depth, .batch = t->per_read, .fill = fill,
		.memory = ring_kind(t->memory),
	};

	if (!t->ok)
		return;
	record(&p, "throughput", t->mbps, "MB/s");
	record(&p, "cpu_per_gb", t->cpu_s_per_gb, "s/GB");
	if (!all)
		return;
	record(&p, "throughput_worst", t->mbps_min, "MB/s");
	record(&p, "buffers", (double)t->buffers, "buffers");
	record(&p, "pattern_errors", (double)t->bad, "buffers");
}

static const uint32_t tp_sizes[] = { 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB,
				     1 * MIB, 4 * MIB };
static const uint32_t tp_depths[] = { 8, 32 };
static const int tp_fills[] = { 2, 1 };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void point(uint32_t size, uint32_t depth, int fill)
{
	struct tp zc = { 0 }, cp = { 0 }, t;

	for (int i = 0; i < reps(); i++) {
		zc_run(size, depth, fill, true, &t);
		keep_best(&zc, &t);
		copy_run(size, depth, fill, &t);
		keep_best(&cp, &t);
	}
	printf("  fill=%d %7u KiB x %3u %-8s: zero copy %8.1f MB/s %7.3f s/GB, copy %8.1f MB/s "
	       "%7.3f s/GB%s\n", fill, size / KIB, depth, zc.ok ? mem_name(zc.memory) : "-",
	       zc.mbps, zc.cpu_s_per_gb, cp.mbps, cp.cpu_s_per_gb,
	       zc.bad || cp.bad ? "  PATTERN MISMATCH" : "");
	record_tp("consume_checksum", "zerocopy", size, fill, &zc, true);
	record_tp("consume_checksum", "copy", size, fill, &cp, true);
}

void section_throughput(const struct fpgadma_devinfo *info)
{
	uint8_t *m;

	printf("== 1. zero copy vs copy, consumer checksums every byte: %d alternating runs "
	       "per mode of %.2f s, best kept ==\n", reps(), tp_secs());
	for (size_t f = 0; f < N(tp_fills); f++)
		for (size_t d = 0; d < N(tp_depths); d++)
			for (size_t i = 0; i < N(tp_sizes); i++) {
				if (opt.quick && (i % 2 == 1) && tp_sizes[i] != MIB)
					continue;
				point(tp_sizes[i], fit_depth(tp_depths[d], tp_sizes[i], info),
				      tp_fills[f]);
			}

	/* The producer's ceiling: what the model delivers to a consumer that only releases. */
	for (int fill = 2; fill >= 0; fill--) {
		struct tp t;

		zc_run(MIB, fit_depth(32, MIB, info), fill, false, &t);
		printf("  producer ceiling, 1 MiB, fill=%d: %.1f MB/s\n", fill, t.mbps);
		record_tp("producer_ceiling", "zerocopy", MIB, fill, &t, false);
	}
	/* The consumer's ceiling: the checksum alone over cached memory. */
	m = malloc(MIB);
	if (m) {
		struct params p = {
			.section = "throughput", .test = "checksum_only", .mode = "malloc",
			.buf_size = MIB, .fill = NO_FILL,
		};
		double rate;

		memset(m, 1, MIB);
		rate = csum_rate(m, MIB, 300000000u);
		printf("  checksum alone, 1 MiB malloc'd: %.1f MB/s\n", rate);
		record(&p, "throughput", rate, "MB/s");
		free(m);
	}
}
