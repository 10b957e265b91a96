import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';

/** GET /: where to go from here, for a person or a probe that opens the bare address. Plain JSON like /health. */
@ApiExcludeController()
@Controller()
@Public()
@RawResponse()
export class RootController {
  @Get()
  index(): Record<string, unknown> {
    return {
      name: 'user-management-service',
      api: '/api/v1',
      docs: '/docs',
      openapi: '/docs-json',
      health: { live: '/health/live', ready: '/health/ready' },
    };
  }
}
