// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma PCI glue: enable the device, map the engine's BAR, set up one
 * interrupt vector (MSI-X, MSI, then INTx), and hand over to the core.
 * Everything here lives exactly as long as the binding (pcim/devm).
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "compat.h"
#include "fpgadma_core.h"

/*
 * driver_data selects the engine. Devices added at run time through
 * /sys/bus/pci/drivers/fpgadma/new_id get 0, the stream engine, unless
 * they pass another index as the 7th field.
 */
enum {
	FPGADMA_PCI_STREAM,
	FPGADMA_PCI_EDU,
};

static const struct fpgadma_engine_ops *const fpgadma_pci_engines[] = {
	[FPGADMA_PCI_STREAM] = &fpgadma_stream_ops,
	[FPGADMA_PCI_EDU] = &fpgadma_edu_ops,
};

static const struct pci_device_id fpgadma_pci_ids[] = {
	/* QEMU edu */
	{ PCI_DEVICE(0x1234, 0x11e8), .driver_data = FPGADMA_PCI_EDU },
	/*
	 * new_id only accepts a driver_data that some entry has: this one
	 * carries 0 and never matches (0xffff is no vendor).
	 */
	{ PCI_DEVICE(0xffff, 0xffff), .driver_data = FPGADMA_PCI_STREAM },
	{ }
};
MODULE_DEVICE_TABLE(pci, fpgadma_pci_ids);

static int fpgadma_pci_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	const struct fpgadma_engine_ops *ops;
	struct fpgadma_dev *fdev;
	void __iomem *regs;
	int ret, irq;

	if (id->driver_data >= ARRAY_SIZE(fpgadma_pci_engines))
		return -EINVAL;
	ops = fpgadma_pci_engines[id->driver_data];
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(ops->bar), KBUILD_MODNAME);
	if (ret)
		return ret;
	regs = pcim_iomap_table(pdev)[ops->bar];
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1,
				    PCI_IRQ_MSIX | PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	irq = pci_irq_vector(pdev, 0);

	fdev = fpgadma_create(&pdev->dev, ops, regs, irq);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	pci_set_drvdata(pdev, fdev);
	return 0;
}

static void fpgadma_pci_remove(struct pci_dev *pdev)
{
	fpgadma_destroy(pci_get_drvdata(pdev));
}

static struct pci_driver fpgadma_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = fpgadma_pci_ids,
	.probe = fpgadma_pci_probe,
	.remove = fpgadma_pci_remove,
};

int fpgadma_pci_register(void)
{
	return pci_register_driver(&fpgadma_pci_driver);
}

void fpgadma_pci_unregister(void)
{
	pci_unregister_driver(&fpgadma_pci_driver);
}
