// Calls to rheo's own APIs from the browser: the Kinesis and Firehose
// JSON 1.1 APIs on POST /, SQL on POST /v1/sql, and the console's few GET
// endpoints under /console/api/. All are SigV4-signed once the user has
// signed in (auth.js), which rheo needs when its auth is on.
import { signedFetch } from './auth.js';

/** An API answered with an error; kind is the AWS error type or SQLSTATE. */
export class ApiError extends Error {
  constructor(kind, message, status) {
    super(message ? `${kind}: ${message}` : kind);
    this.kind = kind;
    this.status = status;
  }
  /** True when rheo did not answer at all (stopped, restarting, unreachable). */
  get isNetwork() {
    return this.kind === 'NetworkError';
  }
  /** True when the API rejected the call's credentials or lack of them. */
  get isAuth() {
    return this.status === 403 || /MissingAuthenticationToken|UnrecognizedClient|InvalidSignature|AccessDenied|IncompleteSignature/i.test(this.kind);
  }
}

/**
 * signedFetch, with a failure to reach rheo at all (fetch's bare
 * "Failed to fetch" TypeError) turned into an ApiError that says so.
 */
async function call(path, init, service) {
  try {
    return await signedFetch(path, init, service);
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError('NetworkError', `rheo at ${location.origin} is not answering (${e && e.message ? e.message : e}): is the server running?`, 0);
  }
}

async function awsJSON(target, service, body) {
  const res = await call('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
    body: JSON.stringify(body || {}),
  }, service);
  const text = await res.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = {}; }
  if (!res.ok) {
    const kind = String(data.__type || data.code || `HTTP ${res.status}`).split('#').pop();
    throw new ApiError(kind, data.message || data.Message || (data.__type ? '' : text), res.status);
  }
  return data;
}

/** kinesis('ListStreams', {...}) calls Kinesis_20131202.ListStreams. */
export const kinesis = (action, body) => awsJSON(`Kinesis_20131202.${action}`, 'kinesis', body);

/** firehose('ListDeliveryStreams', {...}) calls Firehose_20150804.*. */
export const firehose = (action, body) => awsJSON(`Firehose_20150804.${action}`, 'firehose', body);

/**
 * sql runs statements through POST /v1/sql and returns the last result.
 * Aborting signal drops the connection, which makes rheo cancel the query.
 */
export async function sql(text, maxRows = 1000, signal = undefined) {
  const res = await call('/v1/sql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sql: text, maxRows }),
    signal,
  });
  let data;
  try { data = JSON.parse(await res.text(), exactNumbers); } catch { throw new ApiError(`HTTP ${res.status}`, 'not a JSON answer', res.status); }
  if (!res.ok) {
    const e = data.error || {};
    throw new ApiError(e.code || `HTTP ${res.status}`, e.message || '', res.status);
  }
  return data;
}

/**
 * exactNumbers is a JSON.parse reviver keeping the text of numbers a JS
 * number cannot hold exactly (BIGINT ids past 2^53, HUGEINT, DECIMAL(38)):
 * SQL results show what the server sent, not a rounded double. Browsers
 * without the reviver's source text (JSON.parse source access) round.
 */
export function exactNumbers(key, value, context) {
  if (typeof value !== 'number' || !context || typeof context.source !== 'string') return value;
  const src = context.source;
  if (/^-?\d+$/.test(src)) return Number.isSafeInteger(value) ? value : src;
  // More than 15 significant digits may not survive a double.
  const digits = src.replace(/[eE].*$/, '').replace(/[-.]/g, '').replace(/^0+/, '');
  return digits.length > 15 ? src : value;
}

/** consoleApi('series') GETs /console/api/series. */
export async function consoleApi(name) {
  const res = await call(`/console/api/${name}`, { headers: { Accept: 'application/json' } });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(data.code || `HTTP ${res.status}`, data.error || '', res.status);
  return data;
}

/** listStreams pages through ListStreams. */
export async function listStreams() {
  const names = [];
  let body = { Limit: 100 };
  for (;;) {
    const out = await kinesis('ListStreams', body);
    names.push(...(out.StreamNames || []));
    if (!out.HasMoreStreams || !out.NextToken) return names;
    body = { NextToken: out.NextToken };
  }
}

/** listShards pages through ListShards. */
export async function listShards(stream) {
  const shards = [];
  let body = { StreamName: stream };
  for (;;) {
    const out = await kinesis('ListShards', body);
    shards.push(...(out.Shards || []));
    if (!out.NextToken) return shards;
    body = { NextToken: out.NextToken };
  }
}

/** listDeliveryStreams pages through ListDeliveryStreams. */
export async function listDeliveryStreams() {
  const names = [];
  let body = { Limit: 100 };
  for (;;) {
    const out = await firehose('ListDeliveryStreams', body);
    const page = out.DeliveryStreamNames || [];
    names.push(...page);
    if (!out.HasMoreDeliveryStreams || page.length === 0) return names;
    body = { Limit: 100, ExclusiveStartDeliveryStreamName: page[page.length - 1] };
  }
}

/** Base64 of a string's UTF-8 bytes (Kinesis blobs in JSON 1.1). */
export function toBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Bytes of a base64 string. */
export function fromBase64(b64) {
  const bin = atob(b64 || '');
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
