// The production images (docker/Dockerfile.*) copy apps/ and libs/ and install `npm ci --omit=dev`: every
// package the services' own code loads must therefore be a runtime dependency in package.json, not a dev one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageOf, runtimeSpecifiers } from './module-imports';

const ROOT = join(__dirname, '..', '..', '..');

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

/**
 * The dashboard runs in the browser, from the static bundle `vite build` makes of it (served by the gateway): no image
 * loads its sources at runtime, and its packages are its own workspace's (apps/dashboard/package.json).
 */
function isBrowserApp(path: string): boolean {
  return path.startsWith('apps/dashboard/');
}

/** Tests, their helpers and their configuration never reach an image's runtime. */
function isTestFile(path: string): boolean {
  return /(^|\/)test\//.test(path) || /\.spec\.ts$/.test(path) || /(^|\/)jest(\.[\w-]+)?\.config\.[cm]?js$/.test(path);
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (/\.(ts|js|mjs|cjs)$/.test(entry) && !entry.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

describe('runtime dependencies', () => {
  const manifest = readJson(join(ROOT, 'package.json'));
  const workspacePackages = new Set(
    ['apps', 'libs'].flatMap((group) =>
      readdirSync(join(ROOT, group))
        .map((name) => join(ROOT, group, name, 'package.json'))
        .filter((path) => {
          try {
            return statSync(path).isFile();
          } catch {
            return false;
          }
        })
        .map((path) => readJson(path).name)
        .filter((name): name is string => typeof name === 'string'),
    ),
  );
  const files = ['apps', 'libs']
    .flatMap((group) => sourceFiles(join(ROOT, group)))
    .filter((path) => !isTestFile(relative(ROOT, path)) && !isBrowserApp(relative(ROOT, path)));
  /** package → the files that load it. */
  const used = new Map<string, string[]>();
  for (const file of files) {
    for (const specifier of runtimeSpecifiers(file, readFileSync(file, 'utf8'))) {
      const name = packageOf(specifier);
      if (name === null || workspacePackages.has(name)) continue;
      used.set(name, [...(used.get(name) ?? []), relative(ROOT, file)]);
    }
  }

  it('finds the services and libraries (the scan is not empty)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(workspacePackages).toContain('@tuneforge/contracts');
    expect([...used.keys()]).toEqual(expect.arrayContaining(['@nestjs/common', 'zod']));
  });

  it('declares every package that non-test code under apps/ and libs/ loads in "dependencies" (production images omit dev dependencies)', () => {
    const missing = [...used.entries()]
      .filter(([name]) => manifest.dependencies?.[name] === undefined)
      .map(([name, where]) => `${name} (${manifest.devDependencies?.[name] ? 'a dev dependency' : 'not declared'}): ${where.slice(0, 3).join(', ')}`);
    expect(missing).toEqual([]);
  });

  it('keeps the lock file in step: the locked root package has the same dependencies, none of them marked dev-only', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, PackageJson & { dev?: boolean; devOptional?: boolean }>;
    };
    expect(lock.packages[''].dependencies).toEqual(manifest.dependencies);
    expect(lock.packages[''].devDependencies).toEqual(manifest.devDependencies);
    const devOnly = Object.keys(manifest.dependencies ?? {}).filter((name) => {
      const locked = lock.packages[`node_modules/${name}`];
      return locked?.dev === true || locked?.devOptional === true;
    });
    expect(devOnly).toEqual([]);
  });
});

describe('the import scan', () => {
  it('counts value imports, re-exports, require and dynamic import; not type-only imports or Node built-ins', () => {
    const text = [
      "import a from 'alpha';",
      "import { b } from '@scope/beta/sub';",
      "import type { C } from 'gamma';",
      "import { type D } from 'delta';",
      "export { e } from 'epsilon';",
      "export type { F } from 'zeta';",
      "const g = require('eta');",
      "void import('theta');",
      "import { readFileSync } from 'node:fs';",
      "import { join } from 'path';",
      "import local from './local';",
    ].join('\n');
    const names = runtimeSpecifiers('x.ts', text).map(packageOf).filter((name) => name !== null);
    expect(names).toEqual(['alpha', '@scope/beta', 'epsilon', 'eta', 'theta']);
  });
});
