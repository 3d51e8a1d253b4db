import { DEAD_LETTER_TOPIC, deadLetterTopicName, type TopicSpec } from '@tuneforge/contracts';
import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * The project creates its own topics (brokers run with auto-creation off): each declared topic with
 * its partitions and retention, and its dead-letter topic, kept longer so a failure can be studied
 * and replayed. Existing topics are left as they are.
 */
export async function createDeclaredTopics(admin: Admin, topics: readonly TopicSpec[], replicationFactor: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted: ITopicConfig[] = topics.flatMap((topic) => [
    {
      topic: topic.name,
      numPartitions: topic.partitions,
      replicationFactor,
      configEntries: [{ name: 'retention.ms', value: String(topic.retentionMs) }],
    },
    {
      topic: deadLetterTopicName(topic.name),
      numPartitions: DEAD_LETTER_TOPIC.partitions,
      replicationFactor,
      configEntries: [{ name: 'retention.ms', value: String(DEAD_LETTER_TOPIC.retentionMs) }],
    },
  ]);
  const missing = wanted.filter((config) => !existing.has(config.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another service may have created them in the meantime; only a topic still missing is a failure.
    const now = new Set(await admin.listTopics());
    const stillMissing = missing.filter((config) => !now.has(config.topic)).map((config) => config.topic);
    if (stillMissing.length > 0) throw new Error(`could not create topics ${stillMissing.join(', ')}: ${(error as Error).message}`);
  }
}
