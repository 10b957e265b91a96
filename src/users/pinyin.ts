import type { pinyin as Pinyin } from 'pinyin-pro';

/**
 * pinyin-pro and its dictionary (some 3 MiB of heap) are loaded with the first Chinese name rather
 * than at start-up, and stay out of the bundle (docs/architecture.md, Memory). Synchronous, as its
 * callers are.
 */
let pinyinFunction: ((...args: unknown[]) => unknown) | undefined;
const pinyin = ((...args: unknown[]) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  pinyinFunction ??= (require('pinyin-pro') as { pinyin: (...args: unknown[]) => unknown }).pinyin;
  return pinyinFunction(...args);
}) as typeof Pinyin;

const HAN = /\p{Script=Han}/u;

/** `name_pinyin` as shown to clients: "zhang san" for 张三; null for names without Chinese characters. */
export function namePinyin(name: string | null | undefined): string | null {
  if (!name || !HAN.test(name)) return null;
  const syllables = pinyin(name, { toneType: 'none', type: 'array', surname: 'head', nonZh: 'consecutive', v: true });
  return syllables
    .map((syllable) => syllable.trim().toLowerCase())
    .filter(Boolean)
    .join(' ')
    .slice(0, 600);
}

/**
 * The text the fuzzy `name` filter searches: the name itself, its pinyin without spaces and the
 * pinyin initials, so 张三 is found by "张", "zhangsan", "zhang san", "san" and "zs".
 */
export function nameSearchText(name: string | null | undefined): string | null {
  if (!name) return null;
  const lower = name.toLowerCase();
  const parts = [lower, lower.replace(/\s+/g, '')];
  if (HAN.test(name)) {
    const full = namePinyin(name) ?? '';
    const initials = pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', surname: 'head', nonZh: 'removed' });
    parts.push(full.replace(/\s+/g, ''), initials.join('').toLowerCase());
  }
  return [...new Set(parts.filter(Boolean))].join(' ');
}

/** The query forms to look for: as typed (lower-cased) and without spaces. */
export function nameSearchTerms(query: string): string[] {
  const lower = query.trim().toLowerCase();
  return [...new Set([lower, lower.replace(/\s+/g, '')].filter(Boolean))];
}
