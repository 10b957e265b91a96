import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { writeError } from '../errors/error-writer';

/** Every error thrown inside Nest's pipeline ends here. Fastify's own errors go through the same writer. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception, {
      error: (object, message) => this.logger.error(object, message),
    });
  }
}
