import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// scripts/production-command.js is plain CommonJS shared with the bench and the build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { productionCommand } = require('../../scripts/production-command') as {
  productionCommand: () => { env: Record<string, string>; flags: string[] };
};

const root = join(__dirname, '..', '..');

/** The last stage of the Dockerfile (the image that runs): its ENV pairs and its CMD's node flags. */
function imageCommand(): { env: Record<string, string>; flags: string[] } {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages = dockerfile.split(/^FROM /m);
  const lines = stages[stages.length - 1].split('\n');
  const env: Record<string, string> = {};
  for (const line of lines.filter((entry) => entry.startsWith('ENV '))) {
    for (const pair of line.slice(4).trim().split(/\s+/)) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  }
  const cmd = lines.find((line) => line.startsWith('CMD ['));
  const argv = JSON.parse((cmd ?? 'CMD []').slice(4)) as string[];
  return { env, flags: argv.slice(1, -1) };
}

describe('the Docker image starts the service as `npm run start:prod` does', () => {
  const prod = productionCommand();
  const image = imageCommand();

  it('sets the malloc settings of start:prod, with the same values', () => {
    expect(Object.keys(prod.env).sort()).toEqual(['GLIBC_TUNABLES', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_']);
    for (const [name, value] of Object.entries(prod.env)) expect({ name, value: image.env[name] }).toEqual({ name, value });
  });

  it('asks for transparent huge pages, so an argon2id hash does not fault in its memory page by page', () => {
    expect(prod.env.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
  });

  it('passes node the same flags', () => {
    expect(image.flags).toEqual(prod.flags);
  });
});
