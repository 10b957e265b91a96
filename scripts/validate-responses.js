#!/usr/bin/env node
/**
 * Validates every response the e2e suite recorded (E2E_RESPONSES_FILE, one JSON line each) against
 * openapi.json: the status must be documented for the operation, and a JSON body must match the
 * documented schema (ajv, strict about types, nulls and required fields). Prints how many responses were
 * validated and fails on any mismatch. Usage: node scripts/validate-responses.js <responses.jsonl>
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const file = process.argv[2] ?? process.env.E2E_RESPONSES_FILE;
if (!file) {
  process.stderr.write('usage: validate-responses.js <responses.jsonl>\n');
  process.exit(2);
}
const document = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));

/** OpenAPI 3.0 schema -> JSON Schema: `nullable` adds null to the type (and to an enum); examples are dropped. */
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples' || key === 'nullable' || key === 'deprecated' || key === 'xml') continue;
    if (key === '$ref') out.$ref = value.replace('#/components/schemas/', 'doc#/definitions/');
    else if (key === 'properties')
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, toJsonSchema(child)]));
    else out[key] = toJsonSchema(value);
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: false });
addFormats(ajv);
for (const format of ['int32', 'int64', 'password', 'float', 'double']) ajv.addFormat(format, true);
ajv.addSchema({ $id: 'doc', definitions: toJsonSchema(document.components.schemas) });

const operations = [];
for (const [template, item] of Object.entries(document.paths)) {
  const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\/$/, '')}/?$`);
  for (const [method, operation] of Object.entries(item)) {
    if (typeof operation === 'object' && operation.responses)
      operations.push({ method: method.toUpperCase(), template, pattern, operation });
  }
}

function resolveResponse(response) {
  return response && response.$ref ? document.components.responses[response.$ref.replace('#/components/responses/', '')] : response;
}

const validators = new Map();
function validatorFor(key, schema) {
  if (!validators.has(key)) validators.set(key, ajv.compile(toJsonSchema(schema)));
  return validators.get(key);
}

const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
let validated = 0;
let undocumentedRoute = 0;
const mismatches = [];
for (const line of lines) {
  const { method, path, status, contentType, text } = JSON.parse(line);
  const bare = path.split('?')[0];
  const found = operations.find((candidate) => candidate.method === method && candidate.pattern.test(bare));
  if (!found) {
    // Unknown routes (404 by design) and routes the document leaves out on purpose.
    undocumentedRoute += 1;
    continue;
  }
  const response = resolveResponse(found.operation.responses[String(status)] ?? found.operation.responses.default);
  const where = `${method} ${found.template} -> ${status}`;
  if (!response) {
    mismatches.push(`${where}: status not documented (${text.slice(0, 120)})`);
    continue;
  }
  validated += 1;
  const schema = response.content?.['application/json']?.schema;
  if (!schema || !contentType || !contentType.includes('json')) continue;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    mismatches.push(`${where}: body is not JSON`);
    continue;
  }
  const validate = validatorFor(`${method} ${found.template} ${status}`, schema);
  if (!validate(body)) mismatches.push(`${where}: ${ajv.errorsText(validate.errors)} (${text.slice(0, 160)})`);
}

const distinct = [...new Set(mismatches.map((mismatch) => mismatch.replace(/ \(.*$/, '')))];
process.stdout.write(
  `validated ${validated} responses against openapi.json (${undocumentedRoute} to routes outside the document); ${mismatches.length} mismatches\n`,
);
for (const mismatch of distinct.slice(0, 60)) process.stdout.write(`  ${mismatch}\n`);
process.exit(mismatches.length > 0 ? 1 : 0);
