import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; override with CHROMIUM_PATH. Absent means a loud failure, never a skip. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags that work headless as root on these machines, with no outbound network noise. */
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches real Chromium in a fresh profile; `close()` removes the profile. */
export async function launchChromium(extraArgs: string[] = []): Promise<BrowserContext & { dispose(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run 'apt-get install -y chromium' (or .ci/run)`);
  const profile = mkdtempSync(join(tmpdir(), 'pushline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...extraArgs],
  });
  return Object.assign(context, {
    async dispose() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
}

/**
 * Imports an ES module into the page and exposes its namespace as `globalThis[name]`.
 * (A dynamic `import()` written inside `page.evaluate` would be rewritten by vitest.)
 */
export async function loadModule(page: import('playwright-core').Page, path: string, name: string): Promise<void> {
  await page.addScriptTag({ type: 'module', content: `import * as m from ${JSON.stringify(path)}; globalThis[${JSON.stringify(name)}] = m;` });
  await page.waitForFunction((n) => n in globalThis, name);
}
