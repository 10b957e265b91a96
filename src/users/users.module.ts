import { AccountMailModule } from '../account-recovery/account-mail.module';
import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { SuperadminBootstrapService } from './superadmin-bootstrap.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [SessionsModule, AccountMailModule],
  controllers: [UsersController],
  providers: [UsersService, UsersRepository, SuperadminBootstrapService],
  exports: [UsersService, SuperadminBootstrapService],
})
export class UsersModule {}
