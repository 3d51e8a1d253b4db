/** Marks the runner's one result line on stdout, whatever the grader printed before it. */
export const RESULT_MARKER = '__tuneforge_grade_result__:';

/**
 * The Python program run inside the sandbox (passed with `-c`, so the unprivileged user needs to read nothing of
 * ours). It reads the grader source and the sample/item from stdin first, then lowers its own limits for good
 * (soft = hard, so the grader cannot raise them again; the process runs as an unprivileged user): address space,
 * CPU seconds, file size, open files, no new processes. Then it runs `grade(sample, item)` with stdout captured and
 * prints one JSON result line after the marker: `{"score": x}` or `{"error": "..."}`.
 */
export const RUNNER_SOURCE = `
import contextlib, io, json, math, resource, sys, traceback
def main():
    memory_bytes = int(sys.argv[1]) * 1024 * 1024
    cpu_seconds = int(sys.argv[2])
    payload = json.loads(sys.stdin.read())
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 64 * 1024 * 1024), (resource.RLIMIT_NOFILE, 32),
                         (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, 0)):
        resource.setrlimit(limit, (value, value))
    out = sys.stdout
    try:
        namespace = {'__name__': '__grader__'}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(payload['source'], '<grader>', 'exec'), namespace)
            grade = namespace.get('grade')
            if not callable(grade):
                raise TypeError('the source defines no grade(sample, item) function')
            value = grade(payload['sample'], payload['item'])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError('grade() returned %s, not a number' % type(value).__name__)
        score = float(value)
        if not math.isfinite(score):
            raise ValueError('grade() returned %r' % score)
        result = {'score': score}
    except MemoryError:
        result = {'error': 'MemoryError: the grader went over its memory limit'}
    except BaseException as error:
        lines = traceback.format_exception_only(type(error), error)
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == '<grader>']
        where = (' (line %d)' % frames[-1].lineno) if frames else ''
        result = {'error': ''.join(lines).strip() + where}
    out.write('\\n${RESULT_MARKER}' + json.dumps(result) + '\\n')
    out.flush()
main()
`;

/**
 * Run in the sandbox once per process: prints `isolated` only when the only network interface it sees is the
 * loopback of a fresh network namespace (no route anywhere, not even to the host).
 */
export const PROBE_SOURCE = `
import socket
names = [name for _, name in socket.if_nameindex()]
print('isolated' if names == ['lo'] else 'network: ' + ','.join(names))
`;
