import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';

describe('migrations/index.ts', () => {
  const folder = join(__dirname, '..', '..', 'migrations');
  const files = readdirSync(folder)
    .filter((file) => /^\d+-\w+\.ts$/.test(file))
    .sort();

  it('lists every migration file of the folder, in timestamp order', () => {
    const listed = MIGRATIONS.map((migration) => new migration().name);
    const expected = files.map((file) => {
      const [timestamp, name] = file.replace(/\.ts$/, '').split('-');
      return `${name}${timestamp}`;
    });
    expect(listed).toEqual(expected);
  });
});
