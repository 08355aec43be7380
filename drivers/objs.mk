# Device drivers: the block layer, PCI, ATA, floppy, md, loop, and the network cards.
kernel-y += drivers/drivers.o
kernel-y += drivers/block/block.o
kernel-y += drivers/block/queue.o
kernel-y += drivers/block/blkio.o
kernel-y += drivers/block/part.o
kernel-y += drivers/pci/pci.o
kernel-y += drivers/ata/ata.o
kernel-y += drivers/ata/ata_io.o
kernel-y += drivers/md/md.o
kernel-y += drivers/loop/loop.o
kernel-y += drivers/fdc/fdc.o
kernel-y += drivers/net/e1000.o
kernel-y += drivers/net/rtl8139.o
kernel-y += drivers/net/rtl8139_cp.o
