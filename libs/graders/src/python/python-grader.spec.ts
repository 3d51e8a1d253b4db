import { createServer, type AddressInfo } from 'node:net';
import { runGrader, validateGrader, type Grader } from '../index';
import { forgetPythonSandboxProbe, pythonSandboxProblem } from './sandbox-probe';

const python = (source: string): Grader => ({ type: 'python', name: 'py', source });
const input = { sample: { output_text: '{"answer": 42}' }, item: { target: 42 } };
const limits = { python: { timeoutMs: 2_000, memoryMb: 256 } };

// This host runs the tests as root with util-linux's unshare: the sandbox must be there. (A host without one is
// covered by the TF_PYTHON_GRADERS=off case below, which takes the same refusal path.)
describe('python grader', () => {
  beforeAll(() => expect(pythonSandboxProblem()).toBeUndefined());

  it('runs grade(sample, item) with output_json and the item, and returns its number', async () => {
    const grader = python("import json\ndef grade(sample, item):\n    print('noise')\n    return 1.0 if sample['output_json']['answer'] == item['target'] else 0.25");
    expect(await runGrader(grader, input, limits)).toEqual({ score: 1 });
  });

  it('a grader that never returns is stopped at its wall-clock limit and scores 0; the next one still runs', async () => {
    const started = Date.now();
    const result = await runGrader(python('import time\ndef grade(sample, item):\n    time.sleep(60)\n    return 1'), input, { python: { timeoutMs: 1_000, memoryMb: 256 } });
    const elapsed = Date.now() - started;
    expect(result.score).toBe(0);
    expect(result.error).toContain('time limit');
    expect(elapsed).toBeLessThan(5_000);
    expect((await runGrader(python('def grade(sample, item):\n    return 0.5'), input, limits)).score).toBe(0.5);
  });

  it('a busy loop is stopped too', async () => {
    const result = await runGrader(python('def grade(sample, item):\n    while True:\n        pass'), input, { python: { timeoutMs: 1_000, memoryMb: 256 } });
    expect(result).toMatchObject({ score: 0 });
  });

  it('has no network: neither the internet nor a service listening on the host\'s loopback can be reached', async () => {
    const listening = createServer((socket) => socket.end('hello'));
    await new Promise<void>((done) => listening.listen(0, '127.0.0.1', done));
    const port = (listening.address() as AddressInfo).port;
    const source = [
      'import socket',
      'def grade(sample, item):',
      '    reached = 0',
      "    for host, port in (('1.1.1.1', 80), ('127.0.0.1', item['port'])):",
      '        try:',
      '            socket.create_connection((host, port), timeout=2)',
      '            reached += 1',
      '        except OSError:',
      '            pass',
      '    return 0.125 + reached',
    ].join('\n');
    try {
      expect(await runGrader(python(source), { ...input, item: { port } }, limits)).toEqual({ score: 0.125 });
    } finally {
      listening.close();
    }
  });

  it('runs with an empty environment, unprivileged, and cannot start processes or raise its memory limit', async () => {
    const source = [
      'import os, resource',
      'def grade(sample, item):',
      // Python itself sets LC_CTYPE when it finds the C locale (PEP 538); nothing else may be there.
      "    assert set(os.environ) <= {'LC_CTYPE'}, os.environ",
      "    assert os.getuid() != 0 or open('/proc/self/uid_map').read().split()[1] != '0'",
      '    try:',
      '        os.fork()',
      '        return 0',
      '    except OSError:',
      '        pass',
      '    try:',
      '        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))',
      '        return 0',
      '    except (ValueError, OSError):',
      '        return 1',
    ].join('\n');
    expect(await runGrader(python(source), input, limits)).toEqual({ score: 1 });
  });

  it('memory beyond the limit, an exception, or a non-number scores 0 with the reason', async () => {
    const memory = await runGrader(python("def grade(sample, item):\n    block = bytearray(512 * 1024 * 1024)\n    return 1"), input, limits);
    expect(memory.score).toBe(0);
    expect(memory.error).toContain('MemoryError');
    const raised = await runGrader(python("def grade(sample, item):\n    return item['missing']"), input, limits);
    expect(raised.error).toMatch(/KeyError: 'missing' \(line 2\)/);
    expect((await runGrader(python("def grade(sample, item):\n    return 'yes'"), input, limits)).error).toContain('returned str, not a number');
  });

  it('with python graders turned off, validation refuses them and a run fails the job', async () => {
    process.env.TF_PYTHON_GRADERS = 'off';
    forgetPythonSandboxProbe();
    try {
      const refused = validateGrader({ type: 'multi', name: 'm', graders: { p: python('def grade(s, i):\n    return 1') }, calculate_output: 'p' });
      expect(refused).toMatchObject({ ok: false, param: 'graders.p.type', message: expect.stringContaining('TF_PYTHON_GRADERS=off') });
      await expect(runGrader(python('def grade(s, i):\n    return 1'), input, limits)).rejects.toMatchObject({ code: 'sandbox_unavailable' });
    } finally {
      delete process.env.TF_PYTHON_GRADERS;
      forgetPythonSandboxProbe();
    }
  });
});
