import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppException } from '../../src/common/errors/app.exception';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { isDatabaseUnavailable, toErrorResponse } from '../../src/common/errors/error-response';

const queryError = (code: string, message = 'boom'): QueryFailedError =>
  new QueryFailedError('SELECT secret FROM t WHERE a = $1', ['p4ssw0rd'], Object.assign(new Error(message), { code }));

describe('toErrorResponse', () => {
  it('keeps an AppException code, data, message and headers', () => {
    const response = toErrorResponse(AppException.tooManyRequests(4.2));
    expect(response).toEqual(expect.objectContaining({ code: ErrorCode.TOO_MANY_REQUESTS, status: 429, headers: { 'Retry-After': '5' } }));
    const validation = toErrorResponse(AppException.validation([{ field: 'x', message: 'bad' }]));
    expect(validation.data).toEqual({ errors: [{ field: 'x', message: 'bad' }] });
  });

  it.each([
    [new NotFoundException('Cannot GET /x'), ErrorCode.NOT_FOUND],
    [new PayloadTooLargeException(), ErrorCode.BODY_TOO_LARGE],
    [new HttpException('unsupported', 415), ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    [new BadRequestException(), ErrorCode.MALFORMED_REQUEST],
    [new HttpException('teapot', 418), ErrorCode.MALFORMED_REQUEST],
    [new HttpException('bad gateway', 502), ErrorCode.INTERNAL],
    [Object.assign(new Error('Body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), ErrorCode.BODY_TOO_LARGE],
    [Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), ErrorCode.UNSUPPORTED_MEDIA_TYPE],
  ])('maps %p to %s', (exception, code) => {
    expect(toErrorResponse(exception).code).toBe(code);
  });

  it('turns an unforeseen unique violation into a 409 conflict, not a 500', () => {
    expect(toErrorResponse(queryError('23505')).code).toBe(ErrorCode.CONFLICT);
  });

  it('answers 503 when the database is unreachable', () => {
    expect(toErrorResponse(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).code).toBe(
      ErrorCode.DATABASE_UNAVAILABLE,
    );
    expect(toErrorResponse(queryError('57P01', 'terminating connection due to administrator command')).code).toBe(
      ErrorCode.DATABASE_UNAVAILABLE,
    );
    expect(toErrorResponse(new Error('Connection terminated unexpectedly')).code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
  });

  it('hides everything else behind 50001 and logs a summary without SQL, parameters or stack', () => {
    const response = toErrorResponse(queryError('42P01', 'relation "t" does not exist'));
    expect(response.code).toBe(ErrorCode.INTERNAL);
    const logged = JSON.stringify(response.logSummary);
    expect(logged).not.toContain('SELECT');
    expect(logged).not.toContain('p4ssw0rd');
    expect(logged).not.toMatch(/\n\s+at /);
    expect(toErrorResponse(new TypeError('x is undefined')).code).toBe(ErrorCode.INTERNAL);
    expect(toErrorResponse('a string').code).toBe(ErrorCode.INTERNAL);
  });

  it('does not mistake ordinary errors for an outage', () => {
    expect(isDatabaseUnavailable(new Error('invalid input syntax for type uuid'))).toBe(false);
  });
});
