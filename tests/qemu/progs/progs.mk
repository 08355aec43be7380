# Test programs for the QEMU shell tests (tests/qemu/test_shell.py), built with
# the user runtime and packed with every /bin program into a test initrd:
#
#   build/test-initrd.img   = build/initrd.img's /bin and /etc + /bin/qprobe
#                             + /bin/bad-* (corrupt copies of qprobe: mkbadelf)
#
# Owned by the process work; included from the top-level Makefile after
# mk/user.mk (it uses that fragment's objects and the mkinitrd script).

qprogs      := qprobe fputest qbench
qprogs      += flagprobe pbqtest vfsprobe qpipe blkbench blkprobe hog timeprobe qring qnet
qprogs      += fatmeta fatbench
qprogs      += qtcpbig
qprogs      += qaio
qprogs      += qlink
qprogs      += tcpaio
qprogs      += fatra
qprogs      += blkrmw
qprogs      += fatconc
qprogs      += qpmtu
qprogs      += opprof
qprogs      += ringlim
qprogs      += fgrace
QPROGS_DIR  := $(BUILD)/qprogs
QPROGS_BINS := $(addprefix $(QPROGS_DIR)/bin/,$(qprogs))
TEST_INITRD := $(BUILD)/test-initrd.img

$(QPROGS_DIR)/bin/%: tests/qemu/progs/%.c $(USER_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_CFLAGS) -c $< -o $(QPROGS_DIR)/$*.o
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(USER_OBJ)/user/lib/crt0.o $(QPROGS_DIR)/$*.o \
		$(USER_LIB) -lgcc

$(TEST_INITRD): $(QPROGS_BINS) $(USER_STRIPPED) user/mkinitrd tests/qemu/progs/mkbadelf \
		tests/qemu/progs/progs.mk $(shell find user/rootfs -type f)
	@mkdir -p $(QPROGS_DIR)/initrd-bin
	$(Q)cp $(USER_STRIPPED) $(QPROGS_DIR)/initrd-bin/
	$(Q)for p in $(qprogs); do strip --strip-debug -o $(QPROGS_DIR)/initrd-bin/$$p \
		$(QPROGS_DIR)/bin/$$p; done
	$(Q)python3 tests/qemu/progs/mkbadelf $(QPROGS_DIR)/initrd-bin/qprobe $(QPROGS_DIR)/initrd-bin
	$(Q)python3 user/mkinitrd -o $@ --bin $(QPROGS_DIR)/initrd-bin --root user/rootfs

.PHONY: qprogs
all: $(TEST_INITRD)
qprogs: $(TEST_INITRD)

# qbench built for Linux (`make bench-linux`, tests/linux/bench_linux.py): the same source
# against the Linux shim of the host tests, its shared rings on io_uring (ring_uring.c).
QBENCH_LINUX := $(ULX_DIR)/bin/qbench-linux
$(QBENCH_LINUX): tests/qemu/progs/qbench.c $(ULX_OBJ)/user/tests/linux/ring_uring.o $(ULX_LIB) \
		user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(ULX_CFLAGS) -c $< -o $(ULX_DIR)/qbench.o
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(ULX_OBJ)/user/lib/crt0.o $(ULX_DIR)/qbench.o \
		$(ULX_OBJ)/user/tests/linux/ring_uring.o $(ULX_LIB) -lgcc
all: $(QBENCH_LINUX)
