// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma platform glue: stream engines that are not PCI devices. Today
 * that is the software model (registers in memory, passed as platform
 * data); a device-tree node with compatible "fpgadma,stream-1.0", a
 * register window and an interrupt uses the same path.
 */
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>

#include "compat.h"
#include "fpgadma_core.h"

static int fpgadma_platform_probe(struct platform_device *pdev)
{
	struct fpgadma_platform_data *pdata = dev_get_platdata(&pdev->dev);
	struct fpgadma_dev *fdev;
	void __iomem *regs;
	int irq;

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
