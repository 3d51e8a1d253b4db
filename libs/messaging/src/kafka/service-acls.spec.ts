import { ALL_TOPICS } from '@tuneforge/contracts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACL_FILE, renderAclFile, serviceAclRules } from './service-acls';
import { topicAccessGaps } from './topic-access';

const rulesOf = (principal: string) => serviceAclRules().filter((rule) => rule.principal === principal);
const topicsWith = (principal: string, operation: string) =>
  rulesOf(principal)
    .filter((rule) => rule.resourceType === 'TOPIC' && rule.operation === operation)
    .map((rule) => rule.name)
    .sort();

describe('Kafka ACLs per service', () => {
  it('cover every declared topic, and only those', () => {
    expect(topicAccessGaps()).toEqual({ missing: [], unknown: [] });
  });

  it('let a training pod produce its run events and read run control, nothing else', () => {
    expect(topicsWith('train-pod', 'WRITE')).toEqual([
      'system.ping.answered.v1',
      'system.ping.requested.v1.dlq',
      'training.checkpoint.saved.v1',
      'training.run.completed.v1',
      'training.run.control.v1.dlq',
      'training.run.progressed.v1',
    ]);
    expect(topicsWith('train-pod', 'READ')).toEqual(['system.ping.requested.v1', 'training.run.control.v1']);
    expect(rulesOf('train-pod').filter((rule) => rule.resourceType === 'GROUP')).toEqual([{ principal: 'train-pod', resourceType: 'GROUP', patternType: 'PREFIXED', name: 'train-pod', operation: 'READ' }]);
  });

  it('keep job creation and control with the gateway, and let only the gateway write every topic (dead-letter replay)', () => {
    for (const topic of ['job.lifecycle.created.v1', 'job.control.requested.v1']) {
      const writers = serviceAclRules().filter((rule) => rule.name === topic && rule.operation === 'WRITE').map((rule) => rule.principal);
      expect(writers).toEqual(['gateway']);
    }
    expect(topicsWith('gateway', 'WRITE').filter((name) => !name.endsWith('.dlq'))).toEqual(ALL_TOPICS.map((topic) => topic.name).sort());
  });

  it('give a consumer the dead-letter topic of what it reads', () => {
    for (const read of topicsWith('orchestrator', 'READ')) expect(topicsWith('orchestrator', 'WRITE')).toContain(`${read}.dlq`);
  });

  it('are what infra/kafka provisions (regenerate with write-acl-file.ts)', () => {
    expect(readFileSync(resolve(__dirname, '../../../..', ACL_FILE), 'utf8')).toBe(renderAclFile());
  });
});
