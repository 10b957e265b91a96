import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, Observable } from 'rxjs';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { ReadReplicas } from '../database/read-replicas';
import { SessionsService } from './sessions.service';

/**
 * Read-your-writes with read replicas: after a signed-in client's write succeeded (its transaction
 * committed), and before the answer leaves, the session records the primary's WAL position. Every
 * instance's session check then sees it, so that client's next reads go only to replicas that have
 * replayed the write. Without replicas it does nothing.
 */
@Injectable()
export class WriteLsnInterceptor implements NestInterceptor {
  constructor(
    private readonly replicas: ReadReplicas,
    private readonly sessions: SessionsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.replicas.enabled || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return next.handle();
    return next.handle().pipe(
      mergeMap((value: unknown) => {
        const user = request.user;
        if (!user?.sessionId) return [value];
        return from(this.sessions.recordWrite(user.sessionId).then(() => value));
      }),
    );
  }
}
