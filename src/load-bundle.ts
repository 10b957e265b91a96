import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Starts the service from its bundle (dist/bundle/main.js, written by scripts/bundle.js) with a V8
 * code cache, so that start-up neither resolves some 1,500 module files nor compiles them again.
 * The build writes a cache after evaluating every module; once the service has run for a few seconds
 * it writes a fuller one beside it (every function it ran while starting) if that folder is writable
 * (not in the Docker image, where the code belongs to root), and later starts use it. A cache V8 refuses (another Node.js version) is ignored. Without a bundle (tsc alone), the
 * unbundled build starts instead.
 */
const bundle = join(__dirname, '..', 'bundle', 'main.js');
const WARM_AFTER_MS = 5000;

function read(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function start(): void {
  if (!existsSync(bundle)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the unbundled build, started the usual way
    require('./main');
    return;
  }
  const warmFile = `${bundle}.warm-cache`;
  const warm = read(warmFile);
  const cachedData = warm ?? read(`${bundle}.cache`);
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData,
  });
  const bundleModule = new Module(bundle, module);
  bundleModule.filename = bundle;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(bundleModule.exports, bundleModule.exports, createRequire(bundle), bundleModule, bundle, join(bundle, '..'));
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

start();
