# In-kernel test cases (KTEST), linked into build/kernel-test.* only.
