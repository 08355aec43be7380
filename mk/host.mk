# Host builds: the async core against the pthreads port, unit tests, stress,
# fuzz and benchmark programs. Owned by the async core work.
HOSTCC      ?= gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Itests/host/port -Itests/lib -MMD -MP
HOST_LDLIBS := -lpthread

include kernel/async/objs.mk

HOST_DIR := $(BUILD)/host

$(HOST_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@
