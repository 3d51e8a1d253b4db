import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatagenHarness, describePreparationScenario, quietLogger } from './prepare-data-scenario';

describe('datagen prepares data over the in-process bus with a filesystem store', () => {
  describePreparationScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    return new DatagenHarness(bus, new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'datagen-it-'))));
  });
});
