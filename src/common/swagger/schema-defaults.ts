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
