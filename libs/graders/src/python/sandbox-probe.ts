import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { PROBE_SOURCE } from './runner-source';

/** How to start a python grader: the command line up to (not including) `-c <runner>`; the uid to own its directory. */
export interface PythonSandbox {
  argv: string[];
  /** The unprivileged user the grader runs as (root hosts), whose temporary directory must be its own. */
  uid?: number;
}

/** The unprivileged account python graders run as on a host where Tuneforge runs as root. */
const NOBODY = 65534;

const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

function executable(name: string, dirs: readonly string[] = SYSTEM_DIRS): string | undefined {
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * The interpreters tried, in order: TF_PYTHON, then the system's. Each must run with an empty environment as an
 * unprivileged user, so a version manager's shim (pyenv) or one under /root does not qualify; the probe finds out.
 */
function pythonCandidates(): string[] {
  const fromPath = (process.env.PATH ?? '').split(':').filter(Boolean);
  const found = [process.env.TF_PYTHON, executable('python3', ['/usr/bin', '/usr/local/bin', '/bin']), executable('python3', fromPath)];
  return [...new Set(found.filter((candidate): candidate is string => Boolean(candidate)))];
}

/**
 * The ways to take the network away, most isolated first: as root, a new network namespace and then the `nobody`
 * user (setpriv) so that the grader cannot raise its own limits; otherwise a user namespace mapped to the caller
 * with its own network namespace (unprivileged user namespaces).
 */
function isolationPrefixes(): Array<{ argv: string[]; uid?: number }> {
  const unshare = executable('unshare');
  if (!unshare) return [];
  const prefixes: Array<{ argv: string[]; uid?: number }> = [];
  const setpriv = executable('setpriv');
  if (process.getuid?.() === 0 && setpriv) {
    prefixes.push({ argv: [unshare, '--net', '--', setpriv, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--no-new-privs', '--'], uid: NOBODY });
  }
  prefixes.push({ argv: [unshare, '--user', '--map-root-user', '--net', '--'] });
  return prefixes;
}

let probed: { sandbox?: PythonSandbox; problem?: string } | undefined;

/** Finds (once per process) a way to run python with no network; what was tried when there is none. */
function probe(): { sandbox?: PythonSandbox; problem?: string } {
  if (probed) return probed;
  // An operator may turn python graders off even where a sandbox would work.
  if (process.env.TF_PYTHON_GRADERS === 'off') {
    probed = { problem: 'python graders are turned off on this deployment (TF_PYTHON_GRADERS=off)' };
    return probed;
  }
  const tried: string[] = [];
  const pythons = pythonCandidates();
  const prefixes = isolationPrefixes();
  if (pythons.length === 0) tried.push('no python3 interpreter found (set TF_PYTHON)');
  if (prefixes.length === 0) tried.push("no 'unshare' command (util-linux) to take the network away");
  for (const prefix of prefixes) {
    for (const python of pythons) {
      const argv = [...prefix.argv, python, '-I', '-S'];
      const result = spawnSync(argv[0], [...argv.slice(1), '-c', PROBE_SOURCE], { env: {}, cwd: '/', timeout: 10_000, encoding: 'utf8' });
      const answer = (result.stdout ?? '').trim();
      if (result.status === 0 && answer === 'isolated') {
        probed = { sandbox: { argv, uid: prefix.uid } };
        return probed;
      }
      tried.push(`${argv.slice(0, 2).join(' ')} … ${python}: ${answer || (result.stderr ?? '').trim().split('\n').at(-1) || result.error?.message || `exit ${result.status}`}`);
    }
  }
  probed = { problem: `python graders are not available on this host: no sandbox without network could be started (${tried.join('; ')})` };
  return probed;
}

/** Forgets the probe's answer, so that the next question probes again (tests that change TF_PYTHON_GRADERS). */
export function forgetPythonSandboxProbe(): void {
  probed = undefined;
}

/** Why python graders cannot run here, or undefined when a sandbox works. */
export function pythonSandboxProblem(): string | undefined {
  return probe().problem;
}

/** The sandbox to run python graders in, or undefined (see `pythonSandboxProblem`). */
export function pythonSandbox(): PythonSandbox | undefined {
  return probe().sandbox;
}
