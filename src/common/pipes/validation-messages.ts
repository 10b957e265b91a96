import type { ValidationError } from 'class-validator';
import type { FieldError } from '../errors/app.exception';

/** Chinese renderings of class-validator's English messages, by pattern. */
const ZH_PATTERNS: Array<[RegExp, string]> = [
  [/^property (.+) should not exist$/, '不允许的字段：$1'],
  [/^(.+) must be longer than or equal to (\d+) characters?$/, '$1 的长度不能少于 $2 个字符'],
  [/^(.+) must be shorter than or equal to (\d+) characters?$/, '$1 的长度不能超过 $2 个字符'],
  [/^(.+) must be an email$/, '$1 必须是合法的邮箱地址'],
  [/^(.+) must be a string$/, '$1 必须是字符串'],
  [/^(.+) must be an integer number$/, '$1 必须是整数'],
  [/^(.+) must be a number conforming to the specified constraints$/, '$1 必须是数字'],
  [/^(.+) must not be less than (\S+)$/, '$1 不能小于 $2'],
  [/^(.+) must not be greater than (\S+)$/, '$1 不能大于 $2'],
  [/^(.+) must be one of the following values: (.*)$/, '$1 必须是以下值之一：$2'],
  [/^(.+) must be a UUID$/, '$1 必须是 UUID'],
  [/^(.+) should not be empty$/, '$1 不能为空'],
  [/^(.+) should not be null or undefined$/, '$1 为必填项'],
  [/^(.+) must be a URL address$/, '$1 必须是合法的 URL'],
  [/^(.+) must be a valid ISO 8601 date string$/, '$1 必须是合法的日期（YYYY-MM-DD）'],
  [/^(.+) must be a boolean value$/, '$1 必须是布尔值'],
  [/^(.+) must be an object$/, '$1 必须是对象'],
  [/^nested property (.+) must be either object or array$/, '$1 必须是对象'],
  [/^(.+) must match .+ regular expression$/, '$1 的格式不正确'],
  [/^(.+) must not contain NUL characters$/, '$1 不能包含 NUL 字符'],
  [/^(.+) must be an ISO-8601 date-time$/, '$1 必须是 ISO-8601 日期时间'],
  [/^(.+) must be (\d+) to (\d+) characters$/, '$1 的长度必须在 $2 到 $3 个字符之间'],
];

/** Messages the service writes itself, in both languages. */
const ZH_EXACT: Record<string, string> = {
  'username may contain only letters and digits, 6 to 22 characters': 'username 只能包含字母和数字，长度 6 到 22 个字符',
  'phone_number must be digits with an optional leading +, 6 to 20 digits': 'phone_number 必须是 6 到 20 位数字，可以 + 开头',
  'identify_id must be 17 digits followed by a digit or X': 'identify_id 必须是 17 位数字加一位数字或 X',
  'birthday must be a date (YYYY-MM-DD) not in the future': 'birthday 必须是不晚于今天的日期（YYYY-MM-DD）',
  'avatar_url must be an http(s) URL': 'avatar_url 必须是 http(s) 地址',
  'give username or email': '请提供 username 或 email',
  'is_admin must be 0 or 1': 'is_admin 必须是 0 或 1',
  'invitation is required when is_admin is 1': 'is_admin 为 1 时必须提供 invitation',
  'the current password is incorrect': '当前密码不正确',
  'the new password must differ from the current one': '新密码不能与当前密码相同',
  'the occupation does not exist': '该职业不存在',
  'cursor cannot be combined with page': 'cursor 不能与 page 同时使用',
  'cursor works with sort=created_at or sort=-created_at only': 'cursor 只能与 sort=created_at 或 sort=-created_at 一起使用',
  'cursor is not a valid position': 'cursor 不是有效的位置',
  'occupation must be an occupation number or UUID': 'occupation 必须是职业编号或 UUID',
  'phone must be digits with an optional leading +, 6 to 20 digits': 'phone 必须是 6 到 20 位数字，可以 + 开头',
  'sort may only use': 'sort 只能使用',
  'expires_at must be in the future and within one year': 'expires_at 必须是未来一年内的时间',
  'contact_phone must be a phone number: digits, spaces or dashes, 3 to 21 characters':
    'contact_phone 必须是电话号码：数字、空格或短横线，3 到 21 个字符',
};

export function toChinese(message: string): string {
  if (ZH_EXACT[message]) return ZH_EXACT[message];
  for (const [pattern, replacement] of ZH_PATTERNS) {
    if (pattern.test(message)) return message.replace(pattern, replacement);
  }
  const prefix = Object.keys(ZH_EXACT).find((key) => message.startsWith(key));
  return prefix ? ZH_EXACT[prefix] + message.slice(prefix.length) : message;
}

export function bilingual(message: string): { en: string; zh: string } {
  return { en: message, zh: toChinese(message) };
}

/** Which failed rule to report when a field breaks several: presence and type before format and size. */
const RULE_PRIORITY = [
  'whitelistValidation',
  'isDefined',
  'nestedValidation',
  'isObject',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isNotEmpty',
  'isIn',
  'isUuid',
  'isEmail',
];

function mostTelling(constraints: Record<string, string>): string {
  const rule = RULE_PRIORITY.find((name) => name in constraints);
  return rule ? constraints[rule] : Object.values(constraints)[0];
}

/** At most this many field errors are reported, so a body of thousands of unknown keys gets a short answer. */
export const MAX_FIELD_ERRORS = 50;
/** Field names and messages quote what the client sent; they are cut to these lengths. */
export const MAX_FIELD_LENGTH = 200;
export const MAX_FIELD_MESSAGE_LENGTH = 500;

const cut = (text: string, length: number): string => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

/** One field error, its field name and messages cut to length. */
export function fieldError(field: string, message: string): FieldError {
  const { en, zh } = bilingual(message);
  return { field: cut(field, MAX_FIELD_LENGTH), message: { en: cut(en, MAX_FIELD_MESSAGE_LENGTH), zh: cut(zh, MAX_FIELD_MESSAGE_LENGTH) } };
}

/** Flattens class-validator's tree into one error per field (`profile.age`), the most telling rule first. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const all = errors.flatMap((error): FieldError[] => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const mine: FieldError[] =
      error.constraints && Object.keys(error.constraints).length > 0 ? [fieldError(field, mostTelling(error.constraints))] : [];
    return [...mine, ...toFieldErrors(error.children ?? [], field)];
  });
  return parent ? all : all.slice(0, MAX_FIELD_ERRORS);
}
