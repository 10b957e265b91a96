import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { isUuid } from '../common/pipes/uuid-param.pipe';
import { AppConfig } from '../config/app-config';
import { SessionsService } from './sessions.service';
import { ACCESS_TOKEN_TYPE, JWT_ALGORITHM } from './tokens.service';

const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * The source APIs' clients may send the same access token the way their systems took it: 000
 * (Django REST) as `Authorization: Token <t>` or `JWT <t>`, 001 in a `token` header. Only on their paths.
 */
export function legacyToken(request: { url?: string; headers: Record<string, string | string[] | undefined> }): string | null {
  const url = request.url ?? '';
  if (!url.startsWith('/api/') || url.startsWith('/api/v1/')) return null;
  const authorization = request.headers.authorization;
  const scheme = typeof authorization === 'string' ? /^(?:Token|JWT)\s+(\S+)$/i.exec(authorization.trim()) : null;
  if (scheme) return scheme[1];
  const header = request.headers.token;
  return typeof header === 'string' && header.trim() ? header.trim().replace(/^Bearer\s+/i, '') : null;
}

/**
 * Verifies the bearer token (algorithm pinned, issuer and audience checked), then trusts nothing
 * in it but the ids: the session and the user's state are checked on every request (from the
 * database, or from the per-process cache the database keeps exact through LISTEN/NOTIFY).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([bearer, legacyToken]),
      // jsonwebtoken takes a KeyObject as it is (the typings predate KeyObject).
      secretOrKey: config.jwt.key as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  async validate(payload: Record<string, unknown>): Promise<AuthUser | false> {
    const { sub, sid, typ } = payload;
    if (typ !== ACCESS_TOKEN_TYPE || !isUuid(sub) || !isUuid(sid)) return false;
    return (await this.sessions.authenticate(sid, sub)) ?? false;
  }
}
