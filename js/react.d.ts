// Types of quiltt-reconnect/react.
import type {
  CallOptions,
  Connection,
  ConnectionFilter,
  QuilttReconnectError,
  QuilttReconnectOptions,
  ReconnectInput,
  ReconnectResult,
  ResumeOptions,
  Stage,
  WatchOptions,
} from "./quiltt_reconnect.js";

/** The latest `reconnect`, `resume` or `retryClose` of the hook. */
export type QuilttReconnectState =
  | { status: "idle" }
  /** `stage` is null until the flow's first progress event. */
  | { status: "running"; stage: Stage | null }
  | { status: "done"; result: ReconnectResult }
  | { status: "error"; error: QuilttReconnectError };

/** What `useQuilttReconnect` returns; the functions keep their identity across renders. */
export interface UseQuilttReconnect {
  state: QuilttReconnectState;
  /** `QuilttReconnect.reconnect`; `state` follows it. Aborted when the component unmounts. */
  reconnect(input: ReconnectInput): Promise<ReconnectResult>;
  /** `QuilttReconnect.resume`; `state` follows it (back to idle when there was nothing to resume). */
  resume(options?: ResumeOptions): Promise<ReconnectResult | null>;
  /** `QuilttReconnect.retryClose` after `CLOSE_FAILED`; `state` follows it. */
  retryClose(error: QuilttReconnectError): Promise<ReconnectResult>;
  /** `QuilttReconnect.connections`; leaves `state` alone. Aborted when the component unmounts. */
  connections(filter?: ConnectionFilter): Promise<Connection[]>;
  /** `QuilttReconnect.connection`; leaves `state` alone. Aborted when the component unmounts. */
  connection(connectionId: string, options?: CallOptions): Promise<Connection | null>;
  /** `QuilttReconnect.updateMetadata`; leaves `state` alone. Aborted when the component unmounts. */
  updateMetadata(connectionId: string, metadata: Record<string, unknown> | null, options?: CallOptions): Promise<Connection>;
  /** `QuilttReconnect.watch`: an async iterator of the connection's status changes; leaves
   *  `state` alone. Stopped by its signal, by leaving the loop, and when the component unmounts. */
  watch(connectionId: string, options?: WatchOptions): AsyncIterableIterator<Connection>;
  /** Aborts every call of this hook still running. */
  abort(): void;
  /** Back to `idle`; a flow still running no longer sets `state`. */
  reset(): void;
}

/**
 * `QuilttReconnect` for a component: the WebAssembly module is initialised on first use, a new
 * bridge is made when `endpoint`, `plaidScriptUrl`, `timeoutMs`, `schema` or `nonce` change
 * (`token` and `onEvent` may change on every render: the latest are used), each flow runs on a
 * bridge of its own so that its events reach `state` only while it is the latest, and unmounting
 * aborts every call still running (Link is closed; a close after Link's success is still sent).
 * The token is read when a request needs one; a `token` that becomes undefined while a flow runs
 * leaves the flow the last one given (a call made without one rejects `INVALID_INPUT`). `nonce`
 * (the page's CSP nonce for Plaid's script tag) is the class's option.
 *
 * `resume()` called by several components at once (a layout and a page, both on mount) runs one
 * flow: the calls join, and each component's `state` follows it.
 *
 * The promises reject as the class's methods do, and leaving one unawaited is no unhandled
 * rejection: the error is in `state` (for flows) either way.
 */
export declare function useQuilttReconnect(options: QuilttReconnectOptions): UseQuilttReconnect;
