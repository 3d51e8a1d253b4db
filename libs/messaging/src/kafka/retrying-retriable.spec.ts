import { KafkaJSProtocolError } from 'kafkajs';
import { retryingRetriable } from './retrying-retriable';

describe('retryingRetriable', () => {
  it('waits out errors KafkaJS marks retriable (a partition without its leader for a moment), and gives up on others', async () => {
    let calls = 0;
    const notLeader = () => Object.assign(new KafkaJSProtocolError('This server is not the leader for that topic-partition'), { retriable: true });
    await expect(retryingRetriable(async () => (++calls < 3 ? Promise.reject(notLeader()) : 'offsets'))).resolves.toBe('offsets');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryingRetriable(async () => (++calls, Promise.reject(new Error('Topic authorization failed'))))).rejects.toThrow('Topic authorization failed');
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryingRetriable(async () => (++calls, Promise.reject(notLeader())), 2)).rejects.toThrow('not the leader');
    expect(calls).toBe(2);
  });
});
