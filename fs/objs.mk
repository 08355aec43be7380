# Filesystems: the VFS and the filesystems built into the kernel.
kernel-y += fs/vfs/vfs.o
kernel-y += fs/vfs/file.o
kernel-y += fs/initrd/initrd.o
kernel-y += fs/devfs/devfs.o
kernel-y += fs/tmpfs/tmpfs.o
kernel-y += fs/pipe/pipe.o
kernel-y += fs/bcache/bcache.o
kernel-y += fs/fat/fat.o
kernel-y += fs/fat/fat_dir.o
kernel-y += fs/fat/fat_io.o
kernel-y += fs/fat/fat_mount.o
kernel-y += fs/fat/fat_write.o
kernel-y += fs/fat/fat_name.o
kernel-y += fs/fat/fat_ns.o
kernel-y += fs/fat/fat_bpb.o
kernel-y += fs/fat/fat_dirent.o
kernel-y += fs/fat/fat_ra.o
