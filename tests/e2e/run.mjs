#!/usr/bin/env node
// End-to-end tests of quiltt-reconnect: the demo page, a plain <script type="module"> page, the
// custom element, a Vite app, a webpack 5 app and a TypeScript consumer, in headless Chromium
// (playwright-core driving /usr/bin/chromium) against the sandbox.
//
//   QUILTT_SANDBOX_URL=http://127.0.0.1:PORT node tests/e2e/run.mjs [scenario-name-filter...]
//
// The sandbox must serve `--www www --pkg pkg --csp`; without QUILTT_SANDBOX_URL this script
// starts target/debug/quiltt-sandbox itself. `pkg/` must be built (`cargo xtask pkg`).
// Prints PASS/FAIL per scenario and exits non-zero on any failure. See README.md beside it.

import { createHash } from "node:crypto";
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
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
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

async function sandboxJson(pathname, init) {
  const response = await fetch(new URL(pathname, SANDBOX_URL), init);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${pathname}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

const resetSandbox = () => sandboxJson("/__sandbox/reset", { method: "POST" });

// ---------------------------------------------------------------------------------------------
// The sandbox (given, or started here)

let SANDBOX_URL = process.env.QUILTT_SANDBOX_URL;
let ownSandbox = null;

/** Starts target/debug/quiltt-sandbox serving www/ and pkg/ with the strict CSP; resolves its URL. */
function startOwnSandbox() {
  const sandbox = startSandbox({
    args: ["--www", "www", "--pkg", "pkg", "--csp"],
    missing: "QUILTT_SANDBOX_URL is not set and target/debug/quiltt-sandbox is missing: run `cargo build -p quiltt-sandbox` or `cargo xtask test`",
  });
  ownSandbox = sandbox.child;
  return sandbox.url;
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

/** Serves `mounts` ({ "/": dir, "/pkg/": dir }); `%SANDBOX_URL%` in HTML files is replaced. */
function serveFixture(mounts) {
  return serveStatic(mounts, {
    transform({ data, ext, headers }) {
      if (ext !== ".html") return data;
      headers["Content-Security-Policy"] = csp(SANDBOX_URL);
      return Buffer.from(data.toString("utf8").replaceAll("%SANDBOX_URL%", SANDBOX_URL));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The browser: every page is watched for console errors, uncaught exceptions and CSP violations.

let browser;

async function launchBrowser() {
  browser = await launchChromium(CHROMIUM);
}

const WATCH_CSP = `
  document.addEventListener("securitypolicyviolation", (e) => {
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

async function demoPage(problems) {
  await resetSandbox();
  const id = "conn_login_required";
  const { context, page } = await newPage(problems);
  try {
    await page.goto(`${SANDBOX_URL}/`);
    await page.locator("html[data-ready=true]").waitFor({ state: "attached" });
    const card = page.getByTestId(`connection-${id}`);
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();

    await page.getByTestId(`repair-${id}`).click();
    await continueInPlaid(page);

    const result = page.getByTestId("result");
    await result.locator(".result-title", { hasText: "Connection repaired" }).waitFor();
    const name = await page.getByTestId("result-name").textContent();
    assert(name === "Capital One", `result shows the institution (got ${JSON.stringify(name)})`);
    const logoSrc = await page.getByTestId("result-logo").getAttribute("src");
    assert(logoSrc?.startsWith("data:image/png;base64,"), "result shows the institution logo as a data: PNG");
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

    const admin = await sandboxJson(`/__sandbox/connections/${id}`);
    assert(admin.status === "SYNCED", `the sandbox has the connection SYNCED (got ${admin.status})`);

    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(OUT, "demo-repaired.png"), fullPage: true });
    log("screenshot target/e2e/demo-repaired.png");

    // Metadata editor: save, then read it back through the admin endpoint.
    const metadata = { nickname: "Joint account", tags: ["household", "e2e"], limit: 2500 };
    await page.getByTestId("metadata").fill(JSON.stringify(metadata, null, 2));
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "Saved." }).waitFor();
    const stored = await sandboxJson(`/__sandbox/connections/${id}`);
    assert(
      isDeepStrictEqual(stored.metadata, metadata),
      `metadata round trip (stored ${JSON.stringify(stored.metadata)})`,
    );
    // An invalid edit is explained in plain words and not sent.
    await page.getByTestId("metadata").fill("[1, 2]");
    await page.getByTestId("metadata-save").click();
    await page.getByTestId("metadata-status").filter({ hasText: "must be a JSON object" }).waitFor();

    // Break it again, then exit Link: the page says nothing changed.
    await page.getByTestId(`break-${id}`).click();
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("plaid-sandbox-exit").click();
    await page.locator('[data-testid=result][data-outcome=exited]').waitFor();
    const exitText = await page.locator("#result-text").textContent();
    assert(/Nothing changed/.test(exitText), `exit is explained (got ${JSON.stringify(exitText)})`);

    // A server failure is shown in plain words (the HTTP 500s it causes are expected).
    await sandboxJson("/__sandbox/faults", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ connectorPlaidInitialize: { status: 500 } }),
    });
    const before = problems.length;
    await page.getByTestId(`repair-${id}`).click();
    await page.getByTestId("error").waitFor({ state: "visible" });
    await sandboxJson("/__sandbox/faults", { method: "DELETE" });
    const title = await page.locator("#error-title").textContent();
    const code = await page.locator("#error-code").textContent();
    assert(title && !/undefined|null|\[object/.test(title) && title !== "Something went wrong.", `error in plain words (got ${JSON.stringify(title)})`);
    assert(/^Error code [A-Z_]+ \(HTTP 500\)$/.test(code), `error code and status shown (got ${JSON.stringify(code)})`);
    log(`error shown: ${title} / ${code}`);
    const expected = (p) => /HTTP 500|status of 500/.test(p);
    problems.splice(before, problems.length - before, ...problems.slice(before).filter((p) => !expected(p)));

    // Reset sandbox button.
    await page.getByTestId("reset").click();
    await card.locator('[data-status="ERROR_REPAIRABLE"]').waitFor();

    // Phone width: repair again and capture the page.
    const phone = await newPage(problems, { width: 375, height: 812 });
    try {
      await phone.page.goto(`${SANDBOX_URL}/`);
      await phone.page.locator("html[data-ready=true]").waitFor({ state: "attached" });
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
    const documented = ["QuilttReconnect", "QuilttReconnectElement", "TAG_NAME", "default", "initSync"];
    assert(
      JSON.stringify(exported) === JSON.stringify(documented),
      `index.js exports ${JSON.stringify(exported)}, documented ${JSON.stringify(documented)}`,
    );
    await button.click();
    await page.locator("#result[data-outcome=reconnected]").waitFor();
    const name = await page.locator("#institution").textContent();
    assert(name === "Chase", `plain page shows the institution (got ${JSON.stringify(name)})`);
    const accounts = await page.locator("#accounts li").allTextContents();
    assert(accounts.includes("Chase Total Checking"), `plain page lists the accounts (got ${accounts})`);
    const admin = await sandboxJson("/__sandbox/connections/conn_chase_checking");
    assert(admin.status === "SYNCED", `the sandbox has conn_chase_checking SYNCED (got ${admin.status})`);
  } finally {
    await context.close();
    await server.close();
  }
}

async function customElement(problems) {
  await resetSandbox();
  const server = await serveFixture({ "/": path.join(FIXTURES, "element"), "/pkg/": PKG });
  const { context, page } = await newPage(problems);
  try {
    await page.goto(`${server.url}/`);
    const scripts = await page.locator("script").evaluateAll((els) => els.map((s) => s.getAttribute("src")));
    assert(scripts.length === 1 && scripts[0].endsWith("element.js"), `only the package import on the page (${scripts})`);
    await page.waitForFunction(() => customElements.get("quiltt-reconnect") !== undefined);
    // The test's listener (not the page's): collect every event at the document.
    await page.evaluate(() => {
      window.__events = [];
      for (const type of ["quiltt-progress", "quiltt-plaid", "quiltt-repaired", "quiltt-reconnected", "quiltt-exited", "quiltt-error"]) {
        document.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail, composed: e.composed }));
      }
    });
    const host = page.locator("quiltt-reconnect");
    const label = await host.textContent();
    assert(label.trim() === "Fix my bank", "slotted content is the label");
    const inner = host.locator("button"); // CSS locators pierce the open shadow root
    await inner.first().click();
    await page.getByTestId("plaid-sandbox-continue").waitFor();
    const busy = await host.evaluate((el) => ({
      aria: el.getAttribute("aria-busy"),
      disabled: el.shadowRoot.querySelector("button").hasAttribute("disabled"),
      prop: el.busy,
    }));
    assert(busy.aria === "true" && busy.disabled && busy.prop, `disabled while running (${JSON.stringify(busy)})`);
    await continueInPlaid(page);
    await page.waitForFunction(() => window.__events.some((e) => e.type === "quiltt-reconnected"));
    const events = await page.evaluate(() => window.__events);
    const stages = events.filter((e) => e.type === "quiltt-progress").map((e) => e.detail.stage);
    assert(
      JSON.stringify(stages) === JSON.stringify(["initializing", "link_loading", "link_open", "closing", "done"]) ||
        (stages.includes("initializing") && stages.includes("link_open") && stages.at(-1) === "done"),
      `progress events (got ${stages})`,
    );
    assert(events.every((e) => e.composed), "events are composed");
    const done = events.find((e) => e.type === "quiltt-reconnected");
    assert(done.detail.connection.id === "conn_credit_union", "quiltt-reconnected carries the connection");
    assert(done.detail.connection.accounts.length === 4, "with its accounts");
    assert(!events.some((e) => e.type === "quiltt-error"), "no quiltt-error");
    const after = await host.evaluate((el) => ({
      aria: el.getAttribute("aria-busy"),
      disabled: el.shadowRoot.querySelector("button").hasAttribute("disabled"),
    }));
    assert(after.aria === null && !after.disabled, `enabled again afterwards (${JSON.stringify(after)})`);
    const styled = await host.evaluate((el) => el.shadowRoot.adoptedStyleSheets.length);
    assert(styled === 1, "styled with a constructable stylesheet");

    // An error is an event too: a connection that does not exist.
    await host.evaluate((el) => el.setAttribute("connection-id", "conn_does_not_exist"));
    await inner.first().click();
    await page.waitForFunction(() => window.__events.some((e) => e.type === "quiltt-error"));
    const err = (await page.evaluate(() => window.__events)).find((e) => e.type === "quiltt-error").detail;
    assert(typeof err.code === "string" && err.message && Array.isArray(err.errors), `quiltt-error detail (${JSON.stringify(err)})`);
    log(`error event: ${err.code}: ${err.message}`);
  } finally {
    await context.close();
    await server.close();
  }
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
  if (build) build(files);

  await resetSandbox();
  const connectionId = `conn_e2e_${name}`;
  await sandboxJson("/__sandbox/seed", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: connectionId }),
  });
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
    const admin = await sandboxJson(`/__sandbox/connections/${connectionId}`);
    assert(admin.status === "SYNCED", `the sandbox has ${connectionId} SYNCED (got ${admin.status})`);
  } finally {
    await context.close();
    await server.close();
  }
}

async function typescript() {
  const dir = await installFixture("typescript");
  const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
  const good = await run("node", [tsc, "--noEmit", "-p", "tsconfig.json"], { cwd: dir, allowFail: true });
  assert(good.code === 0, `tsc --noEmit on the correct consumer passes:\n${good.out}`);

  const bad = await run("node", [tsc, "--noEmit", "-p", "tsconfig.misuse.json"], { cwd: dir, allowFail: true });
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

const SCENARIOS = [
  { name: "demo-page", browser: true, fn: demoPage },
  { name: "plain-script-tag", browser: true, fn: plainPage },
  { name: "custom-element", browser: true, fn: customElement },
  { name: "vite-app", browser: true, fn: (p) => bundlerApp(p, "vite") },
  { name: "webpack-app", browser: true, fn: (p) => bundlerApp(p, "webpack") },
  { name: "typescript", browser: false, fn: typescript },
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
  if (!SANDBOX_URL) {
    SANDBOX_URL = await startOwnSandbox();
    console.log(`started the sandbox at ${SANDBOX_URL}`);
  }
  SANDBOX_URL = SANDBOX_URL.replace(/\/+$/, "");
  await sandboxJson("/__sandbox/health");
  console.log(`e2e against ${SANDBOX_URL}; output in ${path.relative(ROOT, OUT)}/`);
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
  const failed = results.filter((r) => !r.ok);
  console.log(
    `\ne2e: ${results.length - failed.length} passed, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (failed.length ? ` (failed: ${failed.map((r) => r.name).join(", ")})` : ""),
  );
  return failed.length === 0 && results.length > 0 ? 0 : 1;
}

await runMain("e2e", main, { browser: () => browser, sandbox: () => ownSandbox });
