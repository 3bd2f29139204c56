// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput section 4: interrupt-to-user latency, reader pinned to
 * CPU 0, in interleaved rounds (model 1 s, edu 2.5 s, UIO 1 s), so that
 * host noise hits all three alike.
 *
 * fpgadma (model at 1000 buffers/s without coalescing, and edu): a
 * sample is the reader's clock when fpgadma_next_batch() returns minus the
 * first record's timestamp_ns (taken in the interrupt handler), counted
 * only when that interrupt came after the call began, i.e. the reader
 * really slept (in the library: read() EAGAIN, poll(), read()). The UIO
 * baseline (uio.c) starts earlier, before the raising MMIO write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

void lat_add(struct lat *l, uint64_t ns)
{
	if (!l->v)
		l->v = calloc(MAX_SAMPLES, sizeof(*l->v));
	if (l->v && l->n < MAX_SAMPLES)
		l->v[l->n++] = ns;
}

static void lat_fpgadma(const char *node, uint32_t count, uint64_t secs_ns,
			struct lat *l)
{
	struct fpgadma_view v[16];
	struct stream s;
	uint64_t end;

	if (!stream_open(&s, node, count, 4 * KIB, 0))
		return;
	end = now_ns() + secs_ns;
	while (l->n < MAX_SAMPLES && now_ns() < end) {
		uint64_t before = now_ns(), after;
		int n = fpgadma_next_batch(s.dev, v, 16, WAIT_MS);

		after = now_ns();
		if (n <= 0) {
			warn("latency on %s: %s", node, fpgadma_strerror(n));
			break;
		}
		if (v[0].timestamp_ns >= before)
			lat_add(l, after - v[0].timestamp_ns);
		else
			l->late++;
		n = fpgadma_release_batch(s.dev, v, (size_t)n);
		if (n) {
			warn("latency release on %s: %s", node, fpgadma_strerror(n));
			break;
		}
	}
	stream_close(&s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n], n > 0, in us. */
static double pct_us(const uint64_t *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)n);

	return (double)v[k < 1 ? 0 : k - 1] / 1e3;
}

static void record_lat(const char *mode, struct lat *l)
{
	struct params p = {
		.section = "latency", .test = "irq_to_user", .mode = mode, .fill = NO_FILL,
	};
	double sum = 0;

	if (!l->n) {
		printf("  %-6s not measured\n", mode);
		return;
	}
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_u64);
	for (size_t i = 0; i < l->n; i++)
		sum += (double)l->v[i];
	printf("  %-6s %6zu samples, p50 %9.1f us, p99 %9.1f us\n", mode, l->n,
	       pct_us(l->v, l->n, 50), pct_us(l->v, l->n, 99));
	record(&p, "samples", (double)l->n, "samples");
	record(&p, "min_us", (double)l->v[0] / 1e3, "us");
	record(&p, "p50_us", pct_us(l->v, l->n, 50), "us");
	record(&p, "p99_us", pct_us(l->v, l->n, 99), "us");
	record(&p, "max_us", (double)l->v[l->n - 1] / 1e3, "us");
	record(&p, "mean_us", sum / (double)l->n / 1e3, "us");
	record(&p, "not_blocked_reads", (double)l->late, "reads");
	free(l->v);
	l->v = NULL;
}

void section_latency(void)
{
	int rounds = opt.quick ? 1 : 3;
	uint64_t slice = 1000000000u;
	struct lat lm = { 0 }, le = { 0 }, lu = { 0 };

	printf("== 4. interrupt-to-user latency: %d rounds of model 1 s, edu %.1f s, "
	       "UIO 1 s ==\n", rounds, opt.quick ? 2.0 : 2.5);
	pin_cpu(0);
	for (int r = 0; r < rounds; r++) {
		if (model.found && model_setup(1000, 1))
			lat_fpgadma(model.node, 64, slice, &lm);
		if (edu.found)
			lat_fpgadma(edu.node, 16, opt.quick ? 2 * slice : 5 * slice / 2, &le);
		if (opt.uio)
			lat_uio(opt.uio, slice, &lu);
	}
	pin_cpu(-1);
	if (model.found)
		model_setup(0, 2);
	record_lat("model", &lm);
	record_lat("edu", &le);
	record_lat("uio", &lu);
}
