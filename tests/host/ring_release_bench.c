// SPDX-License-Identifier: GPL-2.0-only
/*
 * How long FPGADMA_IOC_RELEASE keeps interrupts off: since the engine
 * contract, only fpgadma_ring_release() runs under ring_lock (the engine
 * posts the buffers afterwards with interrupts on). This times that call
 * for the largest batch, FPGADMA_RELEASE_MAX indices, built as the kernel
 * builds it (-O2, no sanitizers), and prints the best of 200 runs.
 * A measurement, not a test: `make -C tests/host bench`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fpgadma_ring.h"

#define N	4096	/* FPGADMA_RELEASE_MAX */
#define RUNS	200

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void)
{
	static u32 idx[N];
	struct fpgadma_ring r;
	double best = 1e18;
	void *mem;
	int run;

	mem = calloc(1, fpgadma_ring_mem_size(N));
	if (!mem)
		return 1;
	fpgadma_ring_init(&r, N, mem);
	if (fpgadma_ring_start(&r))
		return 1;
	for (run = 0; run < RUNS; run++) {
		double t0, t;
		u32 i;

		/* The device fills every buffer; the user takes them all. */
		for (i = 0; i < N; i++)
			if (fpgadma_ring_complete(&r, i, 4096, 0, 1) ||
			    fpgadma_ring_dequeue(&r, &idx[i]))
				return 1;
		t0 = now_ns();
		if (fpgadma_ring_release(&r, idx, N))
			return 1;
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	printf("fpgadma_ring_release(%d indices): best of %d runs %.1f us\n",
	       N, RUNS, best / 1000);
	free(mem);
	return 0;
}
