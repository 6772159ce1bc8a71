// <quiltt-reconnect>: a custom element that runs the reconnect flow on click.
//
//   <script type="module" src="/path/to/quiltt-reconnect/element.js"></script>
//   <quiltt-reconnect connection-id="conn_123" token="SESSION_TOKEN">Fix my bank</quiltt-reconnect>
//
// Attributes: connection-id (required), token (or the `token` property, which may also be a
// function returning a token), endpoint, plaid-script-url, features, timeout-ms, disabled.
// Events (bubbling, composed CustomEvents): quiltt-progress, quiltt-plaid, quiltt-repaired,
// quiltt-reconnected, quiltt-exited, quiltt-error.
//
// It works under a strict Content-Security-Policy (`style-src 'self'`): no style attributes, no
// <style> elements; the shadow root is styled with a constructable stylesheet.
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
button[disabled] {
  cursor: progress;
  opacity: 0.65;
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
  #busy = false;
  #token = undefined;
  /** Extra `reconnect()` input fields (everything but `connectionId`), e.g. `{ countryCodes: ["US"] }`. */
  input = {};

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    const s = styleSheet();
    if (s && "adoptedStyleSheets" in root) {
      root.adoptedStyleSheets = [s];
    }
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("part", "button");
    const slot = document.createElement("slot");
    slot.textContent = "Repair connection";
    button.append(slot);
    button.addEventListener("click", () => {
      this.reconnect().catch(() => {
        /* reported as a quiltt-error event */
      });
    });
    root.append(button);
    this.#button = button;
  }

  connectedCallback() {
    this.#sync();
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

  get features() {
    return this.getAttribute("features") ?? undefined;
  }
  set features(value) {
    this.#setOptional("features", value);
  }

  get timeoutMs() {
    const raw = this.getAttribute("timeout-ms");
    const n = raw === null ? NaN : Number(raw);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }
  set timeoutMs(value) {
    this.#setOptional("timeout-ms", value);
  }

  get disabled() {
    return this.hasAttribute("disabled");
  }
  set disabled(value) {
    this.toggleAttribute("disabled", Boolean(value));
  }

  /** Whether a flow is running. */
  get busy() {
    return this.#busy;
  }

  /**
   * Runs the flow (what a click does). Resolves with the result, or `undefined` when the element
   * is disabled or already running; rejects with the package's error (also sent as `quiltt-error`).
   */
  async reconnect() {
    if (this.#busy || this.disabled) {
      return undefined;
    }
    this.#setBusy(true);
    let client = null;
    try {
      await ensureInit();
      const options = { token: this.token, onEvent: (event) => this.#onEvent(event) };
      if (this.endpoint) options.endpoint = this.endpoint;
      if (this.plaidScriptUrl) options.plaidScriptUrl = this.plaidScriptUrl;
      if (this.timeoutMs !== undefined) options.timeoutMs = this.timeoutMs;
      client = new QuilttReconnect(options);
      const input = { ...this.input, connectionId: this.connectionId };
      if (this.features) input.features = this.features;
      const result = await client.reconnect(input);
      this.#emit(`quiltt-${result.outcome}`, result);
      return result;
    } catch (error) {
      this.#emit("quiltt-error", errorDetail(error));
      throw error;
    } finally {
      if (client) {
        try {
          client.free();
        } catch {
          /* already freed */
        }
      }
      this.#setBusy(false);
    }
  }

  #onEvent(event) {
    if (event && event.type === "plaid") {
      this.#emit("quiltt-plaid", event);
    } else {
      this.#emit("quiltt-progress", event);
    }
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
    const off = this.#busy || this.disabled;
    this.#button.toggleAttribute("disabled", off);
    if (this.#busy) {
      this.#button.setAttribute("aria-busy", "true");
    } else {
      this.#button.removeAttribute("aria-busy");
    }
  }
}

function errorDetail(error) {
  if (error && typeof error === "object") {
    const detail = {
      code: typeof error.code === "string" ? error.code : "UNKNOWN",
      message: String(error.message ?? error),
      errors: Array.isArray(error.errors) ? error.errors : [],
    };
    if (typeof error.status === "number") detail.status = error.status;
    if ("metadata" in error && error.metadata !== undefined) detail.metadata = error.metadata;
    return detail;
  }
  return { code: "UNKNOWN", message: String(error), errors: [] };
}

if (typeof customElements !== "undefined" && !customElements.get(TAG_NAME)) {
  customElements.define(TAG_NAME, QuilttReconnectElement);
}
