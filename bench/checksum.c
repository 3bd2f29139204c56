// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput section 3: the checksum over the mapped ring vs over a
 * malloc'd copy of it (same function, same size), alternating, best of 5:
 * 4 x 64 KiB = 256 KiB (fits the caches) and 16 x 1 MiB = 16 MiB (does not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/*
 * Fill the ring with the model's data (twice round), then stop: the
 * library keeps the ring mapped across a stop. The ring's start, or NULL.
 */
static const uint8_t *fill_ring(struct stream *s, uint32_t count)
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
		n = fpgadma_release_batch(s->dev, v, (size_t)n) ? 0 : n;
		if (!n)
			return NULL;
		got += (uint32_t)n;
	}
	return fpgadma_stop(s->dev) ? NULL : base;
}

static void mapped_vs_malloc(uint32_t count, uint32_t size)
{
	size_t len = (size_t)count * size;
	uint64_t ns = opt.quick ? 60000000u : 150000000u;
	struct params p = {
		.section = "checksum", .test = "mapped_vs_malloc", .buf_size = (uint32_t)len,
		.depth = count, .fill = 2,
	};
	double mapped = 0, heap = 0;
	const uint8_t *ring;
	struct stream s;
	uint8_t *m;

	if (!model_setup(0, 2) || !stream_open(&s, model.node, count, size, 0))
		return;
	ring = fill_ring(&s, count);
	m = ring ? malloc(len) : NULL;
	if (!m) {
		stream_close(&s);
		return;
	}
	memcpy(m, ring, len);
	if (checksum(m, len) != checksum(ring, len))
		warn("checksum of the copy differs from the ring's");
	for (int round = 0; round < 5; round++) {
		double a = csum_rate(ring, len, ns), b = csum_rate(m, len, ns);

		mapped = a > mapped ? a : mapped;
		heap = b > heap ? b : heap;
	}
	printf("  %6zu KiB: mapped %.1f MB/s, malloc %.1f MB/s, ratio %.3f\n", len / KIB,
	       mapped, heap, mapped / heap);
	p.mode = "mapped";
	record(&p, "throughput", mapped, "MB/s");
	p.mode = "malloc";
	record(&p, "throughput", heap, "MB/s");
	p.mode = "ratio";
	record(&p, "mapped_over_malloc", mapped / heap, "x");
	free(m);
	stream_close(&s);
}

void section_checksum(void)
{
	printf("== 3. checksum over the mapped ring vs malloc'd memory ==\n");
	mapped_vs_malloc(4, 64 * KIB);
	mapped_vs_malloc(16, 1 * MIB);
}
