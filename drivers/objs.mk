# Device drivers: PCI configuration access and the network cards.
kernel-y += drivers/pci/pci.o
kernel-y += drivers/net/e1000.o
kernel-y += drivers/net/rtl8139.o
