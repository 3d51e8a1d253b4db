import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** The built dashboard (apps/dashboard's `vite build` output): index.html and its hashed assets. */
export const DASHBOARD_BUNDLE_DIR = Symbol('DASHBOARD_BUNDLE_DIR');

/** What a visitor reads at `/` when the bundle has not been built: how to build it. */
export const BUNDLE_MISSING_MESSAGE =
  'The Tuneforge dashboard has not been built on this machine. Build it with `npx nx run dashboard:build` ' +
  '(`npm install` at the repository root does it too), then reload this page. The API itself is unaffected: /v1/...';

/**
 * Where apps/dashboard's build is (`dist/`), beside this app in the repository and in the service image alike (both
 * keep apps/ as it is). Found by path, not by importing the dashboard's package: services depend on libraries only.
 */
export function defaultDashboardBundleDir(): string {
  return resolve(__dirname, '..', '..', '..', 'dashboard', 'dist');
}

/** Paths the dashboard never answers: the API and the service kit's probes keep their own 404s and answers. */
export function isReservedPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/') || path === '/healthz' || path === '/readyz' || path === '/metrics';
}

export type BundleLookup = { kind: 'file'; path: string; immutable: boolean } | { kind: 'missing-bundle' } | { kind: 'not-found' };

/**
 * The file that answers a URL path: an existing file of the bundle (never outside it), index.html for a client-side
 * route (a path without a file extension: the app routes it), not-found for a missing asset.
 */
export function lookUp(bundleDir: string | null, urlPath: string): BundleLookup {
  if (!bundleDir || !existsSync(join(bundleDir, 'index.html'))) return { kind: 'missing-bundle' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'not-found' };
  }
  if (decoded.includes('\0')) return { kind: 'not-found' };
  const root = resolve(bundleDir);
  const candidate = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (candidate !== root && !candidate.startsWith(root + sep)) return { kind: 'not-found' };
  // Vite names every asset after its content: those can be cached for good; index.html must be asked for each time.
  if (candidate !== root && isFile(candidate)) {
    const relative = candidate.slice(root.length + 1);
    return { kind: 'file', path: candidate, immutable: relative.startsWith(`assets${sep}`) };
  }
  const lastSegment = decoded.slice(decoded.lastIndexOf('/') + 1);
  if (lastSegment.includes('.')) return { kind: 'not-found' };
  return { kind: 'file', path: join(root, 'index.html'), immutable: false };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
