import { ErrorCode } from '../../src/common/errors/error-codes';
import { ErrorLog, OUTAGE_REPEAT_MS } from '../../src/common/errors/error-log';
import { toErrorResponse } from '../../src/common/errors/error-response';

function recorder(): { lines: Array<[string, Record<string, unknown>, string]>; sink: ConstructorParameters<typeof ErrorLog>[0] } {
  const lines: Array<[string, Record<string, unknown>, string]> = [];
  return {
    lines,
    sink: {
      error: (object, message) => lines.push(['error', object, message]),
      warn: (object, message) => lines.push(['warn', object, message]),
      log: (object, message) => lines.push(['info', object, message]),
    },
  };
}

const databaseDown = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
/** What Fastify's body reader hands on when the client resets the connection mid-body. */
const clientAbort = (): Error => Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });

describe('ErrorLog', () => {
  it('logs a client abort as an info line with its own reason, never as 50301', () => {
    const { lines, sink } = recorder();
    const response = toErrorResponse(clientAbort());
    expect(response.code).not.toBe(ErrorCode.DATABASE_UNAVAILABLE);
    new ErrorLog(sink).record(response, 'req-1');
    expect(lines).toEqual([['info', { reqId: 'req-1', reason: 'client-aborted' }, expect.any(String)]]);
  });

  it('still takes a driver ECONNRESET (no HTTP status) for the database', () => {
    const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toErrorResponse(error).code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
  });

  it('logs an outage on its transitions: down once, still down every interval, back once', () => {
    const { lines, sink } = recorder();
    let now = 1_000_000;
    const log = new ErrorLog(sink, () => now);
    for (let index = 0; index < 50; index += 1) {
      log.record(toErrorResponse(databaseDown()), `req-${index}`);
      now += 100;
    }
    expect(lines.map(([level, object]) => [level, object.outage])).toEqual([['error', 'down']]);
    now += OUTAGE_REPEAT_MS;
    log.record(toErrorResponse(databaseDown()), 'req-late');
    log.record(toErrorResponse(databaseDown()), 'req-later');
    log.databaseAnswered();
    log.databaseAnswered();
    expect(lines.map(([level, object]) => [level, object.outage])).toEqual([
      ['error', 'down'],
      ['error', 'still-down'],
      ['warn', 'back'],
    ]);
    expect(lines[1][1]).toEqual(expect.objectContaining({ refused: 51 }));
    expect(lines[2][1]).toEqual(expect.objectContaining({ refused: 52 }));
  });

  it('logs any other 5xx once per request with its summary', () => {
    const { lines, sink } = recorder();
    new ErrorLog(sink).record(toErrorResponse(new TypeError('boom')), 'req-9');
    expect(lines).toEqual([['error', expect.objectContaining({ errorCode: ErrorCode.INTERNAL, reqId: 'req-9' }), 'request failed']]);
  });
});
