/* SPDX-License-Identifier: GPL-2.0-only */
/* Host build of kernel code that only needs the kernel's basic types. */
#ifndef FPGADMA_SHIM_TYPES_H
#define FPGADMA_SHIM_TYPES_H
#include_next <linux/types.h>	/* __u32, __le32, ... */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
#endif
