import { useId, type ReactElement, type ReactNode } from 'react';

interface Props {
  label: string;
  error?: string | null;
  hint?: ReactNode;
  /** Renders the control with the ids that tie it to its label, hint and error. */
  children(props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }): ReactElement;
}

/** A labelled form control with its hint and its error, announced to assistive technology with the control. */
export function Field({ label, error, hint, children }: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, ...(error ? { 'aria-invalid': true as const } : {}) })}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
