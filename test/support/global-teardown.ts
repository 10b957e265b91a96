import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __E2E_PG__?: { stop(): Promise<void>; dataDir: string } }).__E2E_PG__;
  if (!server) return;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
}
