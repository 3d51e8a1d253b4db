import { envelopeFields } from './envelope';
import { deterministicUuid } from './message-factory';

describe('deterministicUuid', () => {
  it('derives a valid, stable UUID from an event name', () => {
    const id = deterministicUuid('t/job/run/training.run.progressed.v1/progress/3');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('t/job/run/training.run.progressed.v1/progress/3')).toBe(id);
    expect(deterministicUuid('t/job/run/training.run.progressed.v1/progress/4')).not.toBe(id);
    expect(envelopeFields.messageId.safeParse(id).success).toBe(true);
  });
});
