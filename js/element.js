// <quiltt-reconnect>: a custom element that runs the reconnect flow on click.
//
//   <script type="module" src="/path/to/quiltt-reconnect/element.js"></script>
//   <quiltt-reconnect connection-id="conn_123" token="SESSION_TOKEN">Fix my bank</quiltt-reconnect>
//
// Attributes: connection-id (required), token (or the `token` property, which may also be a
// function returning a token), endpoint, plaid-script-url, features-required (Quiltt's 2024 and
// 2025 schemas) or features (2023), schema (pins a generation: 2025-04, 2024-08, 2023-08),
// timeout-ms, nonce (the page's CSP nonce for Plaid's script tag; left out, the page's own is
// read), confirm (after the repair, read the connection until it leaves SYNCING), disabled.
// Events (bubbling, composed CustomEvents): quiltt-progress, quiltt-plaid, quiltt-repaired,
// quiltt-reconnected, quiltt-exited, quiltt-sync, quiltt-error.
//
// With `confirm`, the element shows the sync state after a repair (its `status` part, a live
// region: "Syncing…", then "Synced" or "Not synced yet"), reflects it in its `sync-state`
// attribute (syncing, synced, unconfirmed) and emits `quiltt-sync` with
// `{ state, status, confirmed, connectionId }` at each change.
//
// After a CLOSE_FAILED error (Link succeeded, saving the repair did not) the button shows its
// `retry` slot ("Try saving again") and a click sends the same close again (`retryClose()`)
// instead of starting over. Removed from the document while its flow runs, the element aborts
// the flow: an open Link is closed and nothing is sent. Put in a page of a tab that left a repair
// of its connection unfinished (an OAuth bank sent the user back, or the page was reloaded while
// Link was open or before the repair was saved), it finishes it, with the same events as a click.
//
// It works under a strict Content-Security-Policy (`style-src 'self'`): no style attributes, no
// <style> elements; the shadow root is styled with a constructable stylesheet. And under Trusted
// Types (`require-trusted-types-for 'script'`): it writes the DOM with createElement, append and
// textContent only, never an HTML or script sink (innerHTML, a script's src, string timers).
import init, { QuilttReconnect } from "./quiltt_reconnect.js";

export const TAG_NAME = "quiltt-reconnect";

let initPromise = null;

/** Instantiates the WebAssembly module once per page (retries after a failure). */
function ensureInit() {
  if (!initPromise) {
    initPromise = init().catch((error) => {
      initPromise = null;
      throw error;
    });
  }
  return initPromise;
}

const CSS = `
:host {
  display: inline-block;
}
:host([hidden]) {
  display: none;
}
button {
  font: inherit;
  font-weight: 600;
  cursor: pointer;
  border: 1px solid transparent;
  border-radius: 8px;
  padding: 0.55em 1.1em;
  color: #ffffff;
  background: #4338ca;
  transition: background-color 120ms ease, opacity 120ms ease;
}
button:hover {
  background: #3730a3;
}
button:focus-visible {
  outline: 3px solid #a5b4fc;
  outline-offset: 2px;
}
button[aria-disabled="true"] {
  cursor: progress;
  opacity: 0.65;
}
button[disabled] {
  opacity: 0.65;
}
[part="status"] {
  margin-inline-start: 0.6em;
  font-size: 0.9em;
}
[part="status"]:empty {
  display: none;
}
:host([close-failed]) button {
  background: #b45309;
}
:host([close-failed]) button:hover {
  background: #92400e;
}
:host([close-failed]) slot:not([name]),
:host(:not([close-failed])) slot[name="retry"] {
  display: none;
}
:host([disabled]) button[disabled] {
  cursor: not-allowed;
}
`;

let sheet = null;
function styleSheet() {
  if (sheet === null) {
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    } catch {
      sheet = undefined; // no constructable stylesheets: the element stays unstyled
    }
  }
  return sheet;
}

const BaseElement = typeof HTMLElement === "undefined" ? class {} : HTMLElement;

export class QuilttReconnectElement extends BaseElement {
  static get observedAttributes() {
    return ["disabled"];
  }

  #button;
  /** The live region that shows the sync state after a confirmed repair. */
  #status;
  #busy = false;
  /** Whether the element is finishing a repair its tab left unfinished. */
  #resuming = false;
  #token = undefined;
  /** The running reconnect's AbortController (aborted when the element leaves the document). */
  #controller = null;
  /** The CLOSE_FAILED error whose close the button retries, or null. */
  #failedClose = null;
  /** Extra `reconnect()` input fields (everything but `connectionId`), e.g. `{ countryCodes: ["US"] }`. */
  input = {};

  constructor() {
    super();
    // delegatesFocus: focusing the element (as Plaid Link does when it closes) focuses its button.
    const root = this.attachShadow({ mode: "open", delegatesFocus: true });
    const s = styleSheet();
    if (s && "adoptedStyleSheets" in root) {
      root.adoptedStyleSheets = [s];
    }
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("part", "button");
    const slot = document.createElement("slot");
    slot.textContent = "Repair connection";
    const retry = document.createElement("slot");
    retry.name = "retry";
    retry.textContent = "Try saving again";
    button.append(slot, retry);
    button.addEventListener("click", () => {
      // After CLOSE_FAILED the user already went through Link: send that close again.
      const run = this.#failedClose ? this.retryClose() : this.reconnect();
      run.catch(() => {
        /* reported as a quiltt-error event */
      });
    });
    const status = document.createElement("span");
    status.setAttribute("part", "status");
    status.setAttribute("role", "status");
    root.append(button, status);
    this.#button = button;
    this.#status = status;
  }

  connectedCallback() {
    this.#sync();
    this.#finishLeftWork();
  }

  disconnectedCallback() {
    // Removed while a flow runs: abort it (Link is closed, no close is sent). A move within the
    // document disconnects and reconnects in one go, so look again once that is over.
    const controller = this.#controller;
    if (!controller) return;
    queueMicrotask(() => {
      if (!this.isConnected && this.#controller === controller) controller.abort();
    });
  }

  attributeChangedCallback() {
    this.#sync();
  }

  get connectionId() {
    return this.getAttribute("connection-id") ?? "";
  }
  set connectionId(value) {
    this.setAttribute("connection-id", String(value));
  }

  /** The session token: the `token` attribute, or a string or function set as a property. */
  get token() {
    return this.#token ?? this.getAttribute("token") ?? undefined;
  }
  set token(value) {
    this.#token = value ?? undefined;
  }

  get endpoint() {
    return this.getAttribute("endpoint") ?? undefined;
  }
  set endpoint(value) {
    this.#setOptional("endpoint", value);
  }

  get plaidScriptUrl() {
    return this.getAttribute("plaid-script-url") ?? undefined;
  }
  set plaidScriptUrl(value) {
    this.#setOptional("plaid-script-url", value);
  }

  /** The `features` attribute (Quiltt's 2023 schema): one feature, or a list when it names several. */
  get features() {
    const list = splitList(this.getAttribute("features"));
    if (!list) return undefined;
    return list.length === 1 ? list[0] : list;
  }
  set features(value) {
    this.#setOptional("features", Array.isArray(value) ? value.join(" ") : value);
  }

  /** The `features-required` attribute (Quiltt's 2024 and 2025 schemas), a space- or comma-separated list. */
  get featuresRequired() {
    return splitList(this.getAttribute("features-required"));
  }
  set featuresRequired(value) {
    this.#setOptional("features-required", Array.isArray(value) ? value.join(" ") : value);
  }

  /** The `schema` attribute: the generation of Quiltt's schema the endpoint speaks, when known. */
  get schema() {
    return this.getAttribute("schema") ?? undefined;
  }
  set schema(value) {
    this.#setOptional("schema", value);
  }

  /**
   * The page's CSP nonce for the Plaid `<script>` tag the package adds: the `nonce` attribute.
   * In a page served with a CSP header, the browser hides that attribute once the element is in
   * the page (it reads "") but keeps the element's nonce, which is what this reads first.
   */
  get nonce() {
    const hidden = super.nonce;
    return (typeof hidden === "string" && hidden) || this.getAttribute("nonce") || undefined;
  }
  set nonce(value) {
    this.#setOptional("nonce", value);
  }

  get timeoutMs() {
    const raw = this.getAttribute("timeout-ms");
    const n = raw === null ? NaN : Number(raw);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }
  set timeoutMs(value) {
    this.#setOptional("timeout-ms", value);
  }

  /** The `confirm` attribute: after the repair, read the connection until it leaves SYNCING. */
  get confirm() {
    return this.hasAttribute("confirm");
  }
  set confirm(value) {
    this.toggleAttribute("confirm", Boolean(value));
  }

  /** The sync state shown after a confirmed repair: "syncing", "synced", "unconfirmed", or null. */
  get syncState() {
    return this.getAttribute("sync-state");
  }

  get disabled() {
    return this.hasAttribute("disabled");
  }
  set disabled(value) {
    this.toggleAttribute("disabled", Boolean(value));
  }

  /** Whether a flow (or a retried close) is running. */
  get busy() {
    return this.#busy;
  }

  /** The `CLOSE_FAILED` error whose close a click (or `retryClose()`) sends again, or null. */
  get failedClose() {
    return this.#failedClose;
  }

  /**
   * Runs the flow (what a click does, unless a close failed). Resolves with the result, or
   * `undefined` when the element is disabled or already running; rejects with the package's
   * error (also sent as `quiltt-error`).
   */
  async reconnect() {
    if (this.#busy || this.disabled) {
      return undefined;
    }
    this.#setFailedClose(null);
    const controller = new AbortController();
    this.#controller = controller;
    return this.#run((client) => {
      const input = { ...this.input, connectionId: this.connectionId, signal: controller.signal };
      if (this.confirm) input.confirm = true;
      const features = this.features;
      const featuresRequired = this.featuresRequired;
      if (features !== undefined) input.features = features;
      if (featuresRequired !== undefined) input.featuresRequired = featuresRequired;
      return client.reconnect(input);
    });
  }

  /**
   * Sends again the close that failed (`CLOSE_FAILED`), as a click does then: the user does not
   * go through Link again. Resolves with the result (`quiltt-reconnected`), or `undefined` when
   * there is no failed close, or the element is disabled or running; rejects with the package's
   * error (also sent as `quiltt-error`; the button keeps offering the retry while that error
   * still has a `closeRetryId`).
   */
  async retryClose() {
    const failed = this.#failedClose;
    if (!failed || this.#busy || this.disabled) {
      return undefined;
    }
    return this.#run((client) => client.retryClose(failed));
  }

  /**
   * Finishes a repair of the element's connection that this tab left unfinished, as `resume()`
   * does, when the element is put in a page: busy (and its events sent) only once it runs.
   */
  async #finishLeftWork() {
    if (this.#busy || this.#resuming || !this.connectionId) return;
    this.#resuming = true;
    const controller = new AbortController();
    try {
      await ensureInit();
      if (!this.isConnected || this.#busy) return;
      this.#controller = controller;
      await this.#run((client) => client.resume({ connectionId: this.connectionId, signal: controller.signal }), { quiet: true });
    } catch {
      /* reported as a quiltt-error event */
    } finally {
      if (this.#controller === controller) this.#controller = null;
      this.#resuming = false;
    }
  }

  /**
   * The client's options. The token is read when a request needs one, so a token set as a
   * property after the flow began (or changed during it) is the one sent.
   */
  #options(onEvent) {
    const options = {
      token: async () => {
        const token = this.token;
        return typeof token === "function" ? token() : token;
      },
      onEvent,
    };
    if (this.endpoint) options.endpoint = this.endpoint;
    if (this.plaidScriptUrl) options.plaidScriptUrl = this.plaidScriptUrl;
    if (this.timeoutMs !== undefined) options.timeoutMs = this.timeoutMs;
    if (this.schema) options.schema = this.schema;
    if (this.nonce) options.nonce = this.nonce;
    return options;
  }

  /**
   * Runs `operation` with a fresh client and reports how it ended; `quiet`: busy only from the
   * operation's first event, and nothing reported when it resolves null (nothing to do).
   */
  async #run(operation, { quiet = false } = {}) {
    if (!quiet) this.#setBusy(true);
    let client = null;
    try {
      await ensureInit();
      client = new QuilttReconnect(
        this.#options((event) => {
          if (!this.#busy) this.#setBusy(true);
          this.#onEvent(event);
        }),
      );
      const result = await operation(client);
      if (result === null) return null;
      this.#setFailedClose(null);
      if (typeof result.confirmed === "boolean") {
        this.#setSync(result.confirmed ? "synced" : "unconfirmed", result.connection);
      }
      this.#emit(`quiltt-${result.outcome}`, result);
      return result;
    } catch (error) {
      const detail = errorDetail(error);
      // The page-wide registry of failed closes outlives this client: a later click retries it.
      this.#setFailedClose(detail.closeRetryId !== undefined ? error : null);
      this.#emit("quiltt-error", detail);
      throw error;
    } finally {
      this.#controller = null;
      client?.free();
      if (this.#busy) this.#setBusy(false);
    }
  }

  #onEvent(event) {
    if (event && event.type === "plaid") {
      this.#emit("quiltt-plaid", event);
    } else {
      if (event?.stage === "initializing") this.#setSync(null, null);
      if (event?.stage === "confirming") this.#setSync("syncing", { id: event.connectionId, status: "SYNCING" });
      this.#emit("quiltt-progress", event);
    }
  }

  /** Shows and emits the sync state (`null` clears it, without an event). */
  #setSync(state, connection) {
    const text = { syncing: "Syncing\u2026", synced: "Synced", unconfirmed: "Not synced yet" };
    this.#status.textContent = state ? text[state] : "";
    if (state === null) {
      this.removeAttribute("sync-state");
      return;
    }
    this.setAttribute("sync-state", state);
    this.#emit("quiltt-sync", {
      state,
      status: connection?.status ?? null,
      confirmed: state === "syncing" ? null : state === "synced",
      connectionId: connection?.id ?? this.connectionId,
    });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #setOptional(name, value) {
    if (value === undefined || value === null || value === "") {
      this.removeAttribute(name);
    } else {
      this.setAttribute(name, String(value));
    }
  }

  #setFailedClose(error) {
    this.#failedClose = error;
    this.toggleAttribute("close-failed", error !== null);
  }

  #setBusy(busy) {
    this.#busy = busy;
    if (busy) {
      this.setAttribute("aria-busy", "true");
    } else {
      this.removeAttribute("aria-busy");
    }
    this.#sync();
  }

  #sync() {
    if (!this.#button) return;
    // Disabled by the page: out of the focus order. Busy: `aria-disabled`, so the button keeps
    // focus while the flow runs (a disabled one drops it to <body>) and gets it back from Link.
    this.#button.toggleAttribute("disabled", this.disabled);
    if (this.#busy) {
      this.#button.setAttribute("aria-disabled", "true");
      this.#button.setAttribute("aria-busy", "true");
    } else {
      this.#button.removeAttribute("aria-disabled");
      this.#button.removeAttribute("aria-busy");
    }
  }
}

/** Splits a space- or comma-separated attribute into its items; `undefined` when absent or empty. */
function splitList(value) {
  const items = (value ?? "").split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

/**
 * `quiltt-error`'s detail: the error itself (`error`, what `bridge.retryClose(error)` takes) and
 * its fields copied out, among them `closeRetryId` after `CLOSE_FAILED`.
 */
function errorDetail(error) {
  if (error && typeof error === "object") {
    const detail = {
      code: typeof error.code === "string" ? error.code : "UNKNOWN",
      message: String(error.message ?? error),
      errors: Array.isArray(error.errors) ? error.errors : [],
      error,
    };
    if (typeof error.status === "number") detail.status = error.status;
    if (typeof error.displayMessage === "string") detail.displayMessage = error.displayMessage;
    if ("metadata" in error && error.metadata !== undefined) detail.metadata = error.metadata;
    if (error.trail && typeof error.trail === "object") detail.trail = error.trail;
    if (typeof error.closeRetryId === "number") detail.closeRetryId = error.closeRetryId;
    return detail;
  }
  return { code: "UNKNOWN", message: String(error), errors: [], error };
}

if (typeof customElements !== "undefined" && !customElements.get(TAG_NAME)) {
  customElements.define(TAG_NAME, QuilttReconnectElement);
}
