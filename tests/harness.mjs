// Shared infrastructure of the Node runners: tests/e2e/run.mjs (end-to-end tests) and
// benches/run.mjs (benchmarks). Child processes, the sandbox binary, a static file server,
// headless Chromium through playwright-core, and npm installs that follow package-lock.json.
// Each runner keeps its own scenarios, logging and output; what differs is a parameter here.

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory (absolute). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Runs `cmd args` with output captured (npm's update notifier off). Resolves `{ code, out }`
 * (stdout and stderr together); rejects with the command, folder and last 4,000 characters of
 * output when it exits non-zero, unless `allowFail`. `quiet: false` also echoes the output.
 */
export function run(cmd, args, { cwd = ROOT, env = {}, allowFail = false, quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      out += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 && !allowFail) {
        reject(new Error(`${cmd} ${args.join(" ")} (in ${path.relative(ROOT, cwd) || "."}) exited with ${code}:\n${out.slice(-4000)}`));
      } else {
        resolve({ code, out });
      }
    });
  });
}

/**
 * Starts the sandbox binary `bin` (run from ROOT with `--port 0` and `args`, stderr inherited).
 * Returns `{ child, url }` at once: `child` to stop it later (also when start-up fails), `url` a
 * promise of the `listening on http://…` address it prints (trailing slashes removed), rejected
 * when it exits first or prints nothing within 10 s. Throws `missing` when `bin` does not exist.
 */
export function startSandbox({ bin = path.join(ROOT, "target", "debug", "quiltt-sandbox"), args = [], missing = `${bin} is missing` } = {}) {
  if (!fs.existsSync(bin)) throw new Error(missing);
  const child = spawn(bin, ["--port", "0", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const url = new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("the sandbox did not print its URL within 10 s")), 10_000);
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        resolve(m[1].replace(/\/+$/, ""));
      }
    });
    child.on("exit", (code) => reject(new Error(`the sandbox exited early (${code})`)));
  });
  return { child, url };
}

/** Content-Type by file extension for serveStatic (anything else: application/octet-stream). */
export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/**
 * Serves `mounts` ({ "/": dir, "/pkg/": dir }, longest prefix wins) on 127.0.0.1 at a random
 * port, GET only, with exact MIME types and `Cache-Control: no-store`; `…/` means `index.html`.
 * `transform({ data, file, ext, prefix, headers })` may return replaced file contents (a Buffer
 * or string) and add response headers. Resolves `{ url, close() }`.
 */
export function serveStatic(mounts, { transform } = {}) {
  const entries = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    const mount = entries.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount || req.method !== "GET") {
      res.writeHead(mount ? 405 : 404).end();
      return;
    }
    const [prefix, dir] = mount;
    let rel = pathname.slice(prefix.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
        return;
      }
      const ext = path.extname(file).toLowerCase();
      const headers = { "Content-Type": MIME[ext] ?? "application/octet-stream", "Cache-Control": "no-store" };
      if (transform) data = transform({ data, file, ext, prefix, headers }) ?? data;
      res.writeHead(200, headers).end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** The Chromium flags both runners launch with (headless, no sandbox, no background traffic). */
export const CHROMIUM_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Launches Chromium at `executablePath` through playwright-core with CHROMIUM_FLAGS and `extraArgs`; resolves the Browser. */
export async function launchChromium(executablePath, extraArgs = []) {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/**
 * Whether `dir`/node_modules matches `dir`/package-lock.json: every locked package installed at
 * its version (optional ones may be absent) and nothing installed that is not locked. Package
 * keys in `ignore` (e.g. "node_modules/quiltt-reconnect", installed from a tarball) are skipped.
 */
export function installedMatchesLock(dir, { ignore = [] } = {}) {
  const skip = (k) => k === "" || ignore.includes(k);
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8")).packages ?? {};
    const wanted = Object.entries(lock).filter(([k]) => !skip(k));
    const hidden = path.join(dir, "node_modules", ".package-lock.json");
    if (!fs.existsSync(hidden)) return wanted.length === 0;
    const have = JSON.parse(fs.readFileSync(hidden, "utf8")).packages ?? {};
    for (const [k, v] of wanted) {
      if (v.optional && !have[k]) continue; // optional (platform) packages may be absent
      if (!have[k] || have[k].version !== v.version) return false;
    }
    return Object.keys(have).every((k) => skip(k) || lock[k]);
  } catch {
    return false;
  }
}

/**
 * `npm ci ciArgs` in `dir` unless installedMatchesLock(dir, { ignore }); says which through
 * `log` as `${name}: …`.
 */
export async function npmCiIfNeeded(dir, { name = path.basename(dir), log = console.log, ciArgs = ["--no-audit", "--no-fund"], ignore = [] } = {}) {
  if (installedMatchesLock(dir, { ignore })) {
    log(`${name}: node_modules matches package-lock.json; skipping npm ci`);
  } else {
    log(`${name}: npm ci`);
    await run("npm", ["ci", ...ciArgs], { cwd: dir });
  }
}

/**
 * Runs a runner's `main()` and exits the process with its result: the number it returns (0 when
 * it returns nothing), or 1 when it throws, after printing `${label}: ${stack}` and closing the
 * open `browser()`. The sandbox `sandbox()` returns (one the runner started, or a list of them;
 * none when it started none) is stopped with SIGTERM either way, also when the process exits
 * on an uncaught error.
 */
export async function runMain(label, main, { browser = () => null, sandbox = () => null } = {}) {
  const stopSandboxes = () => {
    for (const child of [sandbox() ?? []].flat()) if (child.exitCode === null) child.kill("SIGTERM");
  };
  // Also when the process dies some other way (an unhandled rejection): a sandbox left running
  // would hold the caller's output pipe open.
  process.on("exit", stopSandboxes);
  let code = 1;
  try {
    code = (await main()) ?? 0;
  } catch (e) {
    console.error(`${label}: ${e.stack ?? e}`);
    await browser()?.close().catch(() => {});
  } finally {
    stopSandboxes();
  }
  process.exit(code);
}
