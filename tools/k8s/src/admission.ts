// Evaluates a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) on one admission request, the way the
// API server does: resource rules, then match conditions, then variables, then each validation with its message.
// The CEL is run by @bufbuild/cel with the standard library only (no Kubernetes extension is registered), so a
// policy that leans on a Kubernetes-only function fails here with "unbound function".
//
// What this does not model: the API server's type checking and cost limits, namespace and object selectors,
// auditAnnotations, and lazily evaluated variables (here each variable is evaluated once, in order, and an
// error in one is an error of the whole evaluation rather than only of the expressions that use it).
import { isCelError, run, type CelInput, type CelValue } from '@bufbuild/cel';

interface NamedExpression {
  readonly name: string;
  readonly expression: string;
}

interface Validation {
  readonly expression: string;
  readonly message?: string;
  readonly messageExpression?: string;
}

interface ResourceRule {
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly operations?: readonly string[];
  readonly resources?: readonly string[];
}

export interface ValidatingAdmissionPolicy {
  readonly kind: 'ValidatingAdmissionPolicy';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly matchConstraints?: { readonly resourceRules?: readonly ResourceRule[] };
    readonly matchConditions?: readonly NamedExpression[];
    readonly variables?: readonly NamedExpression[];
    readonly validations: readonly Validation[];
  };
}

/** The part of an AdmissionRequest the policies here read. */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly namespace: string;
  readonly userInfo: { readonly username: string; readonly groups?: readonly string[] };
}

export type AdmissionOutcome =
  | { readonly applies: false; readonly reason: string }
  /** `denials` holds one message per failed validation, in the policy's order (empty: admitted). */
  | { readonly applies: true; readonly denials: readonly string[] };

export interface AdmissionInput {
  readonly request: AdmissionRequest;
  readonly object: unknown;
  readonly params: unknown;
}

/** JSON as CEL sees a Kubernetes object: objects are maps, integers are `int` (JavaScript numbers would be `double`). */
export function celInput(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(celInput);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, celInput(v)]));
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value as CelInput;
}

function evaluate(expression: string, bindings: Record<string, CelInput>, what: string): CelValue {
  const result = run(expression, bindings);
  if (isCelError(result)) throw new Error(`${what}: ${result.message}\n  expression: ${expression}`);
  return result;
}

const covers = (list: readonly string[] | undefined, value: string) => (list ?? []).some((item) => item === '*' || item === value);

function matchesResource(rules: readonly ResourceRule[], request: AdmissionRequest): boolean {
  return rules.some(
    (rule) =>
      covers(rule.apiGroups, request.resource.group) &&
      covers(rule.apiVersions, request.resource.version) &&
      covers(rule.resources, request.resource.resource) &&
      covers(rule.operations, request.operation),
  );
}

/** Runs `policy` on one request, as its binding with validationActions [Deny] and `params` would. */
export function admit(policy: ValidatingAdmissionPolicy, input: AdmissionInput): AdmissionOutcome {
  const { spec } = policy;
  if (!matchesResource(spec.matchConstraints?.resourceRules ?? [], input.request)) {
    return { applies: false, reason: 'no resource rule matches the request' };
  }
  // Serialised as the API server would send it: no undefined fields, plain JSON values.
  const object = celInput(JSON.parse(JSON.stringify(input.object)));
  const bindings: Record<string, CelInput> = {
    object,
    oldObject: null,
    params: celInput(input.params),
    request: celInput(input.request),
  };
  for (const condition of spec.matchConditions ?? []) {
    const value = evaluate(condition.expression, bindings, `matchCondition ${condition.name}`);
    if (typeof value !== 'boolean') throw new Error(`matchCondition ${condition.name} is not a bool`);
    if (!value) return { applies: false, reason: `matchCondition ${condition.name} is false` };
  }
  const variables = new Map<string, CelInput>();
  bindings.variables = variables;
  for (const variable of spec.variables ?? []) {
    variables.set(variable.name, evaluate(variable.expression, bindings, `variable ${variable.name}`) as CelInput);
  }
  const denials: string[] = [];
  for (const [index, validation] of spec.validations.entries()) {
    const passed = evaluate(validation.expression, bindings, `validation ${index}`);
    if (passed === true) continue;
    if (passed !== false) throw new Error(`validation ${index} is not a bool`);
    // The API server's order: the message expression's string, else the message, else the expression itself.
    const fromExpression = validation.messageExpression ? evaluate(validation.messageExpression, bindings, `messageExpression ${index}`) : undefined;
    denials.push(
      typeof fromExpression === 'string' && fromExpression.trim() !== ''
        ? fromExpression
        : (validation.message ?? `failed expression: ${validation.expression}`),
    );
  }
  return { applies: true, denials };
}
