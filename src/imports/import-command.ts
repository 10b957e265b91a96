import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { asDjangoRecord, DjangoExport, DjangoRecord } from './sources/django.source';
import { EMPTY_PREAMBLE, ImportPreamble, MalformedExportError, SOURCES, SourceSystem, UserBundle } from './sources/import-record';
import { fileText, jsonArrayElements, jsonLines } from './sources/json-stream';
import { mongoBundle, mongoDocuments } from './sources/mongo.source';
import { sequelizeBundle } from './sources/sequelize.source';
import { IMPORT_BATCH, ImportReport, ImportsService } from './imports.service';

export const IMPORT_USAGE = `  node dist/src/cli.js import --source 000|001|003 --file EXPORT [--dry-run] [--report REPORT.json]
  node dist/src/cli.js import --source 001 --users USERS.jsonl [--admins ADMINS.jsonl] [--dry-run] [--report REPORT.json]

--file: 000 the \`dumpdata auth.user users\` JSON array, 003 the JSON array of users rows (both streamed),
001 the { "users": [...], "admins": [...] } object (read whole); for large 001 exports give mongoexport's
own line files (--users, --admins), which are streamed. The report is printed (and written to --report).`;

export interface ImportOptions {
  source: SourceSystem;
  file?: string;
  users?: string;
  admins?: string;
  dryRun: boolean;
  report?: string;
}

export function parseImportArgs(args: string[]): ImportOptions {
  const { values } = parseArgs({
    args,
    options: {
      source: { type: 'string' },
      file: { type: 'string' },
      users: { type: 'string' },
      admins: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      report: { type: 'string' },
    },
  });
  if (!SOURCES.includes(values.source as SourceSystem)) throw new Error(`--source must be one of ${SOURCES.join(', ')}`);
  const source = values.source as SourceSystem;
  if (source === '001' ? !values.file && !values.users && !values.admins : !values.file) throw new Error('--file is required');
  if (values.file && (values.users || values.admins)) throw new Error('--file or --users/--admins, not both');
  return {
    source,
    file: values.file,
    users: values.users,
    admins: values.admins,
    dryRun: values['dry-run'] ?? false,
    report: values.report,
  };
}

/** Records of pass one per INSERT into the scratch tables. */
const STAGE_BATCH = 5000;

/**
 * Two batches at once: the next one is read back, validated and written while the one before it is still
 * being written (the database does most of the work of a batch and the machine has more than one core).
 * A failure of either ends the import with it.
 */
class TwoInFlight {
  private last: Promise<void> = Promise.resolve();

  async run(work: Promise<void>): Promise<void> {
    work.catch(() => undefined); // awaited below or by the next run() / done()
    const before = this.last;
    this.last = work;
    await before;
  }

  done(): Promise<void> {
    return this.last;
  }
}

/** Progress on a terminal: users so far, share of the input read, rate. Nothing when stderr is not a TTY. */
class Progress {
  private readonly started = Date.now();
  private bytes = 0;
  private users = 0;
  private last = 0;

  constructor(
    private readonly totalBytes: number,
    private readonly passes: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  read(bytes: number, pass = 1): void {
    this.bytes = (pass - 1) * this.totalBytes + bytes;
    this.draw();
  }

  done(users: number): void {
    this.users = users;
    this.draw();
  }

  draw(final = false): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (!final && now - this.last < 200) return;
    this.last = now;
    const share = Math.min(1, this.bytes / Math.max(1, this.totalBytes * this.passes));
    const width = 30;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '-');
    const rate = Math.round(this.users / Math.max(0.001, (now - this.started) / 1000));
    this.out.write(`\r[${bar}] ${(share * 100).toFixed(1)}%  ${this.users} users  ${rate}/s  `);
    if (final) this.out.write('\n');
  }
}

/** Streams the export into the import core in batches (the same code as POST /imports). */
export async function runImportCommand(imports: ImportsService, options: ImportOptions): Promise<ImportReport> {
  const size = (path?: string): number => (path ? statSync(path).size : 0);
  const { source } = options;
  let preamble: ImportPreamble = EMPTY_PREAMBLE();
  const progress = new Progress(size(options.file) + size(options.users) + size(options.admins), source === '000' ? 2 : 1);

  if (source === '000') {
    // Pass one: everything but the users; profiles go to a scratch table, the rest (groups, logs, blacklist) is
    // kept by user. Pass two: the users, in batches, each with its profile read back from the scratch table.
    const assembled = new DjangoExport(false);
    const staging = imports.staging();
    const table = await staging.create();
    try {
      let related = 0;
      const stage = async (): Promise<void> => {
        await staging.stage(table, assembled.takeProfiles());
        const rows = assembled.takeRelated();
        await staging.stageRelated(table, rows, related);
        related += rows.length;
      };
      for await (const element of jsonArrayElements(fileText(options.file as string, (b) => progress.read(b, 1)))) {
        assembled.note(asDjangoRecord(element));
        if (assembled.pending() >= STAGE_BATCH) await stage();
      }
      await stage();
      await staging.index(table);
      preamble = assembled.preamble();
      const run = await imports.begin(source, preamble, { dryRun: options.dryRun, actor: { userId: null, ip: null } });
      let records: DjangoRecord[] = [];
      let users = 0;
      const writes = new TwoInFlight();
      const flush = async (): Promise<void> => {
        const batch = records;
        records = [];
        const pks = batch.map((record) => String(record.pk));
        const bundles = Promise.all([staging.read(table, pks), staging.readRelated(table, pks)]).then(([profiles, related]) =>
          batch.map((record) => assembled.bundle(record, profiles, related)),
        );
        // add() takes its turn now, in the export's order, and waits for the bundles.
        await writes.run(run.add(bundles).then(() => progress.done((users += batch.length))));
      };
      for await (const element of jsonArrayElements(fileText(options.file as string, (b) => progress.read(b, 2)))) {
        const record = asDjangoRecord(element);
        if (record.model !== 'auth.user') continue;
        records.push(record);
        if (records.length === IMPORT_BATCH) await flush();
      }
      await flush();
      await writes.done();
      await imports.settle(source, preamble, options.dryRun);
      progress.draw(true);
      return run.finish();
    } finally {
      await staging.drop(table);
    }
  }

  const run = await imports.begin(source, preamble, { dryRun: options.dryRun, actor: { userId: null, ip: null } });
  let batch: UserBundle[] = [];
  let users = 0;
  const writes = new TwoInFlight();
  const feed = async (bundle: UserBundle): Promise<void> => {
    batch.push(bundle);
    if (batch.length < IMPORT_BATCH) return;
    const full = batch;
    batch = [];
    await writes.run(run.add(full).then(() => progress.done((users += full.length))));
  };
  if (source === '003') {
    for await (const row of jsonArrayElements(fileText(options.file as string, (b) => progress.read(b)))) await feed(sequelizeBundle(row));
  } else if (options.file) {
    let text = '';
    for await (const chunk of fileText(options.file, (b) => progress.read(b))) text += chunk;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MalformedExportError('the export is not valid JSON');
    }
    const { users: documents, admins } = mongoDocuments(body);
    for (const d of documents) await feed(mongoBundle(d, 'users'));
    for (const d of admins) await feed(mongoBundle(d, 'admins'));
  } else {
    let offset = 0;
    for (const [path, collection] of [
      [options.users, 'users'],
      [options.admins, 'admins'],
    ] as const) {
      if (!path) continue;
      const base = offset;
      for await (const d of jsonLines(path, (b) => progress.read(base + b))) await feed(mongoBundle(d, collection));
      offset += size(path);
    }
  }
  await writes.run(run.add(batch));
  await writes.done();
  progress.done(users + batch.length);
  progress.draw(true);
  return run.finish();
}

export function writeReport(report: ImportReport, path: string | undefined): void {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (path) writeFileSync(path, text);
  process.stdout.write(text);
}
