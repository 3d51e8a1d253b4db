// Writes the generated manifests (KafkaTopics from libs/contracts' ALL_TOPICS, one file per service).
// `--check` writes nothing and exits 1 when a committed file differs from what would be written.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAll } from './render';

const root = join(__dirname, '..', '..', '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, content] of renderAll()) {
  const absolute = join(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(absolute, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  if (check) {
    console.error(`stale: ${path}`);
    stale += 1;
  } else {
    writeFileSync(absolute, content);
    console.log(`wrote ${path}`);
  }
}
if (stale > 0) {
  console.error('run: npx nx run k8s:render');
  process.exit(1);
}
