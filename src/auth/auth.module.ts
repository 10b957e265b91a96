import { AccountMailModule } from '../account-recovery/account-mail.module';
import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { InvitationsModule } from '../invitations/invitations.module';
import { MfaTokensModule } from '../mfa/mfa-tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { LoginFailuresRepository } from './login-failures.repository';
import { LoginLockoutService } from './login-lockout.service';
import { LoginStatusController } from './login-status.controller';
import { LoginStatusService } from './login-status.service';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitsRepository } from './rate-limits.repository';
import { SessionsModule } from './sessions.module';
import { TokensService } from './tokens.service';
import { WriteLsnInterceptor } from './write-lsn.interceptor';

@Module({
  imports: [
    UsersModule,
    AccountMailModule,
    SessionsModule,
    MfaTokensModule,
    BlacklistModule,
    InvitationsModule,
    PassportModule,
    JwtModule.register({}),
  ],
  controllers: [AuthController, LoginStatusController],
  providers: [
    AuthService,
    TokensService,
    LoginLockoutService,
    LoginFailuresRepository,
    LoginStatusService,
    JwtStrategy,
    RateLimitGuard,
    RateLimitsRepository,
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: WriteLsnInterceptor },
  ],
  exports: [AuthService, LoginLockoutService],
})
export class AuthModule {}
