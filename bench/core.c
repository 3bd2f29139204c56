// SPDX-License-Identifier: GPL-2.0-only
/* dma_throughput: clocks, the checksum, notes and the result list. */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

struct bench_opts opt = { .primary_fill = 2, .skip = "", .json = "dma_throughput.json" };
volatile uint64_t bench_sink;

const char *mem_name(int kind)
{
	switch (kind) {
	case FPGADMA_MEM_AUTO:
		return "auto";
	case FPGADMA_MEM_COHERENT:
		return "coherent";
	case FPGADMA_MEM_CACHED:
		return "cached";
	default:
		return "?";
	}
}

const char *ring_kind(int kind)
{
	return kind == FPGADMA_MEM_COHERENT || kind == FPGADMA_MEM_CACHED ?
		       mem_name(kind) : NULL;
}

int reps(void)
{
	return opt.quick ? 1 : 3;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
		       1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
		       1000u;
}

void pin_cpu(int cpu)
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
uint64_t checksum(const void *p, size_t n)
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

double csum_rate(const uint8_t *p, size_t len, uint64_t ns)
{
	uint64_t t0 = now_ns(), bytes = 0;

	do {
		bench_sink += checksum(p, len);
		bytes += len;
	} while (now_ns() - t0 < ns);
	return (double)bytes / ((double)(now_ns() - t0) / 1e9) / 1e6;
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("dma_throughput: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---- notes and results: growing arrays ------------------------------------ */

static char **notes;
static size_t nnotes;

void note(const char *fmt, ...)
{
	char buf[256], **n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = realloc(notes, (nnotes + 1) * sizeof(*notes));
	if (!n)
		return;
	notes = n;
	notes[nnotes] = strdup(buf);
	if (notes[nnotes])
		nnotes++;
}

const char *note_at(size_t i)
{
	return i < nnotes ? notes[i] : NULL;
}

static struct result *results;
static size_t nresults;

void record(const struct params *p, const char *metric, double value,
	    const char *unit)
{
	struct result *r = realloc(results, (nresults + 1) * sizeof(*results));

	if (!r) {
		warn("out of memory: %s not recorded", metric);
		return;
	}
	results = r;
	results[nresults++] = (struct result) {
		.p = *p, .metric = metric, .unit = unit, .value = value,
	};
}

const struct result *result_at(size_t i)
{
	return i < nresults ? &results[i] : NULL;
}

__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

void result_key(const struct result *r, char *buf, size_t len)
{
	const struct params *p = &r->p;
	size_t used = 0;

	append(buf, len, &used, "section=%s test=%s mode=%s metric=%s",
	       p->section, p->test, p->mode, r->metric);
	if (p->buf_size)
		append(buf, len, &used, " buf_size=%u", p->buf_size);
	if (p->depth)
		append(buf, len, &used, " ring_depth=%u", p->depth);
	if (p->batch)
		append(buf, len, &used, " batch=%u", p->batch);
	if (p->fill != NO_FILL)
		append(buf, len, &used, " fill=%d", p->fill);
	if (p->memory)
		append(buf, len, &used, " memory=%s", p->memory);
}

/* Is w[wlen] one of the space-separated words of key? */
static bool has_word(const char *key, const char *w, size_t wlen)
{
	while (*key) {
		size_t k = strcspn(key, " ");

		if (k == wlen && !strncmp(key, w, wlen))
			return true;
		key += k;
		key += strspn(key, " ");
	}
	return false;
}

static bool key_matches(const char *key, const char *sel)
{
	sel += strspn(sel, " ");
	while (*sel) {
		size_t w = strcspn(sel, " ");

		if (!has_word(key, sel, w))
			return false;
		sel += w;
		sel += strspn(sel, " ");
	}
	return true;
}

const struct result *result_find(const char *sel)
{
	char key[256];

	for (size_t i = 0; i < nresults; i++) {
		result_key(&results[i], key, sizeof(key));
		if (key_matches(key, sel))
			return &results[i];
	}
	return NULL;
}
