/**
 * Writes infra/kafka/acls.generated.tsv from the topic contracts' producers and consumers (topic-access.ts).
 * Run from the repository root: node -r @swc-node/register libs/messaging/src/kafka/write-acl-file.ts
 * service-acls.spec.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACL_FILE, renderAclFile } from './service-acls';

const target = resolve(__dirname, '../../../..', ACL_FILE);
writeFileSync(target, renderAclFile());
process.stdout.write(`wrote ${target}\n`);
