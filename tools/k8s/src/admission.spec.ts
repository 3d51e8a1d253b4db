// The policy evaluator the admission policy tests rely on: it must not be more lenient than the API server where
// that would hide a broken policy (Kubernetes-only functions, expressions that fail, non-boolean results).
import { admit, celInput, type AdmissionRequest, type ValidatingAdmissionPolicy } from './admission';

const request: AdmissionRequest = {
  operation: 'CREATE',
  resource: { group: 'batch', version: 'v1', resource: 'jobs' },
  namespace: 'ns',
  userInfo: { username: 'system:serviceaccount:ns:trainer' },
};

function policy(validations: ValidatingAdmissionPolicy['spec']['validations'], variables: ValidatingAdmissionPolicy['spec']['variables'] = []): ValidatingAdmissionPolicy {
  return {
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'p' },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['jobs'] }] },
      matchConditions: [{ name: 'trainer', expression: "request.userInfo.username.endsWith(':trainer')" }],
      variables,
      validations,
    },
  };
}

const job = { spec: { parallelism: 2, template: { spec: { containers: [{ name: 'c', image: 'a' }] } } } };

describe('admit', () => {
  it('passes integers as CEL int, so comparisons with int literals hold', () => {
    expect(celInput({ n: 2, x: 0.5 })).toEqual(new Map<string, unknown>([['n', 2n], ['x', 0.5]]));
    expect(admit(policy([{ expression: 'object.spec.parallelism == 2' }]), { request, object: job, params: {} })).toEqual({ applies: true, denials: [] });
  });

  it('uses the message expression, else the message, else the expression', () => {
    const outcome = admit(
      policy(
        [
          { expression: 'false', message: 'static', messageExpression: "'image ' + variables.images[0]" },
          { expression: 'false', message: 'static', messageExpression: "''" },
          { expression: 'size(variables.images) == 0' },
        ],
        [{ name: 'images', expression: 'object.spec.template.spec.containers.map(c, c.image)' }],
      ),
      { request, object: job, params: {} },
    );
    expect(outcome).toEqual({ applies: true, denials: ['image a', 'static', 'failed expression: size(variables.images) == 0'] });
  });

  it('fails on a Kubernetes-only function, a missing field or a non-boolean validation instead of admitting', () => {
    const run = (expression: string) => () => admit(policy([{ expression }]), { request, object: job, params: {} });
    expect(run("'a,b'.split(',').size() == 2")).toThrow(/validation 0: unbound function: split/);
    expect(run('object.spec.suspend == false')).toThrow(/validation 0: field not found: suspend/);
    expect(run("'yes'")).toThrow(/validation 0 is not a bool/);
  });

  it('does not apply to other resources, operations or users', () => {
    const always = policy([{ expression: 'false' }]);
    expect(admit(always, { request: { ...request, operation: 'DELETE' }, object: job, params: {} }).applies).toBe(false);
    expect(admit(always, { request: { ...request, resource: { group: '', version: 'v1', resource: 'pods' } }, object: job, params: {} }).applies).toBe(false);
    expect(admit(always, { request: { ...request, userInfo: { username: 'admin' } }, object: job, params: {} })).toEqual({
      applies: false,
      reason: 'matchCondition trainer is false',
    });
    expect(admit(always, { request, object: job, params: {} })).toEqual({ applies: true, denials: ['failed expression: false'] });
  });
});
