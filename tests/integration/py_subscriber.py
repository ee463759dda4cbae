#!/usr/bin/env python3
"""py_subscriber.py - the proto/README.md subscriber example, as a test helper.

Usage: py_subscriber.py ENDPOINT PREFIX COUNT
Prints one line per message: topic, bid, ask, seq, and GAP when a seq was skipped;
then 'done' after COUNT messages. Written from proto/README.md alone."""
import sys

import msgpack
import zmq

endpoint, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sub = zmq.Context().socket(zmq.SUB)
sub.connect(endpoint)
sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
sub.setsockopt(zmq.RCVTIMEO, 20000)
print("ready", flush=True)
last = {}
for _ in range(count):
    topic, payload = sub.recv_multipart()
    msg = msgpack.unpackb(payload, raw=False)
    assert isinstance(msg["bid"], str) and isinstance(msg["ask"], str), "decimals are strings"
    assert msg["v"] == 1 and isinstance(msg["ts"], int) and isinstance(msg["epoch"], str)
    key = (topic, msg["epoch"])
    gap = key in last and msg["seq"] != last[key] + 1
    last[key] = msg["seq"]
    print(topic.decode(), msg["bid"], msg["ask"], msg["seq"], "GAP" if gap else "", flush=True)
print("done", flush=True)
