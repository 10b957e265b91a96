import { nestJsonLogger } from '../../src/logging/process-logger';
import { serviceLogger } from '../../src/logging/request-log';

/** The lines a serviceLogger writes, parsed. */
function capture(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof serviceLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = serviceLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, logger };
}

describe('serviceLogger', () => {
  it('writes an error as its type, a short message and its codes, never its stack', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('x'.repeat(500)), {
      code: '23505',
      constraint: 'users_email_key',
      detail: 'Key (email)=(a@b.c)',
    });
    logger.error({ err: error }, 'failed');
    const err = lines[0].err as Record<string, unknown>;
    expect(err).toEqual({ type: 'Error', message: 'x'.repeat(300), code: '23505', constraint: 'users_email_key' });
    expect(JSON.stringify(lines[0])).not.toMatch(/stack|at Object|request-log\.spec/);
  });

  it('redacts passwords, tokens and invitation codes at the top of a line and one level down', () => {
    const { lines, logger } = capture();
    logger.info({ password: 'p1', data: { refresh_token: 't1', invitation_code: 'c1', username: 'kept' } }, 'line');
    expect(lines[0]).toEqual(
      expect.objectContaining({
        password: '[redacted]',
        data: { refresh_token: '[redacted]', invitation_code: '[redacted]', username: 'kept' },
      }),
    );
  });

  it('writes nothing below its level', () => {
    const lines: string[] = [];
    serviceLogger('warn', { write: (line: string) => void lines.push(line) }).info('not written');
    expect(lines).toEqual([]);
  });
});

describe("nestJsonLogger (Nest's Logger over the service logger)", () => {
  it('writes an object message with its fields at the top, the next string as the message, the context last', () => {
    const { lines, logger } = capture();
    nestJsonLogger(logger).log({ mail: { to: 'a@example.com' } }, 'mail sent', 'Mail');
    expect(lines[0]).toEqual(expect.objectContaining({ context: 'Mail', mail: { to: 'a@example.com' }, msg: 'mail sent' }));
  });

  it("drops the stack Nest passes after an error's message", () => {
    const { lines, logger } = capture();
    nestJsonLogger(logger).error('it failed', 'Error: it failed\n    at f (/app/x.js:1:1)', 'Worker');
    expect(lines[0]).toEqual(expect.objectContaining({ context: 'Worker', msg: 'it failed' }));
    expect(JSON.stringify(lines[0])).not.toContain('x.js');
  });
});
