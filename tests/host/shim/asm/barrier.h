/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FPGADMA_SHIM_BARRIER_H
#define FPGADMA_SHIM_BARRIER_H
#define dma_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
