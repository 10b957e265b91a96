import { Global, Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AuditLogController, UserAuditLogController } from './audit-log.controller';
import { AuditLogQueryService } from './audit-log-query.service';
import { AuditLogService } from './audit-log.service';

/** Global so every feature records through the same service. */
@Global()
@Module({
  providers: [AuditLogService],
  exports: [AuditLogService],
})
export class AuditLogModule {}

/** The read side and its routes; a separate module because it needs UsersService, which itself records audit entries. */
@Module({
  imports: [UsersModule],
  controllers: [AuditLogController, UserAuditLogController],
  providers: [AuditLogQueryService],
  exports: [AuditLogQueryService],
})
export class AuditLogRoutesModule {}
