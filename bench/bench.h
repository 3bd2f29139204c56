/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma_throughput's shared core: options, clocks, the consumer's checksum,
 * the result list, the devices, and the sections' entry points.
 *
 * Every figure is a named record in one list (struct result): a metric, a
 * unit, a value and the parameters it was measured with. targets.c judges
 * records against its table of targets; json.c writes both as the one
 * machine format, from which scripts/bench-report.py renders the table,
 * the CSV and the plot data.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fpgadma.h>

#define KIB		1024u
#define MIB		1048576u
#define NO_FILL		(-1)	/* the figure does not depend on the model's fill */
#define WAIT_MS		3000	/* longest wait for one buffer */

/* ---- options (main.c) ---------------------------------------------------- */

struct bench_opts {
	bool quick;		/* --quick: one repetition, shorter runs */
	int primary_fill;	/* --primary-fill: the fill of the primary target */
	const char *skip;	/* --skip: sections left out, comma separated */
	const char *json;	/* --json: output file */
	const char *uio;	/* --uio: PCI address of the UIO baseline's edu */
	unsigned int memory;	/* --memory: FPGADMA_MEM_* of sections 1, 2 and 4 */
};

extern struct bench_opts opt;

/* "auto", "coherent", "cached" for FPGADMA_MEM_*, "?" for another value. */
const char *mem_name(int kind);

/* Alternating repetitions of each comparison: 1 with --quick, else 3. */
int reps(void);

/* ---- clocks, CPU, checksum (core.c) -------------------------------------- */

uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t cpu_ns(void);			/* this process's user + system time */
void pin_cpu(int cpu);			/* -1: every online CPU */
uint64_t checksum(const void *p, size_t n);
/* Checksum p[len] over and over for ns: MB/s (10^6 bytes). */
double csum_rate(const uint8_t *p, size_t len, uint64_t ns);
/* Keeps results of calls made only for their cost from being optimised out. */
extern volatile uint64_t bench_sink;

__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);
/* A note for the JSON (how a figure was taken, what the host lacked). */
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...);
const char *note_at(size_t i);		/* NULL past the last */

/* ---- results (core.c) ---------------------------------------------------- */

/*
 * What a figure was measured with. Strings are literals; 0 / NO_FILL /
 * NULL: n/a. memory is the kind of memory the figure's ring got, as
 * mem_name() names it (sections 1 to 3; n/a for the null calls, the
 * malloc-only figure and latency's small rings).
 */
struct params {
	const char *section, *test, *mode;
	uint32_t buf_size, depth, batch;
	int fill;
	const char *memory;
};

struct result {
	struct params p;
	const char *metric, *unit;	/* literals */
	double value;
};

void record(const struct params *p, const char *metric, double value,
	    const char *unit);
const struct result *result_at(size_t i);	/* NULL past the last */
/*
 * The first result matching sel, a list of "key=value" words that must all
 * hold: section, test, mode, metric, buf_size, ring_depth, batch, fill,
 * memory (parameters that do not apply never match). NULL if none.
 */
const struct result *result_find(const char *sel);
/* "key=value ..." of r, as result_find() matches it. */
void result_key(const struct result *r, char *buf, size_t len);

/* ---- devices (device.c) -------------------------------------------------- */

struct fdev {
	char node[32];		/* /dev/fpgadmaN */
	char knobs[96];		/* model: its sysfs device directory */
	bool found;
};

extern struct fdev model, edu;

void find_devices(void);
/* The first line of a sysfs file, without its newline. */
bool sysfs_read(const char *path, char *buf, size_t len);
/* The model's knobs: rate (buffers/s, 0: flat out), fill, len 0 (full). */
bool model_setup(unsigned long rate, int fill);

/* A stream through libfpgadma. */
struct stream {
	struct fpgadma *dev;
	struct fpgadma_devinfo info;
	int memory;		/* the ring's kind: fpgadma_memory() */
};

/*
 * Open node, resize its ring (count 0: keep it) with opt.memory, switch
 * interrupt moderation off, start it. FPGADMA_OPEN_COPY in flags: copy mode
 * (starts at the first read; moderation is left as the last record-mode
 * stream set it, which is off).
 */
bool stream_open(struct stream *s, const char *node, uint32_t count,
		 uint32_t size, unsigned int flags);
/* The same with the ring's memory kind: FPGADMA_MEM_*. */
bool stream_open_mem(struct stream *s, const char *node, uint32_t count,
		     uint32_t size, unsigned int flags, unsigned int memory);
/* mem_name() of a ring's kind, NULL if it is not COHERENT or CACHED. */
const char *ring_kind(int kind);
void stream_close(struct stream *s);
/* Start of the mapped ring, from any view into it. */
const uint8_t *ring_base(const struct stream *s, const struct fpgadma_view *v);
/* Largest depth <= want the driver accepts for buffers of size bytes. */
uint32_t fit_depth(uint32_t want, uint32_t size, const struct fpgadma_devinfo *info);

/* ---- sections and output ------------------------------------------------- */

void section_throughput(const struct fpgadma_devinfo *info);	/* throughput.c */
void section_overhead(void);					/* overhead.c */
void section_checksum(const struct fpgadma_devinfo *info);	/* checksum.c */
void section_latency(void);					/* latency.c */

/* Latency samples (latency.c). */
struct lat {
	size_t n;
	uint64_t late;		/* reads that found a record ready (not counted) */
	uint64_t *v;		/* samples, ns */
};
#define MAX_SAMPLES	20000
void lat_add(struct lat *l, uint64_t ns);
/* The UIO baseline (uio.c): samples for secs_ns into l. */
void lat_uio(const char *bdf, uint64_t secs_ns, struct lat *l);

/* targets.c: judge the results against the table of targets. */
struct target {
	const char *name, *what, *why, *cmp;
	bool primary;
	bool have;		/* its figures were measured */
	bool met;
	double value, limit;
};
void eval_targets(void);
const struct target *target_at(size_t i);	/* NULL past the last */

bool write_json(const char *path);		/* json.c */

#endif /* BENCH_H */
