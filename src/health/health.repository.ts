import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What readiness asks the database: does it answer, and is every migration this build knows applied. */
@Injectable()
export class HealthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** The migrations recorded as applied, and those of this build that are not. */
  async migrations(): Promise<{ applied: number; pending: string[] }> {
    const rows: Array<{ name: string }> = await this.dataSource.query(`SELECT name FROM migrations`);
    const applied = new Set(rows.map((row) => row.name));
    const pending = this.dataSource.migrations
      .map((migration) => migration.name)
      .filter((name): name is string => !!name && !applied.has(name));
    return { applied: applied.size, pending };
  }
}
