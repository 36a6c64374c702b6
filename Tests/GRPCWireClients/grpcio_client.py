#!/usr/bin/env python3
"""A real gRPC client (Python grpcio, on gRPC's C core) for GRPCWire's tests.

Each scenario runs against the server at 127.0.0.1:PORT, checks what it gets with asserts and
prints one JSON object with what it saw; the exit code is 0 only when every check held. The
etcd messages are written and read by hand (field numbers from Protos/etcd/rpc.proto), so the
tests need grpcio only, no generated Python code.

usage: grpcio_client.py SCENARIO PORT [--ca F] [--cert F] [--key F] [--count N] [--size N]
"""
import argparse
import json
import sys
import time
import urllib.request

import grpc


# --- protobuf wire format, just enough of it ---------------------------------------------
def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(number, value):
    return varint(number << 3 | 2) + varint(len(value)) + value


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def parse(data):
    """Top-level fields of a message: {number: [values]} (varints as int, the rest as bytes)."""
    fields, i = {}, 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, i = read_varint(data, i)
        elif kind == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif kind == 1:
            value, i = data[i:i + 8], i + 8
        elif kind == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % kind)
        fields.setdefault(number, []).append(value)
    return fields


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def put_request(key, value):
    return field_bytes(1, key) + field_bytes(2, value)


def range_request(key, range_end=b""):
    return field_bytes(1, key) + (field_bytes(2, range_end) if range_end else b"")


def watch_create(key, range_end=b""):
    return field_bytes(1, range_request(key, range_end))


def identity(x):
    return x


# --- scenarios ----------------------------------------------------------------------------
def channel(args):
    target = "127.0.0.1:%d" % args.port
    options = [("grpc.max_receive_message_length", 64 << 20)]
    if args.ca:
        root = open(args.ca, "rb").read()
        cert = open(args.cert, "rb").read() if args.cert else None
        key = open(args.key, "rb").read() if args.key else None
        credentials = grpc.ssl_channel_credentials(root, key, cert)
        return grpc.secure_channel(target, credentials, options + [("grpc.ssl_target_name_override", "localhost")])
    return grpc.insecure_channel(target, options)


def unary(ch, path):
    return ch.unary_unary(path, request_serializer=identity, response_deserializer=identity)


def code_of(call):
    try:
        call()
    except grpc.RpcError as error:
        return error.code().name, error.details()
    return "OK", ""


def metric(args, name):
    scheme = "https" if args.ca else "http"
    if args.ca:
        return None
    body = urllib.request.urlopen("%s://127.0.0.1:%d/metrics" % (scheme, args.port), timeout=5).read().decode()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError("no metric " + name)


def wait_for_metric(args, name, value, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if metric(args, name) == value:
            return True
        time.sleep(0.05)
    return False


def put_range(args):
    ch = channel(args)
    put = unary(ch, "/etcdserverpb.KV/Put")
    for i in range(args.count):
        response = parse(put(put_request(b"py/%06d" % i, b"v%d" % i), timeout=10))
        assert 1 in response, "PutResponse without header"
    response = parse(unary(ch, "/etcdserverpb.KV/Range")(range_request(b"py/", b"py0"), timeout=10))
    count = response.get(4, [0])[0]
    assert count == args.count, (count, args.count)
    kvs = [parse(kv) for kv in response.get(2, [])]
    assert kvs[0][1][0] == b"py/000000" and kvs[0][5][0] == b"v0", kvs[0]
    return {"puts": args.count, "count": count}


def unknown_method(args):
    ch = channel(args)
    method = code_of(lambda: unary(ch, "/etcdserverpb.KV/Nope")(b"", timeout=5))
    service = code_of(lambda: unary(ch, "/etcdserverpb.Nope/Put")(b"", timeout=5))
    assert method == ("UNIMPLEMENTED", "unknown method Nope for service etcdserverpb.KV"), method
    assert service == ("UNIMPLEMENTED", "unknown service etcdserverpb.Nope"), service
    return {"method": method, "service": service}


def malformed(args):
    ch = channel(args)
    # Field 1 as a length-delimited value that runs past the end of the message.
    result = code_of(lambda: unary(ch, "/etcdserverpb.KV/Put")(b"\x0a\x7f\x01", timeout=5))
    assert result[0] == "INTERNAL" and result[1].startswith("grpc: error unmarshalling request"), result
    # The connection is still good afterwards.
    after = code_of(lambda: unary(ch, "/etcdserverpb.KV/Put")(put_request(b"k", b"v"), timeout=5))
    assert after[0] == "OK", after
    return {"malformed": result, "after": after}


def oversize(args):
    ch = channel(args)
    put = unary(ch, "/etcdserverpb.KV/Put")
    # Above --max-request-bytes but under the gRPC limit: etcd's own error.
    large = code_of(lambda: put(put_request(b"k", b"x" * (args.size + 100)), timeout=10))
    assert large == ("INVALID_ARGUMENT", "etcdserver: request is too large"), large
    # Above the gRPC limit (--max-request-bytes + 512 KiB): grpc-go's error, before buffering.
    huge = code_of(lambda: put(put_request(b"k", b"x" * (args.size + 600 * 1024)), timeout=10))
    assert huge[0] == "RESOURCE_EXHAUSTED" and huge[1].startswith("grpc: received message larger than max"), huge
    after = code_of(lambda: put(put_request(b"k", b"v"), timeout=5))
    assert after[0] == "OK", after
    return {"large": large, "huge": huge, "after": after}


def watch_stream(ch, timeout=None):
    requests = []
    watch = ch.stream_stream("/etcdserverpb.Watch/Watch", request_serializer=identity, response_deserializer=identity)

    def generator():
        yield watch_create(b"w/", b"w0")
        while True:  # keep the request side open, as etcdctl does
            time.sleep(3600)

    return watch(generator(), timeout=timeout)


def deadline(args):
    ch = channel(args)
    call = watch_stream(ch, timeout=0.5)
    created = parse(next(call))
    assert created.get(3) == [1], created
    result = code_of(lambda: list(call))
    assert result[0] == "DEADLINE_EXCEEDED", result
    # The server ended the call too: its watch is gone.
    assert wait_for_metric(args, "grpcwire_test_watch_streams", 0), "watch still open on the server"
    # A unary call inside its deadline succeeds.
    ok = code_of(lambda: unary(ch, "/etcdserverpb.KV/Range")(range_request(b"a"), timeout=5))
    assert ok[0] == "OK", ok
    return {"stream": result, "unary": ok}


def cancel(args):
    ch = channel(args)
    call = watch_stream(ch)
    created = parse(next(call))
    assert created.get(3) == [1], created
    put = unary(ch, "/etcdserverpb.KV/Put")
    put(put_request(b"w/1", b"one"), timeout=5)
    event = parse(next(call))
    assert 11 in event, event
    assert metric(args, "grpcwire_test_watch_streams") == 1
    call.cancel()
    # RST_STREAM reached the server and the handler was told: the watch is gone.
    assert wait_for_metric(args, "grpcwire_test_watch_streams", 0), "watch still open after cancel"
    after = code_of(lambda: put(put_request(b"w/2", b"two"), timeout=5))
    assert after[0] == "OK", after
    return {"cancelled": True}


def watch_many(args):
    ch = channel(args)
    call = watch_stream(ch)
    assert parse(next(call)).get(3) == [1]
    put = unary(ch, "/etcdserverpb.KV/Put")
    futures = [put.future(put_request(b"w/%06d" % i, b"v"), timeout=30) for i in range(args.count)]
    for f in futures:
        f.result()
    seen = 0
    for response in call:
        seen += len(parse(response).get(11, []))
        if seen >= args.count:
            break
    call.cancel()
    assert seen == args.count, (seen, args.count)
    return {"events": seen}


def puts(args):
    """COUNT puts of PREFIX000000... on one connection: many in flight, or one after another
    with --sequential (then every watch event travels alone, as in a real cluster)."""
    ch = channel(args)
    put = unary(ch, "/etcdserverpb.KV/Put")
    if args.sequential:
        for i in range(args.count):
            put(put_request(b"%s%06d" % (args.prefix.encode(), i), b"v%d" % i), timeout=10)
        return {"puts": args.count}
    futures = [put.future(put_request(b"%s%06d" % (args.prefix.encode(), i), b"v%d" % i), timeout=60)
               for i in range(args.count)]
    for f in futures:
        f.result()
    return {"puts": args.count}


def tls_put(args):
    ch = channel(args)
    result = code_of(lambda: unary(ch, "/etcdserverpb.KV/Put")(put_request(b"tls", b"yes"), timeout=5))
    return {"result": result}


SCENARIOS = {
    "put-range": put_range, "unknown-method": unknown_method, "malformed": malformed,
    "oversize": oversize, "deadline": deadline, "cancel": cancel, "watch-many": watch_many,
    "tls-put": tls_put, "puts": puts,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("port", type=int)
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size", type=int, default=1572864)
    parser.add_argument("--prefix", default="k/")
    parser.add_argument("--sequential", action="store_true")
    args = parser.parse_args()
    print(json.dumps(SCENARIOS[args.scenario](args)))
    sys.exit(0)
