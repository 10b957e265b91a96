'use strict';
// Realistic people for the benchmark data set: Chinese names (with pinyin, as the service derives it)
// and English names, and usernames built from them.
const { pinyin } = require('pinyin-pro');

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '高',
  '林',
  '罗',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
  '彭',
  '曾',
  '肖',
  '田',
  '董',
  '袁',
  '潘',
  '于',
  '蒋',
  '蔡',
  '余',
  '杜',
  '叶',
  '程',
  '苏',
  '魏',
  '吕',
  '丁',
  '任',
  '沈',
  '欧阳',
  '司马',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '华',
  '玉兰',
  '萍',
  '红',
  '鑫',
  '波',
  '斌',
  '宇',
  '浩',
  '凯',
  '健',
  '俊',
  '帆',
  '帅',
  '旭',
  '宁',
  '龙',
  '林',
  '欣',
  '婷',
  '雪',
  '琳',
  '晨',
  '子轩',
  '梓涵',
  '一诺',
  '欣怡',
  '浩然',
  '宇轩',
  '雨桐',
  '思远',
  '佳怡',
];
const FIRST = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Daniel',
  'Lisa',
  'Matthew',
  'Nancy',
  'Anthony',
  'Betty',
  'Mark',
  'Sandra',
  'Emily',
  'Olivia',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Walker',
  'Hall',
  'Allen',
  'Young',
  'King',
];

/** Mirrors src/users/pinyin.ts (the service derives the same values for names it stores). */
function derive(name) {
  const han = /\p{Script=Han}/u.test(name);
  const lower = name.toLowerCase();
  const parts = [lower, lower.replace(/\s+/g, '')];
  let namePinyin = null;
  if (han) {
    namePinyin = pinyin(name, { toneType: 'none', type: 'array', surname: 'head', nonZh: 'consecutive', v: true })
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)
      .join(' ');
    const initials = pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', surname: 'head', nonZh: 'removed' });
    parts.push(namePinyin.replace(/\s+/g, ''), initials.join('').toLowerCase());
  }
  return { namePinyin, nameSearch: [...new Set(parts.filter(Boolean))].join(' ') };
}

/** `count` distinct people: about two thirds Chinese names, one third English. */
function people(count) {
  const out = [];
  for (let index = 0; index < count; index += 1) {
    let name;
    let base;
    if (index % 3 !== 2) {
      const surname = SURNAMES[index % SURNAMES.length];
      const given = GIVEN[Math.floor(index / SURNAMES.length) % GIVEN.length];
      name = surname + given;
      base = pinyin(name, { toneType: 'none', type: 'array', surname: 'head' })
        .join('')
        .replace(/[^a-z]/g, '');
    } else {
      const first = FIRST[index % FIRST.length];
      const last = LAST[Math.floor(index / FIRST.length) % LAST.length];
      name = `${first} ${last}`;
      base = `${first}${last}`.toLowerCase();
    }
    out.push({ name, base: base.slice(0, 12), ...derive(name) });
  }
  return out;
}

module.exports = { people, derive };
