/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FPGADMA_SHIM_NOSPEC_H
#define FPGADMA_SHIM_NOSPEC_H
/* The host build only needs the value; speculation is not modelled. */
#define array_index_nospec(index, size) ((index) < (size) ? (index) : 0)
#endif
