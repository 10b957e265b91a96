import fc from 'fast-check';
import { jsonArrayElements } from '../../src/imports/sources/json-stream';
import { MalformedExportError } from '../../src/imports/sources/import-record';

async function collect(chunks: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const element of jsonArrayElements(
    (async function* gen() {
      yield* chunks;
    })(),
  ))
    out.push(element);
  return out;
}

const split = (text: string, size: number): string[] =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('jsonArrayElements: the streamed export reader', () => {
  it('gives the same elements as JSON.parse, however the text is cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        async (values, size, pretty) => {
          const text = JSON.stringify(values, null, pretty ? 2 : undefined);
          expect(await collect(split(text, size))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([['{"a": 1}'], ['[1, 2'], ['[1,, 2]'], ['[1] [2]'], [''], ['[{"a": "unterminated]']])('refuses %j', async (text) => {
    await expect(collect(split(text, 3))).rejects.toBeInstanceOf(MalformedExportError);
  });
});
