import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { Page } from '../common/pagination/pagination';
import { ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { ListMailQuery } from './dto/list-mail.query';
import { MailMessageResponse } from './mail.response';
import { MailService } from './mail.service';

const E = ErrorCode;

@ApiTags('Mail')
@Controller(`${API_PREFIX}/admin/mail`)
@Authenticated({ role: 'superadmin' })
export class MailController {
  constructor(private readonly mail: MailService) {}

  @Get()
  @ApiOperation({
    summary: 'Recent mail',
    description:
      'superadmin. The outbox, newest first: each message with its template, recipient, status, attempts and last error. ' +
      'Never the link or the token it carried (the sealed payload is erased once a message is sent or given up).',
  })
  @ApiPageEnvelope(MailMessageResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  list(@Query() query: ListMailQuery): Promise<Page<MailMessageResponse>> {
    return this.mail.list(query, { status: query.status, recipient: query.recipient });
  }
}
