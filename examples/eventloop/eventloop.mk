# examples/eventloop: the single-threaded event-loop port (README.md there). The
# core is compiled again against this port's async_port_impl.h, with clang and
# ASan + UBSan, into build/host/tests/eventloop: a host suite that make test runs.
# It is linked with --gc-sections -z start-stop-gc, as an adopter may link, so its
# first check (the pool registry's count) means something.
EVLOOP_DIR    := $(HOST_DIR)/evloop
EVLOOP_SRCS   := examples/eventloop/port.c examples/eventloop/ramdisk.c \
		 examples/eventloop/main.c tests/lib/utest.c
EVLOOP_OBJS   := $(patsubst %.c,$(EVLOOP_DIR)/%.o,$(async-y:.o=.c) $(EVLOOP_SRCS))
EVLOOP_POOLS   = $(shell cat $(async-y:.o=.c) $(EVLOOP_SRCS) | grep -c '^ASYNC_POOL_DEFINE')
EVLOOP_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -Iinclude \
		 -Iexamples/eventloop -Itests/lib -MMD -MP $(ASAN_FLAGS)

$(EVLOOP_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCLANG) $(EVLOOP_CFLAGS) -c $< -o $@
# The pool count it expects comes from the core's sources: rebuilt when they change.
$(EVLOOP_DIR)/examples/eventloop/main.o: EVLOOP_CFLAGS += -DEVLOOP_EXPECTED_POOLS=$(EVLOOP_POOLS)
$(EVLOOP_DIR)/examples/eventloop/main.o: $(async-y:.o=.c) $(EVLOOP_SRCS)

$(HOST_DIR)/tests/eventloop: $(EVLOOP_OBJS)
	@mkdir -p $(dir $@)
	@echo "  ASANLD  $@"
	$(Q)$(HOSTCLANG) $(ASAN_FLAGS) $^ -o $@ -Wl,--gc-sections -Wl,-z,start-stop-gc

all: $(HOST_DIR)/tests/eventloop
host: $(HOST_DIR)/tests/eventloop
