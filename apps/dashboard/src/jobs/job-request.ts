/** What the new-job form holds, as typed (numbers as text: empty means the API's `auto`). */
export interface JobForm {
  model: string;
  method: 'supervised' | 'dpo';
  epochs: string;
  batchSize: string;
  learningRateMultiplier: string;
  beta: string;
  suffix: string;
  halfwayApproval: 'ask' | 'approve';
  evaluationEnabled: boolean;
  /** Further Tuneforge options as a JSON object (tools, config, iteration_budget, ...), merged under `tuneforge`. */
  extensions: string;
}

export const EMPTY_JOB_FORM: JobForm = {
  model: '',
  method: 'supervised',
  epochs: '',
  batchSize: '',
  learningRateMultiplier: '',
  beta: '',
  suffix: '',
  halfwayApproval: 'approve',
  evaluationEnabled: true,
  extensions: '',
};

/** The form's fields an error can be shown against. */
export type JobField = 'model' | 'trainingFile' | 'validationFile' | 'evaluationFile' | 'epochs' | 'batchSize' | 'learningRateMultiplier' | 'beta' | 'suffix' | 'extensions';

export class JobFormError extends Error {
  constructor(
    readonly field: JobField,
    message: string,
  ) {
    super(message);
  }
}

function numberField(text: string, field: JobField, label: string, integer: boolean): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new JobFormError(field, `${label} must be ${integer ? 'a whole number' : 'a number'}, or empty for auto.`);
  return value;
}

/** The `tuneforge` options the JSON field holds: an object, or nothing. */
export function parseExtensions(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JobFormError('extensions', `Not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new JobFormError('extensions', 'Tuneforge options must be a JSON object, e.g. {"iteration_budget": 2}.');
  return parsed as Record<string, unknown>;
}

/**
 * The create request (`POST /v1/fine_tuning/jobs`) for the form and the uploaded files' ids: OpenAI's fields, the
 * method's hyperparameters where given, Tuneforge's options under `tuneforge` (the halfway question and evaluation
 * from their own fields, over what the JSON field says). Throws a JobFormError naming the field it cannot read.
 */
export function buildJobRequest(form: JobForm, files: { training: string; validation?: string; evaluation?: string }): Record<string, unknown> {
  if (form.model === '') throw new JobFormError('model', 'Choose a base model.');
  const hyperparameters: Record<string, number> = {};
  const epochs = numberField(form.epochs, 'epochs', 'Epochs', true);
  const batchSize = numberField(form.batchSize, 'batchSize', 'Batch size', true);
  const multiplier = numberField(form.learningRateMultiplier, 'learningRateMultiplier', 'Learning rate multiplier', false);
  if (epochs !== undefined) hyperparameters.n_epochs = epochs;
  if (batchSize !== undefined) hyperparameters.batch_size = batchSize;
  if (multiplier !== undefined) hyperparameters.learning_rate_multiplier = multiplier;
  if (form.method === 'dpo') {
    const beta = numberField(form.beta, 'beta', 'Beta', false);
    if (beta !== undefined) hyperparameters.beta = beta;
  }
  const extensions = parseExtensions(form.extensions);
  const approvalPolicy = typeof extensions.approval_policy === 'object' && extensions.approval_policy !== null ? extensions.approval_policy : {};
  const evaluation = typeof extensions.evaluation === 'object' && extensions.evaluation !== null ? extensions.evaluation : {};
  return {
    model: form.model,
    training_file: files.training,
    ...(files.validation ? { validation_file: files.validation } : {}),
    method: { type: form.method, [form.method]: Object.keys(hyperparameters).length > 0 ? { hyperparameters } : {} },
    ...(form.suffix.trim() ? { suffix: form.suffix.trim() } : {}),
    tuneforge: {
      ...extensions,
      ...(files.evaluation ? { evaluation_file: files.evaluation } : {}),
      approval_policy: { ...approvalPolicy, training_halfway: form.halfwayApproval },
      evaluation: { ...evaluation, enabled: form.evaluationEnabled },
    },
  };
}

/**
 * The form field an API error's `param` names (`hyperparameters.n_epochs`, `method.dpo.hyperparameters.beta`,
 * `training_file`, `tuneforge.tools[0]...`), or null when it names none of them: the error is then shown above the form.
 */
export function fieldOfParam(param: string | null): JobField | null {
  if (!param) return null;
  const last = param.split('.').at(-1)!;
  if (param === 'model') return 'model';
  if (param === 'training_file') return 'trainingFile';
  if (param === 'validation_file') return 'validationFile';
  if (param === 'tuneforge.evaluation_file') return 'evaluationFile';
  if (param === 'suffix') return 'suffix';
  if (/(^|\.)hyperparameters\./.test(param)) {
    if (last === 'n_epochs') return 'epochs';
    if (last === 'batch_size') return 'batchSize';
    if (last === 'learning_rate_multiplier') return 'learningRateMultiplier';
    if (last === 'beta') return 'beta';
  }
  if (param === 'tuneforge' || param.startsWith('tuneforge.')) return 'extensions';
  return null;
}
