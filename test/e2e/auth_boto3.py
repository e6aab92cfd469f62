#!/usr/bin/env python3
"""boto3 authentication scenario for rheo (run by TestAuthBoto3 in
test/e2e/auth_e2e_test.go against the built binary, and by
TestAuthBoto3InProcess in internal/kinesis against an in-process server).

Usage: auth_boto3.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY

The server must require SigV4 with the given full-access key. The script
checks that correctly signed calls work (create, put, read back
byte-exact) and that each kind of bad request fails with AWS's error code,
exact message and HTTP status: wrong secret, unknown key, unsigned, clock
skewed past 5 minutes both ways.

Exits 0 when every check passed, otherwise 1 naming the failed check.
"""

import datetime
import re
import sys
import time

import boto3
import botocore.auth
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

STREAM = "auth-boto3"
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def client(endpoint, key, secret, unsigned=False):
    cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
    if unsigned:
        cfg = cfg.merge(Config(signature_version=UNSIGNED))
    return boto3.client("kinesis", region_name="eu-west-1", endpoint_url=endpoint,
                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


def expect_error(what, fn, code, message):
    try:
        fn()
    except ClientError as e:
        got_code = e.response["Error"]["Code"]
        got_msg = e.response["Error"].get("Message", "")
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        ok_msg = re.fullmatch(message[1:], got_msg) if message.startswith("~") else got_msg == message
        if got_code != code or not ok_msg or status != 400:
            fail(f"{what}: got {status} {got_code} {got_msg!r}, want 400 {code} {message!r}")
        print(f"ok   {what}: {code}")
        return
    fail(f"{what}: succeeded, want {code}")


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    endpoint, key, secret = sys.argv[1:]
    good = client(endpoint, key, secret)

    good.create_stream(StreamName=STREAM, ShardCount=1)
    for _ in range(100):
        if good.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    else:
        fail("stream never became ACTIVE")
    payloads = [bytes(range(256)), b"\x00\xff" * 1000, "héllo".encode()]
    for i, p in enumerate(payloads):
        good.put_record(StreamName=STREAM, Data=p, PartitionKey=f"k{i}")
    good.put_records(StreamName=STREAM, Records=[{"Data": b"batch", "PartitionKey": "b"}])
    it = good.get_shard_iterator(StreamName=STREAM, ShardId="shardId-000000000000",
                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = [r["Data"] for r in good.get_records(ShardIterator=it)["Records"]]
    if got != payloads + [b"batch"]:
        fail(f"read back {len(got)} records that differ from what was put")
    print("ok   signed calls: create, put_record, put_records, get_records byte-exact")

    expect_error("wrong secret", lambda: client(endpoint, key, secret + "x").list_streams(),
                 "InvalidSignatureException", MISMATCH)
    expect_error("unknown key", lambda: client(endpoint, "AKIDNOSUCHKEY", secret).list_streams(),
                 "UnrecognizedClientException", "The security token included in the request is invalid.")
    expect_error("unsigned", lambda: client(endpoint, key, secret, unsigned=True).list_streams(),
                 "MissingAuthenticationTokenException", "Missing Authentication Token")

    real_now = botocore.auth.get_current_datetime
    try:
        for minutes, word in ((-6, "expired"), (6, "not yet current")):
            botocore.auth.get_current_datetime = lambda m=minutes: real_now() + datetime.timedelta(minutes=m)
            pattern = (r"~Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)"
                       if minutes < 0 else
                       r"~Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)")
            expect_error(f"clock {minutes:+d} min ({word})", lambda: good.list_streams(),
                         "InvalidSignatureException", pattern)
    finally:
        botocore.auth.get_current_datetime = real_now
    good.list_streams()  # the real clock works again
    print("PASS")


if __name__ == "__main__":
    main()
