// SPDX-License-Identifier: MIT
/*
 * fpgadma_acquire: the zero-copy acquisition loop with libfpgadma.
 *
 *   fpgadma_acquire [/dev/fpgadma0] [buffers]
 *
 * Starts the stream, reads each filled buffer in place (here: a checksum)
 * and gives it back. Build: cc fpgadma_acquire.c $(pkg-config --cflags --libs fpgadma)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <fpgadma.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/fpgadma0";
	unsigned long want = argc > 2 ? strtoul(argv[2], NULL, 0) : 50;
	unsigned long got = 0, lost = 0;
	uint64_t sum = 0, t0 = 0, t1 = 0;
	struct fpgadma_devinfo info;
	struct fpgadma_counters st;
	struct fpgadma_view v;
	struct fpgadma *dev;
	int r;

	if ((r = fpgadma_open(&dev, path, 0)) || (r = fpgadma_info(dev, &info)) ||
	    (r = fpgadma_start(dev)))
		goto out;
	printf("%s: engine %s, %u buffers x %u bytes\n", path, info.engine,
	       info.buf_count, info.buf_size);
	while (got < want) {
		if ((r = fpgadma_next(dev, &v, 5000)))	/* blocks on the IRQ */
			goto out;
		for (size_t i = 0; i < v.len; i++)
			sum += ((const uint8_t *)v.data)[i];
		lost += v.lost_before;
		t0 = got++ ? t0 : v.timestamp_ns;
		t1 = v.timestamp_ns;
		if ((r = fpgadma_release(dev, &v)))
			goto out;
	}
	if ((r = fpgadma_stop(dev)) || (r = fpgadma_stats(dev, &st)))
		goto out;
	printf("%lu buffers in %.2f s, %lu lost, checksum %" PRIu64 "\n", got,
	       (t1 - t0) / 1e9, lost, sum);
	printf("stats: completed %" PRIu64 ", dropped %" PRIu64 ", irqs %" PRIu64 "\n",
	       st.completed, st.dropped, st.irqs);
out:
	if (r)
		fprintf(stderr, "fpgadma_acquire: %s: %s\n", path, fpgadma_strerror(r));
	fpgadma_close(dev);
	return r ? 1 : 0;
}
