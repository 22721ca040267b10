// What the suites that drive real programs (redis-server, nginx, hub processes)
// need from the machine: a free loopback port, and a program that must be there.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A free loopback port (probe and release). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/**
 * The path of `name`: `$envVar` when set and present, else `firstDir`, else the
 * PATH. Missing is an error that says how to install it, never a skip.
 */
export function findBinary(name: string, envVar: string, firstDir: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of [firstDir, ...(process.env['PATH'] ?? '').split(delimiter)]) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} is not installed: \`apt-get install -y ${name}\` (or set ${envVar}). These tests never skip.`);
}
