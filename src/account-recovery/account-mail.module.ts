import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { AccountMailService } from './account-mail.service';
import { AccountTokensRepository } from './account-tokens.repository';

/** Account mails and their tokens; imported by Users (registration, email change) and by the recovery flows. */
@Module({
  imports: [MailModule],
  providers: [AccountMailService, AccountTokensRepository],
  exports: [AccountMailService],
})
export class AccountMailModule {}
