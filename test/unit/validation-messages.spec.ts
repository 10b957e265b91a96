import { ValidationError } from 'class-validator';
import { toChinese, toFieldErrors } from '../../src/common/pipes/validation-messages';

describe('validation messages', () => {
  it.each([
    ['property role should not exist', '不允许的字段：role'],
    ['username must be longer than or equal to 6 characters', 'username 的长度不能少于 6 个字符'],
    ['age must not be greater than 150', 'age 不能大于 150'],
    ['password must be 6 to 128 characters', 'password 的长度必须在 6 到 128 个字符之间'],
    ['the current password is incorrect', '当前密码不正确'],
    ['something nobody translated', 'something nobody translated'],
  ])('%s -> %s', (english, chinese) => {
    expect(toChinese(english)).toBe(chinese);
  });

  it('flattens nested errors to dotted fields, the most telling rule per field', () => {
    const error = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError =>
      Object.assign(new ValidationError(), { property, constraints, children });
    const fields = toFieldErrors([
      error('username', { matches: 'username bad', isString: 'username must be a string' }),
      error('profile', undefined, [error('age', { max: 'age must not be greater than 150' })]),
    ]);
    expect(fields).toEqual([
      { field: 'username', message: { en: 'username must be a string', zh: 'username 必须是字符串' } },
      { field: 'profile.age', message: { en: 'age must not be greater than 150', zh: 'age 不能大于 150' } },
    ]);
  });
});
