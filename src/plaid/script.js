// Loads Plaid's Link script once per page and URL, shared by every instance (bound by
// src/plaid/script.rs). In JS because a <script> tag, its events and a timer take a few lines here
// and about 4 KB of wasm when driven from Rust.
const loads = new Map(); // url -> { promise, tag }

const plaidDefined = () => typeof globalThis.Plaid?.create === "function";

// Starts loading `url` unless it is loading or loaded, and returns the shared promise: it resolves
// once `window.Plaid` is defined, and rejects with a message saying why not (no document to add
// the tag to, the tag failed, no answer within `timeoutMs`, or no `Plaid.create` once loaded).
export function loadPlaid(url, timeoutMs) {
  const known = loads.get(url);
  if (known) return known.promise;
  if (plaidDefined()) return Promise.resolve(); // the page loaded Plaid itself
  const load = { tag: null };
  load.promise = new Promise((resolve, reject) => {
    const fail = (what) => reject(`Plaid's Link script ${what} (${url})`);
    const parent = globalThis.document?.head ?? globalThis.document?.documentElement;
    if (!parent) return fail("can't be added: no document");
    const tag = (load.tag = document.createElement("script"));
    tag.src = url;
    tag.async = true;
    tag.onload = () => (plaidDefined() ? resolve() : fail("loaded but did not define window.Plaid"));
    tag.onerror = () => fail("failed to load");
    setTimeout(fail, timeoutMs, `did not load within ${timeoutMs} ms`);
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
