# Tessera - one entry point.
#
#   make          build everything into build/ (kernel, test kernel, host tests)
#   make run      boot the demo under QEMU with a serial console on this terminal
#   make test     host unit/stress/fuzz tests and QEMU integration tests;
#                 ends with one line "N passed, N failed"
#   make bench    benchmarks; prints "BENCH <name> <value> <unit>" lines
#   make debug    QEMU paused with a gdb stub, and gdb with the kernel's symbols
#   make deps     install the Debian packages the scripts need (as root)
#
# Each folder lists its objects in its own objs.mk fragment; the rules that
# build the kernel, the host programs and the tests live in mk/*.mk.

BUILD   ?= build
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

.PHONY: all run test bench debug deps clean format check
all:

include mk/host.mk
include examples/eventloop/eventloop.mk
include mk/kernel.mk
include mk/user.mk
include tests/qemu/progs/progs.mk
include mk/test.mk

clean:
	rm -rf $(BUILD)

# Style: clang-format in place, and cppcheck over our C sources.
format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude \
		$$(git ls-files '*.c' | grep -v '^tests/')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
