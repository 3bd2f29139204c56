/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FPGADMA_SHIM_BUILD_BUG_H
#define FPGADMA_SHIM_BUILD_BUG_H
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#endif
