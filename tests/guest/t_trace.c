// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace: the fpgadma tracepoints and the latency histogram, on the
 * software model of the stream engine (insmod fpgadma_model.ko).
 *
 * Mounts tracefs and debugfs if needed, enables events/fpgadma, streams
 * from the model and checks the trace against what the reader got: the
 * dequeue and release events are exactly the records read and the indices
 * released, in order; the complete events are as many as the driver
 * counted, the first of them the records read; drops show as fpgadma_drop
 * and as the lost field of the next completion; the wakeups the trace shows
 * are the histogram's count. Then the histogram's reset and its bad input,
 * and the file of an unbound device (gone; a descriptor held open across
 * the unbind reads EIO).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUGFS		"/sys/kernel/debug"
#define MAX_EV		4096
#define STREAM_N	200

struct ev {
	uint32_t index;
	uint64_t seq;
	uint32_t extra;		/* complete: lost; drop: count */
};

struct tctx {
	char dev[16];		/* fpgadmaN of the model */
	char knobs[128];
	char lat[128];		/* its latency file */
	unsigned int minor;
	/* events of our device parsed from the trace */
	struct ev complete[MAX_EV], dequeue[MAX_EV], release[MAX_EV];
	size_t ncomplete, ndequeue, nrelease;
	uint64_t drops, ndrop, nwakeup, nirq_handled, complete_lost;
	/* what the reader did */
	struct fpgadma_record rec[MAX_EV];
	uint32_t rel[MAX_EV];
	size_t nrec, nrel;
};

static bool put(const char *path, const char *val)
{
	int err = write_file_errno(path, val);

	return err ? failf("write '%s' to %s: %s", val, path, errname(err)) :
		     true;
}

static bool knob(struct tctx *c, const char *name, const char *val)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", c->knobs, name);
	return put(path, val);
}

/* Mount @fs at @dir unless @probe already exists under it. */
static bool ensure_mounted(const char *fs, const char *dir, const char *probe)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, probe);
	if (!stat(path, &st))
		return true;
	if (mount("nodev", dir, fs, 0, NULL) && errno != EBUSY)
		return failf("mount -t %s %s: %s (kernel without it?)", fs, dir,
			     errname(errno));
	if (stat(path, &st))
		return failf("%s mounted at %s, but no %s: %s", fs, dir, path,
			     errname(errno));
	return true;
}

static bool tr_setup(void *arg)
{
	struct tctx *c = arg;
	char link[64];
	struct stat st;

	if (!find_stream_dev(c->dev, sizeof(c->dev)) ||
	    !model_knob_dir(c->dev, c->knobs, sizeof(c->knobs)))
		return false;
	snprintf(link, sizeof(link), "/dev/%s", c->dev);
	if (stat(link, &st))
		return failf("stat %s: %s", link, errname(errno));
	c->minor = minor(st.st_rdev);
	if (!ensure_mounted("tracefs", TRACEFS, "events") ||
	    !ensure_mounted("debugfs", DEBUGFS, "fpgadma"))
		return false;
	if (stat(TRACEFS "/events/fpgadma/fpgadma_complete", &st))
		return failf("no fpgadma events in %s/events: %s", TRACEFS,
			     errname(errno));
	snprintf(c->lat, sizeof(c->lat), DEBUGFS "/fpgadma/%s/latency", c->dev);
	if (stat(c->lat, &st))
		return failf("stat %s: %s", c->lat, errname(errno));
	return put(TRACEFS "/events/fpgadma/enable", "0") &&
	       put(TRACEFS "/buffer_size_kb", "2048") &&
	       put(TRACEFS "/tracing_on", "1");
}

/* Empty the trace buffer and turn the fpgadma events on. */
static bool trace_begin(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return failf("truncate %s/trace: %s", TRACEFS, errname(errno));
	close(fd);
	return put(TRACEFS "/events/fpgadma/enable", "1");
}

/*
 * The number after @key in @s (up to a space or the end), base 10, or 16
 * with 0x; false if @key is absent or no number follows.
 */
static bool num_after(const char *s, const char *key, unsigned long long *v)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	errno = 0;
	*v = strtoull(p, &end, 0);
	return !errno && end != p && (!*end || *end == ' ' || *end == '\n');
}

/* The event's device and fields, if @line is event @name with all of them. */
static bool event(const char *line, const char *name, unsigned int *minor,
		  const char *const *keys, unsigned long long *vals, int n)
{
	char tag[48];
	unsigned long long m;
	const char *p;
	int i;

	snprintf(tag, sizeof(tag), " %s: fpgadma", name);
	p = strstr(line, tag);
	if (!p || !num_after(p, tag, &m))
		return false;
	for (i = 0; i < n; i++)
		if (!num_after(p, keys[i], &vals[i]))
			return false;
	*minor = (unsigned int)m;
	return true;
}

/* Turn the events off and parse the trace: only our device's events. */
static bool trace_end(struct tctx *c)
{
	static const char *const k_complete[] = {
		" index=", " bytes=", " seq=", " flags=", " lost=",
	};
	static const char *const k_index_seq[] = { " index=", " seq=" };
	static const char *const k_release[] = { " index=" };
	static const char *const k_drop[] = { " count=" };
	static const char *const k_wakeup[] = { " index=", " seq=", " latency_ns=" };
	static const char *const k_irq[] = { " irq=", " handled=" };
	char line[512];
	FILE *f;

	if (!put(TRACEFS "/events/fpgadma/enable", "0"))
		return false;
	f = fopen(TRACEFS "/trace", "re");
	if (!f)
		return failf("open %s/trace: %s", TRACEFS, errname(errno));
	c->ncomplete = c->ndequeue = c->nrelease = 0;
	c->drops = c->ndrop = c->nwakeup = c->nirq_handled = 0;
	c->complete_lost = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[5];
		unsigned int minor;

		if (line[0] == '#')
			continue;
		if (strstr(line, "LOST") && strstr(line, "EVENTS")) {
			fclose(f);
			return failf("the trace lost events: %s", line);
		}
		if (event(line, "fpgadma_complete", &minor, k_complete, v, 5)) {
			if (minor != c->minor || c->ncomplete == MAX_EV)
				continue;
			c->complete[c->ncomplete++] = (struct ev){
				.index = (uint32_t)v[0], .seq = v[2],
				.extra = (uint32_t)v[4] };
			c->complete_lost += v[4];
		} else if (event(line, "fpgadma_dequeue", &minor, k_index_seq, v, 2)) {
			if (minor != c->minor || c->ndequeue == MAX_EV)
				continue;
			c->dequeue[c->ndequeue++] = (struct ev){
				.index = (uint32_t)v[0], .seq = v[1] };
		} else if (event(line, "fpgadma_release", &minor, k_release, v, 1)) {
			if (minor != c->minor || c->nrelease == MAX_EV)
				continue;
			c->release[c->nrelease++] =
				(struct ev){ .index = (uint32_t)v[0] };
		} else if (event(line, "fpgadma_drop", &minor, k_drop, v, 1)) {
			if (minor != c->minor)
				continue;
			c->ndrop++;
			c->drops += v[0];
		} else if (event(line, "fpgadma_wakeup", &minor, k_wakeup, v, 3)) {
			if (minor == c->minor)
				c->nwakeup++;
		} else if (event(line, "fpgadma_irq", &minor, k_irq, v, 2)) {
			if (minor == c->minor && v[1])
				c->nirq_handled++;
		} else if (strstr(line, " fpgadma_")) {
			fclose(f);
			return failf("cannot parse trace line: %s", line);
		}
	}
	fclose(f);
	if (c->ncomplete == MAX_EV || c->ndequeue == MAX_EV ||
	    c->nrelease == MAX_EV)
		return failf("more than %d events of a kind", MAX_EV);
	return true;
}

/* The histogram: its count line, and the sum of its bucket lines. */
static bool lat_read(struct tctx *c, uint64_t *count, uint64_t *buckets)
{
	char line[128];
	bool have = false;
	FILE *f = fopen(c->lat, "re");

	*count = 0;
	*buckets = 0;
	if (!f)
		return failf("open %s: %s", c->lat, errname(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long n;

		if (strstr(line, " ns: ") && num_after(line, " ns: ", &n)) {
			*buckets += n;
		} else if (!strncmp(line, "count: ", 7) &&
			   num_after(line, "count: ", &n)) {
			*count = n;
			have = true;
		}
	}
	fclose(f);
	return have ? true : failf("%s has no count line", c->lat);
}

static bool lat_reset(struct tctx *c)
{
	uint64_t n, b;

	if (!put(c->lat, "0") || !lat_read(c, &n, &b))
		return false;
	return n || b ? failf("after reset: count %llu, buckets %llu",
			      (unsigned long long)n, (unsigned long long)b) :
			true;
}

/* Open the model and set it up; *st the counters before START. */
static int open_model(struct tctx *c, uint32_t count, const char *rate,
		      struct fpgadma_stats *st)
{
	struct fpgadma_info info;
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", c->dev);
	fd = dev_open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (!set_ring(fd, count, page_bytes()) || !get_info(fd, &info) ||
	    !set_timeout(fd, 3000) || !knob(c, "rate", rate) ||
	    !knob(c, "fill", "1") || !get_stats(fd, st) ||
	    !EXPECT_OK(ioctl(fd, FPGADMA_IOC_START), "START")) {
		close(fd);
		return -1;
	}
	return fd;
}

static void close_model(struct tctx *c, int fd)
{
	ioctl(fd, FPGADMA_IOC_STOP);
	close(fd);
	knob(c, "rate", "0");
	knob(c, "fill", "2");
}

/* Read up to @max records; remember them. */
static long take(struct tctx *c, int fd, size_t max)
{
	ssize_t n;

	if (c->nrec + max > MAX_EV)
		max = MAX_EV - c->nrec;
	n = read(fd, c->rec + c->nrec, max * sizeof(c->rec[0]));
	if (n <= 0) {
		failf("read: %s", n ? errname(errno) : "0 bytes");
		return -1;
	}
	n /= (ssize_t)sizeof(c->rec[0]);
	c->nrec += n;
	return n;
}

/* Give back the records [from, nrec); remember the indices. */
static bool give(struct tctx *c, int fd, size_t from)
{
	size_t i, n = c->nrec - from;

	for (i = 0; i < n; i++)
		c->rel[c->nrel + i] = c->rec[from + i].index;
	if (!EXPECT_OK(ioc_release(fd, c->rel + c->nrel, (uint32_t)n, 0),
		       "RELEASE"))
		return false;
	c->nrel += n;
	return true;
}

/* Dequeue and release events match what the reader did, in order. */
static bool check_reader_events(struct tctx *c)
{
	size_t i;

	if (c->ndequeue != c->nrec)
		return failf("%zu dequeue events, the reader took %zu records",
			     c->ndequeue, c->nrec);
	for (i = 0; i < c->nrec; i++)
		if (c->dequeue[i].index != c->rec[i].index ||
		    c->dequeue[i].seq != c->rec[i].sequence)
			return failf("dequeue event %zu: index %u seq %llu; record: index %u seq %llu",
				     i, c->dequeue[i].index,
				     (unsigned long long)c->dequeue[i].seq,
				     c->rec[i].index,
				     (unsigned long long)c->rec[i].sequence);
	if (c->nrelease != c->nrel)
		return failf("%zu release events, %zu indices released",
			     c->nrelease, c->nrel);
	for (i = 0; i < c->nrel; i++)
		if (c->release[i].index != c->rel[i])
			return failf("release event %zu: index %u, released %u",
				     i, c->release[i].index, c->rel[i]);
	/* The done queue is FIFO: the records are the first completions. */
	if (c->ncomplete < c->nrec)
		return failf("%zu complete events for %zu records",
			     c->ncomplete, c->nrec);
	for (i = 0; i < c->nrec; i++)
		if (c->complete[i].index != c->rec[i].index ||
		    c->complete[i].seq != c->rec[i].sequence ||
		    c->complete[i].extra != c->rec[i].lost_before)
			return failf("complete event %zu: index %u seq %llu lost %u; record: index %u seq %llu lost %u",
				     i, c->complete[i].index,
				     (unsigned long long)c->complete[i].seq,
				     c->complete[i].extra, c->rec[i].index,
				     (unsigned long long)c->rec[i].sequence,
				     c->rec[i].lost_before);
	return true;
}

static bool tr_stream(void *arg)
{
	struct tctx *c = arg;
	struct fpgadma_stats st0, st1;
	uint64_t count, buckets;
	bool ok = false;
	int fd;

	c->nrec = c->nrel = 0;
	if (!lat_reset(c) || !trace_begin())
		return false;
	fd = open_model(c, 16, "2000", &st0);
	if (fd < 0)
		return false;
	while (c->nrec < STREAM_N) {
		size_t from = c->nrec;

		if (take(c, fd, 16) < 0 || !give(c, fd, from))
			goto out;
	}
	if (!EXPECT_OK(ioctl(fd, FPGADMA_IOC_STOP), "STOP") ||
	    !get_stats(fd, &st1) || !trace_end(c) || !check_reader_events(c) ||
	    !lat_read(c, &count, &buckets))
		goto out;
	if (c->ncomplete != st1.completed - st0.completed) {
		failf("%zu complete events, the driver counted %llu", c->ncomplete,
		      (unsigned long long)(st1.completed - st0.completed));
		goto out;
	}
	if (c->drops != st1.dropped - st0.dropped) {
		failf("drop events sum to %llu, the driver counted %llu",
		      (unsigned long long)c->drops,
		      (unsigned long long)(st1.dropped - st0.dropped));
		goto out;
	}
	if (c->nirq_handled != st1.irqs - st0.irqs) {
		failf("%llu handled irq events, the driver counted %llu",
		      (unsigned long long)c->nirq_handled,
		      (unsigned long long)(st1.irqs - st0.irqs));
		goto out;
	}
	if (!count || count != buckets || count != c->nwakeup) {
		failf("histogram count %llu, buckets %llu, wakeup events %llu (must be equal and > 0)",
		      (unsigned long long)count, (unsigned long long)buckets,
		      (unsigned long long)c->nwakeup);
		goto out;
	}
	printf("INFO: trace.stream: %zu records, %zu completions, %llu wakeups, %llu irqs\n",
	       c->nrec, c->ncomplete, (unsigned long long)count,
	       (unsigned long long)c->nirq_handled);
	ok = true;
out:
	put(TRACEFS "/events/fpgadma/enable", "0");
	close_model(c, fd);
	return ok;
}

/* Hold every buffer while the model produces: the drops show. */
static bool tr_drop(void *arg)
{
	struct tctx *c = arg;
	struct fpgadma_stats st0, st1;
	bool ok = false;
	size_t i;
	int fd;

	c->nrec = c->nrel = 0;
	if (!trace_begin())
		return false;
	fd = open_model(c, 4, "5000", &st0);
	if (fd < 0)
		return false;
	while (c->nrec < 4)
		if (take(c, fd, 4 - c->nrec) < 0)
			goto out;
	sleep_ms(50);	/* ~250 buffers with nowhere to go */
	if (!give(c, fd, 0))
		goto out;
	/* The next completion reports the drops (lost_before). */
	while (c->nrec < 5)
		if (take(c, fd, 1) < 0)
			goto out;
	if (!EXPECT_OK(ioctl(fd, FPGADMA_IOC_STOP), "STOP") ||
	    !get_stats(fd, &st1) || !trace_end(c) || !check_reader_events(c))
		goto out;
	if (!c->ndrop || c->drops != st1.dropped - st0.dropped) {
		failf("%llu drop events summing to %llu; the driver counted %llu (must be > 0)",
		      (unsigned long long)c->ndrop, (unsigned long long)c->drops,
		      (unsigned long long)(st1.dropped - st0.dropped));
		goto out;
	}
	for (i = 0; i < c->nrec; i++)
		if (c->rec[i].lost_before)
			break;
	if (i == c->nrec) {
		failf("no record reports the %llu drops",
		      (unsigned long long)c->drops);
		goto out;
	}
	if (c->complete_lost != c->drops) {
		failf("complete events' lost sum to %llu, drop events to %llu",
		      (unsigned long long)c->complete_lost,
		      (unsigned long long)c->drops);
		goto out;
	}
	printf("INFO: trace.drop: %llu drops in %llu events\n",
	       (unsigned long long)c->drops, (unsigned long long)c->ndrop);
	ok = true;
out:
	put(TRACEFS "/events/fpgadma/enable", "0");
	close_model(c, fd);
	return ok;
}

static bool tr_reset(void *arg)
{
	struct tctx *c = arg;
	static const char *const bad[] = {
		"1", "x", "00", "0 ", " 0", "-1", "0\n\n", "reset", "0x0",
	};
	uint64_t n0, b0, n1, b1;
	size_t i;
	int fd;

	/* The previous steps left samples; bad writes must not reset them. */
	if (!lat_read(c, &n0, &b0))
		return false;
	fd = open(c->lat, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return failf("open %s: %s", c->lat, errname(errno));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[48];

		snprintf(what, sizeof(what), "write '%s'", bad[i]);
		if (!EXPECT_ERRNO(write(fd, bad[i], strlen(bad[i])), EINVAL,
				  what)) {
			close(fd);
			return false;
		}
	}
	if (!EXPECT_ERRNO(write(fd, guard_page(), 1), EFAULT,
			  "write from an unreadable page")) {
		close(fd);
		return false;
	}
	close(fd);
	if (!lat_read(c, &n1, &b1))
		return false;
	if (!n0 || n1 != n0 || b1 != b0)
		return failf("count %llu before the bad writes, %llu after (must be equal and > 0)",
			     (unsigned long long)n0, (unsigned long long)n1);
	return lat_reset(c) && lat_reset(c);
}

/*
 * A non-blocking reader that polls (as libfpgadma does): each record it
 * takes after a read() that got EAGAIN is one sample, and no other is.
 */
static bool tr_poll(void *arg)
{
	struct tctx *c = arg;
	struct fpgadma_stats st;
	uint64_t want = 0, count, buckets;
	bool again = false, ok = false;
	int fd, flags;

	c->nrec = c->nrel = 0;
	if (!lat_reset(c))
		return false;
	fd = open_model(c, 8, "1000", &st);
	if (fd < 0)
		return false;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		failf("O_NONBLOCK: %s", errname(errno));
		goto out;
	}
	while (c->nrec < 60) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t from = c->nrec;
		ssize_t n = read(fd, c->rec + from, 8 * sizeof(c->rec[0]));

		if (n < 0 && errno == EAGAIN) {
			again = true;
			if (poll(&p, 1, 3000) != 1) {
				failf("poll: %s", errname(errno));
				goto out;
			}
			continue;
		}
		if (n <= 0) {
			failf("read: %s", n ? errname(errno) : "0 bytes");
			goto out;
		}
		c->nrec += n / sizeof(c->rec[0]);
		want += again;
		again = false;
		if (!give(c, fd, from))
			goto out;
	}
	if (!lat_read(c, &count, &buckets))
		goto out;
	if (!want || count != want || buckets != want) {
		failf("histogram count %llu, buckets %llu; %llu takes after EAGAIN (must be equal and > 0)",
		      (unsigned long long)count, (unsigned long long)buckets,
		      (unsigned long long)want);
		goto out;
	}
	ok = true;
out:
	close_model(c, fd);
	return ok;
}

/* Unbind with the latency file open: it goes, the open one reads EIO. */
static bool tr_unbind(void *arg)
{
	struct tctx *c = arg;
	struct binding b;
	char node[64], dir[128], buf[256];
	bool ok = false;
	int fd, err;

	if (!dev_binding(c->dev, &b))
		return false;
	fd = open(c->lat, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return failf("open %s: %s", c->lat, errname(errno));
	err = binding_unbind(&b);
	if (err) {
		failf("unbind %s: %s", b.name, errname(err));
		goto out;
	}
	snprintf(dir, sizeof(dir), DEBUGFS "/fpgadma/%s", c->dev);
	if (!wait_path(dir, false, 2000))
		goto rebind;
	if (!EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EIO,
			  "read of the latency file after unbind") ||
	    !EXPECT_ERRNO(write(fd, "0", 1), EIO,
			  "write to the latency file after unbind"))
		goto rebind;
	ok = true;
rebind:
	err = binding_bind(&b);
	if (err) {
		ok = failf("bind %s: %s", b.name, errname(err));
		goto out;
	}
	if (!wait_binding_node(&b, node, sizeof(node), 5000)) {
		ok = false;
		goto out;
	}
	snprintf(c->dev, sizeof(c->dev), "%s", dev_name_of(node));
	snprintf(c->lat, sizeof(c->lat), DEBUGFS "/fpgadma/%s/latency", c->dev);
	if (ok && !wait_path(c->lat, true, 2000))
		ok = false;
out:
	close(fd);
	return ok;
}

int cmd_trace(const char *dev)
{
	static struct tctx c;
	static const struct step steps[] = {
		{ "trace.setup", 30, tr_setup, true, false },
		{ "trace.stream-events-match-records", 60, tr_stream, false, false },
		{ "trace.drop-event", 60, tr_drop, false, false },
		{ "trace.latency-reset-and-bad-writes", 30, tr_reset, false, false },
		{ "trace.latency-poll-reader", 30, tr_poll, false, false },
		{ "trace.latency-gone-after-unbind", 60, tr_unbind, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}
