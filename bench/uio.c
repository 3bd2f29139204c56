// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput: the UIO baseline of section 4. An edu device bound to
 * uio_pci_generic, BAR0 mapped through sysfs resource0. A thread on CPU 1
 * waits 1 ms (the reader is asleep in read() on /dev/uioN by then), takes
 * the time and raises edu's interrupt; a sample is the reader's wakeup
 * minus that time. It starts earlier than the fpgadma figures: it includes
 * the MMIO raise, the INTx/IOAPIC delivery and uio_pci_generic's masking.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/*
 * The only edu registers the bench touches (QEMU docs/specs/edu.rst), and
 * only here, where no driver owns the device: a write to RAISE ORs the
 * value into edu's interrupt status and asserts its interrupt, a write to
 * ACK clears those status bits (and so deasserts the level INTx).
 */
enum edu_irq_reg { EDU_IRQ_RAISE = 0x60, EDU_IRQ_ACK = 0x64 };
#define EDU_RAISED	1u		/* the status bit the baseline raises */

struct uio_ctx {
	volatile uint32_t *bar;
	int ufd, cfd;
	atomic_int armed;
	atomic_int stop;
	_Atomic uint64_t t_raise;
	uint64_t gap_ns;
};

/* uio_pci_generic without irqcontrol: clear INTx Disable in config space. */
static bool cfg_unmask;

/*
 * Re-enable INTx after uio_pci_generic masked it. UIO's write(1) needs an
 * irqcontrol hook, which uio_pci_generic lacks before Linux 6.x (ENOSYS);
 * then do what the UIO howto's example does: clear PCI_COMMAND_INTX_DISABLE
 * (bit 10, bit 2 of config byte 5).
 */
static bool uio_unmask(struct uio_ctx *u)
{
	uint32_t one = 1;
	uint8_t hi;

	if (!cfg_unmask) {
		if (write(u->ufd, &one, sizeof(one)) == sizeof(one))
			return true;
		if (errno != ENOSYS) {
			warn("uio irq enable: %s", strerror(errno));
			return false;
		}
		cfg_unmask = true;
		note("UIO: write(1) to /dev/uio is ENOSYS (uio_pci_generic has no irqcontrol); "
		     "INTx re-enabled through the config space instead");
	}
	if (pread(u->cfd, &hi, 1, 5) != 1)
		return false;
	hi &= (uint8_t)~0x04;
	return pwrite(u->cfd, &hi, 1, 5) == 1;
}

static void *uio_raiser(void *arg)
{
	struct uio_ctx *u = arg;
	struct timespec gap = { 0, (long)u->gap_ns };

	pin_cpu(1);
	while (!atomic_load(&u->stop)) {
		if (!atomic_exchange(&u->armed, 0)) {
			sched_yield();
			continue;
		}
		/* Let the reader go to sleep in read(). */
		nanosleep(&gap, NULL);
		atomic_store(&u->t_raise, now_ns());
		u->bar[EDU_IRQ_RAISE / 4] = EDU_RAISED;
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Is the device at bdf a QEMU edu (PCI 1234:11e8)? */
static bool is_edu(const char *bdf)
{
	char path[96], vendor[16] = "", device[16] = "";

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	sysfs_read(path, vendor, sizeof(vendor));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	sysfs_read(path, device, sizeof(device));
	if (!strcmp(vendor, "0x1234") && !strcmp(device, "0x11e8"))
		return true;
	warn("%s: PCI %s:%s is not edu", bdf, vendor, device);
	return false;
}

/* Samples until secs_ns passed: the reader side, on the calling thread. */
static void uio_sample(struct uio_ctx *u, uint64_t secs_ns, struct lat *l)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	uint64_t end = now_ns() + secs_ns;
	sigset_t set, old;
	pthread_t th;
	uint32_t cnt;

	sigaction(SIGALRM, &sa, NULL);
	/* The raiser never takes SIGALRM: it must interrupt the reader. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&th, NULL, uio_raiser, u)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (l->n < MAX_SAMPLES && now_ns() < end) {
		uint64_t woke;
		ssize_t r;

		alarm(3);
		atomic_store(&u->armed, 1);
		r = read(u->ufd, &cnt, sizeof(cnt));
		woke = now_ns();
		alarm(0);
		if (r != sizeof(cnt)) {
			warn("uio read: %s", r < 0 ? strerror(errno) : "short");
			break;
		}
		lat_add(l, woke - atomic_load(&u->t_raise));
		/* Ack edu (drops INTx), then unmask INTx (uio_pci_generic masked it). */
		u->bar[EDU_IRQ_ACK / 4] = EDU_RAISED;
		if (!uio_unmask(u))
			break;
	}
	atomic_store(&u->stop, 1);
	pthread_join(th, NULL);
}

void lat_uio(const char *bdf, uint64_t secs_ns, struct lat *l)
{
	char path[160], name[32] = "";
	static struct uio_ctx u;
	int rfd = -1;
	void *map;

	memset(&u, 0, sizeof(u));
	u.gap_ns = 1000000;
	u.ufd = u.cfd = -1;
	if (!is_edu(bdf))
		return;
	/* /sys/bus/pci/devices/BDF/uio/uioN */
	for (int i = 0; i < 8 && !name[0]; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio/uio%d", bdf, i);
		if (!access(path, F_OK))
			snprintf(name, sizeof(name), "/dev/uio%d", i);
	}
	if (!name[0]) {
		warn("no uio device under /sys/bus/pci/devices/%s/uio", bdf);
		return;
	}
	u.ufd = open(name, O_RDWR);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	u.cfd = open(path, O_RDWR);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	rfd = open(path, O_RDWR | O_SYNC);
	if (u.ufd < 0 || rfd < 0 || u.cfd < 0) {
		warn("open %s / %s / config: %s", name, path, strerror(errno));
		goto out;
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (map == MAP_FAILED) {
		warn("mmap %s: %s", path, strerror(errno));
		goto out;
	}
	u.bar = map;
	/* Clear every leftover status bit, unmask INTx, sample. */
	u.bar[EDU_IRQ_ACK / 4] = ~0u;
	if (uio_unmask(&u))
		uio_sample(&u, secs_ns, l);
	munmap(map, 4096);
out:
	if (u.ufd >= 0)
		close(u.ufd);
	if (u.cfd >= 0)
		close(u.cfd);
	if (rfd >= 0)
		close(rfd);
}
