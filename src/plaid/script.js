// Loads Plaid's Link script once per page and URL, shared by every instance (bound by
// src/plaid/script.rs). In JS because a <script> tag, its events and a timer take a few lines here
// and about 4 KB of wasm when driven from Rust.
const loads = new Map(); // url -> { promise, tag }

const plaidDefined = () => typeof globalThis.Plaid?.create === "function";

// Starts loading `url` unless it is loading or loaded, and returns the shared promise: it resolves
// once `window.Plaid` is defined, and rejects with why not: "dom" (no document to add the tag to),
// "error" (the tag failed), "timeout" (no answer within `timeoutMs`) or "undefined" (it loaded but
// defined no `Plaid.create`).
export function loadPlaid(url, timeoutMs) {
  const known = loads.get(url);
  if (known) return known.promise;
  if (plaidDefined()) return Promise.resolve(); // the page loaded Plaid itself
  const load = { tag: null };
  load.promise = new Promise((resolve, reject) => {
    const parent = globalThis.document?.head ?? globalThis.document?.documentElement;
    if (!parent) return reject("dom");
    const tag = (load.tag = document.createElement("script"));
    tag.src = url;
    tag.async = true;
    tag.onload = () => (plaidDefined() ? resolve() : reject("undefined"));
    tag.onerror = () => reject("error");
    setTimeout(reject, timeoutMs, "timeout");
    parent.append(tag);
  });
  load.promise.catch(() => {}); // a failed preload is reported to whoever waits next
  loads.set(url, load);
  return load.promise;
}

// `loadPlaid`, and a failure seen here is forgotten (its tag removed), so the next call starts afresh.
export function plaidReady(url, timeoutMs) {
  const promise = loadPlaid(url, timeoutMs);
  return promise.catch((reason) => {
    const load = loads.get(url);
    if (load?.promise === promise) {
      loads.delete(url);
      load.tag?.remove();
    }
    throw reason;
  });
}
