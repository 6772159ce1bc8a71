// Shortens the names the package's .wasm and wasm-bindgen's JS glue share, and checks that the
// two still agree. `cargo xtask pkg` runs it on pkg/ (see xtask/src/pkg.rs):
//
//   node xtask/wasm-names.mjs shorten pkg   after wasm-pack, on wasm-bindgen's output
//   node xtask/wasm-names.mjs check pkg     after the glue is minified, on what ships
//
// wasm-bindgen names each import after the JS function plus a 16-hex-digit hash
// (`__wbg_get_2080c49015e35254`) and each closure export after its mangled Rust symbol; the names
// sit in both files and hashes don't compress. Binaryen's
// `--minify-imports-and-exports-and-modules` renames every import, export and import module of
// the .wasm and prints the old -> new map; this script applies that map, and nothing else, to the
// glue and to the TypeScript declarations that name the exports. Each file is read by a parser:
// the .wasm by Binaryen (and WebAssembly.Module for the check), the glue by acorn with
// eslint-scope resolving which variable each name is, the declarations by @babel/parser. No step
// searches the text: every edit replaces the source range of a node the parser found, and a name
// the map lists but the glue doesn't hold where wasm-bindgen puts it fails the build.
//
// The `memory` export keeps its name: init() resolves to the module's exports and apps read
// `(await init()).memory` (the e2e plain page checks it).

import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

import * as acorn from "acorn";
import * as eslintScope from "eslint-scope";
import * as babel from "@babel/parser";
import binaryen from "binaryen";

/** Exports that keep their names (apps read them from what init() resolves to). */
export const KEPT_EXPORTS = ["memory"];

/** A name with one of wasm-bindgen's hashes in it (16 hex digits between underscores or ends). */
const HASHED = /(^|_)[0-9a-f]{16}(_|$)/;

/** The package's files for the module `stem` (wasm-pack's `--out-name`). */
export function files(dir, stem = "quiltt_reconnect") {
  return {
    wasm: path.join(dir, `${stem}_bg.wasm`),
    glue: path.join(dir, `${stem}.js`),
    types: path.join(dir, `${stem}.d.ts`),
    wasmTypes: path.join(dir, `${stem}_bg.wasm.d.ts`),
  };
}

// ---------------------------------------------------------------------------------------------
// The .wasm

/** Binaryen's own wasm-opt (the npm package's, the version of the binaryen.js used here). */
function wasmOptPath() {
  const pkg = createRequire(import.meta.url).resolve("binaryen/package.json");
  return path.join(path.dirname(pkg), "bin", "wasm-opt");
}

/**
 * Runs the minifying pass alone on `input` (which must still carry rustc's target_features
 * section: it tells wasm-opt the features the module uses), writes `output`, and returns the map
 * wasm-opt printed: `{ imports: [[module, old, new]...], exports: [[old, new]...] }`.
 */
function minifyWasm(input, output) {
  const args = [input, "--minify-imports-and-exports-and-modules", "-o", output];
  const run = spawnSync(wasmOptPath(), args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`could not start wasm-opt: ${run.error.message}`);
  if (run.status !== 0) {
    throw new Error(
      `wasm-opt ${args.join(" ")} failed (${run.status}): ${run.stderr.trim()}\n` +
        "(the .wasm must keep its target_features section until this step strips it)",
    );
  }
  let map;
  try {
    map = JSON.parse(run.stdout);
  } catch (e) {
    throw new Error(`wasm-opt's name map is not JSON (${e.message}):\n${run.stdout.slice(0, 500)}`);
  }
  const pairs = (list, n) => Array.isArray(list) && list.every((e) => Array.isArray(e) && e.length === n && e.every((s) => typeof s === "string"));
  if (!pairs(map.imports, 3) || !pairs(map.exports, 2)) {
    throw new Error(`unexpected shape of wasm-opt's name map: ${run.stdout.slice(0, 500)}`);
  }
  return map;
}

/**
 * Gives the KEPT_EXPORTS their names back and strips the target_features section, with
 * binaryen.js (which reads the section to know the module's features, then validates the result).
 * Returns the new bytes.
 */
function restoreKeptExports(bytes, exportMap) {
  const mod = binaryen.readBinary(bytes);
  try {
    for (const name of KEPT_EXPORTS) {
      const short = exportMap.get(name);
      if (short === undefined) continue;
      const info = binaryen.getExportInfo(mod.getExport(short));
      mod.removeExport(short);
      const add = {
        [binaryen.ExternalFunction]: "addFunctionExport",
        [binaryen.ExternalTable]: "addTableExport",
        [binaryen.ExternalMemory]: "addMemoryExport",
        [binaryen.ExternalGlobal]: "addGlobalExport",
        [binaryen.ExternalTag]: "addTagExport",
      }[info.kind];
      if (!add) throw new Error(`export ${name} has a kind (${info.kind}) this step can't re-add`);
      mod[add](info.value, name);
      exportMap.delete(name);
    }
    mod.runPasses(["strip-target-features"]);
    if (!mod.validate()) throw new Error("binaryen.js found the renamed .wasm invalid");
    return Buffer.from(mod.emitBinary());
  } finally {
    mod.dispose();
  }
}

/** The imports and exports WebAssembly itself reads from `bytes`. */
function wasmInterface(bytes) {
  const mod = new WebAssembly.Module(bytes);
  return {
    imports: WebAssembly.Module.imports(mod),
    exports: WebAssembly.Module.exports(mod),
    targetFeatures: WebAssembly.Module.customSections(mod, "target_features").length > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// The glue

/** Calls `visit(node, parent)` for every ESTree node under `root`. */
function forEachNode(root, visit, parent = null) {
  visit(root, parent);
  for (const [key, value] of Object.entries(root)) {
    if (key === "parent") continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === "object" && typeof child.type === "string") forEachNode(child, visit, root);
    }
  }
}

/** The name a property key or member property spells, or null when it is computed at run time. */
function staticName(node, computed) {
  if (!computed && node.type === "Identifier") return node.name;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  return null;
}

/** Whether `p` is `__proto__: value` in an object literal (sets the prototype; not a key). */
function isProtoSetter(p) {
  return p.type === "Property" && !p.computed && !p.shorthand && !p.method && p.kind === "init" && staticName(p.key, false) === "__proto__";
}

/**
 * Reads the glue: the import object it hands to WebAssembly (per module, each name's property)
 * and every name it reads from the module's exports. Works on wasm-bindgen's output and on its
 * minified form, since it follows variables by their scope, not by their names.
 */
export function analyzeGlue(source) {
  const ast = acorn.parse(source, { ecmaVersion: "latest", sourceType: "module", ranges: true });
  const scopes = eslintScope.analyze(ast, { ecmaVersion: 2022, sourceType: "module" });
  const parents = new Map();
  forEachNode(ast, (node, parent) => parents.set(node, parent));
  const referenceOf = new Map();
  for (const scope of scopes.scopes) for (const ref of scope.references) referenceOf.set(ref.identifier, ref);
  const variableOf = (id) => referenceOf.get(id)?.resolved ?? null;

  /** The object literal `expr` evaluates to, following constants, calls and parameters. */
  const objectOf = (expr, seen = new Set()) => {
    if (seen.has(expr)) throw new Error("the import object's definition is circular");
    seen.add(expr);
    if (expr.type === "ObjectExpression") return expr;
    if (expr.type === "AwaitExpression") return objectOf(expr.argument, seen);
    if (expr.type === "CallExpression" && expr.callee.type === "Identifier") {
      const fn = functionOf(variableOf(expr.callee));
      const returns = [];
      forEachNode(fn.body, (node) => {
        if (node.type === "ReturnStatement" && enclosingFunction(node) === fn) returns.push(node);
      });
      if (returns.length !== 1 || !returns[0].argument) {
        throw new Error(`${fn.id?.name ?? "a function"} should return the import object once`);
      }
      return objectOf(returns[0].argument, seen);
    }
    if (expr.type === "Identifier") {
      const variable = variableOf(expr);
      if (!variable || variable.defs.length !== 1) throw new Error(`can't follow ${expr.name} to the import object`);
      const def = variable.defs[0];
      if (def.type === "Variable" && def.node.init && variable.references.every((r) => !r.isWrite() || r.init)) {
        return objectOf(def.node.init, seen);
      }
      if (def.type === "Parameter") {
        // Every call of the function passes the same object.
        const fn = def.node;
        const at = fn.params.indexOf(def.name);
        if (at < 0) throw new Error(`can't follow the parameter ${expr.name} to the import object`);
        const calls = functionVariable(fn).references.map((r) => parents.get(r.identifier)).filter((p) => p?.type === "CallExpression");
        const found = new Set(calls.map((call) => objectOf(call.arguments[at], new Set(seen))));
        if (found.size !== 1) throw new Error(`${fn.id?.name ?? "a function"} is called with ${found.size} import objects`);
        return [...found][0];
      }
    }
    throw new Error(`can't follow a ${expr.type} to the import object`);
  };
  const functionOf = (variable) => {
    const def = variable?.defs.length === 1 ? variable.defs[0] : null;
    if (def?.type === "FunctionName") return def.node;
    throw new Error(`can't find the function ${variable?.name ?? "(unknown)"} that makes the import object`);
  };
  const functionVariable = (fn) => {
    const scope = scopes.acquire(fn);
    const variable = scope?.upper?.set.get(fn.id?.name);
    if (!variable) throw new Error(`can't find where ${fn.id?.name ?? "a function"} is called`);
    return variable;
  };
  const enclosingFunction = (node) => {
    for (let n = parents.get(node); n; n = parents.get(n)) if (/Function/.test(n.type)) return n;
    return null;
  };

  // Where the glue hands an import object to WebAssembly: `new WebAssembly.Instance(module,
  // imports)`, `WebAssembly.instantiate(x, imports)`, `WebAssembly.instantiateStreaming(x, imports)`.
  const sites = [];
  forEachNode(ast, (node) => {
    if (node.type !== "NewExpression" && node.type !== "CallExpression") return;
    const callee = node.callee;
    if (callee.type !== "MemberExpression" || callee.object.type !== "Identifier" || callee.object.name !== "WebAssembly") return;
    if (variableOf(callee.object)) return; // a local called WebAssembly, not the global
    const name = staticName(callee.property, callee.computed);
    const wanted = node.type === "NewExpression" ? name === "Instance" : name === "instantiate" || name === "instantiateStreaming";
    if (wanted && node.arguments.length >= 2) sites.push(node.arguments[1]);
  });
  if (sites.length === 0) throw new Error("the glue hands no import object to WebAssembly");
  const importObjects = new Set(sites.map((s) => objectOf(s)));
  if (importObjects.size !== 1) throw new Error(`the glue makes ${importObjects.size} different import objects`);
  const [importObject] = importObjects;

  // Its modules and their names.
  const modules = [];
  for (const prop of importObject.properties) {
    if (isProtoSetter(prop)) continue;
    if (prop.type !== "Property" || prop.kind !== "init") throw new Error("the import object has a spread or accessor");
    const name = staticName(prop.key, prop.computed);
    if (name === null) throw new Error("the import object has a computed module name");
    const object = objectOf(prop.value);
    const names = new Map();
    for (const p of object.properties) {
      if (isProtoSetter(p)) continue;
      if (p.type !== "Property" || p.kind !== "init") throw new Error(`import module ${name} has a spread or accessor`);
      const imported = staticName(p.key, p.computed);
      if (imported === null) throw new Error(`import module ${name} has a computed name`);
      if (names.has(imported)) throw new Error(`import module ${name} names ${imported} twice`);
      names.set(imported, p);
    }
    modules.push({ name, property: prop, names });
  }

  /**
   * Whether the value of `node` (the exports object itself, not one of its names) is only
   * compared, tested, dropped or returned (init()'s result, whose kept exports apps read):
   * no other code gets it to read a name this step doesn't see.
   */
  const valueLeavesSafely = (node) => {
    const parent = parents.get(node);
    switch (parent?.type) {
      case "ReturnStatement":
      case "ExpressionStatement":
        return true;
      case "ArrowFunctionExpression":
        return parent.body === node;
      case "BinaryExpression":
        return /^[!=]==?$/.test(parent.operator);
      case "UnaryExpression":
        return ["!", "typeof", "void"].includes(parent.operator);
      case "IfStatement":
        return parent.test === node;
      case "SequenceExpression":
        return parent.expressions.at(-1) !== node || valueLeavesSafely(parent);
      case "ConditionalExpression":
        return parent.test === node || valueLeavesSafely(parent);
      case "LogicalExpression":
        return valueLeavesSafely(parent);
      default:
        return false;
    }
  };

  // The module's exports: the one variable assigned `<instance>.exports`.
  const holders = new Set();
  forEachNode(ast, (node) => {
    if (node.type !== "AssignmentExpression" || node.operator !== "=" || node.left.type !== "Identifier") return;
    const right = node.right;
    if (right.type === "MemberExpression" && staticName(right.property, right.computed) === "exports") holders.add(variableOf(node.left));
  });
  if (holders.size !== 1 || holders.has(null)) throw new Error(`expected one variable holding the module's exports, found ${holders.size}`);
  const [holder] = holders;
  const exportReads = [];
  for (const ref of holder.references) {
    const id = ref.identifier;
    const parent = parents.get(id);
    if (parent.type === "MemberExpression" && parent.object === id) {
      const name = staticName(parent.property, parent.computed);
      if (name === null) throw new Error(`the glue reads ${holder.name}[...] with a name computed at run time`);
      exportReads.push({ name, node: parent });
    } else if (!ref.isWrite() && !valueLeavesSafely(id)) {
      throw new Error(`the glue uses the exports object ${holder.name} in a ${parent.type}, which this step can't follow`);
    }
  }

  return { ast, modules, exportReads, exportsVariable: holder.name };
}

/** `name` as a property key or after a dot: itself when it is an identifier, else quoted. */
function keyText(name) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

/** Replaces each `[start, end, text]` range of `source`; the ranges must not overlap. */
function applyEdits(source, edits) {
  edits.sort((a, b) => b[0] - a[0]);
  let out = source;
  let limit = Infinity;
  for (const [start, end, text] of edits) {
    if (end > limit) throw new Error("overlapping edits");
    out = out.slice(0, start) + text + out.slice(end);
    limit = start;
  }
  return out;
}

/** Renames the glue's import modules and names and the exports it reads, as `maps` says. */
export function renameGlue(source, { modules: moduleMap, imports: importMap, exports: exportMap }, kept = KEPT_EXPORTS) {
  const glue = analyzeGlue(source);
  const edits = [];
  const provided = new Set();
  // Binaryen merges every import module into one; the glue provides each module as one object,
  // so two of them (wasm-bindgen's snippets, say) would become two keys of the same name.
  const merged = glue.modules.filter((m) => moduleMap.has(m.name));
  if (new Set(merged.map((m) => moduleMap.get(m.name))).size !== merged.length) {
    throw new Error(`wasm-opt merged the import modules ${merged.map((m) => m.name).join(", ")} into one, which the glue provides apart`);
  }
  for (const mod of glue.modules) {
    const newModule = moduleMap.get(mod.name);
    const names = importMap.get(mod.name);
    if (newModule === undefined || names === undefined) continue; // a module the .wasm doesn't import from
    edits.push([mod.property.key.start, mod.property.key.end, keyText(newModule)]);
    for (const [old, prop] of mod.names) {
      const renamed = names.get(old);
      if (renamed === undefined) continue; // provided, but the .wasm doesn't import it
      provided.add(`${mod.name}\0${old}`);
      if (prop.shorthand) edits.push([prop.start, prop.end, `${keyText(renamed)}: ${old}`]);
      else edits.push([prop.key.start, prop.key.end, keyText(renamed)]);
    }
  }
  const missing = [];
  for (const [module, names] of importMap) {
    for (const old of names.keys()) if (!provided.has(`${module}\0${old}`)) missing.push(`${module} ${old}`);
  }
  if (missing.length) throw new Error(`the glue's import object lacks what the .wasm imports: ${missing.join(", ")}`);
  for (const { name, node } of glue.exportReads) {
    if (kept.includes(name)) continue;
    const renamed = exportMap.get(name);
    if (renamed === undefined) throw new Error(`the glue reads ${glue.exportsVariable}.${name}, which the .wasm does not export`);
    const text = keyText(renamed);
    if (text === renamed && !node.computed) edits.push([node.property.start, node.property.end, renamed]);
    else edits.push([node.object.end, node.end, `${node.optional ? "?." : ""}[${JSON.stringify(renamed)}]`]);
  }
  return applyEdits(source, edits);
}

// ---------------------------------------------------------------------------------------------
// The TypeScript declarations

/**
 * The exports a declaration file names, with the source range of each name: the members of
 * `interface InitOutput` in the glue's (`kind` "glue"), the `export const`s in the .wasm's
 * (`kind` "wasm").
 */
function declaredExports(source, kind) {
  const ast = babel.parse(source, { sourceType: "module", plugins: [["typescript", { dts: true }]] });
  const names = [];
  const nameNode = (node, name) => {
    // An Identifier's range may cover its type annotation; the name is its first characters.
    if (source.slice(node.start, node.start + name.length) !== name) throw new Error(`unexpected source range for ${name}`);
    names.push({ name, start: node.start, end: node.start + name.length });
  };
  let found = false;
  for (let stmt of ast.program.body) {
    if (stmt.type === "ExportNamedDeclaration" && stmt.declaration) stmt = stmt.declaration;
    if (kind === "glue" && stmt.type === "TSInterfaceDeclaration" && stmt.id.name === "InitOutput") {
      found = true;
      for (const member of stmt.body.body) {
        if (member.type !== "TSPropertySignature" || member.computed) throw new Error("InitOutput has a member that is not a plain property");
        const key = member.key;
        if (key.type === "Identifier") nameNode(key, key.name);
        else if (key.type === "StringLiteral") names.push({ name: key.value, start: key.start, end: key.end });
        else throw new Error(`InitOutput has a ${key.type} key`);
      }
    } else if (kind === "wasm" && stmt.type === "VariableDeclaration") {
      found = true;
      for (const decl of stmt.declarations) {
        if (decl.id.type !== "Identifier") throw new Error("a declared export is not a plain name");
        nameNode(decl.id, decl.id.name);
      }
    }
  }
  if (!found) throw new Error(kind === "glue" ? "the declarations have no InitOutput" : "the .wasm's declarations declare no export");
  return names;
}

/** Renames the exports a declaration file names (see declaredExports). */
function renameDeclarations(source, kind, exportMap) {
  const edits = [];
  for (const { name, start, end } of declaredExports(source, kind)) {
    if (KEPT_EXPORTS.includes(name)) continue;
    const renamed = exportMap.get(name);
    if (renamed === undefined) throw new Error(`the declarations name the export ${name}, which the .wasm does not have`);
    if (kind === "wasm" && keyText(renamed) !== renamed) throw new Error(`${renamed} can't be declared as a const`);
    edits.push([start, end, kind === "glue" ? keyText(renamed) : renamed]);
  }
  return applyEdits(source, edits);
}

// ---------------------------------------------------------------------------------------------
// The steps

/** Checks that the .wasm, the glue and the declarations in `dir` agree; returns the problems. */
export async function check(dir, stem) {
  const f = files(dir, stem);
  const problems = [];
  const bytes = fs.readFileSync(f.wasm);
  const wasm = wasmInterface(bytes);
  const exported = new Map(wasm.exports.map((e) => [e.name, e.kind]));

  const glue = analyzeGlue(fs.readFileSync(f.glue, "utf8"));
  const provided = new Set(glue.modules.flatMap((m) => [...m.names.keys()].map((n) => `${m.name}\0${n}`)));
  for (const i of wasm.imports) {
    if (!provided.has(`${i.module}\0${i.name}`)) problems.push(`the .wasm imports ${i.module} ${i.name}, which the glue does not provide`);
  }
  for (const { name } of glue.exportReads) {
    if (!exported.has(name)) problems.push(`the glue reads the export ${name}, which the .wasm does not have`);
  }
  for (const name of KEPT_EXPORTS) {
    if (!exported.has(name)) problems.push(`the .wasm does not export ${name} (init()'s result must have it)`);
  }
  for (const [kind, file] of [["glue", f.types], ["wasm", f.wasmTypes]]) {
    if (!fs.existsSync(file)) continue;
    for (const { name } of declaredExports(fs.readFileSync(file, "utf8"), kind)) {
      if (!exported.has(name)) problems.push(`${path.basename(file)} names the export ${name}, which the .wasm does not have`);
    }
  }

  // No hashed name left: the .wasm's interface, and every name and string in the glue.
  const hashed = new Set();
  for (const i of wasm.imports) for (const s of [i.module, i.name]) if (HASHED.test(s)) hashed.add(s);
  for (const e of wasm.exports) if (HASHED.test(e.name)) hashed.add(e.name);
  forEachNode(glue.ast, (node) => {
    const s = node.type === "Identifier" ? node.name : node.type === "Literal" && typeof node.value === "string" ? node.value : null;
    if (s !== null && HASHED.test(s)) hashed.add(s);
  });
  for (const s of hashed) problems.push(`a hashed name is left: ${s.length > 80 ? `${s.slice(0, 80)}...` : s}`);

  // WebAssembly's own word: instantiating the module with the glue's import object links every
  // import (a missing one is a LinkError) and runs its start function.
  if (problems.length === 0) {
    try {
      const module = await import(`${pathToFileURL(f.glue).href}?check=${Date.now()}`);
      const exports = module.initSync({ module: new WebAssembly.Module(bytes) });
      if (!(exports.memory instanceof WebAssembly.Memory)) problems.push("initSync() did not resolve to exports with a memory");
    } catch (e) {
      problems.push(`instantiating the .wasm with the glue failed: ${e.message}`);
    }
  }
  return problems;
}

/**
 * Shortens the names in `dir` (wasm-bindgen's fresh output). On a package this step already
 * shortened (no hashed name left, the glue and the .wasm agree) it does nothing.
 */
export async function shorten(dir, stem) {
  const f = files(dir, stem);
  const bytes = fs.readFileSync(f.wasm);
  const before = wasmInterface(bytes);
  if (!before.targetFeatures && (await check(dir, stem)).length === 0) {
    return { skipped: true };
  }

  const minified = `${f.wasm}.minified`;
  let map;
  let out;
  try {
    map = minifyWasm(f.wasm, minified);
    const exportMap = new Map(map.exports);
    out = restoreKeptExports(fs.readFileSync(minified), exportMap);
    map.exportMap = exportMap;
  } finally {
    fs.rmSync(minified, { force: true });
  }

  // The module each old import module became: binaryen prints only the names, so read it from the
  // minified .wasm's imports.
  const after = wasmInterface(out);
  const moduleOfImport = new Map(after.imports.map((i) => [i.name, i.module]));
  const moduleMap = new Map();
  const importMap = new Map();
  for (const [module, old, renamed] of map.imports) {
    const newModule = moduleOfImport.get(renamed);
    if (newModule === undefined) throw new Error(`the minified .wasm has no import ${renamed} (was ${module} ${old})`);
    if (moduleMap.has(module) && moduleMap.get(module) !== newModule) throw new Error(`import module ${module} was split`);
    moduleMap.set(module, newModule);
    if (!importMap.has(module)) importMap.set(module, new Map());
    importMap.get(module).set(old, renamed);
  }
  if (map.imports.length !== before.imports.length) {
    throw new Error(`wasm-opt renamed ${map.imports.length} of the ${before.imports.length} imports`);
  }

  const glue = renameGlue(fs.readFileSync(f.glue, "utf8"), { modules: moduleMap, imports: importMap, exports: map.exportMap });
  const declarations = [["glue", f.types], ["wasm", f.wasmTypes]]
    .filter(([, file]) => fs.existsSync(file))
    .map(([kind, file]) => [file, renameDeclarations(fs.readFileSync(file, "utf8"), kind, map.exportMap)]);

  // Everything renamed in memory first; now write.
  fs.writeFileSync(f.wasm, out);
  fs.writeFileSync(f.glue, glue);
  for (const [p, text] of declarations) fs.writeFileSync(p, text);
  return { skipped: false, imports: map.imports.length, exports: map.exportMap.size, modules: [...moduleMap], bytes: [bytes.length, out.length] };
}

async function main() {
  const [mode, dir, stem] = process.argv.slice(2);
  if (!["shorten", "check"].includes(mode) || !dir) {
    console.error("usage: node xtask/wasm-names.mjs <shorten|check> <pkg dir> [out-name]");
    process.exit(2);
  }
  if (mode === "shorten") {
    const r = await shorten(dir, stem);
    if (r.skipped) {
      console.log(`[wasm-names] ${dir}: names already shortened, nothing to do`);
    } else {
      const modules = r.modules.map(([a, b]) => `${a} -> ${b}`).join(", ");
      console.log(`[wasm-names] renamed ${r.imports} imports (module ${modules}) and ${r.exports} exports (${KEPT_EXPORTS.join(", ")} kept); .wasm ${r.bytes[0]} -> ${r.bytes[1]} bytes`);
    }
  } else {
    const problems = await check(dir, stem);
    if (problems.length) {
      console.error(`[wasm-names] ${dir}: the .wasm and its glue disagree:\n  ${problems.join("\n  ")}`);
      process.exit(1);
    }
    console.log(`[wasm-names] ${dir}: every import is provided, every export read exists, no hashed name left, instantiated`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e) => {
    console.error(`[wasm-names] ${process.env.WASM_NAMES_DEBUG ? e.stack : e.message}`);
    process.exit(1);
  });
}
