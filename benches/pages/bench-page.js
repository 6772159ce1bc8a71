// Loads one implementation of the reconnect flow and exposes it as `window.bench`, a promise of
// { reconnect(connectionId), updateMetadata(id, metadata), updateMetadataByHand(id, metadata, document),
//   wasmBytes(), initMs, initFetchMs, importMs }.
//   /index.html?impl=ours|ours-cold|vanilla|vanilla-no-keepalive|react-apollo|floor&sandbox=http://127.0.0.1:PORT
//     [&generation=2024-08]
// (floor: start-up only, an empty wasm module loaded as init() loads ours). `generation`: the
// sandbox serves that older generation of Quiltt's schema; the input takes its feature values,
// and "ours-pinned" is ours with the `schema` option naming it.
// The runner (run.mjs) hooks window.Plaid before anything loads and times the flows.
const query = new URLSearchParams(location.search);
const impl = query.get("impl");
const sandbox = query.get("sandbox");
const generation = query.get("generation");
const options = {
  token: "sandbox-session-token",
  endpoint: `${sandbox}/v1/graphql`,
  plaidScriptUrl: `${sandbox}/link/v2/stable/link-initialize.js`,
};
// The initialize input Quiltt's live API takes today (the 2025-04 generation, which the sandbox
// serves by default): `featuresRequired` is required there, with 2025's feature values (2024-08
// has `TRANSACTIONS` instead).
const features = generation === "2024-08" ? ["TRANSACTIONS"] : ["ACCOUNT_BALANCES_AND_TRANSACTIONS"];
const input = (connectionId) => ({ connectionId, featuresRequired: features });

/**
 * The baseline of updateMetadata: the same `connectionUpdate` document (the runner passes the
 * package's own, core/src/quiltt/documents/connection_update.graphql) sent by hand with a plain
 * fetch, the body written by JSON.stringify, the reply read by response.json().
 */
async function updateMetadataByHand(id, metadata, document) {
  const response = await fetch(options.endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ query: document, operationName: "ConnectionUpdate", variables: { input: { id, metadata } } }),
  });
  const { data } = await response.json();
  return data?.connectionUpdate?.record ?? null;
}

/**
 * Imports the entry module `entry` and calls its default export, init() (fetch, compile,
 * instantiate the .wasm), timing both; ours and the floor go through here alike.
 */
async function timedInit(entry) {
  const t0 = performance.now();
  const mod = await import(entry);
  const t1 = performance.now();
  const exports = await mod.default();
  const t2 = performance.now();
  // The .wasm's own HTTP time within init(): from the request's start to its last byte.
  const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
  return { mod, exports, importMs: t1 - t0, initMs: t2 - t1, initFetchMs: wasm ? wasm.responseEnd - wasm.startTime : null };
}

async function load() {
  // The start-up floor: what loading any wasm module costs on this page, server and browser.
  // floor.js's init() loads an empty module, so the difference to ours is our bytes and glue.
  if (impl === "floor") {
    const { importMs, initMs, initFetchMs } = await timedInit("/floor.js");
    return { importMs, initMs, initFetchMs };
  }
  if (impl === "ours" || impl === "ours-cold" || impl === "ours-pinned") {
    const { mod, exports, importMs, initMs, initFetchMs } = await timedInit("/pkg/index.js");
    // "ours-cold": the instance is made at the call, as by an app that makes it on the click,
    // so the first flow runs before the page was ever idle with an instance (no warm-up).
    // "ours-pinned": told the endpoint's generation, so it detects nothing.
    const pinned = impl === "ours-pinned" ? { ...options, schema: generation } : options;
    const bridge = impl === "ours-cold" ? null : new mod.QuilttReconnect(pinned);
    return {
      importMs,
      initMs,
      initFetchMs,
      reconnect: (id) => (bridge ?? new mod.QuilttReconnect(options)).reconnect(input(id)),
      updateMetadata: (id, metadata) => (bridge ?? new mod.QuilttReconnect(options)).updateMetadata(id, metadata),
      updateMetadataByHand,
      wasmBytes: () => exports?.memory?.buffer?.byteLength ?? null,
    };
  }
  const t0 = performance.now();
  // "vanilla-no-keepalive": the hand-written flow with its close sent without keepalive.
  const peer = impl === "vanilla-no-keepalive" ? "vanilla" : impl;
  const mod = await import(`/peers/${peer}/bundle.js`);
  const api = mod.createReconnect(impl === peer ? options : { ...options, closeKeepalive: false });
  return {
    importMs: performance.now() - t0,
    initMs: null,
    initFetchMs: null,
    reconnect: (id) => api.reconnect(input(id)),
    updateMetadata: (id, metadata) => api.updateMetadata(id, metadata),
    updateMetadataByHand,
    wasmBytes: () => null,
  };
}

window.bench = load();
window.bench.catch((e) => console.error(`bench page: loading ${impl} failed: ${e?.stack ?? e}`));
