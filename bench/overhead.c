// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput section 2: per-buffer overhead with the model filling
 * nothing (fill=0, rate=0, 256 x 4 KiB): k = 1, 8, 32 records per read()
 * and indices per RELEASE, and k per EXCHANGE, against null calls measured
 * in the same run on the same streaming file: syscall(SYS_getppid),
 * read(fd, buf, 0) and RELEASE of 0 indices.
 *
 * This section uses the raw UAPI on purpose, not libfpgadma: it measures
 * the cost of single system calls on a blocking streaming file, i.e.
 * exactly k records per read() and per EXCHANGE, one RELEASE per batch, and
 * the null calls. The library opens its file non-blocking (a wait is read,
 * poll, read), reads up to 64 records per read() whatever the caller asks
 * for, and returns from an empty release without a system call, so through
 * it these costs could not be isolated. No mapping is needed: the model
 * writes nothing and the consumer reads nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "uapi/fpgadma.h"

static int release_n(int fd, const uint32_t *idx, uint32_t n)
{
	struct fpgadma_release rel = { .indices = (uintptr_t)idx, .count = n };

	return ioctl(fd, FPGADMA_IOC_RELEASE, &rel);
}

static int set_coalesce(int fd, uint32_t count, uint32_t usecs)
{
	struct fpgadma_coalesce c = { .count = count, .usecs = usecs };

	return ioctl(fd, FPGADMA_IOC_SET_COALESCE, &c);
}

/* A blocking, started record-mode file with a count x size ring, or -1. */
static int raw_open(const char *node, uint32_t count, uint32_t size, uint32_t *caps,
		    int *memory)
{
	struct fpgadma_ring_config rc = {
		.buf_count = count, .buf_size = size, .flags = opt.memory,
	};
	struct fpgadma_timeout t = { .timeout_ms = WAIT_MS };
	struct fpgadma_info info;
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		warn("open %s: %s", node, strerror(errno));
		return -1;
	}
	if (ioctl(fd, FPGADMA_IOC_SET_RING, &rc) || ioctl(fd, FPGADMA_IOC_INFO, &info) ||
	    ioctl(fd, FPGADMA_IOC_SET_TIMEOUT, &t) || ioctl(fd, FPGADMA_IOC_START)) {
		warn("SET_RING %u x %u (memory %s) / INFO / SET_TIMEOUT / START on %s: %s",
		     count, size, mem_name((int)opt.memory), node, strerror(errno));
		close(fd);
		return -1;
	}
	*caps = info.caps;
	*memory = (info.flags & FPGADMA_INFO_CACHED) ? FPGADMA_MEM_CACHED : FPGADMA_MEM_COHERENT;
	return fd;
}

enum null_call { NULL_GETPPID, NULL_READ0, NULL_RELEASE0 };

static const struct {
	enum null_call call;
	const char *mode;
} null_calls[] = {
	{ NULL_GETPPID, "getppid" },
	{ NULL_READ0, "read0" },
	{ NULL_RELEASE0, "release0" },
};
#define N_NULL (sizeof(null_calls) / sizeof(null_calls[0]))

static double time_per_call(enum null_call what, int fd)
{
	uint32_t dummy = 0;
	char b[16];
	uint64_t t0, n = 0, batch = 2000, limit = opt.quick ? 100000000u : 250000000u;

	t0 = now_ns();
	do {
		for (uint64_t i = 0; i < batch; i++) {
			if (what == NULL_GETPPID)
				syscall(SYS_getppid);
			else if (what == NULL_READ0)
				bench_sink += (uint64_t)read(fd, b, 0);
			else
				bench_sink += (uint64_t)release_n(fd, &dummy, 0);
		}
		n += batch;
	} while (now_ns() - t0 < limit);
	return (double)(now_ns() - t0) / (double)n;
}

struct ovh {
	bool ok;
	double bufs_per_s;
	double wall_ns;		/* wall time per buffer */
	double cpu_ns;		/* consumer CPU per buffer */
	double recs_per_read;
	double blocked_frac;	/* share of reads that returned fewer than k */
};

/*
 * One round trip: give back the n indices in idx, then take up to k
 * records; with xchg as one FPGADMA_IOC_EXCHANGE, else RELEASE + read().
 * Returns the number of records, or -1.
 */
static ssize_t round_trip(int fd, bool xchg, uint32_t *idx, uint32_t n,
			  struct fpgadma_record *rec, uint32_t k)
{
	ssize_t got;

	if (xchg) {
		struct fpgadma_exchange ex = {
			.indices = (uintptr_t)idx, .records = (uintptr_t)rec,
			.release_count = n, .record_max = k,
		};

		if (ioctl(fd, FPGADMA_IOC_EXCHANGE, &ex))
			return -1;
		got = ex.record_count;
	} else {
		if (n && release_n(fd, idx, n))
			return -1;
		got = read(fd, rec, k * sizeof(rec[0]));
		if (got <= 0)
			return -1;
		got /= (ssize_t)sizeof(rec[0]);
	}
	for (ssize_t j = 0; j < got; j++)
		idx[j] = rec[j].index;
	return got;
}

static void overhead_run(int fd, uint32_t caps, uint32_t k, bool xchg, struct ovh *o)
{
	struct fpgadma_record rec[64];
	uint32_t idx[64];
	uint64_t bufs = 0, reads = 0, shortr = 0, t0, c0, end;
	ssize_t n = 0;
	uint64_t secs = opt.quick ? 300000000u : 500000000u;

	memset(o, 0, sizeof(*o));
	/* k > 1: one interrupt per k completions (or 200 us). */
	if ((caps & FPGADMA_CAP_COALESCE) && set_coalesce(fd, k, k > 1 ? 200 : 0)) {
		warn("SET_COALESCE %u: %s", k, strerror(errno));
		return;
	}
	for (int i = 0; i < 64; i++) {		/* warm up */
		n = round_trip(fd, xchg, idx, (uint32_t)n, rec, k);
		if (n < 0)
			return;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	end = t0 + secs;
	do {
		n = round_trip(fd, xchg, idx, (uint32_t)n, rec, k);
		if (n < 0) {
			warn("overhead round trip: %s", strerror(errno));
			return;
		}
		bufs += (uint64_t)n;
		reads++;
		shortr += (uint64_t)n < k;
	} while (now_ns() < end);
	/* Give the last batch back: the next run starts with a full ring. */
	if (n > 0 && release_n(fd, idx, (uint32_t)n))
		warn("overhead RELEASE: %s", strerror(errno));
	o->wall_ns = (double)(now_ns() - t0) / (double)bufs;
	o->cpu_ns = (double)(cpu_ns() - c0) / (double)bufs;
	o->bufs_per_s = 1e9 / o->wall_ns;
	o->recs_per_read = (double)bufs / (double)reads;
	o->blocked_frac = (double)shortr / (double)reads;
	o->ok = true;
}

/* Best CPU per buffer, and separately the best wall time, of the rounds. */
static void keep_best(struct ovh *b, const struct ovh *o)
{
	double w;

	if (!o->ok)
		return;
	w = b->ok && b->wall_ns < o->wall_ns ? b->wall_ns : o->wall_ns;
	if (!b->ok || o->cpu_ns < b->cpu_ns)
		*b = *o;
	b->wall_ns = w;
	b->bufs_per_s = 1e9 / w;
}

static void min_into(double *best, double v)
{
	if (*best == 0 || v < *best)
		*best = v;
}

struct ovcase {
	uint32_t k;
	bool xchg;
	struct ovh best;
};

void section_overhead(void)
{
	struct ovcase cases[] = {
		{ .k = 1 }, { .k = 8 }, { .k = 32 },
		{ .k = 1, .xchg = true }, { .k = 8, .xchg = true }, { .k = 32, .xchg = true },
	};
	const uint32_t depth = 256, size = 4 * KIB;
	const int rounds = 5 * reps() / 3;	/* + 1 round of null calls */
	double null_ns[N_NULL] = { 0 }, two_null;
	uint32_t caps = 0;
	int fd, memory = -1;

	printf("== 2. per-buffer overhead: model fill=0, rate=0, ring %u x 4 KiB (memory %s), "
	       "best of %d rounds ==\n", depth, mem_name((int)opt.memory), rounds);
	if (!model_setup(0, 0))
		return;
	fd = raw_open(model.node, depth, size, &caps, &memory);
	if (fd < 0)
		return;
	errno = 0;
	if (read(fd, NULL, 0) != -1 || errno != EINVAL)
		warn("read(fd, 0) on the streaming file: expected EINVAL, got %s",
		     strerror(errno));
	/* Null calls and each case, alternating. */
	for (int r = 0; r <= rounds; r++) {
		for (size_t i = 0; i < N_NULL; i++)
			min_into(&null_ns[i], time_per_call(null_calls[i].call, fd));
		if (r == rounds)
			break;
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct ovh o;

			overhead_run(fd, caps, cases[i].k, cases[i].xchg, &o);
			keep_best(&cases[i].best, &o);
		}
	}
	/* The other sections run with one interrupt per buffer. */
	if ((caps & FPGADMA_CAP_COALESCE) && set_coalesce(fd, 1, 0))
		warn("SET_COALESCE 1/0: %s", strerror(errno));
	close(fd);

	for (size_t i = 0; i < N_NULL; i++) {
		struct params p = {
			.section = "overhead", .test = "null_syscall",
			.mode = null_calls[i].mode, .batch = 1, .fill = NO_FILL,
		};

		printf("  null call %-8s %8.0f ns\n", null_calls[i].mode, null_ns[i]);
		record(&p, "ns_per_call", null_ns[i], "ns");
	}
	two_null = 2 * null_ns[NULL_GETPPID];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ovh *o = &cases[i].best;
		struct params p = {
			.section = "overhead", .test = "round_trip",
			.mode = cases[i].xchg ? "exchange" : "zerocopy", .buf_size = size,
			.depth = depth, .batch = cases[i].k, .fill = 0,
			.memory = ring_kind(memory),
		};

		if (!o->ok)
			continue;
		printf("  k=%-2u %-12s %9.0f buffers/s, CPU %7.0f ns/buffer (%.2fx two getppid)\n",
		       cases[i].k, cases[i].xchg ? "EXCHANGE" : "read+RELEASE", o->bufs_per_s,
		       o->cpu_ns, o->cpu_ns / two_null);
		record(&p, "buffers_per_s", o->bufs_per_s, "1/s");
		record(&p, "wall_ns_per_buffer", o->wall_ns, "ns");
		record(&p, "cpu_ns_per_buffer", o->cpu_ns, "ns");
		record(&p, "cpu_ratio_to_2_null", o->cpu_ns / two_null, "x");
		record(&p, "wall_ratio_to_2_null", o->wall_ns / two_null, "x");
		record(&p, "records_per_read", o->recs_per_read, "records");
		record(&p, "short_read_fraction", o->blocked_frac, "x");
	}
}
