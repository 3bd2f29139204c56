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

static int fpgadma_pci_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	const struct fpgadma_engine *engine =
		(const void *)id->driver_data ?: fpgadma_pci_default_engine;
	struct fpgadma_hw hw = { .dev = &pdev->dev };
	struct fpgadma_dev *fdev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(engine->pci_bar), KBUILD_MODNAME);
	if (ret)
		return ret;
	hw.regs = pcim_iomap_table(pdev)[engine->pci_bar];
	pci_set_master(pdev);

	ret = pci_alloc_irq_vectors(pdev, 1, 1,
				    PCI_IRQ_MSIX | PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	hw.irq = pci_irq_vector(pdev, 0);

	fdev = fpgadma_create(&hw, engine);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	pci_set_drvdata(pdev, fdev);
	return 0;
}

static void fpgadma_pci_remove(struct pci_dev *pdev)
{
	fpgadma_destroy(pci_get_drvdata(pdev));
}

static void fpgadma_pci_shutdown(struct pci_dev *pdev)
{
	struct fpgadma_dev *fdev = pci_get_drvdata(pdev);

	if (fdev)
		fpgadma_shutdown(fdev);
}

static struct pci_driver fpgadma_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = fpgadma_pci_ids,
	.probe = fpgadma_pci_probe,
	.remove = fpgadma_pci_remove,
	.shutdown = fpgadma_pci_shutdown,
};

int fpgadma_pci_register(void)
{
	return pci_register_driver(&fpgadma_pci_driver);
}

void fpgadma_pci_unregister(void)
{
	pci_unregister_driver(&fpgadma_pci_driver);
}
