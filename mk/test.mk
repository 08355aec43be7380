# make test / make bench: the test runner and its suites. Owned by the test harness work.
