// One GraphQL POST over `fetch`, with a timeout that really aborts the request (bound by
// src/quiltt/fetch.rs, which keeps the policy: the token check, 401 refresh, errors, cancelling).
// In JS because a request, its headers, its abort controller and timer are a few lines here and
// a few KB of wasm when driven from Rust.

// Browsers refuse `keepalive` bodies above 64 KiB of bytes; larger ones go without it.
const KEEPALIVE_LIMIT = 60 * 1024;

// Whether `text` is at most KEEPALIVE_LIMIT bytes in UTF-8. A string has no more UTF-16 units
// than UTF-8 bytes, so a long one is over without encoding it.
const fitsKeepalive = (text) => text.length <= KEEPALIVE_LIMIT && new Blob([text]).size <= KEEPALIVE_LIMIT;

// Starts the request: POSTs `JSON.stringify(body)` to `endpoint` with `authorization` and
// aborts it after `timeoutMs`. Returns `{ reply, abort }`; `reply` resolves to
// `[status, Retry-After header or null, the body parsed as JSON or undefined]` or rejects with
// `[kind, message]`, kind "timeout" or "network". Throws `[kind, message]` when the request can't
// be made: kind "header" (the authorization is not a header value), "endpoint" (a bad URL) or
// "network" (no fetch, or a body JSON can't encode).
export function post(endpoint, authorization, body, keepalive, timeoutMs) {
  const fail = (kind, what) => (e) => {
    throw [kind, `${what}: ${e instanceof Error ? e.message : "unknown error"}`];
  };
  // A header value is bytes without NUL, CR or LF (the Fetch standard's ByteString).
  if (/[\0\r\n]|[^\0-\xff]/.test(authorization)) throw ["header", "the session token is not a valid HTTP header value"];
  let controller, text, request;
  try {
    controller = new AbortController();
  } catch (e) {
    fail("network", "fetch is unavailable")(e);
  }
  try {
    text = JSON.stringify(body);
  } catch (e) {
    fail("network", "could not encode the request")(e);
  }
  try {
    request = new Request(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: authorization },
      body: text,
      signal: controller.signal,
      keepalive: keepalive && fitsKeepalive(text),
    });
  } catch (e) {
    fail("endpoint", `bad endpoint ${endpoint}`)(e);
  }
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const reply = fetch(request)
    .then(async (response) => {
      const retryAfter = response.headers.get("Retry-After");
      const text = await response.text();
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return [response.status, retryAfter, parsed];
    })
    .catch((e) => {
      if (!controller.signal.aborted) fail("network", `could not reach Quiltt at ${endpoint}`)(e);
      throw ["timeout", `${body.operationName} took longer than ${timeoutMs} ms and was aborted`];
    })
    .finally(() => clearTimeout(timer));
  return { reply, abort: () => controller.abort() };
}
