// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput section 3: the checksum over the mapped ring vs over a
 * malloc'd copy of it (same function, same size), alternating, best of 5:
 * 4 x 64 KiB = 256 KiB (fits the caches) and 16 x 1 MiB = 16 MiB (does not),
 * each on both kinds of ring memory the driver has (FPGADMA_CAP_MEMORY):
 * one coherent block and cached pages. The results carry the kind the ring
 * actually got (fpgadma_memory()); a driver without the choice gives one
 * run per size on the ring it has. While the ring fills, every word of
 * every buffer is checked against the model's pattern (fill=2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "uapi/fpgadma.h"

#define MODEL_MIX	0x9e3779b97f4a7c15ULL	/* tests/model: word k = seq ^ k * MIX */

/* Words of a fill=2 buffer that are not the model's pattern for seq. */
static uint64_t pattern_errors(const struct fpgadma_view *v)
{
	const uint64_t *w = v->data;
	uint64_t bad = 0;

	for (size_t k = 0; k < v->len / 8; k++)
		bad += w[k] != (v->sequence ^ (k * MODEL_MIX));
	return bad;
}

/*
 * Fill the ring with the model's data (twice round), then stop: the
 * library keeps the ring mapped across a stop. The ring's start, or NULL;
 * *bad: the words that were not the model's pattern.
 */
static const uint8_t *fill_ring(struct stream *s, uint32_t count, uint64_t *bad)
{
	const uint8_t *base = NULL;
	struct fpgadma_view v[16];

	for (uint32_t got = 0; got < count * 2;) {
		int n = fpgadma_next_batch(s->dev, v, 16, WAIT_MS);

		if (n <= 0) {
			warn("checksum: filling the ring: %s", fpgadma_strerror(n));
			return NULL;
		}
		base = ring_base(s, &v[0]);
		for (int i = 0; i < n; i++)
			*bad += pattern_errors(&v[i]);
		n = fpgadma_release_batch(s->dev, v, (size_t)n) ? 0 : n;
		if (!n)
			return NULL;
		got += (uint32_t)n;
	}
	return fpgadma_stop(s->dev) ? NULL : base;
}

static void mapped_vs_malloc(uint32_t count, uint32_t size, unsigned int memory)
{
	size_t len = (size_t)count * size;
	uint64_t ns = opt.quick ? 60000000u : 150000000u, bad = 0;
	struct params p = {
		.section = "checksum", .test = "mapped_vs_malloc", .buf_size = (uint32_t)len,
		.depth = count, .fill = 2,
	};
	double mapped = 0, heap = 0;
	const uint8_t *ring;
	struct stream s;
	uint8_t *m;

	if (!model_setup(0, 2))
		return;
	if (!stream_open_mem(&s, model.node, count, size, 0, memory)) {
		note("checksum: no %s ring of %u x %u KiB here (its figures are n/a; the error is on "
		     "the console)", mem_name((int)memory), count, size / KIB);
		return;
	}
	if (memory != FPGADMA_MEM_AUTO && s.memory != (int)memory)
		warn("checksum: asked for a %s ring, got %s", mem_name((int)memory),
		     mem_name(s.memory));
	p.memory = mem_name(s.memory);
	ring = fill_ring(&s, count, &bad);
	m = ring ? malloc(len) : NULL;
	if (!m) {
		stream_close(&s);
		return;
	}
	memcpy(m, ring, len);
	if (checksum(m, len) != checksum(ring, len))
		warn("checksum of the copy differs from the ring's");
	if (bad)
		warn("checksum: %s ring, %zu KiB: %llu words not the model's pattern",
		     p.memory, len / KIB, (unsigned long long)bad);
	for (int round = 0; round < 5; round++) {
		double a = csum_rate(ring, len, ns), b = csum_rate(m, len, ns);

		mapped = a > mapped ? a : mapped;
		heap = b > heap ? b : heap;
	}
	printf("  %6zu KiB %-8s: mapped %.1f MB/s, malloc %.1f MB/s, ratio %.3f\n",
	       len / KIB, p.memory, mapped, heap, mapped / heap);
	p.mode = "mapped";
	record(&p, "throughput", mapped, "MB/s");
	record(&p, "pattern_errors", (double)bad, "words");
	p.mode = "malloc";
	record(&p, "throughput", heap, "MB/s");
	p.mode = "ratio";
	record(&p, "mapped_over_malloc", mapped / heap, "x");
	free(m);
	stream_close(&s);
}

void section_checksum(const struct fpgadma_devinfo *info)
{
	static const struct {
		uint32_t count, size;
	} rings[] = { { 4, 64 * KIB }, { 16, 1 * MIB } };
	bool choice = info->caps & FPGADMA_CAP_MEMORY;

	printf("== 3. checksum over the mapped ring vs malloc'd memory, %s ==\n",
	       choice ? "coherent and cached rings" : "the driver's one kind of ring");
	for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		if (!choice) {
			mapped_vs_malloc(rings[i].count, rings[i].size, FPGADMA_MEM_AUTO);
			continue;
		}
		mapped_vs_malloc(rings[i].count, rings[i].size, FPGADMA_MEM_COHERENT);
		mapped_vs_malloc(rings[i].count, rings[i].size, FPGADMA_MEM_CACHED);
	}
}
