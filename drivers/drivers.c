/* drivers.c - the order drivers come up in (contract: drivers/drivers.h). */
#include <drivers/ata.h>
#include <drivers/drivers.h>
#include <drivers/fdc.h>
#include <drivers/loop.h>
#include <drivers/md.h>
#include <drivers/pci.h>

void drivers_init(void)
{
	pci_init();
	ata_init();
	fdc_init();
	md_init();
	loop_init();
}
