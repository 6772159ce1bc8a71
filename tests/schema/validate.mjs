// Validates the client's GraphQL documents against Quiltt's three published schema generations
// (and an environment without Plaid) and the sandbox's, checks that the sandbox's inputs follow
// the published ones, and that graphql-js refuses the newest initialize document on each older
// generation exactly where the client reads which generation an endpoint speaks.
//
//   node tests/schema/validate.mjs        (from the repository root; needs `npm ci`)
//
// Prints one line per check and exits 1 when any fails. A GraphQL server rejects an invalid
// document before running it, so a document that passes the sandbox but not a published schema
// would fail against the live API: this is the test that catches it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  parse,
  validate,
} from "graphql";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const rel = (path) => relative(root, path);

// The generations, as the documents' file names (`_2025_04`) and the sandbox's files name them.
const generations = { "2023_08": "2023", "2024_08": "2024", "2025_04": "2025", "no_plaid": "no-plaid" };
const schemaFiles = {};
for (const [generation, sandbox] of Object.entries(generations)) {
  schemaFiles[`published-${generation}`] = `tests/schema/quiltt-${generation.replace("_", "-")}.graphql`;
  schemaFiles[`sandbox-${generation}`] = `sandbox/schema-${sandbox}.graphql`;
}
/** The schemas of `generation`: the published one and the sandbox's. */
const schemasOf = (generation) => [`published-${generation}`, `sandbox-${generation}`];
const withPlaid = ["2023_08", "2024_08", "2025_04"];

let failures = 0;
let passes = 0;
function report(ok, line) {
  if (ok) {
    passes += 1;
    console.log(`ok   ${line}`);
  } else {
    failures += 1;
    console.log(`FAIL ${line}`);
  }
}

const schemas = {};
for (const [name, file] of Object.entries(schemaFiles)) {
  try {
    schemas[name] = buildSchema(readFileSync(join(root, file), "utf8"));
    report(true, `schema ${name} (${file}) builds`);
  } catch (error) {
    report(false, `schema ${name} (${file}) does not build: ${error.message}`);
  }
}

function errorsOf(source, schema) {
  let document;
  try {
    document = parse(source);
  } catch (error) {
    return [error];
  }
  return validate(schema, document);
}

// 1. Every client document is valid where it is sent: an initialize document
// (`connector_plaid_initialize_2025_04.graphql`) on its own generation, the others on every
// generation; and no Plaid document is valid in the environment without Plaid.
const documentsDir = join(root, "core", "src", "quiltt", "documents");
const documents = readdirSync(documentsDir)
  .filter((f) => f.endsWith(".graphql"))
  .sort();
if (documents.length === 0) {
  report(false, `no documents found in ${rel(documentsDir)}`);
}
const sources = {};
for (const file of documents) {
  const source = readFileSync(join(documentsDir, file), "utf8");
  sources[file] = source;
  const own = withPlaid.find((g) => file.endsWith(`_${g}.graphql`));
  const plaid = file.startsWith("connector_plaid_");
  const targets = own ? [own] : plaid ? withPlaid : Object.keys(generations);
  for (const name of targets.flatMap(schemasOf).filter((n) => schemas[n])) {
    const errors = errorsOf(source, schemas[name]);
    const detail = errors.map((e) => e.message).join("; ");
    report(errors.length === 0, `${file} on ${name}${detail ? `: ${detail}` : ""}`);
  }
  if (plaid) {
    for (const name of schemasOf("no_plaid").filter((n) => schemas[n])) {
      report(errorsOf(source, schemas[name]).length > 0, `${file} is refused by ${name}`);
    }
  }
}

// 2. The validator can fail: documents that are each wrong in one known way (as the reference
// page's examples are) must be rejected by the published schemas and by the sandbox, for the
// expected reason.
const wrongVariants = [
  {
    name: "initialize with a nullable $input",
    expect: /ConnectorPlaidInitializeInput!/,
    source: `mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput) {
      connectorPlaidInitialize(input: $input) {
        success record { connectorStatus connectorToken expiration linkToken requestId }
        errors { code message }
      }
    }`,
  },
  {
    name: "close selecting logo as a leaf",
    expect: /logo/,
    source: `mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput!) {
      connectorPlaidClose(input: $input) {
        success record { id accounts { id name } institution { name logo } }
        errors { code message }
      }
    }`,
  },
  {
    name: "connectionUpdate selecting Error.code",
    expect: /code/,
    source: `mutation ConnectionUpdate($input: ConnectionUpdateInput!) {
      connectionUpdate(input: $input) { success errors { code message } }
    }`,
  },
];
for (const variant of wrongVariants) {
  for (const name of withPlaid.flatMap(schemasOf).filter((n) => schemas[n])) {
    const schema = schemas[name];
    const errors = errorsOf(variant.source, schema);
    const forTheReason = errors.some((e) => variant.expect.test(e.message));
    report(
      forTheReason,
      `self-check: "${variant.name}" is rejected by ${name}` +
        (errors.length === 0
          ? " (it validated: the validator cannot tell this mistake)"
          : forTheReason
            ? ""
            : ` (but not for the expected reason: ${errors.map((e) => e.message).join("; ")})`),
    );
  }
}

// 3. The sandbox follows the live schema: the inputs of the root fields the client uses have the
// same fields with the same types as the published generation, recursively through nested input
// types, and the enums they reach have the same values. (The sandbox may add fields and types of
// its own elsewhere, e.g. connectionSimulateError.)
const rootInputs = [
  "ConnectorPlaidInitializeInput",
  "ConnectorPlaidCloseInput",
  "ConnectionUpdateInput",
  "ConnectionFilter",
];
function compareInput(published, sandbox, typeName, seen, problems) {
  if (seen.has(typeName)) {
    return;
  }
  seen.add(typeName);
  const want = published.getType(typeName);
  const got = sandbox.getType(typeName);
  if (!got) {
    problems.push(`${typeName} is missing`);
    return;
  }
  if (isEnumType(want)) {
    const values = (t) => t.getValues().map((v) => v.name).sort().join(" ");
    if (!isEnumType(got) || values(want) !== values(got)) {
      problems.push(`enum ${typeName} is {${values(want)}} but the sandbox has {${isEnumType(got) ? values(got) : got}}`);
    }
    return;
  }
  if (!isInputObjectType(want)) {
    return;
  }
  if (!isInputObjectType(got)) {
    problems.push(`${typeName} is not an input type in the sandbox`);
    return;
  }
  const wantFields = want.getFields();
  const gotFields = got.getFields();
  for (const [field, def] of Object.entries(wantFields)) {
    if (!gotFields[field]) {
      problems.push(`${typeName}.${field}: ${def.type} is missing`);
    } else if (String(gotFields[field].type) !== String(def.type)) {
      problems.push(`${typeName}.${field} is ${def.type} but the sandbox has ${gotFields[field].type}`);
    }
    compareInput(published, sandbox, getNamedType(def.type).name, seen, problems);
  }
  for (const [field, def] of Object.entries(gotFields)) {
    if (!wantFields[field]) {
      problems.push(`${typeName}.${field}: ${def.type} is in the sandbox only`);
    }
  }
}
for (const generation of Object.keys(generations)) {
  const published = schemas[`published-${generation}`];
  const sandbox = schemas[`sandbox-${generation}`];
  if (!published || !sandbox) {
    continue;
  }
  for (const typeName of rootInputs.filter((t) => published.getType(t))) {
    const problems = [];
    compareInput(published, sandbox, typeName, new Set(), problems);
    report(
      problems.length === 0,
      `sandbox-${generation} ${typeName} (nested inputs and enums included) matches published-${generation}` +
        (problems.length ? `: ${problems.join("; ")}` : ""),
    );
  }
}

// 4. Where a server refuses the newest initialize document is what tells the client which
// generation it speaks (core/src/quiltt/generation.rs): each error's location is the start of one of
// the document's names. graphql-js must point exactly at the record fields the older generation
// lacks, or at the mutation and its input type where there is no Plaid.
const newest = sources["connector_plaid_initialize_2025_04.graphql"];
const expectedRefusals = {
  "2024_08": ["status", "token"],
  "2023_08": ["hostedLinkUrl", "status", "token"],
  no_plaid: ["ConnectorPlaidInitializeInput", "connectorPlaidInitialize"],
};
function nameAt(source, { line, column }) {
  const text = source.split("\n")[line - 1] ?? "";
  return /^[A-Za-z0-9_]*/.exec(text.slice(column - 1))[0];
}
for (const [generation, expected] of Object.entries(expectedRefusals)) {
  for (const name of schemasOf(generation)) {
    if (!newest || !schemas[name]) continue;
    const refused = [
      ...new Set(errorsOf(newest, schemas[name]).flatMap((e) => (e.locations ?? []).map((l) => nameAt(newest, l)))),
    ].sort();
    report(
      isDeepStrictEqual(refused, expected),
      `the 2025-04 initialize document is refused by ${name} at ${JSON.stringify(refused)}` +
        (isDeepStrictEqual(refused, expected) ? "" : `, expected ${JSON.stringify(expected)}`),
    );
  }
}

console.log(`${passes} passed, ${failures} failed`);
process.exitCode = failures === 0 ? 0 : 1;
