import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { DatabasePoolRepository } from './database-pool.repository';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, DatabasePoolRepository],
  exports: [MetricsService],
})
export class MetricsModule {}
