// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma_test: in-guest functional tests for the fpgadma driver.
 *
 * Usage: fpgadma_test SUBCOMMAND [DEVICE]     (DEVICE defaults to /dev/fpgadma0)
 *        fpgadma_test check-file FILE [PERIOD [MIN_BYTES]]
 *
 * Every subtest prints one line, "PASS: name" or "FAIL: name: reason";
 * a run that reaches its end then prints "DONE: fpgadma_test <n>".
 * The exit status is 0 when every subtest passed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

/* ---- probe -------------------------------------------------------------- */

static const char *const probe_devs[2] = { "/dev/fpgadma0", "/dev/fpgadma1" };

#define ALL_CAPS (FPGADMA_CAP_STREAM | FPGADMA_CAP_COPY | FPGADMA_CAP_POLL | \
		  FPGADMA_CAP_TIMEOUT | FPGADMA_CAP_RECONFIG)

static bool t_nodes(void *arg)
{
	struct stat st;
	int i;

	(void)arg;
	for (i = 0; i < 2; i++) {
		if (stat(probe_devs[i], &st) < 0)
			return failf("%s: %s", probe_devs[i], strerror(errno));
		if (!S_ISCHR(st.st_mode))
			return failf("%s is not a character device",
				     probe_devs[i]);
	}
	return true;
}

static bool read_info_of(const char *path, struct fpgadma_info *info)
{
	int fd = dev_open(path, O_RDWR);
	bool ok;

	if (fd < 0)
		return false;
	ok = get_info(fd, info);
	close(fd);
	return ok;
}

static bool t_info_basic(void *arg)
{
	struct fpgadma_info info;

	if (!read_info_of(arg, &info))
		return false;
	if (info.api_version != FPGADMA_API_VERSION)
		return failf("api_version %u, expected %u", info.api_version,
			     FPGADMA_API_VERSION);
	if ((info.caps & ALL_CAPS) != ALL_CAPS)
		return failf("caps 0x%x lack some of 0x%x", info.caps,
			     ALL_CAPS);
	if (memchr(info.engine, '\0', sizeof(info.engine)) == NULL)
		return failf("engine name is not NUL terminated");
	if (strcmp(info.engine, "edu"))
		return failf("engine '%s', expected 'edu'", info.engine);
	return true;
}

static bool t_info_reserved(void *arg)
{
	struct fpgadma_info info;
	struct fpgadma_stats st;
	int fd = dev_open(arg, O_RDWR);
	bool ok;
	int i;

	if (fd < 0)
		return false;
	memset(&info, 0xff, sizeof(info));
	memset(&st, 0xff, sizeof(st));
	ok = EXPECT_OK(ioctl(fd, FPGADMA_IOC_INFO, &info), "INFO") &&
	     EXPECT_OK(ioctl(fd, FPGADMA_IOC_GET_STATS, &st), "GET_STATS");
	close(fd);
	if (!ok)
		return false;
	for (i = 0; i < 4; i++) {
		if (info.reserved[i])
			return failf("info.reserved[%d] = 0x%llx", i,
				     (unsigned long long)info.reserved[i]);
	}
	for (i = 0; i < (int)(sizeof(st.reserved) / sizeof(st.reserved[0])); i++)
		if (st.reserved[i])
			return failf("stats.reserved[%d] = 0x%llx", i,
				     (unsigned long long)st.reserved[i]);
	/* edu drops what it has no buffer for: it never starves. */
	if (st.starved || st.starved_ns)
		return failf("stats.starved %llu, starved_ns %llu on edu",
			     (unsigned long long)st.starved,
			     (unsigned long long)st.starved_ns);
	if (!(info.caps & FPGADMA_CAP_STARVED))
		return failf("caps 0x%x lack FPGADMA_CAP_STARVED", info.caps);
	if (info.flags & ~(FPGADMA_INFO_STREAMING | FPGADMA_INFO_CACHED))
		return failf("info.flags 0x%x has unknown bits", info.flags);
	return true;
}

static bool t_info_limits(void *arg)
{
	struct fpgadma_info in;
	long page = sysconf(_SC_PAGESIZE);

	if (!read_info_of(arg, &in))
		return false;
	if (in.page_size != (uint32_t)page)
		return failf("page_size %u, expected %ld", in.page_size, page);
	if (in.buf_count != DEFAULT_BUF_COUNT ||
	    in.buf_size != DEFAULT_BUF_SIZE)
		return failf("ring %u x %u, expected default %u x %u",
			     in.buf_count, in.buf_size, DEFAULT_BUF_COUNT,
			     DEFAULT_BUF_SIZE);
	if (in.max_xfer != 4088)
		return failf("max_xfer %u, expected 4088 for edu", in.max_xfer);
	if (in.buf_count > in.max_buf_count || in.buf_size > in.max_buf_size ||
	    (uint64_t)in.buf_count * in.buf_size > in.max_ring_size)
		return failf("ring %u x %u exceeds limits %u x %u / %llu",
			     in.buf_count, in.buf_size, in.max_buf_count,
			     in.max_buf_size,
			     (unsigned long long)in.max_ring_size);
	if (in.max_buf_size % in.page_size)
		return failf("max_buf_size %u not a page multiple",
			     in.max_buf_size);
	if (in.dma_bits == 0 || in.dma_bits > 64)
		return failf("dma_bits %u implausible", in.dma_bits);
	if (in.flags & FPGADMA_INFO_STREAMING)
		return failf("INFO says streaming right after load");
	return true;
}

static bool sysfs_expect_u64(const char *dev, const char *attr, uint64_t want)
{
	uint64_t v;

	if (!sysfs_u64(dev, attr, &v))
		return false;
	if (v != want)
		return failf("sysfs %s is %llu, INFO says %llu", attr,
			     (unsigned long long)v, (unsigned long long)want);
	return true;
}

static bool t_sysfs_agree(void *arg)
{
	const char *dev = dev_name_of(arg);
	struct fpgadma_info info;
	char engine[64];

	if (!read_info_of(arg, &info))
		return false;
	if (!sysfs_expect_u64(dev, "buf_count", info.buf_count) ||
	    !sysfs_expect_u64(dev, "buf_size", info.buf_size) ||
	    !sysfs_expect_u64(dev, "streaming",
			      !!(info.flags & FPGADMA_INFO_STREAMING)))
		return false;
	if (!sysfs_read(dev, "engine", engine, sizeof(engine)))
		return false;
	if (strcmp(engine, info.engine))
		return failf("sysfs engine '%s', INFO says '%s'", engine,
			     info.engine);
	return true;
}

static bool t_sysfs_device(void *arg)
{
	char path[256], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/fpgadma/%s/device/driver",
		 dev_name_of(arg));
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return failf("readlink %s: %s", path, strerror(errno));
	target[n] = '\0';
	if (strcmp(dev_name_of(target), "fpgadma"))
		return failf("%s -> %s, expected driver fpgadma", path, target);
	return true;
}

int cmd_probe(const char *dev)
{
	char name[96];
	int i;

	(void)dev;
	run_test("probe.nodes", 10, t_nodes, NULL);
	for (i = 0; i < 2; i++) {
		void *p = (void *)probe_devs[i];
		const char *d = dev_name_of(probe_devs[i]);

		snprintf(name, sizeof(name), "probe.%s.info", d);
		run_test(name, 10, t_info_basic, p);
		snprintf(name, sizeof(name), "probe.%s.reserved-zero", d);
		run_test(name, 10, t_info_reserved, p);
		snprintf(name, sizeof(name), "probe.%s.limits-defaults", d);
		run_test(name, 10, t_info_limits, p);
		snprintf(name, sizeof(name), "probe.%s.sysfs-agree", d);
		run_test(name, 10, t_sysfs_agree, p);
		snprintf(name, sizeof(name), "probe.%s.sysfs-device-link", d);
		run_test(name, 10, t_sysfs_device, p);
	}
	return test_failures();
}

/* ---- hold-open / check-file --------------------------------------------- */

static int cmd_hold_open(const char *dev)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		printf("hold-open: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	for (;;)
		pause();
}

struct check_file_args {
	const char *file;
	uint32_t period;
	uint64_t min_bytes;
};

/* FILE (e.g. written by dd) must be the pattern repeated with PERIOD. */
static bool t_check_file(void *arg)
{
	const struct check_file_args *a = arg;
	static uint8_t buf[65536];
	uint64_t off = 0;
	ssize_t n;
	bool ok = true;
	int fd = open(a->file, O_RDONLY);

	if (fd < 0)
		return failf("open %s: %s", a->file, strerror(errno));
	while (ok && (n = read(fd, buf, sizeof(buf))) > 0) {
		ok = check_stream_pattern(buf, (size_t)n, off, a->period);
		off += (uint64_t)n;
	}
	close(fd);
	if (ok && off < a->min_bytes)
		return failf("%s has %llu bytes, expected at least %llu",
			     a->file, (unsigned long long)off,
			     (unsigned long long)a->min_bytes);
	return ok;
}

static int cmd_check_file(int argc, char **argv)
{
	struct check_file_args a = {
		.file = argv[2],
		.period = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 4088,
		.min_bytes = argc > 4 ? strtoull(argv[4], NULL, 0) : 1,
	};

	if (a.period == 0)
		return 2;
	return run_test("copy.dd-file-pattern", 30, t_check_file, &a) ? 0 : 1;
}

/* ---- main --------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(const char *dev);
} commands[] = {
	{ "probe", cmd_probe },
	{ "stream", cmd_stream },
	{ "reconfig", cmd_reconfig },
	{ "drops", cmd_drops },
	{ "modes", cmd_modes },
	{ "memory", cmd_memory },
	{ "badinput", cmd_badinput },
	{ "copy", cmd_copy },
	{ "unbind-reader", cmd_unbind_reader },
	{ "hold-open", cmd_hold_open },
	{ "enomem", cmd_enomem },
	{ "model", cmd_model },
	{ "lifetime", cmd_lifetime },
	{ "ring-limits", cmd_ring_limits },
	{ "model-restart", cmd_model_restart },
	{ "model-nocoalesce", cmd_model_nocoalesce },
	{ "release-4096", cmd_release_4096 },
	{ "trace", cmd_trace },
	{ "shared", cmd_shared },
	{ "shared-long", cmd_shared_long },
	{ "dmaengine", cmd_dmaengine },
	{ "dmaengine-pl330", cmd_dmaengine_pl330 },
};

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: fpgadma_test SUBCOMMAND [DEVICE]\n"
			"       fpgadma_test check-file FILE [PERIOD [MIN_BYTES]]\n"
			"subcommands:");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const char *dev = argc > 2 ? argv[2] : DEFAULT_DEV;
	size_t i;
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		usage();
		return 2;
	}
	watchdog_init();
	if (!strcmp(argv[1], "check-file")) {
		if (argc < 3)
			return 2;
		rc = cmd_check_file(argc, argv);
		if (rc != 2)
			report_done("fpgadma_test");
		return rc;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			rc = commands[i].fn(dev) ? 1 : 0;
			report_done("fpgadma_test");
			return rc;
		}
	}
	usage();
	return 2;
}
