import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { SuperadminBootstrapService } from './superadmin-bootstrap.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [SessionsModule],
  controllers: [UsersController],
  providers: [UsersService, SuperadminBootstrapService],
  exports: [UsersService, SuperadminBootstrapService],
})
export class UsersModule {}
