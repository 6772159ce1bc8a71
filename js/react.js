// quiltt-reconnect/react: `useQuilttReconnect(options)`, one QuilttReconnect per component, its
// flow's state for rendering, and every call aborted when the component unmounts.
//
// React is a peer dependency of this entry only; the package's main entry imports nothing of it.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import init, { QuilttReconnect } from "./quiltt_reconnect.js";

const IDLE = Object.freeze({ status: "idle" });

// Layout effects don't run on a server; the hook's refs only matter in a browser.
const useClientLayoutEffect = typeof document === "undefined" ? useEffect : useLayoutEffect;

/** The options that make a new bridge when they change (a token function's identity doesn't). */
function bridgeKey({ token, endpoint, plaidScriptUrl, timeoutMs } = {}) {
  return JSON.stringify([typeof token === "function" ? null : token, endpoint, plaidScriptUrl, timeoutMs]);
}

/** A failure to load the WebAssembly module, as the package's own error. */
function moduleError(cause) {
  return Object.assign(new Error(`the WebAssembly module could not be loaded: ${cause?.message ?? cause}`, { cause }), {
    name: "QuilttReconnectError",
    code: "NETWORK",
    errors: [],
  });
}

/** What a call aborted before the bridge existed rejects with, as the class's own ABORTED. */
function abortedError() {
  return Object.assign(new Error("the call was aborted"), { name: "QuilttReconnectError", code: "ABORTED", errors: [] });
}

/** An AbortController that also aborts when `signal` (the caller's, if any) does. */
function linkedController(signal) {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener?.("abort", () => controller.abort(signal.reason), { once: true });
  return controller;
}

/**
 * React hook over one `QuilttReconnect`. `state` is `{ status: "idle" }`, `{ status: "running",
 * stage }`, `{ status: "done", result }` or `{ status: "error", error }` for the latest
 * `reconnect`, `resume` or `retryClose`. The module is initialised on first use. Unmounting
 * aborts every call still running (Link is closed; a close after Link's success is still sent).
 */
export function useQuilttReconnect(options) {
  const [state, setState] = useState(IDLE);
  const latest = useRef(options);
  const live = useRef({ bridge: null, key: null, mounted: true, running: false, calls: new Set(), sequence: 0 });
  useClientLayoutEffect(() => {
    latest.current = options;
  });
  useEffect(() => {
    const own = live.current;
    own.mounted = true;
    return () => {
      own.mounted = false;
      for (const controller of own.calls) controller.abort();
      own.calls.clear();
      own.bridge?.free();
      own.bridge = null;
    };
  }, []);

  const bridge = useCallback(async (signal) => {
    try {
      await init();
    } catch (error) {
      throw moduleError(error);
    }
    const own = live.current;
    const options = latest.current ?? {};
    const key = bridgeKey(options);
    if (own.bridge && own.key === key) return own.bridge;
    // Unmounted while the module loaded: no bridge is made that no cleanup would free.
    if (signal.aborted) throw abortedError();
    own.bridge?.free();
    own.bridge = null;
    const token = options.token;
    own.bridge = new QuilttReconnect({
      ...options,
      // A token function may change identity on every render: the bridge calls the latest one.
      token: typeof token === "function" ? () => latest.current.token() : token,
      onEvent: (event) => {
        if (event.type === "progress" && own.running === true) {
          setState((now) => (now.status === "running" ? { status: "running", stage: event.stage } : now));
        }
        latest.current.onEvent?.(event);
      },
    });
    own.key = key;
    return own.bridge;
  }, []);

  // Runs one call with its own AbortController (linked to the caller's signal); the latest
  // flow (`tracked`) sets `state`. The returned promise is the call's: it rejects as the class's
  // methods do, and is already handled, so leaving it unawaited is no unhandled rejection.
  const call = useCallback(
    (signal, tracked, work) => {
      const own = live.current;
      const controller = linkedController(signal);
      own.calls.add(controller);
      const sequence = tracked ? ++own.sequence : own.sequence;
      if (tracked) {
        own.running = true;
        setState({ status: "running", stage: null });
      }
      const latestFlow = () => tracked && own.mounted && own.sequence === sequence;
      const promise = bridge(controller.signal).then((b) => work(b, controller.signal));
      promise.then(
        (result) => {
          own.calls.delete(controller);
          if (!latestFlow()) return;
          own.running = false;
          setState(tracked === "resume" && result === null ? IDLE : { status: "done", result });
        },
        (error) => {
          own.calls.delete(controller);
          if (!latestFlow()) return;
          own.running = false;
          setState({ status: "error", error });
        },
      );
      return promise;
    },
    [bridge],
  );

  const reconnect = useCallback(
    (input) => call(input?.signal, "reconnect", (b, signal) => b.reconnect({ ...input, signal })),
    [call],
  );
  const resume = useCallback(
    (options) => call(options?.signal, "resume", (b, signal) => b.resume({ ...options, signal })),
    [call],
  );
  const retryClose = useCallback(
    (error) => call(undefined, "retryClose", (b) => b.retryClose(error)),
    [call],
  );
  const connections = useCallback(
    (filter) => call(filter?.signal, null, (b, signal) => b.connections({ ...filter, signal })),
    [call],
  );
  const connection = useCallback(
    (id, options) => call(options?.signal, null, (b, signal) => b.connection(id, { ...options, signal })),
    [call],
  );
  const updateMetadata = useCallback(
    (id, metadata, options) =>
      call(options?.signal, null, (b, signal) => b.updateMetadata(id, metadata, { ...options, signal })),
    [call],
  );
  const abort = useCallback(() => {
    for (const controller of live.current.calls) controller.abort();
  }, []);
  const reset = useCallback(() => {
    live.current.sequence++;
    live.current.running = false;
    setState(IDLE);
  }, []);

  return useMemo(
    () => ({ state, reconnect, resume, retryClose, connections, connection, updateMetadata, abort, reset }),
    [state, reconnect, resume, retryClose, connections, connection, updateMetadata, abort, reset],
  );
}
