/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note OR MIT */
/*
 * fpgadma stream engine, register interface version 1.0.
 *
 * The contract between fpgadma and an FPGA (or any device) that streams
 * data into host memory. docs/stream-engine.md is the specification; this
 * header is its machine-readable part, shared by the driver, the software
 * model and anyone writing HDL or tests. It is a hardware contract, not a
 * system call ABI: nothing here crosses the user/kernel boundary.
 *
 * All registers are 32 bits wide, little endian, at the given byte offset
 * from the start of the register block (a PCIe BAR or an AXI-Lite window).
 * Host memory structures (descriptors, completions) are little endian.
 */
#ifndef FPGADMA_STREAM_REGS_H
#define FPGADMA_STREAM_REGS_H

#include <linux/types.h>

/* Identification (read only) */
#define FSE_REG_ID		0x000	/* FSE_ID_MAGIC */
#define FSE_REG_VERSION		0x004	/* major << 16 | minor */
#define FSE_REG_CAPS		0x008	/* FSE_CAP_* */
#define FSE_REG_RING_MAX	0x00c	/* most descriptor ring entries, 2^n */
#define FSE_REG_MAX_LEN		0x010	/* most bytes per descriptor */

/* Control */
#define FSE_REG_CTRL		0x020	/* FSE_CTRL_* */
#define FSE_REG_STATUS		0x024	/* FSE_STATUS_*, read only */
#define FSE_REG_ERROR		0x028	/* FSE_ERR_*, sticky, cleared by reset */

/* Rings in host memory */
#define FSE_REG_DESC_LO		0x030	/* descriptor ring bus address */
#define FSE_REG_DESC_HI		0x034
#define FSE_REG_RING_SIZE	0x038	/* entries in both rings, 2^n */
#define FSE_REG_DESC_TAIL	0x03c	/* doorbell: descriptors posted */
#define FSE_REG_DESC_HEAD	0x040	/* descriptors completed, read only */
#define FSE_REG_CPL_LO		0x048	/* completion ring bus address */
#define FSE_REG_CPL_HI		0x04c

/* Interrupts */
#define FSE_REG_IRQ_STATUS	0x050	/* FSE_IRQ_*, read only */
#define FSE_REG_IRQ_ACK		0x054	/* write FSE_IRQ_* bits to clear */
#define FSE_REG_IRQ_MASK	0x058	/* FSE_IRQ_*: 1 = enabled */
#define FSE_REG_COAL_COUNT	0x05c	/* interrupt after this many completions */
#define FSE_REG_COAL_USECS	0x060	/* ... or this long after the first one */

/* Statistics (read only, free running) */
#define FSE_REG_DROPS		0x070	/* buffers dropped: no descriptor */

#define FSE_REG_SPAN		0x080	/* size of the register block */

#define FSE_ID_MAGIC		0x46444d41	/* "FDMA" */
#define FSE_VERSION_MAJOR	1
#define FSE_VERSION_MINOR	0

#define FSE_CAP_ADDR64		(1U << 0)	/* 64-bit bus addresses */
#define FSE_CAP_COAL_COUNT	(1U << 1)	/* FSE_REG_COAL_COUNT works */
#define FSE_CAP_COAL_USECS	(1U << 2)	/* FSE_REG_COAL_USECS works */

#define FSE_CTRL_RUN		(1U << 0)	/* 1: fill posted descriptors */
#define FSE_CTRL_RESET		(1U << 1)	/* 1: reset; reads 0 when done */

#define FSE_STATUS_RUNNING	(1U << 0)	/* may still write host memory */
#define FSE_STATUS_HALTED	(1U << 1)	/* stopped by an error */

#define FSE_ERR_BUS		(1U << 0)	/* a write to host memory failed */
#define FSE_ERR_DESC		(1U << 1)	/* a malformed descriptor */

#define FSE_IRQ_COMPLETION	(1U << 0)	/* completions were written */
#define FSE_IRQ_ERROR		(1U << 1)	/* FSE_REG_ERROR became nonzero */

/**
 * struct fse_desc - one descriptor, written by the host
 * @addr:     bus address of the buffer.
 * @len:      buffer length in bytes; the device writes at most this much.
 * @reserved: zero.
 */
struct fse_desc {
	__le64 addr;
	__le32 len;
	__le32 reserved;
};

/* fse_cpl.flags */
#define FSE_CPL_PHASE		(1U << 0)	/* 1 on the 1st pass, toggles */
#define FSE_CPL_ERROR		(1U << 1)	/* the buffer's data is bad */
#define FSE_CPL_SHORT		(1U << 2)	/* bytes < len: end of a packet */

/**
 * struct fse_cpl - one completion, written by the device into the
 * completion ring slot of the same index as the descriptor
 * @bytes:    bytes written into the buffer.
 * @lost:     buffers dropped since the previous completion (saturating).
 * @sequence: low 32 bits of the device's production count for this buffer.
 * @flags:    FSE_CPL_*; written together with the rest (one 16-byte write),
 *            the phase bit tells the host the entry is new.
 */
struct fse_cpl {
	__le32 bytes;
	__le32 lost;
	__le32 sequence;
	__le32 flags;
};

#endif /* FPGADMA_STREAM_REGS_H */
