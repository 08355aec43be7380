# Kernel build: freestanding objects, two-pass link with an embedded symbol
# table, the flat multiboot image and the test kernel. Owned by the foundation work.
