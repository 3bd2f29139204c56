// SPDX-License-Identifier: MIT
/*
 * In-VM tests of libfpgadma against the edu devices (static binary).
 *
 *   fpgadma_libtest                 run every test, print PASS/FAIL lines
 *   fpgadma_libtest verify-file F N NAME
 *                                   check that file F holds N whole edu
 *                                   buffers (N = -1: any length) of data;
 *                                   prints one PASS/FAIL line for NAME
 *
 * The edu engine fills every buffer with bytes_used = 4088 bytes where
 * byte i == (uint8_t)((i * 7) ^ (i >> 8) ^ 0xA5); one buffer per ~100 ms.
 * The software model (a stream engine, fpgadma_model.ko, which lib.sh
 * loads) puts its production count in a buffer's first 64-bit
 * word and runs flat out with flow control.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <fpgadma.h>
#include "uapi/fpgadma.h"

#define DEV0 "/dev/fpgadma0"
#define DEV1 "/dev/fpgadma1"
#define EDU_LEN 4088

static int failures, results;
static char why[512];
/* The kernel's page size: ring buffer sizes are multiples of it. */
static uint32_t pg;

static bool failf(const char *fmt, ...)
{
	if (!why[0]) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static void report(const char *name, bool ok)
{
	results++;
	if (ok) {
		printf("PASS: lib.%s\n", name);
	} else {
		failures++;
		printf("FAIL: lib.%s: %s\n", name, why[0] ? why : "failed");
	}
	why[0] = '\0';
	fflush(stdout);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t pat(size_t i)
{
	return (uint8_t)((i * 7) ^ (i >> 8) ^ 0xA5);
}

/* Expect call == want (0, a count, or a negative errno). */
#define EXPECT(call, want) ({						\
	long r_ = (long)(call), w_ = (long)(want);			\
	r_ == w_ ? true : failf("%s: got %ld (%s), want %ld (%s)", #call, \
				r_, fpgadma_strerror((int)r_), w_,	\
				fpgadma_strerror((int)w_));		\
})

static bool check_view(const struct fpgadma_view *v, uint32_t buf_size,
		       const uint8_t **base)
{
	const uint8_t *d = v->data, *b;

	if (!d)
		return failf("view %u: NULL data", v->index);
	b = d - (size_t)v->index * buf_size;
	if (*base && b != *base)
		return failf("view %u: data %p not at ring base %p + index * %u",
			     v->index, (const void *)d, (const void *)*base, buf_size);
	*base = b;
	if (v->len != EDU_LEN)
		return failf("seq %llu: len %zu, want %d",
			     (unsigned long long)v->sequence, v->len, EDU_LEN);
	if (v->flags)
		return failf("seq %llu: flags 0x%x", (unsigned long long)v->sequence, v->flags);
	for (size_t i = 0; i < v->len; i++)
		if (d[i] != pat(i))
			return failf("seq %llu byte %zu: 0x%02x, want 0x%02x",
				     (unsigned long long)v->sequence, i, d[i], pat(i));
	return true;
}

/* Sequence rule across views: next == prev + 1 + lost_before. */
static bool check_seq(const struct fpgadma_view *v, bool *have, uint64_t *prev)
{
	if (*have && v->sequence != *prev + 1 + v->lost_before)
		return failf("sequence %llu after %llu with lost_before %u",
			     (unsigned long long)v->sequence,
			     (unsigned long long)*prev, v->lost_before);
	*have = true;
	*prev = v->sequence;
	return true;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void set_alarm(int first_ms, int interval_ms)
{
	struct itimerval it = {
		.it_value = { first_ms / 1000, (long)(first_ms % 1000) * 1000 },
		.it_interval = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- tests -------------------------------------------------------------- */

static bool t_open(void)
{
	struct fpgadma *a = NULL, *b = NULL, *c = (void *)1;
	struct fpgadma_devinfo info = { 0 };
	bool ok = true;

	ok = ok && EXPECT(fpgadma_open_index(&a, 0, 0), 0);
	ok = ok && EXPECT(fpgadma_open(&b, DEV1, 0), 0);
	ok = ok && EXPECT(fpgadma_open(&c, "/dev/fpgadma9", 0), -ENOENT) &&
	     (c == NULL || failf("handle not NULL after failed open"));
	ok = ok && EXPECT(fpgadma_open(&c, "/dev/null", 0), -ENOTTY);
	ok = ok && EXPECT(fpgadma_open(&c, DEV0, 0x100), -EINVAL);
	ok = ok && EXPECT(fpgadma_open_index(&c, -1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_info(a, &info), 0);
	if (ok && (strcmp(info.engine, "edu") || info.buf_count != 16 ||
		   info.buf_size != pg || info.api_version < 1 || info.streaming))
		ok = failf("info: engine %s, %u x %u, api %u, streaming %u",
			   info.engine, info.buf_count, info.buf_size,
			   info.api_version, info.streaming);
	ok = ok && EXPECT(fpgadma_info(b, &info), 0);
	ok = ok && (fpgadma_fd(a) >= 0 || failf("fd %d", fpgadma_fd(a)));
	ok = ok && EXPECT(fpgadma_close(b), 0);
	ok = ok && EXPECT(fpgadma_close(a), 0);
	ok = ok && EXPECT(fpgadma_close(NULL), 0);
	return ok;
}

static bool t_args(struct fpgadma *dev)
{
	struct fpgadma_view v, vs[2];
	char buf[16];
	bool ok = true;

	ok = ok && EXPECT(fpgadma_next(dev, NULL, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_next(dev, &v, -2), -EINVAL);
	ok = ok && EXPECT(fpgadma_next_batch(dev, vs, 0, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_next(dev, &v, 0), -EPIPE);	/* not started */
	ok = ok && EXPECT(fpgadma_release(dev, NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_release_batch(dev, NULL, 1), -EINVAL);
	ok = ok && EXPECT(fpgadma_release_batch(dev, vs, 0), 0);
	ok = ok && EXPECT(fpgadma_read(dev, buf, sizeof(buf), 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_info(dev, NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_stats(dev, NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_configure(dev, 4, 100), -EINVAL);	/* not page sized */
	ok = ok && EXPECT(fpgadma_stop(dev), 0);			/* not streaming */
	ok = ok && EXPECT(fpgadma_pending(dev), 0);
	return ok;
}

/* >= 100 buffers through next/release and next_batch/release_batch. */
static bool t_stream(struct fpgadma *dev, unsigned int total)
{
	struct fpgadma_view v[8];
	const uint8_t *base = NULL;
	unsigned int got = 0, lost = 0;
	uint64_t prev = 0;
	bool have = false;
	int n;

	if (!EXPECT(fpgadma_start(dev), 0) || !EXPECT(fpgadma_start(dev), 0))
		return false;
	while (got < total) {
		if (got < total / 2) {
			if (!EXPECT(fpgadma_next(dev, v, 3000), 0))
				return false;
			n = 1;
		} else {
			n = fpgadma_next_batch(dev, v, 8, 3000);
			if (n < 1 || n > 8)
				return failf("next_batch: %d (%s)", n, fpgadma_strerror(n));
		}
		for (int i = 0; i < n; i++) {
			if (!check_view(&v[i], pg, &base) || !check_seq(&v[i], &have, &prev))
				return false;
			lost += v[i].lost_before;
		}
		if (n == 1 ? !EXPECT(fpgadma_release(dev, v), 0)
			   : !EXPECT(fpgadma_release_batch(dev, v, (size_t)n), 0))
			return false;
		if (v[0].data)
			return failf("release did not clear the view");
		got += (unsigned int)n;
	}
	printf("lib: streamed %u buffers, %u lost\n", got, lost);
	return true;
}

/* Several ready buffers come from one read(). */
static bool t_batched(struct fpgadma *dev)
{
	struct fpgadma_view v;
	int pend;

	usleep(700 * 1000);	/* ~7 buffers complete meanwhile */
	if (!EXPECT(fpgadma_next(dev, &v, 3000), 0))
		return false;
	pend = fpgadma_pending(dev);
	if (!EXPECT(fpgadma_release(dev, &v), 0))
		return false;
	if (pend < 3)
		return failf("only %d records pending after one next(); no batching", pend);
	while (fpgadma_pending(dev) > 0) {
		if (!EXPECT(fpgadma_next(dev, &v, 0), 0) || !EXPECT(fpgadma_release(dev, &v), 0))
			return false;
	}
	return true;
}

static bool t_busy(struct fpgadma *dev)
{
	struct fpgadma *other = NULL;
	struct fpgadma_devinfo info = { 0 };
	struct fpgadma_counters st = { 0 };
	bool ok = true;

	(void)dev;
	if (!EXPECT(fpgadma_open(&other, DEV0, 0), 0))
		return false;
	ok = ok && EXPECT(fpgadma_start(other), -EBUSY);
	ok = ok && EXPECT(fpgadma_info(other, &info), 0) &&
	     (info.streaming == 1 || failf("info.streaming %u", info.streaming));
	ok = ok && EXPECT(fpgadma_stats(other, &st), 0) &&
	     (st.streaming == 1 || failf("stats.streaming %u", st.streaming));
	ok = ok && EXPECT(fpgadma_configure(other, 8, pg), -EBUSY);
	ok = ok && EXPECT(fpgadma_stop(other), 0);	/* not its stream */
	ok = ok && EXPECT(fpgadma_close(other), 0);
	return ok;
}

static bool t_poll(struct fpgadma *dev)
{
	struct pollfd p = { .fd = fpgadma_fd(dev), .events = POLLIN };
	struct fpgadma_view v;
	int r, drained = 0;
	int64_t t0;

	/* Drain what is there, as an event loop does. */
	while ((r = fpgadma_next(dev, &v, 0)) == 0) {
		drained++;
		if (!EXPECT(fpgadma_release(dev, &v), 0))
			return false;
	}
	if (!EXPECT(r, -EAGAIN))
		return false;
	t0 = now_ms();
	r = poll(&p, 1, 3000);
	if (r != 1 || !(p.revents & POLLIN))
		return failf("poll: %d revents 0x%x after %lld ms", r, p.revents,
			     (long long)(now_ms() - t0));
	if (!EXPECT(fpgadma_next(dev, &v, 0), 0) || !EXPECT(fpgadma_release(dev, &v), 0))
		return false;
	printf("lib: poll woke after %lld ms (drained %d first)\n",
	       (long long)(now_ms() - t0), drained);
	return true;
}

static bool t_release_errors(struct fpgadma *dev)
{
	struct fpgadma_view a = { 0 }, b = { 0 }, copy, pair[2], forged;
	bool ok = true;

	if (!EXPECT(fpgadma_next(dev, &a, 3000), 0) || !EXPECT(fpgadma_next(dev, &b, 3000), 0))
		return false;
	copy = a;
	ok = ok && EXPECT(fpgadma_release(dev, &a), 0);
	ok = ok && EXPECT(fpgadma_release(dev, &a), -EINVAL);	/* cleared view */
	ok = ok && EXPECT(fpgadma_release(dev, &copy), -EINVAL);	/* no longer held */
	forged = b;
	forged.index = 999;
	ok = ok && EXPECT(fpgadma_release(dev, &forged), -EINVAL);
	forged = b;
	forged.data = (const char *)b.data + 1;
	ok = ok && EXPECT(fpgadma_release(dev, &forged), -EINVAL);
	pair[0] = b;
	pair[1] = b;
	ok = ok && EXPECT(fpgadma_release_batch(dev, pair, 2), -EINVAL);	/* repeated */
	ok = ok && (pair[0].data || failf("failed batch cleared a view"));
	ok = ok && EXPECT(fpgadma_release_batch(dev, pair, 5000), -EINVAL);
	ok = ok && EXPECT(fpgadma_release(dev, &b), 0);	/* all or nothing */
	return ok;
}

/* Ring of 2, both held: nothing can arrive. */
static bool t_timeout_eintr(struct fpgadma *dev, struct fpgadma_view held[2])
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct fpgadma_view v;
	int64_t t0, dt;
	bool ok = true;

	if (!EXPECT(fpgadma_stop(dev), 0) || !EXPECT(fpgadma_configure(dev, 2, pg), 0) ||
	    !EXPECT(fpgadma_start(dev), 0) || !EXPECT(fpgadma_next(dev, &held[0], 3000), 0) ||
	    !EXPECT(fpgadma_next(dev, &held[1], 3000), 0))
		return false;
	t0 = now_ms();
	ok = EXPECT(fpgadma_next(dev, &v, 300), -ETIMEDOUT);
	dt = now_ms() - t0;
	if (ok && (dt < 280 || dt > 2000))
		ok = failf("timeout after %lld ms, want ~300", (long long)dt);
	ok = ok && EXPECT(fpgadma_next(dev, &v, 0), -EAGAIN);
	report("timeout", ok);

	/* A handle without FPGADMA_OPEN_EINTR keeps waiting through signals. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarms = 0;
	set_alarm(50, 50);
	t0 = now_ms();
	ok = EXPECT(fpgadma_next(dev, &v, 500), -ETIMEDOUT);
	dt = now_ms() - t0;
	set_alarm(0, 0);
	if (ok && (dt < 480 || dt > 2500))
		ok = failf("timeout with signals after %lld ms, want ~500", (long long)dt);
	if (ok && alarms < 4)
		ok = failf("only %d signals arrived", (int)alarms);
	report("eintr-retried", ok);
	return true;
}

static bool t_eintr_return(void)
{
	struct fpgadma_view held[2], v;
	struct fpgadma *dev = NULL;
	bool ok = true;

	if (!EXPECT(fpgadma_open(&dev, DEV0, FPGADMA_OPEN_EINTR), 0))
		return false;
	ok = EXPECT(fpgadma_configure(dev, 2, pg), 0) && EXPECT(fpgadma_start(dev), 0) && EXPECT(fpgadma_next(dev, &held[0], 3000), 0) &&
	     EXPECT(fpgadma_next(dev, &held[1], 3000), 0);
	if (ok) {
		int64_t t0, dt;
		int r;

		alarms = 0;
		set_alarm(150, 0);
		t0 = now_ms();
		r = fpgadma_next(dev, &v, 3000);
		dt = now_ms() - t0;
		set_alarm(0, 0);
		ok = EXPECT(r, -EINTR);
		if (ok && (dt > 1500 || alarms != 1))
			ok = failf("-EINTR after %lld ms, %d signals", (long long)dt, (int)alarms);
	}
	report("eintr-returned", ok);

	/* Both buffers were held for > 300 ms: the device dropped data. */
	usleep(300 * 1000);
	ok = EXPECT(fpgadma_release_batch(dev, held, 2), 0) &&
	     EXPECT(fpgadma_next(dev, &v, 3000), 0);
	if (ok && v.lost_before == 0)
		ok = failf("no loss reported after holding the whole ring (seq %llu)",
			   (unsigned long long)v.sequence);
	if (ok && v.sequence != 2 + (uint64_t)v.lost_before)
		ok = failf("sequence %llu with lost_before %u after seqs 0, 1",
			   (unsigned long long)v.sequence, v.lost_before);
	ok = ok && EXPECT(fpgadma_release(dev, &v), 0);
	report("drops-reported", ok);

	ok = EXPECT(fpgadma_next(dev, &v, 3000), 0) && EXPECT(fpgadma_stop(dev), 0);
	ok = ok && EXPECT(fpgadma_next(dev, &v, 0), -EPIPE);
	ok = ok && EXPECT(fpgadma_release(dev, &v), -EPIPE);
	ok = ok && EXPECT(fpgadma_configure(dev, 16, pg), 0);
	ok = ok && EXPECT(fpgadma_close(dev), 0);
	report("stop-epipe", ok);
	return true;
}

static bool t_stream_signals(struct fpgadma *dev)
{
	struct fpgadma_view v;
	const uint8_t *base = NULL;
	uint64_t prev = 0;
	bool have = false, ok = true;

	alarms = 0;
	set_alarm(20, 20);
	ok = EXPECT(fpgadma_start(dev), 0);
	for (int i = 0; ok && i < 10; i++)
		ok = EXPECT(fpgadma_next(dev, &v, 3000), 0) && check_view(&v, pg, &base) &&
		     check_seq(&v, &have, &prev) && EXPECT(fpgadma_release(dev, &v), 0);
	set_alarm(0, 0);
	if (ok && alarms < 10)
		ok = failf("only %d signals during the stream", (int)alarms);
	ok = EXPECT(fpgadma_stop(dev), 0) && ok;
	return ok;
}

static bool t_reconfigure(struct fpgadma *dev)
{
	struct fpgadma_devinfo info = { 0 };
	struct fpgadma_view v;
	const uint8_t *base = NULL;
	bool ok = true;

	ok = ok && EXPECT(fpgadma_configure(dev, 8, 2 * pg), 0);
	ok = ok && EXPECT(fpgadma_info(dev, &info), 0) &&
	     ((info.buf_count == 8 && info.buf_size == 2 * pg) ||
	      failf("ring %u x %u after configure(8, 2 pages)", info.buf_count, info.buf_size));
	ok = ok && EXPECT(fpgadma_start(dev), 0);
	ok = ok && EXPECT(fpgadma_configure(dev, 4, pg), -EBUSY);
	for (int i = 0; ok && i < 10; i++)
		ok = EXPECT(fpgadma_next(dev, &v, 3000), 0) && check_view(&v, 2 * pg, &base) &&
		     EXPECT(fpgadma_release(dev, &v), 0);
	ok = ok && EXPECT(fpgadma_stop(dev), 0);
	ok = ok && EXPECT(fpgadma_configure(dev, 1u << 30, pg), -EINVAL);
	ok = ok && EXPECT(fpgadma_info(dev, &info), 0) &&
	     ((info.buf_count == 8 && info.buf_size == 2 * pg) ||
	      failf("ring %u x %u after a refused configure", info.buf_count, info.buf_size));
	ok = ok && EXPECT(fpgadma_configure(dev, 16, 0), 0);	/* keep the size */
	ok = ok && EXPECT(fpgadma_info(dev, &info), 0) &&
	     ((info.buf_count == 16 && info.buf_size == 2 * pg) ||
	      failf("ring %u x %u after configure(16, 0)", info.buf_count, info.buf_size));
	ok = ok && EXPECT(fpgadma_configure(dev, 16, pg), 0);
	return ok;
}

/* API 1.2: each memory kind on request, reported back, and it streams. */
static bool t_memory(struct fpgadma *dev)
{
	static const unsigned int kinds[] = { FPGADMA_MEM_COHERENT, FPGADMA_MEM_CACHED };
	struct fpgadma_view v;
	bool ok = true;

	for (size_t k = 0; ok && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const uint8_t *base = NULL;

		ok = EXPECT(fpgadma_configure_memory(dev, 8, 2 * pg, kinds[k]), 0) &&
		     EXPECT(fpgadma_memory(dev), (int)kinds[k]) &&
		     EXPECT(fpgadma_start(dev), 0);
		for (int i = 0; ok && i < 10; i++)
			ok = EXPECT(fpgadma_next(dev, &v, 3000), 0) &&
			     check_view(&v, 2 * pg, &base) &&
			     EXPECT(fpgadma_release(dev, &v), 0);
		ok = EXPECT(fpgadma_stop(dev), 0) && ok;
	}
	ok = ok && EXPECT(fpgadma_configure_memory(dev, 8, 2 * pg, 3), -EINVAL) &&
	     EXPECT(fpgadma_memory(dev), FPGADMA_MEM_CACHED) &&
	     EXPECT(fpgadma_configure_memory(NULL, 8, 2 * pg, 0), -EINVAL) &&
	     EXPECT(fpgadma_memory(NULL), -EINVAL) &&
	     EXPECT(fpgadma_configure_memory(dev, 16, pg, FPGADMA_MEM_AUTO), 0);
	return ok;
}

static bool t_copy(void)
{
	struct fpgadma *dev = NULL;
	struct fpgadma_view v;
	static uint8_t buf[2 * EDU_LEN];
	size_t got = 0;
	bool ok = true;

	if (!EXPECT(fpgadma_open(&dev, DEV1, FPGADMA_OPEN_COPY), 0))
		return false;
	ok = ok && EXPECT(fpgadma_start(dev), -EINVAL);
	ok = ok && EXPECT(fpgadma_next(dev, &v, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_read(dev, NULL, 1, 0), -EINVAL);
	while (ok && got < sizeof(buf)) {
		ssize_t n = fpgadma_read(dev, buf + got, sizeof(buf) - got, 3000);

		if (n <= 0)
			ok = failf("read after %zu bytes: %zd (%s)", got, n,
				   fpgadma_strerror((int)n));
		else
			got += (size_t)n;
	}
	for (size_t i = 0; ok && i < got; i++)
		if (buf[i] != pat(i % EDU_LEN))
			ok = failf("copy byte %zu: 0x%02x, want 0x%02x", i, buf[i],
				   pat(i % EDU_LEN));
	ok = ok && EXPECT(fpgadma_stop(dev), 0);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;
	return ok;
}

static bool t_stats(struct fpgadma *dev)
{
	struct fpgadma_counters st = { 0 };
	uint64_t events = 1, ns = 1;

	if (!EXPECT(fpgadma_stats(dev, &st), 0))
		return false;
	/* edu drops rather than holding its source back: never starved. */
	if (!EXPECT(fpgadma_starved(dev, &events, &ns), 0))
		return false;
	if (events || ns)
		return failf("edu starved %llu times, %llu ns", (unsigned long long)events,
			     (unsigned long long)ns);
	printf("lib: stats completed %llu dequeued %llu released %llu dropped %llu irqs %llu\n",
	       (unsigned long long)st.completed, (unsigned long long)st.dequeued,
	       (unsigned long long)st.released, (unsigned long long)st.dropped,
	       (unsigned long long)st.irqs);
	/* The ring's counters restart with each new ring (configure). */
	if (st.completed < 120 || st.dequeued < 120 || st.released > st.dequeued ||
	    st.dequeued > st.completed || st.irqs < st.completed || st.streaming != 1)
		return failf("implausible counters");
	return true;
}

/* The node of the first device whose engine is name, or "" if none. */
static const char *node_of_engine(const char *name)
{
	static char path[32];

	for (int i = 0; i < 8; i++) {
		struct fpgadma_devinfo info;
		struct fpgadma *d = NULL;
		bool match;

		if (fpgadma_open_index(&d, i, 0))
			continue;
		match = !fpgadma_info(d, &info) && !strcmp(info.engine, name);
		fpgadma_close(d);
		if (match) {
			snprintf(path, sizeof(path), "/dev/fpgadma%d", i);
			return path;
		}
	}
	return "";
}

/*
 * fpgadma_exchange() on an edu device: pattern and sequence of every
 * buffer, each batch given back by the next call; no coalescing there.
 */
static bool t_exchange_edu(struct fpgadma *dev)
{
	struct fpgadma_view v[8];
	const uint8_t *base = NULL;
	uint64_t prev = 0;
	bool have = false;
	int n = 0, got = 0;

	if (!EXPECT(fpgadma_set_coalesce(dev, 4, 1000), -EOPNOTSUPP) ||
	    !EXPECT(fpgadma_start(dev), 0))
		return false;
	while (got < 20) {
		n = fpgadma_exchange(dev, v, (size_t)n, v, 8, 3000);
		if (n < 1 || n > 8)
			return failf("exchange: %d (%s)", n, fpgadma_strerror(n));
		for (int i = 0; i < n; i++)
			if (!check_view(&v[i], pg, &base) || !check_seq(&v[i], &have, &prev))
				return false;
		got += n;
	}
	if (!EXPECT(fpgadma_release_batch(dev, v, (size_t)n), 0))
		return false;
	/* A forged view is refused before anything is given back. */
	n = fpgadma_exchange(dev, NULL, 0, v, 1, 3000);
	if (n != 1)
		return failf("exchange: %d (%s)", n, fpgadma_strerror(n));
	v[1] = v[0];
	v[1].index = (v[0].index + 1) % 16;
	if (!EXPECT(fpgadma_exchange(dev, &v[1], 1, v + 2, 1, 0), -EINVAL) ||
	    !EXPECT(fpgadma_release(dev, &v[0]), 0))
		return false;
	return EXPECT(fpgadma_stop(dev), 0);
}

/*
 * fpgadma_exchange() with interrupt moderation on the model, flat out:
 * 3000 buffers, none lost, word 0 following the sequence.
 */
static bool t_exchange_model(void)
{
	const char *path = node_of_engine("stream");
	struct fpgadma_counters st0, st1;
	struct fpgadma_view v[32];
	struct fpgadma *dev = NULL;
	uint64_t prev = 0, off = 0;
	bool have = false, ok = false;
	int n = 0, got = 0;

	if (!*path)
		return failf("no stream-engine device (fpgadma_model.ko loaded?)");
	if (!EXPECT(fpgadma_open(&dev, path, 0), 0))
		return false;
	if (!EXPECT(fpgadma_configure(dev, 64, pg), 0) ||
	    !EXPECT(fpgadma_set_coalesce(dev, 8, 2000), 0) ||
	    !EXPECT(fpgadma_set_coalesce(dev, 2048, 0), -EINVAL) ||
	    !EXPECT(fpgadma_stats(dev, &st0), 0) || !EXPECT(fpgadma_start(dev), 0))
		goto out;
	while (got < 3000) {
		n = fpgadma_exchange(dev, v, (size_t)n, v, 32, 3000);
		if (n < 1 || n > 32) {
			failf("exchange after %d buffers: %d (%s)", got, n,
			      fpgadma_strerror(n));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			uint64_t w0;

			memcpy(&w0, v[i].data, sizeof(w0));
			if (!have)
				off = w0 - v[i].sequence;
			if (v[i].lost_before || w0 - v[i].sequence != off) {
				failf("seq %llu: word 0 %llu (offset %llu), lost %u",
				      (unsigned long long)v[i].sequence,
				      (unsigned long long)w0,
				      (unsigned long long)off, v[i].lost_before);
				goto out;
			}
			if (!check_seq(&v[i], &have, &prev))
				goto out;
		}
		got += n;
	}
	if (!EXPECT(fpgadma_release_batch(dev, v, (size_t)n), 0) ||
	    !EXPECT(fpgadma_stats(dev, &st1), 0))
		goto out;
	printf("lib: model: %d buffers by exchange, %.1f per interrupt\n", got,
	       (double)(st1.completed - st0.completed) /
	       (double)((st1.irqs - st0.irqs) ? (st1.irqs - st0.irqs) : 1));
	/* Moderation on: fewer interrupts than buffers (K = 8). */
	ok = st1.irqs - st0.irqs < (uint64_t)got / 2 ||
	     failf("%llu interrupts for %d buffers with K=8",
		   (unsigned long long)(st1.irqs - st0.irqs), got);
out:
	fpgadma_close(dev);
	return ok;
}

/*
 * 3000 buffers of the model through fpgadma_next_batch/release_batch,
 * by the shared rings (flags 0) or by read+RELEASE (FPGADMA_OPEN_NO_SHARED):
 * the same API, the same checks; the shared path must make far fewer
 * passes over the release ring than buffers (no system call per buffer).
 */
static bool t_model_path(unsigned int flags)
{
	const char *path = node_of_engine("stream");
	struct fpgadma_view v[16], extra;
	struct fpgadma_rings rg;
	struct fpgadma *dev = NULL;
	uint64_t prev = 0, off = 0;
	bool have = false, ok = false;
	int got = 0, r;

	if (!*path)
		return failf("no stream-engine device (fpgadma_model.ko loaded?)");
	if (!EXPECT(fpgadma_open(&dev, path, flags), 0))
		return false;
	if (!EXPECT(fpgadma_configure(dev, 32, pg), 0) ||
	    !EXPECT(fpgadma_start(dev), 0))
		goto out;
	r = fpgadma_rings(dev, &rg);
	if ((flags & FPGADMA_OPEN_NO_SHARED) ? r != -EOPNOTSUPP : r != 0) {
		failf("fpgadma_rings: %d (%s)", r, fpgadma_strerror(r));
		goto out;
	}
	while (got < 3000) {
		int n = fpgadma_next_batch(dev, v, 16, 3000);

		if (n < 1 || n > 16) {
			failf("next_batch after %d buffers: %d (%s)", got, n,
			      fpgadma_strerror(n));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			uint64_t w0;

			memcpy(&w0, v[i].data, sizeof(w0));
			if (!have)
				off = w0 - v[i].sequence;
			if (v[i].lost_before || w0 - v[i].sequence != off) {
				failf("seq %llu: word 0 %llu, lost %u",
				      (unsigned long long)v[i].sequence,
				      (unsigned long long)w0, v[i].lost_before);
				goto out;
			}
			if (!check_seq(&v[i], &have, &prev))
				goto out;
		}
		if (got == 0) {
			/* Release errors on either path: all or nothing. */
			struct fpgadma_view pair[2] = { v[0], v[0] };

			if (!EXPECT(fpgadma_release_batch(dev, pair, 2), -EINVAL) ||
			    !(pair[0].data || failf("failed batch cleared a view")))
				goto out;
			extra = v[0];
			extra.index = 999;
			if (!EXPECT(fpgadma_release(dev, &extra), -EINVAL))
				goto out;
		}
		if (!EXPECT(fpgadma_release_batch(dev, v, (size_t)n), 0))
			goto out;
		if (got == 0 && !EXPECT(fpgadma_release(dev, &v[0]), -EINVAL))
			goto out;
		got += n;
	}
	if (!(flags & FPGADMA_OPEN_NO_SHARED)) {
		const struct fpgadma_shm_counters *c = rg.counters;

		printf("lib: shared: %d buffers, %llu release passes, %llu wakeups\n",
		       got, (unsigned long long)c->passes,
		       (unsigned long long)c->wakeups);
		if (c->invalid || c->garbage) {
			failf("kernel refused %llu entries, %llu garbage",
			      (unsigned long long)c->invalid,
			      (unsigned long long)c->garbage);
			goto out;
		}
	}
	ok = EXPECT(fpgadma_stop(dev), 0) &&
	     EXPECT(fpgadma_release(dev, &v[0]), -EPIPE);
out:
	fpgadma_close(dev);
	return ok;
}

/* The raw rings (API 1.3): a consumer loop of its own, 1000 buffers. */
static bool t_raw_rings(void)
{
	const char *path = node_of_engine("stream");
	struct fpgadma_rings rg;
	struct fpgadma *dev = NULL;
	uint32_t cons = 0, prod = 0;
	uint64_t next = 0, off = 0;
	bool ok = false;
	int got = 0;

	if (!*path)
		return failf("no stream-engine device");
	if (!EXPECT(fpgadma_open(&dev, path, 0), 0))
		return false;
	if (!EXPECT(fpgadma_kick(dev, 0), -EPIPE) ||
	    !EXPECT(fpgadma_configure(dev, 16, pg), 0) ||
	    !EXPECT(fpgadma_start(dev), 0) || !EXPECT(fpgadma_rings(dev, &rg), 0))
		goto out;
	if (rg.comp_entries < 16 || rg.buf_count != 16 || !rg.data) {
		failf("rings: %u entries, %u buffers", rg.comp_entries, rg.buf_count);
		goto out;
	}
	while (got < 1000) {
		const struct fpgadma_record *comp = rg.comp;
		uint32_t p = __atomic_load_n(rg.comp_prod, __ATOMIC_ACQUIRE);

		if (p == cons) {
			if (!EXPECT(fpgadma_kick(dev, 3000), 0))
				goto out;
			continue;
		}
		while (cons != p) {
			struct fpgadma_record rec = comp[cons & (rg.comp_entries - 1)];
			uint64_t w0;

			memcpy(&w0, (const char *)rg.data +
			       (size_t)rec.index * rg.buf_size, sizeof(w0));
			if (!next)
				off = w0 - rec.sequence;
			if (rec.index >= 16 || rec.sequence != next ||
			    w0 - rec.sequence != off) {
				failf("raw record %u: index %u seq %llu word %llu",
				      cons, rec.index,
				      (unsigned long long)rec.sequence,
				      (unsigned long long)w0);
				goto out;
			}
			next++;
			cons++;
			rg.rel[prod++ & (rg.rel_entries - 1)] = rec.index;
			got++;
		}
		__atomic_store_n(rg.comp_cons, cons, __ATOMIC_RELEASE);
		__atomic_store_n(rg.rel_prod, prod, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if ((*rg.flags & FPGADMA_SHM_NEED_WAKEUP) &&
		    !EXPECT(fpgadma_kick(dev, 0), 0))
			goto out;
	}
	ok = true;
out:
	fpgadma_close(dev);
	return ok;
}

/* Write name to the file drv/op (unbind, bind): 0 or -errno. */
static int sysfs_write(const char *drv, const char *op, const char *name)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", drv, op);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(name, f) == EOF)
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/*
 * The device removed while a shared-ring consumer holds a buffer and
 * records wait in the completion ring: every call fails with -ENODEV, none
 * takes SIGBUS from the control area, and the device comes back.
 */
static bool t_unbind_shared(void)
{
	const char *path = node_of_engine("stream");
	char link[64], dev[PATH_MAX], drv[PATH_MAX], node[32];
	struct fpgadma_view v[4], held;
	struct fpgadma *d = NULL;
	const char *name;
	bool ok = false;
	int n, r;

	if (!*path)
		return failf("no stream-engine device");
	snprintf(node, sizeof(node), "%s", path);
	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device", node + 5);
	if (!realpath(link, dev))
		return failf("realpath %s: %s", link, strerror(errno));
	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device/driver",
		 node + 5);
	if (!realpath(link, drv))
		return failf("realpath %s: %s", link, strerror(errno));
	name = strrchr(dev, '/') + 1;
	if (!EXPECT(fpgadma_open(&d, node, 0), 0))
		return false;
	if (!EXPECT(fpgadma_configure(d, 8, pg), 0) ||
	    !EXPECT(fpgadma_start(d), 0) ||
	    !EXPECT(fpgadma_next(d, &held, 3000), 0))
		goto out;
	/* The model runs flat out: the other seven come back as records. */
	for (int i = 0; i < 50; i++) {
		n = fpgadma_next_batch(d, v, 4, 3000);
		if (n < 1 || !EXPECT(fpgadma_release_batch(d, v, (size_t)n), 0)) {
			failf("next_batch %d: %d (%s)", i, n, fpgadma_strerror(n));
			goto out;
		}
	}
	usleep(20000);
	r = sysfs_write(drv, "unbind", name);
	if (r) {
		failf("unbind %s: %s", name, strerror(-r));
		goto out;
	}
	ok = EXPECT(fpgadma_next(d, &v[0], 1000), -ENODEV) &&
	     EXPECT(fpgadma_next(d, &v[0], 0), -ENODEV) &&
	     EXPECT(fpgadma_release(d, &held), -ENODEV) &&
	     EXPECT(fpgadma_stop(d), -ENODEV);
out:
	fpgadma_close(d);
	/* Bind again only what this test unbound. */
	if (access(link, F_OK)) {
		r = sysfs_write(drv, "bind", name);
		if (r)
			ok = failf("bind %s: %s", name, strerror(-r));
		for (int i = 0; i < 50 && !*node_of_engine("stream"); i++)
			usleep(100000);
		if (!*node_of_engine("stream"))
			ok = failf("no stream-engine device after bind");
	}
	return ok;
}

static bool t_strerror(void)
{
	static const int errs[] = { 0, EINVAL, ENOENT, ENOTTY, EPROTO, EBUSY, EPIPE,
				    ETIMEDOUT, EAGAIN, EINTR, ENODEV, ENOMEM, EACCES, EIO };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *s = fpgadma_strerror(-errs[i]);

		if (!s || !*s || strcmp(s, fpgadma_strerror(errs[i])))
			return failf("strerror(%d)", -errs[i]);
	}
	return fpgadma_version() == FPGADMA_LIB_API_VERSION ||
	       failf("version 0x%x", fpgadma_version());
}

/*
 * The last line, printed only at a deliberate end: the runner
 * (tests/lib/run_prog.sh) fails a run without it, or with a count that is
 * not the number of PASS/FAIL lines it saw.
 */
static void done(int n)
{
	printf("DONE: fpgadma_libtest %d\n", n);
	fflush(stdout);
}

static int verify_file(const char *name, const char *path, long nbufs)
{
	FILE *f = fopen(path, "rb");
	long off = 0;
	int c;

	if (!f) {
		printf("FAIL: %s: %s: %s\n", name, path, strerror(errno));
		return 1;
	}
	while ((c = fgetc(f)) != EOF) {
		if ((uint8_t)c != pat((size_t)(off % EDU_LEN))) {
			printf("FAIL: %s: %s: byte %ld is 0x%02x, want 0x%02x\n",
			       name, path, off, c, pat((size_t)(off % EDU_LEN)));
			fclose(f);
			return 1;
		}
		off++;
	}
	fclose(f);
	if (nbufs >= 0 && off != nbufs * EDU_LEN) {
		printf("FAIL: %s: %s: %ld bytes, want %ld\n", name, path, off,
		       nbufs * EDU_LEN);
		return 1;
	}
	printf("verify: %s: %ld bytes, %ld whole buffers, pattern ok\n", path, off,
	       off / EDU_LEN);
	printf("PASS: %s\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	struct fpgadma_view held[2];
	struct fpgadma *dev = NULL;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pg = (uint32_t)sysconf(_SC_PAGESIZE);
	if (argc == 5 && !strcmp(argv[1], "verify-file")) {
		int rc = verify_file(argv[4], argv[2], strtol(argv[3], NULL, 10));

		done(1);	/* verify_file() prints one result */
		return rc;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [verify-file FILE BUFFERS|-1 TESTNAME]\n", argv[0]);
		return 2;
	}
	report("strerror", t_strerror());
	report("open", t_open());
	if (fpgadma_open(&dev, DEV0, 0)) {
		why[0] = '\0';
		report("handle", failf("cannot open " DEV0));
		done(results);
		return 1;
	}
	report("bad-args", t_args(dev));
	ok = t_stream(dev, 120);
	report("stream-120", ok);
	if (ok) {
		report("stats", t_stats(dev));
		report("batched-read", t_batched(dev));
		report("busy", t_busy(dev));
		report("poll", t_poll(dev));
		report("release-errors", t_release_errors(dev));
	}
	if (!t_timeout_eintr(dev, held))
		report("timeout", false);
	fpgadma_stop(dev);	/* held views are stale now */
	report("stream-signals", t_stream_signals(dev));
	report("reconfigure", t_reconfigure(dev));
	report("memory", t_memory(dev));
	report("exchange-edu", t_exchange_edu(dev));
	fpgadma_close(dev);
	report("exchange-model", t_exchange_model());
	report("model-shared-rings", t_model_path(0));
	report("model-read-release", t_model_path(FPGADMA_OPEN_NO_SHARED));
	report("raw-rings", t_raw_rings());
	t_eintr_return();
	report("copy-mode", t_copy());
	report("unbind-shared", t_unbind_shared());
	done(results);
	return failures ? 1 : 0;
}
