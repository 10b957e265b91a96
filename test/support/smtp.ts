import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort, waitFor } from './service';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The token of the first `?token=` link in the text, if any. */
  token: string | null;
  link: string | null;
  receivedAt: number;
}

/**
 * A real SMTP server (the smtp-server package) for the tests, on 127.0.0.1. It can be taken down and
 * brought back on the same port (`down`, `up`), or made to hold every message without answering
 * (`hold`: the client waits for the reply to DATA, as with a server that hangs).
 */
export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  private holding = false;
  private held: Array<() => void> = [];

  private constructor(readonly port: number) {}

  static async start(): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer(await freePort());
    await smtp.up();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // down() drops open (pooled) connections almost at once, as a server that goes away would.
      closeTimeout: 100,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const accept = (): void => {
            void simpleParser(Buffer.concat(chunks)).then((parsed) => {
              const text = parsed.text ?? '';
              const link = /https?:\/\/\S+\?token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
              const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
              this.messages.push({
                to: to ?? '',
                subject: parsed.subject ?? '',
                text,
                html: typeof parsed.html === 'string' ? parsed.html : '',
                messageId: parsed.messageId ?? '',
                token: link ? new URL(link).searchParams.get('token') : null,
                link,
                receivedAt: Date.now(),
              });
              callback();
            });
          };
          if (this.holding) this.held.push(() => callback(new Error('dropped')));
          else accept();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  /** Stops listening and drops open connections: clients get connection refused until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages received and not answered (while holding). */
  get heldCount(): number {
    return this.held.length;
  }

  /** While holding, messages are received but never answered (held ones are refused on release). */
  hold(on: boolean): void {
    this.holding = on;
    if (!on) for (const release of this.held.splice(0)) release();
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((mail) => mail.to.toLowerCase() === address.toLowerCase());
  }

  async waitFor(address: string, count = 1, timeoutMs = 30000): Promise<ReceivedMail[]> {
    await waitFor(async () => this.to(address).length >= count, timeoutMs, `${count} mail(s) to ${address}`);
    return this.to(address);
  }

  async stop(): Promise<void> {
    this.hold(false);
    await this.down();
  }
}
