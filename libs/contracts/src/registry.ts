import type { TopicSpec } from './topic';
import { pingAnsweredV1 } from './topics/system.ping.answered.v1';
import { pingRequestedV1 } from './topics/system.ping.requested.v1';
import { dataPreparationRequestedV1 } from './topics/data.preparation.requested.v1';
import { dataPreparationCompletedV1 } from './topics/data.preparation.completed.v1';

/** Every topic the project declares; infrastructure creates exactly these (plus their dead-letter topics). */
export const ALL_TOPICS: readonly TopicSpec[] = [
  pingRequestedV1,
  pingAnsweredV1,
  dataPreparationRequestedV1,
  dataPreparationCompletedV1,
];

const byName = new Map(ALL_TOPICS.map((topic) => [topic.name, topic]));

export function findTopic(name: string): TopicSpec | undefined {
  return byName.get(name);
}
