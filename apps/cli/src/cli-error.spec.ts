import { APIConnectionError, APIError } from 'openai';
import { toCliError } from './cli-error';

describe('toCliError', () => {
  it('an API error prints the envelope message and param, exit 4', () => {
    const error = APIError.generate(400, { error: { message: "Invalid value for 'decision'", type: 'invalid_request_error', param: 'decision', code: null } }, undefined, new Headers());
    const cli = toCliError(error, 'http://x/v1');
    expect(cli.exitCode).toBe(4);
    expect(cli.message).toBe("HTTP 400: Invalid value for 'decision' (param: decision)");
  });

  it('an authentication error is an API error too', () => {
    const error = APIError.generate(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, undefined, new Headers());
    expect(toCliError(error, 'http://x/v1')).toMatchObject({ exitCode: 4, message: 'HTTP 401: Incorrect API key provided' });
  });

  it('a connection failure (SDK or fetch) is exit 5 naming the gateway and the socket error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const sdk = new APIConnectionError({ message: 'Connection error.', cause: new TypeError('fetch failed', { cause: refused }) });
    expect(toCliError(sdk, 'http://127.0.0.1:9/v1')).toMatchObject({ exitCode: 5, message: 'cannot reach the gateway at http://127.0.0.1:9/v1: ECONNREFUSED' });
    expect(toCliError(new TypeError('fetch failed', { cause: refused }), 'http://127.0.0.1:9/v1')).toMatchObject({ exitCode: 5 });
  });
});
