/*
 * tio/mdargs.h - mdadm's command line. Pure; host-tested.
 *
 *   mdadm --build /dev/mdN --level=0|1|linear [--chunk=KiB] --raid-devices=N DEV...
 *   mdadm --detail /dev/mdN
 *   mdadm --stop /dev/mdN
 * Long options also take their value as the next word (--level 1); -l and
 * -n are the short forms of --level and --raid-devices, -c of --chunk (KiB,
 * a power of two >= 4; raid0 only, default 64 as mdadm), -S of --stop. The number of DEVs
 * must equal N; levels: 0 (raid0, stripe), 1 (raid1, mirror), linear.
 */
#ifndef TIO_MDARGS_H
#define TIO_MDARGS_H

#include <tio/cmd.h>

enum md_mode { MD_NONE, MD_BUILD, MD_DETAIL, MD_STOP };

struct md_args {
	enum md_mode mode;
	const char *array; /* /dev/mdN */
	int level;	   /* 0, 1 or TIO_MD_LINEAR; valid iff have_level */
	int have_level;
	unsigned ndevs; /* --raid-devices */
	const char *devs[TIO_MD_DEVS];
	unsigned ngiven;    /* DEVs on the line */
	unsigned chunk_kib; /* --chunk, 0 if not given */
};

/* 0, or -EINVAL with a message for the user in *why. */
int md_parse_args(int argc, char **argv, struct md_args *a, const char **why);
/* "raid0", "raid1", "linear". */
const char *md_level_name(int level);

#endif
