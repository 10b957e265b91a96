import { Global, Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AuditLogController, UserAuditLogController } from './audit-log.controller';
import { AuditLogQueryService } from './audit-log-query.service';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/** Global so every feature records through the same service. */
@Global()
@Module({
  providers: [AuditLogService, AuditLogRepository],
  exports: [AuditLogService],
})
export class AuditLogModule {}

/**
 * The read side and its routes; a separate module because it needs UsersService, which itself records
 * audit entries. It has its own instance of the (stateless) repository: the repository is never exported.
 */
@Module({
  imports: [UsersModule],
  controllers: [AuditLogController, UserAuditLogController],
  providers: [AuditLogQueryService, AuditLogRepository],
  exports: [AuditLogQueryService],
})
export class AuditLogRoutesModule {}
