import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebuggerHarness, describeDiagnosisScenario, quietLogger } from './diagnosis-scenario';

describe('the debugger diagnoses runs over the in-process bus with a filesystem store', () => {
  describeDiagnosisScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    return new DebuggerHarness(bus, new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'debugger-it-'))));
  });
});
