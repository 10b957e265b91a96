import { Module } from '@nestjs/common';
import { MailQueue } from './mail-queue';
import { MailTemplates } from './mail-templates';
import { MailTransport } from './mail-transport';
import { MailController } from './mail.controller';
import { MailRepository } from './mail.repository';
import { MailService } from './mail.service';

/** The outbox, its queue and its transport. Other modules enqueue through MailService, in their transaction. */
@Module({
  controllers: [MailController],
  providers: [MailService, MailRepository, MailQueue, MailTemplates, MailTransport],
  exports: [MailService],
})
export class MailModule {}
