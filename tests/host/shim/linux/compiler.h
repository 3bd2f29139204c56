/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FPGADMA_SHIM_COMPILER_H
#define FPGADMA_SHIM_COMPILER_H
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#endif
