import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountMailModule } from './account-mail.module';
import { AccountRecoveryController, StaffPasswordResetController } from './account-recovery.controller';
import { AccountRecoveryService } from './account-recovery.service';

/** Password reset and email verification by mailed links (the mails and tokens: AccountMailModule). */
@Module({
  imports: [UsersModule, SessionsModule, AccountMailModule],
  controllers: [AccountRecoveryController, StaffPasswordResetController],
  providers: [AccountRecoveryService],
})
export class AccountRecoveryModule {}
