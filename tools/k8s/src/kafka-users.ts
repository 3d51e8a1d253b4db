import { SERVICE_NAMES, type ServiceName } from '@tuneforge/contracts';
import { serviceAclRules, type AclRule } from '@tuneforge/messaging';
import { KAFKA_CLUSTER, PART_OF } from './services';

type Manifest = Record<string, unknown>;

/**
 * A service's Kafka user (a Strimzi KafkaUser, SCRAM-SHA-512) and the Secret the User Operator writes its password
 * to (key `password`): the same name, which is also the principal its ACLs are granted to.
 */
export function kafkaUserName(service: ServiceName | 'keda'): string {
  return `tuneforge-kafka-${service}`;
}

/** The KEDA Kafka scaler's user, and the ConfigMap and TriggerAuthentication it logs in with (k8s/base/kafka/keda-auth.yaml). */
export const KEDA_KAFKA_AUTH = kafkaUserName('keda');

const OPERATION = { READ: 'Read', WRITE: 'Write', DESCRIBE: 'Describe' } as const;

function strimziAcl(rule: Pick<AclRule, 'resourceType' | 'patternType' | 'name' | 'operation'>): Manifest {
  return {
    type: 'allow',
    resource: { type: rule.resourceType.toLowerCase(), name: rule.name, patternType: rule.patternType === 'PREFIXED' ? 'prefix' : 'literal' },
    operations: [OPERATION[rule.operation]],
    host: '*',
  };
}

function kafkaUser(name: string, component: string, acls: Manifest[]): Manifest {
  return {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaUser',
    metadata: { name, labels: { 'strimzi.io/cluster': KAFKA_CLUSTER, 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/name': component } },
    spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls } },
  };
}

/**
 * One KafkaUser per service with exactly the ACLs the local broker gets (libs/messaging's serviceAclRules, from the
 * topics' producers and consumers), and one for KEDA, which only reads consumer lag (Describe on topics and groups).
 */
export function kafkaUsers(): Manifest[] {
  const rules = serviceAclRules();
  const users = SERVICE_NAMES.map((service) => kafkaUser(kafkaUserName(service), service, rules.filter((rule) => rule.principal === service).map(strimziAcl)));
  const describe = (resourceType: AclRule['resourceType']) => strimziAcl({ resourceType, patternType: 'LITERAL', name: '*', operation: 'DESCRIBE' });
  return [...users, kafkaUser(KEDA_KAFKA_AUTH, 'keda', [describe('TOPIC'), describe('GROUP')])];
}

/** The container env with which a service (or a training pod) logs in as its user; the password from its Secret. */
export function kafkaCredentialsEnv(service: ServiceName): Manifest[] {
  return [
    { name: 'TF_KAFKA_SASL_USERNAME', value: kafkaUserName(service) },
    { name: 'TF_KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: kafkaUserName(service), key: 'password' } } },
  ];
}
