import { createMessage, defineTopic } from '@tuneforge/contracts';
import { InProcessMessageBus } from '@tuneforge/messaging';
import { createLogger } from '@tuneforge/telemetry';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { TaskResults } from './task-results';

const silent = createLogger('test', { destination: new Writable({ write: (_c, _e, done) => done() }) });
const answered = defineTopic('test.task-results.answered.v1', z.object({ taskId: z.string(), value: z.number() }).strict());

describe('TaskResults', () => {
  let bus: InProcessMessageBus;
  let results: TaskResults<typeof answered>;
  const answer = (taskId: string, value: number) => bus.publish(answered, createMessage(answered, { taskId, value }, { correlationId: taskId, tenant: 'test' }));

  beforeEach(async () => {
    bus = new InProcessMessageBus({ logger: silent });
    await bus.ensureTopics([answered]);
    results = await TaskResults.listen(bus, answered, { group: 'task-results-test', service: 'test' });
  });
  afterEach(async () => {
    await results.close();
    await bus.close();
  });

  it("resolves with the task's own result, whether it arrived before or after the wait", async () => {
    await answer('early', 1);
    const late = results.result('late');
    await answer('other', 2);
    await answer('late', 3);
    expect((await late).payload).toEqual({ taskId: 'late', value: 3 });
    expect((await results.result('early')).payload.value).toBe(1);
  });

  it('waits for the count-th result of a task answered more than once', async () => {
    const second = results.result('twice', 2);
    let settled = false;
    void second.then(() => (settled = true));
    await answer('twice', 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await answer('twice', 2);
    expect((await second).payload.value).toBe(2);
    expect((await results.result('twice', 1)).payload.value).toBe(1);
  });
});
