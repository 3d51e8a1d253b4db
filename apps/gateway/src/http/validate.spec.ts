import { z } from 'zod';
import { InvalidRequestError } from '../errors/gateway-errors';
import { validateRequest } from './validate';

const schema = z
  .object({
    model: z.string(),
    hyperparameters: z.object({ n_epochs: z.number().int() }).strict().optional(),
    limit: z.coerce.number().int().optional(),
  })
  .strict();

function failure(value: unknown, options = {}): InvalidRequestError {
  try {
    validateRequest(schema, value, options);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected a validation failure');
}

describe('validateRequest', () => {
  it('returns the parsed value', () => {
    expect(validateRequest(schema, { model: 'm', limit: '3' })).toEqual({ model: 'm', limit: 3 });
  });

  it('names a wrongly typed field, nested ones by their dotted path', () => {
    expect(failure({ model: 3 }).param).toBe('model');
    expect(failure({ model: 'm', hyperparameters: { n_epochs: 'many' } }).param).toBe('hyperparameters.n_epochs');
    expect(failure({ model: 'm', limit: 'ten' }).param).toBe('limit');
  });

  it('names a missing required field', () => {
    const error = failure({});
    expect(error.param).toBe('model');
    expect(error.message).toMatch(/model/);
  });

  it('names an unknown field, nested ones by their dotted path', () => {
    expect(failure({ model: 'm', colour: 'red' })).toMatchObject({ param: 'colour', message: 'Unrecognized request argument supplied: colour' });
    expect(failure({ model: 'm', hyperparameters: { n_epochs: 1, lr: 2 } }).param).toBe('hyperparameters.lr');
  });

  it('refuses server-owned fields as such', () => {
    const error = failure({ model: 'm', status: 'succeeded' }, { serverOwned: ['status', 'id'] });
    expect(error.param).toBe('status');
    expect(error.message).toMatch(/set by the server/);
  });

  it('has no field to name when the body is not an object', () => {
    expect(failure([1, 2]).param).toBeNull();
  });
});
