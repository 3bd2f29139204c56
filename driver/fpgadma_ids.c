// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which engine drives which device: the match tables of the bus glue. A
 * new engine is one file (see docs/porting.md) plus a line here naming
 * the devices it drives, its name in fpgadma_engines.h and its object in
 * Kbuild.
 */
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "fpgadma_core.h"
#include "fpgadma_engines.h"

#define FPGADMA_ENGINE_DATA(e)	.driver_data = (kernel_ulong_t)&(e)

/*
 * PCI devices. One bound through /sys/bus/pci/drivers/fpgadma/new_id gets
 * driver_data 0: the default engine below.
 */
const struct pci_device_id fpgadma_pci_ids[] = {
	/*
	 * One line per device: userlib/Makefile reads these lines for
	 * fpgadma-info's table of the devices fpgadma can drive.
	 * 1234:11e8 is QEMU's edu.
	 */
	{ PCI_DEVICE(0x1234, 0x11e8), FPGADMA_ENGINE_DATA(fpgadma_edu_engine) },
	/*
	 * new_id only accepts a driver_data that some entry has: this one
	 * carries 0 and never matches (0xffff is no vendor).
	 */
	{ PCI_DEVICE(0xffff, 0xffff), .driver_data = 0 },
	{ }
};
MODULE_DEVICE_TABLE(pci, fpgadma_pci_ids);

const struct fpgadma_engine *const fpgadma_pci_default_engine =
	&fpgadma_stream_engine;

/* Device-tree nodes (docs/devicetree.md). */
const struct of_device_id fpgadma_of_ids[] = {
	{ .compatible = "fpgadma,stream-1.0", .data = &fpgadma_stream_engine },
	{ .compatible = "fpgadma,dmaengine-1.0", .data = &fpgadma_dmaengine_engine },
	{ }
};
MODULE_DEVICE_TABLE(of, fpgadma_of_ids);

/* Platform devices by name, e.g. those of the software model. */
const struct platform_device_id fpgadma_platform_ids[] = {
	{ .name = "fpgadma-stream", FPGADMA_ENGINE_DATA(fpgadma_stream_engine) },
	/* A dmaengine client found by a dma_slave_map (tests/dmaengine/). */
	{ .name = "fpgadma-dmaengine", FPGADMA_ENGINE_DATA(fpgadma_dmaengine_engine) },
	{ }
};
MODULE_DEVICE_TABLE(platform, fpgadma_platform_ids);
