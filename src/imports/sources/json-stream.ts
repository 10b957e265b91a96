import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MalformedExportError } from './import-record';

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * The elements of a top-level JSON array, one at a time, from a stream of text: memory holds one
 * element, never the file. (A small tokenizer: it tracks strings, escapes and nesting depth only;
 * each element is then parsed by JSON.parse, which checks the rest.)
 */
export async function* jsonArrayElements(input: AsyncIterable<string>): AsyncGenerator<unknown> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let opened = false;
  let closed = false;
  let current = '';
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new MalformedExportError('the export is not valid JSON');
    }
  };
  let inElement = false;
  for await (const chunk of input) {
    // An element that began in an earlier chunk continues from this chunk's start.
    let from = inElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (depth === 0) {
        if (isSpace(c)) continue;
        if (c !== 91 || opened)
          throw new MalformedExportError(closed ? 'text after the end of the export' : 'the export is not a JSON array');
        opened = true;
        depth = 1;
        continue;
      }
      if (depth === 1 && from < 0 && !isSpace(c) && c !== 44 && c !== 93) {
        from = i;
        inElement = true;
      }
      if (c === 34) inString = true;
      else if (c === 91 || c === 123) depth++;
      else if (c === 125 || (c === 93 && depth > 1)) depth--;
      else if (depth === 1 && (c === 44 || c === 93)) {
        if (from >= 0) current += chunk.slice(from, i);
        from = -1;
        inElement = false;
        if (current.trim() !== '') yield parse(current);
        else if (c === 44) throw new MalformedExportError('the export is not valid JSON');
        current = '';
        if (c === 93) {
          depth = 0;
          closed = true;
        }
      }
    }
    if (from >= 0) current += chunk.slice(from);
  }
  if (!opened || !closed) throw new MalformedExportError('the export ends before its array does');
}

/** A file as text chunks (UTF-8 kept whole across chunk boundaries), counting the bytes read. */
export function fileText(path: string, progress?: (bytes: number) => void): AsyncIterable<string> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  if (progress)
    stream.on('data', (data) => {
      bytes += data.length;
      progress(bytes);
    });
  stream.setEncoding('utf8');
  return stream as AsyncIterable<string>;
}

/** mongoexport's output: one JSON document a line (blank lines skipped). */
export async function* jsonLines(path: string, progress?: (bytes: number) => void): AsyncGenerator<unknown> {
  const lines = createInterface({ input: fileText(path, progress) as NodeJS.ReadableStream, crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      throw new MalformedExportError(`line ${number} of ${path} is not a JSON document`);
    }
  }
}
