import { ALL_TOPICS, deadLetterTopicName, SERVICE_NAMES, type ServiceName } from '@tuneforge/contracts';
import { TOPIC_ACCESS, WRITES_EVERY_TOPIC } from './topic-access';

/**
 * One Kafka ACL (allow) for a service's principal `User:<service>`. The local broker (infra/kafka) and the cluster's
 * KafkaUsers (k8s/base/kafka) are both given exactly these; nothing else is allowed (no ACL, no access).
 */
export interface AclRule {
  principal: ServiceName;
  resourceType: 'TOPIC' | 'GROUP';
  patternType: 'LITERAL' | 'PREFIXED';
  name: string;
  operation: 'READ' | 'WRITE' | 'DESCRIBE';
}

/** Where infra/kafka reads them from (regenerate: `node -r @swc-node/register libs/messaging/src/kafka/write-acl-file.ts`). */
export const ACL_FILE = 'infra/kafka/acls.generated.tsv';

/**
 * The rules of every service, from TOPIC_ACCESS:
 * - DESCRIBE on all topics (`*`): metadata only, so that a service's start-up check of the declared topics sees them
 *   (libs/messaging's createDeclaredTopics creates nothing that exists) and offsets can be looked up;
 * - WRITE on the topics it produces (the gateway: on every declared topic, for dead-letter replay);
 * - READ on the topics it consumes, and WRITE on their dead-letter topics (a failed message goes there);
 * - READ on its consumer groups: `<service>` and `<service>.<instance>` (the bus transport), `train-pod-<instance>`
 *   (a pod's control reader), all under the prefix of its name.
 */
export function serviceAclRules(): AclRule[] {
  const rules: AclRule[] = [];
  for (const principal of SERVICE_NAMES) {
    const add = (resourceType: AclRule['resourceType'], name: string, operation: AclRule['operation'], patternType: AclRule['patternType'] = 'LITERAL') =>
      rules.push({ principal, resourceType, patternType, name, operation });
    add('TOPIC', '*', 'DESCRIBE');
    for (const topic of ALL_TOPICS) {
      const access = TOPIC_ACCESS[topic.name];
      if (!access) throw new Error(`topic ${topic.name} has no producers and consumers in topic-access.ts`);
      if (access.producers.includes(principal) || WRITES_EVERY_TOPIC.includes(principal)) add('TOPIC', topic.name, 'WRITE');
      if (access.consumers.includes(principal)) {
        add('TOPIC', topic.name, 'READ');
        add('TOPIC', deadLetterTopicName(topic.name), 'WRITE');
      }
    }
    add('GROUP', principal, 'READ', 'PREFIXED');
  }
  return rules;
}

/** The rules as infra/kafka/ProvisionPrincipals.java reads them: one tab-separated line each, after a header comment. */
export function renderAclFile(rules: readonly AclRule[] = serviceAclRules()): string {
  const header = [
    '# Generated from libs/messaging/src/kafka/topic-access.ts by libs/messaging/src/kafka/write-acl-file.ts: do not edit.',
    '# principal\tresource type\tpattern type\tresource name\toperation (all ALLOW, from any host)',
  ];
  return [...header, ...rules.map((r) => [r.principal, r.resourceType, r.patternType, r.name, r.operation].join('\t'))].join('\n') + '\n';
}
