import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppConfig } from '../config/app-config';

export const MAIL_TEMPLATES = ['password-reset', 'email-verify', 'email-change-notice', 'password-changed'] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];
export const MAIL_LANGUAGES = ['en', 'zh-CN'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function fill(template: string, vars: Record<string, string>, escape: (value: string) => string): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => (name in vars ? escape(vars[name]) : whole));
}

/** The built-in templates: `templates/mail` at the project root (found from the source, the build or the bundle). */
export function builtInTemplatesDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'mail');
    if (existsSync(join(candidate, 'en'))) return candidate;
    if (dirname(dir) === dir) return join(process.cwd(), 'templates', 'mail');
  }
}

/**
 * Mail templates: `<dir>/<language>/<template>.subject`, `.txt` and `.html`, with `{{name}}`
 * placeholders (HTML-escaped in the .html part). Files in MAIL_TEMPLATES_DIR replace the built-in
 * ones file by file, so an operator can replace one text and keep the rest. Read once and kept.
 */
@Injectable()
export class MailTemplates {
  private readonly cache = new Map<string, string>();
  private readonly dirs: string[];

  constructor(config: AppConfig) {
    this.dirs = [config.mail.templatesDir, builtInTemplatesDir()].filter((dir): dir is string => Boolean(dir));
  }

  render(template: MailTemplate, language: MailLanguage, vars: Record<string, string>): RenderedMail {
    const identity = (value: string): string => value;
    return {
      subject: fill(this.file(template, language, 'subject'), vars, identity)
        .trim()
        .replace(/[\r\n]+/g, ' '),
      text: fill(this.file(template, language, 'txt'), vars, identity),
      html: fill(this.file(template, language, 'html'), vars, (value) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])),
    };
  }

  private file(template: MailTemplate, language: MailLanguage, part: 'subject' | 'txt' | 'html'): string {
    const key = `${language}/${template}.${part}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const path = this.dirs.map((dir) => join(dir, key)).find((candidate) => existsSync(candidate));
    if (!path) throw new Error(`mail template ${key} not found in ${this.dirs.join(', ')}`);
    const text = readFileSync(path, 'utf8');
    this.cache.set(key, text);
    return text;
  }
}
