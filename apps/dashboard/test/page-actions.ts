import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { TEST_OUTPUT } from './browser';

/** Signs in on the sign-in form with the key. */
export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.waitForSelector('#api-key');
  await page.type('#api-key', apiKey);
  await page.click('form button[type="submit"]');
  await page.waitForSelector('nav[aria-label="Main"]');
}

/** Waits until an element matching the selector contains the text. */
export async function waitForText(page: Page, selector: string, text: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((s, t) => [...document.querySelectorAll(s)].some((element) => element.textContent?.includes(t)), { timeout }, selector, text);
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '');
}

/** Follows a link by its text, as a user clicks it (the app routes it without a page load). */
export async function clickLink(page: Page, text: string, within = 'body'): Promise<void> {
  const clicked = await page.evaluate(
    (scope, label) => {
      const link = [...document.querySelectorAll<HTMLAnchorElement>(`${scope} a`)].find((a) => a.textContent?.trim() === label);
      link?.click();
      return Boolean(link);
    },
    within,
    text,
  );
  if (!clicked) throw new Error(`no link "${text}" in ${within}`);
}

/** How many steps the chart with this title shows. */
export async function chartPoints(page: Page, title: string): Promise<number> {
  return page.$$eval('figure.chart', (figures, t) => Number(figures.find((f) => f.querySelector('figcaption strong')?.textContent === t)?.getAttribute('data-points') ?? 0), title);
}

/** Clicks a download button and returns the file the browser saved (under test-output/downloads). */
export async function downloadByButton(page: Page, label: string, fileName: string, timeoutMs = 60_000): Promise<string> {
  const dir = join(TEST_OUTPUT, 'downloads');
  mkdirSync(dir, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
  await page.click(`::-p-text(${label})`);
  const path = join(dir, fileName);
  const deadline = Date.now() + timeoutMs;
  // Chromium writes to a .crdownload file and renames it when the download is complete.
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${fileName} was not downloaded within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return readFileSync(path, 'utf8');
}
