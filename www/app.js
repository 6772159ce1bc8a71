// The quiltt-reconnect demo page, written as an app would write it: it lists the connections
// with `bridge.connections()`, repairs those that need it, adds accounts to healthy ones, and
// comes back from OAuth banks with `bridge.resume()`. Only the sandbox-only buttons (Break,
// Reset) and the schema check below use the sandbox's own endpoints.
//
// Everything is rendered with textContent (never innerHTML), and the page runs under the
// sandbox's strict Content-Security-Policy (no inline script or style).
//
// Accessibility: the list is rebuilt on every render, so focus is kept by each control's stable
// id (`data-testid`), or moved to the nearest control that still makes sense; controls that are
// busy are `aria-disabled` (still focusable) rather than `disabled`; progress and outcomes are
// announced in one small status region (#live); each row's buttons name their connection.

const TOKEN = "sandbox-session-token";
const ENDPOINT = `${location.origin}/v1/graphql`;
const PLAID_SCRIPT_URL = `${location.origin}/link/v2/stable/link-initialize.js`;
// OAuth banks send the user back here (Plaid adds `?oauth_state_id=…`); this page then calls
// `bridge.resume()`. A real app registers this URL with Plaid.
const RETURN_URL = `${location.origin}${location.pathname}`;

/**
 * The connection features the initialize input asks for. What a real app sends to Quiltt's
 * current API (the 2025-04 schema, where the field is required) is
 *
 *     { featuresRequired: ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] }
 *
 * The bridge finds out by itself which generation of the schema the endpoint speaks, but the
 * feature values are the app's own: the sandbox can also play Quiltt's 2024-08 schema (whose
 * features are `TRANSACTIONS`, ...) and 2023-08 (which takes `features` instead), so this demo
 * asks the sandbox which one it serves.
 */
function featureFields(schema) {
  switch (schema) {
    case "2023":
      return { features: ["TRANSACTIONS"] };
    case "2024":
      return { featuresRequired: ["TRANSACTIONS"] };
    default:
      return { featuresRequired: ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] };
  }
}

/** The generations the sandbox can serve, as it names them, and as Quiltt does. */
const SCHEMAS = { "2023": "2023-08", "2024": "2024-08", "2025": "2025-04", "no-plaid": "2025-04, no Plaid" };

async function loadPackage() {
  try {
    return await import("/pkg/index.js");
  } catch {
    return import("/pkg/quiltt_reconnect.js");
  }
}

const STATUS = {
  SYNCED: ["Healthy", "ok"],
  SYNCING: ["Syncing", "ok"],
  INITIALIZING: ["Setting up", "ok"],
  UPGRADING: ["Upgrading", "ok"],
  DISCONNECTING: ["Disconnecting", "muted"],
  DISCONNECTED: ["Disconnected", "muted"],
  ERROR_REPAIRABLE: ["Needs repair", "warn"],
  ERROR_SERVICE: ["Service error", "error"],
  ERROR_PROVIDER: ["Provider error", "error"],
  ERROR_INSTITUTION: ["Bank error", "error"],
};

/** Whether the user can fix the connection by logging in to the bank again. */
const needsRepair = (c) => c.status === "ERROR_REPAIRABLE" || c.status === "DISCONNECTED";
/** Whether the connection works (accounts can be added to it in Plaid Link). */
const isHealthy = (c) => c.status === "SYNCED";

const ACCOUNT_TYPES = {
  CHECKING: "Checking",
  SAVINGS: "Savings",
  CREDIT: "Credit card",
  LOAN: "Loan",
  INVESTMENT: "Investment",
  OTHER: "Other",
};

/** How a step of the progress list is shown: an icon (not colour alone) and words for screen readers. */
const STEP_STATES = {
  done: ["✓", "done"],
  failed: ["✕", "failed"],
  active: ["…", "in progress"],
  skipped: ["–", "skipped"],
  pending: ["○", "not reached"],
};

const STAGES = [
  ["initializing", "Asking Quiltt about the connection"],
  ["link_loading", "Loading Plaid Link"],
  ["link_open", "Waiting for you in Plaid Link"],
  ["closing", "Saving the connection with Quiltt"],
  ["confirming", "Syncing with the bank"],
  ["done", "Done"],
];

const ERROR_WORDS = {
  INVALID_INPUT: ["Something in the request wasn't right.", "The page sent a request Quiltt could not accept."],
  NETWORK: ["We couldn't reach the server.", "Check your internet connection and try again."],
  TIMEOUT: ["The server took too long to answer.", "Please try again in a moment."],
  UNAUTHORIZED: ["Your session has expired.", "Sign in again, then retry the repair."],
  HTTP: ["The server had a problem.", "Please try again in a moment."],
  GRAPHQL: ["Quiltt couldn't start the repair.", "The server turned the request down."],
  MUTATION_FAILED: ["Quiltt couldn't complete the request.", "The server turned the request down."],
  BAD_RESPONSE: ["The server sent an answer we didn't understand.", "Please try again later."],
  CONNECTOR_ABORTED: ["Quiltt can't repair this connection right now.", "Please try again later."],
  PLAID_SCRIPT: ["Plaid Link couldn't be loaded.", "A blocker or a network problem may be stopping it."],
  NO_PUBLIC_TOKEN: ["Plaid finished without confirming the repair.", "Please try again."],
  ABORTED: ["The repair was cancelled.", "Nothing changed."],
  CLOSE_FAILED: ["Your bank login worked, but saving it failed.", "Press Try saving again: you won't need to log in again."],
  NO_PLAID_CONNECTOR: ["This Quiltt environment can't repair bank logins.", "Plaid isn't enabled for it."],
};

const $ = (id) => document.getElementById(id);

const state = {
  pkg: null,
  client: null,
  schema: "2025", // the Quiltt schema generation the sandbox serves
  connections: [], // what the last bridge.connections() call listed
  known: new Map(), // connection id → the latest Connection seen (list or result)
  filter: "all", // "all" | "repair"
  selectedId: null,
  runningId: null,
  running: null, // "repair" | "add" | "resume" | "retry" while a flow runs
  outcomes: new Map(), // connection id → { kind: "result" | "error", value, action }
  stages: new Map(), // connection id → list of stages seen in the current/last run
  plaidEvents: new Map(), // connection id → Plaid event names
  listError: null,
  notice: null, // a page-wide message, e.g. after coming back from a bank
  breaking: new Set(), // connection ids whose Break request is on its way
};

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [k, v] of Object.entries(options.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Marks a control busy without taking it out of the focus order (a `disabled` button that has
 * focus drops it to <body>): `aria-disabled`, which click handlers respect.
 */
function setBlocked(control, blocked) {
  if (blocked) control.setAttribute("aria-disabled", "true");
  else control.removeAttribute("aria-disabled");
}

const isBlocked = (control) => control.getAttribute("aria-disabled") === "true";

/** Says `text` in the status region screen readers listen to (#live). */
function announce(text) {
  const live = $("live");
  // The same words again are a new message: change the text so it is announced again.
  live.textContent = live.textContent === text ? `${text}\u00a0` : text;
}

/** The connection's name for people: its institution, else its id. */
const displayName = (c) => c?.institution?.name ?? c?.id ?? "";

/** The institution's logo: `institution.logo` is the image's URL, used as given. */
function logoImg(url, className) {
  if (!url) {
    return el("span", { className: `${className} logo-placeholder`, attrs: { "aria-hidden": "true" } });
  }
  const img = el("img", { className, attrs: { alt: "", width: "40", height: "40" } });
  img.src = url;
  return img;
}

function statusBadge(status) {
  const [label, tone] = STATUS[status] ?? [status ?? "Unknown", "muted"];
  return el("span", { className: `status status-${tone}`, text: label, attrs: { "data-status": status ?? "" } });
}

/** "Checking · •••• 4321" */
function accountDetails(account) {
  const type = account.type ? (ACCOUNT_TYPES[account.type] ?? account.type) : null;
  return [type, account.mask ? `•••• ${account.mask}` : null].filter(Boolean).join(" · ");
}

function metadataSummary(metadata) {
  if (!metadata || Object.keys(metadata).length === 0) return null;
  const text = JSON.stringify(metadata);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own endpoints: which schema it serves, and the sandbox-only Break and Reset
// buttons. A real app has none of these.

async function fetchJson(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status}`);
  return response.json();
}

async function readSchema() {
  try {
    const config = await fetchJson("/__sandbox/config");
    if (Object.hasOwn(SCHEMAS, config?.schema)) state.schema = config.schema;
  } catch (error) {
    console.warn("couldn't read the sandbox's config; assuming Quiltt's 2025 schema", error);
  }
}

async function breakConnection(id) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      query:
        "mutation Break($id: ID!) { connectionSimulateError(input: { id: $id }) { success errors { message } } }",
      variables: { id },
    }),
  });
  const json = await response.json().catch(() => null);
  const payload = json?.data?.connectionSimulateError;
  if (!response.ok || !payload?.success) {
    const message = payload?.errors?.[0]?.message ?? json?.errors?.[0]?.message ?? `HTTP ${response.status}`;
    throw Object.assign(new Error(message), { code: "MUTATION_FAILED", errors: payload?.errors ?? [] });
  }
  state.outcomes.delete(id);
  state.stages.delete(id);
  state.plaidEvents.delete(id);
}

async function resetSandbox() {
  await fetchJson("/__sandbox/reset", { method: "POST" });
  state.outcomes.clear();
  state.stages.clear();
  state.plaidEvents.clear();
  state.known.clear();
  state.metadataFor = null;
  state.notice = null;
}

// ---------------------------------------------------------------------------------------------
// The package

/** Lists the connections through Quiltt's API: all, or those that need repair. */
async function refresh() {
  if (!state.client) return;
  try {
    const filter = state.filter === "repair" ? { status: "ERROR_REPAIRABLE" } : {};
    state.connections = await state.client.connections(filter);
    for (const c of state.connections) state.known.set(c.id, c);
    state.listError = null;
  } catch (error) {
    const [title] = ERROR_WORDS[error?.code] ?? ["Something went wrong."];
    state.listError = `The connections couldn't be loaded. ${title}`;
    console.warn("connections() failed:", error?.code, error?.message);
  }
  render();
}

function onEvent(event) {
  if (state.running === "resume" && !state.runningId && event.connectionId) {
    // Back from the bank: the events say which connection the resumed flow repairs.
    startRun(event.connectionId, "resume");
  }
  const id = event.connectionId ?? state.runningId;
  if (!id) return;
  if (event.type === "progress") {
    const seen = state.stages.get(id) ?? [];
    seen.push(event.stage);
    state.stages.set(id, seen);
    const label = STAGES.find(([stage]) => stage === event.stage)?.[1];
    if (label && event.stage !== "done") announce(`${displayName(state.known.get(id))}: ${label}…`);
  } else if (event.type === "plaid") {
    const names = state.plaidEvents.get(id) ?? [];
    names.push(event.name);
    state.plaidEvents.set(id, names);
  }
  if (id === state.selectedId) renderDetail();
}

function startRun(id, action) {
  state.runningId = id;
  state.running = action;
  state.selectedId = id;
  // A retried close keeps its error on screen, Try saving again busy and focused, until it ends.
  if (action !== "retry") state.outcomes.delete(id);
  state.stages.set(id, []);
  state.plaidEvents.set(id, []);
  render();
  revealDetail();
}

/** Runs one flow of the package for connection `id` and shows how it ended. */
async function runFlow(id, action, flow) {
  if (state.running || !state.client) return;
  startRun(id, action);
  await settle(action, flow);
}

/** Awaits `flow` (a method of the package), keeps how it ended, and lists the connections again. */
async function settle(action, flow) {
  let result = null;
  let failed = false;
  let lastId = state.runningId;
  try {
    result = await flow();
    if (result) {
      const id = result.connection?.id ?? state.runningId;
      if (result.connection) state.known.set(id, result.connection);
      if (id) state.outcomes.set(id, { kind: "result", value: result, action });
    }
  } catch (error) {
    failed = true;
    if (state.runningId) {
      state.outcomes.set(state.runningId, { kind: "error", value: error, action });
    } else {
      const [title] = ERROR_WORDS[error?.code] ?? ["Something went wrong."];
      state.notice = { tone: "error", text: `The repair couldn't be finished. ${title}` };
    }
    console.warn(`${action} failed:`, error?.code, error?.message);
  } finally {
    lastId = state.runningId ?? lastId;
    state.runningId = null;
    state.running = null;
  }
  if (result || failed) await refresh();
  else render();
  const id = result?.connection?.id ?? lastId;
  const outcome = state.outcomes.get(id);
  if (outcome?.kind === "result") {
    const words = outcomeWords(outcome);
    announce(`${words.title}: ${displayName(state.known.get(id))}. ${words.text}`);
  }
  return result;
}

/** Repairs a broken connection: the user logs in to the bank again in Plaid Link. */
function repair(id) {
  return runFlow(id, "repair", () =>
    state.client.reconnect({
      connectionId: id,
      ...featureFields(state.schema),
      // For OAuth banks: Link sends the whole page to the bank, which sends the user back here.
      // Plaid accepts only URIs on the "Allowed redirect URIs" list of its dashboard: an app
      // copying this lists its page there first, or leaves the field out.
      redirectUri: RETURN_URL,
      // After the close, read the connection until Quiltt has synced it (at most a minute): the
      // result says whether the bank is syncing again, not only that Quiltt took the repair.
      confirm: true,
    }),
  );
}

/** Adds accounts to a healthy connection: Link in update mode with account selection. */
function addAccounts(id) {
  return runFlow(id, "add", () =>
    state.client.reconnect({
      connectionId: id,
      ...featureFields(state.schema),
      redirectUri: RETURN_URL,
      update: { accountSelectionEnabled: true },
      alwaysOpenLink: true, // Quiltt answers CONTINUE for a healthy connection: open Link anyway
    }),
  );
}

/** After CLOSE_FAILED: sends the same close again (the user doesn't go through Link again). */
function retryClose(id, error) {
  return runFlow(id, "retry", () => state.client.retryClose(error));
}

/**
 * On every load: finish what this tab left unfinished. After a reload while Plaid Link was open,
 * or when an OAuth bank sent the user back (`?oauth_state_id=…`), Link opens again where it was;
 * after a reload before the repair was saved, it is saved now. `resume()` resolves null when
 * there is nothing to finish.
 */
async function resumeFromBank() {
  const url = new URL(location.href);
  const fromBank = url.searchParams.has("oauth_state_id");
  state.running = "resume";
  const result = await settle("resume", () => state.client.resume());
  if (fromBank) {
    // The state id is single use: don't leave it in the address bar (or a reload would retry it).
    url.searchParams.delete("oauth_state_id");
    history.replaceState(history.state, "", url);
    if (!result && !state.notice) {
      state.notice = { tone: "muted", text: "Back from your bank, but there was nothing left to finish." };
      render();
    }
  }
}

/**
 * Marks the metadata editor invalid (`aria-invalid`, the message tied to it with
 * `aria-describedby` and announced) and puts focus back in it; `null` clears that.
 */
function setMetadataError(message) {
  const editor = $("metadata");
  const status = $("metadata-status");
  status.className = message ? "small text-error" : "small";
  if (message) {
    status.textContent = message;
    editor.setAttribute("aria-invalid", "true");
    editor.setAttribute("aria-describedby", "metadata-status");
    editor.focus();
  } else {
    editor.removeAttribute("aria-invalid");
    editor.removeAttribute("aria-describedby");
  }
}

async function saveMetadata(event) {
  event.preventDefault();
  const save = $("metadata-save");
  if (isBlocked(save)) return;
  const id = state.selectedId;
  const status = $("metadata-status");
  let value;
  try {
    value = JSON.parse($("metadata").value.trim() || "{}");
  } catch (error) {
    setMetadataError(`That isn't valid JSON: ${error.message}`);
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    setMetadataError("Metadata must be a JSON object, like {\"nickname\": \"Joint account\"}.");
    return;
  }
  setMetadataError(null);
  setBlocked(save, true);
  status.textContent = "Saving…";
  try {
    const connection = await state.client.updateMetadata(id, value);
    state.known.set(id, connection);
    state.metadataFor = null; // re-fill the editor from what the server stored
    await refresh();
    $("metadata").value = JSON.stringify(connection.metadata ?? {}, null, 2);
    status.classList.add("text-ok");
    status.textContent = "Saved.";
  } catch (error) {
    const [title] = ERROR_WORDS[error?.code] ?? ["Saving failed."];
    status.classList.add("text-error");
    status.textContent = `${title} ${serverMessages(error)}`.trim();
  } finally {
    setBlocked(save, !state.client);
  }
}

function serverMessages(error) {
  if (error?.displayMessage) return error.displayMessage;
  const list = Array.isArray(error?.errors) ? error.errors.map((e) => e.displayMessage ?? e.message).filter(Boolean) : [];
  return list.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render() {
  const focused = focusedControl();
  renderTop();
  renderList();
  renderDetail();
  restoreFocus(focused);
}

/** Whether `node` can take focus now (in the page, shown, not disabled). */
function canFocus(node) {
  return Boolean(node?.isConnected) && !node.disabled && !node.closest("[hidden]") && node.getClientRects().length > 0;
}

/** The control that has focus, with what finds it (or its stand-in) again after a render. */
function focusedControl() {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  return {
    node,
    key: node.dataset?.testid ?? null,
    row: node.closest("li[data-id]")?.dataset.id ?? null,
    inDetail: Boolean(node.closest("#detail")),
  };
}

/**
 * After a render, when the focused control was rebuilt, hidden or disabled (focus fell to
 * <body>): the control with the same id; else, in the list, the row's main action (Repair, Add
 * accounts) or its Details, then the list's heading; in the details, the outcome's title, then
 * the panel's heading. Focus elsewhere (Plaid Link's dialog, the editor) is left alone.
 */
function restoreFocus(before) {
  if (!before) return;
  // A control hidden or disabled keeps document.activeElement until the next frame: ask canFocus.
  const now = document.activeElement;
  if (now && now !== document.body && canFocus(now)) return;
  const candidates = [before.node];
  if (before.key) candidates.push(document.querySelector(`[data-testid="${CSS.escape(before.key)}"]`));
  if (before.row) {
    const row = document.querySelector(`li[data-id="${CSS.escape(before.row)}"]`);
    candidates.push(row?.querySelector("[data-action=repair], [data-action=add]"), row?.querySelector("[data-action=select]"));
  }
  if (before.inDetail) candidates.push($("result-title"), $("error-title"), $("detail-title"));
  else candidates.push($("connections-title"));
  candidates.find(canFocus)?.focus();
}

function renderTop() {
  $("schema").textContent = `Quiltt ${SCHEMAS[state.schema]} schema`;
  for (const button of document.querySelectorAll("[data-filter]")) {
    button.setAttribute("aria-pressed", String(button.dataset.filter === state.filter));
  }
  const notice = $("notice");
  notice.hidden = !state.notice;
  notice.className = `notice${state.notice?.tone === "error" ? " text-error" : ""}`;
  notice.textContent = state.notice?.text ?? "";
}

/**
 * A row's button: `text` shown, and an accessible name that starts with it and names the row's
 * connection ("Repair Capital One (conn_login_required)"), so six of them are told apart.
 */
function rowButton(c, text, className, action, testid, extra = {}) {
  return el("button", {
    className: `btn btn-small ${className}`,
    text,
    attrs: {
      type: "button",
      "data-action": action,
      "data-testid": testid,
      "aria-label": `${text} ${displayName(c)} (${c.id})`,
      ...extra,
    },
  });
}

function actionButton(c) {
  const running = state.runningId === c.id;
  let button = null;
  if (needsRepair(c)) {
    button = rowButton(c, running ? "Repairing…" : "Repair", "btn-primary", "repair", `repair-${c.id}`);
  } else if (isHealthy(c)) {
    button = rowButton(c, running ? "Adding…" : "Add accounts", "btn-secondary", "add", `add-accounts-${c.id}`);
  }
  if (button) setBlocked(button, Boolean(state.running) || !state.client);
  return button;
}

function renderList() {
  const list = $("connections");
  const empty = $("connections-empty");
  const items = state.connections.map((c) => {
    const running = state.runningId === c.id;
    const breakBtn = rowButton(c, "Break", "btn-ghost", "break", `break-${c.id}`, { title: "Sandbox only: make it need repair" });
    // Already broken: nothing to do (and out of the focus order). Busy: still focusable.
    breakBtn.disabled = c.status === "ERROR_REPAIRABLE";
    setBlocked(breakBtn, Boolean(state.running) || state.breaking.has(c.id));
    const detailsBtn = rowButton(c, "Details", "btn-ghost", "select", `details-${c.id}`);
    const accounts = c.accounts ?? [];
    const metadata = metadataSummary(c.metadata);
    const li = el(
      "li",
      {
        className: `card${state.selectedId === c.id ? " selected" : ""}`,
        attrs: { "data-id": c.id, "data-testid": `connection-${c.id}` },
      },
      [
        logoImg(c.institution?.logo, "logo"),
        el("div", { className: "card-main" }, [
          el("div", { className: "card-title" }, [
            el("strong", { text: c.institution?.name ?? c.id, attrs: { "data-testid": "institution-name" } }),
            statusBadge(c.status),
          ]),
          el("p", { className: "muted small", text: `${c.id} · ${plural(accounts.length, "account")}` }),
          accounts.length
            ? el(
                "ul",
                { className: "card-accounts small" },
                accounts.map((a) =>
                  el("li", { attrs: { "data-testid": `card-account-${a.id}` } }, [
                    el("span", { className: "card-account-name", text: a.name }),
                    el("span", { className: "muted", text: accountDetails(a) }),
                  ]),
                ),
              )
            : null,
          metadata
            ? el("p", { className: "card-metadata small", attrs: { "data-testid": `card-metadata-${c.id}` } }, [
                el("span", { className: "muted", text: "Metadata " }),
                el("code", { text: metadata }),
              ])
            : null,
        ]),
        el("div", { className: "card-actions" }, [actionButton(c), breakBtn, detailsBtn]),
      ],
    );
    if (running) li.setAttribute("aria-busy", "true");
    return li;
  });
  list.replaceChildren(...items);
  if (state.listError) {
    empty.hidden = false;
    empty.className = "empty text-error";
    empty.textContent = state.listError;
  } else {
    empty.hidden = items.length > 0;
    empty.className = "empty";
    empty.textContent =
      state.filter === "repair" ? "Nothing needs repair." : "No connections in the sandbox. Press Reset sandbox.";
  }
}

function renderDetail() {
  const c = state.known.get(state.selectedId);
  $("detail-empty").hidden = Boolean(c);
  $("detail-body").hidden = !c;
  if (!c) return;

  const outcome = state.outcomes.get(c.id);

  const logo = $("detail-logo");
  logo.hidden = !c.institution?.logo;
  if (c.institution?.logo) logo.src = c.institution.logo;
  $("detail-name").textContent = c.institution?.name ?? c.id;
  $("detail-id").textContent = c.id;
  $("detail-status").replaceChildren(statusBadge(c.status));

  renderProgress(c.id);
  renderOutcome(c, outcome);

  const accounts = c.accounts ?? [];
  $("accounts").replaceChildren(
    ...accounts.map((a) => {
      const details = accountDetails(a);
      return el("li", { attrs: { "data-testid": `account-${a.id}` } }, [
        el("span", { className: "account-name", text: a.name }),
        details ? el("span", { className: "muted small account-details", text: details }) : null,
      ]);
    }),
  );
  if (accounts.length === 0) $("accounts").append(el("li", { className: "muted", text: "No accounts." }));

  // Fill the metadata editor when the selection changes (not while someone is typing).
  if (state.metadataFor !== c.id) {
    state.metadataFor = c.id;
    $("metadata").value = JSON.stringify(c.metadata ?? {}, null, 2);
    setMetadataError(null);
    $("metadata-status").textContent = "";
  }
  $("metadata-save").disabled = !state.client;
}

function renderProgress(id) {
  const seen = state.stages.get(id);
  const box = $("progress");
  box.hidden = !seen;
  if (!seen) return;
  const last = seen[seen.length - 1];
  const running = state.runningId === id;
  const failed = state.outcomes.get(id)?.kind === "error";
  const lastIndex = STAGES.findIndex(([s]) => s === last);
  $("steps").replaceChildren(
    ...STAGES.map(([stage, label], i) => {
      let step = "pending";
      if (seen.includes(stage) && (stage !== last || stage === "done" || !running)) {
        step = stage === last && failed ? "failed" : "done";
      }
      if (stage === last && running && stage !== "done") step = "active";
      if (!seen.includes(stage) && i < lastIndex) step = "skipped";
      // The state is told by an icon and in words, not by colour alone.
      const [icon, words] = STEP_STATES[step];
      return el("li", { className: `step step-${step}`, attrs: { "data-stage": stage, "data-state": step } }, [
        el("span", { className: "step-icon", text: icon, attrs: { "aria-hidden": "true" } }),
        el("span", { text: label }),
        el("span", { className: "visually-hidden", text: ` (${words})` }),
      ]);
    }),
  );
  const events = state.plaidEvents.get(id) ?? [];
  $("plaid-events").textContent = events.length ? `Plaid events: ${events.join(" → ")}` : "";
}

function renderOutcome(c, outcome) {
  const errorBox = $("error");
  const resultBox = $("result");
  errorBox.hidden = outcome?.kind !== "error";
  resultBox.hidden = outcome?.kind !== "result";
  if (!outcome) return;

  if (outcome.kind === "error") {
    const error = outcome.value;
    const code = error?.code ?? "UNKNOWN";
    const [title, advice] = ERROR_WORDS[code] ?? ["Something went wrong.", "Please try again."];
    $("error-title").textContent = title;
    $("error-text").textContent = [serverMessages(error), advice].filter(Boolean).join(" ");
    $("error-code").textContent = `Error code ${code}${error?.status ? ` (HTTP ${error.status})` : ""}`;
    // What support asks for: the flow's steps, Plaid's and Quiltt's ids, no token.
    const trail = error?.trail;
    $("error-trail").hidden = !trail;
    $("error-trail-json").textContent = trail ? JSON.stringify(trail, null, 2) : "";
    // A close that failed can be sent again (within 30 minutes): the bank login stays done.
    const retry = $("error-retry");
    retry.hidden = typeof error?.closeRetryId !== "number";
    setBlocked(retry, Boolean(state.running));
    return;
  }

  const result = outcome.value;
  const inst = $("result-institution");
  resultBox.dataset.outcome = result.outcome;
  resultBox.dataset.action = outcome.action;
  const words = outcomeWords(outcome);
  $("result-title").textContent = words.title;
  $("result-text").textContent = words.text;
  inst.hidden = result.outcome !== "reconnected";
  if (result.outcome === "reconnected") {
    const conn = result.connection;
    const logo = $("result-logo");
    logo.hidden = !conn.institution?.logo;
    if (conn.institution?.logo) logo.src = conn.institution.logo;
    $("result-name").textContent = conn.institution?.name ?? conn.id;
  }
}

/** The title and sentence the page shows (and announces) for a flow's result. */
function outcomeWords({ value: result, action }) {
  if (result.outcome === "reconnected") {
    const n = result.connection.accounts.length;
    if (action === "add") return { title: "Accounts updated", text: `${plural(n, "account")} connected.` };
    if (result.confirmed === true) return { title: "Connection repaired", text: `Synced: ${n} account${n === 1 ? " is" : "s are"} up to date.` };
    if (result.confirmed === false) {
      const [label] = STATUS[result.connection.status] ?? [result.connection.status ?? "unknown"];
      return { title: "Connection repaired", text: `The bank has not finished syncing yet (${label.toLowerCase()}); the accounts update when it has.` };
    }
    return { title: "Connection repaired", text: `${n} account${n === 1 ? " is" : "s are"} syncing again.` };
  }
  if (result.outcome === "repaired") {
    return action === "add"
      ? { title: "Nothing to add", text: "Quiltt says this connection is fine and offered no Plaid Link session, so there was nothing to choose." }
      : { title: "Already working", text: "Quiltt says this connection doesn't need you to log in again. Nothing to do." };
  }
  const e = result.error;
  return {
    title: action === "add" ? "No accounts added" : "Repair not finished",
    text: e
      ? `Plaid stopped: ${e.display_message ?? e.error_message ?? e.error_code}`
      : "You closed Plaid before finishing. Nothing changed; you can try again any time.",
  };
}

// On narrow screens the details sit below the list: bring them into view.
function revealDetail() {
  if (window.matchMedia("(max-width: 860px)").matches) {
    $("detail").scrollIntoView({ block: "start", behavior: "smooth" });
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function bind() {
  $("connections").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || isBlocked(button)) return;
    const id = button.closest("li[data-id]")?.dataset.id;
    if (!id) return;
    const action = button.dataset.action;
    if (action === "repair") {
      repair(id);
    } else if (action === "add") {
      addAccounts(id);
    } else if (action === "select") {
      state.selectedId = id;
      render();
      revealDetail();
    } else if (action === "break") {
      state.breaking.add(id);
      setBlocked(button, true);
      breakConnection(id)
        .then(() => announce(`${displayName(state.known.get(id))} needs repair now.`))
        .catch((error) => state.outcomes.set(id, { kind: "error", value: error, action: "break" }))
        .finally(() => {
          state.breaking.delete(id);
          return refresh();
        });
    }
  });
  $("error-retry").addEventListener("click", () => {
    if (isBlocked($("error-retry"))) return;
    const id = state.selectedId;
    const outcome = state.outcomes.get(id);
    if (outcome?.kind === "error") retryClose(id, outcome.value);
  });
  for (const button of document.querySelectorAll("[data-filter]")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      refresh();
    });
  }
  $("refresh").addEventListener("click", refresh);
  $("reset").addEventListener("click", async () => {
    const reset = $("reset");
    if (isBlocked(reset)) return;
    setBlocked(reset, true);
    try {
      await resetSandbox();
      announce("The sandbox is back to its first state.");
    } catch (error) {
      console.warn(error);
      state.listError = "The sandbox couldn't be reset. Is it still running?";
    } finally {
      setBlocked(reset, false);
    }
    await refresh();
  });
  $("metadata-form").addEventListener("submit", saveMetadata);
}

async function main() {
  bind();
  $("connections-empty").hidden = false;
  const schema = readSchema();
  try {
    const pkg = await loadPackage();
    await pkg.default();
    state.pkg = pkg;
    state.client = new pkg.QuilttReconnect({
      token: TOKEN,
      endpoint: ENDPOINT,
      plaidScriptUrl: PLAID_SCRIPT_URL,
      onEvent,
    });
    // Load Plaid Link ahead of the first click; a failure shows up again on Repair.
    state.client.preload().catch((error) => console.warn("Plaid Link preload failed:", error?.code));
  } catch (error) {
    console.warn(error);
    state.listError = "The quiltt-reconnect package couldn't be loaded. Build it with `cargo xtask pkg`.";
  }
  await schema;
  if (state.client) await refresh();
  render();
  document.documentElement.dataset.ready = "true";
  // Link may open again and wait for the user: the page is ready meanwhile.
  if (state.client) await resumeFromBank();
}

main();
