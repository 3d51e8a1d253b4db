import { ALL_TOPICS, SERVICE_NAMES, type ServiceName } from '@tuneforge/contracts';

/**
 * Who produces and who consumes each declared topic: the source of the Kafka ACLs (service-acls.ts), one principal
 * per service. Read off the services' code (their @EventPattern handlers, task workers and publishes); the spec checks
 * it covers exactly ALL_TOPICS. Every service answers pings. The gateway may also write any topic: an operator's
 * `tuneforge admin dlq replay` publishes a dead letter again to the topic it came from (apps/gateway/src/admin).
 */
export interface TopicAccess {
  producers: readonly ServiceName[];
  consumers: readonly ServiceName[];
}

const EVERY_SERVICE = SERVICE_NAMES;

export const TOPIC_ACCESS: Readonly<Record<string, TopicAccess>> = {
  'system.ping.requested.v1': { producers: ['gateway'], consumers: EVERY_SERVICE },
  'system.ping.answered.v1': { producers: EVERY_SERVICE, consumers: ['gateway'] },

  'job.lifecycle.created.v1': { producers: ['gateway'], consumers: ['orchestrator'] },
  'job.control.requested.v1': { producers: ['gateway'], consumers: ['orchestrator'] },
  'job.lifecycle.event.v1': { producers: ['orchestrator'], consumers: ['gateway'] },
  'job.lifecycle.status-changed.v1': { producers: ['orchestrator'], consumers: ['gateway'] },
  'job.approval.requested.v1': { producers: ['orchestrator'], consumers: ['gateway'] },
  'job.approval.answered.v1': { producers: ['orchestrator', 'gateway'], consumers: ['gateway', 'orchestrator'] },
  'job.iteration.recorded.v1': { producers: ['orchestrator'], consumers: ['gateway'] },

  'data.preparation.requested.v1': { producers: ['orchestrator'], consumers: ['datagen'] },
  'data.preparation.completed.v1': { producers: ['datagen'], consumers: ['orchestrator'] },
  'retrieval.index.requested.v1': { producers: ['orchestrator'], consumers: ['retrieval'] },
  'retrieval.index.completed.v1': { producers: ['retrieval'], consumers: ['orchestrator'] },
  'evaluation.run.requested.v1': { producers: ['orchestrator'], consumers: ['evaluator'] },
  'evaluation.run.completed.v1': { producers: ['evaluator'], consumers: ['orchestrator'] },
  'diagnosis.run.requested.v1': { producers: ['orchestrator'], consumers: ['debugger'] },
  'diagnosis.run.completed.v1': { producers: ['debugger'], consumers: ['orchestrator'] },

  'training.run.requested.v1': { producers: ['orchestrator'], consumers: ['trainer'] },
  'training.run.control.v1': { producers: ['orchestrator'], consumers: ['trainer', 'train-pod'] },
  // Pods publish these themselves; the trainer relays them for pods it reaches over IPC and reports runs whose pod died.
  'training.run.progressed.v1': { producers: ['train-pod', 'trainer'], consumers: ['orchestrator'] },
  'training.checkpoint.saved.v1': { producers: ['train-pod', 'trainer'], consumers: ['orchestrator', 'gateway'] },
  'training.run.completed.v1': { producers: ['train-pod', 'trainer'], consumers: ['orchestrator'] },
};

/** Services that may write every declared topic (dead-letter replay). */
export const WRITES_EVERY_TOPIC: readonly ServiceName[] = ['gateway'];

/** The topics of ALL_TOPICS the table leaves out, and the names in it that are no declared topic. */
export function topicAccessGaps(): { missing: string[]; unknown: string[] } {
  const declared = new Set(ALL_TOPICS.map((topic) => topic.name));
  return {
    missing: [...declared].filter((name) => !(name in TOPIC_ACCESS)),
    unknown: Object.keys(TOPIC_ACCESS).filter((name) => !declared.has(name)),
  };
}
