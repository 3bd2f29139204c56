// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma platform glue: stream engines that are not PCI devices: the
 * software model (registers in memory, passed as platform data), and a
 * device-tree node with compatible "fpgadma,stream-1.0", a register window,
 * an interrupt and optionally a memory-region for the buffers (dts/ and
 * docs/devicetree.md).
 */
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>

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

static int fpgadma_platform_probe(struct platform_device *pdev)
{
	struct fpgadma_platform_data *pdata = dev_get_platdata(&pdev->dev);
	struct fpgadma_dev *fdev;
	void __iomem *regs;
	int irq, ret;

	if (pdata) {
		regs = pdata->regs;
		irq = pdata->irq;
	} else {
		regs = devm_platform_ioremap_resource(pdev, 0);
		if (IS_ERR(regs))
			return PTR_ERR(regs);
		irq = platform_get_irq(pdev, 0);
		if (irq < 0)
			return irq;
		ret = fpgadma_platform_rmem(&pdev->dev);
		if (ret)
			return ret;
	}
	fdev = fpgadma_create(&pdev->dev, &fpgadma_stream_ops, regs, irq);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	platform_set_drvdata(pdev, fdev);
	return 0;
}

static void fpgadma_platform_remove(struct platform_device *pdev)
{
	fpgadma_destroy(platform_get_drvdata(pdev));
}

static const struct of_device_id fpgadma_of_ids[] = {
	{ .compatible = "fpgadma,stream-1.0" },
	{ }
};
MODULE_DEVICE_TABLE(of, fpgadma_of_ids);

static const struct platform_device_id fpgadma_platform_ids[] = {
	{ .name = "fpgadma-model" },
	{ }
};
MODULE_DEVICE_TABLE(platform, fpgadma_platform_ids);

static struct platform_driver fpgadma_platform_driver = {
	.driver = {
		.name = "fpgadma",
		.of_match_table = fpgadma_of_ids,
	},
	.id_table = fpgadma_platform_ids,
	.probe = fpgadma_platform_probe,
	.FPGADMA_PLATFORM_REMOVE = fpgadma_platform_remove,
};

int fpgadma_platform_register(void)
{
	return platform_driver_register(&fpgadma_platform_driver);
}

void fpgadma_platform_unregister(void)
{
	platform_driver_unregister(&fpgadma_platform_driver);
}
