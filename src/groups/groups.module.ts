import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { GroupsController, UserGroupsController } from './groups.controller';
import { GroupsService } from './groups.service';

@Module({
  imports: [UsersModule],
  controllers: [GroupsController, UserGroupsController],
  providers: [GroupsService],
  exports: [GroupsService],
})
export class GroupsModule {}
