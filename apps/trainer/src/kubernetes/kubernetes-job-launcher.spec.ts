// The launcher with the real @kubernetes/client-node client against an HTTP server that stands in for the
// Kubernetes API server: the few endpoints the launcher uses, with the paths, query parameters and bodies
// the real one takes.
import { KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createLogger } from '@tuneforge/telemetry';
import type { PodRunSpec } from '@tuneforge/contracts';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { LaunchedPod, PodExit } from '../runs/training-launcher';
import { KubernetesJobLauncher } from './kubernetes-job-launcher';
import { sampleJobOptions, sampleRunSpec } from './sample-run';
import { buildTrainingJob } from './training-job';
import { loadTrainingJobTemplate } from './training-job-template';

const NAMESPACE = 'tuneforge-test';
const TOKEN = 'trainer-service-account-token';
const logger = createLogger('kubernetes-launcher-spec', { destination: new Writable({ write: (_c, _e, done) => done() }) });

interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
}

/** Jobs, pods and logs in one namespace, and every request received. */
class FakeApiServer {
  readonly received: Received[] = [];
  readonly jobs = new Map<string, V1Job>();
  readonly pods: V1Pod[] = [];
  readonly logs = new Map<string, string>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The Job controller's final condition. */
  finish(name: string, type: 'Complete' | 'Failed', reason: string, message: string): void {
    const job = this.jobs.get(name)!;
    job.status = { conditions: [{ type, status: 'True', reason, message, lastTransitionTime: new Date() }] };
  }

  /** A pod of the Job, as the Job controller labels it, whose container ended with `exitCode`. */
  addPod(jobName: string, podName: string, exitCode: number, log: string): void {
    this.pods.push(pod(jobName, podName, 'Failed', { terminated: { exitCode } }));
    this.logs.set(podName, log);
  }

  /** A pod of the Job whose container is waiting to start, or running. */
  addStartingPod(jobName: string, podName: string, state: 'Pending' | 'Running', waiting?: { reason: string; message: string }): void {
    this.pods.push(pod(jobName, podName, state, state === 'Running' ? { running: { startedAt: new Date() } } : { waiting }));
  }

  requests(method: string): Received[] {
    return this.received.filter((r) => r.method === method);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let text = '';
    for await (const chunk of req) text += chunk;
    this.received.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const notFound = (what: string) => json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${what} not found` });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { kind: 'Status', code: 401, message: 'Unauthorized' });

    const jobs = new RegExp(`^/apis/batch/v1/namespaces/${NAMESPACE}/jobs(?:/([^/]+))?$`).exec(url.pathname);
    if (jobs) {
      const name = jobs[1];
      if (req.method === 'POST' && !name) {
        const job = JSON.parse(text) as V1Job;
        const created = { ...job, metadata: { ...job.metadata, namespace: NAMESPACE, uid: `uid-${this.jobs.size + 1}` }, status: {} };
        this.jobs.set(job.metadata!.name!, created);
        return json(201, created);
      }
      if (req.method === 'GET' && !name) {
        const selector = url.searchParams.get('labelSelector') ?? '';
        const items = [...this.jobs.values()].filter((job) => !selector || job.metadata?.labels?.[selector] !== undefined);
        return json(200, { kind: 'JobList', apiVersion: 'batch/v1', metadata: {}, items });
      }
      const job = name ? this.jobs.get(name) : undefined;
      if (!job) return notFound(`jobs.batch "${name}"`);
      if (req.method === 'GET') return json(200, job);
      if (req.method === 'DELETE') {
        this.jobs.delete(name);
        return json(200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, group: 'batch', kind: 'jobs' } });
      }
    }
    if (req.method === 'GET' && url.pathname === `/api/v1/namespaces/${NAMESPACE}/pods`) {
      const [key, value] = (url.searchParams.get('labelSelector') ?? '').split('=');
      return json(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.pods.filter((p) => p.metadata?.labels?.[key] === value) });
    }
    const log = new RegExp(`^/api/v1/namespaces/${NAMESPACE}/pods/([^/]+)/log$`).exec(url.pathname);
    if (req.method === 'GET' && log) {
      const content = this.logs.get(log[1]);
      if (content === undefined) return notFound(`pods "${log[1]}"`);
      const tail = Number(url.searchParams.get('tailLines') ?? Infinity);
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end(content.split('\n').slice(-tail - 1).join('\n'));
    }
    notFound(url.pathname);
  }
}

function pod(jobName: string, podName: string, phase: string, state: object): V1Pod {
  return {
    metadata: { name: podName, namespace: NAMESPACE, labels: { 'job-name': jobName }, creationTimestamp: new Date() },
    status: { phase, containerStatuses: [{ name: 'train-pod', image: 'x', imageID: '', ready: false, restartCount: 0, state }] },
  };
}

function kubeConfigFor(server: string, token: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'trainer', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'trainer' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}

/** Stands for podStorageEnv's minting (tested against MinIO in pod-storage-access.integration.spec.ts): a run's own keys. */
const runStorage = async (spec: PodRunSpec) => ({ TF_S3_ACCESS_KEY: `run-key-${spec.request.runId}`, TF_S3_SECRET_KEY: 'run-secret', TF_S3_SESSION_TOKEN: 'run-token' });

describe('KubernetesJobLauncher against an API server', () => {
  const api = new FakeApiServer();
  const template = loadTrainingJobTemplate(undefined);
  const launcherWith = (token: string, startTimeoutMs: number) =>
    new KubernetesJobLauncher({ kubeConfig: kubeConfigFor(api.url, token), namespace: NAMESPACE, template, job: sampleJobOptions, storageEnv: runStorage, pollIntervalMs: 20, startTimeoutMs, logger });
  let launcher: KubernetesJobLauncher;

  beforeAll(async () => {
    await api.start();
    launcher = launcherWith(TOKEN, 60_000);
  });

  afterAll(() => api.close());

  async function launch(runId: string, by = launcher): Promise<{ pod: LaunchedPod; exit: Promise<PodExit>; job: V1Job }> {
    let reportExit!: (exit: PodExit) => void;
    const exit = new Promise<PodExit>((resolve) => (reportExit = resolve));
    const pod = await by.launch(sampleRunSpec({ runId }), {
      onPublish: () => Promise.reject(new Error('a pod in Kubernetes publishes on Kafka, not through the launcher')),
      onExit: reportExit,
    });
    return { pod, exit, job: api.jobs.get(pod.id)! };
  }

  it('creates the built Job in the namespace, with the service account token', async () => {
    const { pod } = await launch('run-create');
    const [create] = api.requests('POST');
    expect(create.path).toBe(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs`);
    expect(create.authorization).toBe(`Bearer ${TOKEN}`);
    expect(pod.id).toMatch(/^tuneforge-train-run-create-[a-z0-9]{5}$/);
    const spec = sampleRunSpec({ runId: 'run-create' });
    const expected = buildTrainingJob(template, spec, { ...sampleJobOptions, env: { ...(await runStorage(spec)), ...sampleJobOptions.env }, nameSuffix: pod.id.slice(-5) });
    expect(create.body).toEqual(JSON.parse(JSON.stringify(expected)));
    // The run's own storage keys, minted for this launch, are in its Job.
    const env = (create.body as V1Job).spec!.template.spec!.containers[0].env ?? [];
    expect(env.filter((e) => e.name.startsWith('TF_S3_')).map((e) => [e.name, e.value])).toEqual(
      expect.arrayContaining([['TF_S3_ACCESS_KEY', 'run-key-run-create'], ['TF_S3_SESSION_TOKEN', 'run-token']]),
    );
    pod.stop();
  });

  it("hands the launching request's trace context to the pod (TRACEPARENT), so a run is one trace", async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
      const { pod } = await context.with(parent, () => launch('run-traced'));
      const body = api.requests('POST').at(-1)!.body as V1Job;
      const env = body.spec!.template.spec!.containers[0].env ?? [];
      expect(env.find((e) => e.name === 'TRACEPARENT')?.value).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      pod.stop();
    } finally {
      context.disable();
      propagation.disable();
    }
  });

  it('a new trainer adopts the unfinished Jobs an earlier one left running, with their run specs, and follows them', async () => {
    const left = await launch('run-left');
    left.pod.release();
    const done = await launch('run-done');
    api.finish(done.pod.id, 'Complete', 'CompletionsReached', 'done');
    done.pod.release();
    const exits = new Map<string, PodExit>();
    const adopted = await launcher.adopt((spec) => ({
      onPublish: () => Promise.reject(new Error('not through the launcher')),
      onExit: (exit) => exits.set(spec.request.runId, exit),
    }));
    const mine = adopted.filter(({ spec }) => spec.request.runId === 'run-left' || spec.request.runId === 'run-done');
    expect(mine.map(({ spec, pod }) => [spec.request.runId, pod.id])).toEqual([['run-left', left.pod.id]]);
    expect(mine[0].spec).toEqual(JSON.parse(JSON.stringify(sampleRunSpec({ runId: 'run-left' }))));
    api.finish(left.pod.id, 'Complete', 'CompletionsReached', 'done');
    await waitFor(() => exits.has('run-left'));
    expect(exits.get('run-left')).toEqual({ code: 0, signal: null, outputTail: '' });
    for (const { pod } of adopted) pod.release();
  });

  it('reports exit code 0 once the Job completes', async () => {
    const { pod, exit } = await launch('run-ok');
    await waitFor(() => api.requests('GET').some((r) => r.path.endsWith(`/jobs/${pod.id}`)));
    api.finish(pod.id, 'Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
    await expect(exit).resolves.toEqual({ code: 0, signal: null, outputTail: '' });
  });

  it("reports a failed Job with the pod's exit code and the tail of its log", async () => {
    const { pod, exit } = await launch('run-crash');
    const log = Array.from({ length: 80 }, (_, i) => `step ${i + 1} loss 2.${i}`).concat('Error: CUDA error: out of memory', '').join('\n');
    api.addPod(pod.id, `${pod.id}-abcde`, 3, log);
    api.finish(pod.id, 'Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    const result = await exit;
    expect(result.code).toBe(3);
    expect(result.outputTail.trim().split('\n').slice(-2)).toEqual(['step 80 loss 2.79', 'Error: CUDA error: out of memory']);
    expect(result.outputTail).not.toContain('step 1 loss');
    const logRequest = api.requests('GET').find((r) => r.path.endsWith(`/pods/${pod.id}-abcde/log`))!;
    expect(logRequest.query.get('container')).toBe('train-pod');
    // The Job's pods are found by the label the Job controller gives them.
    expect(api.requests('GET').some((r) => r.path === `/api/v1/namespaces/${NAMESPACE}/pods` && r.query.get('labelSelector') === `job-name=${pod.id}`)).toBe(true);
  });

  it("reports a failed Job with the Job's own message when no pod is left to read", async () => {
    const { pod, exit } = await launch('run-deadline');
    api.finish(pod.id, 'Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    await expect(exit).resolves.toEqual({
      code: 1,
      signal: null,
      outputTail: `the Job ${NAMESPACE}/${pod.id} failed (DeadlineExceeded): Job was active longer than specified deadline`,
    });
  });

  it('stop() deletes the Job with background propagation, and the pod is reported ended', async () => {
    const { pod, exit } = await launch('run-stop');
    pod.stop();
    await expect(exit).resolves.toMatchObject({ code: null, signal: 'SIGTERM' });
    await waitFor(() => api.requests('DELETE').some((r) => r.path.endsWith(`/jobs/${pod.id}`)));
    const remove = api.requests('DELETE').find((r) => r.path.endsWith(`/jobs/${pod.id}`))!;
    expect(remove.path).toBe(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs/${pod.id}`);
    expect(remove.query.get('propagationPolicy')).toBe('Background');
    expect(api.jobs.has(pod.id)).toBe(false);
  });

  it('release() (trainer shutdown) stops following the Job and leaves it running', async () => {
    const { pod, exit } = await launch('run-release');
    pod.release();
    await expect(exit).resolves.toMatchObject({ code: null, signal: 'SIGTERM' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.requests('DELETE').some((r) => r.path.endsWith(`/jobs/${pod.id}`))).toBe(false);
    expect(api.jobs.has(pod.id)).toBe(true);
  });

  it('reports a Job deleted by someone else as ended without a conclusion (the trainer relaunches it)', async () => {
    const { pod, exit } = await launch('run-vanished');
    api.jobs.delete(pod.id);
    const result = await exit;
    expect(result.code).toBeNull();
    expect(result.outputTail).toBe(`the Job ${NAMESPACE}/${pod.id} was deleted before it finished`);
  });

  it('gives each launch of the same run a Job of its own', async () => {
    const first = await launch('run-twice');
    const second = await launch('run-twice');
    expect(first.pod.id).not.toBe(second.pod.id);
    expect([first.job, second.job].map((j) => j.metadata?.labels?.['tuneforge.dev/run-id'])).toEqual(['run-twice', 'run-twice']);
    first.pod.stop();
    second.pod.stop();
    await Promise.all([first.exit, second.exit]);
  });

  it('rejects the launch when the API server refuses the Job', async () => {
    const refusing = launcherWith('wrong-token', 60_000);
    await expect(refusing.launch(sampleRunSpec({ runId: 'run-refused' }), { onPublish: async () => undefined, onExit: () => undefined })).rejects.toMatchObject({ code: 401 });
  });

  it('deletes and fails a Job whose pod never starts, saying why', async () => {
    const { pod, exit } = await launch('run-no-image', launcherWith(TOKEN, 150));
    api.addStartingPod(pod.id, `${pod.id}-p1`, 'Pending', { reason: 'ImagePullBackOff', message: 'Back-off pulling image "tuneforge/train-pod:typo"' });
    const result = await exit;
    expect(result.code).toBe(1);
    expect(result.outputTail).toMatch(
      new RegExp(`^the Job ${NAMESPACE}/${pod.id} had no running pod after 0\\.15 s \\(ImagePullBackOff: Back-off pulling image "tuneforge/train-pod:typo"\\); it was deleted$`),
    );
    await waitFor(() => !api.jobs.has(pod.id));
    expect(api.requests('DELETE').find((r) => r.path.endsWith(`/jobs/${pod.id}`))?.query.get('propagationPolicy')).toBe('Background');
  });

  it('says so when the Job created no pod at all before the start timeout', async () => {
    const { pod, exit } = await launch('run-refused-pod', launcherWith(TOKEN, 150));
    await expect(exit).resolves.toMatchObject({ code: 1, outputTail: expect.stringContaining(`no pod was created; \`kubectl describe job ${pod.id}\` shows why`) });
  });

  it('leaves a started pod to run past the start timeout', async () => {
    const { pod, exit } = await launch('run-long', launcherWith(TOKEN, 150));
    api.addStartingPod(pod.id, `${pod.id}-p1`, 'Running');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(api.jobs.has(pod.id)).toBe(true);
    api.finish(pod.id, 'Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
    await expect(exit).resolves.toMatchObject({ code: 0 });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
