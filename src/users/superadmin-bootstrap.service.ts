import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { UsersService } from './users.service';

export interface SuperadminCredentials {
  username: string;
  email: string;
  password: string;
}

/**
 * The first superadmin: from SUPERADMIN_* at start-up when that account does not exist yet, or,
 * outside production with none configured and none in the database, a generated one whose
 * credentials are printed once. In production it only says how to create one.
 */
@Injectable()
export class SuperadminBootstrapService {
  private readonly logger = new Logger('Superadmin');

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  /** Called once by main.ts before the server listens. */
  async bootstrap(): Promise<void> {
    const { username, email, password } = this.config.superadmin;
    if (username && email && password) {
      await this.ensure({ username, email, password });
      return;
    }
    if (await this.anySuperadmin()) return;
    if (this.config.isProduction) {
      this.logger.warn(
        'no superadmin exists: create one with `node dist/src/cli.js create-superadmin --username <name> --email <address>` ' +
          '(it needs only DATABASE_URL and prints a generated password), or set SUPERADMIN_USERNAME, SUPERADMIN_EMAIL and SUPERADMIN_PASSWORD',
      );
      return;
    }
    const generated = {
      username: `admin${randomBytes(3).toString('hex')}`,
      email: 'admin@localhost.localdomain',
      password: randomBytes(12).toString('base64url'),
    };
    await this.ensure(generated);
    // Printed straight to the terminal, once, and never through the structured log.
    process.stdout.write(
      `\nNo superadmin was configured, so one was created (this is shown only once):\n` +
        `  username: ${generated.username}\n  email:    ${generated.email}\n  password: ${generated.password}\n` +
        `Set SUPERADMIN_USERNAME, SUPERADMIN_EMAIL and SUPERADMIN_PASSWORD to choose your own.\n\n`,
    );
  }

  /** Creates the superadmin unless an account with that username or email exists. Returns whether it created one. */
  async ensure(credentials: SuperadminCredentials): Promise<boolean> {
    const existing = await this.users.holdersOf(credentials.username, credentials.email);
    if (existing.some((row) => row.role !== 'superadmin')) {
      this.logger.warn(
        `SUPERADMIN_* names an existing account that is not a superadmin (${existing[0].username}); no superadmin was created`,
      );
    }
    if (existing.length > 0) return false;
    try {
      await this.users.create(
        {
          username: credentials.username,
          email: credentials.email.toLowerCase(),
          password: credentials.password,
          role: 'superadmin',
          emailVerified: true,
        },
        { actor: null, meta: { ip: null, userAgent: 'bootstrap' }, details: { source: 'bootstrap' } },
      );
      this.logger.log(`superadmin ${credentials.username} created`);
      return true;
    } catch (error) {
      // Several instances starting together: one wins, the others find it there.
      if ((error as { code?: number }).code === 40901 || (error as { code?: number }).code === 40902) return false;
      throw error;
    }
  }

  private anySuperadmin(): Promise<boolean> {
    return this.users.anyWithRole('superadmin');
  }
}
