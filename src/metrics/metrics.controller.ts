import { Controller, Get, Header, Headers, NotFoundException } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ApiErrors } from '../common/swagger/api-docs.decorators';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Prometheus text at /metrics. METRICS_ENABLED=false hides it; METRICS_TOKEN asks scrapers for a bearer token. */
@ApiTags('Operations')
@Controller('metrics')
@Public()
@RawResponse()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: 'Request durations, login outcomes, lockouts, refresh-token reuse, pool use, process metrics.',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string', maxLength: 1000000 } } },
  })
  @ApiHeader({
    name: 'authorization',
    required: false,
    description: '`Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; not read otherwise',
    schema: { type: 'string', maxLength: 16384 },
  })
  @ApiErrors(ErrorCode.UNAUTHENTICATED, ErrorCode.NOT_FOUND)
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    if (!this.config.metrics.enabled) throw new NotFoundException();
    const token = this.config.metrics.token;
    if (token && !(authorization && timingSafeEqual(digest(authorization), digest(`Bearer ${token}`)))) {
      throw new AppException(ErrorCode.UNAUTHENTICATED);
    }
    return this.metrics.registry.metrics();
  }
}
