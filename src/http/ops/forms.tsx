/**
 * The dashboard's forms: a form is parsed with the service's own schema, and a refusal (a
 * ValidationError, or a ConflictError that names its field) is shown beside the fields it names,
 * with a summary at the top, the values the person typed kept. Anything else is the page's error.
 */
import type { FC } from 'hono/jsx';
import type { z } from 'zod';
import { ConflictError, type FieldError, ValidationError } from '../../services/errors';
import { describeIssues } from '../../services/field-errors';

/** What a form shows: the values to fill in and the problems to name beside them. */
export type FormState = { values: Record<string, string>; errors: FieldError[] };

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: [] });

/** Parses `input` with `schema`; a ValidationError names each field once (its first problem). */
export function parseForm<T extends z.ZodType>(schema: T, input: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  // A list typed one entry a line names the line: `policies.2` is the third line of Policies.
  const all = describeIssues(parsed.error, input).map((i) => {
    const [field = '', item] = i.path.split('.');
    const line = item !== undefined && /^\d+$/.test(item) ? `line ${Number(item) + 1} ` : '';
    return { field: field || 'form', message: `${line}${i.message}` };
  });
  throw new ValidationError(all.filter((e, i) => all.findIndex((f) => f.field === e.field) === i));
}

/**
 * The field errors of a refusal the form can show, with the status to answer (422, or 409 for a
 * conflict); any other error is thrown on to the page's error handler.
 */
export function refusalOf(err: unknown): { status: 409 | 422; errors: FieldError[] } {
  if (err instanceof ValidationError) return { status: 422, errors: err.errors ?? [{ field: 'form', message: err.message }] };
  if (err instanceof ConflictError)
    return { status: 409, errors: err.errors?.length ? err.errors : [{ field: 'form', message: err.message }] };
  throw err;
}

/** The string fields of a submitted form, as typed (for showing them again). */
export function valuesOf(form: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, form[n] ?? '']));
}

const fieldId = (form: string, name: string) => `${form}-${name}`;
const errorOf = (state: FormState, name: string) => state.errors.find((e) => e.field === name)?.message;

/** The form's problems, each linking to its field; nothing when there are none. */
export const ErrorSummary: FC<{ form: string; state: FormState; labels: Record<string, string> }> = ({ form, state, labels }) =>
  state.errors.length === 0 ? null : (
    <div class="error-summary" role="alert">
      <h2>{state.errors.length === 1 ? 'There is a problem' : `There are ${state.errors.length} problems`}</h2>
      <ul>
        {state.errors.map((e) =>
          labels[e.field] ? (
            <li>
              <a href={`#${fieldId(form, e.field)}`}>
                {labels[e.field]}: {e.message}
              </a>
            </li>
          ) : (
            <li>{e.message}</li>
          ),
        )}
      </ul>
    </div>
  );

type FieldProps = {
  form: string;
  name: string;
  label: string;
  state: FormState;
  hint?: string;
  required?: boolean;
};

/** The label, hint and error of one field around its control. */
function fieldParts({ form, name, state, hint }: FieldProps) {
  const id = fieldId(form, name);
  const error = errorOf(state, name);
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return {
    id,
    error,
    attrs: {
      id,
      name,
      ...(error ? { 'aria-invalid': 'true' } : {}),
      ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    },
  };
}

const Hint: FC<{ id: string; hint?: string | undefined }> = ({ id, hint }) =>
  hint ? (
    <p class="muted" id={`${id}-hint`}>
      {hint}
    </p>
  ) : null;

const ErrorText: FC<{ id: string; error?: string | undefined }> = ({ id, error }) =>
  error ? (
    <p class="field-error" id={`${id}-error`}>
      {error}
    </p>
  ) : null;

export const TextField: FC<FieldProps & { type?: 'text' | 'email' | 'tel' | 'number' | 'url'; autocomplete?: string; min?: number }> = (
  props,
) => {
  const { id, error, attrs } = fieldParts(props);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <Hint id={id} hint={props.hint} />
      <input
        {...attrs}
        type={props.type ?? 'text'}
        value={props.state.values[props.name] ?? ''}
        {...(props.required ? { required: true } : {})}
        {...(props.autocomplete ? { autocomplete: props.autocomplete } : {})}
        {...(props.min !== undefined ? { min: String(props.min) } : {})}
      />
      <ErrorText id={id} error={error} />
    </div>
  );
};

export const TextArea: FC<FieldProps & { rows?: number }> = (props) => {
  const { id, error, attrs } = fieldParts(props);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <Hint id={id} hint={props.hint} />
      <textarea {...attrs} rows={props.rows ?? 5}>
        {props.state.values[props.name] ?? ''}
      </textarea>
      <ErrorText id={id} error={error} />
    </div>
  );
};

export const SelectField: FC<FieldProps & { options: readonly { value: string; label: string }[] }> = (props) => {
  const { id, error, attrs } = fieldParts(props);
  const current = props.state.values[props.name] ?? '';
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <Hint id={id} hint={props.hint} />
      <select {...attrs}>
        {props.options.map((o) => (
          <option value={o.value} {...(o.value === current ? { selected: true } : {})}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorText id={id} error={error} />
    </div>
  );
};

/** The form token every POST form carries. */
export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

/** A success or info banner chosen by a fixed key in the query string (never text from the URL). */
export function noticeFor(messages: Record<string, string>, key: string | undefined): string | null {
  return key && Object.hasOwn(messages, key) ? (messages[key] ?? null) : null;
}

export const Notice: FC<{ text: string | null }> = ({ text }) =>
  text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
