// The quiltt-reconnect demo page: lists the sandbox's connections and repairs them with the
// package, as an app would. Everything is rendered with textContent (never innerHTML), and the
// page runs under the sandbox's strict Content-Security-Policy (no inline script or style).

const TOKEN = "sandbox-session-token";
const ENDPOINT = `${location.origin}/v1/graphql`;
const PLAID_SCRIPT_URL = `${location.origin}/link/v2/stable/link-initialize.js`;

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

const STAGES = [
  ["initializing", "Asking Quiltt about the connection"],
  ["link_loading", "Loading Plaid Link"],
  ["link_open", "Waiting for you in Plaid Link"],
  ["closing", "Saving the repaired connection"],
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
  PLAID_SCRIPT: ["Plaid Link couldn't be loaded.", "A blocker or a network problem may be stopping it."],
  NO_PUBLIC_TOKEN: ["Plaid finished without confirming the repair.", "Please try again."],
  ABORTED: ["The repair was cancelled.", "Nothing changed."],
  CLOSE_FAILED: ["Your bank login worked, but saving the repair failed.", "Please try again."],
};

const $ = (id) => document.getElementById(id);

const state = {
  pkg: null,
  client: null,
  connections: [],
  selectedId: null,
  runningId: null,
  outcomes: new Map(), // connection id → { kind: "result" | "error", value }
  stages: new Map(), // connection id → list of stages seen in the current/last run
  plaidEvents: new Map(), // connection id → Plaid event names
  listError: null,
};

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [k, v] of Object.entries(options.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) if (child) node.append(child);
  return node;
}

function logoImg(base64, className) {
  if (!base64) {
    return el("span", { className: `${className} logo-placeholder`, attrs: { "aria-hidden": "true" } });
  }
  const img = el("img", { className, attrs: { alt: "", width: "40", height: "40" } });
  img.src = `data:image/png;base64,${base64}`;
  return img;
}

function statusBadge(status) {
  const [label, tone] = STATUS[status] ?? [status ?? "Unknown", "muted"];
  return el("span", { className: `status status-${tone}`, text: label, attrs: { "data-status": status ?? "" } });
}

// ---------------------------------------------------------------------------------------------
// Sandbox admin API (the demo's own plumbing; a real app has its own list of connections)

async function fetchJson(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  try {
    state.connections = await fetchJson("/__sandbox/connections");
    state.listError = null;
  } catch (error) {
    state.listError = "The sandbox didn't answer. Is it still running?";
    console.warn(error);
  }
  render();
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
  state.metadataFor = null;
}

// ---------------------------------------------------------------------------------------------
// The package

function onEvent(event) {
  const id = event.connectionId ?? state.runningId;
  if (!id) return;
  if (event.type === "progress") {
    const seen = state.stages.get(id) ?? [];
    seen.push(event.stage);
    state.stages.set(id, seen);
  } else if (event.type === "plaid") {
    const names = state.plaidEvents.get(id) ?? [];
    names.push(event.name);
    state.plaidEvents.set(id, names);
  }
  if (id === state.selectedId) renderDetail();
}

async function repair(id) {
  if (state.runningId || !state.client) return;
  state.runningId = id;
  state.selectedId = id;
  state.outcomes.delete(id);
  state.stages.set(id, []);
  state.plaidEvents.set(id, []);
  render();
  revealDetail();
  try {
    const result = await state.client.reconnect({ connectionId: id, features: "TRANSACTIONS" });
    state.outcomes.set(id, { kind: "result", value: result });
  } catch (error) {
    state.outcomes.set(id, { kind: "error", value: error });
    console.warn("reconnect failed:", error?.code, error?.message);
  } finally {
    state.runningId = null;
  }
  await refresh();
}

async function saveMetadata(event) {
  event.preventDefault();
  const id = state.selectedId;
  const status = $("metadata-status");
  status.className = "small";
  let value;
  try {
    value = JSON.parse($("metadata").value.trim() || "{}");
  } catch (error) {
    status.classList.add("text-error");
    status.textContent = `That isn't valid JSON: ${error.message}`;
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    status.classList.add("text-error");
    status.textContent = "Metadata must be a JSON object, like {\"nickname\": \"Joint account\"}.";
    return;
  }
  $("metadata-save").disabled = true;
  status.textContent = "Saving…";
  try {
    const connection = await state.client.updateMetadata(id, value);
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
    $("metadata-save").disabled = false;
  }
}

function serverMessages(error) {
  const list = Array.isArray(error?.errors) ? error.errors.map((e) => e.message).filter(Boolean) : [];
  return list.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render() {
  renderList();
  renderDetail();
}

function renderList() {
  const list = $("connections");
  const empty = $("connections-empty");
  const items = state.connections.map((c) => {
    const needsRepair = c.status !== "SYNCED";
    const running = state.runningId === c.id;
    const repairBtn = el("button", {
      className: `btn btn-small ${needsRepair ? "btn-primary" : "btn-secondary"}`,
      text: running ? "Repairing…" : "Repair",
      attrs: { type: "button", "data-action": "repair", "data-testid": `repair-${c.id}` },
    });
    repairBtn.disabled = Boolean(state.runningId) || !state.client;
    const breakBtn = el("button", {
      className: "btn btn-small btn-ghost",
      text: "Break",
      attrs: { type: "button", "data-action": "break", "data-testid": `break-${c.id}` },
    });
    breakBtn.disabled = Boolean(state.runningId) || c.status === "ERROR_REPAIRABLE";
    const detailsBtn = el("button", {
      className: "btn btn-small btn-ghost",
      text: "Details",
      attrs: { type: "button", "data-action": "select", "data-testid": `details-${c.id}` },
    });
    const count = c.accounts?.length ?? 0;
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
            el("strong", { text: c.institution?.name ?? c.id }),
            statusBadge(c.status),
          ]),
          el("p", { className: "muted small", text: `${c.id} · ${count} account${count === 1 ? "" : "s"}` }),
        ]),
        el("div", { className: "card-actions" }, [repairBtn, breakBtn, detailsBtn]),
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
    empty.textContent = "No connections in the sandbox. Press Reset sandbox.";
  }
}

function renderDetail() {
  const c = state.connections.find((x) => x.id === state.selectedId);
  $("detail-empty").hidden = Boolean(c);
  $("detail-body").hidden = !c;
  if (!c) return;

  const outcome = state.outcomes.get(c.id);
  const result = outcome?.kind === "result" ? outcome.value : null;
  const repaired = result?.outcome === "reconnected" ? result.connection : null;

  const logo = $("detail-logo");
  const logoData = repaired?.institution?.logo ?? c.institution?.logo;
  logo.hidden = !logoData;
  if (logoData) logo.src = `data:image/png;base64,${logoData}`;
  $("detail-name").textContent = repaired?.institution?.name ?? c.institution?.name ?? c.id;
  $("detail-id").textContent = c.id;
  $("detail-status").replaceChildren(statusBadge(c.status));

  renderProgress(c.id);
  renderOutcome(c, outcome);

  // Accounts: the repaired connection's when there is one, else the sandbox's view.
  const byId = new Map((c.accounts ?? []).map((a) => [a.id, a]));
  const accounts = repaired?.accounts ?? c.accounts ?? [];
  $("accounts").replaceChildren(
    ...accounts.map((a) => {
      const extra = byId.get(a.id);
      const meta = [extra?.subtype, extra?.mask ? `•••• ${extra.mask}` : null].filter(Boolean).join(" · ");
      return el("li", { attrs: { "data-testid": `account-${a.id}` } }, [
        el("span", { className: "account-name", text: a.name }),
        meta ? el("span", { className: "muted small", text: meta }) : null,
      ]);
    }),
  );
  if (accounts.length === 0) $("accounts").append(el("li", { className: "muted", text: "No accounts." }));

  // Fill the metadata editor when the selection changes (not while someone is typing).
  if (state.metadataFor !== c.id) {
    state.metadataFor = c.id;
    $("metadata").value = JSON.stringify(c.metadata ?? {}, null, 2);
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
      let cls = "step";
      let note = "";
      if (seen.includes(stage) && (stage !== last || stage === "done" || !running)) {
        cls += stage === last && failed ? " step-failed" : " step-done";
      }
      if (stage === last && running && stage !== "done") {
        cls += " step-active";
        note = "…";
      }
      if (!seen.includes(stage) && i < lastIndex) cls += " step-skipped";
      return el("li", { className: cls, text: label + note, attrs: { "data-stage": stage } });
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
    return;
  }

  const result = outcome.value;
  const inst = $("result-institution");
  resultBox.dataset.outcome = result.outcome;
  inst.hidden = true;
  if (result.outcome === "reconnected") {
    const conn = result.connection;
    $("result-title").textContent = "Connection repaired";
    inst.hidden = false;
    const logo = $("result-logo");
    logo.hidden = !conn.institution?.logo;
    if (conn.institution?.logo) logo.src = `data:image/png;base64,${conn.institution.logo}`;
    $("result-name").textContent = conn.institution?.name ?? conn.id;
    const n = conn.accounts.length;
    $("result-text").textContent = `${n} account${n === 1 ? " is" : "s are"} syncing again.`;
  } else if (result.outcome === "repaired") {
    $("result-title").textContent = "Already working";
    $("result-text").textContent = "Quiltt says this connection doesn't need you to log in again. Nothing to do.";
  } else {
    $("result-title").textContent = "Repair not finished";
    const e = result.error;
    $("result-text").textContent = e
      ? `Plaid stopped: ${e.display_message ?? e.error_message ?? e.error_code}`
      : "You closed Plaid before finishing. Nothing changed; you can try again any time.";
  }
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
    if (!button) return;
    const id = button.closest("li[data-id]")?.dataset.id;
    if (!id) return;
    const action = button.dataset.action;
    if (action === "repair") {
      repair(id);
    } else if (action === "select") {
      state.selectedId = id;
      render();
      revealDetail();
    } else if (action === "break") {
      button.disabled = true;
      breakConnection(id)
        .catch((error) => state.outcomes.set(id, { kind: "error", value: error }))
        .finally(refresh);
    }
  });
  $("refresh").addEventListener("click", refresh);
  $("reset").addEventListener("click", async () => {
    $("reset").disabled = true;
    try {
      await resetSandbox();
    } catch (error) {
      console.warn(error);
      state.listError = "The sandbox couldn't be reset. Is it still running?";
    } finally {
      $("reset").disabled = false;
    }
    await refresh();
  });
  $("metadata-form").addEventListener("submit", saveMetadata);
}

async function main() {
  bind();
  $("connections-empty").hidden = false;
  const listed = refresh();
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
  await listed;
  render();
  document.documentElement.dataset.ready = "true";
}

main();
