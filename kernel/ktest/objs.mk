# Linked into build/kernel-test.* only: the runner behind the ktest= option.
ktest-y += kernel/ktest/ktest.o
