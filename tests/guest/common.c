// SPDX-License-Identifier: GPL-2.0-only
/* Shared helpers for the fpgadma in-guest tests; see common.h. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- reporting ---------------------------------------------------------- */

static char cur_name[128];
static char reason[768];
static int failures;
/*
 * PASS/FAIL lines printed, by this process and the children it forks
 * (t_unbind.c's reader child reports its own steps): a shared counter
 * once watchdog_init() has run, for report_done()'s count.
 */
static atomic_int results_own;
static atomic_int *results = &results_own;
static timer_t wd_timer;
static bool wd_ready;

bool failf(const char *fmt, ...)
{
	va_list ap;

	if (reason[0])
		return false;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return false;
}

static void wd_write(const char *s)
{
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));

	(void)r;
}

static void wd_handler(int sig)
{
	(void)sig;
	atomic_fetch_add(results, 1);	/* lock-free: signal safe */
	wd_write("FAIL: ");
	wd_write(cur_name);
	wd_write(": watchdog expired, subtest hung\n");
	_exit(3);
}

/* The result counter, shared with the children forked from now on. */
static void results_share(void)
{
	void *p;

	if (results != &results_own)
		return;	/* a child: already shared */
	p = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		results = p;
		atomic_init(results, atomic_load(&results_own));
	}
}

/* Per-process (timers are not inherited by fork(): call again in a child). */
void watchdog_init(void)
{
	struct sigaction sa = { .sa_handler = wd_handler };
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGUSR2,
	};

	results_share();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	wd_ready = timer_create(CLOCK_MONOTONIC, &sev, &wd_timer) == 0;
	if (!wd_ready)
		printf("warning: timer_create: %s; no watchdog\n",
		       strerror(errno));
}

/*
 * Slow kernels (KASAN, lockdep, kmemleak under emulation) stretch every
 * budget by FPGADMA_TEST_TIMESCALE (an integer; the kernel passes unknown
 * "NAME=value" boot parameters to init's environment).
 */
int test_timescale(void)
{
	const char *env = getenv("FPGADMA_TEST_TIMESCALE");
	long v = env ? strtol(env, NULL, 10) : 1;

	return v >= 1 && v <= 100 ? (int)v : 1;
}

void watchdog_arm(int seconds, const char *name)
{
	struct itimerspec its = {
		.it_value.tv_sec = (time_t)seconds * test_timescale(),
	};

	if (name)
		snprintf(cur_name, sizeof(cur_name), "%s", name);
	if (wd_ready)
		timer_settime(wd_timer, 0, &its, NULL);
}

bool run_test(const char *name, int budget_s, test_fn fn, void *arg)
{
	bool ok;

	reason[0] = '\0';
	watchdog_arm(budget_s, name);
	ok = fn(arg);
	watchdog_arm(0, NULL);
	if (ok)
		report_pass(name);
	else
		report_fail(name, "%s", reason[0] ? reason : "failed");
	reason[0] = '\0';
	return ok;
}

void report_pass(const char *name)
{
	atomic_fetch_add(results, 1);
	printf("PASS: %s\n", name);
}

void report_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	failures++;
	atomic_fetch_add(results, 1);
	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void report_not_run(const char *name, const char *prereq)
{
	report_fail(name, "not run: prerequisite '%s' failed", prereq);
}

bool run_steps(const struct step *steps, size_t n, void *arg)
{
	const char *broken = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (broken && !steps[i].cleanup) {
			report_not_run(steps[i].name, broken);
			continue;
		}
		if (!run_test(steps[i].name, steps[i].budget_s, steps[i].fn,
			      arg) && steps[i].critical && !broken)
			broken = steps[i].name;
	}
	return broken == NULL;
}

int test_failures(void)
{
	return failures;
}

void report_done(const char *prog)
{
	printf("DONE: %s %d\n", prog, atomic_load(results));
}

/* ---- errno expectations ------------------------------------------------- */

const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

bool expect_ok(long ret, int err, const char *what)
{
	if (ret >= 0)
		return true;
	return failf("%s failed: %s (%s)", what, errname(err), strerror(err));
}

bool expect_errno(long ret, int err, int expected, const char *what)
{
	return expect_errno_in(ret, err, &expected, 1, what);
}

bool expect_errno_in(long ret, int err, const int *allowed, size_t n,
		     const char *what)
{
	char names[128] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (ret == -1 && err == allowed[i])
			return true;
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", i ? "/" : "", errname(allowed[i]));
	}
	if (ret != -1)
		return failf("%s: expected %s, but it returned %ld", what,
			     names, ret);
	return failf("%s: expected %s, got %s (%s)", what, names,
		     errname(err), strerror(err));
}

/* ---- time --------------------------------------------------------------- */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- device wrappers ---------------------------------------------------- */

int dev_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		failf("open %s: %s (%s)", path, errname(errno),
		      strerror(errno));
	return fd;
}

bool get_info(int fd, struct fpgadma_info *info)
{
	memset(info, 0, sizeof(*info));
	return EXPECT_OK(ioctl(fd, FPGADMA_IOC_INFO, info), "INFO");
}

bool get_stats(int fd, struct fpgadma_stats *st)
{
	memset(st, 0, sizeof(*st));
	return EXPECT_OK(ioctl(fd, FPGADMA_IOC_GET_STATS, st), "GET_STATS");
}

bool set_timeout(int fd, uint32_t ms)
{
	struct fpgadma_timeout t = { .timeout_ms = ms };

	return EXPECT_OK(ioctl(fd, FPGADMA_IOC_SET_TIMEOUT, &t), "SET_TIMEOUT");
}

long ioc_set_ring(int fd, uint32_t count, uint32_t size, uint32_t flags,
		  uint32_t reserved)
{
	struct fpgadma_ring_config rc = {
		.buf_count = count, .buf_size = size,
		.flags = flags, .reserved = reserved,
	};

	return ioctl(fd, FPGADMA_IOC_SET_RING, &rc);
}

bool set_ring(int fd, uint32_t count, uint32_t size)
{
	long r = ioc_set_ring(fd, count, size, 0, 0);
	int e = errno;
	char what[64];

	snprintf(what, sizeof(what), "SET_RING %u x %u", count, size);
	return expect_ok(r, e, what);
}

long ioc_release(int fd, const uint32_t *idx, uint32_t count,
		 uint32_t reserved)
{
	struct fpgadma_release rel = {
		.indices = (uintptr_t)idx, .count = count,
		.reserved = reserved,
	};

	return ioctl(fd, FPGADMA_IOC_RELEASE, &rel);
}

size_t ring_bytes(const struct fpgadma_info *info)
{
	return (size_t)info->buf_count * info->buf_size;
}

uint32_t expected_bytes_used(const struct fpgadma_info *info)
{
	return info->buf_size < info->max_xfer ? info->buf_size
					       : info->max_xfer;
}

void *map_ring(int fd, const struct fpgadma_info *info)
{
	void *p = mmap(NULL, ring_bytes(info), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		failf("mmap of the whole ring (%zu bytes): %s (%s)",
		      ring_bytes(info), errname(errno), strerror(errno));
		return NULL;
	}
	return p;
}

/* A page that faults on any access (for EFAULT tests); never unmapped. */
void *guard_page(void)
{
	static void *page;

	if (!page) {
		page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED) {
			page = NULL;
			return (void *)8;	/* NULL page: faults too */
		}
	}
	return page;
}

const char *dev_name_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---- data pattern ------------------------------------------------------- */

bool check_pattern(const uint8_t *buf, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(i))
			return failf("%s: data byte %zu is 0x%02x, expected 0x%02x",
				     what, i, buf[i], pattern_byte(i));
	return true;
}

bool check_stream_pattern(const uint8_t *buf, size_t len, uint64_t stream_off,
			  uint32_t period)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t off = stream_off + i;
		uint8_t want = pattern_byte(off % period);

		if (buf[i] != want)
			return failf("stream byte %llu (offset %llu in its buffer) is 0x%02x, expected 0x%02x",
				     (unsigned long long)off,
				     (unsigned long long)(off % period),
				     buf[i], want);
	}
	return true;
}

uint32_t page_bytes(void)
{
	static uint32_t size;

	if (!size)
		size = (uint32_t)sysconf(_SC_PAGESIZE);
	return size;
}

bool is_model(const struct fpgadma_info *info)
{
	return !strncmp(info->engine, "stream", sizeof(info->engine));
}

bool check_model_buffer(const uint8_t *buf, size_t len, uint64_t seq,
			const char *what)
{
	uint64_t w;
	size_t k;

	for (k = 0; k < len / 8; k++) {
		memcpy(&w, buf + 8 * k, 8);
		if (w != (seq ^ (k * MODEL_MIX)))
			return failf("%s: word %zu is 0x%016llx, expected 0x%016llx",
				     what, k, (unsigned long long)w,
				     (unsigned long long)(seq ^ (k * MODEL_MIX)));
	}
	return true;
}

bool check_model_stream(const uint8_t *buf, size_t len, uint32_t period)
{
	char what[64];
	size_t off;

	if (!period || period % 8)
		return failf("copy-mode period %u is not a multiple of 8", period);
	for (off = 0; off < len; off += period) {
		size_t n = len - off < period ? len - off : period;

		snprintf(what, sizeof(what), "copy-mode buffer of production %zu",
			 off / period);
		if (!check_model_buffer(buf + off, n, off / period, what))
			return false;
	}
	return true;
}

bool check_fill(const uint8_t *buf, size_t len, uint8_t val, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != val)
			return failf("%s: byte %zu is 0x%02x, expected 0x%02x",
				     what, i, buf[i], val);
	return true;
}

/* ---- sysfs -------------------------------------------------------------- */

bool sysfs_read(const char *dev, const char *attr, char *out, size_t n)
{
	char path[256];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/fpgadma/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failf("open %s: %s", path, strerror(errno));
	len = read(fd, out, n - 1);
	close(fd);
	if (len < 0)
		return failf("read %s: %s", path, strerror(errno));
	out[len] = '\0';
	if (len == 0 || out[len - 1] != '\n')
		return failf("%s: value '%s' does not end with a newline",
			     path, out);
	out[len - 1] = '\0';
	return true;
}

bool sysfs_u64(const char *dev, const char *attr, uint64_t *val)
{
	char buf[64], *end;

	if (!sysfs_read(dev, attr, buf, sizeof(buf)))
		return false;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return failf("sysfs %s/%s: '%s' is not a decimal number",
			     dev, attr, buf);
	return true;
}

int write_file_errno(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

bool wait_sysfs_u64(const char *dev, const char *attr, uint64_t want,
		    unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ull;
	uint64_t v = 0;

	for (;;) {
		if (!sysfs_u64(dev, attr, &v))
			return false;
		if (v == want)
			return true;
		if (now_ns() > deadline)
			return failf("sysfs %s/%s is %llu, expected %llu",
				     dev, attr, (unsigned long long)v,
				     (unsigned long long)want);
		sleep_ms(50);
	}
}

/*
 * The software model (fpgadma_model.ko) behind /dev/<dev>: fpgadma binds
 * its child platform device fpgadma-stream.N, and the knobs are
 * attributes of the parent, /sys/devices/fpgadma-model.N.
 */
bool model_knob_dir(const char *dev, char *out, size_t n)
{
	char link[128], dir[PATH_MAX];
	const char *base;

	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device/..", dev);
	if (!realpath(link, dir))
		return failf("realpath %s: %s", link, strerror(errno));
	base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (strncmp(base, "fpgadma-model.", 14))
		return failf("%s is %s, not a model device (fpgadma-model.N)",
			     link, dir);
	if ((size_t)snprintf(out, n, "%s", dir) >= n)
		return failf("model directory %s too long", dir);
	return true;
}

bool find_stream_dev(char *dev, size_t n)
{
	char engine[32];
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(dev, n, "fpgadma%d", i);
		if (sysfs_read(dev, "engine", engine, sizeof(engine)) &&
		    !strncmp(engine, "stream", 6))
			return true;
	}
	return failf("no stream-engine device; insmod fpgadma_model.ko");
}

bool wait_child(pid_t pid, unsigned int timeout_ms, int *status)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ull;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 || now_ns() > deadline)
			return false;
		sleep_ms(20);
	}
}

bool wait_path(const char *path, bool present, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ull;
	struct stat st;

	for (;;) {
		if ((stat(path, &st) == 0) == present)
			return true;
		if (now_ns() > deadline)
			return failf("%s still %s after %u ms", path,
				     present ? "missing" : "present",
				     timeout_ms);
		sleep_ms(50);
	}
}

/* ---- bus binding -------------------------------------------------------- */

/*
 * /sys/class/fpgadma/<dev>/device is the bus device (a PCI function, or
 * the model's platform device fpgadma-stream.N), and its driver link the
 * bus driver it is bound to.
 */
bool dev_binding(const char *dev, struct binding *b)
{
	char link[300], real[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device", dev);
	if (!realpath(link, real))
		return failf("realpath %s: %s", link, strerror(errno));
	snprintf(b->name, sizeof(b->name), "%.127s", dev_name_of(real));
	snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device/driver", dev);
	if (!realpath(link, real))
		return failf("realpath %s: %s", link, strerror(errno));
	snprintf(b->drv, sizeof(b->drv), "%.255s", real);
	return true;
}

static int binding_write(const struct binding *b, const char *file)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", b->drv, file);
	return write_file_errno(path, b->name);
}

int binding_unbind(const struct binding *b)
{
	return binding_write(b, "unbind");
}

int binding_bind(const struct binding *b)
{
	return binding_write(b, "bind");
}

bool binding_node(const struct binding *b, char *path, size_t n)
{
	DIR *d = opendir("/sys/class/fpgadma");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char link[300], real[PATH_MAX], node[300];
		struct stat st;

		if (strncmp(e->d_name, "fpgadma", 7))
			continue;
		snprintf(link, sizeof(link), "/sys/class/fpgadma/%s/device",
			 e->d_name);
		if (!realpath(link, real) || strcmp(dev_name_of(real), b->name))
			continue;
		snprintf(node, sizeof(node), "/dev/%s", e->d_name);
		if (stat(node, &st) == 0 && S_ISCHR(st.st_mode)) {
			snprintf(path, n, "%s", node);
			found = true;
		}
	}
	closedir(d);
	return found;
}

bool wait_binding_node(const struct binding *b, char *path, size_t n,
		       unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + timeout_ms * 1000000ull;

	while (!binding_node(b, path, n)) {
		if (now_ns() > deadline)
			return failf("no /dev/fpgadmaN for %s after %u ms",
				     b->name, timeout_ms);
		sleep_ms(20);
	}
	return true;
}

static bool stats_equal(const struct fpgadma_stats *a,
			const struct fpgadma_stats *b)
{
	return a->completed == b->completed && a->dropped == b->dropped &&
	       a->dequeued == b->dequeued && a->released == b->released &&
	       a->irqs == b->irqs && a->streaming == b->streaming;
}

static bool compare_attr(const char *dev, const char *attr, uint64_t want)
{
	uint64_t v;

	if (!sysfs_u64(dev, attr, &v))
		return false;
	if (v != want)
		return failf("sysfs %s/%s is %llu but GET_STATS says %llu",
			     dev, attr, (unsigned long long)v,
			     (unsigned long long)want);
	return true;
}

/*
 * Compare the sysfs counters with GET_STATS. Counters may move while we
 * read them, so only compare when two GET_STATS around the sysfs reads agree.
 */
bool sysfs_matches_stats(const char *dev, int fd)
{
	struct fpgadma_stats a, b;
	uint64_t v[6];
	static const char *const attrs[6] = {
		"completed", "dropped", "dequeued", "released", "irqs",
		"streaming",
	};
	int tries, i;

	for (tries = 0; tries < 20; tries++) {
		if (!get_stats(fd, &a))
			return false;
		for (i = 0; i < 6; i++)
			if (!sysfs_u64(dev, attrs[i], &v[i]))
				return false;
		if (!get_stats(fd, &b))
			return false;
		if (stats_equal(&a, &b))
			break;
		sleep_ms(100);
	}
	if (tries == 20)
		return failf("counters never stable long enough to compare");
	(void)v;
	return compare_attr(dev, "completed", a.completed) &&
	       compare_attr(dev, "dropped", a.dropped) &&
	       compare_attr(dev, "dequeued", a.dequeued) &&
	       compare_attr(dev, "released", a.released) &&
	       compare_attr(dev, "irqs", a.irqs) &&
	       compare_attr(dev, "streaming", a.streaming);
}

/* ---- checked record stream ---------------------------------------------- */

bool stream_init(struct stream *s, int fd, uint8_t *ring)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->ring = ring;
	if (!get_info(fd, &s->info))
		return false;
	s->held = calloc(s->info.buf_count, sizeof(*s->held));
	if (!s->held)
		return failf("out of memory");
	return true;
}

void stream_free(struct stream *s)
{
	free(s->held);
	s->held = NULL;
}

static void stream_reset(struct stream *s)
{
	s->have_prev = false;
	s->nheld = 0;
	memset(s->held, 0, s->info.buf_count * sizeof(*s->held));
}

bool stream_start(struct stream *s)
{
	stream_reset(s);
	s->t_start = now_ns();
	return EXPECT_OK(ioctl(s->fd, FPGADMA_IOC_START), "START");
}

bool stream_stop(struct stream *s)
{
	bool ok = EXPECT_OK(ioctl(s->fd, FPGADMA_IOC_STOP), "STOP");

	stream_reset(s);
	return ok;
}

static bool check_sequence(struct stream *s, const struct fpgadma_record *r)
{
	uint64_t want = s->have_prev ? s->prev.sequence + 1 + r->lost_before
				     : r->lost_before;

	if (r->lost_before && !s->allow_lost)
		return failf("record seq %llu: lost_before %u, expected 0 (buffers were released promptly)",
			     (unsigned long long)r->sequence, r->lost_before);
	if (r->sequence != want)
		return failf("record sequence %llu, expected %llu (prev %lld, lost_before %u)",
			     (unsigned long long)r->sequence,
			     (unsigned long long)want,
			     s->have_prev ? (long long)s->prev.sequence : -1LL,
			     r->lost_before);
	return true;
}

static bool check_timestamp(struct stream *s, const struct fpgadma_record *r,
			    uint64_t t_read)
{
	if (r->timestamp_ns < s->t_start)
		return failf("record seq %llu: timestamp %llu is before START (%llu)",
			     (unsigned long long)r->sequence,
			     (unsigned long long)r->timestamp_ns,
			     (unsigned long long)s->t_start);
	if (r->timestamp_ns > t_read)
		return failf("record seq %llu: timestamp %llu is in the future (now %llu)",
			     (unsigned long long)r->sequence,
			     (unsigned long long)r->timestamp_ns,
			     (unsigned long long)t_read);
	if (s->have_prev && r->timestamp_ns < s->prev.timestamp_ns)
		return failf("record seq %llu: timestamp %llu < previous %llu",
			     (unsigned long long)r->sequence,
			     (unsigned long long)r->timestamp_ns,
			     (unsigned long long)s->prev.timestamp_ns);
	return true;
}

static bool check_record(struct stream *s, const struct fpgadma_record *r,
			 uint64_t t_read)
{
	if (r->index >= s->info.buf_count)
		return failf("record index %u >= buf_count %u", r->index,
			     s->info.buf_count);
	if (s->held[r->index])
		return failf("record hands out buffer %u, which the user still holds",
			     r->index);
	if (r->bytes_used != expected_bytes_used(&s->info))
		return failf("record bytes_used %u, expected %u", r->bytes_used,
			     expected_bytes_used(&s->info));
	if (r->flags)
		return failf("record flags 0x%x, expected 0", r->flags);
	if (!check_sequence(s, r) || !check_timestamp(s, r, t_read))
		return false;
	if (s->ring) {
		const uint8_t *buf;
		char what[64];

		snprintf(what, sizeof(what), "buffer %u (seq %llu)", r->index,
			 (unsigned long long)r->sequence);
		buf = s->ring + (size_t)r->index * s->info.buf_size;
		if (is_model(&s->info) ?
		    !check_model_buffer(buf, r->bytes_used, r->sequence, what) :
		    !check_pattern(buf, r->bytes_used, what))
			return false;
	}
	return true;
}

bool stream_read(struct stream *s, struct fpgadma_record *recs, size_t max,
		 size_t *n)
{
	ssize_t r = read(s->fd, recs, max * sizeof(*recs));
	int e = errno;
	uint64_t t_read = now_ns();
	size_t i;

	*n = 0;
	if (r < 0)
		return failf("read of records: %s (%s)", errname(e),
			     strerror(e));
	if (r == 0 || r % sizeof(*recs))
		return failf("read returned %zd bytes, not a positive multiple of %zu",
			     r, sizeof(*recs));
	*n = (size_t)r / sizeof(*recs);
	for (i = 0; i < *n; i++) {
		if (!check_record(s, &recs[i], t_read))
			return false;
		s->held[recs[i].index] = true;
		s->nheld++;
		s->records++;
		s->lost_sum += recs[i].lost_before;
		s->prev = recs[i];
		s->have_prev = true;
	}
	return true;
}

bool stream_release(struct stream *s, const uint32_t *idx, uint32_t n,
		    bool zero)
{
	uint32_t i;
	long r;
	int e;

	if (zero && s->ring)
		for (i = 0; i < n; i++)
			memset(s->ring + (size_t)idx[i] * s->info.buf_size, 0,
			       s->info.buf_size);
	r = ioc_release(s->fd, idx, n, 0);
	e = errno;
	if (!expect_ok(r, e, "RELEASE"))
		return false;
	for (i = 0; i < n; i++) {
		s->held[idx[i]] = false;
		s->nheld--;
	}
	s->released += n;
	return true;
}

bool stream_release_all(struct stream *s, bool zero)
{
	uint32_t idx[FPGADMA_RELEASE_MAX];
	uint32_t i, n = 0;

	for (i = 0; i < s->info.buf_count && n < FPGADMA_RELEASE_MAX; i++)
		if (s->held[i])
			idx[n++] = i;
	return n == 0 || stream_release(s, idx, n, zero);
}

/*
 * Read nrec records, checking each; zero and give buffers back once
 * `batch` of them are held (batch 1 = release each record at once).
 */
bool stream_run(struct stream *s, unsigned int nrec, unsigned int batch)
{
	struct fpgadma_record recs[16];
	uint64_t target = s->records + nrec;
	size_t n;

	while (s->records < target) {
		if (!stream_read(s, recs, 16, &n))
			return false;
		if (s->nheld >= batch && !stream_release_all(s, true))
			return false;
	}
	return stream_release_all(s, true);
}

/* Read records without releasing until the user holds every buffer. */
bool stream_hold_all(struct stream *s)
{
	struct fpgadma_record recs[16];
	unsigned int guard = s->info.buf_count + 8;
	size_t n;

	while (s->nheld < s->info.buf_count) {
		if (guard-- == 0)
			return failf("still hold only %u of %u buffers",
				     s->nheld, s->info.buf_count);
		if (!stream_read(s, recs, 16, &n))
			return false;
	}
	return true;
}

/* Open path, map the ring, START, stream nrec checked records, STOP. */
bool short_stream_check(const char *path, unsigned int nrec)
{
	struct stream s;
	uint8_t *ring = NULL;
	bool ok = false;
	int fd = dev_open(path, O_RDWR);

	if (fd < 0)
		return false;
	if (!stream_init(&s, fd, NULL))
		goto out_close;
	ring = map_ring(fd, &s.info);
	if (!ring)
		goto out_free;
	s.ring = ring;
	ok = set_timeout(fd, READ_TIMEOUT_MS) && stream_start(&s) &&
	     stream_run(&s, nrec, 1) && stream_stop(&s);
	munmap(ring, ring_bytes(&s.info));
out_free:
	stream_free(&s);
out_close:
	close(fd);
	return ok;
}
