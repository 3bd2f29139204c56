// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput's targets: the one table of what a run is judged against,
 * evaluated against the result list once all sections ran. Each target is
 * a figure (one result, or the ratio of two), a comparison and a limit (a
 * constant, or another result measured in the same run). A target whose
 * figures were not measured is "n/a". Missed targets are results, not
 * failures: the exit status does not depend on them.
 */
#include <stddef.h>

#include "bench.h"

struct target_def {
	const char *name;
	const char *what;
	const char *value;	/* result selector (see result_find()) */
	const char *over;	/* if set: value is divided by this result */
	const char *cmp;	/* ">=" or "<=" */
	double limit;		/* the limit, unless limit_of is set */
	const char *limit_of;	/* the limit is this result */
	int primary_fill;	/* primary when --primary-fill is this (0: never) */
	const char *why;
};

/* Selectors. ZC_COPY gives two: .value (zero copy) and .over (copy). */
#define ZC_COPY(fill, depth)                                                    \
	"test=consume_checksum mode=zerocopy buf_size=1048576 ring_depth=" #depth   \
	" fill=" #fill " metric=throughput",                                        \
	"test=consume_checksum mode=copy buf_size=1048576 ring_depth=" #depth      \
	" fill=" #fill " metric=throughput"
#define MAPPED(size, mem)                                                       \
	"test=mapped_vs_malloc mode=ratio buf_size=" #size " memory=" #mem            \
	" metric=mapped_over_malloc"
#define PER_BUF(mode, k) "test=round_trip mode=" #mode " batch=" #k " metric=cpu_ratio_to_2_null"
#define P99(mode) "test=irq_to_user mode=" #mode " metric=p99_us"

static const char why_zc[] =
	"zero copy must pay off: the consumer reads in place instead of paying a copy on top";
static const char why_mapped[] =
	"the mapped ring must be ordinary cached memory for the consumer";
static const char why_cached[] =
	"the cached kind's per-buffer pages and cache maintenance must cost the consumer "
	"nothing when it reads (on x86 both kinds are cached; on a non-coherent SoC only this one)";
static const char why_rt[] =
	"one buffer's round trip (take one record, give one back) should cost little more "
	"than the two system calls it needs";
static const char why_batch[] =
	"batching should amortise the calls: per buffer a fraction of one round trip";
static const char why_shm[] =
	"with the shared rings no system call is made per buffer while data flows, as in a "
	"user-space driver polling its own rings";
static const char why_shm_rate[] =
	"sleeping only when the ring is empty must cost next to nothing in rate against a "
	"consumer that spins";
static const char why_lat[] =
	"waking the reader through fpgadma must be no worse than UIO, the usual alternative";

static const struct target_def defs[] = {
	{ "zerocopy_vs_copy_1MiB_fill2_depth32", "zero-copy MB/s / copy MB/s, 1 MiB x 32, fill=2",
	  ZC_COPY(2, 32), ">=", 2.0, NULL, 2, why_zc },
	{ "zerocopy_vs_copy_1MiB_fill2_depth8", "zero-copy MB/s / copy MB/s, 1 MiB x 8, fill=2",
	  ZC_COPY(2, 8), ">=", 2.0, NULL, 0, why_zc },
	{ "zerocopy_vs_copy_1MiB_fill1_depth32", "zero-copy MB/s / copy MB/s, 1 MiB x 32, fill=1",
	  ZC_COPY(1, 32), ">=", 2.0, NULL, 1, why_zc },
	{ "zerocopy_vs_copy_1MiB_fill1_depth8", "zero-copy MB/s / copy MB/s, 1 MiB x 8, fill=1",
	  ZC_COPY(1, 8), ">=", 2.0, NULL, 0, why_zc },
	{ "mapped_vs_malloc_checksum_16MiB",
	  "mapped ring checksum MB/s / malloc MB/s, 16 MiB, coherent ring",
	  MAPPED(16777216, coherent), NULL, ">=", 0.95, NULL, 0, why_mapped },
	{ "mapped_vs_malloc_checksum_256KiB", "same, 256 KiB, coherent ring",
	  MAPPED(262144, coherent), NULL, ">=", 0.95, NULL, 0, why_mapped },
	{ "mapped_vs_malloc_checksum_16MiB_cached", "same, 16 MiB, cached ring",
	  MAPPED(16777216, cached), NULL, ">=", 0.95, NULL, 0, why_cached },
	{ "mapped_vs_malloc_checksum_256KiB_cached", "same, 256 KiB, cached ring",
	  MAPPED(262144, cached), NULL, ">=", 0.95, NULL, 0, why_cached },
	{ "round_trip_k1", "consumer CPU per buffer (1 record/read, 1 index/RELEASE) / 2 getppid",
	  PER_BUF(zerocopy, 1), NULL, "<=", 1.5, NULL, 0, why_rt },
	{ "round_trip_k8", "same, k=8 records/read and indices/RELEASE",
	  PER_BUF(zerocopy, 8), NULL, "<=", 0.25, NULL, 0, why_batch },
	{ "round_trip_k32", "same, k=32",
	  PER_BUF(zerocopy, 32), NULL, "<=", 0.25, NULL, 0, why_batch },
	{ "exchange_k1", "consumer CPU per buffer, 1 EXCHANGE (release 1 + read 1) / 2 getppid",
	  PER_BUF(exchange, 1), NULL, "<=", 1.5, NULL, 0, why_rt },
	{ "exchange_k8", "same, k=8 per EXCHANGE",
	  PER_BUF(exchange, 8), NULL, "<=", 0.25, NULL, 0, why_batch },
	{ "exchange_k32", "same, k=32",
	  PER_BUF(exchange, 32), NULL, "<=", 0.25, NULL, 0, why_batch },
	{ "shared_rings_cpu", "consumer CPU per buffer through the shared rings / 1 getppid",
	  "test=round_trip mode=shared metric=cpu_ns_per_buffer",
	  "test=null_syscall mode=getppid metric=ns_per_call", "<=", 0.1, NULL, 0, why_shm },
	{ "shared_rings_rate", "shared-ring buffers/s / the UIO-style polling loop's (the model's ceiling)",
	  "test=round_trip mode=shared metric=buffers_per_s",
	  "test=round_trip mode=poll metric=buffers_per_s", ">=", 0.9, NULL, 0, why_shm_rate },
	{ "latency_p99_model_vs_uio", "p99 model (us) <= p99 UIO (us)",
	  P99(model), NULL, "<=", 0, P99(uio), 0, why_lat },
	{ "latency_p99_edu_vs_uio", "p99 edu via fpgadma (us) <= p99 UIO (us)",
	  P99(edu), NULL, "<=", 0, P99(uio), 0, why_lat },
};

#define N_TARGETS (sizeof(defs) / sizeof(defs[0]))

static struct target targets[N_TARGETS];
static size_t ntargets;

static void eval(const struct target_def *d, struct target *t)
{
	const struct result *v = result_find(d->value);
	const struct result *o = d->over ? result_find(d->over) : NULL;
	const struct result *l = d->limit_of ? result_find(d->limit_of) : NULL;

	*t = (struct target) {
		.name = d->name, .what = d->what, .why = d->why, .cmp = d->cmp,
		.primary = d->primary_fill && d->primary_fill == opt.primary_fill,
		.limit = d->limit_of ? (l ? l->value : 0) : d->limit,
	};
	t->have = v && (!d->over || (o && o->value > 0)) && (!d->limit_of || l);
	if (!t->have)
		return;
	t->value = d->over ? v->value / o->value : v->value;
	t->met = d->cmp[0] == '>' ? t->value >= t->limit : t->value <= t->limit;
}

void eval_targets(void)
{
	for (ntargets = 0; ntargets < N_TARGETS; ntargets++)
		eval(&defs[ntargets], &targets[ntargets]);
}

const struct target *target_at(size_t i)
{
	return i < ntargets ? &targets[i] : NULL;
}
