// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared helpers for the fpgadma in-guest tests: result reporting with a
 * watchdog, errno expectations, device/ioctl wrappers, the edu data pattern,
 * sysfs access and a checked record stream.
 */
#ifndef FPGADMA_TEST_COMMON_H
#define FPGADMA_TEST_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi/fpgadma.h"

#define DEFAULT_DEV		"/dev/fpgadma0"
#define DEFAULT_BUF_COUNT	16
/* edu's default buffer: one page. */
#define DEFAULT_BUF_SIZE	page_bytes()

/*
 * The kernel's page size (sysconf, which is INFO's page_size): buffer
 * sizes are multiples of it, 4 KiB on x86 and Debian's armhf, 4 or 16 KiB
 * on arm64 (the 98-arm64-16k lane).
 */
uint32_t page_bytes(void);
/* Bound for a read() that is expected to return data (edu: ~10 buffers/s). */
#define READ_TIMEOUT_MS		3000

/* ---- reporting ---------------------------------------------------------- */

/*
 * A subtest is a function returning true on success. On failure it calls
 * failf() (first reason wins, so helpers can report the root cause) and
 * returns false. run_test() prints exactly one PASS/FAIL line per subtest
 * and arms a watchdog: if the subtest does not finish within budget_s
 * seconds, a FAIL line is printed and the process exits.
 */
typedef bool (*test_fn)(void *arg);

bool failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool run_test(const char *name, int budget_s, test_fn fn, void *arg);
void report_pass(const char *name);
void report_fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void report_not_run(const char *name, const char *prereq);
int test_failures(void);
/*
 * The last line of a run that reached its deliberate end, "DONE: PROG n"
 * (n PASS/FAIL lines printed): the runner (tests/lib/run_prog.sh) fails a
 * run that crashed, was killed or stopped early, i.e. has no such line.
 */
void report_done(const char *prog);

/*
 * A group of dependent subtests run in order. When a critical step fails,
 * the following steps are reported as FAIL "not run" (never silently
 * skipped); a `cleanup` step always runs.
 */
struct step {
	const char *name;
	int budget_s;
	test_fn fn;
	bool critical;
	bool cleanup;
};

bool run_steps(const struct step *steps, size_t n, void *arg);
#define RUN_STEPS(steps, arg) \
	run_steps(steps, sizeof(steps) / sizeof((steps)[0]), arg)
void watchdog_init(void);
void watchdog_arm(int seconds, const char *name);
/* FPGADMA_TEST_TIMESCALE (1 unless set): multiply generous bounds by it. */
int test_timescale(void);

/* ---- errno expectations ------------------------------------------------- */

const char *errname(int err);
bool expect_ok(long ret, int err, const char *what);
bool expect_errno(long ret, int err, int expected, const char *what);
bool expect_errno_in(long ret, int err, const int *allowed, size_t n,
		     const char *what);

/* Evaluate call, capture errno right after it, then check the result. */
#define EXPECT_OK(call, what) ({					\
	long r_ = (long)(call);						\
	int e_ = errno;							\
	expect_ok(r_, e_, what);					\
})
#define EXPECT_ERRNO(call, expected, what) ({				\
	long r_ = (long)(call);						\
	int e_ = errno;							\
	expect_errno(r_, e_, expected, what);				\
})

/* ---- time --------------------------------------------------------------- */

uint64_t now_ns(void);
void sleep_ms(unsigned int ms);

/* ---- device wrappers (all call failf() on error) ------------------------ */

int dev_open(const char *path, int flags);
bool get_info(int fd, struct fpgadma_info *info);
bool get_stats(int fd, struct fpgadma_stats *st);
bool set_timeout(int fd, uint32_t ms);
bool set_ring(int fd, uint32_t count, uint32_t size);
long ioc_set_ring(int fd, uint32_t count, uint32_t size, uint32_t flags,
		  uint32_t reserved);
long ioc_release(int fd, const uint32_t *idx, uint32_t count,
		 uint32_t reserved);
size_t ring_bytes(const struct fpgadma_info *info);
uint32_t expected_bytes_used(const struct fpgadma_info *info);
void *map_ring(int fd, const struct fpgadma_info *info);
void *guard_page(void);
const char *dev_name_of(const char *path);

/* ---- data pattern ------------------------------------------------------- */

static inline uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)((i * 7) ^ (i >> 8) ^ 0xA5);
}

bool check_pattern(const uint8_t *buf, size_t len, const char *what);
bool check_stream_pattern(const uint8_t *buf, size_t len, uint64_t stream_off,
			  uint32_t period);
bool check_fill(const uint8_t *buf, size_t len, uint8_t val, const char *what);

/*
 * The software model of the stream engine (tests/model/) writes 64-bit
 * word k of its production number s as s ^ (k * MODEL_MIX), in the CPU's
 * byte order. Devices whose INFO engine is "stream" are the model here.
 */
#define MODEL_MIX	0x9e3779b97f4a7c15ULL
bool is_model(const struct fpgadma_info *info);
bool check_model_buffer(const uint8_t *buf, size_t len, uint64_t seq,
			const char *what);
/* Copy mode: len bytes of the buffers of productions 0, 1, ... of period bytes. */
bool check_model_stream(const uint8_t *buf, size_t len, uint32_t period);

/* ---- sysfs -------------------------------------------------------------- */

bool sysfs_read(const char *dev, const char *attr, char *out, size_t n);
bool sysfs_u64(const char *dev, const char *attr, uint64_t *val);
bool wait_sysfs_u64(const char *dev, const char *attr, uint64_t want,
		    unsigned int timeout_ms);
bool wait_path(const char *path, bool present, unsigned int timeout_ms);
/* The knob directory of the software model behind /dev/<dev>. */
bool model_knob_dir(const char *dev, char *out, size_t n);
/* The first fpgadmaN (into dev[16]) whose engine is "stream". */
bool find_stream_dev(char *dev, size_t n);
/* Wait up to timeout_ms for child pid; true and *status if it exited. */
bool wait_child(pid_t pid, unsigned int timeout_ms, int *status);
/* Write val to the file at path; 0, or the errno of the open or write. */
int write_file_errno(const char *path, const char *val);
bool sysfs_matches_stats(const char *dev, int fd);

/* ---- bus binding -------------------------------------------------------- */

/*
 * The bus device behind /dev/fpgadmaN and the driver bound to it, for
 * unbind/rebind tests: the only place that knows where they are in sysfs.
 */
struct binding {
	char drv[256];		/* the bus driver's directory (bind, unbind) */
	char name[128];		/* the bus device's name in it */
};

bool dev_binding(const char *dev, struct binding *b);
/* Unbind or bind; 0, or the errno of the write. */
int binding_unbind(const struct binding *b);
int binding_bind(const struct binding *b);
/* The node of the fpgadma device now bound to b, if any (no failf). */
bool binding_node(const struct binding *b, char *path, size_t n);
bool wait_binding_node(const struct binding *b, char *path, size_t n,
		       unsigned int timeout_ms);

/* ---- checked record stream ---------------------------------------------- */

/*
 * Tracks one streaming session: which buffers the test holds and the last
 * record, so that every record read is checked (index, bytes_used, flags,
 * sequence continuity, timestamps, data pattern when the ring is mapped).
 */
struct stream {
	int fd;
	struct fpgadma_info info;
	uint8_t *ring;		/* whole-ring mapping or NULL */
	bool allow_lost;	/* accept lost_before > 0 */
	uint64_t t_start;
	bool have_prev;
	struct fpgadma_record prev;
	uint64_t records;
	uint64_t lost_sum;
	uint64_t released;
	unsigned int nheld;
	bool *held;
};

bool stream_init(struct stream *s, int fd, uint8_t *ring);
void stream_free(struct stream *s);
bool stream_start(struct stream *s);
bool stream_stop(struct stream *s);
bool stream_read(struct stream *s, struct fpgadma_record *recs, size_t max,
		 size_t *n);
bool stream_release(struct stream *s, const uint32_t *idx, uint32_t n,
		    bool zero);
bool stream_release_all(struct stream *s, bool zero);
bool stream_run(struct stream *s, unsigned int nrec, unsigned int batch);
bool stream_hold_all(struct stream *s);
bool short_stream_check(const char *path, unsigned int nrec);

#endif /* FPGADMA_TEST_COMMON_H */
