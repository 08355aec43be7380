# Kernel build: freestanding objects, two-pass link with an embedded symbol
# table, the flat multiboot image and the test kernel. Owned by the foundation work.
#
#   make kernel        build/kernel.elf (symbols, for gdb) + build/kernel.bin (QEMU -kernel)
#   make kernel-test   build/kernel-test.elf + build/kernel-test.bin (kernel + tests/kernel + runner)
#
# Link: pass 1 with an empty symbol table, `nm` -> kernel/debug/ksyms-gen.awk
# -> table, pass 2 with it. The table section sits after .data, so no code or
# data address moves; the link recipe checks that, and that the flat image
# holds exactly the bytes the multiboot header promises.
# kernel.bin is `objcopy -O binary` of the ELF: its multiboot header sets
# flag 16 (the a.out kludge), giving QEMU load/bss/entry addresses directly.

KCC      ?= gcc
KNM      ?= nm
KOBJCOPY ?= objcopy
KDIR     := $(BUILD)/k
KCFLAGS  := -std=gnu11 -ffreestanding -fno-pie -fno-pic -mcmodel=kernel -mno-red-zone \
            -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
            -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
            -nostdlib -O2 -g -Wall -Wextra -Werror -Iinclude -Ikernel/port -MMD -MP
KASFLAGS := -D__ASSEMBLER__ -Iinclude -MMD -MP -g
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -no-pie \
            -Wl,--no-warn-rwx-segments -Wl,--build-id=none -T kernel/arch/x86_64/linker.ld

kernel-y :=
ktest-y  :=
ifeq ($(origin async-y),undefined)
include kernel/async/objs.mk
endif
include kernel/objs.mk
include kernel/ktest/objs.mk
include tests/kernel/objs.mk

KERNEL_OBJS := $(addprefix $(KDIR)/,$(kernel-y) $(sort $(async-y)))
KTEST_OBJS  := $(addprefix $(KDIR)/,$(ktest-y))

.PHONY: kernel kernel-test
all: kernel kernel-test
kernel: $(BUILD)/kernel.bin $(BUILD)/kernel.elf
kernel-test: $(BUILD)/kernel-test.bin $(BUILD)/kernel-test.elf

$(KDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(KCC) $(KCFLAGS) -c $< -o $@

$(KDIR)/%.o: %.S
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AS      $<")
	$(Q)$(KCC) $(KASFLAGS) -c $< -o $@

$(KDIR)/ksyms-empty.o: kernel/debug/ksyms-gen.awk
	@mkdir -p $(dir $@)
	$(Q)awk -f $< </dev/null > $(KDIR)/ksyms-empty.S
	$(Q)$(KCC) $(KASFLAGS) -c $(KDIR)/ksyms-empty.S -o $@

# Symbols that must not move between the two passes: all but .bss and the table itself.
KSYMS_STABLE = $(KNM) $(1) | awk '$$2 !~ /^[bB]$$/ && $$3 !~ /^(ksyms_|_bss_|_kernel_end|_load_end)/' | sort

# $(call kernel_link,name,objects)
define kernel_link
$(KDIR)/$(1).pass1.elf: $(2) $(KDIR)/ksyms-empty.o kernel/arch/x86_64/linker.ld
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(KCC) $$(KLDFLAGS) -o $$@ $(2) $(KDIR)/ksyms-empty.o

$(KDIR)/$(1).ksyms.o: $(KDIR)/$(1).pass1.elf kernel/debug/ksyms-gen.awk
	$$(Q)$$(KNM) -n $$< | awk -f kernel/debug/ksyms-gen.awk > $(KDIR)/$(1).ksyms.S
	$$(Q)$$(KCC) $$(KASFLAGS) -c $(KDIR)/$(1).ksyms.S -o $$@

$(BUILD)/$(1).elf: $(2) $(KDIR)/$(1).ksyms.o
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(KCC) $$(KLDFLAGS) -o $$@ $(2) $(KDIR)/$(1).ksyms.o
	$$(Q)$$(call KSYMS_STABLE,$(KDIR)/$(1).pass1.elf) > $(KDIR)/$(1).syms1
	$$(Q)$$(call KSYMS_STABLE,$$@) > $(KDIR)/$(1).syms2
	$$(Q)cmp -s $(KDIR)/$(1).syms1 $(KDIR)/$(1).syms2 || \
		{ echo "$$@: symbols moved between link passes"; rm -f $$@; exit 1; }

$(BUILD)/$(1).bin: $(BUILD)/$(1).elf
	$$(if $$(Q),@echo "  OBJCOPY $$@")
	$$(Q)$$(KOBJCOPY) -O binary $$< $$@
	$$(Q)want=$$$$(( 0x$$$$($$(KNM) $$< | awk '$$$$3=="_load_end"{print $$$$1}') - \
		0x$$$$($$(KNM) $$< | awk '$$$$3=="_kernel_start"{print $$$$1}') )); \
	  have=$$$$(stat -c %s $$@); \
	  [ "$$$$have" -ge "$$$$want" ] || { echo "$$@: $$$$have bytes, header needs $$$$want"; rm -f $$@; exit 1; }
endef

$(eval $(call kernel_link,kernel,$(KERNEL_OBJS)))
$(eval $(call kernel_link,kernel-test,$(KERNEL_OBJS) $(KTEST_OBJS)))
