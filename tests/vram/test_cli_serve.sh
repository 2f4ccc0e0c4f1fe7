# test_cli_serve.sh - `vram serve` end to end: starts on a free loopback port, answers /healthz,
# /metrics, /gpus, /stats (with an allocator stats file), stops on SIGTERM and SIGINT; bad options.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
export VRAM_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1   # the no-GPU answer, on any machine
unset VRAM_SERVE_TOKEN

expect_exit 0 "$VRAM" serve --help
expect_grep '^usage: vram serve' "$TMP/out"
expect_exit 2 "$VRAM" serve --port abc
expect_grep 'port abc: must be a number' "$TMP/err"
expect_exit 2 "$VRAM" serve --bogus
expect_exit 2 "$VRAM" serve --bind 0.0.0.0 --port 0
expect_grep 'needs a token' "$TMP/err"

# GET with curl when present, else bash's /dev/tcp
get() { # get PATH [TOKEN] -> body on stdout, status in $TMP/status
  if [ -z "${VRAM_TEST_NO_CURL:-}" ] && command -v curl >/dev/null; then
    curl -s -m 5 -o "$TMP/body" -w '%{http_code}' ${2:+-H "Authorization: Bearer $2"} "http://127.0.0.1:$port$1" >"$TMP/status"
  else
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n' "$1" "${2:+Authorization: Bearer $2$'\r\n'}" >&3
    timeout 5 cat <&3 >"$TMP/raw"; exec 3<&-
    sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$TMP/raw" | tr -d '\r\n' >"$TMP/status"
    sed '1,/^\r$/d' "$TMP/raw" >"$TMP/body"
  fi
  cat "$TMP/body"
}

start() { # start ARGS... -> $pid, $port
  rm -f "$TMP/serve.out"
  "$VRAM" serve --port 0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" &
  pid=$!
  for _ in $(seq 50); do grep -q listening "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/serve.out")
  [ -n "$port" ] && ok || { fail "vram serve did not start: $(cat "$TMP/serve.err")"; kill "$pid"; finish; exit 1; }
}

stop() { # stop SIGNAL: the server exits 0 within 5 s
  kill -s "$1" "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then fail "vram serve ignored SIG$1"; kill -9 "$pid"; fi
  wait "$pid"; local rc=$?
  [ "$rc" = 0 ] && ok || fail "vram serve exited $rc after SIG$1"
  expect_grep '^vram serve: stopped$' "$TMP/serve.out"
}

cat >"$TMP/alloc.json" <<'JSON'
{"allocators": [{"name": "nn", "allocated_bytes": 1048576, "reserved_bytes": 2097152, "fragmentation_ratio": 0.125,
                 "oom_total": 2, "swapped_out_bytes_total": 65536}]}
JSON
start --stats "$TMP/alloc.json"
get /healthz >"$TMP/h"
expect_grep '^ok: no GPU found \(NVML not available: cannot load /nonexistent/libnvidia-ml.so.1' "$TMP/h"
expect_grep '^200$' "$TMP/status"
get /readyz >"$TMP/h"
expect_grep '^ready$' "$TMP/h"
get /metrics >"$TMP/m"
expect_grep '^200$' "$TMP/status"
expect_grep '^# TYPE vram_gpu_count gauge$' "$TMP/m"
expect_grep '^vram_gpu_count 0$' "$TMP/m"
expect_grep '^vram_nvml_available 0$' "$TMP/m"
expect_grep '^vram_allocated_bytes\{pool="nn"\} 1048576$' "$TMP/m"
expect_grep '^vram_reserved_bytes\{pool="nn"\} 2097152$' "$TMP/m"
expect_grep '^vram_fragmentation_ratio\{pool="nn"\} 0.125$' "$TMP/m"
expect_grep '^vram_oom_total\{pool="nn"\} 2$' "$TMP/m"
expect_grep '^vram_swapped_out_bytes_total\{pool="nn"\} 65536$' "$TMP/m"
get /gpus >"$TMP/g"
expect_grep '"gpu_count": 0' "$TMP/g"
expect_grep '"nvml_available": false' "$TMP/g"
get /stats >"$TMP/s"
expect_grep '"allocated_bytes": 1048576' "$TMP/s"
get /nope >/dev/null
expect_grep '^404$' "$TMP/status"
# the stats file is re-read on each scrape
sed -i 's/"oom_total": 2/"oom_total": 3/' "$TMP/alloc.json"
get /metrics >"$TMP/m"
expect_grep '^vram_oom_total\{pool="nn"\} 3$' "$TMP/m"
stop TERM

# with a token: probes open, the rest guarded
start --token t0k
get /healthz >/dev/null
expect_grep '^200$' "$TMP/status"
get /metrics >/dev/null
expect_grep '^401$' "$TMP/status"
get /metrics t0k >"$TMP/m"
expect_grep '^200$' "$TMP/status"
expect_grep '^vram_gpu_count 0$' "$TMP/m"
expect_grep 'token required' "$TMP/serve.out"
stop INT

# the port is taken: exit 1 with the address in the message
start
expect_exit 1 "$VRAM" serve --port "$port"
expect_grep "cannot listen on 127.0.0.1:$port" "$TMP/err"
stop TERM
finish
