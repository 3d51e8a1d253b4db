import type { AxeResults, RunOptions } from 'axe-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Screenshots and accessibility results of the browser tests (gitignored). */
export const TEST_OUTPUT = resolve(__dirname, '../test-output');

/** Debian's `chromium` (tools/ci/install-system-packages.sh installs it); nothing is downloaded. */
export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim().split('\n')[0];
  } catch {
    throw new Error('No chromium on PATH: install Debian\'s package (`apt-get install chromium`, as tools/ci/install-system-packages.sh does).');
  }
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--window-size=1280,900'],
    defaultViewport: { width: 1280, height: 900 },
  });
}

/** A page whose own scripts run under the gateway's CSP, with axe-core injectable (the test's own script, not the app's). */
export async function openPage(browser: Browser | Awaited<ReturnType<Browser['createBrowserContext']>>): Promise<Page> {
  const page = await browser.newPage();
  await page.setBypassCSP(true);
  page.setDefaultTimeout(60_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const path = join(TEST_OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.x A/AA rules (and best practices) on the page as it is now; returns the serious and critical
 * violations (every violation is saved beside the screenshots).
 */
export async function seriousViolations(page: Page, name: string): Promise<AxeFinding[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: source });
  const results = (await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } };
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  })) as AxeFinding[];
  mkdirSync(TEST_OUTPUT, { recursive: true });
  writeFileSync(join(TEST_OUTPUT, `${name}.axe.json`), `${JSON.stringify(results, null, 2)}\n`);
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
