import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
/** One parsed source map per compiled file (the bundle, or tsc's files), read on first use; null when there is none. */
const maps = new Map<string, SourceMap | null>();

function mapFor(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

const FRAME = /\(?((?:\/|[A-Za-z]:\\)[^():]+\.js):(\d+):(\d+)\)?$/;

/**
 * The first frame of a stack that lies in our own TypeScript (src/...ts:line), found through the
 * build's source maps: the bundle's frames all point into dist/bundle/main.js, library code
 * included. Without a map, a frame in dist/src/ is named as it is. No stack is ever logged, only this.
 */
export function ownSourceLocation(stack: string): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    const match = line.trim().match(FRAME);
    if (!match) continue;
    const [, file, lineNumber, column] = match;
    const map = mapFor(file);
    if (map) {
      const entry = map.findEntry(Number(lineNumber) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number };
      if (!entry?.originalSource) continue;
      const source = entry.originalSource.startsWith('file://')
        ? new URL(entry.originalSource).pathname
        : resolve(dirname(file), entry.originalSource);
      const own = source.lastIndexOf('/src/');
      if (own < 0 || source.includes('node_modules')) continue;
      const path = source.slice(own + 1);
      // In the bundle a library's own map can also say "src/..." (TypeORM's does): ours are the files tsc compiled into dist/src.
      const dist = file.lastIndexOf('/dist/');
      if (dist >= 0 && !existsSync(join(file.slice(0, dist + 5), path.replace(/\.ts$/, '.js')))) continue;
      return `${path}:${(entry.originalLine ?? 0) + 1}`;
    } else {
      const own = file.match(/\/dist\/(src\/[^:]+)$/);
      if (own && !file.includes('node_modules')) return `${own[1]}:${lineNumber}`;
    }
  }
  return undefined;
}
