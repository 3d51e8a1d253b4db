import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ToolExecutor } from './tool-executor';
import { ToolRegistry } from './tool-registry';
import { createHttpTool, hostAllowed } from './http-tool';

let server: Server;
let base: string;
const seen: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/weather') {
        seen.push(JSON.parse(body));
        res.end(`sunny in ${(JSON.parse(body) as { city: string }).city}`);
      } else if (req.url === '/elsewhere') {
        res.writeHead(302, { location: 'http://example.com/' }).end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 500);
      } else res.writeHead(500).end('boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const run = (tool: ReturnType<typeof createHttpTool>, args: Record<string, unknown>) =>
  new ToolExecutor(new ToolRegistry([tool])).execute({ id: 'c1', name: tool.name, arguments: args }, { callId: 'c1', sessionId: 's', chain: 0, turn: 1 });

describe('createHttpTool', () => {
  it('POSTs the arguments to an allowed endpoint; the answer is the observation', async () => {
    const tool = createHttpTool({ name: 'weather', url: `${base}/weather`, description: 'Weather' }, { allowedHosts: ['127.0.0.1'] });
    const out = await run(tool, { city: 'Oslo' });
    expect(out.observation).toBe('sunny in Oslo');
    expect(seen.at(-1)).toEqual({ city: 'Oslo' });
  });

  it('refuses a URL off the allowed hosts at creation, and other schemes', () => {
    expect(() => createHttpTool({ name: 'x', url: 'http://evil.example/x' }, { allowedHosts: ['127.0.0.1'] })).toThrow(/not on the allowed hosts/);
    expect(hostAllowed('file:///etc/passwd', ['localhost'])).toBe(false);
    expect(hostAllowed('http://api.example:8443/a', ['api.example:8443'])).toBe(true);
    expect(hostAllowed('http://api.example:9999/a', ['api.example:8443'])).toBe(false);
  });

  it('turns an error status, a redirect and a timeout into error observations', async () => {
    const allowed = { allowedHosts: ['127.0.0.1'] };
    expect((await run(createHttpTool({ name: 'a', url: `${base}/fail` }, allowed), {})).observation).toMatch(/HTTP 500: boom/);
    expect((await run(createHttpTool({ name: 'b', url: `${base}/elsewhere` }, allowed), {})).observation).toMatch(/HTTP 302/);
    expect((await run(createHttpTool({ name: 'c', url: `${base}/slow` }, { ...allowed, timeoutMs: 100 }), {})).observation).toMatch(/no answer within 100 ms/);
  });
});
