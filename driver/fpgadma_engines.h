/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The engines built into fpgadma.ko, named by the match tables in
 * fpgadma_ids.c. One line per engine file.
 */
#ifndef FPGADMA_ENGINES_H
#define FPGADMA_ENGINES_H

#include "fpgadma_engine.h"

extern const struct fpgadma_engine fpgadma_edu_engine;
extern const struct fpgadma_engine fpgadma_stream_engine;
extern const struct fpgadma_engine fpgadma_dmaengine_engine;

#endif /* FPGADMA_ENGINES_H */
