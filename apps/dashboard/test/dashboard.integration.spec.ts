import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium, openPage, screenshot, seriousViolations } from './browser';
import { startEmbeddedPlatform, type RunningPlatform } from './embedded-platform';
import { JOB_OPTIONS, writeReactDatasets } from './react-dataset';
import { chartPoints, clickLink, downloadByButton, signIn, textOf, waitForText } from './page-actions';

const KEY_A = 'dashboard-key-a';
const KEY_B = 'dashboard-key-b';

/**
 * The dashboard in a real browser (Debian's Chromium, driven by puppeteer-core) against `npm run start:embedded` on the
 * tiny model: a tenant creates a ReAct tool-use job from the UI, watches its loss curve fill, answers the halfway question,
 * reads the evaluation report and an agent episode, the data report and the models, and chats in the playground; another
 * tenant's UI shows none of it. Every page gets a screenshot and an axe-core check (no serious or critical violation).
 */
describe('the dashboard, in a browser, on an embedded platform', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  const screenshots: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startEmbeddedPlatform({ [KEY_A]: 'dash-a', [KEY_B]: 'dash-b' }), launchChromium()]);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (platform) expect(await platform.stop()).toBe(0);
    process.stdout.write(`dashboard screenshots:\n${screenshots.map((path) => `  ${path}`).join('\n')}\ndashboard browser test: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 60_000);

  /** A screenshot and an axe check of the page as it stands. */
  async function record(page: Page, name: string): Promise<void> {
    screenshots.push(await screenshot(page, name));
    expect({ page: name, violations: await seriousViolations(page, name) }).toEqual({ page: name, violations: [] });
  }

  /** A failure says where the browser was (a screenshot of each open page) and what the platform logged. */
  async function withOutput(scenario: () => Promise<void>): Promise<void> {
    try {
      await scenario();
    } catch (error) {
      const pages = await browser.pages();
      const shots = await Promise.all(pages.map((open, index) => screenshot(open, `failure-${index}`).catch(() => null)));
      throw new Error(`${(error as Error).stack}\nscreenshots: ${shots.filter(Boolean).join(', ')}\n--- platform output ---\n${platform.output().slice(-4000)}`);
    }
  }

  it('the gateway answers a client route with the app, and keeps /v1 and the probes its own', async () => {
    expect((await fetch(`${platform.gatewayUrl}/healthz`)).status).toBe(200);
    const page = await fetch(`${platform.gatewayUrl}/jobs/anything`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${platform.gatewayUrl}/v1/models`)).status).toBe(401);
  });

  it('a job from the UI: live curves, the halfway question answered, reports, models and a chat', async () => {
    await withOutput(async () => {
      const page = await openPage(browser);
      await page.goto(`${platform.gatewayUrl}/`);
      await record(page, '01-sign-in');
      await signIn(page, KEY_A);
      await waitForText(page, 'h1', 'Jobs');

      // By keyboard: the skip link is the first stop, it leads to the page, whose first control opens the new-job form.
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Skip to content');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('New job');
      await page.keyboard.press('Enter');
      // The new-job form: the ReAct files uploaded from disk, the halfway question asked of a human.
      await page.waitForSelector('form.new-job');
      // Controls are found by their accessible names: the labels a screen reader reads.
      await page.waitForSelector('form.new-job option[value="tiny-llama"]');
      await page.select('::-p-aria(Base model)', 'tiny-llama');
      const files = writeReactDatasets();
      const training = await page.$('input[type="file"][required]');
      await training!.uploadFile(files.training);
      const inputs = await page.$$('input[type="file"]');
      await inputs[2].uploadFile(files.evaluation);
      await page.type('::-p-aria(Epochs)', '2');
      await page.type('::-p-aria(Batch size)', '8');
      await page.select('::-p-aria(Halfway through training)', 'ask');
      await page.type('form.new-job textarea.code', JSON.stringify(JOB_OPTIONS));
      await record(page, '02-new-job-form');
      await page.click('form.new-job button[type="submit"]');
      await page.waitForFunction(() => /^\/jobs\/ftjob-/.test(window.location.pathname), { timeout: 120_000 });
      const jobId = decodeURIComponent((await page.evaluate(() => window.location.pathname)).split('/').pop()!);

      // The loss curve fills from the event stream while the run trains, up to the halfway question.
      await page.waitForFunction(() => Number(document.querySelector('figure.chart')?.getAttribute('data-points') ?? 0) >= 2, { timeout: 300_000 });
      const early = await chartPoints(page, 'Loss');
      await waitForText(page, '.notice', 'Waiting for your answer', 300_000);
      const atHalfway = await chartPoints(page, 'Loss');
      expect(atHalfway).toBeGreaterThanOrEqual(early);
      await record(page, '03-job-detail-halfway');

      // The question, answered on the Approvals page.
      await clickLink(page, 'Approvals');
      await waitForText(page, 'article.approval h2', 'Continue?');
      await record(page, '04-approvals');
      await page.click('article.approval button:not(.danger)');
      await waitForText(page, '[role="status"]', 'Nothing is waiting for an answer.');

      // The run goes on: the curve keeps filling until the job has trained, been evaluated and succeeded.
      await page.goto(`${platform.gatewayUrl}/jobs/${jobId}`);
      await waitForText(page, '.facts .badge', 'Succeeded', 600_000);
      expect(await chartPoints(page, 'Loss')).toBeGreaterThan(atHalfway);
      await waitForText(page, '.iterations', 'Iteration 1');
      // The trace link searches Jaeger for the job's spans by their tuneforge.job_id attribute.
      const trace = new URL((await page.$eval('.jaeger a', (a) => a.getAttribute('href')))!);
      expect({ service: trace.searchParams.get('service'), tags: JSON.parse(trace.searchParams.get('tags')!) }).toEqual({ service: 'tuneforge-gateway', tags: { 'tuneforge.job_id': jobId } });
      await record(page, '05-job-detail-succeeded');

      // The evaluation report, and one agent episode opened step by step.
      await clickLink(page, 'Evaluation', '.facts');
      await waitForText(page, 'table.metrics caption', 'Base');
      await page.waitForSelector('details.episode');
      await page.focus('details.episode summary');
      await page.keyboard.press('Enter');
      await page.waitForSelector('details.episode[open] ol.turns');
      expect(await textOf(page, 'details.episode[open]')).toMatch(/Generation 1/);
      await record(page, '06-evaluation-episode');

      await page.goto(`${platform.gatewayUrl}/data/${jobId}`);
      await waitForText(page, 'h2', 'Overview');
      await record(page, '07-data-quality');

      await clickLink(page, 'Models');
      await waitForText(page, 'h2', 'Tuned models');
      await page.waitForSelector('article.card details summary');
      const tuned = (await textOf(page, 'article.card h3')).trim();
      expect(tuned).toMatch(/^ft:tiny-llama:dash-a:/);
      await page.click('article.card details summary');
      await waitForText(page, 'article.card details[open]', 'Download');
      await record(page, '08-models');
      // A download goes through the browser with the key: the merged model's config.json lands on disk.
      const downloaded = await downloadByButton(page, 'Download config.json', `${jobId}-merged-config.json`);
      expect(JSON.parse(downloaded)).toMatchObject({ vocab_size: expect.any(Number) });

      // The playground: a streamed chat with the tuned model.
      await page.goto(`${platform.gatewayUrl}/playground?model=${encodeURIComponent(tuned)}`);
      await page.waitForSelector(`option[value="${tuned}"]`);
      await page.type('#chat-input', 'What is the weather in Paris?');
      await page.click('form.composer button[type="submit"]');
      // The reply streams in and ends with its finish reason (a tiny model's words are whatever they are).
      await waitForText(page, '.message.assistant .finish', 'Finished:', 120_000);
      expect(await page.$('main [role="alert"]')).toBeNull();
      expect(await textOf(page, '.message.user')).toContain('What is the weather in Paris?');
      await record(page, '09-playground');
      await page.close();

      // Another tenant, in its own browser context: none of it.
      await expectOtherTenantSeesNothing(jobId);
    });
  }, 900_000);

  async function expectOtherTenantSeesNothing(jobId: string): Promise<void> {
    // Tenant B has a job of its own (created and cancelled through the API): tenant A's list must not show it either.
    const upload = new FormData();
    upload.append('purpose', 'fine-tune');
    upload.append('file', new Blob([readFileSync(writeReactDatasets().training)]), 'b.jsonl');
    const auth = { authorization: `Bearer ${KEY_B}` };
    const file = (await (await fetch(`${platform.gatewayUrl}/v1/files`, { method: 'POST', headers: auth, body: upload })).json()) as { id: string };
    const created = await fetch(`${platform.gatewayUrl}/v1/fine_tuning/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tiny-llama', training_file: file.id }) });
    const jobB = ((await created.json()) as { id: string }).id;
    await fetch(`${platform.gatewayUrl}/v1/fine_tuning/jobs/${jobB}/cancel`, { method: 'POST', headers: auth });

    const context = await browser.createBrowserContext();
    const page = await openPage(context);
    await page.goto(`${platform.gatewayUrl}/jobs`);
    await signIn(page, KEY_B);
    await page.waitForSelector(`tr[data-job-id="${jobB}"]`);
    expect(await page.$$eval('tr[data-job-id]', (rows) => rows.map((row) => row.getAttribute('data-job-id')))).toEqual([jobB]);
    expect(await page.content()).not.toContain(jobId);
    await record(page, '10-other-tenant-jobs');
    await page.goto(`${platform.gatewayUrl}/jobs/${jobId}`);
    await waitForText(page, '[role="alert"]', 'No such');
    await page.goto(`${platform.gatewayUrl}/approvals`);
    await waitForText(page, '[role="status"]', 'Nothing is waiting for an answer.');
    await context.close();

    // And tenant A's list, in a new tab signed in with A's key, holds A's job and not B's.
    const own = await openPage(browser);
    await own.goto(`${platform.gatewayUrl}/jobs`);
    await signIn(own, KEY_A);
    await own.waitForSelector(`tr[data-job-id="${jobId}"]`);
    expect(await own.$(`tr[data-job-id="${jobB}"]`)).toBeNull();
    await own.close();
  }
});
