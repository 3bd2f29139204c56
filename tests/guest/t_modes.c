// SPDX-License-Identifier: GPL-2.0-only
/* Subcommands "modes" (blocking behaviour, poll, ownership) and "copy". */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

struct mctx {
	const char *path;
	const char *dev;
	int fd;		/* owner */
	int fd2;	/* second open file */
	int ep;
	struct stream s;
};

static bool md_setup(void *arg)
{
	struct mctx *c = arg;

	c->fd = dev_open(c->path, O_RDWR);
	c->fd2 = dev_open(c->path, O_RDWR);
	return c->fd >= 0 && c->fd2 >= 0 && stream_init(&c->s, c->fd, NULL) &&
	       set_timeout(c->fd, READ_TIMEOUT_MS) &&
	       set_timeout(c->fd2, READ_TIMEOUT_MS);
}

/*
 * Register with events 0 first and only then ask for EPOLLIN (as
 * v4l2-compliance does): a poll() that skips poll_wait() when POLLIN is not
 * requested never wakes the epoll waiter.
 */
static bool md_epoll(void *arg)
{
	struct mctx *c = arg;
	struct epoll_event ev = { .events = 0 }, out;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n;

	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0)
		return failf("epoll_create1: %s", strerror(errno));
	if (!stream_start(&c->s) ||
	    !EXPECT_OK(epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, &ev),
		       "EPOLL_CTL_ADD events 0"))
		return false;
	n = poll(&pfd, 1, 0);
	if (n != 0)
		return failf("poll right after START returned %d (revents 0x%x), expected not readable",
			     n, pfd.revents);
	ev.events = EPOLLIN;
	if (!EXPECT_OK(epoll_ctl(c->ep, EPOLL_CTL_MOD, c->fd, &ev),
		       "EPOLL_CTL_MOD EPOLLIN"))
		return false;
	n = epoll_wait(c->ep, &out, 1, 2000);
	if (n != 1 || !(out.events & EPOLLIN))
		return failf("epoll_wait returned %d (events 0x%x), expected EPOLLIN within 2 s",
			     n, n == 1 ? out.events : 0);
	n = poll(&pfd, 1, 0);
	if (n != 1 || !(pfd.revents & POLLIN) ||
	    (pfd.revents & (POLLERR | POLLHUP)))
		return failf("poll with a record ready: ret %d revents 0x%x",
			     n, pfd.revents);
	return true;
}

static bool md_hold_all(void *arg)
{
	struct mctx *c = arg;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n;

	if (!stream_hold_all(&c->s))
		return false;
	/* Nothing can complete now: every buffer is held by us. */
	n = poll(&pfd, 1, 300);
	if (n != 0)
		return failf("poll with every buffer held returned %d (revents 0x%x), expected timeout",
			     n, pfd.revents);
	return true;
}

static bool md_nonblock(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r;
	int fl = fcntl(c->fd, F_GETFL);
	bool ok;

	if (fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return failf("F_SETFL: %s", strerror(errno));
	ok = EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), EAGAIN,
			  "O_NONBLOCK read with nothing ready");
	fcntl(c->fd, F_SETFL, fl);
	return ok;
}

static bool md_timeout(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_record r;
	uint64_t t0, ms;
	bool ok;

	if (!set_timeout(c->fd, 300))
		return false;
	t0 = now_ns();
	ok = EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), ETIMEDOUT,
			  "read with a 300 ms timeout and nothing coming");
	ms = (now_ns() - t0) / 1000000;
	if (!set_timeout(c->fd, READ_TIMEOUT_MS) || !ok)
		return false;
	if (ms < 250 || ms > 2000)
		return failf("timed out after %llu ms, expected ~300",
			     (unsigned long long)ms);
	return true;
}

static volatile sig_atomic_t got_alarm;

static void on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

static bool md_eintr(void *arg)
{
	struct mctx *c = arg;
	struct sigaction sa = { .sa_handler = on_alarm }, old;	/* no SA_RESTART */
	struct itimerval it = { .it_value.tv_usec = 300000 }, off = { 0 };
	struct fpgadma_record r;
	bool ok;

	sigemptyset(&sa.sa_mask);
	got_alarm = 0;
	if (!set_timeout(c->fd, 5000))
		return false;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	ok = EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), EINTR,
			  "blocked read hit by SIGALRM");
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (!set_timeout(c->fd, READ_TIMEOUT_MS) || !ok)
		return false;
	return got_alarm ? true : failf("SIGALRM handler did not run");
}

static bool md_second_file(void *arg)
{
	struct mctx *c = arg;
	struct fpgadma_info info;
	struct fpgadma_stats st;
	struct fpgadma_record r;
	uint32_t idx = c->s.prev.index;	/* held by the owner */

	if (!get_info(c->fd2, &info) || !get_stats(c->fd2, &st))
		return false;
	if (!(info.flags & FPGADMA_INFO_STREAMING) || st.streaming != 1)
		return failf("second file sees flags 0x%x streaming %u",
			     info.flags, st.streaming);
	if (!EXPECT_ERRNO(ioctl(c->fd2, FPGADMA_IOC_START), EBUSY,
			  "START by a second file") ||
	    !EXPECT_ERRNO(read(c->fd2, &r, sizeof(r)), EBUSY,
			  "read() by a second file") ||
	    !EXPECT_ERRNO(ioc_release(c->fd2, &idx, 1, 0), EBUSY,
			  "RELEASE by a second file") ||
	    !EXPECT_ERRNO(ioctl(c->fd2, FPGADMA_IOC_STOP), EBUSY,
			  "STOP by a second file") ||
	    !get_stats(c->fd2, &st))
		return false;
	if (st.user != c->s.nheld || st.streaming != 1)
		return failf("after the second file's attempts: user %u (expected %u), streaming %u",
			     st.user, c->s.nheld, st.streaming);
	return true;
}

static bool md_owner_close(void *arg)
{
	struct mctx *c = arg;
	struct stream s2;
	bool ok;

	if (c->ep >= 0)
		close(c->ep);
	c->ep = -1;
	close(c->fd);
	c->fd = -1;
	if (!wait_sysfs_u64(c->dev, "streaming", 0, 2000))
		return false;
	if (!stream_init(&s2, c->fd2, NULL))
		return false;
	ok = stream_start(&s2) && stream_run(&s2, 3, 1) && stream_stop(&s2);
	stream_free(&s2);
	return ok;
}

static bool md_stop_idle(void *arg)
{
	struct mctx *c = arg;
	int fd = dev_open(c->path, O_RDWR);
	bool ok;

	if (fd < 0)
		return false;
	ok = EXPECT_OK(ioctl(fd, FPGADMA_IOC_STOP), "STOP when nobody streams") &&
	     EXPECT_OK(ioctl(c->fd2, FPGADMA_IOC_STOP), "second STOP by the old owner");
	close(fd);
	return ok;
}

static bool md_teardown(void *arg)
{
	struct mctx *c = arg;

	if (c->ep >= 0)
		close(c->ep);
	if (c->fd >= 0)
		close(c->fd);
	if (c->fd2 >= 0)
		close(c->fd2);
	stream_free(&c->s);
	return wait_sysfs_u64(c->dev, "streaming", 0, 2000);
}

int cmd_modes(const char *path)
{
	static const struct step steps[] = {
		{ "modes.setup", 10, md_setup, true, false },
		{ "modes.epoll-add0-mod-pollin", 10, md_epoll, true, false },
		{ "modes.hold-all-not-readable", 20, md_hold_all, true, false },
		{ "modes.nonblock-eagain", 10, md_nonblock, false, false },
		{ "modes.timeout-etimedout", 10, md_timeout, false, false },
		{ "modes.signal-eintr", 10, md_eintr, false, false },
		{ "modes.second-file-ebusy", 10, md_second_file, false, false },
		{ "modes.owner-close-stops", 20, md_owner_close, false, false },
		{ "modes.stop-when-idle", 10, md_stop_idle, false, false },
		{ "modes.teardown", 10, md_teardown, false, true },
	};
	struct mctx c = {
		.path = path, .dev = dev_name_of(path),
		.fd = -1, .fd2 = -1, .ep = -1,
	};

	RUN_STEPS(steps, &c);
	return test_failures();
}

/* ---- copy --------------------------------------------------------------- */

struct cctx {
	const char *path;
	const char *dev;
	int fd;
	uint32_t period;	/* bytes_used of every buffer */
	uint64_t off;		/* bytes consumed from the stream so far */
	uint8_t buf[65536];
};

static bool cp_setup(void *arg)
{
	struct cctx *c = arg;
	struct fpgadma_info info;

	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0 || !get_info(c->fd, &info) ||
	    !set_timeout(c->fd, READ_TIMEOUT_MS))
		return false;
	c->period = expected_bytes_used(&info);
	return true;
}

/* One read() of up to len bytes; short reads are fine (dd semantics). */
static bool copy_read(struct cctx *c, size_t len, size_t *got)
{
	ssize_t n = read(c->fd, c->buf, len);
	int e = errno;

	if (n < 0)
		return failf("copy read(%zu) at stream offset %llu: %s (%s)",
			     len, (unsigned long long)c->off, errname(e),
			     strerror(e));
	if (n == 0 || (size_t)n > len)
		return failf("copy read(%zu) returned %zd", len, n);
	if (!check_stream_pattern(c->buf, (size_t)n, c->off, c->period))
		return false;
	c->off += (uint64_t)n;
	*got = (size_t)n;
	return true;
}

static bool copy_until(struct cctx *c, size_t chunk, uint64_t total)
{
	uint64_t end = c->off + total;
	size_t got;

	while (c->off < end)
		if (!copy_read(c, chunk, &got))
			return false;
	return true;
}

static bool cp_64k(void *arg)
{
	struct cctx *c = arg;

	if (!copy_until(c, 65536, UINT64_C(3) * 65536))
		return false;
	return wait_sysfs_u64(c->dev, "streaming", 1, 1000);
}

static bool cp_odd_sizes(void *arg)
{
	static const size_t sizes[] = { 1000, 1, 4087, 3, 4089, 8192, 1000 };
	struct cctx *c = arg;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!copy_until(c, sizes[i], sizes[i] < 100 ? sizes[i] * 5
							    : 3 * sizes[i]))
			return false;
	return true;
}

static bool cp_second_ebusy(void *arg)
{
	struct cctx *c = arg;
	struct fpgadma_record r;
	int fd2 = dev_open(c->path, O_RDWR);
	bool ok;

	if (fd2 < 0)
		return false;
	ok = EXPECT_ERRNO(ioctl(fd2, FPGADMA_IOC_START), EBUSY,
			  "START while a copy reader streams") &&
	     EXPECT_ERRNO(read(fd2, &r, sizeof(r)), EBUSY,
			  "read() by a second file while a copy reader streams");
	close(fd2);
	return ok && copy_until(c, 4096, 4096);	/* copy reader unaffected */
}

static bool cp_close(void *arg)
{
	struct cctx *c = arg;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return wait_sysfs_u64(c->dev, "streaming", 0, 2000);
}

int cmd_copy(const char *path)
{
	static const struct step steps[] = {
		{ "copy.setup", 10, cp_setup, true, false },
		{ "copy.read-64k-pattern", 30, cp_64k, true, false },
		{ "copy.odd-size-reads", 30, cp_odd_sizes, false, false },
		{ "copy.second-file-ebusy", 10, cp_second_ebusy, false, false },
		{ "copy.close-stops", 10, cp_close, false, true },
	};
	static struct cctx c;

	c.path = path;
	c.dev = dev_name_of(path);
	c.fd = -1;
	RUN_STEPS(steps, &c);
	return test_failures();
}
