import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';
import { LifecycleService } from './lifecycle.service';
import { RootController } from './root.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, RootController],
  providers: [HealthRepository, LifecycleService],
  exports: [LifecycleService],
})
export class HealthModule {}
