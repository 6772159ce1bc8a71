// Tests of xtask/wasm-names.mjs on a small module laid out as wasm-bindgen 0.2 lays out its
// output for `--target web`: `node --test xtask/wasm-names.test.mjs` (`cargo xtask test` runs it).

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

import binaryen from "binaryen";
import * as esbuild from "esbuild";

import { check, shorten } from "./wasm-names.mjs";

const STEM = "m";

// Two hashed imports, a hashed export, memory and the start function.
const WAT = `(module
  (import "./${STEM}_bg.js" "__wbg_log_0123456789abcdef" (func $log (param i32)))
  (import "./${STEM}_bg.js" "__wbg_now_fedcba9876543210" (func $now (result i32)))
  (memory $mem 1)
  (export "memory" (memory $mem))
  (func $add (param i32 i32) (result i32) (i32.add (i32.add (local.get 0) (local.get 1)) (call $now)))
  (export "add_numbers_0011223344556677" (func $add))
  (func $start (call $log (i32.const 7)))
  (export "__wbindgen_start" (func $start)))`;

// The shape of wasm-bindgen's glue: an import object per module built by one function, handed to
// WebAssembly in initSync and in the async loader (through a parameter), and one variable holding
// the exports, read by name, compared and returned.
const GLUE = `/* @ts-self-types="./${STEM}.d.ts" */
export function add(a, b) {
    const ret = wasm.add_numbers_0011223344556677(a, b);
    return ret;
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_log_0123456789abcdef: function(arg0) {
            globalThis.wasmNamesLogged = arg0;
        },
        __wbg_now_fedcba9876543210: function() {
            return 40;
        },
    };
    return {
        __proto__: null,
        "./${STEM}_bg.js": import0,
    };
}
let wasmModule, wasm;
function __wbg_finalize_init(instance, module) {
    wasm = instance.exports;
    wasmModule = module;
    wasm.__wbindgen_start();
    return wasm;
}
async function __wbg_load(module, imports) {
    const { instance } = await WebAssembly.instantiate(module, imports);
    return { instance, module };
}
function initSync(module) {
    if (wasm !== undefined) return wasm;
    if (Object.getPrototypeOf(module) === Object.prototype) ({ module } = module);
    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) module = new WebAssembly.Module(module);
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}
async function __wbg_init(bytes) {
    if (wasm !== undefined) return wasm;
    const imports = __wbg_get_imports();
    const { instance, module } = await __wbg_load(bytes, imports);
    return __wbg_finalize_init(instance, module);
}
export { initSync, __wbg_init as default };
`;

const TYPES = `export function add(a: number, b: number): number;
export type SyncInitInput = BufferSource | WebAssembly.Module;
export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly add_numbers_0011223344556677: (a: number, b: number) => number;
    readonly __wbindgen_start: () => void;
}
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;
`;

const WASM_TYPES = `/* tslint:disable */
export const memory: WebAssembly.Memory;
export const add_numbers_0011223344556677: (a: number, b: number) => number;
export const __wbindgen_start: () => void;
`;

/** A package directory with the module and `glue`; returns its path. */
function fixture(glue = GLUE, wat = WAT) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wasm-names-"));
  const mod = binaryen.parseText(wat);
  fs.writeFileSync(path.join(dir, `${STEM}_bg.wasm`), mod.emitBinary());
  mod.dispose();
  fs.writeFileSync(path.join(dir, `${STEM}.js`), glue);
  fs.writeFileSync(path.join(dir, `${STEM}.d.ts`), TYPES);
  fs.writeFileSync(path.join(dir, `${STEM}_bg.wasm.d.ts`), WASM_TYPES);
  fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  return dir;
}

const read = (dir, file) => fs.readFileSync(path.join(dir, file), "utf8");

function wasmNames(dir) {
  const mod = new WebAssembly.Module(fs.readFileSync(path.join(dir, `${STEM}_bg.wasm`)));
  return {
    imports: WebAssembly.Module.imports(mod).map((i) => `${i.module} ${i.name}`),
    exports: WebAssembly.Module.exports(mod).map((e) => e.name),
  };
}

test("renames the .wasm, the glue and the declarations alike; the module still runs", async () => {
  const dir = fixture();
  assert.notEqual((await check(dir, STEM)).length, 0, "the hashed names are reported before");
  const r = await shorten(dir, STEM);
  assert.equal(r.skipped, false);
  assert.equal(r.imports, 2);
  assert.equal(r.exports, 2); // memory kept

  const { imports, exports } = wasmNames(dir);
  assert.ok(imports.every((i) => !/_[0-9a-f]{16}/.test(i) && !i.startsWith("./")), imports.join());
  assert.ok(exports.includes("memory"));
  assert.ok(exports.every((e) => e === "memory" || e.length <= 2), exports.join());

  const glue = read(dir, `${STEM}.js`);
  assert.ok(!glue.includes("0123456789abcdef") && !glue.includes("add_numbers"), glue);
  assert.ok(glue.includes("__proto__: null"), "the prototype setters stay");
  const types = read(dir, `${STEM}.d.ts`);
  assert.ok(types.includes("readonly memory: WebAssembly.Memory;"));
  assert.ok(!types.includes("add_numbers") && !types.includes("__wbindgen_start"), types);
  assert.ok(types.includes("export function add(a: number, b: number): number;"), "the API keeps its names");
  assert.ok(!read(dir, `${STEM}_bg.wasm.d.ts`).includes("add_numbers"));

  assert.deepEqual(await check(dir, STEM), []);
  const mod = await import(pathToFileURL(path.join(dir, `${STEM}.js`)).href);
  const bytes = fs.readFileSync(path.join(dir, `${STEM}_bg.wasm`));
  globalThis.wasmNamesLogged = undefined;
  const out = await mod.default(bytes);
  assert.ok(out.memory instanceof WebAssembly.Memory);
  assert.equal(globalThis.wasmNamesLogged, 7, "the start function called the renamed import");
  assert.equal(mod.add(1, 2), 43, "the renamed export and import run");
});

test("a second run changes nothing, and the check follows the minified glue", async () => {
  const dir = fixture();
  await shorten(dir, STEM);
  const files = () => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
  const before = files();
  assert.equal((await shorten(dir, STEM)).skipped, true);
  assert.deepEqual(files(), before);

  const glue = path.join(dir, `${STEM}.js`);
  fs.writeFileSync(glue, esbuild.transformSync(read(dir, `${STEM}.js`), { minify: true }).code);
  assert.deepEqual(await check(dir, STEM), []);
});

test("the check finds an import the glue lacks, an export it can't find, a hashed name", async () => {
  const dir = fixture();
  await shorten(dir, STEM);
  // The glue as wasm-bindgen wrote it beside the renamed .wasm.
  fs.writeFileSync(path.join(dir, `${STEM}.js`), GLUE);
  const problems = (await check(dir, STEM)).join("\n");
  assert.match(problems, /the \.wasm imports a \S+, which the glue does not provide/);
  assert.match(problems, /the glue reads the export add_numbers_0011223344556677, which the \.wasm does not have/);
  assert.match(problems, /a hashed name is left: __wbg_log_0123456789abcdef/);
});

test("refuses glue it can't follow instead of renaming part of it", async () => {
  const cases = [
    [GLUE.replace(/ {8}__wbg_now_fedcba9876543210: function\(\) \{\n {12}return 40;\n {8}\},\n/, ""), /lacks what the \.wasm imports: \.\/m_bg\.js __wbg_now_fedcba9876543210/],
    [GLUE.replace("wasm.__wbindgen_start();", "wasm.__wbindgen_start(); wasm.gone_0011223344556677();"), /reads wasm\.gone_0011223344556677, which the \.wasm does not export/],
    [GLUE.replace("wasm.__wbindgen_start();", 'wasm.__wbindgen_start(); wasm["__wbindgen_" + "start"]();'), /a name computed at run time/],
    [GLUE.replace("return wasm;\n}\nasync", "return Object.keys(wasm);\n}\nasync"), /uses the exports object wasm in a CallExpression/],
  ];
  for (const [glue, expected] of cases) {
    assert.notEqual(glue, GLUE, `the test's edit applies (${expected})`);
    const dir = fixture(glue);
    const wasm = fs.readFileSync(path.join(dir, `${STEM}_bg.wasm`));
    await assert.rejects(shorten(dir, STEM), expected);
    assert.deepEqual(fs.readFileSync(path.join(dir, `${STEM}_bg.wasm`)), wasm, "nothing written after a refusal");
    assert.equal(read(dir, `${STEM}.js`), glue);
  }
});

test("refuses to merge two import modules the glue provides apart", async () => {
  // As with a `#[wasm_bindgen(module = ...)]` snippet: a second module beside wasm-bindgen's.
  const wat = WAT.replace('(import "./m_bg.js" "__wbg_now_fedcba9876543210"', '(import "./snippets/x.js" "__wbg_now_fedcba9876543210"');
  const glue = GLUE.replace('"./m_bg.js": import0,', '"./m_bg.js": import0,\n        "./snippets/x.js": { now: function() { return 40; } },')
    .replace(/ {8}__wbg_now_fedcba9876543210: function\(\) \{\n {12}return 40;\n {8}\},\n/, "")
    .replace("{ now: function", "{ __wbg_now_fedcba9876543210: function");
  assert.notEqual(wat, WAT);
  assert.equal((glue.match(/__wbg_now_fedcba9876543210/g) ?? []).length, 1, glue);
  const dir = fixture(glue, wat);
  await assert.rejects(shorten(dir, STEM), /merged the import modules \.\/m_bg\.js, \.\/snippets\/x\.js into one/);
});
