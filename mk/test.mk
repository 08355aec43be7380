# make test / make bench: the test runner and its suites. Owned by the test harness work.
#
# make deps    qemu/deps: check, and as root install, the Debian packages
# make images  build/floppy.img + build/disk.img from qemu/demo/ (qemu/mkimages)
# make run     deps, build, images, then boot with the demo images attached and
#              127.0.0.1:8080 forwarded to guest port 80; RUNFLAGS adds qemu/run
#              options (e.g. RUNFLAGS='--append loglevel=7')
# make debug   QEMU paused with a gdb stub on :1234 in the background (serial to
#              build/debug-serial.log) and gdb in front with qemu/gdbinit
# make test    deps, build, then tests/run.py: every suite, last line
#              "N passed, N failed". TESTFLAGS is passed on (e.g.
#              TESTFLAGS='--suite kernel -k timer'); FUZZ_SECONDS (10) and
#              JOBS (3) are read from the environment.
# make bench   build, then every benchmark; BENCH lines also in build/bench.txt
#
# deps and the build run as commands in the recipe, not as prerequisites, so
# `make -j2 test` cannot start compiling before the tools are checked.

IMAGES      := $(BUILD)/floppy.img $(BUILD)/disk.img
DEMO_FILES  := $(shell find qemu/demo -type f 2>/dev/null)
RUN_KERNEL  := $(BUILD)/kernel.bin
SUBMAKE     := $(MAKE) --no-print-directory
RUNFLAGS    ?=
TESTFLAGS   ?=

.PHONY: images

deps:
	$(Q)bash qemu/deps

images: $(IMAGES)

# One script makes both images.
$(IMAGES) &: qemu/mkimages $(DEMO_FILES)
	@echo "  IMAGES  $(IMAGES)"
	$(Q)qemu/mkimages $(BUILD)

run:
	$(Q)bash qemu/deps -q
	+$(Q)$(SUBMAKE) all images
	$(Q)qemu/run --kernel $(RUN_KERNEL) --fda $(BUILD)/floppy.img --hda $(BUILD)/disk.img \
		--fwd 8080:80 $(RUNFLAGS)

test:
	$(Q)bash qemu/deps -q
	+$(Q)$(SUBMAKE) all
	$(Q)BUILD=$(abspath $(BUILD)) python3 tests/run.py $(TESTFLAGS)

bench:
	$(Q)bash qemu/deps -q
	+$(Q)$(SUBMAKE) all
	$(Q)BUILD=$(abspath $(BUILD)) python3 tests/run.py --bench $(TESTFLAGS)

# setsid: QEMU gets its own session, so Ctrl-C in gdb interrupts the guest
# instead of killing QEMU. QEMU is stopped when gdb exits or make is killed.
debug:
	$(Q)bash qemu/deps -q
	+$(Q)$(SUBMAKE) all images
	$(Q)setsid qemu/run --gdb --kernel $(RUN_KERNEL) --fda $(BUILD)/floppy.img \
		--hda $(BUILD)/disk.img $(RUNFLAGS) </dev/null >$(BUILD)/debug-serial.log 2>&1 & \
	qemu_pid=$$!; \
	trap 'kill $$qemu_pid 2>/dev/null; wait $$qemu_pid 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	echo "QEMU paused, serial output in $(BUILD)/debug-serial.log (tail -f it)"; \
	gdb -q -x qemu/gdbinit

# Side by side with Linux io_uring in the same QEMU (tests/linux/bench_linux.py): fetches
# Debian's kernel image and busybox-static with apt-get download into build/bench-linux/.
.PHONY: bench-linux
bench-linux:
	$(Q)bash qemu/deps -q
	+$(Q)$(SUBMAKE) all
	$(Q)BUILD=$(abspath $(BUILD)) python3 tests/linux/bench_linux.py
