import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { UsersModule } from '../users/users.module';
import { BlacklistController } from './blacklist.controller';
import { BlacklistRepository } from './blacklist.repository';
import { BlacklistService } from './blacklist.service';

@Module({
  imports: [UsersModule, SessionsModule],
  controllers: [BlacklistController],
  providers: [BlacklistService, BlacklistRepository],
  exports: [BlacklistService],
})
export class BlacklistModule {}
