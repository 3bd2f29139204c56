/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdint.h>
#define U32_MAX UINT32_MAX
