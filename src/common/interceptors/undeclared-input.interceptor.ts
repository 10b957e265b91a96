import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-codes';
import { fieldError, MAX_FIELD_ERRORS } from '../pipes/validation-messages';

/**
 * Routes that declare no body (or no query) refuse one, as DTO validation does for unknown fields:
 * a client sending `{ "force": true }` to POST /auth/logout learns at once that nothing reads it.
 */
@Injectable()
export class UndeclaredInputInterceptor implements NestInterceptor {
  private readonly declared = new WeakMap<object, { body: boolean; query: boolean }>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    let declared = this.declared.get(handler);
    if (!declared) {
      const args = Object.keys(Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {});
      const uses = (type: RouteParamtypes): boolean => args.some((key) => key.split(':')[0] === String(type));
      declared = { body: uses(RouteParamtypes.BODY), query: uses(RouteParamtypes.QUERY) };
      this.declared.set(handler, declared);
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!declared.body && request.body !== undefined) {
      if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body))
        throw new AppException(ErrorCode.MALFORMED_REQUEST);
      this.refuse(Object.keys(request.body));
    }
    if (!declared.query && request.query && typeof request.query === 'object') this.refuse(Object.keys(request.query));
    return next.handle();
  }

  private refuse(keys: string[]): void {
    if (keys.length === 0) return;
    throw AppException.validation(keys.slice(0, MAX_FIELD_ERRORS).map((key) => fieldError(key, `property ${key} should not exist`)));
  }
}
