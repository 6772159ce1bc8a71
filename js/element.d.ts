// wasm-bindgen's declarations use `[Symbol.dispose]`; this makes them compile in projects
// whose `lib` predates ES2025/esnext (TypeScript 5.2+), even with `skipLibCheck: false`.
/// <reference lib="esnext.disposable" />
import type {
  ConnectionFeature,
  ConnectionStatus,
  ErrorCode,
  QuilttError,
  QuilttReconnectError,
  ReconnectEvent,
  ReconnectInput,
  ReconnectResult,
  SchemaGeneration,
  Trail,
} from "./quiltt_reconnect.js";

/** The tag the element registers itself under. */
export declare const TAG_NAME: "quiltt-reconnect";

/** `detail` of `quiltt-error`. */
export interface QuilttReconnectErrorDetail {
  /** The package's stable error code (`"UNKNOWN"` only for a non-package failure). */
  code: ErrorCode | "UNKNOWN";
  /** A human-readable message. */
  message: string;
  /** Quiltt's own errors, where the server sent some. */
  errors: QuilttError[];
  /** The HTTP status, when the failure came with one. */
  status?: number;
  /** The first message Plaid wrote for the user, where Quiltt sent one. */
  displayMessage?: string;
  /** Plaid Link's success metadata, for failures after Link succeeded. */
  metadata?: unknown;
  /** On `CLOSE_FAILED`: the close can be sent again, with the element's `retryClose()` (or a
   *  click on it) or with `bridge.retryClose(detail.error)`. */
  closeRetryId?: number;
  /** The support trail of the flow that failed: `JSON.stringify(detail.trail)` for a ticket. */
  trail?: Trail;
  /** What was thrown: the `QuilttReconnectError` itself for the package's failures (what
   *  `bridge.retryClose()` takes); narrow it with `isQuilttReconnectError`. */
  error: unknown;
}

/** The events `<quiltt-reconnect>` dispatches (all bubble and cross shadow roots). */
export interface QuilttReconnectElementEventMap extends HTMLElementEventMap {
  /** The flow moved on: `detail.stage` is `initializing`, `link_loading`, `link_open`, `closing`,
   *  `confirming` (with `confirm`) or `done`. */
  "quiltt-progress": CustomEvent<Extract<ReconnectEvent, { type: "progress" }>>;
  /** One of Plaid Link's own events, passed through. */
  "quiltt-plaid": CustomEvent<Extract<ReconnectEvent, { type: "plaid" }>>;
  /** Quiltt said the connection needs no user action (`CONTINUE`). */
  "quiltt-repaired": CustomEvent<Extract<ReconnectResult, { outcome: "repaired" }>>;
  /** The user went through Plaid Link and the connection is repaired. */
  "quiltt-reconnected": CustomEvent<Extract<ReconnectResult, { outcome: "reconnected" }>>;
  /** The user left Plaid Link before finishing. */
  "quiltt-exited": CustomEvent<Extract<ReconnectResult, { outcome: "exited" }>>;
  /** The flow failed. */
  "quiltt-error": CustomEvent<QuilttReconnectErrorDetail>;
  /** With `confirm`: the sync state after a repair changed (`syncing`, then `synced` or
   *  `unconfirmed`). */
  "quiltt-sync": CustomEvent<QuilttReconnectSyncDetail>;
}

/** `detail` of `quiltt-sync`. */
export interface QuilttReconnectSyncDetail {
  /** `syncing` while the connection is read; then `synced`, or `unconfirmed` when it did not
   *  reach a healthy status within the bound (or a read failed). */
  state: "syncing" | "synced" | "unconfirmed";
  /** The connection's status as last read. */
  status: ConnectionStatus | null;
  /** `null` while syncing; then whether the repair was confirmed. */
  confirmed: boolean | null;
  connectionId: string;
}

/**
 * `<quiltt-reconnect connection-id="…" token="…" endpoint="…" plaid-script-url="…" features-required="…" nonce="…">`:
 * a button (slot for custom content, default "Repair connection") that runs the reconnect flow on
 * click, is busy (`aria-busy="true"` on the element, `aria-disabled` on its button, which keeps
 * focus) while it runs, and reports through DOM
 * events. After `CLOSE_FAILED` the element has the `close-failed` attribute, the button shows
 * its `retry` slot (default "Try saving again") and a click sends the failed close again. Removed
 * from the document while its flow runs, it aborts the flow (Link is closed). Put in a page of a
 * tab that left a repair of its connection unfinished (an OAuth bank's redirect, a reload while
 * Link was open or before the repair was saved), it finishes it, with the same events as a click.
 * Registered when the package (or `quiltt-reconnect/element`) is imported.
 */
export declare class QuilttReconnectElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The `connection-id` attribute. */
  connectionId: string;
  /** The session token: the `token` attribute, or a string or function set as a property. */
  get token(): string | (() => string | Promise<string>) | undefined;
  set token(value: string | (() => string | Promise<string>) | null | undefined);
  /** The `endpoint` attribute (Quiltt's GraphQL endpoint). */
  get endpoint(): string | undefined;
  set endpoint(value: string | null | undefined);
  /** The `plaid-script-url` attribute. */
  get plaidScriptUrl(): string | undefined;
  set plaidScriptUrl(value: string | null | undefined);
  /** The `features-required` attribute (Quiltt's 2024 and 2025 schemas, where it is required), a
   *  space- or comma-separated list such as `ACCOUNT_BALANCES_AND_TRANSACTIONS ACCOUNT_OWNERS`
   *  (2025-04; `TRANSACTIONS BALANCES` on 2024-08); sent as `featuresRequired`. */
  get featuresRequired(): ConnectionFeature[] | undefined;
  set featuresRequired(value: ConnectionFeature[] | string | null | undefined);
  /** The `features` attribute (Quiltt's 2023 schema), e.g. `TRANSACTIONS`: one feature, or a list
   *  when it names several; sent as `features`. */
  get features(): ConnectionFeature | ConnectionFeature[] | undefined;
  set features(value: ConnectionFeature | ConnectionFeature[] | null | undefined);
  /** The `schema` attribute: the generation of Quiltt's schema the endpoint speaks, when you know
   *  it (`2025-04`, `2024-08`, `2023-08`); left out, the element finds out. */
  get schema(): SchemaGeneration | undefined;
  set schema(value: SchemaGeneration | null | undefined);
  /** The `nonce` attribute: the page's CSP nonce, put on the Plaid `<script>` tag the package
   *  adds (a `script-src 'nonce-…'` without `'strict-dynamic'` needs it). Left out, the page's own
   *  is read (its nonced `<script>` or `<meta property="csp-nonce">`). Reads the element's nonce,
   *  which browsers keep when they hide the attribute of a page served with a CSP header. */
  get nonce(): string | undefined;
  set nonce(value: string | null | undefined);
  /** The `confirm` attribute: after the repair, read the connection until it leaves `SYNCING`;
   *  the element shows the sync state (its `status` part) and emits `quiltt-sync`. */
  confirm: boolean;
  /** The sync state shown after a confirmed repair (the `sync-state` attribute), or null. */
  readonly syncState: "syncing" | "synced" | "unconfirmed" | null;
  /** The `timeout-ms` attribute (per request). */
  get timeoutMs(): number | undefined;
  set timeoutMs(value: number | null | undefined);
  /** The `disabled` attribute. */
  disabled: boolean;
  /** Whether a flow (or a retried close) is running. */
  readonly busy: boolean;
  /** The `CLOSE_FAILED` error whose close a click (or `retryClose()`) sends again, or null. */
  readonly failedClose: QuilttReconnectError | null;
  /** Further `reconnect()` input fields (everything but `connectionId` and `signal`). */
  input: Partial<Omit<ReconnectInput, "connectionId" | "signal">>;
  /**
   * Runs the flow, as a click does (unless a close failed). Resolves with the result, or
   * `undefined` when disabled or already running; rejects with the package's error (also
   * dispatched as `quiltt-error`).
   */
  reconnect(): Promise<ReconnectResult | undefined>;
  /**
   * Sends the failed close again (after `CLOSE_FAILED`), as a click does then. Resolves with the
   * result (also dispatched as `quiltt-reconnected`), or `undefined` when no close failed or the
   * element is disabled or running; rejects with the package's error (also `quiltt-error`).
   */
  retryClose(): Promise<ReconnectResult | undefined>;

  addEventListener<K extends keyof QuilttReconnectElementEventMap>(
    type: K,
    listener: (this: QuilttReconnectElement, ev: QuilttReconnectElementEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof QuilttReconnectElementEventMap>(
    type: K,
    listener: (this: QuilttReconnectElement, ev: QuilttReconnectElementEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "quiltt-reconnect": QuilttReconnectElement;
  }
}
