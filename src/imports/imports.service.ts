import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { ImportReportResponse } from './dto/import-report.response';
import { parseExport } from './sources/parse-export';
import { AuditLogService, ImportedAuditEntry } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { Transactions, Tx } from '../database/transactions';
import { validateUser, ValidUser } from './import-validation';
import { ImportsRepository, userKey } from './imports.repository';
import type { StagedRelated, StagedUserRelated } from './sources/django.source';
import { ImportPreamble, MalformedExportError, Rejection, SourceSystem, UserBundle } from './sources/import-record';

/** Users per transaction (one statement per table each); measured in bench/import.js. */
export const IMPORT_BATCH = 2000;

export const REPORT_KEYS = ['users', 'groups', 'occupations', 'memberships', 'user_logs', 'blacklist'] as const;
export type Counts = Record<(typeof REPORT_KEYS)[number], number>;

export interface ImportReport {
  source: SourceSystem;
  dry_run: boolean;
  created: Counts;
  unchanged: Counts;
  rejected: Rejection[];
}

const zero = (): Counts => ({ users: 0, groups: 0, occupations: 0, memberships: 0, user_logs: 0, blacklist: 0 });

/** Who runs an import: the superadmin over HTTP (their id and address go into the audit records), or the CLI. */
export interface ImportActor {
  userId: string | null;
  ip: string | null;
}

/**
 * One import, fed in batches of users (the HTTP body in slices, the CLI's stream as it reads). Each
 * batch is one transaction with one statement per table; should one fail (a row racing a
 * registration, say), the batch is rolled back and redone one user per transaction, so each user
 * comes in whole or not at all and only the offending user is rejected. A dry run writes nothing.
 */
export class ImportRun {
  private readonly report: ImportReport;
  private readonly occupationIds = new Map<string, string>();
  private readonly groupIds = new Map<string, string>();
  /** A dry run's usernames and emails seen so far, lower-case: a duplicate inside the export is rejected too. */
  private readonly seenNames = new Set<string>();
  private batches = 0;
  /** The names (`u:`/`e:`) the batch added last accepted, once it has checked them. */
  private turn: Promise<Set<string>> = Promise.resolve(new Set<string>());

  constructor(
    private readonly source: SourceSystem,
    private readonly dryRun: boolean,
    private readonly actor: ImportActor,
    private readonly repository: ImportsRepository,
    private readonly audit: AuditLogService,
    private readonly transactions: Transactions,
  ) {
    this.report = { source, dry_run: dryRun, created: zero(), unchanged: zero(), rejected: [] };
  }

  /** Shared records first: occupations (by name), groups (by 000 id, then by name), and the 000 id sequences. */
  async start(preamble: ImportPreamble): Promise<void> {
    this.report.rejected.push(...preamble.rejected);
    const existingOccupations = await this.repository.occupationsByName(preamble.occupations.map((o) => o.name));
    const existingGroups = await this.repository.importedGroups(preamble.groups.map((g) => g.id000));
    const groupsByName = await this.repository.groupsByName(preamble.groups.map((g) => g.name));
    const work = async (tx: Tx | null): Promise<void> => {
      if (tx && this.source === '000') {
        await this.repository.raiseSequences(tx, preamble.maxId000);
        await this.audit.raiseId000Sequence(preamble.maxId000.user_logs, tx);
      }
      for (const occupation of preamble.occupations) {
        const existing = existingOccupations.get(occupation.name.toLowerCase());
        if (existing) {
          this.occupationIds.set(occupation.id000, existing);
          this.report.unchanged.occupations++;
        } else {
          const id = tx ? await this.repository.insertOccupation(tx, occupation.name, occupation.id000) : `dry:${occupation.id000}`;
          existingOccupations.set(occupation.name.toLowerCase(), id);
          this.occupationIds.set(occupation.id000, id);
          this.report.created.occupations++;
        }
      }
      for (const group of preamble.groups) {
        const existing = existingGroups.get(group.id000) ?? groupsByName.get(group.name.toLowerCase());
        if (existing) {
          this.groupIds.set(group.id000, existing);
          this.report.unchanged.groups++;
        } else {
          const id = tx ? await this.repository.insertGroup(tx, group) : `dry:${group.id000}`;
          groupsByName.set(group.name.toLowerCase(), id);
          this.groupIds.set(group.id000, id);
          this.report.created.groups++;
        }
      }
    };
    if (this.dryRun) await work(null);
    else
      await this.transactions.run(async (tx) => {
        await this.repository.allowLongStatements(tx);
        await work(tx);
      });
  }

  /** Validates, matches and writes one batch of users. */
  async add(bundles: UserBundle[] | Promise<UserBundle[]>): Promise<void> {
    // Batches may be added while the one before is still being written (the CLI keeps two in flight, and the
    // batch before those is committed). Each validates, looks up and writes at once, but checks for duplicates in
    // turn, against the names the batch before accepted as well as the database's, so the first of two
    // duplicates in the export wins, as it would one batch at a time. The turn is taken when add() is called
    // (bundles may still be on their way: the CLI reads them back from its scratch tables).
    const previous = this.turn;
    let checked!: (names: Set<string>) => void;
    this.turn = new Promise<Set<string>>((resolve) => (checked = resolve));
    try {
      await this.addInTurn(await bundles, previous, checked);
    } finally {
      // Settled already when this batch got to its check; otherwise (nothing to check, a failure) after the one before.
      void previous.then(() => checked(new Set()));
    }
  }

  private async addInTurn(bundles: UserBundle[], previous: Promise<Set<string>>, checked: (names: Set<string>) => void): Promise<void> {
    // Written batches are in the database, where takenNames() finds them: only a dry run must remember earlier ones.
    // (Per call otherwise: the CLI runs two batches at once.)
    const seen = this.dryRun ? this.seenNames : new Set<string>();
    if (!this.dryRun && ++this.batches % 100 === 0) await this.repository.analyzeUsers();
    const candidates: { bundle: UserBundle; user: ValidUser }[] = [];
    for (const bundle of bundles) {
      const checked = validateUser(bundle.user, this.source);
      if ('rejected' in checked) this.report.rejected.push(checked.rejected);
      else candidates.push({ bundle, user: checked.ok });
    }
    if (candidates.length === 0) return;
    const keys = candidates.map(({ user }) => userKey(this.source, user));
    const imported = await this.repository.importedUsers(this.source, keys);
    const foreign = this.source === '003' ? await this.repository.foreignHolders(this.source, keys) : new Set<string>();
    const fresh = candidates.filter(({ bundle, user }) => {
      if (!imported.has(userKey(this.source, user))) return true;
      this.report.unchanged.users++;
      this.report.unchanged.memberships += bundle.groups.length;
      this.report.unchanged.user_logs += bundle.logs.length;
      this.report.unchanged.blacklist += bundle.blacklist.length;
      return false;
    });
    const taken = await this.repository.takenNames(
      fresh.map(({ user }) => user.username.toLowerCase()),
      fresh.map(({ user }) => user.email),
    );
    const earlier = await previous;
    const accepted: { bundle: UserBundle; user: ValidUser }[] = [];
    for (const candidate of fresh) {
      const { user } = candidate;
      const name = user.username.toLowerCase();
      const reject = (field: string, reason: string): void => {
        this.report.rejected.push({ source_id: user.sourceId, field, reason });
      };
      if (foreign.has(userKey(this.source, user)))
        reject('id', 'an account created here or imported from another source already has this id');
      else if (taken.usernames.has(name) || seen.has(`u:${name}`) || earlier.has(`u:${name}`))
        reject('username', 'username already registered');
      else if (taken.emails.has(user.email) || seen.has(`e:${user.email}`) || earlier.has(`e:${user.email}`))
        reject('email', 'email already registered');
      else {
        seen.add(`u:${name}`);
        seen.add(`e:${user.email}`);
        accepted.push(candidate);
      }
    }
    checked(seen);
    if (this.dryRun) {
      for (const { bundle } of accepted) this.count(bundle);
      return;
    }
    try {
      await this.transactions.run((tx) => this.write(tx, accepted));
      for (const { bundle } of accepted) this.count(bundle);
    } catch {
      // One of them broke a constraint: redo them one by one, so only that one is rejected.
      for (const one of accepted) {
        try {
          await this.transactions
            .run((tx) => this.write(tx, [one]))
            .catch((error: { code?: string }) => {
              // A deadlock with the other batch in flight (the CLI's) is no fault of this user: once more.
              if (error.code === '40P01') return this.transactions.run((tx) => this.write(tx, [one]));
              throw error;
            });
          this.count(one.bundle);
        } catch (error) {
          const constraint = (error as { constraint?: string }).constraint;
          this.report.rejected.push({
            source_id: one.user.sourceId,
            field: constraint?.includes('email') ? 'email' : constraint?.includes('username') ? 'username' : 'user',
            reason: constraint ? `conflicts with an existing record (${constraint})` : 'could not be written',
          });
        }
      }
    }
  }

  finish(): ImportReport {
    return this.report;
  }

  private count(bundle: UserBundle): void {
    this.report.created.users++;
    this.report.created.memberships += bundle.groups.filter((group) => this.groupIds.has(group)).length;
    this.report.created.user_logs += bundle.logs.length;
    this.report.created.blacklist += bundle.blacklist.length;
  }

  private async write(tx: Tx, batch: { bundle: UserBundle; user: ValidUser }[]): Promise<void> {
    if (batch.length === 0) return;
    await this.repository.allowLongStatements(tx);
    const users = batch.map(({ user }) => user);
    if (this.source !== '003')
      await this.repository.releaseUserKeys(
        tx,
        this.source,
        users.map((user) => userKey(this.source, user)),
      );
    const ids = await this.repository.insertUsers(tx, this.source, users, this.occupationIds);
    const idOf = (user: ValidUser): string => ids.get(userKey(this.source, user)) as string;
    const operatorIds = await this.repository.usersById000(
      [...new Set(batch.flatMap(({ bundle }) => bundle.logs.map((log) => log.operatorSourceId).filter((op): op is string => op !== null)))],
      tx,
    );
    const entries: ImportedAuditEntry[] = [];
    for (const { bundle, user } of batch) {
      const userId = idOf(user);
      for (const log of bundle.logs) {
        const operatorId = log.operatorSourceId ? (operatorIds.get(log.operatorSourceId) ?? null) : null;
        entries.push({
          operation: log.operation,
          userId,
          operatorId,
          ip: log.ip,
          // An operator not imported (yet) is kept by its 000 id.
          details: operatorId === null && log.operatorSourceId ? { operator_000: log.operatorSourceId } : null,
          source: { system: '000', id000: log.id000, operateTime: log.operateTime },
        });
      }
      entries.push({
        operation: AuditOperation.IMPORTED,
        userId,
        operatorId: this.actor.userId,
        ip: this.actor.ip,
        details: { source: this.source, source_id: user.sourceId },
      });
    }
    await this.repository.insertMemberships(
      tx,
      batch.flatMap(({ bundle, user }) =>
        bundle.groups
          .filter((group) => this.groupIds.has(group))
          .map((group) => ({ groupId: this.groupIds.get(group) as string, userId: idOf(user) })),
      ),
    );
    await this.repository.insertBlacklist(
      tx,
      batch.flatMap(({ bundle, user }) => bundle.blacklist.map((entry) => ({ userId: idOf(user), entry }))),
    );
    // Last: the audit chain's head stays locked from here to the commit.
    const logIds = entries.flatMap((entry) => (entry.source?.id000 ? [entry.source.id000] : []));
    if (logIds.length > 0) {
      // A re-import never duplicates a log that came in already (with a user imported since, say).
      const present = await this.audit.importedId000s(logIds, tx);
      await this.audit.releaseId000s(logIds, tx);
      await this.audit.recordImported(
        entries.filter((entry) => !entry.source || !present.has(entry.source.id000 as string)),
        tx,
      );
    } else await this.audit.recordImported(entries, tx);
  }
}

/** Imports a source system's export (shared by POST /imports and `npm run import`). */
@Injectable()
export class ImportsService {
  constructor(
    private readonly repository: ImportsRepository,
    private readonly audit: AuditLogService,
    private readonly transactions: Transactions,
    private readonly policy: AccessPolicy,
  ) {}

  /** POST /imports: the whole export is in the body. */
  async importBody(
    actor: AuthUser,
    source: SourceSystem,
    body: unknown,
    dryRun: boolean,
    meta: RequestMeta,
  ): Promise<ImportReportResponse> {
    this.policy.assert(actor, 'import.run', null);
    let parsed: ReturnType<typeof parseExport>;
    try {
      parsed = parseExport(source, body);
    } catch (error) {
      if (error instanceof MalformedExportError)
        throw new AppException(ErrorCode.IMPORT_MALFORMED, { message: { en: error.message, zh: `导出数据格式错误：${error.message}` } });
      throw error;
    }
    const run = await this.begin(source, parsed.preamble, { dryRun, actor: { userId: actor.id, ip: meta.ip } });
    for (let start = 0; start < parsed.bundles.length; start += IMPORT_BATCH)
      await run.add(parsed.bundles.slice(start, start + IMPORT_BATCH));
    await this.settle(source, parsed.preamble, dryRun);
    return ImportReportResponse.from(run.finish());
  }

  async begin(source: SourceSystem, preamble: ImportPreamble, options: { dryRun: boolean; actor: ImportActor }): Promise<ImportRun> {
    const run = new ImportRun(source, options.dryRun, options.actor, this.repository, this.audit, this.transactions);
    await run.start(preamble);
    return run;
  }

  /** The CLI's scratch tables of 000 profiles and related records (ImportsRepository.createStaging). */
  staging(): {
    create: () => Promise<string>;
    stage: (table: string, rows: [string, Record<string, unknown>][]) => Promise<void>;
    stageRelated: (table: string, rows: StagedRelated[], first: number) => Promise<void>;
    index: (table: string) => Promise<void>;
    read: (table: string, pks: string[]) => Promise<Map<string, Record<string, unknown>>>;
    readRelated: (table: string, pks: string[]) => Promise<Map<string, StagedUserRelated>>;
    drop: (table: string) => Promise<void>;
  } {
    return {
      create: () => this.repository.createStaging(),
      stage: (table, rows) => this.repository.stageProfiles(table, rows),
      stageRelated: (table, rows, first) => this.repository.stageRelated(table, rows, first),
      index: (table) => this.repository.indexStaging(table),
      read: (table, pks) => this.repository.stagedProfiles(table, pks),
      readRelated: (table, pks) => this.repository.stagedRelated(table, pks),
      drop: (table) => this.repository.dropStaging(table),
    };
  }

  /** After the last batch of a 000 import: the sequences above every id now in use. */
  async settle(source: SourceSystem, preamble: ImportPreamble, dryRun: boolean): Promise<void> {
    if (source !== '000' || dryRun) return;
    await this.transactions.run(async (tx) => {
      await this.repository.raiseSequences(tx, preamble.maxId000);
      await this.audit.raiseId000Sequence(preamble.maxId000.user_logs, tx);
    });
  }
}
