#!/usr/bin/env python3
"""boto3 Direct PUT scenario for rheo's e2e suite (run by TestFirehoseBoto3DirectPut).

Usage: firehose_direct_boto3.py ENDPOINT LAKE_DIR

Creates a DirectPut delivery stream into bucket lake-direct with zero
buffering, puts binary records (every byte value, empty-ish and 1,000 KiB
records) with put_record and put_record_batch, and checks the lake holds
them byte for byte, concatenated as sent. Then: update_destination with a
stale version id fails with ConcurrentModificationException and with the
current one switches to GZIP under a new prefix (VersionId 2 in keys);
start/stop encryption; tags; delete.

Exits 0 when every check passed, otherwise 1 naming the failed check.
"""

import gzip
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HOSE = "boto3-direct"
BUCKET = "lake-direct"
ROLE = "arn:aws:iam::000000000000:role/firehose"


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def objects(lake, prefix=""):
    """Objects under prefix in the order they were written: keys of batches
    delivered in the same second differ only in their random part, so key
    order is not delivery order; the lake writes batches one after the other,
    so modification times are."""
    root = os.path.join(lake, BUCKET)
    out = []
    for d, _, files in os.walk(os.path.join(root, prefix)):
        for f in files:
            if f.startswith("."):
                continue
            p = os.path.join(d, f)
            out.append((os.stat(p).st_mtime_ns, os.path.relpath(p, root), open(p, "rb").read()))
    return [(k, data) for _, k, data in sorted(out)]


def wait_for(fn, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise CheckFailed("timed out waiting for " + what)


def main(endpoint, lake):
    fh = boto3.client("firehose", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x",
                      config=Config(retries={"max_attempts": 2}))
    fh.create_delivery_stream(
        DeliveryStreamName=HOSE, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE, "BucketARN": "arn:aws:s3:::" + BUCKET, "Prefix": "v1/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}},
        Tags=[{"Key": "team", "Value": "data"}])
    wait_for(lambda: fh.describe_delivery_stream(DeliveryStreamName=HOSE)
             ["DeliveryStreamDescription"]["DeliveryStreamStatus"] == "ACTIVE", "ACTIVE")

    records = [bytes(range(256)), b"\x00", "héllo ✓\n".encode(), os.urandom(1000 * 1024)]
    r = fh.put_record(DeliveryStreamName=HOSE, Record={"Data": records[0]})
    check(len(r["RecordId"]) > 0 and r["Encrypted"] is False, "put_record reply %r" % r)
    r = fh.put_record_batch(DeliveryStreamName=HOSE, Records=[{"Data": d} for d in records[1:]])
    check(r["FailedPutCount"] == 0 and len(r["RequestResponses"]) == 3, "put_record_batch reply")
    check(all("RecordId" in x for x in r["RequestResponses"]), "RecordIds")

    want = b"".join(records)
    objs = wait_for(lambda: (lambda o: o if sum(len(d) for _, d in o) >= len(want) else None)(objects(lake, "v1")),
                    "the records in the lake")
    got = b"".join(d for _, d in objs)
    # Objects are written in order; the batch may be split across objects.
    check(got == want, "lake bytes differ: %d bytes, want %d" % (len(got), len(want)))
    check(all(k.startswith("v1/") and "/%s-1-" % HOSE in k for k, _ in objs), "keys %r" % [k for k, _ in objs])

    # A record over 1,000 KiB is refused.
    try:
        fh.put_record(DeliveryStreamName=HOSE, Record={"Data": b"x" * (1000 * 1024 + 1)})
        raise CheckFailed("oversized record accepted")
    except ClientError as e:
        check(e.response["Error"]["Code"] in ("ValidationException", "InvalidArgumentException"),
              "oversized record: %s" % e.response["Error"]["Code"])

    d = fh.describe_delivery_stream(DeliveryStreamName=HOSE)["DeliveryStreamDescription"]
    version, dest_id = d["VersionId"], d["Destinations"][0]["DestinationId"]
    check(version == "1", "VersionId %s" % version)
    try:
        fh.update_destination(DeliveryStreamName=HOSE, CurrentDeliveryStreamVersionId="7",
                              DestinationId=dest_id, ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP"})
        raise CheckFailed("stale version accepted")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ConcurrentModificationException", "stale version: %s" % e.response["Error"]["Code"])
    fh.update_destination(DeliveryStreamName=HOSE, CurrentDeliveryStreamVersionId=version, DestinationId=dest_id,
                          ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP", "Prefix": "v2/"})
    d = fh.describe_delivery_stream(DeliveryStreamName=HOSE)["DeliveryStreamDescription"]
    check(d["VersionId"] == "2", "VersionId after update %s" % d["VersionId"])
    s3d = d["Destinations"][0]["ExtendedS3DestinationDescription"]
    check(s3d["CompressionFormat"] == "GZIP" and s3d["Prefix"] == "v2/", "updated description %r" % s3d)

    fh.put_record(DeliveryStreamName=HOSE, Record={"Data": b"after update\n"})
    objs = wait_for(lambda: objects(lake, "v2"), "the GZIP object")
    key, data = objs[0]
    check(key.endswith(".gz") and "/%s-2-" % HOSE in key, "v2 key %s" % key)
    check(gzip.decompress(data) == b"after update\n", "v2 content")

    fh.start_delivery_stream_encryption(DeliveryStreamName=HOSE,
                                        DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"})
    wait_for(lambda: fh.describe_delivery_stream(DeliveryStreamName=HOSE)["DeliveryStreamDescription"]
             ["DeliveryStreamEncryptionConfiguration"]["Status"] == "ENABLED", "encryption ENABLED")
    fh.stop_delivery_stream_encryption(DeliveryStreamName=HOSE)

    fh.tag_delivery_stream(DeliveryStreamName=HOSE, Tags=[{"Key": "env", "Value": "dev"}])
    fh.untag_delivery_stream(DeliveryStreamName=HOSE, TagKeys=["team"])
    tags = fh.list_tags_for_delivery_stream(DeliveryStreamName=HOSE)["Tags"]
    check(tags == [{"Key": "env", "Value": "dev"}], "tags %r" % tags)

    fh.delete_delivery_stream(DeliveryStreamName=HOSE)
    wait_for(lambda: HOSE not in fh.list_delivery_streams()["DeliveryStreamNames"], "deletion")
    try:
        fh.put_record(DeliveryStreamName=HOSE, Record={"Data": b"x"})
        raise CheckFailed("put to a deleted stream accepted")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ResourceNotFoundException", "deleted: %s" % e.response["Error"]["Code"])
    print("boto3 Direct PUT scenario: all checks passed")


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except CheckFailed as e:
        print("CHECK FAILED:", e)
        sys.exit(1)
