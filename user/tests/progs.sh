#!/bin/sh
# progs.sh - runs the real user programs, built against the Linux shim
# (user/tests/linux/shim.c), and checks what they print and do: the shell
# end to end, the file tools against their GNU/util-linux counterparts,
# httpd and nc over loopback TCP. Installed as build/host/tests/user_progs;
# prints the project's test protocol. Needs python3 (HTTP/TCP peers).
BIN=$(cd "$(dirname "$0")/../linux-user/bin" && pwd)
SUITE=user_progs
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
pass=0
fail=0

ok() { echo "TEST PASS $SUITE/$1"; pass=$((pass + 1)); }
bad() { echo "TEST FAIL $SUITE/$1: $2"; fail=$((fail + 1)); }
# same NAME EXPECTED-FILE ACTUAL-FILE
same() {
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -6 | tr '\n' '|')"; fi
}
cd "$T" || exit 1
head -c 100000 /dev/urandom > rand.bin
head -c 1000 /dev/zero > zeros.bin
cat rand.bin zeros.bin rand.bin > mixed.bin
printf 'hello\n' > in.txt

# --- the shell: quoting, $?, redirections, errors, long lines, exit ---
{
	echo "echo one two   'three  four' \"five \$?\" # comment"
	echo "nosuchcmd arg"
	echo 'echo status $?'
	echo 'cat < in.txt > out.txt'
	echo 'echo more >> out.txt'
	echo 'cat out.txt'
	echo 'cat < missing.txt'
	echo 'echo after $?'
	echo "echo 'unterminated"
	echo 'echo after syntax $?'
	echo 'cd /nonexistent'
	python3 -c "print('echo ' + 'x' * 5000)"
	echo 'echo survived $?'
	echo 'exit 3'
	echo 'echo not reached'
} > script.txt
cat > want.txt <<'W'
# echo one two   'three  four' "five $?" # comment
one two three  four five 0
# nosuchcmd arg
sh: nosuchcmd: not found
# echo status $?
status 127
# cat < in.txt > out.txt
# echo more >> out.txt
# cat out.txt
hello
more
# cat < missing.txt
sh: missing.txt: No such file or directory
# echo after $?
after 1
# echo 'unterminated
sh: syntax error: unterminated quote
# echo after syntax $?
after syntax 2
# cd /nonexistent
sh: cd: /nonexistent: No such file or directory
# 
sh: line too long
# echo survived $?
survived 2
# exit 3
W
"$BIN/sh" < script.txt > got.txt 2>&1
rc=$?
same sh_transcript want.txt got.txt
[ $rc -eq 3 ] && ok sh_exit_status || bad sh_exit_status "rc=$rc"

# Background job: "[N] PID" at once, the shell does not wait for it.
printf 'sleep 2 &\necho next\n' | "$BIN/sh" > bg.txt 2>&1
if grep -q '^\[1\] [0-9]*$' bg.txt && grep -q '^next$' bg.txt; then ok sh_background; else bad sh_background "$(tr '\n' '|' < bg.txt)"; fi
# Pipelines, lists and 2>&1 (pipes and spawn through the shim's Linux calls).
printf 'echo hi | cat\necho abc > x.txt; cat x.txt\ncat /nope 2>&1 | cat\nsh -c "exit 3" || echo failed $?\necho a | sh -c "exit 4"; echo last $?\necho (\n' |
	"$BIN/sh" > got.txt 2>&1
printf '%s\n' '# echo hi | cat' hi '# echo abc > x.txt; cat x.txt' abc '# cat /nope 2>&1 | cat' \
	'cat: /nope: No such file or directory' '# sh -c "exit 3" || echo failed $?' 'failed 3' \
	'# echo a | sh -c "exit 4"; echo last $?' 'last 4' '# echo (' \
	"sh: syntax error: unsupported '('" > want.txt
printf '# \n' >> want.txt
same sh_pipelines_and_lists want.txt got.txt
"$BIN/sh" -c 'echo via -c' > c.txt 2>&1
echo 'via -c' > want.txt
same sh_dash_c want.txt c.txt

# --- file tools against the GNU/util-linux originals ---
sha256sum rand.bin in.txt > want.txt
"$BIN/sha256sum" rand.bin in.txt > got.txt
same sha256sum_files want.txt got.txt
"$BIN/sha256sum" < rand.bin > got.txt
sha256sum < rand.bin > want.txt
same sha256sum_stdin want.txt got.txt
if command -v hexdump > /dev/null; then
	hexdump -C mixed.bin > want.txt
	"$BIN/hexdump" -C mixed.bin > got.txt
	same hexdump_C want.txt got.txt
fi
"$BIN/cat" rand.bin in.txt > got.bin
cat rand.bin in.txt > want.bin
same cat_concat want.bin got.bin
"$BIN/echo" -n a 'b c' > got.txt
printf 'a b c' > want.txt
same echo_n want.txt got.txt

"$BIN/dd" if=rand.bin of=dd.out bs=1K count=7 skip=3 seek=2 2> dd.err
dd if=rand.bin of=dd.want bs=1K count=7 skip=3 seek=2 conv=notrunc 2> /dev/null
same dd_copy dd.want dd.out
printf '7+0 records in\n7+0 records out\n' > want.txt
head -2 dd.err > got.txt
same dd_records want.txt got.txt
if grep -q '^7168 bytes (7.2 kB, 7.0 KiB) copied, .* s, .*B/s$' dd.err; then ok dd_summary; else bad dd_summary "$(tail -1 dd.err)"; fi
"$BIN/dd" bs=1x > /dev/null 2> dd.err < /dev/null
grep -q "dd: invalid operand 'bs=1x'" dd.err && ok dd_bad_operand || bad dd_bad_operand "$(cat dd.err)"

mkdir d && touch d/b d/a d/.hidden && mkdir d/c
"$BIN/ls" d > got.txt
printf 'a\nb\nc\n' > want.txt
same ls_sorted want.txt got.txt
"$BIN/ls" -l d/a > got.txt
grep -q '^-rw-r--r--    1 root     root             0 ... .. ..:.. d/a$' got.txt && ok ls_long || bad ls_long "$(cat got.txt)"

"$BIN/cp" rand.bin d && "$BIN/mv" d/rand.bin moved.bin && "$BIN/mkdir" -p x/y/z && "$BIN/rmdir" x/y/z &&
	"$BIN/rm" moved.bin d/a && [ ! -e moved.bin ] && [ -d x/y ] && [ ! -e x/y/z ] && [ ! -e d/a ] &&
	ok file_ops || bad file_ops "cp/mv/mkdir/rmdir/rm"
"$BIN/rm" nothere 2> err.txt
[ $? -eq 1 ] && grep -q 'rm: nothere: No such file or directory' err.txt && ok rm_missing || bad rm_missing "$(cat err.txt)"

# --- commands whose kernel part is missing say so (the shim answers -ENOSYS) ---
"$BIN/stats" 2> err.txt
[ $? -eq 1 ] && grep -q 'stats: pools is not available in this kernel yet (Function not implemented)' err.txt &&
	ok not_available_message || bad not_available_message "$(cat err.txt)"

# --- httpd over loopback ---
mkdir www && printf '<h1>hi</h1>\n' > www/index.html && cp rand.bin www/big.bin
PORT=$((20000 + $$ % 20000))
"$BIN/httpd" -p $PORT -h "$T/www" -f &
PIDS="$PIDS $!"
sleep 0.5
cat > httpcheck.py <<'P'
import http.client, socket, sys, hashlib
port = int(sys.argv[1]); out = []
def conn(): return http.client.HTTPConnection("127.0.0.1", port, timeout=5)
c = conn()
c.request("GET", "/"); r = c.getresponse(); b = r.read()
out.append("index %d %s %s %d" % (r.status, r.getheader("Content-Type"), r.getheader("Content-Length"), len(b)))
c.request("GET", "/big.bin"); r = c.getresponse(); b = r.read()   # same connection: keep-alive
out.append("big %d %s %s" % (r.status, r.getheader("Content-Type"), hashlib.sha256(b).hexdigest()))
c.request("HEAD", "/index.html"); r = c.getresponse(); b = r.read()
out.append("head %d %s %d" % (r.status, r.getheader("Content-Length"), len(b)))
c.request("GET", "/nope.html"); r = c.getresponse(); r.read()
out.append("missing %d" % r.status)
c.request("HEAD", "/nope.html"); r = c.getresponse(); b = r.read()
out.append("head-missing %d %d" % (r.status, len(b)))
c.request("POST", "/index.html"); r = c.getresponse(); r.read()
out.append("post %d %s" % (r.status, r.getheader("Allow")))
c.close()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GARBAGE\r\n\r\n"); d = s.recv(4096)
out.append("garbage " + d.split(b"\r\n")[0].decode())
s.close()
socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(50)]
for s in socks: s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
good = sum(1 for s in socks if s.recv(4096).startswith(b"HTTP/1.1 200 OK"))
out.append("concurrent %d" % good)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n"); d = b""
while True:
    x = s.recv(4096)
    if not x: break
    d += x
out.append("http10-closes %s" % d.endswith(b"<h1>hi</h1>\n"))
big = open("www/big.bin", "rb").read()
c = conn()
for rng in ("bytes=0-0", "bytes=16380-16390", "bytes=99990-", "bytes=-5", "bytes=100000-"):
    c.request("GET", "/big.bin", headers={"Range": rng}); r = c.getresponse(); b = r.read()
    out.append("range %s %d %s %s" % (rng, r.status, r.getheader("Content-Range"), hashlib.sha256(b).hexdigest()[:16]))
c.close()
print("\n".join(out))
P
python3 httpcheck.py $PORT > got.txt 2>&1
cat > want.txt <<W
index 200 text/html 12 12
big 200 application/octet-stream $(sha256sum < rand.bin | cut -d' ' -f1)
head 200 12 0
missing 404
head-missing 404 0
post 405 GET, HEAD
garbage HTTP/1.1 400 Bad Request
concurrent 50
http10-closes True
range bytes=0-0 206 bytes 0-0/100000 $(head -c 1 rand.bin | sha256sum | cut -c1-16)
range bytes=16380-16390 206 bytes 16380-16390/100000 $(tail -c +16381 rand.bin | head -c 11 | sha256sum | cut -c1-16)
range bytes=99990- 206 bytes 99990-99999/100000 $(tail -c 10 rand.bin | sha256sum | cut -c1-16)
range bytes=-5 206 bytes 99995-99999/100000 $(tail -c 5 rand.bin | sha256sum | cut -c1-16)
range bytes=100000- 416 bytes */100000 $(printf '' | sha256sum | cut -c1-16)
W
same httpd_http want.txt got.txt

# --- nc: both directions over loopback ---
PORT2=$((PORT + 1))
python3 -c "
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', $PORT2)); l.listen(1); open('ready', 'w').close(); c, _ = l.accept()
d = b''
while True:
    x = c.recv(4096)
    if not x: break
    d += x
c.sendall(b'got ' + str(len(d)).encode() + b'\n'); c.close()
" &
PIDS="$PIDS $!"
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e ready ] && break; sleep 0.3; done
"$BIN/nc" 127.0.0.1 $PORT2 < rand.bin > got.txt 2>&1
echo 'got 100000' > want.txt
same nc_client want.txt got.txt
"$BIN/nc" -l -p $((PORT + 2)) > got.bin 2>&1 &
NCPID=$!
sleep 0.3
python3 -c "
import socket; s = socket.create_connection(('127.0.0.1', $((PORT + 2)))); s.sendall(open('rand.bin','rb').read()); s.close()"
wait $NCPID
same nc_listen rand.bin got.bin

# sysfuzz is not run here: the shim trusts user pointers (it is no kernel),
# so random pointers would crash the shim itself, not find kernel bugs.

echo "$SUITE: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
