/* SPDX-License-Identifier: GPL-2.0-only */
/* Little-endian hosts only, as the tests run on x86_64. */
#ifndef FPGADMA_SHIM_BYTEORDER_H
#define FPGADMA_SHIM_BYTEORDER_H
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "host tests assume a little-endian host"
#endif
#define cpu_to_le32(x) ((__le32)(u32)(x))
#define cpu_to_le64(x) ((__le64)(u64)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#endif
