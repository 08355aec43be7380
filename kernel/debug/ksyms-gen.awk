# ksyms-gen.awk - turns `nm -n kernel.elf` into the assembly of the kernel's
# symbol table (see kernel/debug/ksyms.c): function symbols only (types t, T,
# w, W), sorted by address; of several names at one address the first wins,
# except that a name starting with '_' (linker-script markers) gives way.
# Empty input gives an empty table (the first link pass).
BEGIN { n = 0; last = "" }
NF == 3 && $2 ~ /^[tTwW]$/ && $3 !~ /^\.L/ && $1 == last && name[n - 1] ~ /^_/ {
	name[n - 1] = $3
	next
}
NF == 3 && $2 ~ /^[tTwW]$/ && $3 !~ /^\.L/ && $1 != last {
	addr[n] = $1; name[n] = $3; n++; last = $1
}
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_num, ksyms_addr, ksyms_name_off, ksyms_names"
	print "ksyms_num:\t.quad " n + 0
	print "ksyms_addr:"
	for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
	print "ksyms_name_off:"
	off = 0
	for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
	print "ksyms_names:"
	for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}
