import { AccountRecoveryModule } from './account-recovery/account-recovery.module';
import { MailModule } from './mail/mail.module';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AuditLogModule, AuditLogRoutesModule } from './audit-log/audit-log.module';
import { AuthModule } from './auth/auth.module';
import { BlacklistModule } from './blacklist/blacklist.module';
import { createErrorLog, ErrorLog } from './common/errors/error-log';
import { ErrorWriter } from './common/errors/error-writer';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { EnvelopeInterceptor } from './common/interceptors/envelope.interceptor';
import { UndeclaredInputInterceptor } from './common/interceptors/undeclared-input.interceptor';
import { AppValidationPipe } from './common/pipes/app-validation.pipe';
import { PoliciesModule } from './common/policies/access-policy.service';
import { PasswordLengthConstraint } from './common/validation/validators';
import { SecurityModule } from './common/security/security.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { TransactionsModule } from './database/transactions';
import { ReadReplicasModule } from './database/read-replicas';
import { GroupsModule } from './groups/groups.module';
import { HealthModule } from './health/health.module';
import { InvitationsModule } from './invitations/invitations.module';
import { ImportsModule } from './imports/imports.module';
import { ExportsModule } from './exports/exports.module';
import { LEGACY_ERROR_STYLES } from './legacy/legacy-errors';
import { LegacyModule } from './legacy/legacy.module';
import { MetricsModule } from './metrics/metrics.module';
import { MfaModule } from './mfa/mfa.module';
import { OccupationsModule } from './occupations/occupations.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule,
        TransactionsModule,
        ReadReplicasModule,
        SecurityModule,
        PoliciesModule,
        AuditLogModule,
        UsersModule,
        AuthModule,
        MailModule,
        AccountRecoveryModule,
        MfaModule,
        GroupsModule,
        OccupationsModule,
        AuditLogRoutesModule,
        BlacklistModule,
        InvitationsModule,
        ImportsModule,
        ExportsModule,
        LegacyModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        { provide: ErrorLog, useFactory: createErrorLog },
        { provide: ErrorWriter, useFactory: (log: ErrorLog) => new ErrorWriter(log, LEGACY_ERROR_STYLES), inject: [ErrorLog] },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: UndeclaredInputInterceptor },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_PIPE, useClass: AppValidationPipe },
        PasswordLengthConstraint,
      ],
    };
  }
}
