import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { FORMAT_MAX_LENGTH } from './limits';

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

/** Every object in the document except example values (which are data, not schemas). */
function* nodesOf(value: unknown): Generator<Node> {
  if (Array.isArray(value)) {
    for (const item of value) yield* nodesOf(item);
    return;
  }
  if (!isNode(value)) return;
  yield value;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'example' || key === 'examples' || key === 'default' || key === 'enum') continue;
    yield* nodesOf(child);
  }
}

/** The one type all the composed schemas share, if they do. */
function composedType(document: OpenAPIObject, schemas: Array<SchemaObject | ReferenceObject>): string | undefined {
  const types = new Set(
    schemas.map((schema) => {
      const target = '$ref' in schema ? document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] : schema;
      return (target as SchemaObject | undefined)?.type;
    }),
  );
  const [type] = types;
  return types.size === 1 && typeof type === 'string' ? type : undefined;
}

/**
 * Schema facts that follow from other facts, filled in where a schema does not state them:
 * - a string with a format and no maxLength gets the longest value of that format (a UUID is 36 characters);
 * - `nullable` gets the `type` it needs in OpenAPI 3.0 (`nullable` alone means nothing there): the type of the
 *   schema it composes, as `@ApiProperty({ type: () => Model, nullable: true })` leaves it out.
 */
export function applySchemaDefaults(document: OpenAPIObject): void {
  for (const node of nodesOf(document.paths)) fill(document, node);
  for (const node of nodesOf(document.components)) fill(document, node);
  for (const node of nodesOf(document.paths)) nullableReference(node);
  for (const node of nodesOf(document.components)) nullableReference(node);
  closeRequestBodies(document);
}

/**
 * One style for "this or null", usable by a strict validator: `nullable: true` only on a schema that has a
 * `type` and composes nothing; a nullable reference becomes `oneOf: [{ $ref }, { type: object, nullable, enum: [null] }]`
 * (OpenAPI 3.0.3's spelling of "null only"), since `nullable` beside `allOf` does not extend what the `$ref` allows.
 */
function nullableReference(node: Node): void {
  const schema = node as SchemaObject;
  const composed = schema.allOf ?? schema.oneOf ?? schema.anyOf;
  if (schema.nullable !== true || !composed) return;
  const alternatives = schema.allOf && schema.allOf.length === 1 ? schema.allOf : composed;
  delete schema.allOf;
  delete schema.anyOf;
  delete schema.nullable;
  delete schema.type;
  schema.oneOf = [...alternatives, { type: 'object', nullable: true, enum: [null] }];
}

const COMPONENT = '#/components/schemas/';

/**
 * Request bodies say `additionalProperties: false`, as the validation pipe refuses unknown fields (40001): on the
 * body schema and every object schema it reaches (nested profiles included).
 */
function closeRequestBodies(document: OpenAPIObject): void {
  const seen = new Set<unknown>();
  const close = (schema: unknown): void => {
    if (!isNode(schema) || seen.has(schema)) return;
    seen.add(schema);
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith(COMPONENT)) return close(document.components?.schemas?.[ref.slice(COMPONENT.length)]);
    const object = schema as SchemaObject;
    if (object.type === 'object' && object.properties && object.additionalProperties === undefined) object.additionalProperties = false;
    for (const child of Object.values(object.properties ?? {})) close(child);
    for (const child of [...(object.allOf ?? []), ...(object.oneOf ?? []), ...(object.anyOf ?? [])]) close(child);
    if (isNode(object.items)) close(object.items);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, unknown>)) {
      const body = isNode(operation) ? (operation.requestBody as Node | undefined) : undefined;
      const content = body && isNode(body.content) ? (body.content as Record<string, { schema?: unknown }>) : {};
      for (const media of Object.values(content)) close(media.schema);
    }
  }
}

function fill(document: OpenAPIObject, node: Node): void {
  const schema = node as SchemaObject;
  if (schema.type === 'string' && typeof schema.format === 'string' && schema.maxLength === undefined && !schema.enum) {
    const maxLength = FORMAT_MAX_LENGTH[schema.format];
    if (maxLength !== undefined) schema.maxLength = maxLength;
  }
  if (schema.nullable === true && schema.type === undefined) {
    const type = composedType(document, [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]);
    if (!type) throw new Error(`nullable schema without a type, give it one: ${JSON.stringify(schema).slice(0, 200)}`);
    schema.type = type;
  }
}
