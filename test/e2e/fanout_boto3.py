#!/usr/bin/env python3
"""boto3 enhanced fan-out check for rheo's e2e suite (run by
TestFanoutBoto3 in fanout_e2e_test.go).

Usage: fanout_boto3.py ENDPOINT

Creates a 2-shard stream, registers a consumer, waits for it to be ACTIVE,
subscribes to a shard with subscribe_to_shard (botocore's event-stream
parser, HTTP/1.1), puts records (binary payloads included) and checks they
arrive byte-exact with the right sequence numbers, continuation and
MillisBehindLatest; then checks the duplicate-subscription and
not-found errors, ListStreamConsumers pagination and deregistration.
Prints the put->event latencies it saw. Exits 0 when every check passed,
otherwise 1 with the failed check on stderr.
"""

import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STREAM = "fanout-boto3"
ACCOUNT = "000000000000"


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def client(endpoint):
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def expect_error(code, message, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        check(err.get("Code") == code, f"{fn.__name__}: code {err.get('Code')!r}, want {code!r} ({err.get('Message')!r})")
        if message is not None:
            check(err.get("Message") == message, f"{fn.__name__}: message {err.get('Message')!r}, want {message!r}")
        return
    raise CheckFailed(f"{fn.__name__}({kwargs}) succeeded, want {code}")


def wait_for(what, fn, timeout=15):
    deadline = time.time() + timeout
    while True:
        if fn():
            return
        check(time.time() < deadline, f"{what} not reached after {timeout}s")
        time.sleep(0.05)


def next_records_event(stream_iter):
    """Returns the next SubscribeToShardEvent that carries records."""
    for ev in stream_iter:
        e = ev.get("SubscribeToShardEvent")
        check(e is not None, f"unexpected event {ev}")
        if e["Records"]:
            return e
    raise CheckFailed("event stream ended before records arrived")


def main(endpoint):
    kin = client(endpoint)
    kin.create_stream(StreamName=STREAM, ShardCount=2)
    wait_for("stream ACTIVE", lambda: kin.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")
    stream_arn = kin.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamARN"]

    c = kin.register_stream_consumer(StreamARN=stream_arn, ConsumerName="app")["Consumer"]
    check(c["ConsumerStatus"] == "CREATING", f"register status {c['ConsumerStatus']}")
    epoch = int(c["ConsumerCreationTimestamp"].timestamp())
    want_arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{STREAM}/consumer/app:{epoch}"
    check(c["ConsumerARN"] == want_arn, f"ARN {c['ConsumerARN']}, want {want_arn}")
    arn = c["ConsumerARN"]
    wait_for("consumer ACTIVE", lambda: kin.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE")
    d = kin.describe_stream_consumer(StreamARN=stream_arn, ConsumerName="app")["ConsumerDescription"]
    check(d["ConsumerARN"] == arn and d["StreamARN"] == stream_arn, f"describe by name {d}")

    sub = kin.subscribe_to_shard(ConsumerARN=arn, ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"})
    check(sub["ResponseMetadata"]["HTTPStatusCode"] == 200, "subscribe status")
    events = iter(sub["EventStream"])

    expect_error("ResourceInUseException",
                 f"Another active subscription exists for this consumer: {ACCOUNT}:{STREAM}:shardId-000000000000:app",
                 kin.subscribe_to_shard, ConsumerARN=arn, ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"})
    expect_error("ResourceNotFoundException", f"Consumer {stream_arn}/consumer/ghost:1 under account {ACCOUNT} not found.",
                 kin.subscribe_to_shard, ConsumerARN=f"{stream_arn}/consumer/ghost:1", ShardId="shardId-000000000000",
                 StartingPosition={"Type": "LATEST"})

    # ExplicitHashKey 0 routes every record to shard 0.
    payloads = [b"hello", bytes(range(256)), b"", b"\x00\xff" * 5000]
    latencies = []
    for i, p in enumerate(payloads):
        t0 = time.perf_counter()
        put = kin.put_record(StreamName=STREAM, Data=p, PartitionKey=f"k{i}", ExplicitHashKey="0")
        e = next_records_event(events)
        latencies.append((time.perf_counter() - t0) * 1000)
        check(len(e["Records"]) == 1, f"event has {len(e['Records'])} records")
        r = e["Records"][0]
        check(r["Data"] == p, f"record {i}: data differs ({len(r['Data'])} bytes, want {len(p)})")
        check(r["SequenceNumber"] == put["SequenceNumber"], f"record {i}: seq {r['SequenceNumber']}, want {put['SequenceNumber']}")
        check(r["PartitionKey"] == f"k{i}", f"record {i}: key {r['PartitionKey']}")
        check(e["ContinuationSequenceNumber"] == put["SequenceNumber"], f"continuation {e['ContinuationSequenceNumber']}")
        check(e["MillisBehindLatest"] == 0, f"MillisBehindLatest {e['MillisBehindLatest']}")
    sub["EventStream"].close()

    # Resume after the last record from a fresh subscription (the first one
    # may take a moment to be released after the close).
    last = put["SequenceNumber"]
    deadline = time.time() + 10
    while True:
        try:
            sub2 = kin.subscribe_to_shard(ConsumerARN=arn, ShardId="shardId-000000000000",
                                          StartingPosition={"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": last})
            break
        except ClientError as e:
            check(e.response["Error"]["Code"] == "ResourceInUseException" and time.time() < deadline, f"resubscribe: {e}")
            time.sleep(0.05)
    e = next_records_event(iter(sub2["EventStream"]))
    check(e["Records"][0]["SequenceNumber"] == last, "AT_SEQUENCE_NUMBER resume")
    sub2["EventStream"].close()

    # A shard's end: the event with ChildShards has no ContinuationSequenceNumber
    # (the KCL, Flink and Beam take null as the end and reject both together),
    # and the stream ends after it.
    sub3 = kin.subscribe_to_shard(ConsumerARN=arn, ShardId="shardId-000000000001", StartingPosition={"Type": "TRIM_HORIZON"})
    kin.split_shard(StreamName=STREAM, ShardToSplit="shardId-000000000001", NewStartingHashKey="255211775190703847597530955573826158592")
    end = None
    for ev in sub3["EventStream"]:
        e = ev.get("SubscribeToShardEvent")
        if e is None:
            continue
        check(end is None, "event after the ChildShards event")
        if e.get("ChildShards"):
            end = e
        else:
            check("ContinuationSequenceNumber" in e, f"event without ContinuationSequenceNumber: {e}")
    check(end is not None, "no ChildShards event")
    check("ContinuationSequenceNumber" not in end, f"shard-end event has ContinuationSequenceNumber {end.get('ContinuationSequenceNumber')}")
    check(sorted(c["ShardId"] for c in end["ChildShards"]) == ["shardId-000000000002", "shardId-000000000003"], f"children {end['ChildShards']}")
    wait_for("stream ACTIVE after split", lambda: kin.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")

    for i in range(4):
        kin.register_stream_consumer(StreamARN=stream_arn, ConsumerName=f"extra{i}")
    names, token, pages = [], None, 0
    while True:
        kw = {"StreamARN": stream_arn, "MaxResults": 2}
        if token:
            kw["NextToken"] = token
        page = kin.list_stream_consumers(**kw)
        pages += 1
        names += [x["ConsumerName"] for x in page["Consumers"]]
        token = page.get("NextToken")
        if not token:
            break
    check(names == ["app", "extra0", "extra1", "extra2", "extra3"] and pages == 3, f"listed {names} in {pages} pages")

    kin.deregister_stream_consumer(ConsumerARN=arn)
    wait_for("consumer gone", lambda: all(x["ConsumerName"] != "app" for x in kin.list_stream_consumers(StreamARN=stream_arn)["Consumers"]))
    expect_error("ResourceNotFoundException", None, kin.describe_stream_consumer, ConsumerARN=arn)

    latencies.sort()
    print(f"put->event latency over {len(latencies)} puts (ms, incl. the put round trip): " +
          ", ".join(f"{x:.1f}" for x in latencies))
    print("fanout_boto3: all checks passed")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except CheckFailed as e:
        print(f"CHECK FAILED: {e}", file=sys.stderr)
        sys.exit(1)
