#!/usr/bin/env bash
# CPU per unary call: GRPCWire's test server (in-memory KV.Put), the same KV behind
# swift-nio-http2's stream multiplexer, and etcd 3.4 (whole path, data on tmpfs), measured with
# the same client, one connection, 1/16/64 calls in flight.
# The server runs on core 0, the client on core 1 (taskset); server CPU comes from
# /proc/<pid>/stat. Build first: swift build -c release --product grpcwire-bench --product grpcwire-test-server
# SECONDS_PER_RUN=N sets each run's length (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
seconds="${SECONDS_PER_RUN:-5}"
port=23790
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; [ -n "${etcd_dir:-}" ] && rm -rf "$etcd_dir"; true; }
trap cleanup EXIT

# The same in-memory KV.Put served by GRPCWire, then behind swift-nio-http2's stream
# multiplexer (--multiplexer, a child channel per stream; docs/grpcwire.md).
for variant in "" --multiplexer; do
  echo "GRPCWire test server (in-memory KV) ${variant:-(GRPCWire)}, 1 event loop:"
  taskset -c 0 "$bin/grpcwire-test-server" --port "$port" --threads 1 $variant > /dev/null &
  server=$!
  sleep 1
  for n in 1 16 64; do
    taskset -c 1 "$bin/grpcwire-bench" --endpoint "127.0.0.1:$port" --in-flight "$n" --seconds "$seconds" --server-pid "$server"
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done

if command -v etcd >/dev/null; then
  echo "etcd $(etcd --version | head -1 | awk '{print $3}'), data on tmpfs (/dev/shm):"
  etcd_dir=$(mktemp -d /dev/shm/grpcwire-bench-etcd.XXXXXX)
  taskset -c 0 etcd --data-dir "$etcd_dir" --listen-client-urls "http://127.0.0.1:$port" \
    --advertise-client-urls "http://127.0.0.1:$port" --listen-peer-urls http://127.0.0.1:23800 \
    --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster default=http://127.0.0.1:23800 \
    --log-level error --logger zap > /dev/null 2>&1 &
  server=$!
  sleep 2
  for n in 1 16 64; do
    taskset -c 1 "$bin/grpcwire-bench" --endpoint "127.0.0.1:$port" --in-flight "$n" --seconds "$seconds" --server-pid "$server"
  done
fi
