# One program per file: user/cmd/<name>.c -> build/user/bin/<name>.
user-progs += echo
