import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Starts the service from its bundle (dist/bundle/main.js, written by scripts/bundle.js) with a V8
 * code cache, so that start-up neither resolves some 1,500 module files nor compiles them again.
 * The build writes a cache after evaluating every module; once the service has run for a few
 * seconds it writes a fuller one beside it (every function it ran while starting) if that folder is
 * writable (not in the Docker image, where the code belongs to root), and later starts use it. A
 * cache V8 refuses (another Node.js version) is ignored. Without a bundle (tsc alone), the unbundled
 * build starts instead. scripts/bundle.js compiles and runs the bundle with the same two functions
 * when it writes the build's cache, so that V8 accepts that cache here.
 */
export const BUNDLE = join(__dirname, '..', 'bundle', 'main.js');
const WARM_AFTER_MS = 5000;

function read(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The bundle as a CommonJS module body, compiled with the given code cache, if any. */
export function compileBundle(cachedData?: Buffer): Script {
  return new Script(Module.wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
}

/** Runs the compiled bundle as the module dist/bundle/main.js (its own require, __filename and __dirname). */
export function runBundle(script: Script): void {
  const bundleModule = new Module(BUNDLE, module);
  bundleModule.filename = BUNDLE;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(bundleModule.exports, bundleModule.exports, createRequire(BUNDLE), bundleModule, BUNDLE, join(BUNDLE, '..'));
}

export function start(): void {
  if (!existsSync(BUNDLE)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the unbundled build, started the usual way
    require('./main');
    return;
  }
  const warmFile = `${BUNDLE}.warm-cache`;
  const warm = read(warmFile);
  const script = compileBundle(warm ?? read(`${BUNDLE}.cache`));
  runBundle(script);
  if (warm && !script.cachedDataRejected) return;
  setTimeout(() => {
    try {
      const temporary = `${warmFile}.${process.pid}`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, warmFile);
    } catch {
      // A read-only install keeps the build's cache.
    }
  }, WARM_AFTER_MS).unref();
}
