// Shows that the browser tests fail without the fixes they cover (issue 15's, then later ones): each mutant of mutants.json
// undoes one fix (one text replacement in src/), and the test it names must then fail (or hang
// until wasm-bindgen-test's timeout, for a fix against hangs).
//
//   node tests/mutants/run.mjs [names…]      # every mutant, or those whose names contain a word
//
// The sources are copied into target/mutants/tree (the checkout is never touched) and built
// there (target/mutants/tree/target, warm after the first mutant). Each mutant gets a fresh
// sandbox (target/debug/quiltt-sandbox) on 127.0.0.1, serving the mutant's `schema` (default
// 2025). Needs what the browser tests
// need: wasm-pack, chromedriver at $CHROMEDRIVER or /usr/bin/chromedriver, wasm-opt on PATH.
// Takes about a minute a mutant; it is not part of `cargo xtask test`.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tree = path.join(root, "target/mutants/tree");
const mutants = JSON.parse(readFileSync(path.join(root, "tests/mutants/mutants.json"), "utf8"));
const words = process.argv.slice(2);
const chosen = mutants.filter((m) => words.length === 0 || words.some((w) => m.name.includes(w)));

function copySources() {
  mkdirSync(tree, { recursive: true });
  for (const entry of ["src", "tests", "Cargo.toml", "Cargo.lock", "webdriver.json", "sandbox", "xtask", "fuzz"]) {
    rmSync(path.join(tree, entry), { recursive: true, force: true });
    cpSync(path.join(root, entry), path.join(tree, entry), {
      recursive: true,
      filter: (p) => !p.includes(`${path.sep}node_modules`) && !p.includes(`${path.sep}target`),
    });
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

async function startSandbox(schema) {
  const child = spawn(path.join(root, "target/debug/quiltt-sandbox"), ["--port", "0", "--schema", schema], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      const found = String(d).match(/http:\/\/127\.0\.0\.1:\d+/);
      if (found) resolve(found[0]);
    });
    child.on("exit", () => reject(new Error("the sandbox exited; build it with cargo build -p quiltt-sandbox")));
  });
  return { url, stop: () => child.kill() };
}

/** Whether `name` failed in wasm-bindgen-test's output (or never finished: a hang). */
function failed(out, name) {
  if (new RegExp(`^test ${name} \\.\\.\\. FAIL`, "m").test(out)) return "failed";
  if (!new RegExp(`^test ${name} \\.\\.\\. ok`, "m").test(out) && /Failed to detect test as having been run/.test(out)) {
    return "hung (timed out)";
  }
  return null;
}

const rows = [];
for (const mutant of chosen) {
  copySources();
  const file = path.join(tree, mutant.file);
  const text = readFileSync(file, "utf8");
  if (text.split(mutant.replace).length !== 2) {
    rows.push([mutant.name, mutant.mustFail, "STALE: the text to replace is not in the source once"]);
    continue;
  }
  writeFileSync(file, text.replace(mutant.replace, mutant.with));
  const schema = mutant.schema ?? "2025";
  const sandbox = await startSandbox(schema);
  const { out } = await run(
    "wasm-pack",
    ["test", "--headless", "--chrome", "--chromedriver", process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver",
      "--", "--features", "js,talc-allocator", "--test", mutant.test],
    { cwd: tree, env: { ...process.env, QUILTT_SANDBOX_URL: sandbox.url, QUILTT_SANDBOX_SCHEMA: schema, WASM_BINDGEN_TEST_TIMEOUT: "60" } },
  );
  sandbox.stop();
  const verdict = failed(out, mutant.mustFail);
  rows.push([mutant.name, `${mutant.test}::${mutant.mustFail}`, verdict ?? "SURVIVED (the test passed)"]);
  console.log(`${mutant.name}: ${verdict ?? "SURVIVED"}`);
}
console.log("\n| mutant (issue 15 point) | test that must fail | seen |\n|---|---|---|");
for (const [name, test, seen] of rows) {
  const issue = mutants.find((m) => m.name === name).issue;
  console.log(`| \`${name}\` (${issue}) | \`${test}\` | ${seen} |`);
}
process.exit(rows.every(([, , seen]) => seen === "failed" || seen.startsWith("hung")) ? 0 : 1);
