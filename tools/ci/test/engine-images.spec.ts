// docker/Dockerfile.service builds services without the native engine; docker/build.sh builds the services whose
// code loads it from docker/Dockerfile.train-pod. A service that reaches @tuneforge/engine (directly or through a
// workspace library) and is built without it fails every task at run time: the evaluator did, until this check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageOf, runtimeSpecifiers } from './module-imports';

const ROOT = join(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') && !entry.endsWith('.spec.ts') && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

/** The workspace packages a project's runtime code imports. */
function workspaceImports(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(dir, 'src')))
    for (const specifier of runtimeSpecifiers(file, readFileSync(file, 'utf8'))) {
      const name = packageOf(specifier);
      if (name?.startsWith('@tuneforge/')) found.add(name);
    }
  return found;
}

describe('images of the services that load the native engine', () => {
  const projects = new Map<string, string>();
  for (const group of ['apps', 'libs'])
    for (const name of readdirSync(join(ROOT, group))) {
      const manifest = join(ROOT, group, name, 'package.json');
      try {
        projects.set((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, join(ROOT, group, name));
      } catch {
        // not a workspace package
      }
    }
  const loadsEngine = new Map<string, boolean>();
  const reaches = (pkg: string, seen = new Set<string>()): boolean => {
    if (pkg === '@tuneforge/engine') return true;
    if (loadsEngine.has(pkg)) return loadsEngine.get(pkg)!;
    if (seen.has(pkg) || !projects.has(pkg)) return false;
    seen.add(pkg);
    const result = [...workspaceImports(projects.get(pkg)!)].some((dep) => reaches(dep, seen));
    loadsEngine.set(pkg, result);
    return result;
  };

  it('docker/build.sh builds every service whose code reaches @tuneforge/engine from Dockerfile.train-pod, and no other', () => {
    const services = readdirSync(join(ROOT, 'apps')).filter((name) => {
      try {
        return statSync(join(ROOT, 'apps', name, 'src', 'main.ts')).isFile();
      } catch {
        return false;
      }
    });
    const needEngine = services.filter((name) => reaches(`@tuneforge/${name}`)).sort();
    const script = readFileSync(join(ROOT, 'docker/build.sh'), 'utf8');
    const listed = (/engine_services="([^"]*)"/.exec(script)?.[1] ?? '').trim().split(/\s+/).sort();
    expect(listed).toEqual(needEngine);
    expect(needEngine).toEqual(expect.arrayContaining(['evaluator', 'inference', 'train-pod']));
  });
});
