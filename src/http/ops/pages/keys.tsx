/**
 * Keys (owners only): the operator's service keys and dashboard tokens — created here and shown once,
 * listed by their public prefix, revoked after a confirmation. Every call is scoped to the owner's
 * tenant: another operator's key id is a 404, never a revocation.
 */
import { type Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { ServiceError, ValidationError } from '../../../services/errors';
import { createKey, createKeySchema, type KeyView, listKeys, revokeKey, SCOPES } from '../../../services/keys';
import { formOf } from '../../middleware/strict-form';
import { pageChrome } from '../chrome';
import { type OpsSurfaceDeps, ownersOnly } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { AppPage } from '../views/layout';
import { TableWrap } from '../views/table-wrap';

type KeyForm = { kind?: string; label?: string; scopes: string[] };

export function createKeysPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  pages.use('/keys', ownersOnly);
  pages.use('/keys/*', ownersOnly);

  const listPage = async (
    c: Context<OpsEnv>,
    extra: { created?: { key: string; prefix: string }; form?: KeyForm; errors?: { field: string; message: string }[] } = {},
    status: 200 | 201 | 422 = 200,
  ) => {
    const keys = await listKeys(deps, staffContext(c));
    const revoked = c.req.query('revoked');
    return c.html(
      <AppPage title="Keys" chrome={pageChrome(c, await deps.assets(), 'keys')}>
        {extra.created ? (
          <div class="notice" role="status">
            <h2>Copy the new key now</h2>
            <p>It is shown only this once; Bosun keeps only its digest.</p>
            <p>
              <code>{extra.created.key}</code>
            </p>
          </div>
        ) : null}
        {revoked ? (
          <p class="notice" role="status">
            The key was revoked: it no longer opens the API.
          </p>
        ) : null}
        <KeyList keys={keys} />
        <CreateKeyForm csrf={c.var.csrf} form={extra.form ?? { scopes: [] }} errors={extra.errors ?? []} />
      </AppPage>,
      status,
    );
  };

  pages.get('/keys', (c) => listPage(c));

  pages.post('/keys', async (c) => {
    const form = formOf(c);
    const scopes = Object.keys(form)
      .filter((k) => k.startsWith('scope:'))
      .map((k) => k.slice('scope:'.length));
    const typed: KeyForm = { kind: form.kind ?? '', label: form.label ?? '', scopes };
    const parsed = createKeySchema.safeParse({
      kind: typed.kind,
      ...(typed.label ? { label: typed.label } : {}),
      ...(scopes.length > 0 ? { scopes } : {}),
    });
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'form'), message: i.message }));
      return listPage(c, { form: typed, errors }, 422);
    }
    const ctx = staffContext(c);
    const created = await createKey(deps, ctx.actor, ctx.tenantId, parsed.data);
    return listPage(c, { created: { key: created.key, prefix: created.prefix } }, 201);
  });

  pages.get('/keys/:id/revoke', async (c) => {
    const key = (await listKeys(deps, staffContext(c))).find((k) => k.id === c.req.param('id'));
    if (!key) throw new ServiceError(404, 'Not found', 'No such key here.');
    return c.html(
      <AppPage title="Revoke this key?" chrome={pageChrome(c, await deps.assets(), 'keys')}>
        <p>
          <code>{key.prefix}…</code> ({key.kind}
          {key.label ? `, ${key.label}` : ''}) stops working at once: every script or site that uses it gets 401.
        </p>
        <form method="post" action={`/app/keys/${key.id}/revoke`} class="actions">
          <input type="hidden" name="_csrf" value={c.var.csrf} />
          <button type="submit" class="danger">
            Revoke the key
          </button>
          <a href="/app/keys">Keep it</a>
        </form>
      </AppPage>,
    );
  });

  pages.post('/keys/:id/revoke', async (c) => {
    try {
      await revokeKey(deps, staffContext(c), { keyId: c.req.param('id') });
    } catch (err) {
      // A malformed id names no key of this operator: the same 404 as another operator's.
      if (err instanceof ValidationError) throw new ServiceError(404, 'Not found', 'No such key here.');
      throw err;
    }
    return c.redirect('/app/keys?revoked=1', 303);
  });

  return pages;
}

const KeyList: FC<{ keys: KeyView[] }> = ({ keys }) =>
  keys.length === 0 ? (
    <div class="empty">
      <p>No keys yet. Create a service key for your booking site, or a dashboard token for a script, below.</p>
    </div>
  ) : (
    <TableWrap label="Keys">
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Kind</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr>
              <td>
                <code>{k.prefix}…</code>
                {k.label ? (
                  <>
                    <br />
                    <span class="muted">{k.label}</span>
                  </>
                ) : null}
              </td>
              <td>{k.kind}</td>
              <td>{k.scopes.join(', ')}</td>
              <td>{k.createdAt.slice(0, 10)}</td>
              <td>{k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace('T', ' ') : 'never'}</td>
              <td>
                {k.revokedAt ? <span class="badge status-cancelled">revoked</span> : <a href={`/app/keys/${k.id}/revoke`}>Revoke…</a>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );

const LABELS: Record<string, string> = { kind: 'Kind', label: 'Label', scopes: 'Scopes' };

const CreateKeyForm: FC<{ csrf: string; form: KeyForm; errors: { field: string; message: string }[] }> = ({ csrf, form, errors }) => {
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
  const invalid = (field: string) => (errorOf(field) ? { 'aria-invalid': 'true', 'aria-describedby': `${field}-error` } : {});
  const fieldError = (field: string) =>
    errorOf(field) ? (
      <p class="field-error" id={`${field}-error`}>
        {LABELS[field] ?? field} {errorOf(field)}
      </p>
    ) : null;
  return (
    <section aria-labelledby="new-key">
      <h2 id="new-key">Create a key</h2>
      {errors.length > 0 ? (
        <div class="error-summary" role="alert">
          <ul>
            {errors.map((e) => (
              <li>
                {LABELS[e.field] ?? e.field} {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form method="post" action="/app/keys">
        <input type="hidden" name="_csrf" value={csrf} />
        <div class="field">
          <label for="kind">Kind</label>
          <select id="kind" name="kind" {...invalid('kind')}>
            <option value="service" selected={form.kind === 'service'}>
              Service key (a booking site, a payment hook)
            </option>
            <option value="dashboard" selected={form.kind === 'dashboard'}>
              Dashboard token (a script that reads and streams)
            </option>
          </select>
          {fieldError('kind')}
        </div>
        <div class="field">
          <label for="label">Label</label>
          <input id="label" name="label" type="text" maxlength={100} value={form.label ?? ''} {...invalid('label')} />
          {fieldError('label')}
        </div>
        <fieldset {...(errorOf('scopes') ? { 'aria-describedby': 'scopes-error' } : {})}>
          <legend>Scopes (none ticked: the kind's usual ones)</legend>
          {SCOPES.map((s) => (
            <label>
              <input type="checkbox" name={`scope:${s}`} value="1" checked={form.scopes.includes(s)} /> {s}
            </label>
          ))}
          {fieldError('scopes')}
        </fieldset>
        <button type="submit">Create key</button>
      </form>
    </section>
  );
};
