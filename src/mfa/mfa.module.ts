import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SessionsModule } from '../auth/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaController } from './mfa.controller';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';
import { MfaTokensModule } from './mfa-tokens.module';
import { PasskeysController } from './passkeys.controller';
import { PasskeysService } from './passkeys.service';

/** The second factor: TOTP and recovery codes, passkeys, the login's second step, the staff reset. */
@Module({
  imports: [AuthModule, SessionsModule, UsersModule, MfaTokensModule],
  controllers: [MfaController, PasskeysController],
  providers: [MfaService, PasskeysService, MfaRepository],
})
export class MfaModule {}
