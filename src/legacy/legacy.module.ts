import { Module } from '@nestjs/common';
import { AuditLogRoutesModule } from '../audit-log/audit-log.module';
import { AuthModule } from '../auth/auth.module';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { GroupsModule } from '../groups/groups.module';
import { OccupationsModule } from '../occupations/occupations.module';
import { UsersModule } from '../users/users.module';
import { Legacy000Controller } from './legacy-000.controller';
import { Legacy001Controller } from './legacy-001.controller';
import { Legacy003Controller } from './legacy-003.controller';
import { SourceIds } from './source-ids';

/** The three source APIs, served verbatim as thin adapters over the feature services. */
@Module({
  imports: [AuthModule, UsersModule, GroupsModule, OccupationsModule, AuditLogRoutesModule, BlacklistModule],
  controllers: [Legacy003Controller, Legacy001Controller, Legacy000Controller],
  providers: [SourceIds],
})
export class LegacyModule {}
