#!/bin/sh
# tools.sh - the everyday tools (date, seq, true, false, head, tail, wc,
# grep, tee, sort, ls -a, ls -l times), built against the Linux shim
# (user/tests/linux/shim.c), each run on the same input as the real
# coreutils/GNU tool and compared byte for byte (LC_ALL=C). Installed as
# build/host/tests/user_tools_progs; prints the project's test protocol.
BIN=$(cd "$(dirname "$0")/../linux-user/bin" && pwd)
SUITE=user_tools_progs
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export LC_ALL=C
pass=0
fail=0

ok() { echo "TEST PASS $SUITE/$1"; pass=$((pass + 1)); }
bad() { echo "TEST FAIL $SUITE/$1: $2"; fail=$((fail + 1)); }
# same NAME EXPECTED-FILE ACTUAL-FILE
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -6 | tr '\n' '|')"; fi
}
# both NAME ARGS...: run ours and the real tool with the same arguments (stdin: in.txt),
# compare stdout and the exit status.
both() {
	name=$1
	shift
	tool=$1
	shift
	"$BIN/$tool" "$@" < in.txt > got.txt 2> /dev/null
	echo "status $?" >> got.txt
	"$tool" "$@" < in.txt > want.txt 2> /dev/null
	echo "status $?" >> want.txt
	same "$name" want.txt got.txt
}
cd "$T" || exit 1
cat > in.txt <<'I'
banana 10
apple 9
Cherry -3
apple 9
  date 1.5
elderberry 007
fig
grape 100 extra words here

last line without newline
I
printf 'tail' >> in.txt
seq 1 2000 | sed 's/$/ line of text/' > long.txt
printf 'no newline at end' > nonl.txt
: > empty.txt

# --- seq, true, false ---
both seq_last seq 5
both seq_first_last seq -2 3
both seq_incr seq 10 -3 -5
both seq_empty_range seq 5 1
both seq_bad_arg seq x
both seq_stops_at_the_largest_integer seq 9223372036854775805 9223372036854775807
both seq_stops_at_the_smallest_integer seq -9223372036854775806 -1 -9223372036854775808
both true true
both false false

# --- head / tail ---
both head_default head long.txt
both head_n head -n 3 in.txt
both head_n0 head -n 0 in.txt
both head_c head -c 7 in.txt
both head_stdin head -n 2
both head_multi head -n 2 in.txt nonl.txt empty.txt
both head_multi_c head -c 5 in.txt long.txt
both head_missing head -n 1 in.txt nothere.txt
both tail_default tail long.txt
both tail_n tail -n 4 in.txt
both tail_n0 tail -n 0 in.txt
both tail_c tail -c 9 in.txt
both tail_c_big tail -c 100000 long.txt
both tail_nonl tail -n 1 nonl.txt
both tail_stdin tail -n 3
both tail_multi tail -n 2 in.txt nonl.txt empty.txt

# --- wc: counts and coreutils' column widths ---
both wc_default wc in.txt
both wc_l wc -l in.txt
both wc_w_c wc -w -c long.txt
both wc_multi wc in.txt long.txt nonl.txt empty.txt
both wc_multi_l wc -l in.txt long.txt
both wc_stdin wc
both wc_stdin_l wc -l
both wc_empty wc empty.txt
head -c 100000 /dev/urandom > rand.bin
printf 'a\001b \001 c\n\001\n\200x\n' > ctl.txt
both wc_binary_words wc rand.bin ctl.txt

# --- grep: BRE, fixed strings, options, exit status ---
both grep_plain grep apple in.txt
both grep_bre grep '^[a-c].*[0-9]$' in.txt
both grep_dot_star grep 'a.*e' in.txt
both grep_bracket_neg grep '[^a-z ]' in.txt
both grep_anchor_end grep 'e$' in.txt
both grep_empty_line grep -n '^$' in.txt
both grep_i grep -i cherry in.txt
both grep_v grep -v a in.txt
both grep_c grep -c 'p' in.txt
both grep_vc grep -vc 'p' in.txt
both grep_n grep -n 9 in.txt
both grep_multi grep -n line in.txt nonl.txt long.txt
both grep_multi_c grep -c e in.txt nonl.txt empty.txt
both grep_stdin grep -i APPLE
both grep_F grep -F '1.5' in.txt
both grep_F_vs_bre grep '1.5' in.txt
both grep_no_match grep zzz in.txt
both grep_missing_file grep a nothere.txt
both grep_missing_and_match grep a in.txt nothere.txt
both grep_bad_regex grep 'a[b' in.txt
both grep_star_literal grep '*' in.txt

# --- sort ---
both sort_plain sort in.txt
both sort_r sort -r in.txt
both sort_n sort -n in.txt
both sort_nr sort -nr in.txt
both sort_u sort -u in.txt
both sort_nu sort -nu in.txt
both sort_multi sort in.txt nonl.txt long.txt
both sort_stdin sort -n
seq 1 300 | sort -r > rev.txt
both sort_n_many sort -n rev.txt

# --- tee ---
printf 'old\n' > t2.txt
"$BIN/tee" t1.txt < in.txt > got.txt && "$BIN/tee" -a t2.txt < in.txt >> got.txt
cat in.txt in.txt > want.txt
same tee_stdout want.txt got.txt
cat in.txt > want.txt
same tee_file t1.txt want.txt
{ echo old; cat in.txt; } > want.txt
same tee_append t2.txt want.txt
"$BIN/tee" /nonexistent/x < in.txt > got.txt 2> err.txt
rc=$?
if [ $rc -eq 1 ] && cmp -s in.txt got.txt && grep -q 'tee: /nonexistent/x: No such file or directory' err.txt; then
	ok tee_bad_file_goes_on
else
	bad tee_bad_file_goes_on "rc=$rc $(cat err.txt)"
fi

# --- date: default layout and formats, against date -u on the same second ---
for i in 1 2 3; do
	"$BIN/date" > got.txt
	date -u > want.txt
	cmp -s want.txt got.txt && break # retry if a second ticked between the two
done
same date_default want.txt got.txt
for i in 1 2 3; do
	"$BIN/date" '+%Y-%m-%d %H:%M:%S %a %b %e %j %s %Z %%' > got.txt
	date -u '+%Y-%m-%d %H:%M:%S %a %b %e %j %s %Z %%' > want.txt
	cmp -s want.txt got.txt && break
done
same date_format want.txt got.txt

# --- ls -a lists . and ..; ls -l shows real dates (year when older than 6 months) ---
mkdir d && touch d/.hidden d/b && mkdir d/c
"$BIN/ls" -a d > got.txt
ls -a d > want.txt
same ls_a_dots want.txt got.txt
touch -d '2020-03-04 05:06:07' d/b
"$BIN/ls" -l d/b > got.txt
echo '-rw-r--r--    1 root     root             0 Mar  4  2020 d/b' > want.txt
same ls_l_old_date want.txt got.txt
touch d/b
"$BIN/ls" -l d/b > got.txt
echo "-rw-r--r--    1 root     root             0 $(TZ=UTC0 date -r d/b '+%b %e %H:%M') d/b" > want.txt
same ls_l_recent_time want.txt got.txt

# The recent/old boundary is coreutils': half a Gregorian year (15778476 s) back, and any
# time in the future shows the year.
now=$(date +%s)
for off in 15778376 15778576 -7200 -30; do
	touch -d "@$((now - off))" d/b
	"$BIN/ls" -l d/b | cut -c 45-56 > got.txt
	ls -l d/b | awk '{ printf "%s %2s %5s\n", $6, $7, $8 }' > want.txt
	same "ls_l_recent_boundary_$off" want.txt got.txt
done

echo "$SUITE: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
