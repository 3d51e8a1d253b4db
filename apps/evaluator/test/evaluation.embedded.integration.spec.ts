import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEvaluationScenario, EvaluatorHarness, quietLogger } from './evaluation-scenario';

describe('evaluator over the in-process bus with a filesystem store', () => {
  describeEvaluationScenario(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    return new EvaluatorHarness(bus, new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'evaluator-it-'))));
  });
});
