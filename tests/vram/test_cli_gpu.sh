# test_cli_gpu.sh - `vram detect` and `vram serve` on a (fake) GPU: a stand-in libnvidia-ml built here
# from tests/vram/fake_nvml.c and loaded through $VRAM_NVML_LIBRARY, so the real dlopen path, the GPU
# summary, the seed-table profile and the GPU metrics run on a machine without a GPU.
source "$AIMP_SOURCE_DIR/tests/lib.sh"
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "SKIP: no C compiler to build the fake NVML"; exit 77; }
"$cc" -shared -fPIC -O1 -o "$TMP/libnvidia-ml.so.1" "$AIMP_SOURCE_DIR/tests/vram/fake_nvml.c" \
  || { echo "FAIL: cannot build the fake NVML"; exit 1; }
export VRAM_NVML_LIBRARY="$TMP/libnvidia-ml.so.1"
export HOME="$TMP/home" && unset XDG_CONFIG_HOME VRAM_SERVE_TOKEN

expect_exit 0 "$VRAM" detect --out "$TMP/m.json"
expect_grep '^NVML: driver 550.54.14, CUDA 12.4$' "$TMP/out"
expect_grep '^GPU 0: NVIDIA GeForce RTX 4070 Ti, GPU-4070ti-fake, 11.71 GiB \(9.71 free, 2.00 used\), compute 8.9, 36 W of 285 W, 47 C$' "$TMP/out"
expect_grep '^profile: gpu \(RTX 4070 Ti 12 GB; seed table\): max batch 128, gradient checkpointing off' "$TMP/out"
grep -q 'no GPU found' "$TMP/out" && fail "said no GPU with a GPU" || ok
for field in '"available": true' '"driver_version": "550.54.14"' '"cuda_driver_version": 12040' \
             '"name": "NVIDIA GeForce RTX 4070 Ti"' '"uuid": "GPU-4070ti-fake"' '"compute_capability": "8.9"' \
             '"memory_reserved_bytes": 209715200' '"power_watts": 35.5' '"utilization_gpu_ratio": 0.12' \
             '"pid": 4242' '"device": "gpu"' '"gpu_index": 0' '"max_batch": 128' '"source": "seed table"'; do
  expect_grep "$field" "$TMP/m.json"
done

expect_exit 0 "$VRAM" validate --models "$TMP" --sums /dev/null
expect_grep '^NVML +pass +driver 550.54.14, CUDA 12.4, 1 GPU\(s\)' "$TMP/out"
expect_grep '^GPU memory +pass +GPU 0 NVIDIA GeForce RTX 4070 Ti: 11.7 GiB, 9.7 GiB free' "$TMP/out"

"$VRAM" serve --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/serve.out")
if [ -n "$port" ]; then
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
  timeout 5 cat <&3 | tr -d '\r' >"$TMP/metrics"; exec 3<&-
  expect_grep '^vram_gpu_count 1$' "$TMP/metrics"
  expect_grep '^nvidia_smi_gpu_info\{uuid="GPU-4070ti-fake",name="NVIDIA GeForce RTX 4070 Ti",index="0",driver_version="550.54.14",compute_cap="8.9"\} 1$' "$TMP/metrics"
  expect_grep '^nvidia_smi_memory_used_bytes\{uuid="GPU-4070ti-fake"\} 2147483648$' "$TMP/metrics"
  expect_grep '^nvidia_smi_power_draw_watts\{uuid="GPU-4070ti-fake"\} 35.5$' "$TMP/metrics"
  expect_grep '^nvidia_smi_utilization_memory_ratio\{uuid="GPU-4070ti-fake"\} 0.03$' "$TMP/metrics"
  expect_grep '^vram_gpu_process_used_bytes\{uuid="GPU-4070ti-fake",pid="4242"\} 536870912$' "$TMP/metrics"
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
  timeout 5 cat <&3 | tr -d '\r' >"$TMP/health"; exec 3<&-
  expect_grep '^ok: 1 GPU\(s\)$' "$TMP/health"
else
  fail "vram serve did not start: $(cat "$TMP/serve.err")"
fi
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { fail "vram serve ignored SIGTERM"; kill -9 "$pid"; }
wait "$pid" && ok || fail "vram serve exited non-zero"
finish
