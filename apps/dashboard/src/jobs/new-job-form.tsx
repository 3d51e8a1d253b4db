import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error';
import type { FineTuningJob, Model } from '../api/types';
import { useSession } from '../auth/session';
import { Field } from '../ui/field';
import { buildJobRequest, EMPTY_JOB_FORM, fieldOfParam, JobFormError, type JobField, type JobForm } from './job-request';

interface Props {
  models: Model[];
  onCreated(job: FineTuningJob): void;
}

type Files = { training?: File; validation?: File; evaluation?: File };
const FILE_FIELDS = { training: 'trainingFile', validation: 'validationFile', evaluation: 'evaluationFile' } as const;

/**
 * A fine-tuning job from files on this computer: each file is uploaded (`POST /v1/files`), then the job is created.
 * Whatever the API refuses is shown against the field it names (an upload's error names the file's line).
 */
export function NewJobForm({ models, onCreated }: Props) {
  const { client } = useSession();
  const [form, setForm] = useState<JobForm>(EMPTY_JOB_FORM);
  const [files, setFiles] = useState<Files>({});
  const [errors, setErrors] = useState<Partial<Record<JobField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const baseModels = models.filter((model) => !model.id.startsWith('ft:'));
  const set = <K extends keyof JobForm>(key: K, value: JobForm[K]) => setForm((previous) => ({ ...previous, [key]: value }));

  function fail(field: JobField | null, message: string) {
    if (field) {
      setErrors({ [field]: message });
      // The first wrong field takes the focus, so a keyboard or screen-reader user lands on it.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    } else setFormError(message);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    if (!files.training) return fail('trainingFile', 'Choose a training file (JSONL, JSON or CSV).');
    let request: Record<string, unknown>;
    try {
      // The form is read once before anything is uploaded (a typo in a number uploads nothing); the file ids come after.
      request = buildJobRequest(form, { training: 'pending' });
    } catch (error) {
      return error instanceof JobFormError ? fail(error.field, error.message) : fail(null, (error as Error).message);
    }
    const uploaded: Record<string, string> = {};
    for (const [kind, file] of Object.entries(files) as Array<[keyof Files, File | undefined]>) {
      if (!file) continue;
      setBusy(`Uploading ${file.name}…`);
      try {
        uploaded[kind] = (await client.uploadFile(file)).id;
      } catch (error) {
        setBusy(null);
        return fail(FILE_FIELDS[kind], `${file.name}: ${(error as Error).message}`);
      }
    }
    setBusy('Creating the job…');
    try {
      request = buildJobRequest(form, { training: uploaded.training, validation: uploaded.validation, evaluation: uploaded.evaluation });
      const job = await client.createJob(request);
      setForm(EMPTY_JOB_FORM);
      setFiles({});
      onCreated(job);
    } catch (error) {
      const param = error instanceof ApiError ? error.param : null;
      fail(fieldOfParam(param), error instanceof ApiError && param ? `${error.message} (${param})` : (error as Error).message);
    } finally {
      setBusy(null);
    }
  }

  const fileInput = (kind: keyof Files, label: string, hint: string, required = false) => (
    <Field label={label} error={errors[FILE_FIELDS[kind]]} hint={hint}>
      {(props) => <input {...props} type="file" accept=".jsonl,.json,.csv,application/json,text/csv" required={required} onChange={(e) => setFiles((previous) => ({ ...previous, [kind]: e.target.files?.[0] }))} />}
    </Field>
  );

  return (
    <form className="card new-job" onSubmit={submit} aria-labelledby="new-job-title" noValidate>
      <h2 id="new-job-title">New fine-tuning job</h2>
      {formError && (
        <p role="alert" className="error">
          {formError}
        </p>
      )}
      <div className="grid">
        <Field label="Base model" error={errors.model}>
          {(props) => (
            <select {...props} value={form.model} onChange={(e) => set('model', e.target.value)} required>
              <option value="">Choose…</option>
              {baseModels.map((model) => (
                <option key={model.id} value={model.id}>
                  {model.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Method">
          {(props) => (
            <select {...props} value={form.method} onChange={(e) => set('method', e.target.value as JobForm['method'])}>
              <option value="supervised">Supervised (SFT)</option>
              <option value="dpo">Preference (DPO)</option>
            </select>
          )}
        </Field>
        {fileInput('training', 'Training file', 'OpenAI chat, prompt/completion, preference pairs, ShareGPT, Alpaca, ReAct…', true)}
        {fileInput('validation', 'Validation file (optional)', 'Held out for the validation loss.')}
        {fileInput('evaluation', 'Evaluation file (optional)', 'Held-out examples the evaluation runs on.')}
        <Field label="Epochs" error={errors.epochs} hint="Empty: auto.">
          {(props) => <input {...props} inputMode="numeric" value={form.epochs} onChange={(e) => set('epochs', e.target.value)} />}
        </Field>
        <Field label="Batch size" error={errors.batchSize} hint="Empty: auto.">
          {(props) => <input {...props} inputMode="numeric" value={form.batchSize} onChange={(e) => set('batchSize', e.target.value)} />}
        </Field>
        <Field label="Learning rate multiplier" error={errors.learningRateMultiplier} hint="Empty: auto.">
          {(props) => <input {...props} inputMode="decimal" value={form.learningRateMultiplier} onChange={(e) => set('learningRateMultiplier', e.target.value)} />}
        </Field>
        {form.method === 'dpo' && (
          <Field label="Beta" error={errors.beta} hint="DPO's β. Empty: auto.">
            {(props) => <input {...props} inputMode="decimal" value={form.beta} onChange={(e) => set('beta', e.target.value)} />}
          </Field>
        )}
        <Field label="Suffix (optional)" error={errors.suffix} hint="Part of the tuned model's name.">
          {(props) => <input {...props} value={form.suffix} maxLength={64} onChange={(e) => set('suffix', e.target.value)} />}
        </Field>
        <Field label="Halfway through training">
          {(props) => (
            <select {...props} value={form.halfwayApproval} onChange={(e) => set('halfwayApproval', e.target.value as JobForm['halfwayApproval'])}>
              <option value="approve">Continue without asking</option>
              <option value="ask">Ask me whether to continue</option>
            </select>
          )}
        </Field>
      </div>
      <label className="inline">
        <input type="checkbox" checked={form.evaluationEnabled} onChange={(e) => set('evaluationEnabled', e.target.checked)} /> Evaluate the tuned model against the base model
      </label>
      <Field label="Tuneforge options (JSON, optional)" error={errors.extensions} hint='Merged under "tuneforge": tools, config, iteration_budget, approval_policy, synthesis…'>
        {(props) => <textarea {...props} className="code" rows={6} spellCheck={false} value={form.extensions} onChange={(e) => set('extensions', e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy !== null}>
          Create job
        </button>
        <span role="status" aria-live="polite">
          {busy}
        </span>
      </div>
    </form>
  );
}
