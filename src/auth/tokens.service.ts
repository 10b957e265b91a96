import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';

export const JWT_ALGORITHM = 'HS256';
export const ACCESS_TOKEN_TYPE = 'access';

export interface AccessTokenPayload {
  sub: string;
  sid: string;
  typ: typeof ACCESS_TOKEN_TYPE;
  /** RFC 8176 authentication methods: ['pwd'], ['pwd', 'otp'], ['pwd', 'webauthn'] or ['webauthn']. */
  amr: string[];
}

/** Signs access tokens: HS256 only, with issuer, audience, subject, session id and a type. */
@Injectable()
export class TokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(userId: string, sessionId: string, amr: string[] = ['pwd']): string {
    const payload: AccessTokenPayload = { sub: userId, sid: sessionId, typ: ACCESS_TOKEN_TYPE, amr };
    return this.jwt.sign(payload, {
      algorithm: JWT_ALGORITHM,
      // jsonwebtoken takes a KeyObject as it is (the typings predate KeyObject).
      secret: this.config.jwt.key as unknown as string,
      expiresIn: this.config.jwt.accessTtl,
      issuer: this.config.jwt.issuer,
      audience: this.config.jwt.audience,
      jwtid: randomUUID(),
    });
  }
}
