#!/usr/bin/env node
// End-to-end tests of quiltt-reconnect: the demo page, a plain <script type="module"> page, the
// custom element, a Vite app, a webpack 5 app, a React app, a new app made by following the
// package's README, and a TypeScript consumer, in headless Chromium (playwright-core driving
// /usr/bin/chromium) against the sandbox, in each of Quiltt's schema generations, with axe-core's
// WCAG 2.1 A/AA rules on the demo, the element and the React app.
//
//   QUILTT_SANDBOX_URL=http://127.0.0.1:PORT QUILTT_SANDBOX_2024_URL=http://127.0.0.1:PORT2 \
//   QUILTT_SANDBOX_2023_URL=http://127.0.0.1:PORT3 node tests/e2e/run.mjs [scenario-name-filter...]
//
// The sandboxes must serve `--www www --pkg pkg --csp`, with `--schema 2025` (Quiltt's current
// schema), `2024` and `2023`; QUILTT_SANDBOX_STRICT_URL and QUILTT_SANDBOX_STRICT_DYNAMIC_URL
// (the strict-page-demo scenarios) `--www www --pkg pkg --schema 2025` with `--strict-csp` and
// `--strict-csp=strict-dynamic`. This script starts target/debug/quiltt-sandbox (or
// QUILTT_SANDBOX_BIN) itself for a URL that is not given (and only when a selected scenario
// needs it). `pkg/` must be built (`cargo xtask pkg`).
// Prints PASS/FAIL per scenario and exits non-zero on any failure. See README.md beside it.

import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { ROOT, launchChromium, npmCiIfNeeded, run, runMain, serveStatic, startSandbox } from "../harness.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(ROOT, "target", "e2e");
const PKG = path.join(ROOT, "pkg");
const FIXTURES = path.join(HERE, "fixtures");
const TOKEN = "sandbox-session-token";
const CHROMIUM = process.env.CHROMIUM || process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const STEP_TIMEOUT = 20_000;
const filters = process.argv.slice(2);

fs.mkdirSync(OUT, { recursive: true });

// ---------------------------------------------------------------------------------------------
// Small helpers

function log(...args) {
  console.log("  ", ...args);
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** `pathname` of the sandbox at `base` (default: the 2025 one) as JSON; throws on HTTP errors. */
async function sandboxJson(pathname, init, base = SANDBOX_URL) {
  const response = await fetch(new URL(pathname, base), init);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${pathname}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const postJson = (pathname, body, base) =>
  sandboxJson(pathname, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }, base);
const resetSandbox = (base) => sandboxJson("/__sandbox/reset", { method: "POST" }, base);
const seed = (connection, base) => postJson("/__sandbox/seed", connection, base);
const setFaults = (faults, base) => postJson("/__sandbox/faults", faults, base);
const clearFaults = (base) => sandboxJson("/__sandbox/faults", { method: "DELETE" }, base);
const adminConnection = (id, base) => sandboxJson(`/__sandbox/connections/${id}`, undefined, base);

/** The GraphQL requests the sandbox saw since its reset, those of `operation` when given. */
async function sandboxRequests(operation, base) {
  const all = await sandboxJson("/__sandbox/requests", undefined, base);
  return operation ? all.filter((r) => r.operation === operation) : all;
}

/**
 * The sandbox's requests of `operation`, read every 50 ms until `done(requests)` holds or
 * STEP_TIMEOUT has passed (then the last read, for the caller's assertion to show).
 */
async function requestsOnceThey(operation, done) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let requests = await sandboxRequests(operation);
  while (!done(requests) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    requests = await sandboxRequests(operation);
  }
  return requests;
}

/**
 * Runs `fn`, then drops the page problems it caused that match `expected` (the HTTP errors a
 * fault knob asks for); any other problem stays.
 */
async function allowingProblems(problems, expected, fn) {
  const before = problems.length;
  try {
    return await fn();
  } finally {
    const caused = problems.splice(before);
    problems.push(...caused.filter((p) => !expected.test(p)));
  }
}

// ---------------------------------------------------------------------------------------------
// The sandboxes (given, or started here): Quiltt's current schema (2025) for every scenario, and
// the 2024 and 2023 ones for the scenarios that must work on every generation.

const SANDBOXES = {
  2025: process.env.QUILTT_SANDBOX_URL,
  2024: process.env.QUILTT_SANDBOX_2024_URL,
  2023: process.env.QUILTT_SANDBOX_2023_URL,
  // The demo under the sandbox's nonce-based policy with Trusted Types (`--strict-csp`), without
  // and with 'strict-dynamic'; Quiltt's 2025 schema.
  strict: process.env.QUILTT_SANDBOX_STRICT_URL,
  "strict-dynamic": process.env.QUILTT_SANDBOX_STRICT_DYNAMIC_URL,
};
/** How each sandbox serves its HTML pages (the flag) and which schema it serves. */
const SANDBOX_KINDS = {
  2025: { csp: "--csp", schema: "2025" },
  2024: { csp: "--csp", schema: "2024" },
  2023: { csp: "--csp", schema: "2023" },
  strict: { csp: "--strict-csp", schema: "2025" },
  "strict-dynamic": { csp: "--strict-csp=strict-dynamic", schema: "2025" },
};
let SANDBOX_URL = SANDBOXES[2025];
const ownSandboxes = [];

/** Starts target/debug/quiltt-sandbox (or QUILTT_SANDBOX_BIN) serving www/ and pkg/ under its policy; resolves its URL. */
function startOwnSandbox(kind) {
  const { csp, schema } = SANDBOX_KINDS[kind];
  const sandbox = startSandbox({
    ...(process.env.QUILTT_SANDBOX_BIN ? { bin: process.env.QUILTT_SANDBOX_BIN } : {}),
    args: ["--www", "www", "--pkg", "pkg", csp, "--schema", schema],
    missing: "a QUILTT_SANDBOX_*URL is not set and target/debug/quiltt-sandbox is missing: run `cargo build -p quiltt-sandbox` or `cargo xtask test`",
  });
  ownSandboxes.push(sandbox.child);
  return sandbox.url;
}

/** The sandbox at `url` is up, serves the schema of `kind`, and its pages have the policy of `kind`. */
async function checkSandbox(url, kind) {
  const { csp, schema } = SANDBOX_KINDS[kind];
  await sandboxJson("/__sandbox/health", undefined, url);
  const config = await sandboxJson("/__sandbox/config", undefined, url);
  assert(config.schema === schema, `the sandbox at ${url} serves Quiltt's ${schema} schema (it serves ${config.schema})`);
  const policy = (await fetch(`${url}/`)).headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  const expected = csp === "--csp" ? CSP_FLAG_POLICY : nonce && strictCsp(nonce, { strictDynamic: csp.endsWith("strict-dynamic") });
  assert(policy === expected, `the sandbox at ${url} serves its pages with ${csp} (its policy: ${JSON.stringify(policy)})`);
}

// ---------------------------------------------------------------------------------------------
// A static file server of our own for the fixtures (127.0.0.1, random port), with exact MIME
// types and the same strict CSP the sandbox sends, widened to the sandbox's origin.

function csp(sandbox) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${sandbox}`,
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${sandbox}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The sandbox's `--csp` policy (`STRICT_CSP` in sandbox/src/lib.rs). */
const CSP_FLAG_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The sandbox's `--strict-csp` policy (`StrictCsp::policy` in sandbox/src/lib.rs; `checkSandbox`
 * and `strict-page-demo` compare the two): scripts run only with one of `nonces` (also those a
 * script adds, unless `strictDynamic`), and script sinks take only Trusted Types, from the
 * policies `trustedTypes` names. `connect`: origins beyond the page's own (a fixture page's
 * sandbox).
 */
function strictCsp(nonces, { strictDynamic = false, connect = [], trustedTypes = "quiltt-reconnect" } = {}) {
  const sources = [nonces].flat().map((n) => `'nonce-${n}'`);
  return [
    "default-src 'self'",
    `script-src ${[...sources, "'wasm-unsafe-eval'", ...(strictDynamic ? ["'strict-dynamic'"] : [])].join(" ")}`,
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(" "),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    `trusted-types ${trustedTypes}`,
  ].join("; ");
}

/** A fresh CSP nonce (16 random bytes, base64), as the sandbox makes one per page. */
const freshNonce = () => randomBytes(16).toString("base64");

/** Each `<script` tag of `html` with ` nonce="<nonce>"` added, as the sandbox's `--strict-csp` does. */
const addNonce = (html, nonce) => html.replace(/<script(?=[\s>/])/gi, (tag) => `${tag} nonce="${nonce}"`);

/** Serves `mounts` ({ "/": dir, "/pkg/": dir }); `%SANDBOX_URL%` in HTML files is replaced by `sandbox`. */
function serveFixture(mounts, sandbox = SANDBOX_URL) {
  return serveStatic(mounts, {
    transform({ data, ext, headers }) {
      if (ext !== ".html") return data;
      headers["Content-Security-Policy"] = csp(sandbox);
      return Buffer.from(data.toString("utf8").replaceAll("%SANDBOX_URL%", sandbox));
    },
  });
}

/**
 * `serveFixture` under the sandbox's `--strict-csp` policy instead (`strictCsp`, widened to the
 * sandbox's origin for `connect-src`): each HTML response has a fresh nonce, put on its
 * `<script>` tags. `strict`: `strictDynamic`, `trustedTypes` (the directive's policy names), and
 * `elementNonce` (a second nonce the policy allows, given to the page's `<quiltt-reconnect>` as
 * its `nonce` attribute).
 */
function serveStrictFixture(mounts, sandbox = SANDBOX_URL, { strictDynamic = false, trustedTypes, elementNonce = false } = {}) {
  return serveStatic(mounts, {
    transform({ data, ext, headers }) {
      if (ext !== ".html") return data;
      const nonce = freshNonce();
      const given = elementNonce ? freshNonce() : null;
      headers["Content-Security-Policy"] = strictCsp(given ? [nonce, given] : nonce, { strictDynamic, connect: [sandbox], trustedTypes });
      let html = addNonce(data.toString("utf8").replaceAll("%SANDBOX_URL%", sandbox), nonce);
      if (given) html = html.replace(/<quiltt-reconnect(?=\s)/, `$& nonce="${given}"`);
      return Buffer.from(html);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The browser: every page is watched for console errors, uncaught exceptions and CSP violations.

let browser;

async function launchBrowser() {
  browser = await launchChromium(CHROMIUM);
}

// Every violation is also kept in `window.__violations` ({ directive, blocked, sample }), for
// the scenarios that count them.
const WATCH_CSP = `
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
    console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
      " (" + (e.sourceFile || "") + ":" + (e.lineNumber || 0) + ")");
  }, true);
`;

async function newPage(problems, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await context.addInitScript({ content: WATCH_CSP });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on("console", (msg) => {
    if (msg.type() === "error") {
      const loc = msg.location();
      problems.push(`console error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ""}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on("crash", () => problems.push("page crashed"));
  page.on("requestfailed", (req) => {
    const failure = req.failure()?.errorText ?? "";
    // A navigation or fetch aborted by the page itself is not a failure.
    if (!failure.includes("ERR_ABORTED")) problems.push(`request failed: ${req.url()} ${failure}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  return { context, page };
}

// ---------------------------------------------------------------------------------------------
// Accessibility: axe-core (the root package's devDependency) on a page, its WCAG 2.0 and 2.1
// level A and AA rules.

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const AXE_FILE = path.join(ROOT, "node_modules", "axe-core", "axe.min.js");
let axeSource = null;
/** What the axe runs of this process saw: runs, rules checked (per run) and violations. */
const axeTally = { runs: 0, rules: 0, violations: 0 };

/**
 * Runs axe-core on the whole of `page` and fails listing every violation (rule id, impact,
 * targets, help). axe is evaluated through the DevTools protocol (`page.evaluate`), which the
 * page's Content-Security-Policy does not govern: no <script> is added, and the page's strict
 * `script-src` stays in force for everything else (a CSP violation is still a page problem).
 */
async function checkAxe(page, where) {
  if (!axeSource) {
    assert(fs.existsSync(AXE_FILE), `${path.relative(ROOT, AXE_FILE)} exists (run \`npm ci\` at the repository's root)`);
    axeSource = fs.readFileSync(AXE_FILE, "utf8");
  }
  if (!(await page.evaluate(() => typeof window.axe?.run === "function"))) await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return {
      rules: r.passes.length + r.violations.length + r.incomplete.length + r.inapplicable.length,
      version: r.testEngine.version,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      })),
    };
  }, AXE_TAGS);
  axeTally.runs += 1;
  axeTally.rules = Math.max(axeTally.rules, result.rules);
  axeTally.violations += result.violations.length;
  const list = result.violations
    .map((v) => `       ${v.id} (${v.impact}): ${v.help}\n         ${v.targets.join("\n         ")}`)
    .join("\n");
  assert(result.violations.length === 0, `axe-core ${result.version} finds no WCAG 2.1 A/AA violation on ${where} (${result.rules} rules); it found:\n${list}`);
  log(`axe: ${where}: no violations (${result.rules} rules)`);
}

/** The element that has focus (inside shadow roots too), described for a failure message. */
function describeFocus(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    if (!a) return "nothing";
    return `<${a.tagName.toLowerCase()}${a.id ? ` id=${a.id}` : ""}${a.dataset?.testid ? ` data-testid=${a.dataset.testid}` : ""}>`;
  });
}

/** Waits (up to 2 s) for focus on the element with `data-testid` `testid`; fails naming where it is. */
async function expectFocus(page, testid, when) {
  const ok = await page
    .waitForFunction((id) => document.activeElement?.dataset?.testid === id, testid, { timeout: 2000 })
    .then(() => true, () => false);
  if (!ok) throw new Error(`assertion failed: focus is on [data-testid=${testid}] ${when} (it is on ${await describeFocus(page)})`);
}

/** The data-testid of the focused element. */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);

/** Clicks the Plaid Link stand-in's Continue button, as a person would. */
async function continueInPlaid(page) {
  const button = page.getByTestId("plaid-sandbox-continue");
  await button.waitFor({ state: "visible" });
  await button.click();
  await page.getByTestId("plaid-sandbox-modal").waitFor({ state: "detached" });
}

// ---------------------------------------------------------------------------------------------
// Package tarball and fixture installs

let tarball = null;

async function packTarball() {
  if (tarball) return tarball;
  for (const f of ["quiltt_reconnect.js", "quiltt_reconnect_bg.wasm", "package.json"]) {
    assert(fs.existsSync(path.join(PKG, f)), `pkg/${f} exists (build it with \`cargo xtask pkg\`)`);
  }
  const packDir = path.join(OUT, "pack");
  fs.rmSync(packDir, { recursive: true, force: true });
  fs.mkdirSync(packDir, { recursive: true });
  const { out } = await run("npm", ["pack", PKG, "--pack-destination", packDir, "--json", "--silent"]);
  const info = JSON.parse(out.slice(out.indexOf("[")));
  tarball = path.join(packDir, info[0].filename);
  log(`packed ${path.relative(ROOT, tarball)}: ${info[0].files.map((f) => f.path).join(", ")}`);
  return tarball;
}

function sha256(file) {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** `npm ci` when needed, then the packed tarball (`npm install --no-save`) when it changed. */
async function installFixture(name) {
  const dir = path.join(FIXTURES, name);
  const tgz = await packTarball();
  await npmCiIfNeeded(dir, {
    name,
    log,
    ciArgs: ["--no-audit", "--no-fund", "--prefer-offline"],
    ignore: ["node_modules/quiltt-reconnect"],
  });
  const marker = path.join(dir, "node_modules", ".quiltt-reconnect-tarball");
  const hash = sha256(tgz);
  const installed = path.join(dir, "node_modules", "quiltt-reconnect", "package.json");
  if (fs.existsSync(installed) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === hash) {
    log(`${name}: quiltt-reconnect tarball already installed`);
  } else {
    log(`${name}: npm install --no-save ${path.relative(dir, tgz)}`);
    await run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", tgz], { cwd: dir });
    fs.writeFileSync(marker, hash);
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

// The demo page (www/), served by a sandbox under its strict CSP.

/**
 * The sandbox of a schema generation, the input field that generation takes for features, the
 * features the demo asks for there, and how the page labels the generation.
 */
const sandboxFor = (schema) => SANDBOXES[schema];
const FEATURES_FIELD = { 2023: "features", 2024: "featuresRequired", 2025: "featuresRequired" };
const FEATURES = { 2023: ["TRANSACTIONS"], 2024: ["TRANSACTIONS"], 2025: ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] };
const SCHEMA_LABEL = { 2023: "2023-08", 2024: "2024-08", 2025: "2025-04" };

const demoReady = (page) => page.locator("html[data-ready=true]").waitFor({ state: "attached" });

/** Opens the demo served by the sandbox at `base` and waits until it has listed the connections. */
async function openDemo(page, base = SANDBOX_URL) {
  await page.goto(`${base}/`);
  await demoReady(page);
}

/** The ids of the connections the demo lists, sorted. */
function listedIds(page) {
  return page
    .getByTestId("connections")
    .locator("li[data-id]")
    .evaluateAll((els) => els.map((e) => e.dataset.id).sort());
}

/** Whether the sandbox refused the request's document in validation (not its input values). */
const refusedDocument = (request) => request.refused === "document";

/**
 * The initialize inputs the sandbox at `base` ran for connection `id`, in order (not the refused
 * document a page may send once before it knows the endpoint's generation).
 */
async function initializeInputs(id, base) {
  const sent = await sandboxRequests("connectorPlaidInitialize", base);
  return sent.filter((r) => r.connectionId === id && !refusedDocument(r)).map((r) => r.variables?.input);
}

/** The answer of the initialize that ran (its record), once the page has had it. */
function initializeAnswer(page, base) {
  return page.waitForResponse(async (r) => {
    if (r.url() !== `${base}/v1/graphql` || !(r.request().postData() ?? "").includes("connectorPlaidInitialize")) return false;
    return Boolean((await r.json().catch(() => null))?.data);
  });
}

/** The connector token of an initialize record, or of a close's input, in any generation. */
const connectorTokenOf = (value) => value?.token ?? value?.connectorToken;

/**
 * The sandbox at `base` refused at most one document since its reset (the newest generation's
 * initialize a page sends once to an endpoint of an older one), none on 2025, and every other
 * request was a document of its generation.
 */
async function assertAtMostOneRefusedDocument(schema, base, when) {
  const refused = (await sandboxRequests(undefined, base)).filter(refusedDocument);
  const allowed = schema === "2025" ? 0 : 1;
  assert(
    refused.length <= allowed && refused.every((r) => r.operation === "connectorPlaidInitialize"),
    `${when}: the ${schema} sandbox refused ${refused.length} document(s), at most ${allowed} allowed (${JSON.stringify(refused)})`,
  );
}

/**
 * The flow's OAuth state (and anything else of a flow) is gone from sessionStorage. What the tab
 * remembers of an endpoint (the generation of Quiltt's schema it speaks) may stay.
 */
async function assertSessionStorageEmpty(page, when) {
  const keys = await page.evaluate(() => Object.keys(sessionStorage));
  const ofFlows = keys.filter((k) => !k.startsWith("quiltt-reconnect:schema:"));
  assert(ofFlows.length === 0, `sessionStorage holds nothing of the flow ${when} (it holds ${JSON.stringify(keys)})`);
}

/** The demo's card of `id` shows the institution, its logo as Quiltt gave it, and the accounts. */
async function checkCard(page, id, base) {
  const admin = await adminConnection(id, base);
  const card = page.getByTestId(`connection-${id}`);
  const name = await card.getByTestId("institution-name").textContent();
  assert(name === admin.institution.name, `the card shows the institution (got ${JSON.stringify(name)})`);
  // institution.logo is the image's URL (a data: URL in the sandbox): the page uses it as given.
  const logo = card.locator("img.logo");
  const src = await logo.getAttribute("src");
  assert(
    src === `data:image/png;base64,${admin.institution.logo}`,
    `the card's logo is institution.logo as given (got ${JSON.stringify(src?.slice(0, 48))}…)`,
  );
  assert(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), "the card's logo decoded");
  for (const a of admin.accounts) {
    const text = await card.getByTestId(`card-account-${a.id}`).textContent();
    assert(text.includes(a.name) && text.includes(`•••• ${a.mask}`), `the card lists ${a.name} with its mask (got ${JSON.stringify(text)})`);
  }
  return card;
}

async function demoPage(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  const adminCalls = [];
  page.on("request", (req) => {
    if (new URL(req.url()).pathname.startsWith("/__sandbox/connections")) adminCalls.push(req.url());
  });
  try {
    await openDemo(page);
    const schema = await page.getByTestId("schema").textContent();
    assert(schema.includes("2025-04"), `the page says which schema the sandbox serves (got ${JSON.stringify(schema)})`);
    const card = page.getByTestId(`connection-${id}`);
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();

    // The list comes from bridge.connections(), Quiltt's API, not the sandbox's admin endpoint.
    const seeded = (await sandboxJson("/__sandbox/connections")).map((c) => c.id).sort();
    const listed = await listedIds(page);
    assert(isDeepStrictEqual(listed, seeded), `every connection is listed (got ${listed}, seeded ${seeded})`);
    assert(adminCalls.length === 0, `the page read no connection from the admin API (${adminCalls})`);
    const queries = await sandboxRequests("connections");
    assert(queries.length >= 1 && queries.every((r) => r.status === 200), `the list was read with the connections query (${JSON.stringify(queries)})`);
    await checkCard(page, id);
    await checkAxe(page, "the demo as loaded");
    // One small status region says what happens (in the page, empty, before anything is said);
    // the list, rebuilt on every render, is no live region and holds none.
    const live = page.getByTestId("live");
    assert((await live.getAttribute("role")) === "status" && (await live.textContent()) === "", "an empty status region is in the page from the start");
    const liveList = await page.getByTestId("connections").evaluate((list) => {
      const LIVE = "[aria-live], [role=status], [role=alert], [role=log]";
      return Boolean(list.closest(LIVE) || list.querySelector(LIVE));
    });
    assert(!liveList, "the connection list is no live region and holds none");
    await page.evaluate(() => {
      window.__said = [];
      const region = document.querySelector("[data-testid=live]");
      new MutationObserver(() => window.__said.push(region.textContent)).observe(region, { childList: true, characterData: true, subtree: true });
    });
    // Each row's buttons are told apart: the name starts with the visible text, then the connection.
    const names = await page
      .getByTestId("connections")
      .getByRole("button")
      .evaluateAll((buttons) => buttons.map((b) => [b.textContent.trim(), b.getAttribute("aria-label")]));
    assert(names.length >= 18, `a row's buttons (got ${names.length})`);
    assert(names.every(([text, name]) => name?.startsWith(`${text} `)), `every name starts with the button's text (${JSON.stringify(names)})`);
    assert(new Set(names.map(([, name]) => name)).size === names.length, `no two buttons share a name (${JSON.stringify(names)})`);
    assert((await page.getByRole("button", { name: `Repair Capital One (${id})`, exact: true }).count()) === 1, "Repair is named after its connection");
    // Details by keyboard: the list is rebuilt, the focus stays on that Details.
    await page.getByTestId("details-conn_healthy").focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("detail-name").filter({ hasText: "Bank of America" }).waitFor();
    await expectFocus(page, "details-conn_healthy", "after Details");
    const accountType = await card.getByTestId("card-account-acct_cap1_checking").textContent();
    assert(accountType.includes("Checking"), `the card shows the account's type (got ${JSON.stringify(accountType)})`);
    // One action per status: Repair what needs it, Add accounts to a healthy one, neither otherwise.
    const actions = async (c) => [await page.getByTestId(`repair-${c}`).count(), await page.getByTestId(`add-accounts-${c}`).count()];
    assert(isDeepStrictEqual(await actions(id), [1, 0]), "a connection that needs repair offers Repair");
    assert(isDeepStrictEqual(await actions("conn_healthy"), [0, 1]), "a healthy connection offers Add accounts");
    assert(isDeepStrictEqual(await actions("conn_service_error"), [0, 0]), "a service error offers neither");

    // "Needs repair": connections({ status: "ERROR_REPAIRABLE" }).
    await page.getByTestId("filter-repair").click();
    await page.getByTestId("connection-conn_healthy").waitFor({ state: "detached" });
    const broken = await listedIds(page);
    const expected = ["conn_chase_checking", "conn_credit_union", "conn_login_required", "conn_oauth"];
    assert(isDeepStrictEqual(broken, expected), `Needs repair lists the ERROR_REPAIRABLE connections (got ${broken})`);
    const filtered = (await sandboxRequests("connections")).at(-1);
    assert(JSON.stringify(filtered.variables).includes("ERROR_REPAIRABLE"), `the filter went to Quiltt (${JSON.stringify(filtered.variables)})`);
    await page.getByTestId("filter-all").click();
    await page.getByTestId("connection-conn_healthy").waitFor();

    // Repair by keyboard. Link's dialog takes focus and keeps it: Tab and Shift+Tab cycle
    // through its buttons, and focus put outside it comes back.
    await page.getByTestId(`repair-${id}`).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await checkAxe(page, "the demo with the Link stand-in open");
    await expectFocus(page, "plaid-sandbox-continue", "when Link opens");
    const tabbed = [];
    for (const key of ["Tab", "Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]) {
      await page.keyboard.press(key);
      tabbed.push(await focusedTestId(page));
    }
    const cycle = ["exit", "fail", "continue", "exit", "continue", "fail", "exit"].map((b) => `plaid-sandbox-${b}`);
    assert(isDeepStrictEqual(tabbed, cycle), `Tab cycles inside Link's dialog (got ${JSON.stringify(tabbed)})`);
    await page.evaluate(() => document.getElementById("refresh").focus());
    await expectFocus(page, "plaid-sandbox-continue", "after a script focused the page behind Link");
    await page.keyboard.press("Enter");
    await page.getByTestId("plaid-sandbox-modal").waitFor({ state: "detached" });

    const result = page.getByTestId("result");
    await result.locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    const name = await page.getByTestId("result-name").textContent();
    assert(name === "Capital One", `result shows the institution (got ${JSON.stringify(name)})`);
    const logoSrc = await page.getByTestId("result-logo").getAttribute("src");
    assert(logoSrc?.startsWith("data:image/png;base64,iVBOR"), `result shows the institution logo as given (got ${JSON.stringify(logoSrc?.slice(0, 48))})`);
    const logoOk = await page.getByTestId("result-logo").evaluate((img) => img.complete && img.naturalWidth > 0);
    assert(logoOk, "the logo image decoded");
    const accounts = await page.getByTestId("accounts").locator(".account-name").allTextContents();
    assert(
      accounts.includes("360 Checking") && accounts.includes("360 Performance Savings"),
      `accounts are listed (got ${JSON.stringify(accounts)})`,
    );
    await card.locator('[data-status="SYNCED"]').waitFor();
    const stages = await page.locator("#steps li.step-done").evaluateAll((els) => els.map((e) => e.dataset.stage));
    assert(stages.includes("done") && stages.includes("link_open"), `progress shows the stages (got ${stages})`);
    // A step's state is an icon and words (for screen readers), not a colour alone.
    const steps = await page.locator("#steps li").evaluateAll((items) =>
      items.map((li) => {
        const read = li.cloneNode(true);
        for (const hidden of read.querySelectorAll("[aria-hidden=true]")) hidden.remove();
        return { state: li.dataset.state, read: read.textContent, icon: li.querySelector("[aria-hidden=true]")?.textContent };
      }),
    );
    const STEP_WORDS = { done: ["✓", "(done)"], failed: ["✕", "(failed)"], active: ["…", "(in progress)"], skipped: ["–", "(skipped)"], pending: ["○", "(not reached)"] };
    assert(
      steps.length === 6 && steps.every((s) => STEP_WORDS[s.state] && s.icon === STEP_WORDS[s.state][0] && s.read.endsWith(` ${STEP_WORDS[s.state][1]}`)),
      `every step says its state in words and with an icon (${JSON.stringify(steps)})`,
    );
    // The status region said the stages, then the result; focus is on the row's main action
    // now that its Repair button is gone (Link gave it back to Repair when it closed).
    const said = await page.evaluate(() => window.__said);
    assert(said.includes("Capital One: Waiting for you in Plaid Link…"), `the stages were announced (${JSON.stringify(said)})`);
    assert(said.at(-1) === "Connection repaired: Capital One. Synced: 2 accounts are up to date.", `the repair was announced (${JSON.stringify(said)})`);
    await expectFocus(page, `add-accounts-${id}`, "after the repair (its row's main action)");
    await checkAxe(page, "the demo after a repair");

    const admin = await adminConnection(id);
    assert(admin.status === "SYNCED", `the sandbox has the connection SYNCED (got ${admin.status})`);
    // What the page sent: Quiltt's 2025 input, with the page as the OAuth return address.
    const [sent] = await initializeInputs(id);
    assert(
      isDeepStrictEqual(sent.featuresRequired, FEATURES[2025]) && !("features" in sent) && sent.redirectUri === `${SANDBOX_URL}/`,
      `initialize got featuresRequired and redirectUri (got ${JSON.stringify(sent)})`,
    );
    await assertSessionStorageEmpty(page, "after the repair");
    await assertAtMostOneRefusedDocument("2025", SANDBOX_URL, "the demo's repair");

    // The picture for docs/demo.png: from the top (the details panel is sticky), no focus ring.
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      document.activeElement?.blur();
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: path.join(OUT, "demo-repaired.png"), fullPage: true });
    log("screenshot target/e2e/demo-repaired.png");

    // Metadata that isn't JSON: the editor is aria-invalid, described by the message, focused.
    const editorState = () =>
      page.getByTestId("metadata").evaluate((t) => ({
        invalid: t.getAttribute("aria-invalid"),
        message: document.getElementById(t.getAttribute("aria-describedby") ?? "")?.textContent ?? null,
        focused: document.activeElement === t,
      }));
    await page.getByTestId("metadata").fill("{ nickname: ");
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "isn't valid JSON" }).waitFor();
    const bad = await editorState();
    assert(bad.invalid === "true" && /^That isn't valid JSON/.test(bad.message ?? "") && bad.focused, `bad JSON marked on the editor (${JSON.stringify(bad)})`);

    // Metadata editor: save, then read it back through the admin endpoint and on the card.
    const metadata = { nickname: "Joint account", tags: ["household", "e2e"], limit: 2500 };
    await page.getByTestId("metadata").fill(JSON.stringify(metadata, null, 2));
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "Saved." }).waitFor();
    const stored = await adminConnection(id);
    assert(
      isDeepStrictEqual(stored.metadata, metadata),
      `metadata round trip (stored ${JSON.stringify(stored.metadata)})`,
    );
    await page.getByTestId(`card-metadata-${id}`).filter({ hasText: "Joint account" }).waitFor();
    const good = await editorState();
    assert(good.invalid === null && good.message === null, `valid JSON clears aria-invalid (${JSON.stringify(good)})`);
    // An invalid edit is explained in plain words and not sent.
    await page.getByTestId("metadata").fill("[1, 2]");
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "must be a JSON object" }).waitFor();
    const notObject = await editorState();
    assert(notObject.invalid === "true" && /must be a JSON object/.test(notObject.message ?? ""), `a non-object is marked too (${JSON.stringify(notObject)})`);

    // Break it again (focus goes to the row's Repair: Break is disabled now), then exit Link:
    // the page says nothing changed, and Link gave focus back to Repair.
    await page.getByTestId(`break-${id}`).focus();
    await page.keyboard.press("Enter");
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();
    await expectFocus(page, `repair-${id}`, "after Break");
    await page.keyboard.press("Enter");
    await expectFocus(page, "plaid-sandbox-continue", "when Link opens");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter"); // Exit
    await page.locator('[data-testid=result][data-outcome=exited]').waitFor();
    await expectFocus(page, `repair-${id}`, "after leaving Link (back where it was opened)");
    const exitText = await page.locator("#result-text").textContent();
    assert(/Nothing changed/.test(exitText), `exit is explained (got ${JSON.stringify(exitText)})`);

    // A server failure is shown in plain words (the HTTP 500s it causes are expected).
    await allowingProblems(problems, /HTTP 500|status of 500/, async () => {
      await setFaults({ connectorPlaidInitialize: { status: 500 } });
      await page.getByTestId(`repair-${id}`).click();
      await page.getByTestId("error").waitFor({ state: "visible" });
      await clearFaults();
    });
    const title = await page.locator("#error-title").textContent();
    const code = await page.locator("#error-code").textContent();
    assert(title && !/undefined|null|\[object/.test(title) && title !== "Something went wrong.", `error in plain words (got ${JSON.stringify(title)})`);
    assert(/^Error code [A-Z_]+ \(HTTP 500\)$/.test(code), `error code and status shown (got ${JSON.stringify(code)})`);
    assert(await page.getByTestId("error-retry").isHidden(), "no Try saving again for an initialize that failed");
    log(`error shown: ${title} / ${code}`);

    // The close fails (HTTP 500, also when retried): the page offers to send it again, and
    // that close repairs the connection without Link.
    await allowingProblems(problems, /HTTP 500|status of 500/, async () => {
      await setFaults({ connectorPlaidClose: { status: 500, times: 10 } });
      await page.getByTestId(`repair-${id}`).click();
      await continueInPlaid(page);
      await page.getByTestId("error-retry").waitFor({ state: "visible" });
      await clearFaults();
    });
    const closeCode = await page.locator("#error-code").textContent();
    assert(/CLOSE_FAILED/.test(closeCode), `the failed close is CLOSE_FAILED (got ${JSON.stringify(closeCode)})`);
    await page.getByTestId("error-retry").click();
    await result.locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    await expectFocus(page, "result-title", "after Try saving again (the button is gone)");
    await card.locator('[data-status="SYNCED"]').waitFor();
    const closes = (await sandboxRequests("connectorPlaidClose")).filter((r) => r.connectionId === id);
    const retried = closes.at(-1);
    assert(retried.status === 200, `the retried close succeeded (${JSON.stringify(closes.map((c) => c.status))})`);
    assert(
      retried.variables.input.publicToken === closes.at(-2).variables.input.publicToken,
      "the retried close sent the public token of the failed one",
    );

    // Reset sandbox button.
    await page.getByTestId("reset").click();
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();
    assert(adminCalls.length === 0, `the page read no connection from the admin API (${adminCalls})`);

    // Phone width: repair again and capture the page.
    const phone = await newPage(problems, { width: 375, height: 812 });
    try {
      await openDemo(phone.page);
      await phone.page.getByTestId(`repair-${id}`).click();
      await continueInPlaid(phone.page);
      await phone.page.locator(".result-title", { hasText: "Connection repaired" }).waitFor();
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `no horizontal scrolling at 375px (overflow ${overflow}px)`);
      await phone.page.screenshot({ path: path.join(OUT, "demo-mobile.png"), fullPage: true });
      log("screenshot target/e2e/demo-mobile.png");
    } finally {
      await phone.context.close();
    }
  } finally {
    await context.close();
  }
}

/**
 * Add accounts to a healthy connection: Link in update mode with account selection, then close;
 * against the sandbox of `schema`.
 */
async function demoAddAccounts(problems, schema) {
  const base = sandboxFor(schema);
  await resetSandbox(base);
  const id = "conn_healthy";
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page, base);
    const card = page.getByTestId(`connection-${id}`);
    await card.locator('[data-status="SYNCED"]').waitFor();
    const before = (await adminConnection(id, base)).accounts.map((a) => a.id);
    const [initialized] = await Promise.all([initializeAnswer(page, base), page.getByTestId(`add-accounts-${id}`).click()]);
    const record = (await initialized.json())?.data?.connectorPlaidInitialize?.record;
    // Link opens, unless Quiltt offered no Link session: then the page ends at once.
    const link = page.getByTestId("plaid-sandbox-continue");
    const ended = page.locator("[data-testid=result][data-outcome], [data-testid=error]:not([hidden])");
    await link.or(ended).first().waitFor();
    const [sent] = await initializeInputs(id, base);
    assert(
      sent?.update?.accountSelectionEnabled === true && isDeepStrictEqual(sent[FEATURES_FIELD[schema]], FEATURES[schema]),
      `initialize asked for account selection (got ${JSON.stringify(sent)})`,
    );
    if (!(await link.isVisible())) {
      const shown = (await page.locator("#result-title, #error-title").allTextContents()).filter(Boolean);
      const why = record?.linkToken
        ? "Quiltt returned a link token: the page did not ask for alwaysOpenLink, or the bridge ignored it"
        : `Quiltt (the sandbox) answered ${record?.status ?? record?.connectorStatus} without a link token, so there was no Link session to open`;
      throw new Error(`Link did not open for Add accounts on ${id} (the page shows ${JSON.stringify(shown)}): ${why}`);
    }
    await continueInPlaid(page);
    const result = page.locator("[data-testid=result][data-outcome=reconnected][data-action=add]");
    await result.waitFor();
    const title = await page.locator("#result-title").textContent();
    assert(title === "Accounts updated", `the page says the accounts were updated (got ${JSON.stringify(title)})`);
    const name = await page.getByTestId("result-name").textContent();
    assert(name === "Bank of America", `result shows the institution (got ${JSON.stringify(name)})`);
    const closes = (await sandboxRequests("connectorPlaidClose", base)).filter((r) => r.connectionId === id);
    assert(closes.length === 1 && closes[0].status === 200, `one close was sent and succeeded (${JSON.stringify(closes)})`);
    await card.locator('[data-status="SYNCED"]').waitFor();
    const admin = await adminConnection(id, base);
    assert(admin.status === "SYNCED", `the sandbox keeps ${id} SYNCED (got ${admin.status})`);
    // The account the user added (the sandbox's close adds one) is on the page: in the result and on the card.
    const added = admin.accounts.filter((a) => !before.includes(a.id));
    assert(added.length === 1, `the close added an account (before ${before}, after ${admin.accounts.map((a) => a.id)})`);
    const shown = await page.getByTestId("accounts").locator(".account-name").allTextContents();
    assert(shown.length === before.length + 1 && shown.includes(added[0].name), `the result lists the added account (got ${JSON.stringify(shown)})`);
    await card.getByTestId(`card-account-${added[0].id}`).waitFor();
    const text = await page.locator("#result-text").textContent();
    assert(text === `${before.length + 1} accounts connected.`, `the page counts the accounts (got ${JSON.stringify(text)})`);
    await assertSessionStorageEmpty(page, "after adding accounts");
    await assertAtMostOneRefusedDocument(schema, base, "adding accounts");
  } finally {
    await context.close();
  }
}

/**
 * An OAuth bank: Link sends the whole page to the bank, which sends it back to the demo with
 * `?oauth_state_id=…`; the demo resumes the flow on load and closes with the original tokens.
 * Against the sandbox of `schema`.
 */
async function demoOAuth(problems, schema) {
  const base = sandboxFor(schema);
  await resetSandbox(base);
  const id = "conn_oauth";
  const home = `${base}/`;
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page, base);
    // The connector token Quiltt gave before the page went to the bank.
    const [initialized] = await Promise.all([initializeAnswer(page, base), page.getByTestId(`repair-${id}`).click()]);
    const initBody = await initialized.json();
    const connectorToken = connectorTokenOf(initBody?.data?.connectorPlaidInitialize?.record);
    assert(typeof connectorToken === "string" && connectorToken.length > 0, `initialize gave a connector token (${JSON.stringify(initBody)})`);

    const toBank = page.getByTestId("plaid-sandbox-continue-to-bank");
    await toBank.waitFor({ state: "visible" });
    const saved = await page.evaluate(() => Object.keys(sessionStorage).length);
    assert(saved > 0, "the flow saved its state in sessionStorage before Link sent the page to the bank");
    const [back] = await Promise.all([
      page.waitForEvent("framenavigated", {
        predicate: (frame) => frame === page.mainFrame() && new URL(frame.url()).searchParams.has("oauth_state_id"),
      }),
      toBank.click(),
    ]);
    const returned = back.url();
    assert(returned.startsWith(`${home}?oauth_state_id=`), `the bank sent the user back to the demo (${returned})`);

    // On load the demo calls resume(): Link finishes and the close is sent.
    await demoReady(page);
    await page.locator("[data-testid=result][data-outcome=reconnected][data-action=resume]").waitFor();
    const title = await page.locator("#result-title").textContent();
    assert(title === "Connection repaired", `the page shows the repair (got ${JSON.stringify(title)})`);
    const name = await page.getByTestId("result-name").textContent();
    assert(name === "Citibank Online", `result shows the institution (got ${JSON.stringify(name)})`);
    await page.getByTestId(`connection-${id}`).locator('[data-status="SYNCED"]').waitFor();
    assert(page.url() === home, `the demo removed oauth_state_id from the address (${page.url()})`);
    await assertSessionStorageEmpty(page, "after the OAuth round trip");

    const inits = await initializeInputs(id, base);
    assert(inits.length === 1 && inits[0].redirectUri === home, `one initialize, with the demo as redirectUri (${JSON.stringify(inits)})`);
    const closes = (await sandboxRequests("connectorPlaidClose", base)).filter((r) => r.connectionId === id);
    assert(closes.length === 1 && closes[0].status === 200, `one close, which succeeded (${JSON.stringify(closes.map((c) => c.status))})`);
    assert(
      connectorTokenOf(closes[0].variables.input) === connectorToken,
      "the close after the bank used the connector token of the initialize before it",
    );
    const admin = await adminConnection(id, base);
    assert(admin.status === "SYNCED", `the sandbox has ${id} SYNCED (got ${admin.status})`);

    // Back at the same address again (a reload, a second tab): nothing to resume, and the page says so.
    await page.goto(returned);
    await demoReady(page);
    await page.getByTestId("notice").filter({ hasText: "nothing left to finish" }).waitFor();
    assert(page.url() === home, `oauth_state_id removed again (${page.url()})`);
    const after = (await sandboxRequests("connectorPlaidClose", base)).length;
    assert(after === 1, `no second close (${after})`);
    await assertAtMostOneRefusedDocument(schema, base, "the OAuth round trip");
  } finally {
    await context.close();
  }
}

/**
 * The demo against a sandbox serving an older generation of Quiltt's schema (2024 or 2023), with
 * default options: the page lists connections, repairs one (sending the newest initialize once,
 * which the sandbox refuses, then its own), stores metadata, and, reloaded, repairs another
 * without any refused document (the tab remembers the endpoint's generation).
 */
async function demoPageOlder(problems, schema) {
  const base = sandboxFor(schema);
  await resetSandbox(base);
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page, base);
    const label = await page.getByTestId("schema").textContent();
    assert(label.includes(SCHEMA_LABEL[schema]), `the page says which schema the sandbox serves (got ${JSON.stringify(label)})`);
    const card = page.getByTestId(`connection-${id}`);
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();
    await checkCard(page, id, base);
    assert((await sandboxRequests("connections", base)).length >= 1, "the list was read with the connections query");

    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);
    await page.getByTestId("result").locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    const name = await page.getByTestId("result-name").textContent();
    assert(name === "Capital One", `result shows the institution (got ${JSON.stringify(name)})`);
    await card.locator('[data-status="SYNCED"]').waitFor();
    const [sent] = await initializeInputs(id, base);
    const field = FEATURES_FIELD[schema];
    const other = field === "features" ? "featuresRequired" : "features";
    assert(
      isDeepStrictEqual(sent[field], FEATURES[schema]) && !(other in sent),
      `initialize got the ${schema} input's ${field} (got ${JSON.stringify(sent)})`,
    );
    const refused = (await sandboxRequests("connectorPlaidInitialize", base)).filter(refusedDocument);
    assert(refused.length === 1, `the newest initialize was refused once, then the ${schema} one ran (${JSON.stringify(refused)})`);
    const admin = await adminConnection(id, base);
    assert(admin.status === "SYNCED", `the ${schema} sandbox has the connection SYNCED (got ${admin.status})`);
    await assertSessionStorageEmpty(page, "after the repair");

    // updateMetadata: the same document on every generation.
    const metadata = { nickname: `On ${schema}` };
    await page.getByTestId("metadata").fill(JSON.stringify(metadata));
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "Saved." }).waitFor();
    const stored = await adminConnection(id, base);
    assert(isDeepStrictEqual(stored.metadata, metadata), `metadata stored on ${schema} (got ${JSON.stringify(stored.metadata)})`);

    // A later page of the tab knows the endpoint's generation: no refused document.
    await page.reload();
    await demoReady(page);
    const second = "conn_chase_checking";
    await page.getByTestId(`repair-${second}`).click();
    await continueInPlaid(page);
    await page.getByTestId("result").locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    assert((await adminConnection(second, base)).status === "SYNCED", `${second} repaired on ${schema}`);
    await assertAtMostOneRefusedDocument(schema, base, "two repairs on two pages of one tab");
  } finally {
    await context.close();
  }
}

async function plainPage(problems) {
  await resetSandbox();
  const server = await serveFixture({
    "/": path.join(FIXTURES, "plain"),
    "/shared/": path.join(FIXTURES, "shared"), // the app logic all fixture pages share
    "/pkg/": PKG,
  });
  const { context, page } = await newPage(problems);
  try {
    await page.goto(`${server.url}/`);
    const button = page.locator("#repair");
    await page.locator("#repair:not([disabled])").waitFor();
    const memory = await button.getAttribute("data-wasm-memory");
    assert(memory === "true", `init() resolves to exports with a WebAssembly.Memory "memory" (got ${memory})`);
    // The package's JS surface is what the README documents; internals (the JS class's jobs,
    // which wasm-bindgen would export) stay inside.
    const exported = await page.evaluate(async () => Object.keys(await import("/pkg/index.js")).sort());
    const documented = ["QuilttReconnect", "QuilttReconnectElement", "TAG_NAME", "default", "initSync", "isQuilttReconnectError"];
    assert(
      JSON.stringify(exported) === JSON.stringify(documented),
      `index.js exports ${JSON.stringify(exported)}, documented ${JSON.stringify(documented)}`,
    );
    // isQuilttReconnectError: true for the package's errors (here: a call after free()), false
    // for other errors and look-alikes.
    const guard = await page.evaluate(async () => {
      const { QuilttReconnect, isQuilttReconnectError } = await import("/pkg/index.js");
      const bridge = new QuilttReconnect({ token: "t" });
      bridge.free();
      const error = await bridge.connections().catch((e) => e);
      const lookalike = { name: "QuilttReconnectError", code: "NETWORK", message: "" };
      return [isQuilttReconnectError(error), error?.code, isQuilttReconnectError(new Error("x")), isQuilttReconnectError(lookalike)];
    });
    assert(isDeepStrictEqual(guard, [true, "INVALID_INPUT", false, false]), `isQuilttReconnectError (${JSON.stringify(guard)})`);
    await button.click();
    await page.locator("#result[data-outcome=reconnected]").waitFor();
    const name = await page.locator("#institution").textContent();
    assert(name === "Chase", `plain page shows the institution (got ${JSON.stringify(name)})`);
    const accounts = await page.locator("#accounts li").allTextContents();
    assert(accounts.includes("Chase Total Checking"), `plain page lists the accounts (got ${accounts})`);
    const admin = await adminConnection("conn_chase_checking");
    assert(admin.status === "SYNCED", `the sandbox has conn_chase_checking SYNCED (got ${admin.status})`);
  } finally {
    await context.close();
    await server.close();
  }
}

/**
 * The plain page with its init() done, a connection `id` whose Link succeeds, and the sandbox
 * holding every close 1.5 s: the set-up of leave-during-close and of its control. `close()`
 * clears the fault and closes the page and its server.
 */
async function openLeavingPage(problems, id) {
  await resetSandbox();
  await seed({ id, status: "ERROR_REPAIRABLE", institution: { name: "Leave Bank" }, linkBehavior: { mode: "success" } });
  const server = await serveFixture({
    "/": path.join(FIXTURES, "plain"),
    "/shared/": path.join(FIXTURES, "shared"),
    "/pkg/": PKG,
  });
  const { context, page } = await newPage(problems);
  const close = async () => {
    await clearFaults();
    await context.close();
    await server.close();
  };
  try {
    await page.goto(`${server.url}/`);
    await page.locator("#repair:not([disabled])").waitFor(); // the page's init() is done
    await setFaults({ connectorPlaidClose: { latencyMs: 1500 } });
  } catch (e) {
    await close();
    throw e;
  }
  return { page, close };
}

/** In the page: a bridge against `sandbox` starts repairing `id`; nothing waits for it. */
function startRepair(page, id) {
  return page.evaluate(
    async ({ id, sandbox }) => {
      const { QuilttReconnect } = await import("/pkg/quiltt_reconnect.js");
      const bridge = new QuilttReconnect({
        token: "sandbox-session-token",
        endpoint: `${sandbox}/v1/graphql`,
        plaidScriptUrl: `${sandbox}/link/v2/stable/link-initialize.js`,
      });
      bridge.reconnect({ connectionId: id, featuresRequired: ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] }).catch(() => {});
    },
    { id, sandbox: SANDBOX_URL },
  );
}

/** The user leaves once the sandbox holds the close; resolves the close as the sandbox logged it, answered or abandoned. */
async function leaveWhileTheCloseIsHeld(page) {
  let closes = await requestsOnceThey("connectorPlaidClose", (r) => r.length > 0);
  assert(closes.length === 1 && closes[0].status === null, `the close is in flight (${JSON.stringify(closes)})`);
  await page.goto("about:blank"); // the user leaves
  closes = await requestsOnceThey("connectorPlaidClose", ([close]) => close.status !== null || close.abandoned);
  assert(closes.length === 1, `one close (${JSON.stringify(closes)})`);
  return closes[0];
}

/**
 * The user leaves the page right after Link's success, while the close is in flight (the
 * sandbox holds it 1.5 s): the close is sent with keepalive, so the browser sees it through
 * after the page is gone, and the repair is kept. Without keepalive the browser cancels it and
 * the sandbox marks it abandoned, unanswered and unapplied: leave-during-close-without-keepalive.
 */
async function leaveDuringClose(problems) {
  const id = "conn_leave_during_close";
  const { page, close } = await openLeavingPage(problems, id);
  try {
    await startRepair(page, id);
    const { status, abandoned } = await leaveWhileTheCloseIsHeld(page);
    assert(status === 200 && !abandoned, `the close outlived the page (${JSON.stringify({ status, abandoned })})`);
    assert((await adminConnection(id)).status === "SYNCED", "and repaired the connection");
  } finally {
    await close();
  }
}

/**
 * The control of leave-during-close: the same page and the same close (the bridge's own request,
 * which the page keeps from the network, its URL, headers and body) sent by hand with fetch and
 * without keepalive; the user leaves the same way while the sandbox holds it. The browser
 * cancels it: the sandbox records it abandoned and unanswered, and the connection stays broken.
 * This is how leave-during-close fails when the close goes without keepalive.
 */
async function leaveDuringCloseWithoutKeepalive(problems) {
  const id = "conn_leave_without_keepalive";
  const { page, close } = await openLeavingPage(problems, id);
  try {
    // The page keeps the bridge's close to itself (that fetch never settles) and hands it over.
    await page.evaluate(() => {
      const realFetch = window.fetch;
      window.fetch = (request, init) => {
        if (!(request instanceof Request)) return realFetch.call(window, request, init);
        return request
          .clone()
          .text()
          .then((body) => {
            if (!body.includes('"ConnectorPlaidClose"')) return realFetch.call(window, request);
            window.fetch = realFetch;
            const headers = Object.fromEntries(request.headers.entries());
            window.__heldClose = { url: request.url, headers, body, keepalive: request.keepalive };
            return new Promise(() => {});
          });
      };
    });
    await startRepair(page, id);
    await page.waitForFunction(() => window.__heldClose !== undefined);
    const held = await page.evaluate(() => window.__heldClose);
    log(`the bridge's close (keepalive: ${held.keepalive}) kept from the network, sent again without keepalive`);
    assert((await sandboxRequests("connectorPlaidClose")).length === 0, "the bridge's own close never left the page");
    // The same close by hand, without keepalive.
    await page.evaluate(({ url, headers, body }) => {
      fetch(url, { method: "POST", headers, body }).catch(() => {});
    }, held);
    const { status, abandoned } = await leaveWhileTheCloseIsHeld(page);
    assert(abandoned && status === null, `the browser cancelled the close as the page went (${JSON.stringify({ status, abandoned })})`);
    await new Promise((r) => setTimeout(r, 2000)); // past the 1.5 s the sandbox held it
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "and the connection stayed broken");
  } finally {
    await close();
  }
}

// Durable repairs: what a flow needs to finish outlives the page, and one connection has one
// owner across the tabs of the origin.

/** The flow records the bridge keeps in the page's sessionStorage (parsed). */
function savedFlows(page) {
  return page.evaluate(() =>
    Object.keys(sessionStorage)
      .filter((k) => k.startsWith("quiltt-reconnect:flow:"))
      .map((k) => JSON.parse(sessionStorage.getItem(k))),
  );
}

/**
 * A reload while Plaid Link is open: the Link session was saved before Link opened, and the
 * demo's resume() on load opens Link again (no new click); the user finishes and the close
 * repairs the connection. One initialize, one close.
 */
async function reloadWhileLinkIsOpen(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page);
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    const [saved] = await savedFlows(page);
    assert(saved?.flow?.connectionId === id && typeof saved.flow.linkToken === "string", `the Link session was saved before Link opened (${JSON.stringify(Object.keys(saved?.flow ?? {}))})`);
    assert(!JSON.stringify(saved).includes(TOKEN), "the session token is not saved");
    await page.reload();
    await demoReady(page);
    await continueInPlaid(page);
    await page.locator("[data-testid=result][data-outcome=reconnected]").waitFor();
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
    const inits = await sandboxRequests("connectorPlaidInitialize");
    const closes = await sandboxRequests("connectorPlaidClose");
    assert(inits.length === 1 && closes.length === 1 && closes[0].status === 200, `one initialize, one close (${inits.length}, ${JSON.stringify(closes.map((c) => c.status))})`);
    await assertSessionStorageEmpty(page, "after the resumed repair");
  } finally {
    await context.close();
  }
}

/**
 * A reload after Link's success with the close unanswered (the sandbox holds it): the close
 * was saved before it was sent, and resume() on the next page sends the very same close again
 * (same clientMutationId) and resolves reconnected.
 */
async function reloadBeforeTheClosesAnswer(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page);
    await setFaults({ connectorPlaidClose: { hang: true, times: 1 } });
    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);
    let closes = await requestsOnceThey("connectorPlaidClose", (r) => r.length > 0);
    assert(closes.length === 1 && closes[0].status === null, `the close is held (${JSON.stringify(closes)})`);
    const [saved] = await savedFlows(page);
    assert(typeof saved?.flow?.publicToken === "string", "the close was saved before it was sent");
    await allowingProblems(problems, /503|Failed to fetch|NETWORK/, async () => {
      await page.reload();
      await demoReady(page);
      await page.locator("[data-testid=result][data-outcome=reconnected]").waitFor();
    });
    closes = await sandboxRequests("connectorPlaidClose");
    const answered = closes.filter((c) => c.status === 200);
    assert(answered.length === 1, `the close sent again was answered (${JSON.stringify(closes.map((c) => c.status))})`);
    const [first, second] = closes.map((c) => c.variables.input);
    assert(
      isDeepStrictEqual(first, second) && typeof first.clientMutationId === "string",
      "the very same close, so the same clientMutationId",
    );
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
    await assertSessionStorageEmpty(page, "after the resumed close");
  } finally {
    await clearFaults();
    await context.close();
  }
}

/**
 * Two tabs of one origin repair one connection: the second waits for the first (Web Locks),
 * then Quiltt says CONTINUE. One Link, one close.
 */
async function twoTabsOneConnection(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { context, page: first } = await newPage(problems);
  try {
    const second = await context.newPage();
    second.setDefaultTimeout(STEP_TIMEOUT);
    second.on("pageerror", (error) => problems.push(`second tab: uncaught exception: ${error.message}`));
    await openDemo(first);
    await openDemo(second);
    await first.getByTestId(`repair-${id}`).click();
    await first.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await second.getByTestId(`repair-${id}`).click();
    // The second tab waits for the first: it sends nothing and opens no Link meanwhile.
    await new Promise((r) => setTimeout(r, 700));
    assert((await second.getByTestId("plaid-sandbox-modal").count()) === 0, "the second tab opened no Link while the first repairs");
    assert((await sandboxRequests("connectorPlaidInitialize")).length === 1, "the second tab waits before its initialize");
    await continueInPlaid(first);
    await first.locator("[data-testid=result][data-outcome=reconnected]").waitFor();
    await second.locator("[data-testid=result][data-outcome=repaired]").waitFor();
    const opened = await second.evaluate(() => window.Plaid?.stats?.created ?? 0);
    assert(opened === 0, `the second tab made no Link handler (${opened})`);
    const closes = await sandboxRequests("connectorPlaidClose");
    assert(closes.length === 1, `one close in all (${closes.length})`);
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
  } finally {
    await context.close();
  }
}

// The custom element (fixtures/element/: a page whose only script is /pkg/element.js).

const ELEMENT_EVENTS = ["quiltt-progress", "quiltt-plaid", "quiltt-repaired", "quiltt-reconnected", "quiltt-exited", "quiltt-sync", "quiltt-error"];

/**
 * Opens the element page against the sandbox at `base` and records the element's events in
 * `window.__events` (details made plain: `detail.error` becomes a summary of the error) and the
 * events themselves in `window.__raw`. `at: "document"` listens where a page would (bubbling,
 * composed events); `at: "element"` on the element itself, which also hears it once removed.
 * `window.__el` is the element. `strict`: the page is served under the sandbox's `--strict-csp`
 * policy instead (`serveStrictFixture`'s options); `policy` is the page's policy.
 */
async function openElementPage(problems, { base = SANDBOX_URL, at = "element", strict = null } = {}) {
  const mounts = { "/": path.join(FIXTURES, "element"), "/pkg/": PKG };
  const server = await (strict ? serveStrictFixture(mounts, base, strict) : serveFixture(mounts, base));
  const { context, page } = await newPage(problems);
  const response = await page.goto(`${server.url}/`);
  await page.waitForFunction(() => customElements.get("quiltt-reconnect") !== undefined);
  await page.evaluate(
    ({ types, at }) => {
      window.__events = [];
      window.__raw = [];
      window.__el = document.querySelector("quiltt-reconnect");
      const target = at === "document" ? document : window.__el;
      const summary = (error) =>
        error && typeof error === "object"
          ? { isError: error instanceof Error, name: error.name, code: error.code, closeRetryId: error.closeRetryId }
          : error;
      for (const type of types) {
        target.addEventListener(type, (e) => {
          window.__raw.push(e);
          const detail = e.detail && "error" in e.detail ? { ...e.detail, error: summary(e.detail.error) } : e.detail;
          window.__events.push({ type, detail: JSON.parse(JSON.stringify(detail)), composed: e.composed });
        });
      }
    },
    { types: ELEMENT_EVENTS, at },
  );
  const close = async () => {
    await context.close();
    await server.close();
  };
  const policy = response.headers()["content-security-policy"];
  return { page, host: page.locator("quiltt-reconnect"), close, policy };
}

/**
 * The element finishes a repair of its connection that its tab left unfinished: a reload while
 * Link was open, then the element, put in the new page, opens Link again by itself and reports
 * the repair with the same events as a click. A page with nothing left to finish hears nothing.
 */
async function elementFinishesAfterReload(problems) {
  await resetSandbox();
  const server = await serveFixture({ "/": path.join(FIXTURES, "element"), "/pkg/": PKG });
  const { context, page } = await newPage(problems);
  try {
    // Listening from the page's first moment: the element finishes as soon as it is connected.
    await context.addInitScript((types) => {
      window.__events = [];
      for (const type of types) {
        document.addEventListener(type, (e) => window.__events.push({ type, stage: e.detail?.stage, id: e.detail?.connection?.id }));
      }
    }, ELEMENT_EVENTS);
    await page.goto(`${server.url}/`);
    const host = page.locator("quiltt-reconnect");
    await page.waitForFunction(() => customElements.get("quiltt-reconnect") !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    const idle = await page.evaluate(() => ({ events: window.__events.length, busy: document.querySelector("quiltt-reconnect").busy }));
    assert(idle.events === 0 && !idle.busy, `nothing left to finish: no event, not busy (${JSON.stringify(idle)})`);
    await host.locator("button").click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await page.reload();
    await continueInPlaid(page);
    await page.waitForFunction(() => window.__events.some((e) => e.type === "quiltt-reconnected"));
    const events = await page.evaluate(() => window.__events);
    const stages = events.filter((e) => e.type === "quiltt-progress").map((e) => e.stage);
    assert(
      isDeepStrictEqual(stages, ["link_loading", "link_open", "closing", "done"]),
      `the resumed flow's stages, as a click's from Link on (${JSON.stringify(stages)})`,
    );
    assert(events.at(-1).id === "conn_credit_union" && !events.some((e) => e.type === "quiltt-error"), `reconnected (${JSON.stringify(events)})`);
    assert((await adminConnection("conn_credit_union")).status === "SYNCED", "the connection is repaired");
    const inits = await sandboxRequests("connectorPlaidInitialize");
    assert(inits.length === 1, `the first page's initialize only (${inits.length})`);
  } finally {
    await context.close();
    await server.close();
  }
}

/** Waits for the `n`th event of `type`; resolves it. */
async function elementEvent(page, type, n = 1) {
  await page.waitForFunction(([type, n]) => window.__events.filter((e) => e.type === type).length >= n, [type, n]);
  return page.evaluate(([type, n]) => window.__events.filter((e) => e.type === type)[n - 1], [type, n]);
}

async function customElement(problems) {
  await resetSandbox();
  const { page, host, close } = await openElementPage(problems, { at: "document" });
  try {
    const scripts = await page.locator("script").evaluateAll((els) => els.map((s) => s.getAttribute("src")));
    assert(scripts.length === 1 && scripts[0].endsWith("element.js"), `only the package import on the page (${scripts})`);
    const label = await host.textContent();
    assert(label.trim() === "Fix my bank", "slotted content is the label");
    await checkAxe(page, "the element's page");
    const inner = host.locator("button"); // CSS locators pierce the open shadow root
    await inner.first().click();
    await page.getByTestId("plaid-sandbox-continue").waitFor();
    const busy = await host.evaluate((el) => ({
      aria: el.getAttribute("aria-busy"),
      disabled: el.shadowRoot.querySelector("button").getAttribute("aria-disabled"),
      prop: el.busy,
    }));
    assert(busy.aria === "true" && busy.disabled === "true" && busy.prop, `aria-disabled while running (${JSON.stringify(busy)})`);
    await expectFocus(page, "plaid-sandbox-continue", "when Link opens");
    await continueInPlaid(page);
    // Link gave focus back to the element's button (busy, but focusable), and it kept it.
    const back = await host.evaluate((el) => document.activeElement === el && el.shadowRoot.activeElement === el.shadowRoot.querySelector("button"));
    assert(back, `focus is back on the element's button after Link (it is on ${await describeFocus(page)})`);
    const done = await elementEvent(page, "quiltt-reconnected");
    const events = await page.evaluate(() => window.__events);
    const stages = events.filter((e) => e.type === "quiltt-progress").map((e) => e.detail.stage);
    assert(
      JSON.stringify(stages) === JSON.stringify(["initializing", "link_loading", "link_open", "closing", "done"]) ||
        (stages.includes("initializing") && stages.includes("link_open") && stages.at(-1) === "done"),
      `progress events (got ${stages})`,
    );
    assert(events.every((e) => e.composed), "events are composed");
    assert(done.detail.connection.id === "conn_credit_union", "quiltt-reconnected carries the connection");
    assert(done.detail.connection.accounts.length === 4, "with its accounts");
    assert(!events.some((e) => e.type === "quiltt-error"), "no quiltt-error");
    // The features-required attribute is the 2025 input's featuresRequired.
    const [sent] = await initializeInputs("conn_credit_union");
    assert(
      isDeepStrictEqual(sent.featuresRequired, FEATURES[2025]) && !("features" in sent),
      `features-required sent featuresRequired (got ${JSON.stringify(sent)})`,
    );
    const after = await host.evaluate((el) => ({
      aria: el.getAttribute("aria-busy"),
      disabled: el.shadowRoot.querySelector("button").hasAttribute("disabled") || el.shadowRoot.querySelector("button").hasAttribute("aria-disabled"),
      focused: el.shadowRoot.activeElement === el.shadowRoot.querySelector("button"),
    }));
    assert(after.aria === null && !after.disabled && after.focused, `enabled again afterwards, still focused (${JSON.stringify(after)})`);
    const styled = await host.evaluate((el) => el.shadowRoot.adoptedStyleSheets.length);
    assert(styled === 1, "styled with a constructable stylesheet");
    await checkAxe(page, "the element's page after a repair");

    // An error is an event too: a connection that does not exist.
    await host.evaluate((el) => el.setAttribute("connection-id", "conn_does_not_exist"));
    await inner.first().click();
    const err = (await elementEvent(page, "quiltt-error")).detail;
    assert(typeof err.code === "string" && err.message && Array.isArray(err.errors), `quiltt-error detail (${JSON.stringify(err)})`);
    assert(err.errors[0]?.code === "NOT_FOUND", `Quiltt's errors in the detail (${JSON.stringify(err.errors)})`);
    assert(
      err.error?.isError && err.error.name === "QuilttReconnectError" && err.error.code === err.code,
      `detail.error is the error itself (${JSON.stringify(err.error)})`,
    );
    assert(err.closeRetryId === undefined, "no closeRetryId but after CLOSE_FAILED");
    log(`error event: ${err.code}: ${err.message}`);
  } finally {
    await close();
  }
}

/**
 * `features` (2023) and `features-required` (2024 and 2025) as input fields, and the element
 * against a sandbox of an older generation (2024 or 2023) with no `schema` attribute.
 */
async function customElementOlder(problems, schema) {
  const base = sandboxFor(schema);
  await resetSandbox(base);
  const id = `conn_e2e_element_${schema}`;
  await seed({ id }, base);
  const { page, host, close } = await openElementPage(problems, { base });
  try {
    // The attributes as the properties read them: lists split on spaces or commas.
    const parsed = await host.evaluate((el) => {
      el.setAttribute("features-required", "TRANSACTIONS, BALANCES  INVESTMENTS");
      const required = el.featuresRequired;
      el.setAttribute("features", "TRANSACTIONS IDENTITY");
      const several = el.features;
      el.featuresRequired = null;
      el.features = "TRANSACTIONS";
      return { required, several, one: el.features, hasRequired: el.hasAttribute("features-required") };
    });
    assert(
      isDeepStrictEqual(parsed, { required: ["TRANSACTIONS", "BALANCES", "INVESTMENTS"], several: ["TRANSACTIONS", "IDENTITY"], one: "TRANSACTIONS", hasRequired: false }),
      `features attributes parsed (${JSON.stringify(parsed)})`,
    );
    // This generation's own features field.
    await host.evaluate(
      (el, [id, schema]) => {
        el.setAttribute("connection-id", id);
        if (schema !== "2023") {
          el.features = null;
          el.featuresRequired = "TRANSACTIONS";
        }
      },
      [id, schema],
    );
    await page.evaluate(() => {
      window.PlaidSandbox = { behavior: { mode: "success" } };
    });
    await host.locator("button").click();
    const done = await elementEvent(page, "quiltt-reconnected");
    assert(done.detail.connection.id === id, `reconnected on the ${schema} schema (${JSON.stringify(done.detail)})`);
    const [sent] = await initializeInputs(id, base);
    const expected = schema === "2023" ? { features: "TRANSACTIONS" } : { featuresRequired: ["TRANSACTIONS"] };
    const [field] = Object.keys(expected);
    assert(
      isDeepStrictEqual(sent[field], expected[field]) && Object.keys(sent).filter((k) => k.startsWith("features")).length === 1,
      `the element sent the ${schema} input's ${field} (got ${JSON.stringify(sent)})`,
    );
    await assertAtMostOneRefusedDocument(schema, base, "the element's repair");
  } finally {
    await close();
  }
}

/**
 * After CLOSE_FAILED the quiltt-error detail carries the error and its closeRetryId, and the
 * element's button sends the close again (no second Link).
 */
async function elementCloseRetry(problems) {
  await resetSandbox();
  const id = "conn_e2e_element_retry";
  await seed({ id });
  const { page, host, close } = await openElementPage(problems);
  try {
    await host.evaluate((el, id) => el.setAttribute("connection-id", id), id);
    const button = host.locator("button");
    let first;
    await allowingProblems(problems, /HTTP 500|status of 500/, async () => {
      // Every close fails, also those the bridge retries by itself.
      await setFaults({ connectorPlaidClose: { status: 500, times: 20 } });
      await button.click();
      await continueInPlaid(page);
      first = (await elementEvent(page, "quiltt-error", 1)).detail;
      assert(first.code === "CLOSE_FAILED", `the close failed (${JSON.stringify(first)})`);
      assert(Number.isInteger(first.closeRetryId), `closeRetryId in the detail (${JSON.stringify(first)})`);
      assert(
        first.error?.isError && first.error.name === "QuilttReconnectError" && first.error.closeRetryId === first.closeRetryId,
        `detail.error is the error, with the same closeRetryId (${JSON.stringify(first.error)})`,
      );
      assert(first.metadata && typeof first.metadata === "object", "Link's metadata in the detail");
      const held = await host.evaluate((el) => ({
        attribute: el.hasAttribute("close-failed"),
        same: el.failedClose === window.__raw.at(-1).detail.error,
        busy: el.busy,
      }));
      assert(isDeepStrictEqual(held, { attribute: true, same: true, busy: false }), `the element holds the failed close (${JSON.stringify(held)})`);
      // The button now offers the retry, and says so.
      await host.getByRole("button", { name: "Try saving again", exact: true }).waitFor();

      // A retry while the close still fails: CLOSE_FAILED again with the same closeRetryId.
      await button.click();
      const second = (await elementEvent(page, "quiltt-error", 2)).detail;
      assert(
        second.code === "CLOSE_FAILED" && second.closeRetryId === first.closeRetryId,
        `the retry failed again with the same closeRetryId (${JSON.stringify(second)})`,
      );
      await host.getByRole("button", { name: "Try saving again", exact: true }).waitFor();
      await clearFaults();
    });
    const failed = await sandboxRequests("connectorPlaidClose");
    assert(failed.length >= 2 && failed.every((r) => r.status === 500), `the closes so far failed (${failed.map((r) => r.status)})`);
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "not repaired yet");

    // The close goes through now: one click, no Link.
    await button.click();
    const done = (await elementEvent(page, "quiltt-reconnected")).detail;
    assert(done.outcome === "reconnected" && done.connection.id === id, `the retried close resolved a ReconnectResult (${JSON.stringify(done)})`);
    await host.getByRole("button", { name: "Fix my bank", exact: true }).waitFor();
    const cleared = await host.evaluate((el) => ({ attribute: el.hasAttribute("close-failed"), failedClose: el.failedClose }));
    assert(isDeepStrictEqual(cleared, { attribute: false, failedClose: null }), `the retry state is cleared (${JSON.stringify(cleared)})`);
    assert((await adminConnection(id)).status === "SYNCED", "the sandbox has the connection SYNCED");
    const closes = await sandboxRequests("connectorPlaidClose");
    const last = closes.at(-1);
    assert(last.status === 200, `the last close succeeded (${closes.map((r) => r.status)})`);
    assert(
      closes.every((r) => r.variables.input.publicToken === last.variables.input.publicToken && connectorTokenOf(r.variables.input) === connectorTokenOf(last.variables.input)),
      "every close sent the same public and connector tokens",
    );
    assert((await initializeInputs(id)).length === 1, "one initialize: the retries did not start over");
    const stats = await page.evaluate(() => window.Plaid.stats);
    assert(stats.created === 1 && stats.destroyed === 1, `Link opened once (${JSON.stringify(stats)})`);
  } finally {
    await close();
  }
}

/** Moved within the page, the element's flow goes on; removed from it, the flow is aborted. */
async function elementRemoved(problems) {
  await resetSandbox();
  const id = "conn_e2e_element_removed";
  await seed({ id });
  const { page, host, close } = await openElementPage(problems);
  try {
    await host.evaluate((el, id) => el.setAttribute("connection-id", id), id);
    const modal = page.getByTestId("plaid-sandbox-modal");

    // A move (removed and inserted again in one go) is not a removal: Link stays open.
    await host.locator("button").click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await page.evaluate(() => document.body.prepend(window.__el));
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    assert(await modal.isVisible(), "Link is still open after the element moved");
    await page.getByTestId("plaid-sandbox-exit").click();
    await elementEvent(page, "quiltt-exited");

    // Removed while Link is open: the flow is aborted and Link closed; nothing is sent.
    await host.locator("button").click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await page.evaluate(() => window.__el.remove());
    await modal.waitFor({ state: "detached" });
    const error = (await elementEvent(page, "quiltt-error")).detail;
    assert(error.code === "ABORTED", `the flow was aborted (${JSON.stringify(error)})`);
    const state = await page.evaluate(() => ({ busy: window.__el.busy, connected: window.__el.isConnected, stats: window.Plaid.stats }));
    assert(!state.busy && !state.connected, `the element is idle and gone (${JSON.stringify(state)})`);
    assert(
      state.stats.destroyWhileOpen === 0 && state.stats.created === 2 && state.stats.destroyed === 2,
      `Link was closed before it was destroyed (${JSON.stringify(state.stats)})`,
    );
    const stages = (await page.evaluate(() => window.__events))
      .filter((e) => e.type === "quiltt-progress")
      .map((e) => e.detail.stage);
    assert(stages.at(-1) === "done" && !stages.includes("closing"), `the flow ended without closing (${stages})`);
    const closes = await sandboxRequests("connectorPlaidClose");
    assert(closes.length === 0, `no close was sent (${closes.length})`);
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "the connection is unchanged");
  } finally {
    await close();
  }
}

/**
 * The package's main entry has nothing of React: the files it loads import no "react", and the
 * Vite app's bundle (which imports "quiltt-reconnect" and "quiltt-reconnect/element") holds no
 * React code. quiltt-reconnect/react does import it.
 */
function noReactInMainEntry(files, dist) {
  const importsReact = (file) => /\bfrom\s*["']react["']|\bimport\s*\(?\s*["']react["']/.test(fs.readFileSync(path.join(PKG, file), "utf8"));
  for (const file of ["index.js", "quiltt_reconnect.js", "element.js"]) {
    assert(!importsReact(file), `pkg/${file} imports nothing from "react"`);
  }
  assert(importsReact("react.js"), 'pkg/react.js imports "react" (the check would see an import)');
  const bundled = files.filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("\n");
  assert(!REACT_MARKER.test(bundled), "the Vite app's bundle holds no React code");
}

async function bundlerApp(problems, name, build) {
  const dir = await installFixture(name);
  fs.rmSync(path.join(dir, "dist"), { recursive: true, force: true });
  const t0 = Date.now();
  await run("npm", ["run", "build", "--silent"], { cwd: dir });
  log(`${name}: production build in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dist = path.join(dir, "dist");
  const files = fs.readdirSync(dist, { recursive: true }).map(String);
  assert(files.some((f) => f.endsWith(".wasm")), `${name} emitted the .wasm (${files})`);
  if (build) build(files, dist);

  await resetSandbox();
  const connectionId = `conn_e2e_${name}`;
  await seed({ id: connectionId });
  const server = await serveFixture({ "/": dist });
  const { context, page } = await newPage(problems);
  try {
    await page.goto(`${server.url}/?sandbox=${encodeURIComponent(SANDBOX_URL)}&connection=${connectionId}`);
    await page.locator("#repair:not([disabled])").waitFor();
    const memory = await page.locator("#repair").getAttribute("data-wasm-memory");
    assert(memory === "true", `${name} app: init() resolves to exports with "memory" (got ${memory})`);
    await page.locator("#repair").click();
    await page.locator("#result[data-outcome=reconnected]").waitFor();
    const accounts = await page.locator("#accounts li").allTextContents();
    assert(accounts.length >= 1, `${name} app lists accounts (${accounts})`);
    const element = await page.evaluate(() => customElements.get("quiltt-reconnect") !== undefined);
    assert(element, `${name} app registered <quiltt-reconnect> (import "quiltt-reconnect/element")`);
    const admin = await adminConnection(connectionId);
    assert(admin.status === "SYNCED", `the sandbox has ${connectionId} SYNCED (got ${admin.status})`);
  } finally {
    await context.close();
    await server.close();
  }
}

// A stranger following the package's README (js/README.md): a new app, the Install section's
// command with the tarball `npm pack` wrote, and the "Use it" code as written.

/** The text of `## title` in `markdown`, up to the next `## ` heading. */
function markdownSection(markdown, title) {
  const start = markdown.indexOf(`\n## ${title}\n`);
  assert(start >= 0, `js/README.md has a "## ${title}" section`);
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first fenced code block of language `lang` in `text`. */
function codeBlock(text, lang, where) {
  const m = text.match(new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```"));
  assert(m, `${where} has a \`\`\`${lang} code block`);
  return m[1];
}

/** The sandbox answers for Quiltt's API and Plaid's CDN: what the README's code calls by default. */
const PRODUCTION_ORIGINS = /^https:\/\/(api\.quiltt\.io|cdn\.plaid\.com)\//;

async function readmeApp(problems) {
  const readme = fs.readFileSync(path.join(ROOT, "js", "README.md"), "utf8");
  const tgz = await packTarball();

  // ## Install: the command that installs into the app, with only the tarball's path replaced.
  const install = codeBlock(markdownSection(readme, "Install"), "sh", "## Install");
  const lines = install.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim());
  const packLine = install.split("\n").find((l) => /\bnpm pack\b/.test(l)) ?? "";
  assert(packLine.includes(path.basename(tgz)), `the README names the tarball npm pack writes, ${path.basename(tgz)} (${JSON.stringify(packLine)})`);
  const command = lines
    .flatMap((l) => l.split("&&").map((c) => c.trim()))
    .find((c) => /^npm (install|i) /.test(c));
  assert(command, `## Install has an npm install command (${JSON.stringify(install)})`);
  const args = command.split(/\s+/);
  const at = args.findIndex((a) => a.endsWith(".tgz"));
  assert(at > 0 && path.basename(args[at]) === path.basename(tgz), `the install command names the tarball ${path.basename(tgz)} (${command})`);
  args[at] = tgz;

  const app = path.join(OUT, "readme-app");
  fs.rmSync(app, { recursive: true, force: true });
  fs.mkdirSync(app, { recursive: true });
  const quiet = { npm_config_audit: "false", npm_config_fund: "false" };
  await run("npm", ["init", "-y"], { cwd: app, env: quiet });
  log(`readme-app: ${args.join(" ").replace(tgz, path.relative(ROOT, tgz))}`);
  await run(args[0], args.slice(1), { cwd: app, env: quiet });
  const manifest = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8"));
  assert(manifest.dependencies?.["quiltt-reconnect"], `the app depends on quiltt-reconnect (${JSON.stringify(manifest.dependencies)})`);

  // ## Use it: the code as written, imported through the no-bundler path the section gives.
  const use = markdownSection(readme, "Use it");
  const code = codeBlock(use, "js", "## Use it");
  const plain = use.match(/from\s+"(\/node_modules\/quiltt-reconnect\/index\.js)"/)?.[1];
  assert(plain, "## Use it gives the path for pages without a bundler");
  // The section's preload tags, in the page's <head> as the README says.
  const preloads = codeBlock(use, "html", "## Use it");
  assert(/rel="preload"[^>]*\.wasm/.test(preloads), `## Use it preloads the .wasm (${JSON.stringify(preloads)})`);
  const main = code.replace(/from "quiltt-reconnect";/, `from "${plain}";`);
  assert(main !== code, `the code imports "quiltt-reconnect" (${JSON.stringify(code.split("\n")[0])})`);
  fs.writeFileSync(path.join(app, "main.js"), main);
  // What the code references, defined as an app would: `connectionId`, and `/api/quiltt-session`
  // (the app's server handing out the session token, here a file).
  const id = "conn_e2e_readme";
  fs.writeFileSync(path.join(app, "connection.js"), `var connectionId = ${JSON.stringify(id)};\n`);
  const server = path.join(OUT, "readme-server");
  fs.mkdirSync(server, { recursive: true });
  fs.writeFileSync(path.join(server, "quiltt-session"), JSON.stringify({ token: TOKEN }));
  fs.writeFileSync(
    path.join(app, "index.html"),
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>A new app</title>\n<link rel="icon" href="data:,">\n` +
      `${preloads}\n<script src="/connection.js"></script>\n<script type="module" src="/main.js"></script>\n</head>\n<body><h1>A new app</h1></body>\n</html>\n`,
  );

  await resetSandbox();
  await seed({ id });
  const site = await serveFixture({ "/": app, "/api/": server }, "https://api.quiltt.io https://cdn.plaid.com");
  const { context, page } = await newPage(problems);
  try {
    // The code keeps the defaults (Quiltt's API, Plaid's script): the sandbox answers for both.
    await context.route(PRODUCTION_ORIGINS, async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      const headers = { ...request.headers() };
      delete headers.host;
      const response = await fetch(`${SANDBOX_URL}${url.pathname}${url.search}`, {
        method: request.method(),
        headers,
        body: request.postDataBuffer() ?? undefined,
      });
      const sent = Object.fromEntries([...response.headers].filter(([k]) => !["content-encoding", "content-length"].includes(k)));
      await route.fulfill({ status: response.status, headers: sent, body: Buffer.from(await response.arrayBuffer()) });
    });
    const logged = [];
    page.on("console", async (msg) => {
      const values = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => null)));
      logged.push({ type: msg.type(), values });
      if (msg.type() === "warning") problems.push(`console warning: ${msg.text()}`);
    });
    await page.goto(`${site.url}/`);
    await continueInPlaid(page);
    const deadline = Date.now() + STEP_TIMEOUT;
    while (!logged.some((m) => m.values[0] === "repaired") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const repaired = logged.find((m) => m.values[0] === "repaired");
    assert(repaired?.values[1]?.id === id, `the README's code logged the repaired connection (logged ${JSON.stringify(logged.map((m) => m.values[0]))})`);
    const stages = logged.filter((m) => m.values[0]?.type === "progress").map((m) => m.values[0].stage);
    assert(stages.includes("link_open") && stages.at(-1) === "done", `its onEvent logged the progress (${stages})`);
    assert((await adminConnection(id)).status === "SYNCED", `the sandbox has ${id} SYNCED`);
    const inits = (await sandboxRequests("connectorPlaidInitialize")).filter((r) => r.connectionId === id);
    assert(inits.length === 1 && inits[0].status === 200, `one initialize, accepted with the token from /api/quiltt-session (${JSON.stringify(inits.map((r) => r.status))})`);
    // The preloads were used: each file fetched once (a preload whose request doesn't match the
    // module's, e.g. another credentials mode, is fetched a second time and Chromium warns).
    const fetched = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
    for (const file of ["quiltt_reconnect.js", "element.js", "error.js", "quiltt_reconnect_bg.wasm"]) {
      const times = fetched.filter((p) => p === `/node_modules/quiltt-reconnect/${file}`).length;
      assert(times === 1, `${file} was fetched once with the README's preloads (${times} times)`);
    }
  } finally {
    await context.close();
    await site.close();
  }
}

// The React fixture (fixtures/react/): Vite + React 19 with quiltt-reconnect/react, a
// development build (so <StrictMode> mounts its effects twice and React's warnings reach the console).

/** What React's code carries in any build (the element type's symbol name). */
const REACT_MARKER = /react\.(transitional\.)?element/;

let reactDist = null;

/** Installs and builds fixtures/react once per run; resolves its `dist/`. */
async function reactBuild() {
  if (reactDist) return reactDist;
  const dir = await installFixture("react");
  const dist = path.join(dir, "dist");
  fs.rmSync(dist, { recursive: true, force: true });
  const t0 = Date.now();
  await run("npm", ["run", "build", "--silent"], { cwd: dir });
  log(`react: development build in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const files = fs.readdirSync(dist, { recursive: true }).map(String);
  assert(files.some((f) => f.endsWith(".wasm")), `the React app emitted the .wasm (${files})`);
  const js = files.filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("\n");
  // The counterpart of the vite-app check that the main entry brings no React: here it does.
  assert(REACT_MARKER.test(js), "the React app's bundle holds React");
  assert(js.includes('unique "key" prop'), "the React app is React's development build (StrictMode's checks on)");
  reactDist = dist;
  return dist;
}

/**
 * Opens the React app against the sandbox and waits for its list of connections that need
 * repair; `window.__statusLog` records every change of the status line ([status, stage, text]).
 */
async function openReactApp(problems) {
  const server = await serveFixture({ "/": await reactBuild() });
  const { context, page } = await newPage(problems);
  await page.goto(`${server.url}/?sandbox=${encodeURIComponent(SANDBOX_URL)}`);
  await page.getByTestId("broken").waitFor();
  await page.evaluate(() => {
    window.__statusLog = [];
    const status = document.querySelector("[data-testid=status]");
    const note = () => {
      const entry = [status.dataset.status, status.dataset.stage ?? null, status.textContent];
      if (JSON.stringify(entry) !== JSON.stringify(window.__statusLog.at(-1))) window.__statusLog.push(entry);
    };
    note();
    new MutationObserver(note).observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
  });
  const close = async () => {
    await context.close();
    await server.close();
  };
  return { page, close };
}

/** The ids the React app lists as needing repair, sorted. */
const reactListed = (page) =>
  page.getByTestId("broken").locator("li[data-id]").evaluateAll((els) => els.map((e) => e.dataset.id).sort());

async function reactApp(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { page, close } = await openReactApp(problems);
  try {
    const effects = await page.evaluate(() => window.__listEffects);
    assert(effects === 2, `<StrictMode> ran the list's effect twice on mount (${effects})`);
    // connections({ status: "ERROR_REPAIRABLE" }): what the sandbox has in that state, asked of Quiltt's API.
    const repairable = (await sandboxJson("/__sandbox/connections")).filter((c) => c.status === "ERROR_REPAIRABLE").map((c) => c.id).sort();
    const listed = await reactListed(page);
    assert(isDeepStrictEqual(listed, repairable), `the app lists what needs repair (got ${listed}, expected ${repairable})`);
    const queries = await sandboxRequests("connections");
    assert(
      queries.length >= 1 && queries.every((r) => r.status === 200 && JSON.stringify(r.variables).includes("ERROR_REPAIRABLE")),
      `listed through connections({ status: "ERROR_REPAIRABLE" }) (${JSON.stringify(queries.map((r) => r.variables))})`,
    );
    assert((await page.getByTestId("status").getAttribute("data-status")) === "idle", "the hook starts idle");
    await checkAxe(page, "the React app as loaded");

    // Repair one, found by its accessible name; Link opens, Continue, the close.
    await page.getByRole("button", { name: `Repair Capital One (${id})`, exact: true }).click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await checkAxe(page, "the React app with the Link stand-in open");
    await continueInPlaid(page);
    await page.locator("[data-testid=status][data-status=done]").waitFor();
    const text = await page.getByTestId("status").textContent();
    assert(text === "Connection repaired: Capital One", `the status says so (got ${JSON.stringify(text)})`);
    const accounts = await page.getByTestId("accounts").locator("li").allTextContents();
    assert(accounts.includes("360 Checking"), `the result lists the accounts (got ${JSON.stringify(accounts)})`);
    // The UI went through the stages, then showed the result (and nothing after it).
    const shown = await page.evaluate(() => window.__statusLog);
    const statuses = shown.map(([status]) => status);
    const stages = shown.filter(([status]) => status === "running").map(([, stage]) => stage);
    assert(
      statuses[0] === "idle" && statuses.at(-1) === "done" && statuses.slice(1, -1).every((s) => s === "running"),
      `idle, running, then done (got ${JSON.stringify(shown)})`,
    );
    assert(
      ["initializing", "link_open", "closing"].every((s) => stages.includes(s)),
      `the status showed the running stages (got ${JSON.stringify(stages)})`,
    );
    assert(shown.some(([status, , text]) => status === "running" && text === "Working: Waiting for you in Plaid Link…"), "a stage in words");
    // Listed again: the repaired connection is gone; focus is on the status that told the result.
    await page.getByTestId(`repair-${id}`).waitFor({ state: "detached" });
    const focused = await page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.tagName);
    assert(focused === "status", `focus went to the status line when the pressed button left the list (got ${focused})`);
    const admin = await adminConnection(id);
    assert(admin.status === "SYNCED", `the sandbox has ${id} SYNCED (got ${admin.status})`);
    const inits = await initializeInputs(id);
    assert(inits.length === 1, `one initialize: <StrictMode> did not run the flow twice (${inits.length})`);
    const stats = await page.evaluate(() => window.Plaid.stats);
    assert(stats.created === stats.destroyed && stats.destroyWhileOpen === 0, `every Link handler destroyed (${JSON.stringify(stats)})`);
    await checkAxe(page, "the React app after a repair");
  } finally {
    await close();
  }
}

/** Unmounting the component while Link is open aborts its flow: Link closed, nothing sent. */
async function reactUnmount(problems) {
  await resetSandbox();
  const id = "conn_e2e_react_unmount";
  await seed({ id });
  const { page, close } = await openReactApp(problems);
  try {
    const modal = page.getByTestId("plaid-sandbox-modal");
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    // "Hide repairs" is under Link's modal; the app unmounts <Repairs> as any route change would.
    await page.evaluate(() => document.getElementById("toggle").click());
    await page.getByTestId("broken").waitFor({ state: "detached" });
    await modal.waitFor({ state: "detached" });
    // Anything late (a close, a state update on the unmounted component) would come now.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    const stats = await page.evaluate(() => window.Plaid.stats);
    assert(
      stats.destroyWhileOpen === 0 && stats.created === 1 && stats.destroyed === 1,
      `Link was closed, then its handler destroyed (${JSON.stringify(stats)})`,
    );
    const closes = await sandboxRequests("connectorPlaidClose");
    assert(closes.length === 0, `no close was sent (${closes.length})`);
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "the connection is unchanged");

    // Mounted again, a new hook runs the flow; unmounted once Link has succeeded (the close is
    // slow), the close is still sent: dropping it would lose the user's repair.
    await page.locator("#toggle").click();
    await setFaults({ connectorPlaidClose: { latencyMs: 1000 } });
    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);
    await page.locator("[data-testid=status][data-stage=closing]").waitFor();
    await page.locator("#toggle").click();
    await page.getByTestId("status").waitFor({ state: "detached" });
    // Done once a close was sent and answered (none still being answered).
    const sent = await requestsOnceThey("connectorPlaidClose", (r) => r.length > 0 && r.every((c) => c.status !== null));
    await clearFaults();
    assert(sent.length === 1 && sent[0].status === 200, `the close after Link's success was sent once (${JSON.stringify(sent.map((r) => r.status))})`);
    assert((await adminConnection(id)).status === "SYNCED", "and it repaired the connection");
    const after = await page.evaluate(() => window.Plaid.stats);
    assert(after.created === 2 && after.destroyed === 2 && after.destroyWhileOpen === 0, `every Link handler destroyed (${JSON.stringify(after)})`);
  } finally {
    await close();
  }
}

/** The React app with `query` (`&resume`) against the 2025 sandbox; the status log as before. */
async function openReactAppWith(problems, query) {
  const server = await serveFixture({ "/": await reactBuild() });
  const { context, page } = await newPage(problems);
  await page.goto(`${server.url}/?sandbox=${encodeURIComponent(SANDBOX_URL)}${query}`);
  await page.getByTestId("broken").waitFor();
  const close = async () => {
    await context.close();
    await server.close();
  };
  return { page, close };
}

/**
 * After a reload while Link was open, a layout and a page component both call resume() on mount
 * (twice each under <StrictMode>): one Link opens, one close is sent, and both show the result.
 */
async function reactResumeOnce(problems) {
  await resetSandbox();
  const id = "conn_e2e_react_resume";
  await seed({ id });
  const { page, close } = await openReactAppWith(problems, "&resume");
  try {
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await page.reload();
    await continueInPlaid(page);
    for (const name of ["layout", "page"]) {
      await page.locator(`[data-testid=resume-${name}][data-status=done][data-outcome=reconnected]`).waitFor();
    }
    const stats = await page.evaluate(() => window.Plaid.stats);
    assert(stats.created === 1, `one Link on the page after the reload (${JSON.stringify(stats)})`);
    const closes = await sandboxRequests("connectorPlaidClose");
    assert(closes.length === 1 && closes[0].status === 200, `one close (${closes.length})`);
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
  } finally {
    await close();
  }
}

/** The app drops its token while Link is open: the flow's close still goes with the last one. */
async function reactTokenDropped(problems) {
  await resetSandbox();
  const id = "conn_e2e_react_token";
  await seed({ id });
  const { page, close } = await openReactAppWith(problems, "");
  try {
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    await page.evaluate(() => document.getElementById("sign-out").click());
    await continueInPlaid(page);
    await page.locator("[data-testid=status][data-status=done]").waitFor();
    const text = await page.getByTestId("status").textContent();
    assert(text.startsWith("Connection repaired"), `the close went through (${JSON.stringify(text)})`);
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
  } finally {
    await close();
  }
}

/**
 * A flow's events reach `state` only while it is the latest: a first flow still closing (slow)
 * when a second starts sends its last stages to nobody.
 */
async function reactNoLeak(problems) {
  await resetSandbox();
  const [first, second] = ["conn_e2e_react_first", "conn_e2e_react_second"];
  await seed({ id: first });
  await seed({ id: second });
  const { page, close } = await openReactAppWith(problems, "");
  try {
    await page.evaluate(() => {
      window.__stages = [];
      const status = document.querySelector("[data-testid=status]");
      new MutationObserver(() => {
        if (status.dataset.status === "running") window.__stages.push(status.dataset.stage ?? "");
      }).observe(status, { attributes: true });
    });
    await setFaults({ connectorPlaidClose: { latencyMs: 1500, times: 1 } });
    await page.getByTestId(`repair-${first}`).click();
    await continueInPlaid(page);
    await page.locator("[data-testid=status][data-stage=closing]").waitFor();
    await page.evaluate((id) => {
      window.__stages.push("second");
      window.__repair(id);
    }, second);
    await page.getByTestId("plaid-sandbox-continue").waitFor({ state: "visible" });
    // The first flow's close is answered now, and its flow ends (its "done" stage comes).
    await requestsOnceThey("connectorPlaidClose", (r) => r.length === 1 && r[0].status === 200);
    await page.waitForTimeout(200);
    const stages = await page.evaluate(() => window.__stages);
    const after = stages.slice(stages.indexOf("second") + 1);
    assert(
      after.every((s) => ["", "initializing", "link_loading", "link_open"].includes(s)),
      `after the second flow started, only its own stages (${JSON.stringify(stages)})`,
    );
    await continueInPlaid(page);
    await page.locator("[data-testid=status][data-status=done]").waitFor();
    assert((await adminConnection(second)).status === "SYNCED", "the second flow repaired its connection");
  } finally {
    await clearFaults();
    await close();
  }
}

// Strict pages: a nonce-only `script-src` (no 'self', no host) and Trusted Types.

/** The nonces a policy's `script-src` allows, in order. */
const noncesOf = (policy) => [...(policy ?? "").matchAll(/'nonce-([^']+)'/g)].map((m) => m[1]);

/** The page's Plaid script tags: `src`, and the nonce CSP checks (the property) and the attribute. */
const plaidTags = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("script")]
      .filter((s) => s.src.includes("link-initialize.js"))
      .map((s) => ({ src: s.src, nonce: s.nonce, attribute: s.getAttribute("nonce") })),
  );

/** The `securitypolicyviolation` events the page has had (`WATCH_CSP` keeps them). */
const violationsOf = (page) => page.evaluate(() => window.__violations);

/** What a refused script sink, policy or script leaves as page problems (the console). */
const REFUSAL_PROBLEMS = /CSP violation: (trusted-types|require-trusted-types-for|script-src)|requires 'Trusted|TrustedTypePolicy|Content Security Policy|ERR_BLOCKED_BY_CSP|^request failed: \S+ csp$/i;

/**
 * `fn`, then waits until the page has had more than `before` violations (and a moment for their
 * console messages to arrive); the problems they cause are expected.
 */
async function expectingViolations(page, problems, before, fn) {
  return allowingProblems(problems, REFUSAL_PROBLEMS, async () => {
    const result = await fn();
    await page.waitForFunction((n) => window.__violations.length > n, before);
    await new Promise((r) => setTimeout(r, 200));
    return result;
  });
}

/**
 * The page enforces Trusted Types, and its listener hears violations: a plain string given to a
 * script's `src` throws a TypeError and is reported (so a count of zero before means something).
 */
async function probeTrustedTypes(page, problems) {
  const before = (await violationsOf(page)).length;
  const threw = await expectingViolations(page, problems, before, () =>
    page.evaluate(() => {
      try {
        document.createElement("script").src = "/probe.js";
        return "assigned";
      } catch (e) {
        return e instanceof TypeError ? "TypeError" : String(e);
      }
    }),
  );
  const probe = (await violationsOf(page)).slice(before);
  assert(
    threw === "TypeError" && probe.some((v) => v.directive === "require-trusted-types-for"),
    `a string for a script's src is refused and reported (${threw}; ${JSON.stringify(probe)})`,
  );
}

/**
 * The demo served by the sandbox under `--strict-csp` (`kind` "strict": nonce-only
 * `script-src`; "strict-dynamic": with 'strict-dynamic'), with Trusted Types enforced: the
 * policy is the one `strictCsp` writes, the page's module script has the response's nonce (the
 * attribute hidden by the browser), Repair and Continue repair `conn_login_required` (`SYNCED`),
 * Plaid's script tag carries the page's nonce, and the page had no securitypolicyviolation; then
 * a string given to a script sink is refused and heard, so zero meant none.
 */
async function strictPageDemo(problems, kind) {
  const base = SANDBOXES[kind];
  const strictDynamic = kind === "strict-dynamic";
  const id = "conn_login_required";
  await resetSandbox(base);
  const { context, page } = await newPage(problems);
  try {
    const response = await page.goto(`${base}/`);
    const policy = response.headers()["content-security-policy"];
    const [nonce] = noncesOf(policy);
    assert(nonce && policy === strictCsp(nonce, { strictDynamic }), `the demo is served under the strict policy (${JSON.stringify(policy)})`);
    await demoReady(page);
    const own = await page.evaluate(() =>
      [...document.scripts].filter((s) => !s.src.includes("link-initialize.js")).map((s) => ({ src: s.getAttribute("src"), nonce: s.nonce, attribute: s.getAttribute("nonce") })),
    );
    assert(
      own.length === 1 && own[0].src === "app.js" && own[0].nonce === nonce && own[0].attribute === "",
      `the page's own script has the response's nonce, its attribute hidden (${JSON.stringify(own)})`,
    );
    const card = page.getByTestId(`connection-${id}`);
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();
    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);
    await page.getByTestId("result").locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    await card.locator('[data-status="SYNCED"]').waitFor();
    const admin = await adminConnection(id, base);
    assert(admin.status === "SYNCED", `the sandbox has the connection SYNCED (got ${admin.status})`);
    const tags = await plaidTags(page);
    assert(tags.length === 1 && tags[0].nonce === nonce, `Plaid's script tag carries the page's nonce (${JSON.stringify(tags)})`);
    assert(await page.evaluate(() => window.Plaid?.isSandboxStandIn === true), "Plaid's script ran");
    const seen = await violationsOf(page);
    assert(seen.length === 0, `no securitypolicyviolation on the strict page (${JSON.stringify(seen)})`);
    await probeTrustedTypes(page, problems);
    log(`repaired under ${policy.split("; ").find((d) => d.startsWith("script-src"))}, Trusted Types enforced, no violation`);
  } finally {
    await context.close();
  }
}

/**
 * `fixtures/element/` served under the strict policy (nonce-only, Trusted Types; the sandbox's
 * origin added to `connect-src`). The element without a `nonce`: the package reads the page's
 * (its module script's), Plaid's tag carries it, Continue → `quiltt-reconnected`, `SYNCED`, no
 * violation. Then a page whose policy allows a second nonce, given to the element as its
 * `nonce` attribute: the element reads it (the browser hid the attribute), Plaid's tag carries
 * that one and not the page's, repaired, no violation; the property sets and removes the
 * attribute.
 */
async function strictPageElement(problems) {
  const id = "conn_credit_union";
  await resetSandbox();
  let opened = await openElementPage(problems, { at: "document", strict: {} });
  try {
    const { page, host, policy } = opened;
    const [nonce] = noncesOf(policy);
    assert(nonce && policy === strictCsp(nonce, { connect: [SANDBOX_URL] }), `the page is served under the strict policy (${JSON.stringify(policy)})`);
    const given = await host.evaluate((el) => ({ nonce: el.nonce ?? null, attribute: el.getAttribute("nonce") }));
    assert(given.nonce === null && given.attribute === null, `no nonce given to the element (${JSON.stringify(given)})`);
    await host.locator("button").click();
    await continueInPlaid(page);
    const done = await elementEvent(page, "quiltt-reconnected");
    assert(done.detail.connection.id === id, `quiltt-reconnected carries the connection (${done.detail.connection.id})`);
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
    const tags = await plaidTags(page);
    assert(tags.length === 1 && tags[0].nonce === nonce, `Plaid's script tag carries the page's nonce (${JSON.stringify(tags)})`);
    const seen = await violationsOf(page);
    assert(seen.length === 0, `no securitypolicyviolation (${JSON.stringify(seen)})`);
  } finally {
    await opened.close();
  }

  await resetSandbox();
  opened = await openElementPage(problems, { at: "document", strict: { elementNonce: true } });
  try {
    const { page, host, policy } = opened;
    const [nonce, elementNonce] = noncesOf(policy);
    assert(nonce && elementNonce && nonce !== elementNonce, `the policy allows the page's nonce and a second one (${JSON.stringify(policy)})`);
    const given = await host.evaluate((el) => ({ nonce: el.nonce, attribute: el.getAttribute("nonce") }));
    assert(
      given.nonce === elementNonce && given.attribute === "",
      `the element reads the nonce it was given, whose attribute the browser hid (${JSON.stringify(given)}, given ${elementNonce})`,
    );
    await host.locator("button").click();
    await continueInPlaid(page);
    const done = await elementEvent(page, "quiltt-reconnected");
    assert(done.detail.connection.id === id, "quiltt-reconnected carries the connection");
    assert((await adminConnection(id)).status === "SYNCED", "the connection is repaired");
    const tags = await plaidTags(page);
    assert(tags.length === 1 && tags[0].nonce === elementNonce, `Plaid's script tag carries the element's nonce, not the page's (${JSON.stringify(tags)})`);
    const seen = await violationsOf(page);
    assert(seen.length === 0, `no securitypolicyviolation (${JSON.stringify(seen)})`);
    const property = await host.evaluate((el) => {
      el.nonce = "c2V0LWJ5LXByb3BlcnR5";
      const set = [el.getAttribute("nonce"), el.nonce];
      el.nonce = null;
      return { set, removed: el.hasAttribute("nonce") };
    });
    assert(
      isDeepStrictEqual(property, { set: ["c2V0LWJ5LXByb3BlcnR5", "c2V0LWJ5LXByb3BlcnR5"], removed: false }),
      `the nonce property sets and removes the attribute (${JSON.stringify(property)})`,
    );
  } finally {
    await opened.close();
  }
}

/**
 * The negative controls of the strict scenarios, on `fixtures/element/` under the strict
 * policy. A `trusted-types` directive that does not name `quiltt-reconnect`: the repair is
 * `quiltt-error` `PLAID_SCRIPT` whose message names the policy to allow, the page reports the
 * refused policy (a `trusted-types` violation, sample `quiltt-reconnect`), no Plaid tag is left,
 * Plaid's script was never fetched, Link never opened and the connection is unchanged. A nonce
 * that is not the page's, given to the element: the browser refuses Plaid's script (a
 * `script-src-elem` violation), the repair is `PLAID_SCRIPT` too. So the violations the other
 * strict scenarios count are heard, and the nonce they put on Plaid's tag is what runs it.
 */
async function strictPageRefused(problems) {
  const id = "conn_credit_union";
  await resetSandbox();
  let opened = await openElementPage(problems, { at: "document", strict: { trustedTypes: "app-policy" } });
  try {
    const { page, host, policy } = opened;
    assert(policy.endsWith("; trusted-types app-policy"), `the page allows only its own Trusted Types policy (${JSON.stringify(policy)})`);
    const err = await expectingViolations(page, problems, 0, async () => {
      await host.locator("button").click();
      return (await elementEvent(page, "quiltt-error")).detail;
    });
    assert(
      err.code === "PLAID_SCRIPT" && err.message.includes('"quiltt-reconnect"') && err.message.includes("trusted-types"),
      `the repair fails PLAID_SCRIPT naming the policy to allow (${JSON.stringify(err)})`,
    );
    log(`refused: ${err.code}: ${err.message}`);
    const seen = await violationsOf(page);
    assert(
      seen.some((v) => v.directive === "trusted-types" && v.sample === "quiltt-reconnect"),
      `the refused policy is reported (${JSON.stringify(seen)})`,
    );
    const after = await page.evaluate(() => ({ plaid: typeof window.Plaid, modal: Boolean(document.getElementById("plaid-sandbox-modal")) }));
    assert(after.plaid === "undefined" && !after.modal, `no Plaid, no Link (${JSON.stringify(after)})`);
    assert((await plaidTags(page)).length === 0, "the refused tag was removed");
    const loads = await sandboxJson("/__sandbox/script-loads");
    assert(loads.count === 0, `Plaid's script was never fetched (${loads.count})`);
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "the connection is unchanged");
    assert((await sandboxRequests("connectorPlaidClose")).length === 0, "no close was sent");
  } finally {
    await opened.close();
  }

  await resetSandbox();
  opened = await openElementPage(problems, { at: "document", strict: {} });
  try {
    const { page, host, policy } = opened;
    const [nonce] = noncesOf(policy);
    const wrong = "bm90LXRoZS1wYWdlcy1ub25jZQ==";
    assert(nonce && nonce !== wrong, "the page has its own nonce");
    await host.evaluate((el, n) => (el.nonce = n), wrong);
    const err = await expectingViolations(page, problems, 0, async () => {
      await host.locator("button").click();
      return (await elementEvent(page, "quiltt-error")).detail;
    });
    assert(err.code === "PLAID_SCRIPT", `a tag with another nonce fails PLAID_SCRIPT (${JSON.stringify(err)})`);
    const seen = await violationsOf(page);
    assert(
      seen.some((v) => v.directive === "script-src-elem" && v.blocked.includes("link-initialize.js")),
      `the browser reports the refused script (${JSON.stringify(seen)})`,
    );
    assert((await adminConnection(id)).status === "ERROR_REPAIRABLE", "the connection is unchanged");
    log(`another nonce: ${err.code}: ${err.message}`);
  } finally {
    await opened.close();
  }
}

async function typescript() {
  const dir = await installFixture("typescript");
  const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
  // The two projects are checked side by side (each tsc run takes seconds, most of it React's
  // and the DOM's declarations).
  const [good, bad] = await Promise.all(
    ["tsconfig.json", "tsconfig.misuse.json"].map((project) => run("node", [tsc, "--noEmit", "-p", project], { cwd: dir, allowFail: true })),
  );
  assert(good.code === 0, `tsc --noEmit on the correct consumer passes:\n${good.out}`);
  assert(bad.code !== 0, "tsc on the misuse fails");
  // Every line marked `// expect-error TSxxxx` must have exactly that error, and no other errors.
  const source = fs.readFileSync(path.join(dir, "src", "misuse.ts"), "utf8").split("\n");
  const expected = new Map();
  source.forEach((line, i) => {
    const m = line.match(/\/\/ expect-error (TS\d+)/);
    if (m) expected.set(i + 2, m[1]); // the marker sits on the line above the misuse
  });
  const got = [...bad.out.matchAll(/misuse\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) => [Number(m[1]), m[2]]);
  assert(got.length > 0, `tsc reported errors in misuse.ts:\n${bad.out}`);
  for (const [line, code] of expected) {
    assert(got.some(([l, c]) => l === line && c === code), `misuse.ts:${line} fails with ${code}; tsc said:\n${bad.out}`);
  }
  for (const [line, code] of got) {
    assert(expected.get(line) === code, `unexpected ${code} at misuse.ts:${line}:\n${bad.out}`);
  }
  log(`misuse rejected as expected: ${got.map(([l, c]) => `${c} at line ${l}`).join(", ")}`);
}

// `schemas`: the sandboxes a scenario uses ("2025": QUILTT_SANDBOX_URL, "2024":
// QUILTT_SANDBOX_2024_URL, "2023": QUILTT_SANDBOX_2023_URL; "strict" and "strict-dynamic":
// QUILTT_SANDBOX_STRICT_URL and QUILTT_SANDBOX_STRICT_DYNAMIC_URL, 2025 under `--strict-csp`).
// ---------------------------------------------------------------------------------------------
// Confirmed repairs and watch()

/** Repairs take `ms` to sync after the close (the sandbox's `syncDelayMs`; a reset puts 0 back). */
const syncFor = (ms, outcome = "SYNCED") => postJson("/__sandbox/config", { syncDelayMs: ms, syncOutcome: outcome });

/**
 * The demo repairs with `confirm: true`: while the sandbox syncs the repaired connection, the
 * progress shows "Syncing with the bank" in progress, then the result says it synced,
 * and the reads that confirmed it reached the sandbox after the close.
 */
async function demoConfirmsSync(problems) {
  await resetSandbox();
  await syncFor(1500);
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  try {
    await openDemo(page);
    await page.evaluate(() => {
      window.__said = [];
      const region = document.querySelector("[data-testid=live]");
      new MutationObserver(() => window.__said.push(region.textContent)).observe(region, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);
    await page.locator('#steps li[data-stage="confirming"][data-state="active"]', { hasText: "Syncing with the bank" }).waitFor();
    const result = page.getByTestId("result");
    await result.locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    const text = await page.locator("#result-text").textContent();
    assert(text.startsWith("Synced:"), `the result says the bank synced (got ${JSON.stringify(text)})`);
    await page.getByTestId(`connection-${id}`).locator('[data-status="SYNCED"]').waitFor();
    const done = await page.locator('#steps li[data-stage="confirming"]').getAttribute("data-state");
    assert(done === "done", `the confirming step is done (${done})`);
    const said = await page.evaluate(() => window.__said);
    assert(said.includes("Capital One: Syncing with the bank…"), `the syncing was announced (${JSON.stringify(said)})`);
    const ops = (await sandboxRequests()).filter((r) => r.connectionId === id).map((r) => r.operation);
    const close = ops.indexOf("connectorPlaidClose");
    const reads = ops.slice(close + 1).filter((o) => o === "connection");
    assert(close >= 0 && reads.length >= 2, `the repair was read after the close until it synced (${JSON.stringify(ops)})`);
  } finally {
    await context.close();
  }
}

/**
 * `<quiltt-reconnect confirm>` shows the sync state after a repair: `quiltt-sync` says
 * `syncing`, then `synced`; its `status` part and `sync-state` attribute follow; the result it
 * emits is confirmed. A sync that ends in an error is `unconfirmed`.
 */
async function elementConfirmsSync(problems) {
  for (const [outcome, state, shown] of [["SYNCED", "synced", "Synced"], ["ERROR_REPAIRABLE", "unconfirmed", "Not synced yet"]]) {
    await resetSandbox();
    await syncFor(1200, outcome);
    const { page, host, close } = await openElementPage(problems, { at: "document" });
    try {
      await host.evaluate((el) => (el.confirm = true));
      assert((await host.getAttribute("confirm")) === "", "the confirm property sets the attribute");
      await host.locator("button").click();
      await continueInPlaid(page);
      const syncing = await elementEvent(page, "quiltt-sync");
      assert(syncing.detail.state === "syncing" && syncing.detail.confirmed === null, `first syncing (${JSON.stringify(syncing.detail)})`);
      const ended = await elementEvent(page, "quiltt-sync", 2);
      assert(
        ended.detail.state === state && ended.detail.status === outcome && ended.detail.confirmed === (state === "synced"),
        `then ${state} (${JSON.stringify(ended.detail)})`,
      );
      const done = await elementEvent(page, "quiltt-reconnected");
      assert(done.detail.confirmed === (state === "synced") && done.detail.connection.status === outcome, `the result is confirmed or not (${JSON.stringify(done.detail)})`);
      assert(Array.isArray(done.detail.trail?.steps) && done.detail.trail.steps.some((s) => s.step === "read_back"), "the result carries its trail");
      const seen = await host.evaluate((el) => ({ attribute: el.getAttribute("sync-state"), state: el.syncState, text: el.shadowRoot.querySelector('[part="status"]').textContent }));
      assert(isDeepStrictEqual(seen, { attribute: state, state, text: shown }), `the element shows it (${JSON.stringify(seen)})`);
    } finally {
      await close();
    }
  }
}

/**
 * `watch()` from the package's entry, in a page: the async iterator yields each status change
 * and ends at a status of `until`; leaving the loop stops the reads; its signal ends it with
 * `ABORTED`, its bound with `TIMEOUT`, and bad options are `INVALID_INPUT` at the first `next()`.
 */
async function watchIteratorScenario(problems) {
  await resetSandbox();
  const id = "w_iterator";
  await seed({ id, status: "ERROR_REPAIRABLE" });
  const server = await serveFixture({ "/": path.join(FIXTURES, "plain"), "/shared/": path.join(FIXTURES, "shared"), "/pkg/": PKG });
  const { context, page } = await newPage(problems);
  const reads = async () => (await sandboxRequests("connection")).filter((r) => r.connectionId === id).length;
  try {
    await page.goto(`${server.url}/`);
    await page.evaluate(async ({ base, token }) => {
      const m = await import("/pkg/index.js");
      await m.default();
      window.__bridge = new m.QuilttReconnect({ token, endpoint: `${base}/v1/graphql` });
    }, { base: SANDBOX_URL, token: TOKEN });
    const watching = page.evaluate(async (id) => {
      const seen = [];
      for await (const c of window.__bridge.watch(id, { until: ["SYNCED"], intervalMs: 250 })) seen.push(c.status);
      return seen;
    }, id);
    await new Promise((r) => setTimeout(r, 700));
    await seed({ id, status: "SYNCED" });
    const seen = await watching;
    assert(isDeepStrictEqual(seen, ["ERROR_REPAIRABLE", "SYNCED"]), `each change once, then the end (${JSON.stringify(seen)})`);

    const before = await reads();
    const broke = await page.evaluate(async (id) => {
      for await (const c of window.__bridge.watch(id, { until: ["DISCONNECTED"], intervalMs: 250 })) return c.status;
    }, id);
    const atBreak = await reads();
    await new Promise((r) => setTimeout(r, 800));
    assert(broke === "SYNCED" && atBreak === before + 1 && (await reads()) === atBreak, `leaving the loop stops the reads (${broke}, ${before} → ${atBreak})`);

    const ends = await page.evaluate(async (id) => {
      const run = async (options) => {
        try {
          for await (const _ of window.__bridge.watch(id, options));
          return "done";
        } catch (e) {
          return e.code;
        }
      };
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 400);
      return {
        aborted: await run({ until: ["DISCONNECTED"], intervalMs: 250, signal: controller.signal }),
        bound: await run({ until: ["DISCONNECTED"], intervalMs: 250, timeoutMs: 700 }),
        bad: await run({ intervalMs: 5 }),
      };
    }, id);
    assert(isDeepStrictEqual(ends, { aborted: "ABORTED", bound: "TIMEOUT", bad: "INVALID_INPUT" }), `how it ends (${JSON.stringify(ends)})`);
  } finally {
    await context.close();
    await server.close();
  }
}

/**
 * The hook's `watch()`: an async iterator of the connection's changes, stopped when the component
 * unmounts (its loop ends with `ABORTED`, and no read follows).
 */
async function reactWatchUnmount(problems) {
  await resetSandbox();
  const id = "conn_e2e_react_watch";
  await seed({ id });
  const { page, close } = await openReactApp(problems);
  const reads = async () => (await sandboxRequests("connection")).filter((r) => r.connectionId === id).length;
  try {
    await page.getByTestId(`repair-${id}`).waitFor();
    await page.evaluate((id) => {
      window.__watched = [];
      window.__watchEnd = (async () => {
        try {
          // Bounded, so a watch the unmount did not stop ends (TIMEOUT) and is told apart.
          for await (const c of window.__watch(id, { until: ["DISCONNECTED"], intervalMs: 250, timeoutMs: 5000 })) window.__watched.push(c.status);
          return "done";
        } catch (e) {
          return e.code;
        }
      })();
    }, id);
    await page.waitForFunction(() => window.__watched.length === 1);
    await new Promise((r) => setTimeout(r, 400));
    await page.locator("#toggle").click();
    await page.getByTestId("broken").waitFor({ state: "detached" });
    const end = await page.evaluate(() => window.__watchEnd);
    const atUnmount = await reads();
    await new Promise((r) => setTimeout(r, 800));
    const watched = await page.evaluate(() => window.__watched);
    assert(end === "ABORTED" && isDeepStrictEqual(watched, ["ERROR_REPAIRABLE"]), `unmounting ends the watch (${end}, ${JSON.stringify(watched)})`);
    assert(atUnmount >= 2 && (await reads()) === atUnmount, `it read while mounted and not after (${atUnmount})`);
  } finally {
    await close();
  }
}

const SCENARIOS = [
  { name: "demo-page", browser: true, schemas: ["2025"], fn: demoPage },
  { name: "demo-add-accounts", browser: true, schemas: ["2025"], fn: (p) => demoAddAccounts(p, "2025") },
  { name: "demo-oauth", browser: true, schemas: ["2025"], fn: (p) => demoOAuth(p, "2025") },
  ...["2024", "2023"].flatMap((schema) => [
    { name: `demo-page-${schema}`, browser: true, schemas: [schema], fn: (p) => demoPageOlder(p, schema) },
    { name: `demo-add-accounts-${schema}`, browser: true, schemas: [schema], fn: (p) => demoAddAccounts(p, schema) },
    { name: `demo-oauth-${schema}`, browser: true, schemas: [schema], fn: (p) => demoOAuth(p, schema) },
    { name: `custom-element-${schema}`, browser: true, schemas: [schema], fn: (p) => customElementOlder(p, schema) },
  ]),
  { name: "plain-script-tag", browser: true, schemas: ["2025"], fn: plainPage },
  { name: "leave-during-close", browser: true, schemas: ["2025"], fn: leaveDuringClose },
  { name: "reload-while-link-is-open", browser: true, schemas: ["2025"], fn: reloadWhileLinkIsOpen },
  { name: "reload-before-the-closes-answer", browser: true, schemas: ["2025"], fn: reloadBeforeTheClosesAnswer },
  { name: "two-tabs-one-connection", browser: true, schemas: ["2025"], fn: twoTabsOneConnection },
  { name: "leave-during-close-without-keepalive", browser: true, schemas: ["2025"], fn: leaveDuringCloseWithoutKeepalive },
  { name: "custom-element", browser: true, schemas: ["2025"], fn: customElement },
  { name: "element-close-retry", browser: true, schemas: ["2025"], fn: elementCloseRetry },
  { name: "element-removed", browser: true, schemas: ["2025"], fn: elementRemoved },
  { name: "element-finishes-after-reload", browser: true, schemas: ["2025"], fn: elementFinishesAfterReload },
  { name: "vite-app", browser: true, schemas: ["2025"], fn: (p) => bundlerApp(p, "vite", noReactInMainEntry) },
  { name: "webpack-app", browser: true, schemas: ["2025"], fn: (p) => bundlerApp(p, "webpack") },
  { name: "readme-app", browser: true, schemas: ["2025"], fn: readmeApp },
  { name: "react-app", browser: true, schemas: ["2025"], fn: reactApp },
  { name: "react-unmount", browser: true, schemas: ["2025"], fn: reactUnmount },
  { name: "react-resume-once", browser: true, schemas: ["2025"], fn: reactResumeOnce },
  { name: "react-token-dropped", browser: true, schemas: ["2025"], fn: reactTokenDropped },
  { name: "react-no-leak", browser: true, schemas: ["2025"], fn: reactNoLeak },
  { name: "strict-page-demo", browser: true, schemas: ["strict"], fn: (p) => strictPageDemo(p, "strict") },
  { name: "strict-page-demo-strict-dynamic", browser: true, schemas: ["strict-dynamic"], fn: (p) => strictPageDemo(p, "strict-dynamic") },
  { name: "strict-page-element", browser: true, schemas: ["2025"], fn: strictPageElement },
  { name: "strict-page-refused", browser: true, schemas: ["2025"], fn: strictPageRefused },
  { name: "demo-confirms-sync", browser: true, schemas: ["2025"], fn: demoConfirmsSync },
  { name: "element-confirms-sync", browser: true, schemas: ["2025"], fn: elementConfirmsSync },
  { name: "watch-iterator", browser: true, schemas: ["2025"], fn: watchIteratorScenario },
  { name: "react-watch-unmount", browser: true, schemas: ["2025"], fn: reactWatchUnmount },
  { name: "typescript", browser: false, schemas: [], fn: typescript },
];

// ---------------------------------------------------------------------------------------------

/** pkg/ must hold the built package and the current js/ files (`cargo xtask pkg` copies and minifies them). */
function checkPkg() {
  const missing = ["package.json", "quiltt_reconnect.js", "quiltt_reconnect_bg.wasm"].filter(
    (f) => !fs.existsSync(path.join(PKG, f)),
  );
  if (missing.length) throw new Error(`pkg/ lacks ${missing.join(", ")}: build the package with \`cargo xtask pkg\``);
  const jsDir = path.join(ROOT, "js");
  for (const f of fs.readdirSync(jsDir)) {
    if (!/\.(js|d\.ts)$/.test(f)) continue;
    const shipped = path.join(PKG, f);
    if (!fs.existsSync(shipped)) throw new Error(`pkg/${f} is missing: \`cargo xtask pkg\` copies js/${f} into pkg/`);
    // `cargo xtask pkg` ships .js files minified, so those can only be checked by age.
    const source = path.join(jsDir, f);
    const stale = f.endsWith(".d.ts")
      ? !fs.readFileSync(shipped).equals(fs.readFileSync(source))
      : fs.statSync(shipped).mtimeMs < fs.statSync(source).mtimeMs;
    if (stale) {
      throw new Error(`pkg/${f} is older than or differs from js/${f} (stale package): rebuild with \`cargo xtask pkg\``);
    }
  }
}

async function main() {
  const started = Date.now();
  checkPkg();
  const selected = SCENARIOS.filter((s) => filters.length === 0 || filters.some((f) => s.name.includes(f)));
  const needs = (kind) => selected.some((s) => s.schemas.includes(kind));
  for (const kind of Object.keys(SANDBOXES)) {
    if (!SANDBOXES[kind] && needs(kind)) {
      SANDBOXES[kind] = await startOwnSandbox(kind);
      const { csp, schema } = SANDBOX_KINDS[kind];
      console.log(`started a sandbox (${schema} schema, ${csp}) at ${SANDBOXES[kind]}`);
    }
    SANDBOXES[kind] = SANDBOXES[kind]?.replace(/\/+$/, "");
    if (needs(kind)) await checkSandbox(SANDBOXES[kind], kind);
  }
  SANDBOX_URL = SANDBOXES[2025];
  console.log(`e2e against ${Object.values(SANDBOXES).filter(Boolean).join(", ")}; output in ${path.relative(ROOT, OUT)}/`);
  if (selected.some((s) => s.browser)) await launchBrowser();

  const results = [];
  for (const scenario of selected) {
    const problems = [];
    const t0 = Date.now();
    console.log(`-- ${scenario.name}`);
    let error = null;
    try {
      await scenario.fn(problems);
    } catch (e) {
      error = e;
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const ok = !error && problems.length === 0;
    results.push({ name: scenario.name, ok, secs });
    console.log(`${ok ? "PASS" : "FAIL"} ${scenario.name} (${secs} s)`);
    if (error) console.log(`     ${String(error.stack ?? error).split("\n").join("\n     ")}`);
    for (const p of problems) console.log(`     page problem: ${p}`);
  }

  if (browser) await browser.close();
  if (axeTally.runs) {
    console.log(`axe-core: ${axeTally.runs} pages checked, ${axeTally.rules} WCAG 2.1 A/AA rules each, ${axeTally.violations} violations`);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(
    `\ne2e: ${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (failed.length ? ` (failed: ${failed.map((r) => r.name).join(", ")})` : ""),
  );
  return failed.length === 0 && results.length > 0 ? 0 : 1;
}

await runMain("e2e", main, { browser: () => browser, sandbox: () => ownSandboxes });
