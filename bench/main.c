// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma_throughput: the fpgadma high-rate path, measured in one run.
 *
 *   1. zero copy vs copy mode, the consumer checksumming every byte
 *      (throughput.c);
 *   2. per-buffer overhead against null system calls (overhead.c);
 *   3. the checksum over the mapped ring vs malloc'd memory, on coherent
 *      and on cached ring memory (checksum.c);
 *   4. interrupt-to-user latency on the model, on edu, and the UIO
 *      baseline (latency.c, uio.c).
 *
 * Prints progress on stdout and writes one JSON file: every figure as a
 * named record, and the targets (targets.c) judged against them.
 * scripts/bench-report.py renders the table, the CSV and the plot data
 * from it. Ratios within one run are the point; absolute figures under
 * QEMU TCG are not those of hardware. See docs/performance.md.
 *
 * Usage: dma_throughput [--json FILE] [--uio BDF] [--quick]
 *                       [--primary-fill 1|2] [--skip SECTIONS]
 *                       [--memory auto|coherent|cached]
 *
 * --memory: the ring memory of sections 1, 2 and 4 (default auto: the
 * driver's choice); section 3 always measures both kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "uapi/fpgadma.h"

static void usage(void)
{
	fprintf(stderr, "usage: dma_throughput [--json FILE] [--uio BDF] [--quick]\n"
		"                      [--primary-fill 1|2] [--skip throughput,overhead,checksum,latency]\n"
		"                      [--memory auto|coherent|cached]\n");
	exit(2);
}

static unsigned int parse_memory(const char *s)
{
	for (unsigned int kind = FPGADMA_MEM_AUTO; kind <= FPGADMA_MEM_CACHED; kind++)
		if (!strcmp(s, mem_name((int)kind)))
			return kind;
	usage();
	return FPGADMA_MEM_AUTO;	/* not reached */
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			opt.quick = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--json"))
			opt.json = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--uio"))
			opt.uio = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--skip"))
			opt.skip = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--primary-fill"))
			opt.primary_fill = (int)strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--memory"))
			opt.memory = parse_memory(argv[++i]);
		else
			usage();
	}
	if (opt.primary_fill != 1 && opt.primary_fill != 2)
		usage();
}

/* The model's limits, from a handle opened just for them. */
static bool model_info(struct fpgadma_devinfo *info)
{
	struct fpgadma *dev;
	int r = fpgadma_open(&dev, model.node, 0);

	if (!r)
		r = fpgadma_info(dev, info);
	fpgadma_close(dev);
	if (r)
		warn("info on %s: %s", model.node, fpgadma_strerror(r));
	return !r;
}

int main(int argc, char **argv)
{
	struct fpgadma_devinfo info;
	uint64_t t0 = now_ns();
	size_t met = 0, missed = 0, na = 0;
	const struct target *t;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	find_devices();
	printf("dma_throughput: model %s, edu %s, uio %s\n",
	       model.found ? model.node : "(none)", edu.found ? edu.node : "(none)",
	       opt.uio ? opt.uio : "(none)");
	if (!model.found) {
		warn("no stream-engine device: insmod fpgadma_model.ko after fpgadma.ko");
		return 1;
	}
	if (!model_info(&info))
		return 1;
	printf("model: max_buf_size %u, max_buf_count %u, max_ring_size %llu MiB, max_xfer %u, "
	       "memory kinds: %s\n", info.max_buf_size, info.max_buf_count,
	       (unsigned long long)(info.max_ring_size / MIB), info.max_xfer,
	       (info.caps & FPGADMA_CAP_MEMORY) ? "coherent, cached" : "coherent only");
	if (opt.memory != FPGADMA_MEM_AUTO && !(info.caps & FPGADMA_CAP_MEMORY)) {
		warn("--memory %s: the driver has no choice of ring memory",
		     mem_name((int)opt.memory));
		return 1;
	}

	if (!strstr(opt.skip, "throughput"))
		section_throughput(&info);
	if (!strstr(opt.skip, "overhead"))
		section_overhead();
	if (!strstr(opt.skip, "checksum"))
		section_checksum(&info);
	if (!strstr(opt.skip, "latency"))
		section_latency();
	model_setup(0, 2);

	eval_targets();
	for (size_t i = 0; (t = target_at(i)); i++) {
		if (!t->have)
			na++;
		else if (t->met)
			met++;
		else
			missed++;
	}
	note("zero copy takes up to min(depth/4,16) buffers per fpgadma_next_batch() and releases them "
	     "in one call; libfpgadma reads up to 64 ready records per read()");
	note("copy mode reads buf_size bytes per buffer with fpgadma_read(); the driver releases each "
	     "buffer itself");
	note("CPU s/GB is the consumer's user+sys time (getrusage); the model's kernel thread is not "
	     "counted");
	note("round-trip ratios (raw UAPI, blocking file): consumer CPU time per buffer over "
	     "2 x getppid(), best of the repetitions; k>1 runs coalesce k completions per IRQ");
	note("latency: fpgadma = record.timestamp_ns (IRQ handler) -> fpgadma_next_batch() returns; "
	     "UIO = before the raising MMIO write -> read() returns");
	note("ring memory: sections 1 and 2 asked for %s (--memory), section 3 for coherent and "
	     "cached in turn; params.memory is the kind each ring got (auto: the driver's choice, "
	     "which may differ by ring size)", mem_name((int)opt.memory));
	if (!write_json(opt.json)) {
		warn("cannot write %s", opt.json);
		return 1;
	}
	printf("dma_throughput: done in %.1f s; targets %zu met, %zu missed, %zu n/a; wrote %s\n",
	       (double)(now_ns() - t0) / 1e9, met, missed, na, opt.json);
	return 0;
}
