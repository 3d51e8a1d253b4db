import { readFileSync } from 'node:fs';
import {
  ALL_TOPICS,
  createMessage,
  defineTopic,
  DEFAULT_CONFIG_PATH,
  jobSpecSchema,
  loadDefaultConfig,
  parseJobConfig,
  pingAnsweredV1,
  pingRequestedV1,
  TOPIC_NAME_PATTERN,
} from './index';
import { z } from 'zod';

describe('topics', () => {
  it('every declared topic follows <domain>.<entity>.<event>.v<N> and carries its version', () => {
    for (const topic of ALL_TOPICS) {
      expect(topic.name).toMatch(TOPIC_NAME_PATTERN);
      expect(topic.name.endsWith(`.v${topic.version}`)).toBe(true);
    }
  });

  it('refuses a topic name without a version', () => {
    expect(() => defineTopic('system.ping.requested', z.object({}))).toThrow(/<domain>.<entity>.<event>.v<N>/);
  });

  it('a message built by the factory validates against its topic, and a foreign field does not', () => {
    const message = createMessage(pingRequestedV1, { requestedBy: 'gateway' }, { correlationId: 'ping-1', tenant: 'acme' });
    expect(pingRequestedV1.envelope.parse(message)).toEqual(message);
    expect(message.schemaVersion).toBe(1);
    expect(pingRequestedV1.envelope.safeParse({ ...message, extra: 1 }).success).toBe(false);
    expect(pingAnsweredV1.envelope.safeParse(message).success).toBe(false);
  });

  it('records the causing message', () => {
    const cause = createMessage(pingRequestedV1, { requestedBy: 'gateway' }, { correlationId: 'p', tenant: 't' });
    const answer = createMessage(
      pingAnsweredV1,
      { service: 'datagen', version: '0.1.0', instanceId: 'i', hostname: 'h', pid: 1, mode: 'embedded' },
      { correlationId: 'p', tenant: 't', causedBy: cause },
    );
    expect(answer.causationId).toBe(cause.messageId);
  });
});

describe('default configuration', () => {
  it('configs/default_config.json is valid', () => {
    const config = loadDefaultConfig();
    expect(config.training.batchSize % config.training.microBatchSize).toBe(0);
  });

  it('names the field that is wrong', () => {
    const raw = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
    raw.training.lora.rank = 0;
    raw.training.learningRat = 1;
    expect(() => parseJobConfig(raw, 'job.json')).toThrow(/job.json[\s\S]*training\.lora\.rank/);
    expect(() => parseJobConfig(raw, 'job.json')).toThrow(/training/);
  });
});

describe('job spec', () => {
  it('accepts an OpenAI create-job request with Tuneforge extensions', () => {
    const spec = jobSpecSchema.parse({
      model: 'tiny-llama',
      training_file: 'file-abc',
      hyperparameters: { n_epochs: 2 },
      tuneforge: { task_description: 'answer with tools', agent_tokens: true },
    });
    expect(spec.tuneforge?.agent_tokens).toBe(true);
  });

  it('rejects server-owned fields', () => {
    const result = jobSpecSchema.safeParse({ model: 'm', training_file: 'f', status: 'succeeded' });
    expect(result.success).toBe(false);
  });
});
