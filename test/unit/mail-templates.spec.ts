import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { MAIL_LANGUAGES, MAIL_TEMPLATES, MailTemplates } from '../../src/mail/mail-templates';
import { mailLanguage } from '../../src/mail/mail.service';

const VARS = {
  username: 'alice<b>',
  email: 'alice@example.com',
  new_email: 'new@example.com',
  link: 'https://app.test/reset-password?token=abc&x=1',
  forgot_link: 'https://app.test/forgot-password',
  ttl_minutes: '30',
  ttl_hours: '24',
};

const config = (env: Record<string, string> = {}) =>
  loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'k'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz012345', ...env });

describe('mail templates', () => {
  const templates = new MailTemplates(config());

  it.each(MAIL_TEMPLATES.flatMap((template) => MAIL_LANGUAGES.map((language) => [template, language] as const)))(
    '%s (%s) renders subject, text and HTML with every placeholder filled',
    (template, language) => {
      const mail = templates.render(template, language, VARS);
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part.length).toBeGreaterThan(0);
        expect(part).not.toMatch(/\{\{/);
      }
      expect(mail.subject).not.toMatch(/[\r\n]/);
      // Values are escaped in HTML, verbatim in text.
      expect(mail.html).not.toContain('alice<b>');
      expect(mail.html).toContain('alice&lt;b&gt;');
      expect(mail.text).toContain('alice<b>');
      if (template === 'password-reset' || template === 'email-verify') {
        expect(mail.text).toContain(VARS.link);
        expect(mail.html).toContain('https://app.test/reset-password?token=abc&amp;x=1');
      }
    },
  );

  it('MAIL_TEMPLATES_DIR replaces templates file by file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-templates-'));
    try {
      mkdirSync(join(dir, 'en'));
      writeFileSync(join(dir, 'en', 'password-reset.subject'), 'Custom {{username}}');
      const custom = new MailTemplates(config({ MAIL_TEMPLATES_DIR: dir }));
      const mail = custom.render('password-reset', 'en', VARS);
      expect(mail.subject).toBe('Custom alice<b>');
      expect(mail.text).toContain(VARS.link);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chooses the language: language_preference, else Accept-Language', () => {
    expect(mailLanguage('zh-CN', 'en')).toBe('zh-CN');
    expect(mailLanguage('en', 'zh')).toBe('en');
    expect(mailLanguage(null, 'zh')).toBe('zh-CN');
    expect(mailLanguage(null, undefined)).toBe('en');
  });
});
