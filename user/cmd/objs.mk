# One program per file: user/cmd/<name>.c -> build/user/bin/<name>.
user-progs += echo cat sha256sum hexdump dd ls cp mv rm mkdir rmdir sync poweroff uname
user-progs += stats lsblk sleep mount umount df ifconfig ping nc mdadm losetup httpd sysfuzz
user-progs += lspci
user-progs += kill
user-progs += true false seq date head tail wc grep tee sort
user-progs += ps free uptime
