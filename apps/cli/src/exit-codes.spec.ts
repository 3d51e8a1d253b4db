import { EXIT, EXIT_CODE_HELP, exitCodeForJob } from './exit-codes';

describe('exit codes', () => {
  it('maps a job status to the code a script checks', () => {
    expect(exitCodeForJob('succeeded')).toBe(0);
    expect(exitCodeForJob('running')).toBe(0);
    expect(exitCodeForJob('failed')).toBe(1);
    expect(exitCodeForJob('cancelled')).toBe(3);
    expect(exitCodeForJob('cancelled', [{ decision: 'approve' }, { decision: null }])).toBe(3);
  });

  it('a job cancelled because an approval was rejected exits 6', () => {
    expect(exitCodeForJob('cancelled', [{ decision: 'reject' }])).toBe(6);
    // a reject that did not end the job (it succeeded anyway) does not change its code
    expect(exitCodeForJob('succeeded', [{ decision: 'reject' }])).toBe(0);
  });

  it('the help text documents every code, each once', () => {
    const documented = EXIT_CODE_HELP.split('\n')
      .map((line) => /^\s+(\d)\s/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined)
      .map(Number);
    expect(documented).toEqual([...new Set(Object.values(EXIT))].sort());
  });
});
