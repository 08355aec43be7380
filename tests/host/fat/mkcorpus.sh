#!/bin/sh
# mkcorpus.sh: remakes the seed inputs of the fat_image fuzz target
# (tests/host/fuzz/corpus/fat_image/mkfs_*) from images made by the host's
# mkfs.fat and mtools: FAT12, FAT16 and FAT32, each with a few files (an empty
# one, one of exactly one cluster, a fragmented one), a subdirectory two deep
# and long names. Run from the top of the tree. Regression inputs
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
for t in 12 16 32; do
	fsck.fat -n "$tmp/fat$t" >/dev/null
	python3 tests/host/fat/mkseed.py "$tmp/fat$t" "$out/mkfs_fat$t"
done
