import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { OccupationsController } from './occupations.controller';
import { OccupationsRepository } from './occupations.repository';
import { OccupationsService } from './occupations.service';

@Module({
  imports: [UsersModule],
  controllers: [OccupationsController],
  providers: [OccupationsService, OccupationsRepository],
  exports: [OccupationsService],
})
export class OccupationsModule {}
