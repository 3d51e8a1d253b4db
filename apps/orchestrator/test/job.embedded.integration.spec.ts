import { ALL_TOPICS } from '@tuneforge/contracts';
import { openTestDatabase } from '@tuneforge/database/src/testing';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeJobScenario, JobHarness, quietLogger } from './job-scenario';

describe('orchestrator, datagen and trainer over the in-process bus with a filesystem store and PGlite', () => {
  describeJobScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-it-store-'));
    // The pod reaches the same store through its environment; its messages go through the trainer (IPC).
    return new JobHarness(bus, new FilesystemArtifactStore(dir), { TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir }, await openTestDatabase());
  });
});
