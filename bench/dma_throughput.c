// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput: the fpgadma high-rate path, measured in one run.
 *
 *   1. zero copy (records + in-place read + RELEASE) vs copy mode (read()
 *      into a user buffer), the consumer checksumming every byte:
 *      throughput and consumer CPU time per GB, buffer sizes 4 KiB..4 MiB,
 *      two ring depths, model fill=2 (every word) and fill=1 (word 0 only);
 *      plus the producer's ceiling (zero copy, no checksum) for each fill;
 *   2. per-buffer overhead with the model filling nothing: one record per
 *      read + one index per RELEASE, and k = 8, 32 per call, against null
 *      syscalls (getppid via syscall(), read() of 0 bytes and RELEASE of 0
 *      indices on the streaming file) measured in the same run;
 *   3. the same checksum over the mapped ring and over malloc'd memory;
 *   4. interrupt-to-user latency: record.timestamp_ns (the driver's
 *      interrupt handler) to the reader's wakeup, on the model (1000
 *      buffers/s, no coalescing) and on edu; and a UIO baseline
 *      (uio_pci_generic on an edu device: user space raises edu's INTx
 *      through BAR0 and times raise -> wakeup of read() on /dev/uioN).
 *
 * Prints a table on stdout, writes a long-format CSV and a JSON file.
 * Ratios within one run are the point; absolute figures under QEMU TCG are
 * not those of hardware.
 *
 * Usage: dma_throughput [--csv FILE] [--json FILE] [--uio BDF] [--quick]
 *                       [--primary-fill N] [--skip SECTIONS]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "uapi/fpgadma.h"

#define KIB		1024u
#define MIB		1048576u
#define MAX_ROWS	1024
#define MAX_SAMPLES	20000

/* edu registers (QEMU docs/specs/edu.txt) */
#define EDU_ID		0x00
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

static bool quick;
static int primary_fill = 2;
static const char *skip = "";
static volatile uint64_t sink;

/* ---- results ------------------------------------------------------------ */

struct row {
	char section[16];
	char test[40];
	char mode[16];
	uint32_t buf_size;
	uint32_t depth;
	uint32_t batch;
	int fill;
	char metric[32];
	double value;
	char unit[16];
};

static struct row rows[MAX_ROWS];
static int nrows;

static void add(const char *section, const char *test, const char *mode,
		uint32_t buf_size, uint32_t depth, uint32_t batch, int fill,
		const char *metric, double value, const char *unit)
{
	struct row *r;

	if (nrows == MAX_ROWS)
		return;
	r = &rows[nrows++];
	snprintf(r->section, sizeof(r->section), "%s", section);
	snprintf(r->test, sizeof(r->test), "%s", test);
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	r->buf_size = buf_size;
	r->depth = depth;
	r->batch = batch;
	r->fill = fill;
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	r->value = value;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
}

struct target {
	char name[48];
	char what[96];
	double value;
	char cmp[4];
	double limit;
	bool have;
	bool met;
};

static struct target targets[24];
static int ntargets;

static void add_target(const char *name, const char *what, bool have,
		       double value, const char *cmp, double limit)
{
	struct target *t;

	if (ntargets == (int)(sizeof(targets) / sizeof(targets[0])))
		return;
	t = &targets[ntargets++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->what, sizeof(t->what), "%s", what);
	snprintf(t->cmp, sizeof(t->cmp), "%s", cmp);
	t->value = value;
	t->limit = limit;
	t->have = have;
	t->met = have && (cmp[0] == '>' ? value >= limit : value <= limit);
}

static char notes[32][200];
static int nnotes;

__attribute__((format(printf, 1, 2)))
static void note(const char *fmt, ...)
{
	va_list ap;

	if (nnotes == 32)
		return;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes++], sizeof(notes[0]), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("dma_throughput: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---- clocks and helpers ---------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* User + system CPU time of this process. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
		       1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
		       1000u;
}

static bool skipped(const char *section)
{
	return strstr(skip, section) != NULL;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		for (long i = 0; i < n && i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The consumer's checksum: a sum of 64-bit words in four lanes (every byte
 * is loaded once). The same function runs over the ring, the copy-mode
 * buffer and malloc'd memory.
 */
__attribute__((noinline))
static uint64_t checksum(const void *p, size_t n)
{
	const uint64_t *w = p;
	const uint8_t *tail;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	size_t i, nw = n / 8;

	for (i = 0; i + 4 <= nw; i += 4) {
		a += w[i];
		b += w[i + 1];
		c += w[i + 2];
		d += w[i + 3];
	}
	for (; i < nw; i++)
		a += w[i];
	tail = (const uint8_t *)(w + nw);
	for (i = 0; i < n % 8; i++)
		a += tail[i];
	return a ^ (b << 1) ^ (c << 2) ^ (d << 3);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n]. */
static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)n);

	if (!n)
		return 0;
	if (k < 1)
		k = 1;
	return v[k - 1];
}

static const char *size_str(uint32_t bytes, char *buf, size_t len)
{
	if (bytes >= MIB && bytes % MIB == 0)
		snprintf(buf, len, "%u MiB", bytes / MIB);
	else
		snprintf(buf, len, "%u KiB", bytes / KIB);
	return buf;
}

/* ---- devices ------------------------------------------------------------ */

struct fdev {
	char node[32];		/* /dev/fpgadmaN */
	char knobs[96];		/* model: its sysfs knob directory */
	bool found;
};

static struct fdev model, edu;

static bool sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static bool sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	ok &= fclose(f) == 0;
	return ok;
}

static void find_devices(void)
{
	for (int i = 0; i < 16; i++) {
		char path[96], engine[32];
		struct fdev *d;

		snprintf(path, sizeof(path), "/sys/class/fpgadma/fpgadma%d/engine", i);
		if (!sysfs_read(path, engine, sizeof(engine)))
			continue;
		if (!strcmp(engine, "stream"))
			d = &model;
		else if (!strcmp(engine, "edu"))
			d = &edu;
		else
			continue;
		if (d->found)
			continue;
		d->found = true;
		snprintf(d->node, sizeof(d->node), "/dev/fpgadma%d", i);
		/* The model's knobs: the parent of the platform device. */
		snprintf(d->knobs, sizeof(d->knobs),
			 "/sys/class/fpgadma/fpgadma%d/device/..", i);
	}
}

static bool knob(const char *name, unsigned long val)
{
	char path[160], v[32];

	snprintf(path, sizeof(path), "%s/%s", model.knobs, name);
	snprintf(v, sizeof(v), "%lu\n", val);
	if (!sysfs_write(path, v)) {
		warn("cannot write %lu to %s: %s", val, path, strerror(errno));
		return false;
	}
	return true;
}

static bool model_setup(unsigned long rate, int fill)
{
	return knob("rate", rate) && knob("fill", (unsigned long)fill) &&
	       knob("len", 0);
}

struct stream {
	int fd;
	struct fpgadma_info info;
	uint8_t *ring;
	size_t ring_len;
};

static void stream_close(struct stream *s)
{
	if (s->ring && s->ring != MAP_FAILED)
		munmap(s->ring, s->ring_len);
	s->ring = NULL;
	if (s->fd >= 0) {
		ioctl(s->fd, FPGADMA_IOC_STOP);
		close(s->fd);
	}
	s->fd = -1;
}

static int set_coalesce(int fd, uint32_t count, uint32_t usecs)
{
	struct fpgadma_coalesce c = { .count = count, .usecs = usecs };

	return ioctl(fd, FPGADMA_IOC_SET_COALESCE, &c);
}

/*
 * Open @node; resize its ring (count 0: keep it); map it unless @copy;
 * start it unless @copy (copy mode starts at the first read()).
 */
static bool stream_open(struct stream *s, const char *node, uint32_t count,
			uint32_t size, bool copy, bool coal_off)
{
	struct fpgadma_timeout t = { .timeout_ms = 3000 };

	memset(s, 0, sizeof(*s));
	s->fd = open(node, O_RDWR);
	if (s->fd < 0) {
		warn("open %s: %s", node, strerror(errno));
		return false;
	}
	if (count) {
		struct fpgadma_ring_config rc = { .buf_count = count, .buf_size = size };

		if (ioctl(s->fd, FPGADMA_IOC_SET_RING, &rc)) {
			warn("SET_RING %u x %u on %s: %s", count, size, node,
			     strerror(errno));
			goto fail;
		}
	}
	if (ioctl(s->fd, FPGADMA_IOC_INFO, &s->info) ||
	    ioctl(s->fd, FPGADMA_IOC_SET_TIMEOUT, &t)) {
		warn("INFO/SET_TIMEOUT on %s: %s", node, strerror(errno));
		goto fail;
	}
	if (coal_off && (s->info.caps & FPGADMA_CAP_COALESCE) &&
	    set_coalesce(s->fd, 1, 0)) {
		warn("SET_COALESCE 1/0: %s", strerror(errno));
		goto fail;
	}
	if (copy)
		return true;
	s->ring_len = (size_t)s->info.buf_count * s->info.buf_size;
	s->ring = mmap(NULL, s->ring_len, PROT_READ, MAP_SHARED, s->fd, 0);
	if (s->ring == MAP_FAILED) {
		warn("mmap %zu bytes of %s: %s", s->ring_len, node, strerror(errno));
		s->ring = NULL;
		goto fail;
	}
	if (ioctl(s->fd, FPGADMA_IOC_START)) {
		warn("START on %s: %s", node, strerror(errno));
		goto fail;
	}
	return true;
fail:
	stream_close(s);
	return false;
}

static int release_n(int fd, const uint32_t *idx, uint32_t n)
{
	struct fpgadma_release rel = { .indices = (uintptr_t)idx, .count = n };

	return ioctl(fd, FPGADMA_IOC_RELEASE, &rel);
}

/* ---- 1. throughput: zero copy vs copy ------------------------------------ */

struct tp {
	bool ok;
	double mbps;		/* consumed MB/s (10^6 bytes) */
	double mbps_min;	/* worst of the repetitions */
	double cpu_s_per_gb;	/* consumer user+sys seconds per 10^9 bytes */
	uint64_t buffers;
	uint64_t bad;		/* buffers whose word 0 was not their sequence */
	uint32_t depth;
	uint32_t per_read;
};

/* Run time of one throughput point. */
static double tp_secs(void)
{
	return quick ? 0.25 : 0.4;
}

static void zc_run(uint32_t size, uint32_t depth, int fill, bool csum,
		   struct tp *r)
{
	struct fpgadma_record rec[64];
	uint32_t idx[64], per_read = depth / 4 ? depth / 4 : 1;
	uint64_t t0 = 0, c0 = 0, bytes = 0, bufs = 0, warm = depth, end;
	struct stream s;

	memset(r, 0, sizeof(*r));
	if (per_read > 16)
		per_read = 16;
	if (!model_setup(0, fill) || !stream_open(&s, model.node, depth, size, false, true))
		return;
	end = UINT64_MAX;
	for (;;) {
		ssize_t n = read(s.fd, rec, per_read * sizeof(rec[0]));

		if (n <= 0) {
			warn("zero-copy read: %s", n ? strerror(errno) : "EOF");
			goto out;
		}
		n /= (ssize_t)sizeof(rec[0]);
		for (ssize_t i = 0; i < n; i++) {
			const uint8_t *b = s.ring + (size_t)rec[i].index * s.info.buf_size;

			if (csum)
				sink += checksum(b, rec[i].bytes_used);
			if (fill && rec[i].bytes_used >= 8 &&
			    *(const uint64_t *)b != rec[i].sequence)
				r->bad++;
			idx[i] = rec[i].index;
			if (!warm) {
				bytes += rec[i].bytes_used;
				bufs++;
			}
		}
		if (release_n(s.fd, idx, (uint32_t)n)) {
			warn("RELEASE: %s", strerror(errno));
			goto out;
		}
		if (warm) {
			warm = warm > (uint64_t)n ? warm - (uint64_t)n : 0;
			if (!warm) {
				t0 = now_ns();
				c0 = cpu_ns();
				end = t0 + (uint64_t)(tp_secs() * 1e9);
			}
			continue;
		}
		if (now_ns() >= end && bufs >= 8)
			break;
	}
	r->mbps = (double)bytes / ((double)(now_ns() - t0) / 1e9) / 1e6;
	r->cpu_s_per_gb = (double)(cpu_ns() - c0) / 1e9 / ((double)bytes / 1e9);
	r->buffers = bufs;
	r->depth = depth;
	r->per_read = per_read;
	r->ok = true;
out:
	stream_close(&s);
}

static void copy_run(uint32_t size, uint32_t depth, int fill, struct tp *r)
{
	uint64_t t0 = 0, c0 = 0, bytes = 0, bufs = 0, seq = 0, end = UINT64_MAX;
	uint64_t warm = depth;
	struct stream s;
	uint8_t *ubuf;

	memset(r, 0, sizeof(*r));
	ubuf = aligned_alloc(4096, size);
	if (!ubuf)
		return;
	memset(ubuf, 0, size);
	if (!model_setup(0, fill) || !stream_open(&s, model.node, depth, size, true, true)) {
		free(ubuf);
		return;
	}
	for (;;) {
		ssize_t n = read(s.fd, ubuf, size);

		if (n != (ssize_t)size) {
			warn("copy read: %zd (%s)", n, n < 0 ? strerror(errno) : "short");
			goto out;
		}
		sink += checksum(ubuf, (size_t)n);
		if (fill && *(const uint64_t *)ubuf != seq)
			r->bad++;
		seq++;
		if (warm) {
			if (!--warm) {
				t0 = now_ns();
				c0 = cpu_ns();
				end = t0 + (uint64_t)(tp_secs() * 1e9);
			}
			continue;
		}
		bytes += (uint64_t)n;
		bufs++;
		if (now_ns() >= end && bufs >= 8)
			break;
	}
	r->mbps = (double)bytes / ((double)(now_ns() - t0) / 1e9) / 1e6;
	r->cpu_s_per_gb = (double)(cpu_ns() - c0) / 1e9 / ((double)bytes / 1e9);
	r->buffers = bufs;
	r->depth = depth;
	r->per_read = 1;
	r->ok = true;
out:
	stream_close(&s);
	free(ubuf);
}

/*
 * The host may be shared (other VMs steal the vCPUs' time, and guest clocks
 * keep running meanwhile): alternate zero copy and copy REPS times and keep
 * each mode's best run (highest MB/s, lowest CPU s/GB).
 */
static int reps(void)
{
	return quick ? 1 : 3;
}

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

static void best_of(uint32_t size, uint32_t depth, int fill, struct tp *zc, struct tp *cp)
{
	struct tp t;

	memset(zc, 0, sizeof(*zc));
	memset(cp, 0, sizeof(*cp));
	for (int i = 0; i < reps(); i++) {
		zc_run(size, depth, fill, true, &t);
		keep_best(zc, &t);
		copy_run(size, depth, fill, &t);
		keep_best(cp, &t);
	}
}

static double csum_rate(const uint8_t *p, size_t len, uint64_t ns)
{
	uint64_t t0 = now_ns(), bytes = 0;

	do {
		sink += checksum(p, len);
		bytes += len;
	} while (now_ns() - t0 < ns);
	return (double)bytes / ((double)(now_ns() - t0) / 1e9) / 1e6;
}

static const uint32_t tp_sizes[] = { 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB,
				     1 * MIB, 4 * MIB };
static const uint32_t tp_depths[] = { 8, 32 };
static const int tp_fills[] = { 2, 1 };

/* [fill][depth][size][mode] */
static struct tp tpres[2][2][6][2];

static uint32_t fit_depth(uint32_t want, uint32_t size, const struct fpgadma_info *info)
{
	uint64_t max = info->max_ring_size / size;

	if (max > info->max_buf_count)
		max = info->max_buf_count;
	return want > max ? (uint32_t)max : want;
}

static void section_throughput(const struct fpgadma_info *info)
{
	char sz[16];

	printf("\n== 1. zero copy vs copy, consumer checksums every byte "
	       "(model rate=0: flat out, flow controlled) ==\n");
	printf("zero copy: read() up to min(depth/4,16) records, checksum each buffer in place, "
	       "RELEASE the batch.\ncopy:      read() of buf_size bytes into a user buffer "
	       "(one buffer per call), checksum it.\n");
	printf("CPU = consumer user+sys (getrusage); the model thread (the \"device\") is not counted.\n");
	printf("Each point: %d alternating runs per mode of %.1f s; best MB/s and best s/GB shown.\n\n",
	       reps(), tp_secs());

	for (int f = 0; f < 2; f++) {
		int fill = tp_fills[f];

		printf("fill=%d (%s)\n", fill, fill == 2 ? "model writes every word" :
		       "model writes word 0 only: the data is what the ring held");
		printf("%-8s %5s | %10s %10s %7s | %10s %10s %7s | %s\n", "buffer", "depth",
		       "zc MB/s", "copy MB/s", "zc/copy", "zc CPU s/GB", "copy s/GB",
		       "copy/zc", "worst of reps MB/s zc/copy");
		for (int d = 0; d < 2; d++) {
			for (int i = 0; i < 6; i++) {
				uint32_t size = tp_sizes[i];
				uint32_t depth = fit_depth(tp_depths[d], size, info);
				struct tp *zc = &tpres[f][d][i][0], *cp = &tpres[f][d][i][1];

				if (quick && (i % 2 == 1) && size != MIB)
					continue;
				best_of(size, depth, fill, zc, cp);
				printf("%-8s %5u | %10.1f %10.1f %7.2f | %10.3f %10.3f %7.2f | %.0f/%.0f%s\n",
				       size_str(size, sz, sizeof(sz)), depth, zc->mbps, cp->mbps,
				       cp->mbps > 0 ? zc->mbps / cp->mbps : 0, zc->cpu_s_per_gb,
				       cp->cpu_s_per_gb,
				       zc->cpu_s_per_gb > 0 ? cp->cpu_s_per_gb / zc->cpu_s_per_gb : 0,
				       zc->mbps_min, cp->mbps_min,
				       zc->bad || cp->bad ? "  PATTERN MISMATCH" : "");
				fflush(stdout);
				for (int m = 0; m < 2; m++) {
					struct tp *t = m ? cp : zc;
					const char *mode = m ? "copy" : "zerocopy";

					if (!t->ok)
						continue;
					add("throughput", "consume_checksum", mode, size, depth,
					    t->per_read, fill, "throughput", t->mbps, "MB/s");
					add("throughput", "consume_checksum", mode, size, depth,
					    t->per_read, fill, "throughput_worst", t->mbps_min, "MB/s");
					add("throughput", "consume_checksum", mode, size, depth,
					    t->per_read, fill, "cpu_per_gb", t->cpu_s_per_gb, "s/GB");
					add("throughput", "consume_checksum", mode, size, depth,
					    t->per_read, fill, "buffers", (double)t->buffers, "buffers");
					add("throughput", "consume_checksum", mode, size, depth,
					    t->per_read, fill, "pattern_errors", (double)t->bad, "buffers");
				}
			}
		}
		printf("\n");
	}

	/* The producer's ceiling: what the model delivers to a consumer that only releases. */
	printf("producer ceiling at 1 MiB x 32 (zero copy, consumer does not touch the data):\n");
	for (int fill = 2; fill >= 0; fill--) {
		struct tp t;

		zc_run(MIB, fit_depth(32, MIB, info), fill, false, &t);
		if (!t.ok)
			continue;
		printf("  fill=%d: %10.1f MB/s  (consumer CPU %.3f s/GB)\n", fill, t.mbps,
		       t.cpu_s_per_gb);
		add("throughput", "producer_ceiling", "zerocopy", MIB, t.depth, t.per_read, fill,
		    "throughput", t.mbps, "MB/s");
		add("throughput", "producer_ceiling", "zerocopy", MIB, t.depth, t.per_read, fill,
		    "cpu_per_gb", t.cpu_s_per_gb, "s/GB");
	}
	/* The consumer's ceiling: the checksum alone over cached memory. */
	{
		uint8_t *m = malloc(MIB);

		if (m) {
			double rate;

			memset(m, 1, MIB);
			rate = csum_rate(m, MIB, 300000000u);
			printf("  checksum alone over 1 MiB of malloc'd memory: %.1f MB/s\n", rate);
			add("throughput", "checksum_only", "malloc", MIB, 0, 0, -1, "throughput",
			    rate, "MB/s");
			free(m);
		}
	}
}

/* ---- 2. per-buffer overhead ---------------------------------------------- */

struct nullcost {
	double getppid_ns;
	double read0_ns;
	double release0_ns;
};

static double time_per_call(int what, int fd)
{
	uint32_t dummy = 0;
	char b[16];
	uint64_t t0, n = 0, batch = 2000, limit = quick ? 100000000u : 250000000u;

	t0 = now_ns();
	do {
		for (uint64_t i = 0; i < batch; i++) {
			if (what == 0)
				syscall(SYS_getppid);
			else if (what == 1)
				sink += (uint64_t)read(fd, b, 0);
			else
				sink += (uint64_t)release_n(fd, &dummy, 0);
		}
		n += batch;
	} while (now_ns() - t0 < limit);
	return (double)(now_ns() - t0) / (double)n;
}

/* Null calls: getppid; read(0) and RELEASE(0) on a streaming record-mode file. */
static bool null_calls(struct nullcost *nc, int fd)
{
	errno = 0;
	if (read(fd, NULL, 0) != -1 || errno != EINVAL)
		warn("read(fd, 0) on the streaming file: expected EINVAL, got %s",
		     strerror(errno));
	nc->getppid_ns = time_per_call(0, fd);
	nc->read0_ns = time_per_call(1, fd);
	nc->release0_ns = time_per_call(2, fd);
	return true;
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

static void overhead_run(struct stream *s, uint32_t k, bool xchg, struct ovh *o)
{
	struct fpgadma_record rec[64];
	uint32_t idx[64];
	uint64_t bufs = 0, reads = 0, shortr = 0, t0, c0, end;
	ssize_t n = 0;
	uint64_t secs = quick ? 300000000u : 500000000u;

	memset(o, 0, sizeof(*o));
	if (s->info.caps & FPGADMA_CAP_COALESCE) {
		/* k > 1: one interrupt per k completions (or 200 us). */
		if (set_coalesce(s->fd, k, k > 1 ? 200 : 0)) {
			warn("SET_COALESCE %u: %s", k, strerror(errno));
			return;
		}
	}
	/* warm up */
	for (int i = 0; i < 64; i++) {
		n = round_trip(s->fd, xchg, idx, (uint32_t)n, rec, k);
		if (n < 0)
			return;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	end = t0 + secs;
	do {
		n = round_trip(s->fd, xchg, idx, (uint32_t)n, rec, k);
		if (n < 0) {
			warn("overhead round trip: %s", strerror(errno));
			return;
		}
		bufs += (uint64_t)n;
		reads++;
		shortr += (uint64_t)n < k;
	} while (now_ns() < end);
	/* Give the last batch back: the next run starts with a full ring. */
	if (n > 0 && release_n(s->fd, idx, (uint32_t)n))
		warn("overhead RELEASE: %s", strerror(errno));
	o->wall_ns = (double)(now_ns() - t0) / (double)bufs;
	o->cpu_ns = (double)(cpu_ns() - c0) / (double)bufs;
	o->bufs_per_s = 1e9 / o->wall_ns;
	o->recs_per_read = (double)bufs / (double)reads;
	o->blocked_frac = (double)shortr / (double)reads;
	o->ok = true;
}

/* [0]: read() + RELEASE, [1]: EXCHANGE; by k */
static struct ovh ovres[2][3];
static struct nullcost ncost;

static void min_into(double *best, double v)
{
	if (*best == 0 || v < *best)
		*best = v;
}

static void section_overhead(void)
{
	static const uint32_t ks[] = { 1, 8, 32 };
	struct nullcost t;
	struct stream s;
	const uint32_t depth = 256, size = 4 * KIB;

	printf("\n== 2. per-buffer overhead: model fill=0 (writes nothing), rate=0, "
	       "ring %u x 4 KiB ==\n", depth);
	if (!model_setup(0, 0) || !stream_open(&s, model.node, depth, size, false, true))
		return;
	/* Null calls and each k, alternating, best of reps() (+1 null round). */
	memset(&ncost, 0, sizeof(ncost));
	for (int r = 0; r <= 5 * reps() / 3; r++) {
		null_calls(&t, s.fd);
		min_into(&ncost.getppid_ns, t.getppid_ns);
		min_into(&ncost.read0_ns, t.read0_ns);
		min_into(&ncost.release0_ns, t.release0_ns);
		if (r == 5 * reps() / 3)
			break;
		for (int m = 0; m < 2; m++) {
			for (int i = 0; i < 3; i++) {
				struct ovh o, *b = &ovres[m][i];

				overhead_run(&s, ks[i], m, &o);
				if (!o.ok)
					continue;
				if (!b->ok || o.cpu_ns < b->cpu_ns) {
					double w = b->ok && b->wall_ns < o.wall_ns ?
						   b->wall_ns : o.wall_ns;

					*b = o;
					b->wall_ns = w;
				} else if (o.wall_ns < b->wall_ns) {
					b->wall_ns = o.wall_ns;
				}
				b->bufs_per_s = 1e9 / b->wall_ns;
			}
		}
	}
	stream_close(&s);

	printf("null calls (best of %d rounds): getppid %.0f ns, read(fd,0) %.0f ns (%.2fx), "
	       "RELEASE(0) %.0f ns (%.2fx)\n", 5 * reps() / 3 + 1, ncost.getppid_ns, ncost.read0_ns,
	       ncost.read0_ns / ncost.getppid_ns, ncost.release0_ns,
	       ncost.release0_ns / ncost.getppid_ns);
	printf("two null syscalls = %.0f ns; read(0) + RELEASE(0) = %.0f ns (%.2fx two null)\n",
	       2 * ncost.getppid_ns, ncost.read0_ns + ncost.release0_ns,
	       (ncost.read0_ns + ncost.release0_ns) / (2 * ncost.getppid_ns));
	add("overhead", "null_syscall", "getppid", 0, 0, 1, -1, "ns_per_call",
	    ncost.getppid_ns, "ns");
	add("overhead", "null_syscall", "read0", 0, 0, 1, -1, "ns_per_call",
	    ncost.read0_ns, "ns");
	add("overhead", "null_syscall", "release0", 0, 0, 1, -1, "ns_per_call",
	    ncost.release0_ns, "ns");

	printf("%-26s %11s %11s %11s %10s %10s %9s %7s\n", "per call", "buffers/s",
	       "wall ns/buf", "CPU ns/buf", "CPU/2null", "wall/2null", "recs/read", "short");
	for (int m = 0; m < 2; m++)
	for (int i = 0; i < 3; i++) {
		const char *mode = m ? "exchange" : "zerocopy";
		struct ovh *o = &ovres[m][i];
		char name[40];

		if (!o->ok)
			continue;
		snprintf(name, sizeof(name), "k=%u %s", ks[i],
			 m ? "EXCHANGE" : "read+RELEASE");
		printf("%-26s %11.0f %11.0f %11.0f %10.3f %10.3f %9.2f %6.0f%%\n", name,
		       o->bufs_per_s, o->wall_ns, o->cpu_ns,
		       o->cpu_ns / (2 * ncost.getppid_ns),
		       o->wall_ns / (2 * ncost.getppid_ns), o->recs_per_read,
		       100 * o->blocked_frac);
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "buffers_per_s", o->bufs_per_s, "1/s");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "wall_ns_per_buffer", o->wall_ns, "ns");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "cpu_ns_per_buffer", o->cpu_ns, "ns");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "cpu_ratio_to_2_null", o->cpu_ns / (2 * ncost.getppid_ns), "x");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "wall_ratio_to_2_null", o->wall_ns / (2 * ncost.getppid_ns), "x");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "records_per_read", o->recs_per_read, "records");
		add("overhead", "round_trip", mode, size, depth, ks[i], 0,
		    "short_read_fraction", o->blocked_frac, "x");
	}
	printf("cost = consumer CPU (user+sys) per buffer; wall includes waiting for the model.\n"
	       "k > 1 runs use SET_COALESCE count=k usecs=200; k = 1 runs without coalescing.\n"
	       "short = reads that returned fewer than k records.\n");
}

/* ---- 3. checksum over the mapped ring vs malloc -------------------------- */

static double csres[2][2];	/* [size][mapped, malloc] */

static void section_checksum(void)
{
	static const struct { uint32_t count, size; } geo[] = {
		{ 4, 64 * KIB },	/* 256 KiB: fits the caches */
		{ 16, 1 * MIB },	/* 16 MiB: does not */
	};

	printf("\n== 3. checksum over the mapped ring vs malloc'd memory (same function, same size) ==\n");
	printf("%-10s %14s %14s %8s\n", "size", "mapped MB/s", "malloc MB/s", "ratio");
	for (int g = 0; g < 2; g++) {
		size_t len = (size_t)geo[g].count * geo[g].size;
		double best[2] = { 0, 0 };
		struct stream s;
		uint8_t *m;
		char sz[16];

		/* Fill the ring with real data, then stop: a mapping survives STOP. */
		if (!model_setup(0, 2) ||
		    !stream_open(&s, model.node, geo[g].count, geo[g].size, false, true))
			continue;
		{
			struct fpgadma_record rec[16];
			uint32_t idx[16];

			for (uint32_t i = 0; i < geo[g].count * 2;) {
				ssize_t n = read(s.fd, rec, sizeof(rec));

				if (n <= 0)
					break;
				n /= (ssize_t)sizeof(rec[0]);
				for (ssize_t j = 0; j < n; j++)
					idx[j] = rec[j].index;
				release_n(s.fd, idx, (uint32_t)n);
				i += (uint32_t)n;
			}
			ioctl(s.fd, FPGADMA_IOC_STOP);
		}
		m = malloc(len);
		if (!m) {
			stream_close(&s);
			continue;
		}
		memcpy(m, s.ring, len);
		if (checksum(m, len) != checksum(s.ring, len))
			warn("checksum of the copy differs from the ring's");
		/* Alternate, best of five rounds each. */
		for (int round = 0; round < 5; round++) {
			double a = csum_rate(s.ring, len, quick ? 60000000u : 150000000u);
			double b = csum_rate(m, len, quick ? 60000000u : 150000000u);

			best[0] = a > best[0] ? a : best[0];
			best[1] = b > best[1] ? b : best[1];
		}
		csres[g][0] = best[0];
		csres[g][1] = best[1];
		size_str((uint32_t)len, sz, sizeof(sz));
		printf("%-10s %14.1f %14.1f %8.3f\n", sz, best[0], best[1], best[0] / best[1]);
		add("checksum", "mapped_vs_malloc", "mapped", (uint32_t)len, geo[g].count, 0, 2,
		    "throughput", best[0], "MB/s");
		add("checksum", "mapped_vs_malloc", "malloc", (uint32_t)len, geo[g].count, 0, 2,
		    "throughput", best[1], "MB/s");
		add("checksum", "mapped_vs_malloc", "ratio", (uint32_t)len, geo[g].count, 0, 2,
		    "mapped_over_malloc", best[0] / best[1], "x");
		free(m);
		stream_close(&s);
	}
}

/* ---- 4. interrupt-to-user latency ---------------------------------------- */

struct lat {
	bool ok;
	size_t n;
	uint64_t min, p50, p99, max;
	double mean;
	uint64_t late;		/* reads that found a record ready (not counted) */
	uint64_t *v;		/* samples, ns */
};

static void lat_add(struct lat *l, uint64_t ns)
{
	if (!l->v)
		l->v = calloc(MAX_SAMPLES, sizeof(*l->v));
	if (l->v && l->n < MAX_SAMPLES)
		l->v[l->n++] = ns;
}

static void lat_finish(struct lat *l)
{
	double sum = 0;
	size_t n = l->n;

	if (!n)
		return;
	qsort(l->v, n, sizeof(l->v[0]), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)l->v[i];
	l->min = l->v[0];
	l->p50 = pct(l->v, n, 50);
	l->p99 = pct(l->v, n, 99);
	l->max = l->v[n - 1];
	l->mean = sum / (double)n;
	l->ok = true;
}

/*
 * Block in read() on a streaming fpgadma file; a sample is the reader's
 * wakeup clock minus the first record's interrupt timestamp, counted only
 * when that interrupt came after the read() began (the reader slept).
 */
static void lat_fpgadma(const char *node, uint32_t count, uint32_t size,
			uint64_t secs_ns, struct lat *l)
{
	struct fpgadma_record rec[16];
	uint32_t idx[16];
	struct stream s;
	uint64_t end;

	if (!stream_open(&s, node, count, size, false, true))
		return;
	end = now_ns() + secs_ns;
	while (l->n < MAX_SAMPLES && now_ns() < end) {
		uint64_t before = now_ns(), after;
		ssize_t r = read(s.fd, rec, sizeof(rec));

		after = now_ns();
		if (r <= 0) {
			warn("latency read on %s: %s", node, r ? strerror(errno) : "EOF");
			break;
		}
		r /= (ssize_t)sizeof(rec[0]);
		if (rec[0].timestamp_ns >= before)
			lat_add(l, after - rec[0].timestamp_ns);
		else
			l->late++;
		for (ssize_t j = 0; j < r; j++)
			idx[j] = rec[j].index;
		if (release_n(s.fd, idx, (uint32_t)r)) {
			warn("latency RELEASE: %s", strerror(errno));
			break;
		}
	}
	stream_close(&s);
}

/* UIO baseline */

struct uio_ctx {
	volatile uint32_t *bar;
	int ufd, cfd;
	bool cfg_unmask;	/* no irqcontrol: clear INTx Disable in config space */
	atomic_int armed;
	atomic_int stop;
	_Atomic uint64_t t_raise;
	uint64_t gap_ns;
};

/*
 * Re-enable INTx after uio_pci_generic masked it. UIO's write(1) needs an
 * irqcontrol hook, which uio_pci_generic lacks before Linux 6.x (ENOSYS);
 * then do what the UIO howto's example does: clear PCI_COMMAND_INTX_DISABLE
 * (bit 10, bit 2 of config byte 5).
 */
static bool uio_unmask(struct uio_ctx *u)
{
	uint32_t one = 1;
	uint8_t hi;

	if (!u->cfg_unmask) {
		if (write(u->ufd, &one, sizeof(one)) == sizeof(one))
			return true;
		if (errno != ENOSYS) {
			warn("uio irq enable: %s", strerror(errno));
			return false;
		}
		u->cfg_unmask = true;
		note("UIO: write(1) to /dev/uio is ENOSYS (uio_pci_generic has no irqcontrol); "
		     "INTx re-enabled through the config space instead");
	}
	if (pread(u->cfd, &hi, 1, 5) != 1)
		return false;
	hi &= (uint8_t)~0x04;
	return pwrite(u->cfd, &hi, 1, 5) == 1;
}

static void *uio_raiser(void *arg)
{
	struct uio_ctx *u = arg;
	struct timespec gap = { 0, (long)u->gap_ns };

	pin_cpu(1);
	while (!atomic_load(&u->stop)) {
		if (!atomic_exchange(&u->armed, 0)) {
			sched_yield();
			continue;
		}
		/* Let the reader go to sleep in read(). */
		nanosleep(&gap, NULL);
		atomic_store(&u->t_raise, now_ns());
		u->bar[EDU_IRQ_RAISE / 4] = 1;
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void lat_uio(const char *bdf, uint64_t secs_ns, struct lat *l)
{
	char path[160], name[32] = "";
	static struct uio_ctx u;
	struct sigaction sa = { .sa_handler = on_alarm };
	sigset_t set, old;
	pthread_t th;
	int rfd = -1;
	uint32_t cnt;
	uint64_t end;
	void *map;
	bool cfg = u.cfg_unmask;

	memset(&u, 0, sizeof(u));
	u.gap_ns = 1000000;
	u.cfg_unmask = cfg;
	u.ufd = u.cfd = -1;
	/* /sys/bus/pci/devices/BDF/uio/uioN */
	for (int i = 0; i < 8 && !name[0]; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio/uio%d", bdf, i);
		if (!access(path, F_OK))
			snprintf(name, sizeof(name), "/dev/uio%d", i);
	}
	if (!name[0]) {
		warn("no uio device under /sys/bus/pci/devices/%s/uio", bdf);
		return;
	}
	u.ufd = open(name, O_RDWR);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	u.cfd = open(path, O_RDWR);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	rfd = open(path, O_RDWR | O_SYNC);
	if (u.ufd < 0 || rfd < 0 || u.cfd < 0) {
		warn("open %s / %s / config: %s", name, path, strerror(errno));
		goto out;
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (map == MAP_FAILED) {
		warn("mmap %s: %s", path, strerror(errno));
		goto out;
	}
	u.bar = map;
	if ((u.bar[EDU_ID / 4] & 0xff) != 0xed) {
		warn("%s: BAR0 id %#x is not edu", bdf, u.bar[EDU_ID / 4]);
		goto unmap;
	}
	/* Clear leftovers, unmask INTx. */
	u.bar[EDU_IRQ_ACK / 4] = u.bar[EDU_IRQ_STATUS / 4];
	if (!uio_unmask(&u))
		goto unmap;
	sigaction(SIGALRM, &sa, NULL);
	/* The raiser never takes SIGALRM: it must interrupt the reader. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&th, NULL, uio_raiser, &u)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		goto unmap;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	end = now_ns() + secs_ns;
	while (l->n < MAX_SAMPLES && now_ns() < end) {
		uint64_t woke;
		ssize_t r;

		alarm(3);
		atomic_store(&u.armed, 1);
		r = read(u.ufd, &cnt, sizeof(cnt));
		woke = now_ns();
		alarm(0);
		if (r != sizeof(cnt)) {
			warn("uio read: %s", r < 0 ? strerror(errno) : "short");
			break;
		}
		lat_add(l, woke - atomic_load(&u.t_raise));
		/* Ack edu (drops INTx), then unmask INTx (uio_pci_generic masked it). */
		u.bar[EDU_IRQ_ACK / 4] = u.bar[EDU_IRQ_STATUS / 4];
		if (!uio_unmask(&u))
			break;
	}
	atomic_store(&u.stop, 1);
	pthread_join(th, NULL);
unmap:
	munmap(map, 4096);
out:
	if (u.ufd >= 0)
		close(u.ufd);
	if (u.cfd >= 0)
		close(u.cfd);
	if (rfd >= 0)
		close(rfd);
}

static struct lat latres[3];	/* model, edu, uio */

static void print_lat(const char *name, const char *what, const struct lat *l)
{
	if (!l->ok) {
		printf("%-22s %s\n", name, "not measured");
		return;
	}
	printf("%-22s %7zu %9.1f %9.1f %9.1f %9.1f %9.1f   %s\n", name, l->n,
	       (double)l->min / 1e3, (double)l->p50 / 1e3, (double)l->p99 / 1e3,
	       (double)l->max / 1e3, l->mean / 1e3, what);
}

static void add_lat(const char *mode, const struct lat *l)
{
	if (!l->ok)
		return;
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "samples", (double)l->n, "samples");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "min_us", (double)l->min / 1e3, "us");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "p50_us", (double)l->p50 / 1e3, "us");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "p99_us", (double)l->p99 / 1e3, "us");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "max_us", (double)l->max / 1e3, "us");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "mean_us", l->mean / 1e3, "us");
	add("latency", "irq_to_user", mode, 0, 0, 0, -1, "not_blocked_reads",
	    (double)l->late, "reads");
}

static void section_latency(const char *uio_bdf)
{
	int rounds = quick ? 1 : 3;
	uint64_t slice = 1000000000u;

	printf("\n== 4. interrupt-to-user latency (reader pinned to CPU 0, UIO raiser on CPU 1) ==\n");
	printf("%d rounds of: model 1 s, edu %.1f s, UIO 1 s (so host noise hits all three alike)\n",
	       rounds, quick ? 2.0 : 2.5);
	pin_cpu(0);
	for (int r = 0; r < rounds; r++) {
		if (model.found && model_setup(1000, 1))
			lat_fpgadma(model.node, 64, 4 * KIB, slice, &latres[0]);
		if (edu.found)
			lat_fpgadma(edu.node, 16, 4 * KIB, quick ? 2 * slice : 5 * slice / 2,
				    &latres[1]);
		if (uio_bdf)
			lat_uio(uio_bdf, slice, &latres[2]);
	}
	pin_cpu(-1);
	for (int i = 0; i < 3; i++)
		lat_finish(&latres[i]);
	if (model.found)
		model_setup(0, 2);

	printf("%-22s %7s %9s %9s %9s %9s %9s   %s\n", "source", "samples", "min us",
	       "p50 us", "p99 us", "max us", "mean us", "measures");
	print_lat("fpgadma model 1000/s", "handler timestamp -> read() returns (stream engine, irq_work)",
		  &latres[0]);
	print_lat("fpgadma edu", "handler timestamp -> read() returns (edu MSI, ~10/s)", &latres[1]);
	print_lat("UIO edu (baseline)", "user MMIO raise -> INTx -> read(/dev/uio) returns", &latres[2]);
	printf("fpgadma figures start in the interrupt handler; the UIO figure starts before the\n"
	       "raising MMIO write, so it also includes the raise path and interrupt entry.\n");
	if (latres[0].late || latres[1].late)
		printf("reads that found a record already done (not counted): model %llu, edu %llu\n",
		       (unsigned long long)latres[0].late, (unsigned long long)latres[1].late);
	add_lat("model", &latres[0]);
	add_lat("edu", &latres[1]);
	add_lat("uio", &latres[2]);
}

/* ---- targets, CSV, JSON -------------------------------------------------- */

static void eval_targets(void)
{
	int fi = primary_fill == 1 ? 1 : 0;

	for (int f = 0; f < 2; f++) {
		/* zero copy >= 2x copy at 1 MiB: the deeper ring, then the shallower one */
		for (int d = 1; d >= 0; d--) {
			struct tp *zc = &tpres[f][d][4][0], *cp = &tpres[f][d][4][1];
			char name[48], what[96];

			snprintf(name, sizeof(name), "zerocopy_vs_copy_1MiB_fill%d_depth%u",
				 tp_fills[f], zc->depth);
			snprintf(what, sizeof(what), "%s zero-copy MB/s / copy MB/s, 1 MiB x %u, fill=%d",
				 f == fi ? "PRIMARY" : "secondary", zc->depth, tp_fills[f]);
			add_target(name, what, zc->ok && cp->ok && cp->mbps > 0,
				   cp->mbps > 0 ? zc->mbps / cp->mbps : 0, ">=", 2.0);
		}
	}
	add_target("mapped_vs_malloc_checksum_16MiB", "mapped ring checksum MB/s / malloc MB/s, 16 MiB",
		   csres[1][1] > 0, csres[1][1] > 0 ? csres[1][0] / csres[1][1] : 0, ">=", 0.9);
	add_target("mapped_vs_malloc_checksum_256KiB", "same, 256 KiB",
		   csres[0][1] > 0, csres[0][1] > 0 ? csres[0][0] / csres[0][1] : 0, ">=", 0.9);
	add_target("round_trip_k1", "consumer CPU ns per buffer (1 record/read, 1 index/RELEASE) / 2 getppid",
		   ovres[0][0].ok, ovres[0][0].cpu_ns / (2 * ncost.getppid_ns), "<=", 1.5);
	add_target("round_trip_k8", "same, k=8 records/read and indices/RELEASE",
		   ovres[0][1].ok, ovres[0][1].cpu_ns / (2 * ncost.getppid_ns), "<=", 0.25);
	add_target("round_trip_k32", "same, k=32", ovres[0][2].ok,
		   ovres[0][2].cpu_ns / (2 * ncost.getppid_ns), "<=", 0.25);
	add_target("exchange_k1", "consumer CPU ns per buffer, 1 EXCHANGE (release 1 + read 1) / 2 getppid",
		   ovres[1][0].ok, ovres[1][0].cpu_ns / (2 * ncost.getppid_ns), "<=", 1.5);
	add_target("exchange_k8", "same, k=8 per EXCHANGE",
		   ovres[1][1].ok, ovres[1][1].cpu_ns / (2 * ncost.getppid_ns), "<=", 0.25);
	add_target("exchange_k32", "same, k=32", ovres[1][2].ok,
		   ovres[1][2].cpu_ns / (2 * ncost.getppid_ns), "<=", 0.25);
	add_target("latency_p99_model_vs_uio", "p99 model (us) <= p99 UIO (us)",
		   latres[0].ok && latres[2].ok, (double)latres[0].p99 / 1e3, "<=",
		   (double)latres[2].p99 / 1e3);
	add_target("latency_p99_edu_vs_uio", "p99 edu via fpgadma (us) <= p99 UIO (us)",
		   latres[1].ok && latres[2].ok, (double)latres[1].p99 / 1e3, "<=",
		   (double)latres[2].p99 / 1e3);
}

static void print_targets(void)
{
	printf("\n== targets (ratios within this run) ==\n");
	printf("%-40s %10s %3s %8s  %-6s %s\n", "target", "value", "", "limit", "result", "what");
	for (int i = 0; i < ntargets; i++) {
		struct target *t = &targets[i];

		printf("%-40s %10.3f %3s %8.3f  %-6s %s\n", t->name, t->value, t->cmp, t->limit,
		       !t->have ? "n/a" : t->met ? "MET" : "MISSED", t->what);
	}
}

static bool write_csv(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fprintf(f, "section,test,mode,buf_size,ring_depth,batch,fill,metric,value,unit\n");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "%s,%s,%s,%u,%u,%u,%d,%s,%.6g,%s\n", r->section, r->test, r->mode,
			r->buf_size, r->depth, r->batch, r->fill, r->metric, r->value, r->unit);
	}
	for (int i = 0; i < ntargets; i++)
		fprintf(f, "target,%s,%s,0,0,0,-1,value,%.6g,%s%.6g\n", targets[i].name,
			!targets[i].have ? "n/a" : targets[i].met ? "met" : "missed",
			targets[i].value, targets[i].cmp, targets[i].limit);
	return fclose(f) == 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static bool write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	struct utsname un;

	if (!f)
		return false;
	uname(&un);
	fprintf(f, "{\n  \"tool\": \"dma_throughput\",\n  \"kernel\": ");
	json_str(f, un.release);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"quick\": %s,\n  \"primary_fill\": %d,\n",
		sysconf(_SC_NPROCESSORS_ONLN), quick ? "true" : "false", primary_fill);
	fprintf(f, "  \"devices\": {\"model\": ");
	json_str(f, model.found ? model.node : "");
	fprintf(f, ", \"edu\": ");
	json_str(f, edu.found ? edu.node : "");
	fprintf(f, "},\n  \"targets\": [\n");
	for (int i = 0; i < ntargets; i++) {
		struct target *t = &targets[i];

		fprintf(f, "    {\"name\": ");
		json_str(f, t->name);
		fprintf(f, ", \"what\": ");
		json_str(f, t->what);
		fprintf(f, ", \"value\": ");
		json_num(f, t->value);
		fprintf(f, ", \"cmp\": ");
		json_str(f, t->cmp);
		fprintf(f, ", \"limit\": ");
		json_num(f, t->limit);
		fprintf(f, ", \"result\": \"%s\"}%s\n",
			!t->have ? "n/a" : t->met ? "met" : "missed",
			i + 1 < ntargets ? "," : "");
	}
	fprintf(f, "  ],\n  \"notes\": [\n");
	for (int i = 0; i < nnotes; i++) {
		fprintf(f, "    ");
		json_str(f, notes[i]);
		fprintf(f, "%s\n", i + 1 < nnotes ? "," : "");
	}
	fprintf(f, "  ],\n  \"results\": [\n");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "    {\"section\": \"%s\", \"test\": \"%s\", \"mode\": \"%s\", "
			"\"buf_size\": %u, \"ring_depth\": %u, \"batch\": %u, \"fill\": %d, "
			"\"metric\": \"%s\", \"value\": ", r->section, r->test, r->mode,
			r->buf_size, r->depth, r->batch, r->fill, r->metric);
		json_num(f, r->value);
		fprintf(f, ", \"unit\": \"%s\"}%s\n", r->unit, i + 1 < nrows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: dma_throughput [--csv FILE] [--json FILE] [--uio BDF] [--quick]\n"
		"                      [--primary-fill 1|2] [--skip throughput,overhead,checksum,latency]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *csv = "dma_throughput.csv", *json = "dma_throughput.json", *uio = NULL;
	struct fpgadma_info info;
	uint64_t t0 = now_ns();
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--csv"))
			csv = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--json"))
			json = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--uio"))
			uio = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--skip"))
			skip = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--primary-fill"))
			primary_fill = (int)strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	find_devices();
	printf("dma_throughput: model %s, edu %s, uio %s\n",
	       model.found ? model.node : "(none)", edu.found ? edu.node : "(none)",
	       uio ? uio : "(none)");
	if (!model.found) {
		warn("no stream-engine device: insmod fpgadma_model.ko after fpgadma.ko");
		return 1;
	}
	fd = open(model.node, O_RDWR);
	if (fd < 0 || ioctl(fd, FPGADMA_IOC_INFO, &info)) {
		warn("INFO on %s: %s", model.node, strerror(errno));
		return 1;
	}
	close(fd);
	printf("model: max_buf_size %u, max_buf_count %u, max_ring_size %llu MiB, max_xfer %u\n",
	       info.max_buf_size, info.max_buf_count,
	       (unsigned long long)(info.max_ring_size / MIB), info.max_xfer);

	if (!skipped("throughput"))
		section_throughput(&info);
	if (!skipped("overhead"))
		section_overhead();
	if (!skipped("checksum"))
		section_checksum();
	if (!skipped("latency"))
		section_latency(uio);
	if (model.found)
		model_setup(0, 2);

	eval_targets();
	print_targets();
	note("zero copy reads up to min(depth/4,16) records per read() and releases them in one call");
	note("copy mode reads buf_size bytes per read(); the driver releases each buffer itself");
	note("CPU s/GB is the consumer's user+sys time (getrusage); the model's kernel thread is not counted");
	note("round-trip ratios: consumer CPU time per buffer over 2 x getppid(), best of the repetitions; k>1 runs coalesce k completions per IRQ");
	note("latency: fpgadma = record.timestamp_ns (IRQ handler) -> wakeup; UIO = before the raising MMIO write -> wakeup");
	if (!write_csv(csv))
		warn("cannot write %s", csv);
	if (!write_json(json))
		warn("cannot write %s", json);
	printf("\ndma_throughput: done in %.1f s; wrote %s and %s\n",
	       (double)(now_ns() - t0) / 1e9, csv, json);
	return 0;
}
