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
 * the null calls. Beside them, in the same rounds, the shared rings
 * (FPGADMA_CAP_SHARED) on the same file: "shared" takes every record the
 * completion ring holds, releases them with one producer store, kicks only
 * when the kernel sets NEED_WAKEUP and sleeps in SHM_KICK(WAIT) only when
 * the ring is empty; "poll" is the UIO-style loop a user-space driver runs
 * on its own rings: the same, but it spins instead of sleeping. It is the
 * fastest consumer there is, so its rate is the model's ceiling here. Both
 * with the interrupt moderation of the k=32 rows (32 buffers or 200 us).
 * The library opens its file non-blocking (a wait is read,
 * poll, read), reads up to 64 records per read() whatever the caller asks
 * for, and returns from an empty release without a system call, so through
 * it these costs could not be isolated. No mapping is needed: the model
 * writes nothing and the consumer reads nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

/* ---- the shared rings ---------------------------------------------------- */

/* Interrupt moderation of the shared-ring rows (as the k=32 rows). */
#define SHM_K	32u

struct shm {
	uint8_t *ctrl;
	struct fpgadma_shm_info si;
	uint32_t ccons, rprod;
	uint64_t kicks;
};

static _Atomic uint32_t *shm_u32(const struct shm *c, uint32_t off)
{
	return (_Atomic uint32_t *)(void *)(c->ctrl + off);
}

static int shm_kick(int fd, uint32_t flags)
{
	struct fpgadma_shm_kick k = { .flags = flags };

	return ioctl(fd, FPGADMA_IOC_SHM_KICK, &k);
}

static bool shm_map(int fd, struct shm *c)
{
	void *p;

	memset(c, 0, sizeof(*c));
	if (ioctl(fd, FPGADMA_IOC_SHM_INFO, &c->si)) {
		warn("SHM_INFO: %s", strerror(errno));
		return false;
	}
	p = mmap(NULL, c->si.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)c->si.mmap_offset);
	if (p == MAP_FAILED) {
		warn("mmap control area: %s", strerror(errno));
		return false;
	}
	c->ctrl = p;
	return true;
}

/* Stop the record-mode stream and start the shared one, or the reverse. */
static bool shm_switch(int fd, struct shm *c, bool shared)
{
	struct fpgadma_shm_start st = { 0 };

	if (ioctl(fd, FPGADMA_IOC_STOP) ||
	    (shared ? ioctl(fd, FPGADMA_IOC_SHM_START, &st) :
		      ioctl(fd, FPGADMA_IOC_START))) {
		warn("STOP / %s: %s", shared ? "SHM_START" : "START", strerror(errno));
		return false;
	}
	c->ccons = c->rprod = 0;	/* SHM_START zeroed the indices */
	return true;
}

/*
 * One batch through the rings: wait for records (spin if poll, else sleep
 * in SHM_KICK(WAIT) when the ring is empty), give them all back. Returns
 * the number of buffers, or -1.
 */
static ssize_t shm_round(int fd, struct shm *c, bool poll, uint64_t deadline)
{
	const struct fpgadma_record *comp = (const void *)(c->ctrl + c->si.comp_ring_off);
	_Atomic uint32_t *rel = shm_u32(c, c->si.rel_ring_off);
	uint32_t cmask = c->si.comp_entries - 1, rmask = c->si.rel_entries - 1;
	uint32_t p, n, i;
	uint64_t spins = 0;

	for (;;) {
		p = atomic_load_explicit(shm_u32(c, c->si.comp_prod_off), memory_order_acquire);
		if (p != c->ccons)
			break;
		if (!poll) {
			c->kicks++;
			if (shm_kick(fd, FPGADMA_KICK_WAIT))
				return -1;
		} else if (!(++spins & 0xffff) && now_ns() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	n = p - c->ccons;
	for (i = 0; i < n; i++)
		atomic_store_explicit(&rel[(c->rprod + i) & rmask],
				      comp[(c->ccons + i) & cmask].index, memory_order_relaxed);
	c->ccons = p;
	atomic_store_explicit(shm_u32(c, c->si.comp_cons_off), c->ccons, memory_order_release);
	c->rprod += n;
	atomic_store_explicit(shm_u32(c, c->si.rel_prod_off), c->rprod, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(shm_u32(c, c->si.flags_off), memory_order_relaxed) &
	    FPGADMA_SHM_NEED_WAKEUP) {
		c->kicks++;
		if (shm_kick(fd, 0))
			return -1;
	}
	return n;
}

struct shm_res {
	struct ovh o;
	double kicks_per_buf;
};

static void shm_run(int fd, struct shm *c, bool poll, struct shm_res *res)
{
	uint64_t secs = opt.quick ? 300000000u : 500000000u;
	uint64_t bufs = 0, rounds = 0, t0, c0, end, k0;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (!shm_switch(fd, c, true))
		return;
	for (int i = 0; i < 64; i++)		/* warm up */
		if (shm_round(fd, c, poll, now_ns() + 3000000000ull) < 0)
			goto out;
	k0 = c->kicks;
	t0 = now_ns();
	c0 = cpu_ns();
	end = t0 + secs;
	do {
		n = shm_round(fd, c, poll, end + 3000000000ull);
		if (n < 0) {
			warn("shared-ring round (%s): %s", poll ? "poll" : "shared",
			     strerror(errno));
			goto out;
		}
		bufs += (uint64_t)n;
		rounds++;
	} while (now_ns() < end);
	res->o.wall_ns = (double)(now_ns() - t0) / (double)bufs;
	res->o.cpu_ns = (double)(cpu_ns() - c0) / (double)bufs;
	res->o.bufs_per_s = 1e9 / res->o.wall_ns;
	res->o.recs_per_read = (double)bufs / (double)rounds;
	res->kicks_per_buf = (double)(c->kicks - k0) / (double)bufs;
	res->o.ok = true;
out:
	shm_switch(fd, c, false);
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
	struct shm_res sbest[2] = { 0 };	/* shared, poll */
	double skicks[2] = { 0 };
	bool have_shm = false;
	struct shm shm;
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
	if (caps & FPGADMA_CAP_SHARED)
		have_shm = shm_map(fd, &shm);
	else
		note("overhead: the driver has no shared rings (FPGADMA_CAP_SHARED)");
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
		for (int m = 0; have_shm && m < 2; m++) {
			struct shm_res sr;

			/* Moderation as the k=32 rows: one interrupt per 32 or 200 us. */
			if ((caps & FPGADMA_CAP_COALESCE) && set_coalesce(fd, SHM_K, 200))
				warn("SET_COALESCE %u/200: %s", SHM_K, strerror(errno));
			shm_run(fd, &shm, m == 1, &sr);
			if (sr.o.ok && (!sbest[m].o.ok || sr.o.cpu_ns < sbest[m].o.cpu_ns))
				skicks[m] = sr.kicks_per_buf;
			keep_best(&sbest[m].o, &sr.o);
		}
	}
	if (have_shm)
		munmap(shm.ctrl, shm.si.mmap_size);
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
	for (int m = 0; m < 2; m++) {
		const struct ovh *o = &sbest[m].o;
		struct params p = {
			.section = "overhead", .test = "round_trip",
			.mode = m ? "poll" : "shared", .buf_size = size,
			.depth = depth, .batch = SHM_K, .fill = 0,
			.memory = ring_kind(memory),
		};

		if (!o->ok)
			continue;
		printf("  %-17s %9.0f buffers/s, CPU %7.0f ns/buffer (%.3fx one getppid), "
		       "%.1f per round, %.4f kicks/buffer\n",
		       m ? "shared rings poll" : "shared rings", o->bufs_per_s, o->cpu_ns,
		       o->cpu_ns / null_ns[NULL_GETPPID], o->recs_per_read, skicks[m]);
		record(&p, "buffers_per_s", o->bufs_per_s, "1/s");
		record(&p, "wall_ns_per_buffer", o->wall_ns, "ns");
		record(&p, "cpu_ns_per_buffer", o->cpu_ns, "ns");
		record(&p, "cpu_ratio_to_1_null", o->cpu_ns / null_ns[NULL_GETPPID], "x");
		record(&p, "records_per_round", o->recs_per_read, "records");
		record(&p, "kicks_per_buffer", skicks[m], "x");
	}
	if (sbest[0].o.ok && sbest[1].o.ok)
		printf("  shared rings: %.2fx the polling loop's rate (the model's ceiling)\n",
		       sbest[0].o.bufs_per_s / sbest[1].o.bufs_per_s);
}
