import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeJobScenario, JobHarness } from './job-scenario';
import { createLogger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';

describe('orchestrator, datagen and trainer over the in-process bus with a filesystem store', () => {
  describeJobScenario(async () => {
    const bus = new InProcessMessageBus({ logger: createLogger('orchestrator-it', { destination: new Writable({ write: (_c, _e, done) => done() }) }) });
    await bus.ensureTopics(ALL_TOPICS);
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-it-store-'));
    return new JobHarness(bus, new FilesystemArtifactStore(dir), { TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir });
  });
});
