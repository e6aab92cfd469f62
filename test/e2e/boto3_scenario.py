#!/usr/bin/env python3
"""boto3 scenario for rheo's e2e suite (run by TestBoto3 in boto3_test.go).

Usage: boto3_scenario.py write|verify ENDPOINT STATE_FILE

write   creates a 3-shard stream, writes with put_record and put_records
        (binary payloads included), checks list_shards pagination, reads
        everything back byte-exact, checks error codes and messages, and
        saves what was acknowledged to STATE_FILE.
verify  (after the Go side restarted the server) reads everything back
        again and compares it with STATE_FILE.

Exits 0 when every check passed, otherwise 1 with a message naming the
failed check on stderr.
"""

import base64
import datetime
import json
import random
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STREAM = "boto3-stream"
SHARDS = 3
ACCOUNT = "000000000000"


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def client(endpoint, validate=True):
    return boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(
            retries={"total_max_attempts": 1},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=30,
        ),
    )


def expect_error(code, message, fn, **kwargs):
    """Calls fn(**kwargs), which must raise ClientError with code (and
    message, unless None)."""
    try:
        fn(**kwargs)
    except ClientError as e:
        err = e.response["Error"]
        check(err.get("Code") == code,
              f"{fn.__name__}({kwargs}): error code {err.get('Code')!r}, want {code!r} (message {err.get('Message')!r})")
        if message is not None:
            check(err.get("Message") == message,
                  f"{fn.__name__}({kwargs}): message {err.get('Message')!r}, want {message!r}")
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400,
              f"{fn.__name__}({kwargs}): HTTP {e.response['ResponseMetadata']['HTTPStatusCode']}, want 400")
        return
    raise CheckFailed(f"{fn.__name__}({kwargs}) succeeded, want {code}")


def wait_active(kin):
    deadline = time.time() + 15
    while True:
        s = kin.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]
        if s["StreamStatus"] == "ACTIVE":
            return s
        check(time.time() < deadline, f"stream still {s['StreamStatus']} after 15s")
        time.sleep(0.05)


def list_shards_paged(kin):
    """Lists shards one per page; returns shard dicts in order."""
    shards = []
    resp = kin.list_shards(StreamName=STREAM, MaxResults=1)
    pages = 1
    while True:
        check(len(resp["Shards"]) <= 1, f"list_shards MaxResults=1 returned {len(resp['Shards'])} shards")
        shards.extend(resp["Shards"])
        token = resp.get("NextToken")
        if not token:
            break
        check(pages <= SHARDS + 1, "list_shards pagination does not end")
        resp = kin.list_shards(NextToken=token, MaxResults=1)
        pages += 1
    check(pages >= SHARDS, f"list_shards MaxResults=1 took {pages} pages for {SHARDS} shards; NextToken missing?")
    return shards


def read_all(kin, shard_ids):
    """Reads every shard from TRIM_HORIZON; returns data -> (shard, seq, pk)."""
    got = {}
    for sid in shard_ids:
        it = kin.get_shard_iterator(StreamName=STREAM, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        prev = None
        for calls in range(1000):
            resp = kin.get_records(ShardIterator=it, Limit=100)
            check(len(resp["Records"]) <= 100, f"get_records Limit=100 returned {len(resp['Records'])}")
            for r in resp["Records"]:
                data = r["Data"]
                check(isinstance(data, bytes), f"Data is {type(data)}, want bytes")
                check(data not in got, f"shard {sid}: payload {data[:32]!r} read twice")
                check(isinstance(r["ApproximateArrivalTimestamp"], datetime.datetime),
                      f"ApproximateArrivalTimestamp {r.get('ApproximateArrivalTimestamp')!r} is not a timestamp")
                seq = int(r["SequenceNumber"])
                check(prev is None or seq > prev, f"shard {sid}: sequence {seq} after {prev}")
                prev = seq
                got[data] = (sid, r["SequenceNumber"], r["PartitionKey"])
            if not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
                break
            it = resp.get("NextShardIterator")
            if not it:
                break
        else:
            raise CheckFailed(f"shard {sid}: get_records did not reach the end in 1000 calls")
    return got


def compare(want, got, when):
    missing = [d for d in want if d not in got]
    check(not missing, f"{when}: {len(missing)} of {len(want)} acknowledged records missing, e.g. {missing[0][:32]!r}"
          if missing else "")
    extra = [d for d in got if d not in want]
    check(not extra, f"{when}: {len(extra)} records never written, e.g. {extra[0][:32]!r}" if extra else "")
    for d, w in want.items():
        check(got[d] == w, f"{when}: record {d[:32]!r} read back as (shard, seq, pk) {got[d]}, acknowledged as {w}")


def phase_write(endpoint, state_file):
    kin = client(endpoint)
    rng = random.Random(42)

    kin.create_stream(StreamName=STREAM, ShardCount=SHARDS)
    summary = wait_active(kin)
    check(summary["OpenShardCount"] == SHARDS, f"OpenShardCount {summary['OpenShardCount']}, want {SHARDS}")
    check(summary["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{STREAM}",
          f"StreamARN {summary['StreamARN']!r}")

    shards = list_shards_paged(kin)
    shard_ids = [s["ShardId"] for s in shards]
    check(len(shard_ids) == SHARDS and len(set(shard_ids)) == SHARDS, f"list_shards: {shard_ids}")
    first = min(shards, key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
    check(first["HashKeyRange"]["StartingHashKey"] == "0", f"lowest StartingHashKey {first['HashKeyRange']}")

    want = {}  # data -> (shard, seq, pk)

    # put_record: every byte value, routed by ExplicitHashKey to the first shard.
    data = bytes(range(256)) + b"\xff\xfe\x00\xc3\x28"
    r = kin.put_record(StreamName=STREAM, Data=data, PartitionKey="pk-single", ExplicitHashKey="0")
    check(r["ShardId"] == first["ShardId"], f"put_record ExplicitHashKey=0 went to {r['ShardId']}, want {first['ShardId']}")
    check(r["SequenceNumber"].isdigit(), f"put_record SequenceNumber {r['SequenceNumber']!r}")
    want[data] = (r["ShardId"], r["SequenceNumber"], "pk-single")
    single_seq = r["SequenceNumber"]

    # put_records: 500 records, random binary of assorted sizes.
    entries = []
    for i in range(500):
        size = rng.choice([1, 7, 100, 1000, 4096])
        payload = f"b3-{i:03d}|".encode() + bytes(rng.getrandbits(8) for _ in range(size))
        entries.append({"Data": payload, "PartitionKey": f"key-{rng.getrandbits(64)}"})
    resp = kin.put_records(StreamName=STREAM, Records=entries)
    check(resp["FailedRecordCount"] == 0, f"put_records FailedRecordCount {resp['FailedRecordCount']}")
    check(len(resp["Records"]) == 500, f"put_records returned {len(resp['Records'])} results for 500")
    used = set()
    for i, (e, res) in enumerate(zip(entries, resp["Records"])):
        check("ErrorCode" not in res, f"put_records result {i}: {res}")
        check(res.get("ShardId") in shard_ids, f"put_records result {i}: ShardId {res.get('ShardId')!r}")
        check(res.get("SequenceNumber", "").isdigit(), f"put_records result {i}: SequenceNumber {res.get('SequenceNumber')!r}")
        used.add(res["ShardId"])
        want[e["Data"]] = (res["ShardId"], res["SequenceNumber"], e["PartitionKey"])
    check(used == set(shard_ids), f"500 random keys landed on {sorted(used)}, want all of {shard_ids}")

    got = read_all(kin, shard_ids)
    compare(want, got, "before restart")

    # AT_ / AFTER_SEQUENCE_NUMBER around the single record.
    it = kin.get_shard_iterator(StreamName=STREAM, ShardId=first["ShardId"],
                                ShardIteratorType="AT_SEQUENCE_NUMBER",
                                StartingSequenceNumber=single_seq)["ShardIterator"]
    recs = kin.get_records(ShardIterator=it, Limit=1)["Records"]
    check(len(recs) == 1 and recs[0]["Data"] == data, "AT_SEQUENCE_NUMBER did not return the put_record record first")
    it = kin.get_shard_iterator(StreamName=STREAM, ShardId=first["ShardId"],
                                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                StartingSequenceNumber=single_seq)["ShardIterator"]
    recs = kin.get_records(ShardIterator=it, Limit=1)["Records"]
    check(all(int(x["SequenceNumber"]) > int(single_seq) for x in recs),
          "AFTER_SEQUENCE_NUMBER returned a record at or before the sequence number")

    # Error cases.
    expect_error("ResourceNotFoundException", f"Stream nope under account {ACCOUNT} not found.",
                 kin.describe_stream, StreamName="nope")
    expect_error("ResourceNotFoundException", f"Stream nope under account {ACCOUNT} not found.",
                 kin.describe_stream_summary, StreamName="nope")
    expect_error("ResourceNotFoundException", None,
                 kin.put_record, StreamName="nope", Data=b"x", PartitionKey="k")
    expect_error("ResourceInUseException", None,
                 kin.create_stream, StreamName=STREAM, ShardCount=1)
    expect_error("ResourceNotFoundException", None,
                 kin.get_shard_iterator, StreamName=STREAM, ShardId="shardId-000000000999",
                 ShardIteratorType="TRIM_HORIZON")
    raw = client(endpoint, validate=False)
    expect_error("ValidationException",
                 "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: "
                 "Member must have value greater than or equal to 1",
                 raw.create_stream, StreamName="zero", ShardCount=0)
    expect_error("ValidationException", None,
                 raw.put_records, StreamName=STREAM, Records=[])

    with open(state_file, "w") as f:
        json.dump({"shards": shard_ids,
                   "records": [[base64.b64encode(d).decode(), *w] for d, w in want.items()]}, f)
    print(f"write: {len(want)} records acknowledged and read back on {len(shard_ids)} shards")


def phase_verify(endpoint, state_file):
    kin = client(endpoint)
    with open(state_file) as f:
        state = json.load(f)
    want = {base64.b64decode(r[0]): tuple(r[1:]) for r in state["records"]}
    wait_active(kin)
    names = kin.list_streams()["StreamNames"]
    check(STREAM in names, f"list_streams after restart: {names}")
    check("zero" not in names, f"list_streams shows rejected stream 'zero': {names}")
    shard_ids = [s["ShardId"] for s in list_shards_paged(kin)]
    check(shard_ids == state["shards"], f"shards after restart {shard_ids}, before {state['shards']}")
    got = read_all(kin, shard_ids)
    compare(want, got, "after restart")
    print(f"verify: all {len(want)} records present after restart")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("write", "verify"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    phase, endpoint, state_file = sys.argv[1:]
    try:
        (phase_write if phase == "write" else phase_verify)(endpoint, state_file)
    except CheckFailed as e:
        print(f"CHECK FAILED ({phase}): {e}", file=sys.stderr)
        sys.exit(1)
    except ClientError as e:
        print(f"UNEXPECTED API ERROR ({phase}): {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
