import { ApiError } from './api-error';
import { ApiClient } from './client';

describe('ApiClient', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
  });

  function answering(status: number, body: unknown) {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    global.fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init: init ?? {} });
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return calls;
  }

  it('sends the key as a bearer token to the public API only', async () => {
    const calls = answering(200, { object: 'list', data: [{ id: 'tiny-llama' }], has_more: false });
    expect(await new ApiClient('key-1').models()).toEqual([{ id: 'tiny-llama' }]);
    expect(calls[0].url).toBe('/v1/models');
    expect(new Headers(calls[0].init.headers).get('authorization')).toBe('Bearer key-1');
  });

  it('turns an error envelope into an ApiError with its param, and asks for a key again on a 401', async () => {
    answering(400, { error: { message: 'n_epochs must be at most 50', param: 'hyperparameters.n_epochs', code: 'invalid_request', type: 'invalid_request_error' } });
    const refused = jest.fn();
    const client = new ApiClient('key-1', refused);
    await expect(client.createJob({})).rejects.toMatchObject({ status: 400, param: 'hyperparameters.n_epochs', message: 'n_epochs must be at most 50' });
    expect(refused).not.toHaveBeenCalled();
    answering(401, { error: { message: 'Incorrect API key provided', param: null, code: 'invalid_api_key' } });
    await expect(client.listJobs()).rejects.toBeInstanceOf(ApiError);
    expect(refused).toHaveBeenCalledTimes(1);
  });

  it('pages through every job', async () => {
    const pages = [
      { object: 'list', data: [{ id: 'ftjob-b' }, { id: 'ftjob-a' }], has_more: true },
      { object: 'list', data: [{ id: 'ftjob-0' }], has_more: false },
    ];
    const urls: string[] = [];
    global.fetch = jest.fn(async (url: string | URL | Request) => {
      urls.push(String(url));
      return new Response(JSON.stringify(pages[urls.length - 1]), { status: 200 });
    }) as typeof fetch;
    expect((await new ApiClient('k').listJobs()).map((job) => job.id)).toEqual(['ftjob-b', 'ftjob-a', 'ftjob-0']);
    expect(urls).toEqual(['/v1/fine_tuning/jobs?limit=100', '/v1/fine_tuning/jobs?limit=100&after=ftjob-a']);
  });
});
