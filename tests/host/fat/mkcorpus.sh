#!/bin/sh
# mkcorpus.sh: remakes the seed inputs of the fat_image fuzz target
# (tests/host/fuzz/corpus/fat_image/mkfs_*) from images made by the host's
# mkfs.fat and mtools: FAT12, FAT16 and FAT32, each with a few files (an empty
# one, one of exactly one cluster, a fragmented one), a subdirectory two deep
# and long names; a FAT12 volume nearly full; a FAT16 directory of 40 entries. Run from the top of the tree. Regression inputs
# (regress_*) are kept as the fuzzer found them.
set -eu
PATH=$PATH:/usr/sbin:/sbin
out=tests/host/fuzz/corpus/fat_image
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

fill() { # fill IMG CLUSTER_BYTES
	i=$1
	head -c 1500 /dev/urandom >"$tmp/f1"
	head -c "$2" /dev/urandom >"$tmp/one"
	: >"$tmp/empty"
	mcopy -i "$i" "$tmp/f1" ::/HELLO.TXT
	mcopy -i "$i" "$tmp/one" ::/ONECLUS.BIN
	mcopy -i "$i" "$tmp/empty" ::/EMPTY
	mmd -i "$i" ::/Sub ::/Sub/Deeper
	mcopy -i "$i" "$tmp/f1" "::/Sub/A long name with spaces.txt"
	mcopy -i "$i" "$tmp/f1" "::/Sub/Deeper/caf$(printf '\303\251').txt"
	for n in 1 2 3 4; do # every other one deleted, then a larger file: fragmented
		head -c "$2" /dev/urandom >"$tmp/s$n"
		mcopy -i "$i" "$tmp/s$n" "::/S$n"
	done
	mdel -i "$i" ::/S1 ::/S3
	head -c $(($2 * 3)) /dev/urandom >"$tmp/frag"
	mcopy -i "$i" "$tmp/frag" ::/FRAG.BIN
}

mkfs.fat -C -F 12 -s 1 "$tmp/fat12" 360 >/dev/null
fill "$tmp/fat12" 512
mkfs.fat -C -F 16 -s 1 "$tmp/fat16" 2200 >/dev/null
fill "$tmp/fat16" 512
mkfs.fat -C -F 32 -s 1 "$tmp/fat32" 34000 >/dev/null
fill "$tmp/fat32" 512
# A FAT12 volume one cluster short of full (writes run out of space), and a
# FAT16 directory of 40 entries spanning three clusters.
mkfs.fat -C -F 12 -s 1 "$tmp/full12" 64 >/dev/null
head -c 1500 /dev/urandom >"$tmp/f1"
: >"$tmp/empty"
mcopy -i "$tmp/full12" "$tmp/f1" ::/SMALL.TXT
free=$(mdir -i "$tmp/full12" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free.*/\1/p' | tr -d ' ')
head -c $((free - 512)) /dev/zero >"$tmp/big" # zeros: a small seed
mcopy -i "$tmp/full12" "$tmp/big" ::/BIG.BIN
mkfs.fat -C -F 16 -s 1 "$tmp/dir16" 2200 >/dev/null
mmd -i "$tmp/dir16" ::/MANY
for n in $(seq 1 40); do
	mcopy -i "$tmp/dir16" "$tmp/empty" "::/MANY/f$n"
done
for t in fat12 fat16 fat32 full12 dir16; do
	fsck.fat -n "$tmp/$t" >/dev/null
	python3 tests/host/fat/mkseed.py "$tmp/$t" "$out/mkfs_$t"
done
