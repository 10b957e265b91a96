import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorWriter } from '../errors/error-writer';

/** Every error thrown inside Nest's pipeline ends here. Fastify's own errors go through the same writer. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly writer: ErrorWriter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.writer.write(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
