// Signing in when rheo's SigV4 auth is on. The user gives an access key id
// and secret; they stay in this tab's sessionStorage (gone when the tab
// closes) and every API call is signed in the page as an AWS SDK signs it,
// so the secret itself never crosses the wire.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

const storageKey = 'rheo.credentials';

/** The signed-in key ({accessKeyId, secretAccessKey, region}) or null. */
export function credentials() {
  try {
    const c = JSON.parse(sessionStorage.getItem(storageKey) || 'null');
    return c && c.accessKeyId && c.secretAccessKey ? c : null;
  } catch {
    return null;
  }
}

/** Keeps the key for this tab. */
export function signIn(accessKeyId, secretAccessKey, region) {
  sessionStorage.setItem(storageKey, JSON.stringify({ accessKeyId, secretAccessKey, region: region || 'us-east-1' }));
}

/** Forgets the key. */
export function signOut() {
  sessionStorage.removeItem(storageKey);
}

/**
 * fetch, SigV4-signed for service when signed in (plain fetch otherwise).
 * init.body must be a string or absent; Host is signed as the browser
 * will send it.
 */
export async function signedFetch(path, init = {}, service = 'rheo') {
  const c = credentials();
  if (!c) return fetch(path, init);
  const url = new URL(path, location.href);
  const query = {};
  url.searchParams.forEach((v, k) => { query[k] = v; });
  const headers = { host: url.host };
  for (const [k, v] of Object.entries(init.headers || {})) headers[k.toLowerCase()] = v;
  const signer = new SignatureV4({
    service,
    region: c.region || 'us-east-1',
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: init.method || 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers,
    body: init.body,
  });
  const out = { ...signed.headers };
  delete out.host; // the browser sets it, and refuses a script's
  return fetch(path, { ...init, headers: out });
}
