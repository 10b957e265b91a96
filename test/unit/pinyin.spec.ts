import { namePinyin, nameSearchTerms, nameSearchText } from '../../src/users/pinyin';

describe('name pinyin', () => {
  it.each([
    ['张三', 'zhang san'],
    ['曾小贤', 'zeng xiao xian'],
    ['单田芳', 'shan tian fang'],
    ['欧阳娜娜', 'ou yang na na'],
    ['李 Lei', 'li lei'],
    ['John Smith', null],
    [null, null],
    ['', null],
  ])('%p -> %p', (name, expected) => {
    expect(namePinyin(name)).toBe(expected);
  });

  it('searches by the name, the joined pinyin and the initials', () => {
    expect(nameSearchText('张三')).toBe('张三 zhangsan zs');
    expect(nameSearchText('John Smith')).toBe('john smith johnsmith');
    expect(nameSearchText(null)).toBeNull();
  });

  it('looks for the query as typed and without spaces', () => {
    expect(nameSearchTerms(' Zhang San ')).toEqual(['zhang san', 'zhangsan']);
    expect(nameSearchTerms('zs')).toEqual(['zs']);
  });
});
