// SPDX-License-Identifier: GPL-2.0-only
/*
 * Subcommand "unbind-reader": unbind the PCI device while a child process is
 * blocked in read() with the ring mapped, check what the child sees, then
 * rebind and stream again.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define DRV_DIR "/sys/bus/pci/drivers/fpgadma"

struct uctx {
	const char *path;
	char bdf[64];
	pid_t reader;
	pid_t unbinder;
	int ready_fd;		/* parent: read end of the child's pipe */
};

/* ---- child: the blocked reader ------------------------------------------ */

struct rdctx {
	const char *path;
	int ready_fd;		/* write end */
	int fd;
	uint8_t *ring;
	size_t ring_len;
	struct stream s;
	uint64_t t_ready;
};

static bool rd_setup(void *arg)
{
	struct rdctx *c = arg;

	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0 || !stream_init(&c->s, c->fd, NULL))
		return false;
	c->ring = map_ring(c->fd, &c->s.info);
	if (!c->ring)
		return false;
	c->ring_len = ring_bytes(&c->s.info);
	c->s.ring = c->ring;
	if (!set_timeout(c->fd, READ_TIMEOUT_MS) || !stream_start(&c->s) ||
	    !stream_hold_all(&c->s) || !set_timeout(c->fd, 0))
		return false;
	c->t_ready = now_ns();
	if (write(c->ready_fd, "R", 1) != 1)
		return failf("write to the parent: %s", strerror(errno));
	return true;
}

/* Blocks (no timeout) until the parent unbinds the device. */
static bool rd_read(void *arg)
{
	struct rdctx *c = arg;
	struct fpgadma_record r;
	uint64_t ms;
	bool ok = EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), ENODEV,
			       "blocked read() across unbind");

	ms = (now_ns() - c->t_ready) / 1000000;
	if (ok && ms > 8000)
		return failf("read() woke only after %llu ms", (unsigned long long)ms);
	return ok;
}

static bool rd_ioctls(void *arg)
{
	struct rdctx *c = arg;
	struct fpgadma_info info;
	struct fpgadma_stats st;
	struct fpgadma_timeout t = { .timeout_ms = 10 };
	uint32_t idx = 0;

	return EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_INFO, &info), ENODEV, "INFO") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_GET_STATS, &st), ENODEV, "GET_STATS") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_START), ENODEV, "START") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_STOP), ENODEV, "STOP") &&
	       EXPECT_ERRNO(ioc_release(c->fd, &idx, 1, 0), ENODEV, "RELEASE") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_TIMEOUT, &t), ENODEV, "SET_TIMEOUT") &&
	       EXPECT_ERRNO(ioc_set_ring(c->fd, 4, page_bytes(), 0, 0), ENODEV, "SET_RING");
}

static bool rd_poll(void *arg)
{
	struct rdctx *c = arg;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n = poll(&pfd, 1, 1000);

	if (n != 1 || (pfd.revents & (POLLERR | POLLHUP)) != (POLLERR | POLLHUP))
		return failf("poll after unbind: ret %d revents 0x%x, expected POLLERR|POLLHUP",
			     n, n > 0 ? pfd.revents : 0);
	return true;
}

static bool rd_mmap(void *arg)
{
	struct rdctx *c = arg;
	void *p = mmap(NULL, c->ring_len, PROT_READ, MAP_SHARED, c->fd, 0);
	int e = errno;

	if (p != MAP_FAILED) {
		munmap(p, c->ring_len);
		return failf("new mmap after unbind succeeded");
	}
	return expect_errno(-1, e, ENODEV, "new mmap after unbind");
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Does reading *p raise SIGBUS? */
static bool touch_sigbus(volatile const uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/*
 * The driver zapped the mapping and freed the memory at unbind: every
 * page of the old mapping must fault with SIGBUS (never reach freed
 * memory), and munmap/close still work.
 */
static bool rd_old_mapping(void *arg)
{
	struct rdctx *c = arg;
	size_t i;

	for (i = 0; i < c->ring_len; i += 4096)
		if (!touch_sigbus(c->ring + i))
			return failf("old mapping at offset %zu readable after unbind",
				     i);
	if (munmap(c->ring, c->ring_len) < 0)
		return failf("munmap: %s", strerror(errno));
	c->ring = NULL;
	if (close(c->fd) < 0)
		return failf("close: %s", strerror(errno));
	c->fd = -1;
	return true;
}

static int reader_child(const char *path, int ready_fd)
{
	static const struct step steps[] = {
		{ "unbind-reader.child-setup", 20, rd_setup, true, false },
		{ "unbind-reader.read-enodev", 30, rd_read, false, false },
		{ "unbind-reader.ioctl-enodev", 10, rd_ioctls, false, false },
		{ "unbind-reader.poll-err-hup", 10, rd_poll, false, false },
		{ "unbind-reader.mmap-enodev", 10, rd_mmap, false, false },
		{ "unbind-reader.old-mapping-sigbus-close", 10, rd_old_mapping, false, false },
	};
	struct rdctx c = { .path = path, .ready_fd = ready_fd, .fd = -1 };

	watchdog_init();
	RUN_STEPS(steps, &c);
	return test_failures() ? 1 : 0;
}

/* ---- parent -------------------------------------------------------------- */

static bool un_bdf(void *arg)
{
	struct uctx *c = arg;
	char link[256], target[256];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device",
		 dev_name_of(c->path));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return failf("readlink %s: %s", link, strerror(errno));
	target[n] = '\0';
	snprintf(c->bdf, sizeof(c->bdf), "%s", dev_name_of(target));
	return true;
}

static bool un_spawn_reader(void *arg)
{
	struct uctx *c = arg;
	struct pollfd pfd;
	int p[2];
	char ch;

	if (pipe2(p, O_CLOEXEC) < 0)
		return failf("pipe: %s", strerror(errno));
	c->reader = fork();
	if (c->reader < 0)
		return failf("fork: %s", strerror(errno));
	if (c->reader == 0) {
		close(p[0]);
		_exit(reader_child(c->path, p[1]));
	}
	close(p[1]);
	c->ready_fd = p[0];
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 20000) != 1 || read(p[0], &ch, 1) != 1)
		return failf("reader child never became ready");
	return true;
}

static bool un_unbind(void *arg)
{
	struct uctx *c = arg;
	int status, err;

	sleep_ms(1000);	/* let the child block in read() */
	c->unbinder = fork();
	if (c->unbinder < 0)
		return failf("fork: %s", strerror(errno));
	if (c->unbinder == 0)
		_exit(write_file_errno(DRV_DIR "/unbind", c->bdf));
	if (!wait_child(c->unbinder, 10000, &status))
		return failf("writing %s to %s/unbind did not finish in 10 s",
			     c->bdf, DRV_DIR);
	c->unbinder = 0;
	err = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (err)
		return failf("unbind of %s: %s", c->bdf,
			     err > 0 ? strerror(err) : "unbinder crashed");
	return true;
}

static bool un_reader_done(void *arg)
{
	struct uctx *c = arg;
	int status;

	if (!wait_child(c->reader, 10000, &status)) {
		kill(c->reader, SIGKILL);
		wait_child(c->reader, 2000, &status);
		return failf("reader child still running 10 s after unbind (killed)");
	}
	c->reader = 0;
	if (WIFSIGNALED(status))
		return failf("reader child killed by signal %d (%s)",
			     WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return failf("reader child reported failures (exit %d)",
			     WEXITSTATUS(status));
	return true;
}

static bool un_node_gone(void *arg)
{
	struct uctx *c = arg;
	char cls[128];

	snprintf(cls, sizeof(cls), "/sys/class/fpgadma/%s", dev_name_of(c->path));
	return wait_path(c->path, false, 5000) && wait_path(cls, false, 5000);
}

static bool un_other_device(void *arg)
{
	struct uctx *c = arg;
	const char *other = strcmp(c->path, "/dev/fpgadma1") ? "/dev/fpgadma1"
							       : "/dev/fpgadma0";

	return short_stream_check(other, 3);
}

static bool un_rebind(void *arg)
{
	struct uctx *c = arg;
	int err = write_file_errno(DRV_DIR "/bind", c->bdf);

	if (err)
		return failf("bind of %s: %s", c->bdf, strerror(err));
	return wait_path(c->path, true, 5000);
}

static bool un_stream_after(void *arg)
{
	struct uctx *c = arg;

	return short_stream_check(c->path, 20);
}

int cmd_unbind_reader(const char *path)
{
	static const struct step steps[] = {
		{ "unbind-reader.resolve-bdf", 5, un_bdf, true, false },
		{ "unbind-reader.spawn-reader", 30, un_spawn_reader, true, false },
		{ "unbind-reader.unbind-completes", 20, un_unbind, true, false },
		{ "unbind-reader.reader-finished", 20, un_reader_done, false, false },
		{ "unbind-reader.node-removed", 15, un_node_gone, false, false },
		{ "unbind-reader.other-device-streams", 20, un_other_device, false, false },
		{ "unbind-reader.rebind", 15, un_rebind, false, true },
		{ "unbind-reader.stream-after-rebind", 30, un_stream_after, false, false },
	};
	struct uctx c = { .path = path, .ready_fd = -1 };

	RUN_STEPS(steps, &c);
	if (c.reader > 0) {	/* unbind never happened or hung */
		int status;

		kill(c.reader, SIGKILL);
		wait_child(c.reader, 2000, &status);
	}
	if (c.ready_fd >= 0)
		close(c.ready_fd);
	return test_failures();
}
