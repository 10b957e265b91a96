import type { LocalizedText } from '../errors/error-codes';

export type Language = 'en' | 'zh';

/**
 * Picks the message language from Accept-Language: Simplified Chinese when the client
 * prefers any zh variant over English, English otherwise (q-values honoured).
 */
export function preferredLanguage(acceptLanguage: string | string[] | undefined): Language {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  if (!header) return 'en';
  let best: { language: Language; q: number } | undefined;
  for (const part of header.slice(0, 512).split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const language: Language | undefined = tag.startsWith('zh') ? 'zh' : tag.startsWith('en') || tag === '*' ? 'en' : undefined;
    if (!language) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { language, q };
  }
  return best?.language ?? 'en';
}

export function localize(text: LocalizedText | string, language: Language): string {
  return typeof text === 'string' ? text : text[language];
}
