import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeTrainingScenario, quietLogger, TrainerHarness } from './training-scenario';

describe('trainer and training pod over the in-process bus with a filesystem store', () => {
  describeTrainingScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    const dir = mkdtempSync(join(tmpdir(), 'trainer-it-store-'));
    // The pod reaches the same store through its environment; its messages go through the trainer (IPC).
    return new TrainerHarness(bus, new FilesystemArtifactStore(dir), { TF_STORAGE_DRIVER: 'filesystem', TF_ARTIFACT_DIR: dir });
  });
});
