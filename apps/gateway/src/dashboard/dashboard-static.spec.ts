import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_MISSING_MESSAGE, lookUp } from './dashboard-bundle';
import { DashboardModule } from './dashboard.module';

/** Stand-ins for the API and a probe, registered as the gateway registers its own routes. */
@Controller()
class ApiLikeController {
  @Get('v1/models')
  models() {
    return { object: 'list', data: [] };
  }

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }
}

function rawStatus(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/`, { path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

function bundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-dashboard-bundle-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tuneforge</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

async function start(bundleDir: string | null): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [DashboardModule.forBundle(bundleDir)], controllers: [ApiLikeController] })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('the dashboard served at /', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => ({ app, url } = await start(bundle())));
  afterAll(() => app.close());

  it('answers / and any client route with index.html, uncached, under a strict content security policy', async () => {
    for (const path of ['/', '/index.html', '/jobs', '/jobs/ftjob-abc', '/approvals?job=1']) {
      const response = await fetch(`${url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<title>Tuneforge</title>');
    }
  });

  it('serves hashed assets for good and answers a missing one 404, not with the page', async () => {
    const asset = await fetch(`${url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    expect((await fetch(`${url}/favicon.svg`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${url}/assets/gone-123.js`)).status).toBe(404);
  });

  it('never shadows the API or the probes', async () => {
    const models = await fetch(`${url}/v1/models`);
    expect(await models.json()).toEqual({ object: 'list', data: [] });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    // An unknown API path keeps the API's 404 (JSON), not the page.
    const unknown = await fetch(`${url}/v1/no-such-thing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
  });

  it('reads nothing outside the bundle', async () => {
    expect(lookUp('/srv/bundle-that-is-not-there', '/')).toEqual({ kind: 'missing-bundle' });
    const dir = bundle();
    expect(lookUp(dir, '/../../etc/passwd')).toEqual({ kind: 'not-found' });
    expect(lookUp(dir, '/%2e%2e/%2e%2e/etc/passwd')).toEqual({ kind: 'not-found' });
    expect(lookUp(dir, '/assets/%00.js')).toEqual({ kind: 'not-found' });
    // Sent as written (fetch would normalise the dots away before sending).
    for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fhosts']) expect({ path, status: await rawStatus(url, path) }).toEqual({ path, status: 404 });
  });
});

describe('the dashboard before it is built', () => {
  it('answers / with how to build it, and the API still answers', async () => {
    const { app, url } = await start(mkdtempSync(join(tmpdir(), 'tf-dashboard-empty-')));
    try {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toBe(`${BUNDLE_MISSING_MESSAGE}\n`);
      expect((await fetch(`${url}/v1/models`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
