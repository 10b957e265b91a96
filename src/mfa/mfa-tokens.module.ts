import { Module } from '@nestjs/common';
import { MfaTokensRepository } from './mfa-tokens.repository';
import { MfaTokensService } from './mfa-tokens.service';

/** The login's second step token: used by Auth (the password step issues it) and Mfa (the second step spends it). */
@Module({
  providers: [MfaTokensService, MfaTokensRepository],
  exports: [MfaTokensService],
})
export class MfaTokensModule {}
