//! The TypeScript types of what the class takes and gives, written for JavaScript users (the
//! Rust types' docs carry Rust examples; these carry JavaScript ones).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A generation of Quiltt's GraphQL schema (the `schema` option). */
export type SchemaGeneration = "2025-04" | "2024-08" | "2023-08";

/** `ConnectionFeature` of Quiltt's 2025-04 schema (the current one). */
export type ConnectionFeature2025 =
  | "ACCOUNT_BALANCES_AND_TRANSACTIONS" | "ACCOUNT_BALANCE_REFRESHES" | "ACCOUNT_NUMBERS"
  | "ACCOUNT_OWNERS" | "ACCOUNT_STATEMENTS" | "INVESTMENTS" | "LIABILITIES";

/** `ConnectionFeature` of Quiltt's 2024-08 schema. */
export type ConnectionFeature2024 =
  | "ACCOUNT_NUMBERS" | "ACCOUNT_OWNERS" | "BALANCES" | "INVESTMENTS" | "LIABILITIES"
  | "STATEMENTS" | "TRANSACTIONS";

/** `ConnectionFeature` of Quiltt's 2023-08 schema. */
export type ConnectionFeature2023 = "ACCOUNT_VERIFICATION" | "IDENTITY" | "TRANSACTIONS";

/** A Quiltt connection feature, of any generation; sent as given, the endpoint checks it. */
export type ConnectionFeature =
  | ConnectionFeature2025 | ConnectionFeature2024 | ConnectionFeature2023 | (string & {});

/** A Quiltt connection status (`ERROR_REPAIRABLE` needs the user; see `connections()`). Newer
 *  values reach you as Quiltt spells them. */
export type ConnectionStatus =
  | "DISCONNECTED" | "DISCONNECTING" | "ERROR_INSTITUTION" | "ERROR_PROVIDER"
  | "ERROR_REPAIRABLE" | "ERROR_SERVICE" | "INITIALIZING" | "SYNCED" | "SYNCING" | "UPGRADING"
  | (string & {});

/** Options of `new QuilttReconnect(options)`. */
export interface QuilttReconnectOptions {
  /** Quiltt session token, sent only as `Authorization: Bearer <token>`. A function is called
   *  when a request needs a token (bounded by `timeoutMs`), and once more after a 401. */
  token: string | (() => string | Promise<string>);
  /** Quiltt's GraphQL endpoint: an http(s) URL, or a path of the page's origin starting with
   *  `/`. Default: https://api.quiltt.io/v1/graphql */
  endpoint?: string;
  /** Plaid's Link script. Default: https://cdn.plaid.com/link/v2/stable/link-initialize.js */
  plaidScriptUrl?: string;
  /** The page's Content-Security-Policy nonce, put on the Plaid `<script>` tag the package adds
   *  (a `script-src 'nonce-…'` without `'strict-dynamic'` runs only scripts that carry it):
   *  base64 characters, else `INVALID_INPUT`. Left out, the page's own is read: the `nonce` of
   *  its first `<script nonce>`, else of a `<meta property="csp-nonce">`. Where the page
   *  enforces Trusted Types, the tag's `src` comes from the policy `quiltt-reconnect` (allow it
   *  in the page's `trusted-types` directive). */
  nonce?: string;
  /** Per-request timeout in milliseconds; it also bounds the token function, loading Plaid's
   *  script and Link's loading. Default: 30000 */
  timeoutMs?: number;
  /** The generation of Quiltt's schema the endpoint speaks, when you know it. Left out, the
   *  first repair speaks the newest (2025-04); an endpoint that refuses that document says in
   *  its refusal which generation it speaks, and the repair goes on in that one (one request
   *  more, once per endpoint and tab). Given, nothing is detected and a refusal is `GRAPHQL`. */
  schema?: SchemaGeneration;
  /** Progress of every flow, plus Plaid's own events passed through. */
  onEvent?: (event: ReconnectEvent) => void;
}

/**
 * `ConnectorPlaidInitializeInput`: the fields of every generation of Quiltt's schema. Values and
 * fields not listed here are sent to Quiltt as given (Quiltt checks them against the generation
 * it speaks).
 */
export interface ConnectorPlaidInitializeInput {
  /** The Quiltt connection to repair. */
  connectionId: string;
  /** 2024 and 2025 schemas (required there): the connection's features, such as
   *  `["ACCOUNT_BALANCES_AND_TRANSACTIONS"]` (2025-04) or `["TRANSACTIONS"]` (2024-08). */
  featuresRequired?: ConnectionFeature[];
  /** 2024 and 2025 schemas: features to enable where the institution supports them. */
  featuresOptional?: ConnectionFeature[];
  /** 2023 schema and Quiltt's reference page: one feature or a list. */
  features?: ConnectionFeature | ConnectionFeature[];
  /** Update-mode options; `{ accountSelectionEnabled: true }` lets the user add accounts. */
  update?: { accountSelectionEnabled?: boolean } & Record<string, unknown>;
  /** OAuth banks send the user back here; that page calls `resume()`. An absolute https: URL
   *  (http: on localhost) without credentials. */
  redirectUri?: string;
  /** A unique identifier for the client performing the mutation; the close reuses it. */
  clientMutationId?: string;
  /** The application name Link displays (30 characters at most). */
  clientName?: string;
  /** ISO-3166-1 alpha-2 country codes. */
  countryCodes?: string[];
  /** Link's display language (`en`, `fr`, `es`, `nl`, `de`). */
  language?: string;
  /** The Link customization name from the Plaid Dashboard. */
  linkCustomizationName?: string;
  /** Plaid products to use with Link. */
  products?: string[];
  /** From the 2024 schema on: Plaid products to add where the institution supports them. */
  optionalProducts?: string[];
  /** 2023 schema: products the user consents to beyond `products`. */
  additionalConsentedProducts?: string[];
  /** Plaid account subtype filters. */
  accountFilters?: Record<string, unknown>;
  /** Auth product options. */
  auth?: Record<string, unknown>;
  /** 2023 schema: EU flow options. */
  euConfig?: Record<string, unknown>;
  /** From the 2024 schema on: institution data for Link (`{ routingNumber }`). */
  institutionData?: Record<string, unknown>;
  /** From the 2024 schema on: Transactions product options (`{ daysRequested }`). */
  transactions?: Record<string, unknown>;
  /** 2024 schema only (2025 renamed it `portalsProviderId`): the Quiltt portal the connection belongs to. */
  portalId?: string;
  /** 2025 schema: the portal's provider (what 2024's `portalId` became). */
  portalsProviderId?: string;
  /** Android package name (leave it unset on the web). */
  androidPackageName?: string;
  [field: string]: unknown;
}

/** What `reconnect()` takes: the initialize input, and the call's own options. */
export type ReconnectInput = ConnectorPlaidInitializeInput & {
  /** Cancels the flow (until Link has succeeded: then the close is seen through). */
  signal?: AbortSignal;
  /** Open Link even when Quiltt answers `CONTINUE` (when it returns a link token): to add
   *  accounts or renew consent on a healthy connection. Default: false. */
  alwaysOpenLink?: boolean;
  /** After the close, read the connection until it leaves `SYNCING` (at most 60 s; the first
   *  read at once, then after 1 s, backed off): the result's `connection` is the last read and
   *  `confirmed` says whether it reached a healthy status. Nothing here fails the repair: a
   *  failed read, the bound or the signal leave `confirmed: false`. Default: false. */
  confirm?: boolean;
};

/** What `watch()` takes. */
export interface WatchOptions extends CallOptions {
  /** The statuses that end the watch. Default: `SYNCED` or any `ERROR_*`. */
  until?: ConnectionStatus[];
  /** The wait before the second read, in ms (then half as long again each time, up to 30 s).
   *  At least 250. Default: 2000 */
  intervalMs?: number;
  /** The bound from the first read: past it the iterator throws `TIMEOUT`. Default: 300000 */
  timeoutMs?: number;
}

export interface QuilttReconnect {
  /**
   * Watches a connection: reads it on a bounded, backed-off schedule and yields it each time
   * its status changes (the first read's too), ending after a status of `until`. It only
   * reads. The iterator throws `TIMEOUT` past `timeoutMs`, `ABORTED` when `signal` aborts, and
   * a request's error; leaving the loop (`break`) stops it.
   *
   * ```js
   * for await (const connection of bridge.watch("conn_1")) show(connection.status);
   * ```
   */
  watch(connectionId: string, options?: WatchOptions): AsyncIterableIterator<Connection>;
}

/** A call's own options: a signal that cancels it. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What `resume()` takes. */
export interface ResumeOptions extends CallOptions {
  /** The page's address: when a bank sent the user back to it (`?oauth_state_id=…`), Link gets
   *  it as `receivedRedirectUri`. An absolute https: URL (http: on localhost). Default:
   *  `location.href`. */
  url?: string;
  /** Finish only this connection's unfinished repair. */
  connectionId?: string;
}

/** What `connections()` takes. */
export interface ConnectionFilter extends CallOptions {
  /** The statuses to list; all connections when left out. */
  status?: ConnectionStatus | ConnectionStatus[];
}

/** The initialize record of a healthy connection, in one shape whatever the generation; its
 *  tokens stay inside the bridge. */
export interface PlaidConnector {
  /** `CONTINUE` for a healthy connection; newer values reach you as Quiltt spells them. */
  status: "CONTINUE" | "ACTION_REQUIRED" | "WAIT" | "ABORT" | (string & {});
  /** @deprecated The same as `status` (Quiltt's name for it before 2025). */
  connectorStatus: "CONTINUE" | "ACTION_REQUIRED" | "WAIT" | "ABORT" | (string & {});
  /** When the link token expires (ISO-8601), or null. */
  expiration: string | null;
  requestId: string | null;
}

/** An account of a connection. */
export interface Account {
  id: string;
  name: string;
  /** Usually the last four digits of the account number. */
  mask: string | null;
  /** `CHECKING`, `SAVINGS`, `CREDIT`, ... */
  type: string | null;
}

/** The institution behind a connection. */
export interface Institution {
  name: string;
  /** The logo's URL, whichever shape the server sent it in. */
  logo: string | null;
}

/** A Quiltt connection. */
export interface Connection {
  id: string;
  status: ConnectionStatus | null;
  /** The custom metadata stored on the connection, or null. */
  metadata: Record<string, unknown> | null;
  accounts: Account[];
  institution: Institution | null;
}

/** The error Link passes to `onExit`, in Plaid's own shape. */
export interface PlaidLinkError {
  error_type: string | null;
  error_code: string | null;
  error_message: string | null;
  /** A message for the user, where Plaid has one. */
  display_message: string | null;
}

/** One step of a support trail: when (ms from the flow's start), and what (`step`). */
export type TrailEntry = { atMs: number } & (
  | { step: "started"; resumed: boolean; schema: SchemaGeneration }
  | { step: "lock" | "locked" | "script_loaded" | "link_started" }
  | { step: "request"; operation: string; attempt: number }
  | { step: "reply"; operation: string; status: number | null; error: ErrorCode | null }
  | { step: "retry"; operation: string; cause: string; delayMs: number }
  | { step: "token_failed" | "script_failed"; error: ErrorCode }
  | { step: "initialized"; connectorStatus: string }
  | { step: "wait"; delayMs: number }
  | { step: "plaid"; event: string; viewName: string | null; linkSessionId: string | null;
      requestId: string | null; errorCode: string | null; exitStatus: string | null }
  | { step: "link_succeeded"; linkSessionId: string | null }
  | { step: "link_exited"; status: string | null; linkSessionId: string | null;
      requestId: string | null; errorCode: string | null }
  | { step: "link_failed"; failure: "create_threw" | "open_threw" | "not_loaded" }
  | { step: "read_back"; status: ConnectionStatus | null }
  | { step: "ended"; outcome: ReconnectResult["outcome"] | null; error: ErrorCode | null });

/** What a repair did, for support: `JSON.stringify(trail)` is what a ticket needs. It holds no
 *  token of any kind. */
export interface Trail {
  /** The package version that ran the flow. */
  version: string;
  connectionId: string;
  /** When the flow started (Unix ms). */
  startedAt: number;
  steps: TrailEntry[];
  /** Quiltt's `requestId`s (initialize's record, its errors). */
  requestIds: string[];
  /** Steps left out past the 200 a trail keeps. */
  dropped: number;
}

/** How a reconnect ended. Every result carries the flow's `trail`. */
export type ReconnectResult =
  | { outcome: "repaired"; connector: PlaidConnector; trail: Trail }
  | { outcome: "reconnected"; connection: Connection;
      /** With `confirm: true`: whether the connection left `SYNCING` for a healthy status. */
      confirmed?: boolean; trail: Trail }
  | { outcome: "exited"; error: PlaidLinkError | null; metadata: unknown; trail: Trail };

/** Where a flow is. `done` is always its last event. */
export type Stage =
  | "initializing" | "link_loading" | "link_open" | "closing"
  /** With `confirm: true`: the repaired connection is read until it leaves `SYNCING`. */
  | "confirming" | "done";

/** What `onEvent` receives: progress, and Plaid's own events passed through. */
export type ReconnectEvent =
  | { type: "progress"; connectionId: string; stage: Stage }
  | { type: "plaid"; connectionId: string; name: string; metadata: Record<string, unknown> };

/** A stable code to branch on. */
export type ErrorCode =
  | "INVALID_INPUT" | "NETWORK" | "TIMEOUT" | "UNAUTHORIZED" | "HTTP" | "GRAPHQL"
  | "MUTATION_FAILED" | "BAD_RESPONSE" | "PLAID_SCRIPT" | "NO_PUBLIC_TOKEN"
  | "CONNECTOR_ABORTED" | "ABORTED" | "CLOSE_FAILED" | "NO_PLAID_CONNECTOR";

/** One error Quiltt reported. */
export interface QuilttError {
  code?: string;
  message: string;
  /** Plaid's error type, where given. */
  type?: string;
  /** A message for the user, where Plaid wrote one. */
  displayMessage?: string;
  requestId?: string;
  /** The input path the error is about, where given. */
  path?: string[];
}

/** What every rejected promise and thrown error of this package is. */
export interface QuilttReconnectError extends Error {
  name: "QuilttReconnectError";
  code: ErrorCode;
  /** Quiltt's own errors, when the server sent some. */
  errors: QuilttError[];
  /** The HTTP status, when the failure came with one. */
  status?: number;
  /** The first message Plaid wrote for the user, where Quiltt sent one. */
  displayMessage?: string;
  /** Plaid Link's success metadata, for failures after Link succeeded. */
  metadata?: unknown;
  /** On CLOSE_FAILED: pass the error to `bridge.retryClose(error)` to send the close again
   *  (within 30 minutes; the public token is single use). */
  closeRetryId?: number;
  /** The support trail of a reconnect or resume that failed (not of a single read). */
  trail?: Trail;
}
"#;
