import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { BUNDLE_MISSING_MESSAGE, DASHBOARD_BUNDLE_DIR, isReservedPath, lookUp } from './dashboard-bundle';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * The page may run only its own scripts and talk only to this gateway: an API key kept in the browser is worth
 * protecting from injected scripts. Inline styles are allowed (the chart library positions its elements with them).
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the dashboard's static build at `/` for GET and HEAD: its files, and index.html for any other path without a
 * file extension (the app's own routes, so a reload of /jobs/ftjob-… works). The API (`/v1/...`) and the probes are
 * never answered here. The files are public: they hold no tenant data, the app asks for an API key before it calls the API.
 */
@Injectable()
export class DashboardStaticMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(@Inject(DASHBOARD_BUNDLE_DIR) private readonly bundleDir: string | null) {}

  use(request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: () => void): void {
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isReservedPath(path)) {
      next();
      return;
    }
    const found = lookUp(this.bundleDir, path);
    if (found.kind === 'missing-bundle') {
      send(response, request.method, 503, 'text/plain; charset=utf-8', `${BUNDLE_MISSING_MESSAGE}\n`);
      return;
    }
    if (found.kind === 'not-found') {
      send(response, request.method, 404, 'text/plain; charset=utf-8', `Not found: ${path}\n`);
      return;
    }
    const type = CONTENT_TYPES[extname(found.path)] ?? 'application/octet-stream';
    response.writeHead(200, {
      'content-type': type,
      'cache-control': found.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(type.startsWith('text/html') ? { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'no-referrer' } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(found.path)
      .on('error', () => response.destroy())
      .pipe(response);
  }
}

function send(response: ServerResponse, method: string | undefined, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff' });
  response.end(method === 'HEAD' ? undefined : body);
}
