// Setup is one command (`npm run setup`, tools/setup.sh), then the quick start: what README.md says, what
// .ci/run runs, and what the command does as root, through sudo, and with neither. The system commands it
// calls (dpkg, apt-get, sudo, id, npm) are stand-ins that record their calls; nothing is installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const PACKAGES = ['curl', 'unzip', 'cmake', 'ninja-build', 'g++', 'libopenblas-openmp-dev', 'nlohmann-json3-dev', 'googletest', 'libgtest-dev', 'python3-venv'];

/** The shell commands of a README code block: comments dropped, one per line. */
function commands(block: string): string[] {
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function freshMachineSection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## On a fresh machine');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README: on a fresh machine', () => {
  const section = freshMachineSection();
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('is two commands, the setup and the quick start, then the test command', () => {
    expect(commands(block)).toEqual(['npm run setup', 'npm run quickstart', 'npm test']);
  });

  it('asks for no other installation step', () => {
    expect(section).not.toMatch(/install-system-packages\.sh|^npm install/m);
  });

  it('says how long the setup and the quick start took, measured', () => {
    const timings = section.split('\n').filter((line) => /npm run (setup|quickstart)/.test(line) && /\d+\s*(s|min)\b/.test(line));
    expect(timings.length).toBeGreaterThanOrEqual(2);
  });

  it('names scripts that package.json has, and `npm run setup` runs tools/setup.sh', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const command of commands(block)) {
      const script = /^npm run (\S+)/.exec(command)?.[1] ?? (command === 'npm test' ? 'test' : command);
      expect(scripts[script]).toBeDefined();
    }
    expect(scripts.setup).toBe('bash tools/setup.sh');
  });
});

describe('.ci/run', () => {
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  const lines = ci.split('\n').filter((line) => !line.trim().startsWith('#') && !line.trim().startsWith('echo'));

  it('sets up with the README command, not with its own steps', () => {
    expect(lines).toContain('npm run setup');
    expect(lines.filter((line) => /install-system-packages|python-venv|npm (install|ci)\b/.test(line))).toEqual([]);
  });
});

interface Run {
  status: number | null;
  output: string;
  calls: string[];
}

/**
 * Runs tools/setup.sh with only stand-ins and a few real tools on PATH: `uid` is what `id -u` says,
 * `missing` the packages dpkg does not know, `sudo` whether a sudo is installed.
 */
function runSetup(options: { uid: number; missing: string[]; sudo: boolean }): Run {
  const dir = mkdtempSync(join(tmpdir(), 'tf-setup-'));
  try {
    const bin = join(dir, 'bin');
    const log = join(dir, 'calls.log');
    mkdirSync(bin);
    const realPath = process.env.PATH ?? '';
    const which = (tool: string): string => {
      for (const entry of realPath.split(delimiter)) if (existsSync(join(entry, tool))) return join(entry, tool);
      throw new Error(`${tool} not found on PATH`);
    };
    for (const tool of ['bash', 'node', 'dirname', 'cat', 'cut', 'sha256sum', 'sed', 'env']) symlinkSync(which(tool), join(bin, tool));
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!${which('bash')}\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub('id', `[ "$1" = -u ] && echo ${options.uid} || echo "uid=${options.uid}"`);
    stub('dpkg', `for p in ${options.missing.join(' ')}; do [ "$2" = "$p" ] && exit 1; done; exit 0`);
    stub('apt-get', `echo "apt-get $* (uid $(id -u), DEBIAN_FRONTEND=$DEBIAN_FRONTEND)" >> '${log}'`);
    stub('npm', `echo "npm $* (in $PWD)" >> '${log}'`);
    if (options.sudo) stub('sudo', `echo "sudo $*" >> '${log}'; exec "$@"`);

    // The Python tools' venv, already made and current: python-venv.sh has nothing to install.
    const cache = join(dir, 'cache');
    const venv = join(cache, 'venv-tools');
    mkdirSync(join(venv, 'bin'), { recursive: true });
    writeFileSync(join(venv, 'bin', 'python'), '');
    chmodSync(join(venv, 'bin', 'python'), 0o755);
    const requirements = ['tools/tiny-model/requirements.txt', 'tools/metrics-reference/requirements.txt'].map((path) => readFileSync(join(ROOT, path)));
    writeFileSync(join(venv, '.requirements.sha256'), `${createHash('sha256').update(Buffer.concat(requirements)).digest('hex')}\n`);

    const result = spawnSync(join(bin, 'bash'), [join(ROOT, 'tools', 'setup.sh')], {
      cwd: dir,
      env: { PATH: bin, HOME: dir, TUNEFORGE_CACHE: cache },
      encoding: 'utf8',
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run setup (tools/setup.sh)', () => {
  it('installs nothing when every package is there, makes the venv, installs the workspace at the root, then the default model', () => {
    const run = runSetup({ uid: 0, missing: [], sudo: false });
    expect({ status: run.status, output: run.output }).toMatchObject({ status: 0 });
    expect(run.calls).toEqual([`npm install --no-audit --no-fund (in ${ROOT})`, `npm run --silent install-default-model (in ${ROOT})`]);
    expect(run.output).toMatch(/Debian packages: all installed/);
    expect(run.output).toMatch(/venv: .*venv-tools\/bin\/python/);
    expect(run.output).toMatch(/setup: ready in \d+s\. Next: npm run quickstart/);
  });

  it('as root, installs the missing packages with apt-get itself', () => {
    const run = runSetup({ uid: 0, missing: ['cmake', 'libgtest-dev'], sudo: true });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      'apt-get update -q (uid 0, DEBIAN_FRONTEND=noninteractive)',
      'apt-get install -y -q --no-install-recommends cmake libgtest-dev (uid 0, DEBIAN_FRONTEND=noninteractive)',
      `npm install --no-audit --no-fund (in ${ROOT})`,
      `npm run --silent install-default-model (in ${ROOT})`,
    ]);
    expect(run.output).not.toMatch(/sudo/);
  });

  it('as another user, installs them through sudo and says so first', () => {
    const run = runSetup({ uid: 1000, missing: ['nlohmann-json3-dev'], sudo: true });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q',
      'apt-get update -q (uid 1000, DEBIAN_FRONTEND=noninteractive)',
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nlohmann-json3-dev',
      'apt-get install -y -q --no-install-recommends nlohmann-json3-dev (uid 1000, DEBIAN_FRONTEND=noninteractive)',
      `npm install --no-audit --no-fund (in ${ROOT})`,
      `npm run --silent install-default-model (in ${ROOT})`,
    ]);
    expect(run.output).toMatch(/needs root: running apt-get through sudo \(it may ask for your password\)/);
  });

  it('as another user without sudo, stops before installing anything and says what to run as root', () => {
    const run = runSetup({ uid: 1000, missing: ['cmake', 'python3-venv'], sudo: false });
    expect(run.status).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.output).toMatch(/missing Debian packages: cmake python3-venv/);
    expect(run.output).toMatch(/neither root nor is sudo installed/);
    expect(run.output).toMatch(/apt-get install -y --no-install-recommends cmake python3-venv/);
  });

  it('checks the packages the native engine and the venv need', () => {
    const run = runSetup({ uid: 1000, missing: PACKAGES, sudo: false });
    expect(run.output).toContain(`missing Debian packages: ${PACKAGES.join(' ')}`);
  });
});
