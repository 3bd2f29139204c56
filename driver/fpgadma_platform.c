// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma platform glue: engines on devices that are not PCI: a
 * device-tree node (e.g. compatible "fpgadma,stream-1.0": a register
 * window, an interrupt and optionally a memory-region for the buffers;
 * dts/ and docs/devicetree.md), or a platform device without a register
 * window whose parent provides the registers as a regmap (the software
 * model in tests/model/, or the child of an MFD-style parent driver), or
 * a node or device with neither, whose engine finds its hardware itself
 * (compatible "fpgadma,dmaengine-1.0": a dmaengine channel named "rx").
 * Registers and interrupt are the engine's business: the glue passes what
 * the device has, and the engine (or, for an engine with an interrupt
 * handler, the core) refuses what lacks its part.
 */
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/regmap.h>

#include "compat.h"
#include "fpgadma_core.h"

static void fpgadma_rmem_release(void *dev)
{
	of_reserved_mem_device_release(dev);
}

/*
 * The node's memory-region, if it has one (a "shared-dma-pool" CMA or
 * no-map region), becomes the device's coherent pool, so the ring comes
 * from it. Released after remove(), which has freed every buffer.
 */
static int fpgadma_platform_rmem(struct device *dev)
{
	int ret;

	if (!of_find_property(dev->of_node, "memory-region", NULL))
		return 0;
	ret = of_reserved_mem_device_init(dev);
	if (ret)
		return dev_err_probe(dev, ret, "memory-region\n");
	return devm_add_action_or_reset(dev, fpgadma_rmem_release, dev);
}

/*
 * The registers: the device's own window, or its parent's regmap, or none
 * (both NULL: an engine that needs registers fails its probe).
 */
static int fpgadma_platform_regs(struct platform_device *pdev,
				 struct fpgadma_hw *hw)
{
	if (platform_get_resource(pdev, IORESOURCE_MEM, 0)) {
		hw->regs = devm_platform_ioremap_resource(pdev, 0);
		return PTR_ERR_OR_ZERO(hw->regs);
	}
	hw->regmap = pdev->dev.parent ?
		     dev_get_regmap(pdev->dev.parent, NULL) : NULL;
	return 0;
}

static int fpgadma_platform_probe(struct platform_device *pdev)
{
	const struct platform_device_id *id = platform_get_device_id(pdev);
	const struct fpgadma_engine *engine = device_get_match_data(&pdev->dev);
	struct fpgadma_hw hw = { .dev = &pdev->dev };
	struct fpgadma_dev *fdev;
	int ret;

	if (!engine && id)
		engine = (const void *)id->driver_data;
	if (!engine)
		return -ENODEV;
	ret = fpgadma_platform_regs(pdev, &hw);
	if (ret)
		return ret;
	/* Required by the core only for an engine with an interrupt handler. */
	hw.irq = engine->ops.irq ? platform_get_irq(pdev, 0) :
		 platform_get_irq_optional(pdev, 0);
	if (hw.irq == -EPROBE_DEFER || (hw.irq < 0 && engine->ops.irq))
		return hw.irq;
	if (hw.irq < 0)
		hw.irq = 0;
	ret = fpgadma_platform_rmem(&pdev->dev);
	if (ret)
		return ret;

	fdev = fpgadma_create(&hw, engine);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	platform_set_drvdata(pdev, fdev);
	return 0;
}

static void fpgadma_platform_remove(struct platform_device *pdev)
{
	fpgadma_destroy(platform_get_drvdata(pdev));
}

static void fpgadma_platform_shutdown(struct platform_device *pdev)
{
	struct fpgadma_dev *fdev = platform_get_drvdata(pdev);

	if (fdev)
		fpgadma_shutdown(fdev);
}

static struct platform_driver fpgadma_platform_driver = {
	.driver = {
		.name = "fpgadma",
		.of_match_table = fpgadma_of_ids,
	},
	.id_table = fpgadma_platform_ids,
	.probe = fpgadma_platform_probe,
	.FPGADMA_PLATFORM_REMOVE = fpgadma_platform_remove,
	.shutdown = fpgadma_platform_shutdown,
};

int fpgadma_platform_register(void)
{
	return platform_driver_register(&fpgadma_platform_driver);
}

void fpgadma_platform_unregister(void)
{
	platform_driver_unregister(&fpgadma_platform_driver);
}
