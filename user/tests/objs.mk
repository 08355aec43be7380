# Host suites: user/tests/test_<suite>.c -> build/host/tests/user_<suite>.
user-tests += fmt sh core net tools
