import { useEffect, useId, useState } from 'react';
import { checkPatch, type PatchCheck } from './patch-validation';

interface Props {
  initial: Record<string, unknown>;
  /** The configuration the question is about (`context.config`), which the patch must keep valid. */
  config: unknown;
  onSubmit(patch: Record<string, unknown>): void;
  busy: boolean;
}

/**
 * A JSON editor for the patch to send with an `edit` answer. It checks as you type (after a pause) and once more on
 * sending; the send button stays off while the patch is wrong, and the message names the line or the field.
 */
export function PatchEditor({ initial, config, onSubmit, busy }: Props) {
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [check, setCheck] = useState<PatchCheck | null>(null);
  const id = useId();

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => void checkPatch(text, config).then((result) => current && setCheck(result)), 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, config]);

  const send = async () => {
    const result = await checkPatch(text, config);
    setCheck(result);
    if (result.ok) onSubmit(result.patch);
  };

  return (
    <div className="patch-editor">
      <label htmlFor={id}>Patch (JSON merge patch on the job configuration)</label>
      <textarea
        id={id}
        className="code"
        rows={Math.min(18, Math.max(6, text.split('\n').length + 1))}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={check && !check.ok ? true : undefined}
        aria-describedby={`${id}-check`}
      />
      <p id={`${id}-check`} className={check && !check.ok ? 'field-error' : 'hint'} aria-live="polite">
        {check === null ? 'Checking…' : check.ok ? 'The patch is valid.' : check.message}
      </p>
      <button type="button" onClick={send} disabled={busy || (check !== null && !check.ok)}>
        Send the edited patch
      </button>
    </div>
  );
}
