// Creates and opens one Plaid Link run (bound by src/plaid/bindings.rs; src/plaid/launcher.rs owns
// the run). In JS because Plaid's callbacks are a few lines here and a Rust closure each in wasm.

// `Plaid.create` with `token`, then `open()`. The first of `onSuccess` / `onExit` calls
// `settle(["success" | "exit", first argument, second argument])`; `onEvent` is passed on when
// given. Returns `{ handler, loaded, settled }`, whose flags `onLoad` and the settling set.
// Throws "create" or "open" when Plaid's call throws (a handler that could not open is destroyed).
export function openLink(token, settle, onEvent) {
  const run = { handler: null, loaded: false, settled: false };
  const end = (kind) => (a, b) => {
    run.settled = true;
    settle([kind, a, b]);
  };
  const config = { token, onLoad: () => (run.loaded = true), onSuccess: end("success"), onExit: end("exit") };
  if (onEvent) config.onEvent = onEvent;
  try {
    run.handler = Plaid.create(config);
  } catch {
    throw "create";
  }
  try {
    // Called right after create(): Plaid queues it until Link has loaded, so the user sees
    // Link as early as possible.
    run.handler.open();
  } catch {
    try {
      run.handler.destroy();
    } catch {}
    throw "open";
  }
  return run;
}
