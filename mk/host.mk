# Host builds: the async core against the pthreads port, unit tests, stress,
# fuzz and benchmark programs. Owned by the async core work.
#
#   build/host/tests/<suite>   unit suites (gcc), from tests/host/unit/<suite>.c
#   build/host/stress/<name>-tsan, <name>-asan   from tests/host/stress/<name>.c (clang)
#   build/host/fuzz/<name>     libFuzzer targets, from tests/host/fuzz/<name>.c (clang)
#   build/host/bench/<name>    benchmarks (gcc -O2), from tests/host/bench/<name>.c
#   make async-freestanding-check   every core file compiled as the kernel would
HOSTCC      ?= gcc
HOSTCLANG   ?= clang
# The host raises a few limits: the benchmarks keep 10,000+ ops pending on one waiter.
HOST_ASYNC_DEFS := -DASYNC_OPS_MAX=12288 -DASYNC_SLOT_BLOCKS_MAX=512 -DASYNC_WAITERS_MAX=64 \
		   -DASYNC_BUFS_MAX=1024
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Itests/host/port -Itests/lib \
	       -Itests/host/lib -MMD -MP $(HOST_ASYNC_DEFS)
HOST_LDLIBS := -lpthread
HOST_SAN_CFLAGS := $(filter-out -O2,$(HOST_CFLAGS)) -O1 -fno-omit-frame-pointer
TSAN_FLAGS  := -fsanitize=thread
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS  := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

include kernel/async/objs.mk

HOST_DIR := $(BUILD)/host
HOST_SUPPORT := tests/host/port/port.o tests/host/lib/synth.o
HOST_UNIT_SUPPORT := tests/lib/utest.o

UNIT_SRCS   := $(wildcard tests/host/unit/*.c)
STRESS_SRCS := $(wildcard tests/host/stress/*.c)
FUZZ_SRCS   := $(wildcard tests/host/fuzz/*.c)
BENCH_SRCS  := $(wildcard tests/host/bench/*.c)

UNIT_BINS   := $(patsubst tests/host/unit/%.c,$(HOST_DIR)/tests/%,$(UNIT_SRCS))
STRESS_BINS := $(foreach s,$(STRESS_SRCS),$(patsubst tests/host/stress/%.c,$(HOST_DIR)/stress/%-tsan,$(s)) \
				$(patsubst tests/host/stress/%.c,$(HOST_DIR)/stress/%-asan,$(s)))
FUZZ_BINS   := $(patsubst tests/host/fuzz/%.c,$(HOST_DIR)/fuzz/%,$(FUZZ_SRCS))
BENCH_BINS  := $(patsubst tests/host/bench/%.c,$(HOST_DIR)/bench/%,$(BENCH_SRCS))

.PHONY: host async-freestanding-check
all: host
host: $(UNIT_BINS) $(STRESS_BINS) $(FUZZ_BINS) $(BENCH_BINS) async-freestanding-check

# Object trees, one per flavour: gcc (o), clang+TSan (tsan), clang+ASan/UBSan (asan), fuzz.
$(HOST_DIR)/o/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@
$(HOST_DIR)/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCLANG) $(HOST_SAN_CFLAGS) $(TSAN_FLAGS) -c $< -o $@
$(HOST_DIR)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCLANG) $(HOST_SAN_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(HOST_DIR)/fuzzo/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCLANG) $(HOST_SAN_CFLAGS) $(FUZZ_FLAGS) -c $< -o $@

# tests/lib/utest.c (shared, not ours) keeps counters across setjmp; gcc -O2 warns.
$(HOST_DIR)/o/tests/lib/utest.o: HOST_CFLAGS += -Wno-clobbered

host-objs = $(addprefix $(HOST_DIR)/$(1)/,$(async-y) $(HOST_SUPPORT) $(2))

$(HOST_DIR)/tests/%: $(HOST_DIR)/o/tests/host/unit/%.o $(call host-objs,o,$(HOST_UNIT_SUPPORT))
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) $^ -o $@ $(HOST_LDLIBS)
$(HOST_DIR)/bench/%: $(HOST_DIR)/o/tests/host/bench/%.o $(call host-objs,o)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) $^ -o $@ $(HOST_LDLIBS)
$(HOST_DIR)/stress/%-tsan: $(HOST_DIR)/tsan/tests/host/stress/%.o $(call host-objs,tsan)
	@mkdir -p $(dir $@)
	@echo "  TSANLD  $@"
	$(Q)$(HOSTCLANG) $(TSAN_FLAGS) $^ -o $@ $(HOST_LDLIBS)
$(HOST_DIR)/stress/%-asan: $(HOST_DIR)/asan/tests/host/stress/%.o $(call host-objs,asan)
	@mkdir -p $(dir $@)
	@echo "  ASANLD  $@"
	$(Q)$(HOSTCLANG) $(ASAN_FLAGS) $^ -o $@ $(HOST_LDLIBS)
$(HOST_DIR)/fuzz/%: $(HOST_DIR)/fuzzo/tests/host/fuzz/%.o $(call host-objs,fuzzo)
	@mkdir -p $(dir $@)
	@echo "  FUZZLD  $@"
	$(Q)$(HOSTCLANG) $(FUZZ_FLAGS) $^ -o $@ $(HOST_LDLIBS)

# Portability: every core file compiled freestanding, as the kernel does, against a
# port header that offers nothing but fixed-width types, mem* and errno values.
FREESTANDING_CFLAGS := -std=gnu11 -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
		       -mcmodel=kernel -fno-pic -fno-pie -mgeneral-regs-only -fno-stack-protector \
		       -fno-omit-frame-pointer -O2 -Wall -Wextra -Werror -Iinclude \
		       -Itests/host/freestanding
FREESTANDING_OBJS := $(patsubst %.o,$(HOST_DIR)/freestanding/%.o,$(async-y))
$(HOST_DIR)/freestanding/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(FREESTANDING_CFLAGS) -c $< -o $@
async-freestanding-check: $(FREESTANDING_OBJS)
	@echo "  async core compiles freestanding: $(words $(FREESTANDING_OBJS)) files"

.SECONDARY:

# Link-time check (tests/host/link/): the pool registry must survive the link an
# adopter may use, --gc-sections with -z start-stop-gc. The expected pool count is
# counted from the sources, so the object is rebuilt when a core source changes.
LINK_GC_FLAGS := -Wl,--gc-sections -Wl,-z,start-stop-gc
LINK_GC_POOLS = $(shell cat $(async-y:.o=.c) $(HOST_SUPPORT:.o=.c) tests/host/link/pool_registry_gc.c | \
		  grep -c '^ASYNC_POOL_DEFINE')
$(HOST_DIR)/o/tests/host/link/pool_registry_gc.o: HOST_CFLAGS += -DEXPECTED_POOLS=$(LINK_GC_POOLS)
$(HOST_DIR)/o/tests/host/link/pool_registry_gc.o: $(async-y:.o=.c) $(HOST_SUPPORT:.o=.c)
$(HOST_DIR)/tests/pool_registry_gc: $(HOST_DIR)/o/tests/host/link/pool_registry_gc.o \
				    $(call host-objs,o,$(HOST_UNIT_SUPPORT))
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@ (gc-sections)"
	$(Q)$(HOSTCC) $^ -o $@ $(LINK_GC_FLAGS) $(HOST_LDLIBS)
host: $(HOST_DIR)/tests/pool_registry_gc

# Link-time check: a file built with other async/config.h limits than the core must
# not link (the configuration signature in async/pool.h). `make all` fails if it does.
LINK_CHECK_DIR := $(HOST_DIR)/link
$(LINK_CHECK_DIR)/config_mismatch.ok: tests/host/link/config_mismatch.c $(call host-objs,o)
	@mkdir -p $(dir $@)
	$(Q)if $(HOSTCC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -DASYNC_JOIN_MAX=3 $^ -o \
		$(LINK_CHECK_DIR)/config_mismatch $(HOST_LDLIBS) >$(LINK_CHECK_DIR)/config_mismatch.log 2>&1; \
		then echo "config_mismatch linked: a -D mismatch is not a link error"; exit 1; fi
	$(Q)grep -q "undefined reference to .async_config_" $(LINK_CHECK_DIR)/config_mismatch.log || \
		{ cat $(LINK_CHECK_DIR)/config_mismatch.log; exit 1; }
	@echo "  async config mismatch is a link error"
	@touch $@
host: $(LINK_CHECK_DIR)/config_mismatch.ok

# Release flavour of the benchmarks (assertions off): build/host/bench/<name>-release,
# objects in their own tree (rel), the same sources and limits.
BENCH_REL_BINS := $(patsubst tests/host/bench/%.c,$(HOST_DIR)/bench/%-release,$(BENCH_SRCS))
host: $(BENCH_REL_BINS)
$(HOST_DIR)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DASYNC_PORT_ASSERTS=0 -DNDEBUG -c $< -o $@
$(HOST_DIR)/bench/%-release: $(HOST_DIR)/rel/tests/host/bench/%.o $(call host-objs,rel)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) $^ -o $@ $(HOST_LDLIBS)
# The TCP engine (net/tcp/): host unit suites tests/host/unit/tcp_*.c, fuzz
# targets tests/host/fuzz/tcp_*.c and benchmarks tests/host/bench/tcp_*.c link it with the simulated link of
# tests/host/lib/tcpsim.c; tcp-freestanding-check compiles it as the kernel would.
include net/tcp/objs.mk
TCP_HOST_OBJS := $(tcp-y) tests/host/lib/tcpsim.o
$(filter $(HOST_DIR)/tests/tcp_%,$(UNIT_BINS)): $(addprefix $(HOST_DIR)/o/,$(TCP_HOST_OBJS))
$(filter $(HOST_DIR)/fuzz/tcp_%,$(FUZZ_BINS)): $(addprefix $(HOST_DIR)/fuzzo/,$(TCP_HOST_OBJS))
$(filter $(HOST_DIR)/bench/tcp_%,$(BENCH_BINS)): $(addprefix $(HOST_DIR)/o/,$(TCP_HOST_OBJS))
.PHONY: tcp-freestanding-check
tcp-freestanding-check: $(patsubst %.o,$(HOST_DIR)/freestanding/%.o,$(tcp-y))
	@echo "  tcp engine compiles freestanding: $(words $^) files"
host: tcp-freestanding-check
# The release flavour of the TCP benchmark links the engine built the same way.
$(filter $(HOST_DIR)/bench/tcp_%-release,$(BENCH_REL_BINS)): $(addprefix $(HOST_DIR)/rel/,$(TCP_HOST_OBJS))
# The FAT boot sector check (fs/fat/fat_bpb.c, pure): fuzz targets tests/host/fuzz/fat_*.c link it.
$(filter $(HOST_DIR)/fuzz/fat_%,$(FUZZ_BINS)): $(HOST_DIR)/fuzzo/fs/fat/fat_bpb.o
$(filter $(HOST_DIR)/fuzz/fat_%,$(FUZZ_BINS)): $(HOST_DIR)/fuzzo/fs/fat/fat_dirent.o
# The whole FAT filesystem on the host over an in-memory block device (tests/host/fat/:
# kernel shims, memblk, the harness): the unit suite tests/host/unit/fat_host.c and the
# fuzz target tests/host/fuzz/fat_image.c link it; its objects see the shim headers first.
FAT_HOST_OBJS := fs/fat/fat.o fs/fat/fat_dir.o fs/fat/fat_io.o fs/fat/fat_mount.o \
		 fs/fat/fat_name.o fs/fat/fat_ns.o fs/fat/fat_write.o fs/fat/fat_check.o fs/fat/fat_ra.o fs/bcache/bcache.o \
		 lib/civil.o \
		 tests/host/fat/kshim.o tests/host/fat/memblk.o tests/host/fat/fathost.o
FAT_HOST_INC := -Itests/host/fat/include
$(addprefix $(HOST_DIR)/o/,$(FAT_HOST_OBJS)) $(HOST_DIR)/o/tests/host/unit/fat_host.o: \
	HOST_CFLAGS := $(FAT_HOST_INC) $(HOST_CFLAGS)
$(addprefix $(HOST_DIR)/fuzzo/,$(FAT_HOST_OBJS)) $(HOST_DIR)/fuzzo/tests/host/fuzz/fat_image.o: \
	HOST_SAN_CFLAGS := $(FAT_HOST_INC) $(HOST_SAN_CFLAGS)
$(HOST_DIR)/tests/fat_host: $(addprefix $(HOST_DIR)/o/,$(FAT_HOST_OBJS) fs/fat/fat_bpb.o \
				       fs/fat/fat_dirent.o)
$(HOST_DIR)/fuzz/fat_image: $(addprefix $(HOST_DIR)/fuzzo/,$(FAT_HOST_OBJS))
# lib/string.c on the host, for the unit suite tests/host/unit/string.c: every function
# renamed lib_<name> (the C library keeps its own), and built without gcc's loop-to-call
# patterns as the kernel and the user runtime are, so the suite runs our loops.
STRING_FUNCS := memcpy memmove memset memcmp memchr strlen strnlen strcmp strncmp strcasecmp \
		strncasecmp strchr strrchr strstr strcpy strncpy strcat strspn strcspn
$(HOST_DIR)/strlib/lib/string.o: lib/string.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
		$(foreach f,$(STRING_FUNCS),-D$(f)=lib_$(f)) -c $< -o $@
$(HOST_DIR)/tests/string: $(HOST_DIR)/strlib/lib/string.o
