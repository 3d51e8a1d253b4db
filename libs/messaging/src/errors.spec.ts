import { isOutage, RetriableError } from './errors';

describe('isOutage: a dependency away, waited out instead of dead-lettered', () => {
  it('knows a metadata database that went away (as node-postgres reports it) or is not serving yet', () => {
    // Measured against a Postgres killed with SIGKILL: an in-flight query, then a new connection.
    expect(isOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isOutage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    // Server errors carry SQLSTATEs: shutting down, starting up or recovering, connection failures.
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001']) expect(isOutage(Object.assign(new Error('server says'), { code }))).toBe(true);
    expect(isOutage(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
  });

  it('does not take a query error, or a message that only mentions a connection, for an outage', () => {
    expect(isOutage(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isOutage(Object.assign(new Error('Connection terminated unexpectedly'), { code: '42601' }))).toBe(false);
    expect(isOutage(new Error('the user wrote: Connection terminated unexpectedly, please help'))).toBe(false);
    expect(isOutage(new RetriableError('conflict'))).toBe(false);
  });
});
