import { Module } from '@nestjs/common';
import { AuthStateCache } from './auth-state.cache';
import { SessionsService } from './sessions.service';

/** Sessions are shared by Auth (sign-in, refresh) and Users (disable, delete and reset end them). */
@Module({
  providers: [SessionsService, AuthStateCache],
  exports: [SessionsService, AuthStateCache],
})
export class SessionsModule {}
