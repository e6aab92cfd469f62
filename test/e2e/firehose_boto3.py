#!/usr/bin/env python3
"""boto3 Firehose scenario for rheo's e2e suite (run by TestFirehoseBoto3).

Usage: firehose_boto3.py ENDPOINT LAKE_DIR

Creates a Kinesis stream, a KinesisStreamAsSource delivery stream reading
it into bucket lake-boto3 with GZIP compression and zero buffering, writes
records with kinesis put_records, and waits until every record is in the
lake (<LAKE_DIR>/lake-boto3/YYYY/MM/dd/HH/*.gz), byte for byte. Also checks
describe/list shapes and the errors AWS gives for PutRecord and SSE on a
Kinesis-sourced stream.

Exits 0 when every check passed, otherwise 1 naming the failed check.
"""

import gzip
import os
import re
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
STREAM = "boto3-src"
HOSE = "boto3-hose"
BUCKET = "lake-boto3"
ROLE = "arn:aws:iam::%s:role/firehose" % ACCOUNT


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def expect_error(fn, code, msg_part):
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]
        check(got["Code"] == code, "error code %s, want %s (%s)" % (got["Code"], code, got.get("Message")))
        check(msg_part in got.get("Message", ""), "message %r lacks %r" % (got.get("Message"), msg_part))
        return
    raise CheckFailed("call succeeded, want %s" % code)


def wait(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise CheckFailed("timed out waiting for " + what)


def lake_objects(lake_dir):
    root = os.path.join(lake_dir, BUCKET)
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.startswith("."):
                continue
            p = os.path.join(dirpath, f)
            out.append((os.path.relpath(p, root), p))
    return sorted(out)


def main():
    endpoint, lake_dir = sys.argv[1], sys.argv[2]
    cfg = Config(retries={"max_attempts": 3, "mode": "standard"})
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x", config=cfg)
    kinesis = boto3.client("kinesis", **kw)
    firehose = boto3.client("firehose", **kw)

    kinesis.create_stream(StreamName=STREAM, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=STREAM, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    stream_arn = "arn:aws:kinesis:us-east-1:%s:stream/%s" % (ACCOUNT, STREAM)

    out = firehose.create_delivery_stream(
        DeliveryStreamName=HOSE,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::" + BUCKET,
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        },
        Tags=[{"Key": "suite", "Value": "e2e"}],
    )
    check(out["DeliveryStreamARN"] == "arn:aws:firehose:us-east-1:%s:deliverystream/%s" % (ACCOUNT, HOSE), "ARN " + out["DeliveryStreamARN"])

    def active():
        d = firehose.describe_delivery_stream(DeliveryStreamName=HOSE)["DeliveryStreamDescription"]
        return d if d["DeliveryStreamStatus"] == "ACTIVE" else None

    d = wait(active, "ACTIVE")
    check(d["DeliveryStreamType"] == "KinesisStreamAsSource", "type %s" % d["DeliveryStreamType"])
    src = d["Source"]["KinesisStreamSourceDescription"]
    check(src["KinesisStreamARN"] == stream_arn and src["RoleARN"] == ROLE, "source %r" % src)
    check("DeliveryStartTimestamp" in src, "no DeliveryStartTimestamp")
    ext = d["Destinations"][0]["ExtendedS3DestinationDescription"]
    check(ext["CompressionFormat"] == "GZIP", "compression %r" % ext)
    check(ext["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 0}, "hints %r" % ext["BufferingHints"])
    check(d["Destinations"][0]["S3DestinationDescription"]["BucketARN"] == "arn:aws:s3:::" + BUCKET, "S3DestinationDescription")
    check(d["VersionId"] == "1" and d["HasMoreDestinations"] is False, "version/hasMore")

    names = firehose.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")["DeliveryStreamNames"]
    check(names == [HOSE], "list by type %r" % names)
    check(firehose.list_delivery_streams(DeliveryStreamType="DirectPut")["DeliveryStreamNames"] == [], "DirectPut list not empty")
    tags = firehose.list_tags_for_delivery_stream(DeliveryStreamName=HOSE)["Tags"]
    check(tags == [{"Key": "suite", "Value": "e2e"}], "tags %r" % tags)

    msg = "This operation is not permitted on KinesisStreamAsSource delivery stream type."
    expect_error(lambda: firehose.put_record(DeliveryStreamName=HOSE, Record={"Data": b"x"}), "InvalidArgumentException", msg)
    expect_error(lambda: firehose.start_delivery_stream_encryption(DeliveryStreamName=HOSE), "InvalidArgumentException", msg)
    expect_error(lambda: firehose.describe_delivery_stream(DeliveryStreamName="missing"), "ResourceNotFoundException",
                 "Firehose missing under account %s not found." % ACCOUNT)

    # Records written after the delivery stream exists are delivered.
    want = []
    for batch in range(4):
        entries = []
        for i in range(50):
            data = ('{"batch":%d,"i":%d,"bin":"\\u00e9"}\n' % (batch, i)).encode()
            want.append(data)
            entries.append({"Data": data, "PartitionKey": "pk-%d-%d" % (batch, i)})
        r = kinesis.put_records(StreamName=STREAM, Records=entries)
        check(r["FailedRecordCount"] == 0, "put_records failed %r" % r)

    def delivered():
        objs = lake_objects(lake_dir)
        lines = []
        for _, path in objs:
            try:
                with gzip.open(path, "rb") as f:
                    lines.extend(f.read().splitlines(keepends=True))
            except (OSError, EOFError):
                return None
        return (objs, lines) if len(lines) >= len(want) else None

    objs, lines = wait(delivered, "all records in the lake")
    check(sorted(lines) == sorted(want), "lake holds %d records, want %d (first %r)" % (len(lines), len(want), lines[:2]))
    key_re = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{2}/%s-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]+\.gz$" % HOSE)
    for key, _ in objs:
        check(key_re.match(key), "key %r is not Firehose's default layout" % key)

    firehose.delete_delivery_stream(DeliveryStreamName=HOSE)
    wait(lambda: HOSE not in firehose.list_delivery_streams()["DeliveryStreamNames"], "deleted stream gone from list")
    print("firehose boto3 scenario: all checks passed (%d records, %d objects)" % (len(want), len(objs)))


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print("CHECK FAILED:", e, file=sys.stderr)
        sys.exit(1)
