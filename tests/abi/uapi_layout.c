// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compile-time checks of the fpgadma UAPI layout (include/uapi/fpgadma.h)
 * and of the stream engine's descriptor and completion formats.
 *
 * Every structure's size and every field's offset and size, plus the ioctl
 * numbers, are pinned to their x86_64 values. scripts/check.d/50-abi.sh
 * compiles this file for x86_64, i386 (-m32), armhf and arm64: if it
 * compiles everywhere, a 32-bit process and the 64-bit kernel (compat_ioctl)
 * see the same bytes, and the ioctl numbers (which encode the sizes) agree.
 * Nothing here runs; the object file is thrown away.
 *
 * A UAPI change that moves a field must fail here: update the numbers only
 * together with FPGADMA_API_VERSION and a compat plan. 50-abi.sh also fails
 * when a struct or an ioctl of the header has no line here.
 */
#include <stddef.h>
#include <uapi/fpgadma.h>
#include <hw/fpgadma_stream_regs.h>

#define SIZE(type, n)							\
	_Static_assert(sizeof(struct type) == (n),			\
		       "sizeof(struct " #type ") != " #n)
#define FIELD(type, field, off, size)					\
	_Static_assert(offsetof(struct type, field) == (off),		\
		       "offsetof(struct " #type ", " #field ") != " #off); \
	_Static_assert(sizeof(((struct type *)0)->field) == (size),	\
		       "sizeof(struct " #type "." #field ") != " #size)
#define IOCTL(cmd, value)						\
	_Static_assert((cmd) == (value), #cmd " != " #value)

SIZE(fpgadma_info, 96);
FIELD(fpgadma_info, api_version, 0, 4);
FIELD(fpgadma_info, caps, 4, 4);
FIELD(fpgadma_info, buf_count, 8, 4);
FIELD(fpgadma_info, buf_size, 12, 4);
FIELD(fpgadma_info, max_buf_count, 16, 4);
FIELD(fpgadma_info, max_xfer, 20, 4);
FIELD(fpgadma_info, max_buf_size, 24, 4);
FIELD(fpgadma_info, page_size, 28, 4);
FIELD(fpgadma_info, max_ring_size, 32, 8);
FIELD(fpgadma_info, flags, 40, 4);
FIELD(fpgadma_info, dma_bits, 44, 4);
FIELD(fpgadma_info, engine, 48, 16);
FIELD(fpgadma_info, reserved, 64, 32);

SIZE(fpgadma_ring_config, 16);
FIELD(fpgadma_ring_config, buf_count, 0, 4);
FIELD(fpgadma_ring_config, buf_size, 4, 4);
FIELD(fpgadma_ring_config, flags, 8, 4);
FIELD(fpgadma_ring_config, reserved, 12, 4);

/* read() returns arrays of records: the size is also the array stride. */
SIZE(fpgadma_record, 32);
FIELD(fpgadma_record, index, 0, 4);
FIELD(fpgadma_record, bytes_used, 4, 4);
FIELD(fpgadma_record, sequence, 8, 8);
FIELD(fpgadma_record, timestamp_ns, 16, 8);
FIELD(fpgadma_record, flags, 24, 4);
FIELD(fpgadma_record, lost_before, 28, 4);

/* indices is a user pointer carried in a __u64 (no compat conversion). */
SIZE(fpgadma_release, 16);
FIELD(fpgadma_release, indices, 0, 8);
FIELD(fpgadma_release, count, 8, 4);
FIELD(fpgadma_release, reserved, 12, 4);

SIZE(fpgadma_timeout, 8);
FIELD(fpgadma_timeout, timeout_ms, 0, 4);
FIELD(fpgadma_timeout, reserved, 4, 4);

SIZE(fpgadma_stats, 104);
FIELD(fpgadma_stats, completed, 0, 8);
FIELD(fpgadma_stats, dequeued, 8, 8);
FIELD(fpgadma_stats, released, 16, 8);
FIELD(fpgadma_stats, dropped, 24, 8);
FIELD(fpgadma_stats, errors, 32, 8);
FIELD(fpgadma_stats, irqs, 40, 8);
FIELD(fpgadma_stats, bytes, 48, 8);
FIELD(fpgadma_stats, queued, 56, 4);
FIELD(fpgadma_stats, done, 60, 4);
FIELD(fpgadma_stats, user, 64, 4);
FIELD(fpgadma_stats, streaming, 68, 4);
FIELD(fpgadma_stats, starved, 72, 8);
FIELD(fpgadma_stats, starved_ns, 80, 8);
FIELD(fpgadma_stats, reserved, 88, 16);

SIZE(fpgadma_coalesce, 16);
FIELD(fpgadma_coalesce, count, 0, 4);
FIELD(fpgadma_coalesce, usecs, 4, 4);
FIELD(fpgadma_coalesce, flags, 8, 4);
FIELD(fpgadma_coalesce, reserved, 12, 4);
IOCTL(FPGADMA_IOC_SET_COALESCE, 0x4010BF07u);

SIZE(fpgadma_exchange, 40);
FIELD(fpgadma_exchange, indices, 0, 8);
FIELD(fpgadma_exchange, records, 8, 8);
FIELD(fpgadma_exchange, release_count, 16, 4);
FIELD(fpgadma_exchange, record_max, 20, 4);
FIELD(fpgadma_exchange, record_count, 24, 4);
FIELD(fpgadma_exchange, flags, 28, 4);
FIELD(fpgadma_exchange, reserved, 32, 8);
IOCTL(FPGADMA_IOC_EXCHANGE, 0xC028BF08u);

/* Shared rings (FPGADMA_CAP_SHARED). */
SIZE(fpgadma_shm_info, 88);
FIELD(fpgadma_shm_info, mmap_offset, 0, 8);
FIELD(fpgadma_shm_info, mmap_size, 8, 8);
FIELD(fpgadma_shm_info, comp_entries, 16, 4);
FIELD(fpgadma_shm_info, rel_entries, 20, 4);
FIELD(fpgadma_shm_info, comp_prod_off, 24, 4);
FIELD(fpgadma_shm_info, comp_cons_off, 28, 4);
FIELD(fpgadma_shm_info, comp_ring_off, 32, 4);
FIELD(fpgadma_shm_info, rel_prod_off, 36, 4);
FIELD(fpgadma_shm_info, rel_cons_off, 40, 4);
FIELD(fpgadma_shm_info, rel_ring_off, 44, 4);
FIELD(fpgadma_shm_info, flags_off, 48, 4);
FIELD(fpgadma_shm_info, counters_off, 52, 4);
FIELD(fpgadma_shm_info, reserved, 56, 32);
IOCTL(FPGADMA_IOC_SHM_INFO, 0x8058BF09u);
SIZE(fpgadma_shm_counters, 128);
FIELD(fpgadma_shm_counters, produced, 0, 8);
FIELD(fpgadma_shm_counters, released, 8, 8);
FIELD(fpgadma_shm_counters, invalid, 16, 8);
FIELD(fpgadma_shm_counters, garbage, 24, 8);
FIELD(fpgadma_shm_counters, overrun, 32, 8);
FIELD(fpgadma_shm_counters, dropped, 40, 8);
FIELD(fpgadma_shm_counters, passes, 48, 8);
FIELD(fpgadma_shm_counters, wakeups, 56, 8);
FIELD(fpgadma_shm_counters, reserved, 64, 64);
SIZE(fpgadma_shm_start, 8);
FIELD(fpgadma_shm_start, flags, 0, 4);
FIELD(fpgadma_shm_start, reserved, 4, 4);
IOCTL(FPGADMA_IOC_SHM_START, 0x4008BF0Au);
SIZE(fpgadma_shm_kick, 8);
FIELD(fpgadma_shm_kick, flags, 0, 4);
FIELD(fpgadma_shm_kick, reserved, 4, 4);
IOCTL(FPGADMA_IOC_SHM_KICK, 0x4008BF0Bu);

/* The stream engine's host-memory formats (docs/stream-engine.md). */
SIZE(fse_desc, 16);
FIELD(fse_desc, addr, 0, 8);
FIELD(fse_desc, len, 8, 4);
FIELD(fse_desc, reserved, 12, 4);
SIZE(fse_cpl, 16);
FIELD(fse_cpl, bytes, 0, 4);
FIELD(fse_cpl, lost, 4, 4);
FIELD(fse_cpl, sequence, 8, 4);
FIELD(fse_cpl, flags, 12, 4);

/* Limits and the mmap offset space. */
#define CONST(name, value)						\
	_Static_assert((name) == (value), #name " != " #value)
CONST(FPGADMA_RELEASE_MAX, 4096);
CONST(FPGADMA_RECORD_MAX, 4096);
CONST(FPGADMA_MMAP_CTRL_BASE, 1ULL << 40);

/* _IOC(dir, 0xBF, nr, size): dir << 30 | size << 16 | 0xBF << 8 | nr. */
IOCTL(FPGADMA_IOC_INFO, 0x8060BF00u);
IOCTL(FPGADMA_IOC_SET_RING, 0x4010BF01u);
IOCTL(FPGADMA_IOC_SET_RING_V1, 0xC010BF01u);
IOCTL(FPGADMA_IOC_START, 0x0000BF02u);
IOCTL(FPGADMA_IOC_STOP, 0x0000BF03u);
IOCTL(FPGADMA_IOC_RELEASE, 0x4010BF04u);
IOCTL(FPGADMA_IOC_GET_STATS, 0x8068BF05u);
IOCTL(FPGADMA_IOC_SET_TIMEOUT, 0x4008BF06u);
