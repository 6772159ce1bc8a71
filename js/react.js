// quiltt-reconnect/react: `useQuilttReconnect(options)`, one QuilttReconnect per component, its
// flow's state for rendering, and every call aborted when the component unmounts.
//
// React is a peer dependency of this entry only; the package's main entry imports nothing of it.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import init, { QuilttReconnect } from "./quiltt_reconnect.js";
import { quilttReconnectError } from "./error.js";
import { watchIterator } from "./watch.js";

const IDLE = Object.freeze({ status: "idle" });

// Layout effects don't run on a server; the hook's refs only matter in a browser.
const useClientLayoutEffect = typeof document === "undefined" ? useEffect : useLayoutEffect;

/** The options that make a new bridge when they change (the token is read at each request). */
function bridgeKey({ endpoint, plaidScriptUrl, timeoutMs, schema, nonce } = {}) {
  return JSON.stringify([endpoint, plaidScriptUrl, timeoutMs, schema, nonce]);
}

/** A failure to load the WebAssembly module, as the package's own error. */
function moduleError(cause) {
  return quilttReconnectError("NETWORK", `the WebAssembly module could not be loaded: ${cause?.message ?? cause}`, cause);
}

/** What a call without a token rejects with, as the class's constructor would. */
function noTokenError() {
  return quilttReconnectError("INVALID_INPUT", "token must be a Quiltt session token (a string), or a function returning one");
}

/** What a call aborted before the bridge existed rejects with, as the class's own ABORTED. */
function abortedError() {
  return quilttReconnectError("ABORTED", "the call was aborted");
}

/** An AbortController that also aborts when `signal` (the caller's, if any) does. */
function linkedController(signal) {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener?.("abort", () => controller.abort(signal.reason), { once: true });
  return controller;
}

/**
 * React hook over `QuilttReconnect`. `state` is `{ status: "idle" }`, `{ status: "running",
 * stage }`, `{ status: "done", result }` or `{ status: "error", error }` for the latest
 * `reconnect`, `resume` or `retryClose`. The module is initialised on first use. Unmounting
 * aborts every call still running (Link is closed; a close after Link's success is still sent).
 */
export function useQuilttReconnect(options) {
  const [state, setState] = useState(IDLE);
  const latest = useRef(options);
  const live = useRef({ bridge: null, key: null, mounted: true, calls: new Set(), sequence: 0, token: undefined });
  useClientLayoutEffect(() => {
    latest.current = options;
    // The last token given: a prop that becomes undefined while a flow runs (a session being
    // refreshed, a render without it) leaves the flow's close with the token it had.
    if (options?.token != null) live.current.token = options.token;
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

  // A bridge with the latest options whose events go to `onEvent`. The token is read when a
  // request needs one: the latest given (a function may change identity on every render).
  const makeBridge = useCallback((onEvent) => {
    const own = live.current;
    return new QuilttReconnect({
      ...(latest.current ?? {}),
      token: async () => {
        const token = latest.current?.token ?? own.token;
        return typeof token === "function" ? token() : token;
      },
      onEvent,
    });
  }, []);

  // The module, loaded once; a call aborted meanwhile makes no bridge no cleanup would free, and
  // a call made without a token none at all (a flow under way keeps the last one, above).
  const ready = useCallback(async (signal) => {
    if (latest.current?.token == null) throw noTokenError();
    try {
      await init();
    } catch (error) {
      throw moduleError(error);
    }
    if (signal.aborted) throw abortedError();
  }, []);

  // The component's bridge for the calls that leave `state` alone.
  const shared = useCallback(async (signal) => {
    await ready(signal);
    const own = live.current;
    const key = bridgeKey(latest.current ?? {});
    if (own.bridge && own.key === key) return own.bridge;
    own.bridge?.free();
    own.bridge = makeBridge((event) => latest.current?.onEvent?.(event));
    own.key = key;
    return own.bridge;
  }, [ready, makeBridge]);

  // Runs one call with its own AbortController (linked to the caller's signal). A flow
  // (`tracked`) runs on a bridge of its own, whose events reach `state` only while it is the
  // latest flow: a finished or replaced flow's late events change nothing. The returned promise
  // is the call's: it rejects as the class's methods do, and is already handled, so leaving it
  // unawaited is no unhandled rejection.
  const call = useCallback(
    (signal, tracked, work) => {
      const own = live.current;
      const controller = linkedController(signal);
      own.calls.add(controller);
      const sequence = tracked ? ++own.sequence : own.sequence;
      if (tracked) setState({ status: "running", stage: null });
      const latestFlow = () => tracked && own.mounted && own.sequence === sequence;
      let flowBridge = null;
      const bridge = tracked
        ? ready(controller.signal).then(() => {
            flowBridge = makeBridge((event) => {
              if (event.type === "progress" && latestFlow()) {
                setState((now) => (now.status === "running" ? { status: "running", stage: event.stage } : now));
              }
              latest.current?.onEvent?.(event);
            });
            return flowBridge;
          })
        : shared(controller.signal);
      const promise = bridge.then((b) => work(b, controller.signal));
      const settled = () => {
        own.calls.delete(controller);
        flowBridge?.free();
      };
      promise.then(
        (result) => {
          settled();
          if (!latestFlow()) return;
          setState(tracked === "resume" && result === null ? IDLE : { status: "done", result });
        },
        (error) => {
          settled();
          if (!latestFlow()) return;
          setState({ status: "error", error });
        },
      );
      return promise;
    },
    [ready, makeBridge, shared],
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
  // An async iterator of a connection's status changes; leaves `state` alone; stopped by its
  // signal, by leaving the loop, and when the component unmounts.
  const watch = useCallback((connectionId, options) => {
    const own = live.current;
    const controller = linkedController(options?.signal);
    own.calls.add(controller);
    return watchIterator(controller.signal, async (onChange, stop) => {
      try {
        const b = await shared(stop);
        return await b.watchChanges(connectionId, options, onChange, stop);
      } finally {
        own.calls.delete(controller);
      }
    });
  }, [shared]);
  const abort = useCallback(() => {
    for (const controller of live.current.calls) controller.abort();
  }, []);
  const reset = useCallback(() => {
    live.current.sequence++;
    setState(IDLE);
  }, []);

  return useMemo(
    () => ({ state, reconnect, resume, retryClose, connections, connection, updateMetadata, watch, abort, reset }),
    [state, reconnect, resume, retryClose, connections, connection, updateMetadata, watch, abort, reset],
  );
}
