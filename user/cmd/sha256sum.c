/*
 * sha256sum [FILE...] - print "<64 hex digits>  <name>" per file, like
 * coreutils; no FILE or "-" hashes stdin (named "-").
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/sha256.h>
#include <tio/start.h>
#include <tio/sys.h>

static char buf[16384];

static int sum_one(const char *path)
{
	long fd = strcmp(path, "-") ? sys_open(path, O_RDONLY, 0) : stdin;
	uint8_t digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	struct sha256 s;
	long n;

	if (fd < 0)
		return cmd_err("sha256sum", path, fd);
	sha256_init(&s);
	while ((n = sys_read((int)fd, buf, sizeof(buf))) > 0)
		sha256_update(&s, buf, (size_t)n);
	if (fd != stdin)
		sys_close((int)fd);
	if (n < 0)
		return cmd_err("sha256sum", path, n);
	sha256_final(&s, digest);
	sha256_hex(digest, hex);
	printf("%s  %s\n", hex, path);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return sum_one("-");
	for (int i = 1; i < argc; i++)
		status |= sum_one(argv[i]);
	return status;
}
