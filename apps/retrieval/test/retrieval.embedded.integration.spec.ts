import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRetrievalScenario, quietLogger, RetrievalHarness } from './retrieval-scenario';

describe('retrieval indexes knowledge documents over the in-process bus with a filesystem store', () => {
  describeRetrievalScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    return new RetrievalHarness(bus, new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'retrieval-it-'))));
  });
});
