# User programs: runtime, shell, tools, initrd. Owned by the userland work.
#
#   make user    build/user/bin/<cmd> (static ELF64 at 0x400000), build/initrd.img
#                (newc cpio: /bin/*, /etc/*) and the host tests
#                build/host/tests/user_<suite> of the pure parts.
#
# Folders list their objects in objs.mk: user/lib (runtime, libulib.a),
# user/core (pure command cores, in libulib.a too), user/sh (the shell),
# user/cmd (one program per <name>.c), user/tests (one host suite per file).

USER_CC     ?= gcc
USER_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic -static -nostdlib \
	-fno-stack-protector -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror \
	-Iinclude -Iuser/include/libc -Iuser/include -MMD -MP
USER_LDFLAGS := -static -nostdlib -no-pie -Wl,-T,user/user.ld -Wl,--build-id=none

USER_HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Iuser/include -Itests/lib -MMD -MP

include user/lib/objs.mk
include user/core/objs.mk
include user/sh/objs.mk
include user/cmd/objs.mk
include user/tests/objs.mk

USER_DIR  := $(BUILD)/user
USER_OBJ  := $(USER_DIR)/obj
USER_LIB  := $(USER_DIR)/libulib.a
USER_BINS := $(addprefix $(USER_DIR)/bin/,$(user-progs) sh)
USER_INITRD := $(BUILD)/initrd.img
USER_TESTS := $(addprefix $(BUILD)/host/tests/user_,$(user-tests))
USER_HOST_PURE := $(addprefix $(BUILD)/host/ulib/,$(ulib-pure-y) $(ucore-y) $(sh-pure-y))

.PHONY: user user-tests
all: user
user: $(USER_BINS) $(USER_INITRD) user-tests
user-tests: $(USER_TESTS)

$(USER_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_CFLAGS) -c $< -o $@

$(USER_OBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_CFLAGS) -c $< -o $@

$(USER_LIB): $(addprefix $(USER_OBJ)/,$(ulib-y) $(ucore-y))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# crt0 first so that _start's section leads .text; the archive supplies the rest.
$(USER_DIR)/bin/%: $(USER_OBJ)/user/cmd/%.o $(USER_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(USER_OBJ)/user/lib/crt0.o $< $(USER_LIB) -lgcc

$(USER_DIR)/bin/sh: $(addprefix $(USER_OBJ)/,$(sh-y)) $(USER_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(USER_OBJ)/user/lib/crt0.o \
		$(addprefix $(USER_OBJ)/,$(sh-y)) $(USER_LIB) -lgcc

# The initrd carries the programs without debug sections (gdb uses build/user/bin).
USER_STRIPPED := $(addprefix $(USER_DIR)/initrd-bin/,$(user-progs) sh)

$(USER_DIR)/initrd-bin/%: $(USER_DIR)/bin/%
	@mkdir -p $(dir $@)
	$(Q)strip --strip-debug -o $@ $<

$(USER_INITRD): $(USER_STRIPPED) user/mkinitrd $(shell find user/rootfs -type f)
	$(Q)python3 user/mkinitrd -o $@ --bin $(USER_DIR)/initrd-bin --root user/rootfs

$(BUILD)/host/tests/user_initrd: user/tests/initrd_check.py $(USER_INITRD)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@

user-tests: $(BUILD)/host/tests/user_initrd

# Host builds of the pure parts, for the unit tests.
$(BUILD)/host/ulib/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(USER_HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/tests/user_%: $(BUILD)/host/ulib/user/tests/test_%.o $(USER_HOST_PURE) \
		$(BUILD)/host/ulib/tests/lib/utest.o
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^

# Keep intermediate objects (pattern-chained) so rebuilds stay incremental.
.PRECIOUS: $(USER_OBJ)/%.o $(BUILD)/host/ulib/%.o
# tests/lib/utest.c (lead's) trips -Wclobbered at -O2 under -Wextra; not ours to edit.
$(BUILD)/host/ulib/tests/lib/utest.o: USER_HOST_CFLAGS += -Wno-clobbered

# The same programs built against a Linux translation of the system calls
# (user/tests/linux/shim.c), so that the host tests can run them for real:
# build/host/linux-user/bin/<cmd>, exercised by build/host/tests/user_progs.
ULX_DIR  := $(BUILD)/host/linux-user
ULX_OBJ  := $(ULX_DIR)/obj
ULX_LIB  := $(ULX_DIR)/libulib.a
ULX_BINS := $(addprefix $(ULX_DIR)/bin/,$(user-progs) sh)
ULX_CFLAGS := -Iuser/tests/linux $(USER_CFLAGS) -DSHIM_BIN='"$(abspath $(ULX_DIR))/bin"'

$(ULX_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(ULX_CFLAGS) -c $< -o $@

$(ULX_OBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(ULX_CFLAGS) -c $< -o $@

$(ULX_LIB): $(addprefix $(ULX_OBJ)/,$(ulib-y) $(ucore-y) user/tests/linux/shim.o)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(ULX_DIR)/bin/%: $(ULX_OBJ)/user/cmd/%.o $(ULX_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(ULX_OBJ)/user/lib/crt0.o $< $(ULX_LIB) -lgcc

$(ULX_DIR)/bin/sh: $(addprefix $(ULX_OBJ)/,$(sh-y)) $(ULX_LIB) user/user.ld
	@mkdir -p $(dir $@)
	$(Q)$(USER_CC) $(USER_LDFLAGS) -o $@ $(ULX_OBJ)/user/lib/crt0.o \
		$(addprefix $(ULX_OBJ)/,$(sh-y)) $(ULX_LIB) -lgcc

$(BUILD)/host/tests/user_progs: user/tests/progs.sh $(ULX_BINS)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@

user-tests: $(BUILD)/host/tests/user_progs

$(BUILD)/host/tests/user_tools_progs: user/tests/tools.sh $(ULX_BINS)
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod +x $@

user-tests: $(BUILD)/host/tests/user_tools_progs
.PRECIOUS: $(ULX_OBJ)/%.o

# make user-fuzz: libFuzzer over the userland parsers (FUZZ_SECONDS, default 30).
FUZZ_SECONDS ?= 30
$(BUILD)/host/fuzz/user_parsers: user/tests/fuzz_parsers.c $(addsuffix .c,$(basename $(ulib-pure-y) $(ucore-y) $(sh-pure-y)))
	@mkdir -p $(dir $@)
	$(Q)clang -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Iinclude -Iuser/include -o $@ $^

.PHONY: user-fuzz
user-fuzz: $(BUILD)/host/fuzz/user_parsers
	$(Q)mkdir -p $(BUILD)/host/fuzz/corpus-user
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -max_len=9000 $(BUILD)/host/fuzz/corpus-user
