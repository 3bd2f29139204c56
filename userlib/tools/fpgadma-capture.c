// SPDX-License-Identifier: MIT
/*
 * fpgadma-capture: stream buffers from an fpgadma device into a file or
 * stdout, written straight from the mapped ring (zero copy up to write()).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fpgadma.h>

#define BATCH 32

static volatile sig_atomic_t stop_req;

static void on_signal(int sig)
{
	(void)sig;
	stop_req = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: fpgadma-capture [options]\n"
"Stream DMA buffers from an fpgadma device into a file (or stdout), written\n"
"straight from the mapped ring buffers, until a limit or Ctrl-C.\n"
"\n"
"  -d, --device DEV     device node or index (default /dev/fpgadma0)\n"
"  -o, --output FILE    output file, '-' for stdout (default)\n"
"  -n, --buffers N      stop after N buffers\n"
"  -b, --bytes N        stop after N bytes (the last buffer is cut), K/M/G ok\n"
"  -c, --count N        resize the ring to N buffers first\n"
"  -s, --size N         resize the ring to buffers of N bytes first\n"
"  -t, --timeout MS     fail if no buffer arrives within MS ms (default 5000;\n"
"                       0 waits forever)\n"
"  -q, --quiet          no progress line and no summary\n"
"  -h, --help           this help\n"
"\n"
"Without -n or -b it runs until SIGINT/SIGTERM. A progress line (bytes,\n"
"rate, drops) is shown when stderr is a terminal, and a summary at the end.\n"
"Exit status: 0 all data captured, 1 error, 2 usage, 3 buffers were lost\n"
"(dropped by the device for lack of a free buffer, or flagged in error).\n");
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "buffers", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *devname = "/dev/fpgadma0", *outname = "-";
	uint64_t max_bufs = 0, max_bytes = 0, count = 0, size = 0, tmo = 5000;
	uint64_t bufs = 0, bytes = 0, lost = 0, errs = 0, seq_gaps = 0;
	uint64_t next_seq = 0;
	struct fpgadma_view v[BATCH];
	struct fpgadma *dev = NULL;
	struct sigaction sa;
	int c, r = 0, out, quiet = 0, progress, status = 0;
	double t0, last = 0;
	char path[64];

	while ((c = getopt_long(argc, argv, "d:o:n:b:c:s:t:qh", opts, NULL)) != -1) {
		uint64_t *dst = NULL;

		switch (c) {
		case 'd': devname = optarg; break;
		case 'o': outname = optarg; break;
		case 'n': dst = &max_bufs; break;
		case 'b': dst = &max_bytes; break;
		case 'c': dst = &count; break;
		case 's': dst = &size; break;
		case 't': dst = &tmo; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (dst && parse_num(optarg, dst)) {
			fprintf(stderr, "fpgadma-capture: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (optind < argc || count > UINT32_MAX || size > UINT32_MAX ||
	    tmo > INT32_MAX) {
		usage(stderr);
		return 2;
	}
	if (devname[0] && strspn(devname, "0123456789") == strlen(devname)) {
		snprintf(path, sizeof(path), "/dev/fpgadma%s", devname);
		devname = path;
	}

	if (strcmp(outname, "-") == 0) {
		out = STDOUT_FILENO;
	} else {
		out = open(outname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			fprintf(stderr, "fpgadma-capture: %s: %s\n", outname, strerror(errno));
			return 1;
		}
	}
	progress = !quiet && isatty(STDERR_FILENO);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits return -EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = fpgadma_open(&dev, devname, FPGADMA_OPEN_EINTR);
	if (!r && (count || size))
		r = fpgadma_configure(dev, (uint32_t)count, (uint32_t)size);
	if (!r)
		r = fpgadma_start(dev);
	if (r) {
		fprintf(stderr, "fpgadma-capture: %s: %s\n", devname, fpgadma_strerror(r));
		fpgadma_close(dev);
		return 1;
	}

	t0 = now_s();
	while (!stop_req && (!max_bufs || bufs < max_bufs) &&
	       (!max_bytes || bytes < max_bytes)) {
		size_t want = BATCH;
		int n, i;

		if (max_bufs && max_bufs - bufs < want)
			want = (size_t)(max_bufs - bufs);
		n = fpgadma_next_batch(dev, v, want, tmo ? (int)tmo : FPGADMA_WAIT_FOREVER);
		if (n == -EINTR)
			continue;	/* the loop condition sees stop_req */
		if (n < 0) {
			r = n;
			fprintf(stderr, "\nfpgadma-capture: %s: %s\n", devname,
				fpgadma_strerror(r));
			break;
		}
		for (i = 0; i < n && !r; i++) {
			size_t len = v[i].len;

			if (max_bytes && max_bytes - bytes < len)
				len = (size_t)(max_bytes - bytes);
			if (bufs && v[i].sequence != next_seq + v[i].lost_before)
				seq_gaps++;
			next_seq = v[i].sequence + 1;
			lost += v[i].lost_before;
			errs += !!(v[i].flags & FPGADMA_VIEW_ERROR);
			r = write_all(out, v[i].data, len);
			if (r)
				fprintf(stderr, "\nfpgadma-capture: write %s: %s\n",
					outname, strerror(-r));
			bytes += len;
			bufs++;
		}
		/* Release all n even on a write error: they are ours. */
		c = fpgadma_release_batch(dev, v, (size_t)n);
		if (c && !r) {
			r = c;
			fprintf(stderr, "\nfpgadma-capture: release: %s\n",
				fpgadma_strerror(r));
		}
		if (r)
			break;
		if (progress && now_s() - last >= 0.5) {
			double dt = (last = now_s()) - t0;

			fprintf(stderr, "\r%" PRIu64 " buffers, %" PRIu64 " bytes, %.2f MB/s, %" PRIu64 " lost ",
				bufs, bytes, dt > 0 ? bytes / dt / 1e6 : 0.0, lost);
		}
	}
	fpgadma_stop(dev);
	fpgadma_close(dev);
	if (out != STDOUT_FILENO && close(out) && !r) {
		fprintf(stderr, "fpgadma-capture: %s: %s\n", outname, strerror(errno));
		r = -errno;
	}
	if (!quiet) {
		double dt = now_s() - t0;

		fprintf(stderr, "%sfpgadma-capture: %" PRIu64 " buffers, %" PRIu64
			" bytes in %.2f s to %s; lost %" PRIu64 " buffers, %" PRIu64
			" errors, %" PRIu64 " sequence gaps\n", progress ? "\n" : "",
			bufs, bytes, dt, strcmp(outname, "-") ? outname : "stdout",
			lost, errs, seq_gaps);
	}
	if (r)
		status = 1;
	else if (lost || errs || seq_gaps)
		status = 3;
	return status;
}
