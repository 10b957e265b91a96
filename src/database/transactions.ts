import { Global, Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { withRetry } from '../common/database/transaction';

/**
 * A transaction as services see it: an opaque handle they pass to repository methods, so that the
 * writes of several repositories (a change and its audit record) commit together.
 */
export type Tx = EntityManager;

/** Services open transactions here; only repositories run SQL on them. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction, again (up to three times) after a deadlock or serialization failure. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withRetry(() => this.dataSource.transaction(work));
  }
}

@Global()
@Module({ providers: [Transactions], exports: [Transactions] })
export class TransactionsModule {}
