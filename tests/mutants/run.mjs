// Shows that the browser tests fail without the fixes they cover (issue 15's, then later ones): each mutant of mutants.json
// undoes one fix (one text replacement in src/), and the test it names must then fail, or hang
// until wasm-bindgen-test's timeout (for a fix against hangs) while it is the test running.
//
//   cargo xtask mutants [names…]             # builds the sandbox first, then runs this
//   node tests/mutants/run.mjs [names…]      # every mutant, or those whose names contain a word
//
// The sources are copied into target/mutants/tree (the checkout is never touched) and built
// there (target/mutants/tree/target, warm after the first mutant, whatever CARGO_TARGET_DIR
// says). Each mutant gets a fresh sandbox ($QUILTT_SANDBOX_BIN, or target/debug/quiltt-sandbox)
// on 127.0.0.1, serving the mutant's `schema` (default 2025). Needs what the browser tests
// need: wasm-pack, chromedriver at $CHROMEDRIVER or /usr/bin/chromedriver, wasm-opt on PATH.
// Takes about a minute a mutant; it is not part of `cargo xtask test`.
//
// A mutant is caught when its test's own line says FAIL, or when the run timed out while its
// test was the one running: the last "Invoking test: <name>" line wasm-bindgen-test logged
// names it and no result line does. Anything else (the test passed, another test hung, the
// test never ran, the mutant did not build) is not caught.
//
// A mutant whose fix an end-to-end scenario proves names it (`"e2e": "<scenario>"`) instead of
// a test: the tree then also gets the package's sources (js/, www/, the npm files), the package
// is built there (`cargo xtask pkg`, a few minutes the first time), and the scenario runs
// against a sandbox serving that package. It is caught when the e2e runner reports it FAIL.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tree = path.join(root, "target/mutants/tree");
const mutants = JSON.parse(readFileSync(path.join(root, "tests/mutants/mutants.json"), "utf8"));
const words = process.argv.slice(2);
const chosen = mutants.filter((m) => words.length === 0 || words.some((w) => m.name.includes(w)));

/** What the tree holds of the checkout; an e2e mutant needs the package's sources too. */
const SOURCES = ["src", "core", "tests", "Cargo.toml", "Cargo.lock", "webdriver.json", "sandbox", "xtask", "fuzz"];
const PACKAGE_SOURCES = ["js", "www", "package.json", "package-lock.json", "pkg.json.template", "README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"];

function copySources(e2e) {
  mkdirSync(tree, { recursive: true });
  for (const entry of [...SOURCES, ...(e2e ? PACKAGE_SOURCES : [])]) {
    if (!existsSync(path.join(root, entry))) continue;
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

const sandboxBin = process.env.QUILTT_SANDBOX_BIN ?? path.join(root, "target/debug/quiltt-sandbox");

async function startSandbox(schema, extra = []) {
  const child = spawn(sandboxBin, ["--port", "0", "--schema", schema, ...extra], {
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

/**
 * What wasm-bindgen-test's output `out` shows of the test `name`: `{ caught, seen }`. Caught:
 * its result line says FAIL, or the run timed out while it was the test running (the last
 * "Invoking test:" line of the console output names it, and it has no result line).
 */
function verdict(out, name) {
  const same = (test) => test === name || test.endsWith(`::${name}`);
  const results = [...out.matchAll(/^test (\S+) \.\.\. (\S+)/gm)].filter((m) => same(m[1]));
  if (results.some((m) => m[2] === "FAIL")) return { caught: true, seen: "failed" };
  if (results.length > 0) return { caught: false, seen: `SURVIVED (the test said ${results[0][2]})` };
  if (/error(\[E\d+\])?: could not compile|Compilation of your program failed/.test(out)) {
    return { caught: false, seen: "NOT CAUGHT: the mutant did not build" };
  }
  const invoked = [...out.matchAll(/^\s*Invoking test: (\S+)\s*$/gm)].map((m) => m[1]);
  const timedOut = /Failed to detect test as having been run/.test(out);
  if (timedOut && invoked.length > 0 && same(invoked.at(-1))) {
    return { caught: true, seen: "hung (timed out while it ran)" };
  }
  if (timedOut && invoked.length > 0) {
    return { caught: false, seen: `NOT CAUGHT: the run timed out in ${invoked.at(-1)}` };
  }
  if (timedOut) return { caught: false, seen: "NOT CAUGHT: the run timed out before any test started" };
  return { caught: false, seen: "NOT CAUGHT: the test never ran" };
}

/**
 * The package built from the mutated tree, and its e2e scenario run against a sandbox serving
 * it: `{ caught, seen, out }`.
 */
async function runE2e(mutant, schema) {
  // The checkout's npm packages serve the tree as they are (wasm-opt, playwright-core, graphql):
  // a link (its stamp says they match the lock, so no `npm ci` runs in the tree).
  const modules = path.join(tree, "node_modules");
  if (!existsSync(modules)) symlinkSync(path.join(root, "node_modules"), modules, "dir");
  const env = { ...process.env, CARGO_TARGET_DIR: path.join(tree, "target") };
  const built = await run("cargo", ["run", "-q", "-p", "xtask", "--", "pkg"], { cwd: tree, env });
  if (built.code !== 0) return { caught: false, seen: "NOT CAUGHT: the mutant's package did not build", out: built.out };
  const sandbox = await startSandbox(schema, ["--www", path.join(tree, "www"), "--pkg", path.join(tree, "pkg"), "--csp"]);
  const { out } = await run("node", ["tests/e2e/run.mjs", mutant.e2e], {
    cwd: tree,
    env: { ...env, QUILTT_SANDBOX_URL: sandbox.url, CHROMIUM: process.env.CHROMIUM ?? "/usr/bin/chromium" },
  });
  sandbox.stop();
  const line = out.match(new RegExp(`^(PASS|FAIL) ${mutant.e2e} `, "m"));
  if (!line) return { caught: false, seen: "NOT CAUGHT: the scenario never ran", out };
  return line[1] === "FAIL"
    ? { caught: true, seen: "failed", out }
    : { caught: false, seen: "SURVIVED (the scenario passed)", out };
}

const rows = [];
for (const mutant of chosen) {
  copySources(Boolean(mutant.e2e));
  const file = path.join(tree, mutant.file);
  const text = readFileSync(file, "utf8");
  if (text.split(mutant.replace).length !== 2) {
    rows.push([mutant.name, mutant.e2e ? `e2e ${mutant.e2e}` : `${mutant.test}::${mutant.mustFail}`, "STALE: the text to replace is not in the source once", false]);
    console.log(`${mutant.name}: STALE`);
    continue;
  }
  writeFileSync(file, text.replace(mutant.replace, mutant.with));
  const schema = mutant.schema ?? "2025";
  if (mutant.e2e) {
    const { caught, seen, out } = await runE2e(mutant, schema);
    writeFileSync(path.join(root, "target/mutants", `${mutant.name}.log`), out);
    rows.push([mutant.name, `e2e ${mutant.e2e}`, seen, caught]);
    console.log(`${mutant.name}: ${seen}`);
    continue;
  }
  const sandbox = await startSandbox(schema);
  const { out } = await run(
    "wasm-pack",
    ["test", "--headless", "--chrome", "--chromedriver", process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver",
      "--", "--features", "js,talc-allocator", "--test", mutant.test],
    {
      cwd: tree,
      env: {
        ...process.env,
        CARGO_TARGET_DIR: path.join(tree, "target"),
        QUILTT_SANDBOX_URL: sandbox.url,
        QUILTT_SANDBOX_SCHEMA: schema,
        WASM_BINDGEN_TEST_TIMEOUT: "60",
      },
    },
  );
  sandbox.stop();
  const { caught, seen } = verdict(out, mutant.mustFail);
  writeFileSync(path.join(root, "target/mutants", `${mutant.name}.log`), out);
  rows.push([mutant.name, `${mutant.test}::${mutant.mustFail}`, seen, caught]);
  console.log(`${mutant.name}: ${seen}`);
}
console.log("\n| mutant (issue) | test that must fail | seen |\n|---|---|---|");
for (const [name, test, seen] of rows) {
  const issue = mutants.find((m) => m.name === name).issue;
  console.log(`| \`${name}\` (${issue}) | \`${test}\` | ${seen} |`);
}
console.log("\n(each run's output: target/mutants/<mutant>.log)");
process.exit(rows.every(([, , , caught]) => caught) ? 0 : 1);
