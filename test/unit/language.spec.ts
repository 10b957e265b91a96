import { preferredLanguage } from '../../src/common/i18n/language';

describe('preferredLanguage', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['zh', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['zh-TW', 'zh'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR', 'en'],
    ['fr, zh;q=0.5', 'zh'],
    ['zh;q=0.3, en;q=0.9', 'en'],
    ['en;q=0.2, zh-Hans;q=0.8', 'zh'],
    ['zh;q=0', 'en'],
    [['zh-CN'], 'zh'],
  ])('%p -> %s', (header, expected) => {
    expect(preferredLanguage(header as string | string[] | undefined)).toBe(expected);
  });
});
