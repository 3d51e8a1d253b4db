import { ALL_TOPICS } from '@tuneforge/contracts';
import { InProcessMessageBus, KafkaMessageBus, StoreIdempotencyStore } from '@tuneforge/messaging';
import { buildRetrievalIndex, writeIndexArtifact } from '@tuneforge/retrieval-kit';
import { localInfraEnv } from '@tuneforge/service-kit';
import { createArtifactStoreFromEnv, FilesystemArtifactStore } from '@tuneforge/storage';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatagenHarness, fixture, quietLogger } from './prepare-data-scenario';

type Chat = { messages: Array<{ role: string; content: string | null }> };

const CITY_FACTS = ['Madrid hosts Prado Museum, opened 1819.', 'Vienna hosts Schönbrunn Palace with 1441 rooms.', 'Dublin hosts Trinity College, founded 1592.', 'Helsinki became capital of Finland during 1812.'];
const CLIMATE = '# Paris climate\n\nParis averages 12 degrees across a year.\n';
const CONTEXT = 'Use the following reference passages when they are relevant:';

/** Retrieval augmentation as a job sees it: an index artifact in the tenant's store, a task that names it, passages in the prepared samples. */
function describeAugmentation(makeHarness: () => Promise<DatagenHarness>): void {
  let harness: DatagenHarness;
  let index: string;

  beforeAll(async () => {
    harness = await makeHarness();
    await harness.start();
    const built = await buildRetrievalIndex([
      { source: 'city-facts.jsonl', bytes: Buffer.from(CITY_FACTS.map((text) => JSON.stringify({ text })).join('\n')) },
      { source: 'climate.md', bytes: Buffer.from(CLIMATE) },
    ]);
    index = `jobs/ftjob-${harness.runId}/retrieval/idx-1/index`;
    await writeIndexArtifact(harness.tenantStore, index, built.index!);
  });
  afterAll(() => harness?.stop());

  it("adds each sample's best passage to its system message in the prepared dataset, and reports how many samples got one", async () => {
    const training = await harness.upload('retrieval-chat.jsonl', fixture('good-chat.jsonl'));
    const { payload: result } = await harness.prepare(harness.request({ training }, { retrieval: { index, k: 1, placement: 'system' } }));
    if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
    expect(result.counts).toEqual({ inputRecords: 12, syntheticRecords: 0, trainRecords: 9, validationRecords: 3 });

    const samples = [
      ...(await harness.readArtifactFile(result.artifacts.dataset, 'train.jsonl')).trim().split('\n'),
      ...(await harness.readArtifactFile(result.artifacts.dataset, 'validation.jsonl')).trim().split('\n'),
    ].map((line) => JSON.parse(line) as Chat);
    const byUser = new Map(samples.map((s) => [s.messages.find((m) => m.role === 'user')?.content, s]));
    const system = (question: string) => byUser.get(question)?.messages[0];

    expect(system('Tell me one fact about Madrid.')).toEqual({ role: 'system', content: `You are a helpful assistant.\n\n${CONTEXT}\n[1] (city-facts.jsonl:1) ${CITY_FACTS[0]}` });
    expect(system('Tell me one fact about Helsinki.')?.content).toContain(`[1] (city-facts.jsonl:4) ${CITY_FACTS[3]}`);
    expect(system("What's the weather in Paris right now?")?.content).toBe(`You are a helpful assistant.\n\n${CONTEXT}\n[1] (climate.md) Paris climate\n\nParis averages 12 degrees across a year.`);
    // Nothing in the knowledge base is about Berlin: its sample is as the user wrote it.
    expect(system("What's the weather in Berlin right now?")).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
    expect(samples.filter((s) => s.messages[0].content?.includes(CONTEXT))).toHaveLength(5);
    expect(samples.every((s) => s.messages.filter((m) => m.role === 'system').length === 1)).toBe(true);

    const report = JSON.parse(await harness.readArtifactFile(result.artifacts.report, 'report.json')) as { retrieval: unknown };
    expect(report.retrieval).toEqual({ k: 1, augmentedRecords: 5, unmatchedRecords: 7 });
  });

  it('fails a task whose retrieval index is not in the store, naming the field', async () => {
    const training = await harness.upload('retrieval-missing.jsonl', fixture('good-chat.jsonl'));
    const missing = `jobs/ftjob-${harness.runId}/retrieval/nope/index`;
    const { payload } = await harness.prepare(harness.request({ training }, { retrieval: { index: missing, k: 2, placement: 'system' } }));
    expect(payload).toMatchObject({ status: 'failed', errorCount: 1, errors: [{ code: 'read_failed', file: missing, field: 'retrieval.index', received: 'no committed artifact at this key' }] });
  });
}

describe('datagen augments prepared data with retrieved passages (in-process bus, filesystem store)', () => {
  describeAugmentation(async () => {
    const bus = new InProcessMessageBus({ logger: quietLogger });
    await bus.ensureTopics(ALL_TOPICS);
    return new DatagenHarness(bus, new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'datagen-retrieval-it-'))));
  });
});

describe('datagen augments prepared data with retrieved passages (Kafka, MinIO)', () => {
  describeAugmentation(async () => {
    const env = localInfraEnv();
    const store = createArtifactStoreFromEnv(env);
    const bus = new KafkaMessageBus({ brokers: env.TF_KAFKA_BROKERS.split(','), clientId: 'datagen-retrieval-it', logger: quietLogger, idempotency: new StoreIdempotencyStore(store) });
    await bus.ensureTopics(ALL_TOPICS);
    return new DatagenHarness(bus, store);
  });
});
