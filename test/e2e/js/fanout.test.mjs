// Enhanced fan-out with the AWS SDK for JavaScript v3 against a running
// rheo (run by TestFanoutJS in ../js_e2e_test.go, which sets RHEO_ENDPOINT).
//
//   RHEO_ENDPOINT=http://127.0.0.1:4567 node --test fanout.test.mjs
//
// The Kinesis client of the JS SDK v3 sends every operation, and so
// SubscribeToShard, through NodeHttp2Handler: over a plain http:// endpoint
// that is HTTP/2 with prior knowledge (h2c), the event stream on a session
// of its own. Each test creates a 1-shard stream, registers a consumer,
// subscribes at LATEST, puts 5 binary records (non-UTF-8 bytes included)
// once the subscription has answered, and checks they arrive byte-exact, in
// order, with increasing sequence numbers equal to PutRecord's and a
// ContinuationSequenceNumber; then aborts the subscription, checks the
// server released it (a new subscription of the same consumer and shard is
// accepted) and that resuming AFTER_SEQUENCE_NUMBER the continuation
// delivers exactly the next record put, and deregisters the consumer.
//
// Three request handlers are covered:
//   - the client's default (NodeHttp2Handler with disableConcurrentStreams,
//     as the SDK's runtime config builds it), untouched;
//   - an explicit `new NodeHttp2Handler(...)` sharing one session for the
//     unary calls, whose raw event-stream body is also parsed to check the
//     framing: an initial-response message first, then
//     SubscribeToShardEvent messages, each with :message-type event and
//     :content-type application/json;
//   - an explicit NodeHttpHandler (HTTP/1.1, chunked), framing checked too,
//     for users who configure the SDK's HTTP/1.1 handler.
// Each checks the response really came over the protocol meant (h2c, or
// HTTP/1.1) with Content-Type application/vnd.amazon.eventstream. Nothing
// is timed except the overall per-test timeout.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Transform, pipeline } from "node:stream";

import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DeregisterStreamConsumerCommand,
  SubscribeToShardCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttp2Handler, NodeHttpHandler } from "@smithy/node-http-handler";

const endpoint = process.env.RHEO_ENDPOINT;
const skip = endpoint
  ? false
  : "RHEO_ENDPOINT is not set: start `rheo serve` and set RHEO_ENDPOINT=http://HOST:PORT (TestFanoutJS in test/e2e does both)";

const TIMEOUT = 30_000; // the only time bound: the whole test
const SHARD = "shardId-000000000000";
const POLL_MS = 20;

function newClient(requestHandler) {
  return new KinesisClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDRHEOE2E", secretAccessKey: "rheo-e2e-secret" },
    ...(requestHandler ? { requestHandler } : {}),
  });
}

// The 5 payloads: binary, with bytes that are not valid UTF-8 (lone
// continuation bytes, 0xC3 0x28, 0xFF, 0xFE, NUL), every byte value once,
// an empty-ish one and a larger one.
function payloads() {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const big = new Uint8Array(70_000);
  let x = 0x2545f491;
  for (let i = 0; i < big.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32
    big[i] = x & 0xff;
  }
  return [
    Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0xbf]),
    all,
    Uint8Array.from([0x00]),
    Uint8Array.from([0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80, 0x0a, 0x0d, 0x22, 0x5c]),
    big,
  ];
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// poll calls fn until it returns a truthy value, bounded only by the test's
// timeout (signal is aborted when the test ends). Errors from fn fail at
// once: callers turn the expected ones into false.
async function poll(signal, what, fn) {
  while (!signal.aborted) {
    const v = await fn();
    if (v) return v;
    await sleep(POLL_MS);
  }
  throw new Error(`gave up waiting for ${what}`);
}

// ---- raw event-stream parsing (for the framing check) --------------------

// parseHeaders decodes the headers block of one event-stream message.
function parseHeaders(buf) {
  const h = {};
  let i = 0;
  while (i < buf.length) {
    const nlen = buf[i++];
    const name = buf.subarray(i, i + nlen).toString("utf8");
    i += nlen;
    const type = buf[i++];
    let value;
    switch (type) {
      case 0: value = true; break;
      case 1: value = false; break;
      case 2: value = buf.readInt8(i); i += 1; break;
      case 3: value = buf.readInt16BE(i); i += 2; break;
      case 4: value = buf.readInt32BE(i); i += 4; break;
      case 5: case 8: value = buf.readBigInt64BE(i); i += 8; break;
      case 6: case 7: {
        const len = buf.readUInt16BE(i);
        i += 2;
        value = type === 7 ? buf.subarray(i, i + len).toString("utf8") : Buffer.from(buf.subarray(i, i + len));
        i += len;
        break;
      }
      case 9: value = buf.subarray(i, i + 16).toString("hex"); i += 16; break;
      default: throw new Error(`event-stream header ${name}: unknown type ${type}`);
    }
    h[name] = value;
  }
  return h;
}

// frameTap passes the body through unchanged and appends the headers of
// each complete event-stream message to messages.
function frameTap(messages) {
  let pending = Buffer.alloc(0);
  return new Transform({
    transform(chunk, _enc, cb) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
      try {
        while (pending.length >= 12) {
          const total = pending.readUInt32BE(0);
          const hlen = pending.readUInt32BE(4);
          if (total < 16 || hlen > total - 16) throw new Error(`bad event-stream prelude: total ${total}, headers ${hlen}`);
          if (pending.length < total) break;
          messages.push({ headers: parseHeaders(pending.subarray(12, 12 + hlen)), payloadBytes: total - 16 - hlen });
          pending = pending.subarray(total);
        }
      } catch (err) {
        cb(err);
        return;
      }
      cb(null, chunk);
    },
  });
}

// wireSpy records, for each SubscribeToShard response, the protocol it came
// over, its status and Content-Type; with tapFrames it also swaps the body
// for a pass-through that records the event-stream messages. It sits in the
// deserialize step below the SDK's deserializer, so it sees the raw
// HttpResponse the handler returned.
function addWireSpy(client, tapFrames) {
  const seen = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName !== "SubscribeToShardCommand") return out;
      const res = out.response;
      const raw = res.body;
      const rec = {
        statusCode: res.statusCode,
        contentType: res.headers["content-type"],
        // A ClientHttp2Stream has a session, whose protocol Node names
        // "h2c" over plain TCP; an HTTP/1.x body is an IncomingMessage.
        proto: raw?.session?.alpnProtocol ?? (raw?.httpVersion ? `http/${raw.httpVersion}` : undefined),
        messages: [],
      };
      seen.push(rec);
      if (tapFrames && rec.statusCode === 200 && raw && typeof raw.pipe === "function") {
        res.body = pipeline(raw, frameTap(rec.messages), () => {});
      }
      return out;
    },
    { step: "deserialize", priority: "low", name: "rheoWireSpy" },
  );
  return seen;
}

// ---- the scenario ----------------------------------------------------------

async function scenario(t, { name, requestHandler, tapFrames, proto = "h2c" }) {
  const done = new AbortController(); // ends polls when the test ends
  const client = newClient(requestHandler);
  const subscribeClient = newClient(requestHandler);
  const wire = addWireSpy(subscribeClient, tapFrames);
  const subs = [];
  t.after(() => {
    done.abort();
    for (const ac of subs) ac.abort();
    client.destroy();
    subscribeClient.destroy();
  });

  // The default handler is the SDK's NodeHttp2Handler; an explicit one is
  // the test's.
  if (requestHandler) assert.equal(client.config.requestHandler, requestHandler);
  else assert.ok(client.config.requestHandler instanceof NodeHttp2Handler, "default request handler is not NodeHttp2Handler");
  const handlerProtocol = proto === "h2c" ? "h2" : "http/1.1";
  assert.equal(client.config.requestHandler.metadata?.handlerProtocol, handlerProtocol, `${name}: client's request handler protocol`);

  const stream = `js-fanout-${name}`;
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const summary = await poll(done.signal, `stream ${stream} ACTIVE`, async () => {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return out.StreamDescriptionSummary.StreamStatus === "ACTIVE" && out.StreamDescriptionSummary;
  });
  const streamARN = summary.StreamARN;
  assert.match(streamARN, /^arn:aws:kinesis:us-east-1:\d{12}:stream\//);

  const reg = await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamARN, ConsumerName: `js-${name}` }));
  const consumerARN = reg.Consumer.ConsumerARN;
  await poll(done.signal, `consumer ${consumerARN} ACTIVE`, async () => {
    const out = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerARN }));
    return out.ConsumerDescription.ConsumerStatus === "ACTIVE";
  });

  // Subscribe at LATEST. send() resolves once the response headers and the
  // first event-stream message (the initial-response) have arrived; only
  // then are the records put, so LATEST is sure to precede them.
  const subscribe = async (StartingPosition) => {
    const ac = new AbortController();
    subs.push(ac);
    const out = await subscribeClient.send(
      new SubscribeToShardCommand({ ConsumerARN: consumerARN, ShardId: SHARD, StartingPosition }),
      { abortSignal: ac.signal },
    );
    assert.ok(out.EventStream, "SubscribeToShard output has no EventStream");
    return { ac, events: out.EventStream[Symbol.asyncIterator]() };
  };
  const sub = await subscribe({ Type: "LATEST" });

  const want = payloads();
  const puts = [];
  for (const [i, data] of want.entries()) {
    const out = await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `pk-${i}`, Data: data }));
    assert.equal(out.ShardId, SHARD);
    puts.push(out.SequenceNumber);
  }

  // Read events until all 5 records have arrived; empty events
  // (heartbeats) are skipped.
  const got = [];
  const continuations = [];
  while (got.length < want.length) {
    const { value: ev, done: ended } = await sub.events.next();
    assert.ok(!ended, `event stream ended after ${got.length} of ${want.length} records`);
    const keys = Object.keys(ev);
    assert.deepEqual(keys, ["SubscribeToShardEvent"], `unexpected event ${JSON.stringify(keys)}`);
    const e = ev.SubscribeToShardEvent;
    assert.equal(typeof e.ContinuationSequenceNumber, "string", "event without ContinuationSequenceNumber");
    assert.match(e.ContinuationSequenceNumber, /^\d+$/);
    assert.equal(typeof e.MillisBehindLatest, "number");
    if (e.Records.length === 0) continue;
    got.push(...e.Records);
    continuations.push({ cont: e.ContinuationSequenceNumber, last: e.Records.at(-1).SequenceNumber });
  }
  assert.equal(got.length, want.length, "more records than were put");
  let prev = -1n;
  for (const [i, r] of got.entries()) {
    assert.ok(r.Data instanceof Uint8Array, `record ${i}: Data is ${typeof r.Data}, want Uint8Array`);
    assert.equal(r.Data.length, want[i].length, `record ${i}: ${r.Data.length} bytes, want ${want[i].length}`);
    assert.ok(Buffer.from(r.Data).equals(Buffer.from(want[i])), `record ${i}: bytes differ`);
    assert.equal(r.PartitionKey, `pk-${i}`);
    assert.equal(r.SequenceNumber, puts[i], `record ${i}: sequence number differs from PutRecord's`);
    const sn = BigInt(r.SequenceNumber);
    assert.ok(sn > prev, `record ${i}: sequence number ${sn} not above ${prev}`);
    prev = sn;
    assert.ok(r.ApproximateArrivalTimestamp instanceof Date && !isNaN(r.ApproximateArrivalTimestamp), `record ${i}: bad ApproximateArrivalTimestamp`);
  }
  // The continuation is at or after the event's last record (AWS gives
  // the last record's number); that resuming after it neither replays nor
  // skips a record is checked below.
  for (const { cont, last } of continuations) assert.ok(BigInt(cont) >= BigInt(last), `ContinuationSequenceNumber ${cont} before the event's last record ${last}`);
  const resumeAfter = continuations.at(-1).cont;

  // End the subscription: abort, and the iterator must end (with the
  // abort error, or done) rather than hang.
  sub.ac.abort();
  try {
    for (;;) {
      const { done: ended } = await sub.events.next();
      if (ended) break;
    }
    t.diagnostic("after abort: the event stream ended");
  } catch (err) {
    assert.ok(err.name === "AbortError" || /abort/i.test(String(err.message)), `after abort: ${err.name}: ${err.message}`);
    t.diagnostic(`after abort: ${err.name}: ${err.message}`);
  }

  // The server must have released the subscription: a new one of the same
  // consumer and shard is accepted (ResourceInUseException until then). It
  // resumes AFTER_SEQUENCE_NUMBER the last continuation, so the first
  // record it delivers is the next one put, byte-exact.
  const again = await poll(done.signal, "a new subscription after abort", async () => {
    try {
      return await subscribe({ Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: resumeAfter });
    } catch (err) {
      if (err.name === "ResourceInUseException") return false;
      throw err;
    }
  });
  const sixth = Uint8Array.from([0x80, 0x81, 0xfe, 0xff, 0x00, 0x01]);
  const put6 = await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "pk-5", Data: sixth }));
  for (;;) {
    const { value: ev, done: ended } = await again.events.next();
    assert.ok(!ended, "resumed event stream ended before its first record");
    const recs = ev.SubscribeToShardEvent?.Records ?? [];
    if (recs.length === 0) continue;
    assert.equal(recs[0].SequenceNumber, put6.SequenceNumber, `resuming after ${resumeAfter} replayed or skipped a record`);
    assert.ok(Buffer.from(recs[0].Data).equals(Buffer.from(sixth)), "resumed record: bytes differ");
    break;
  }
  again.ac.abort();
  await again.events.next().catch(() => {});

  // The wire: both subscriptions answered 200 over the expected protocol
  // with an event stream (a retry refused with ResourceInUseException
  // while the aborted one was being released answered 400); the tapped one
  // starts with initial-response.
  t.diagnostic(`SubscribeToShard responses: ${wire.map((w) => `${w.statusCode} ${w.proto} ${w.contentType}`).join("; ")}`);
  const streams = wire.filter((w) => w.statusCode === 200);
  assert.equal(streams.length, 2, "SubscribeToShard answered 200 twice");
  for (const w of wire) {
    assert.equal(w.proto, proto, `SubscribeToShard went over ${w.proto}, want ${proto}`);
    if (w.statusCode !== 200) assert.equal(w.statusCode, 400, "a refused SubscribeToShard");
  }
  for (const w of streams) assert.equal(w.contentType, "application/vnd.amazon.eventstream");
  if (tapFrames) {
    const msgs = streams[0].messages;
    t.diagnostic(`event-stream messages of the first subscription: ${msgs.map((m) => `${m.headers[":event-type"]}(${m.payloadBytes} B)`).join(", ")}`);
    assert.ok(msgs.length >= 2, `tapped ${msgs.length} event-stream messages`);
    assert.equal(msgs[0].headers[":event-type"], "initial-response", "first message is not initial-response");
    for (const m of msgs) {
      assert.equal(m.headers[":message-type"], "event", JSON.stringify(m.headers));
      assert.equal(m.headers[":content-type"], "application/json");
    }
    for (const m of msgs.slice(1)) assert.equal(m.headers[":event-type"], "SubscribeToShardEvent");
  }

  // Deregister and wait until the consumer is gone.
  await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerARN }));
  await poll(done.signal, `consumer ${consumerARN} gone`, async () => {
    try {
      const out = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerARN }));
      assert.equal(out.ConsumerDescription.ConsumerStatus, "DELETING");
      return false;
    } catch (err) {
      if (err.name === "ResourceNotFoundException") return true;
      throw err;
    }
  });
  await client.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
}

test("SubscribeToShard with the client's default request handler (NodeHttp2Handler, h2c)", { skip, timeout: TIMEOUT }, (t) =>
  scenario(t, { name: "default" }),
);

test("SubscribeToShard with an explicit NodeHttp2Handler (h2c, framing checked)", { skip, timeout: TIMEOUT }, (t) =>
  scenario(t, { name: "h2", requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }), tapFrames: true }),
);

test("SubscribeToShard with NodeHttpHandler (HTTP/1.1, framing checked)", { skip, timeout: TIMEOUT }, (t) =>
  scenario(t, { name: "h1", requestHandler: new NodeHttpHandler(), tapFrames: true, proto: "http/1.1" }),
);
