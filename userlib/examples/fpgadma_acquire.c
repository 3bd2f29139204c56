// SPDX-License-Identifier: MIT
/*
 * fpgadma_acquire: the zero-copy acquisition loop in one page.
 *
 *   fpgadma_acquire [/dev/fpgadma0] [buffers]
 *
 * Maps the ring, starts the stream, and for each completed buffer reads the
 * data in place (here: a checksum) and gives the buffer back. Reports lost
 * buffers as the driver reports them. Uses the raw UAPI; libfpgadma wraps
 * the same calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uapi/fpgadma.h"

static int fail(const char *what)
{
	fprintf(stderr, "fpgadma_acquire: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/fpgadma0";
	unsigned long want = argc > 2 ? strtoul(argv[2], NULL, 0) : 50;
	struct fpgadma_record rec[16];
	struct fpgadma_timeout tmo = { .timeout_ms = 5000 };
	struct fpgadma_info info;
	struct fpgadma_stats st;
	unsigned long got = 0, lost = 0;
	uint64_t sum = 0, first_ns = 0, last_ns = 0;
	uint8_t *ring;
	size_t ring_len;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return fail(path);
	if (ioctl(fd, FPGADMA_IOC_INFO, &info))
		return fail("INFO");
	printf("%s: engine %s, API %u, %u buffers x %u bytes\n", path,
	       info.engine, info.api_version, info.buf_count, info.buf_size);

	ring_len = (size_t)info.buf_count * info.buf_size;
	ring = mmap(NULL, ring_len, PROT_READ, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		return fail("mmap");
	if (ioctl(fd, FPGADMA_IOC_SET_TIMEOUT, &tmo) ||
	    ioctl(fd, FPGADMA_IOC_START))
		return fail("START");

	while (got < want) {
		uint32_t idx[16];
		ssize_t n = read(fd, rec, sizeof(rec));	/* blocks on the IRQ */

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("read");
		}
		for (size_t i = 0; i < n / sizeof(rec[0]); i++) {
			const uint8_t *data = ring + (size_t)rec[i].index * info.buf_size;

			for (uint32_t b = 0; b < rec[i].bytes_used; b++)
				sum += data[b];
			lost += rec[i].lost_before;
			if (!got++)
				first_ns = rec[i].timestamp_ns;
			last_ns = rec[i].timestamp_ns;
			idx[i] = rec[i].index;
		}
		struct fpgadma_release rel = {
			.indices = (uintptr_t)idx,
			.count = n / sizeof(rec[0]),
		};
		if (ioctl(fd, FPGADMA_IOC_RELEASE, &rel))
			return fail("RELEASE");
	}
	if (ioctl(fd, FPGADMA_IOC_STOP) || ioctl(fd, FPGADMA_IOC_GET_STATS, &st))
		return fail("STOP");
	printf("%lu buffers in %.2f s, %lu lost, checksum %" PRIu64 "\n", got,
	       (last_ns - first_ns) / 1e9, lost, sum);
	printf("stats: completed %llu, dropped %llu, irqs %llu\n",
	       (unsigned long long)st.completed, (unsigned long long)st.dropped,
	       (unsigned long long)st.irqs);
	munmap(ring, ring_len);
	close(fd);
	return 0;
}
