// The Sluice console: pages over the public REST API (/api/v1), routed by the URL's
// hash. The token the user enters stays in sessionStorage and goes with every call.

import { sqlEditor, declaredTables, highlight } from '/console/sql.js';
import { lineChart } from '/console/charts.js';

const main = document.getElementById('main');
const banner = document.getElementById('banner');
const tokenInput = document.getElementById('token');
const TOKEN_KEY = 'sluice.token';
let timers = [];

const esc = (s) => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function say(text, ok = false) {
  banner.textContent = text;
  banner.className = ok ? 'ok' : '';
  banner.hidden = !text;
}

class ApiError extends Error {
  constructor(message, status, body) { super(message); this.status = status; this.body = body; }
}

/** One API call; errors become messages a person can act on. */
async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY) || '';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    const text = `The server at ${location.host} is unreachable: is \`sluice server\` running? (${e.message})`;
    say(text);
    throw new ApiError(text, 0);
  }
  let data = null;
  try { data = await response.json(); } catch { /* not JSON */ }
  if (response.status === 401) {
    const text = token ? 'The server refused the token: enter a valid one (sluice token create --scope write).' : 'Enter a token to use the console (sluice token create --scope write prints one).';
    say(text);
    tokenInput.focus();
    throw new ApiError(text, 401, data);
  }
  if (response.status === 403) {
    const text = 'This token can only read: changes need a token with --scope write.';
    say(text);
    throw new ApiError(text, 403, data);
  }
  if (!response.ok) throw new ApiError(data?.message || `${method} ${path}: HTTP ${response.status}`, response.status, data);
  if (banner.textContent.startsWith('The server') || banner.textContent.startsWith('Enter a token')) say('');
  return data;
}

document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  tokenInput.value = '';
  tokenInput.placeholder = 'token set';
  say('');
  route();
});
if (sessionStorage.getItem(TOKEN_KEY)) tokenInput.placeholder = 'token set';

function every(ms, fn) {
  const id = setInterval(fn, ms);
  timers.push(id);
}

/** Renders a page by the hash: #/integrations, #/tables, #/applications[/id], #/deployments[/app/id]. */
async function route() {
  timers.forEach(clearInterval);
  timers = [];
  // A success message belongs to the page it was said on.
  if (banner.className === 'ok') say('');
  const [, page = 'applications', a, b] = location.hash.split('/');
  document.querySelectorAll('nav a').forEach((l) => l.classList.toggle('active', l.dataset.page === page));
  const pages = { integrations, tables, applications, deployments };
  try {
    main.innerHTML = '<p class="muted">Loading…</p>';
    await (pages[page] || applications)(a, b);
    document.title = `Sluice · ${page}`;
  } catch (e) {
    main.innerHTML = `<h1>${esc(page)}</h1><p class="error" id="page-error">${esc(e.message)}</p>`;
  }
}
window.addEventListener('hashchange', route);

function formData(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.value.trim() !== '') out[el.name] = el.type === 'number' ? Number(el.value) : el.value.trim();
  }
  return out;
}

function showError(el, e) {
  el.textContent = e.body?.field ? `${e.message} (field ${e.body.field})` : e.message;
}

// Integrations.

async function integrations() {
  const { integrations: list } = await api('GET', '/api/v1/integrations');
  main.innerHTML = `<h1>Integrations</h1>
  <section><table><thead><tr><th>Name</th><th>Type</th><th>Connects to</th><th>Credentials</th><th></th></tr></thead><tbody>
  ${list.map((i) => `<tr><td>${esc(i.name)}</td><td>${esc(i.integration_type)}</td><td class="mono">${esc(i.bootstrap_servers || i.url || '')}</td>
    <td>${i.username ? esc(i.username) : ''}${i.password_set ? ' · password set' : ''}</td>
    <td><button class="secondary" data-edit="${esc(i.id)}" aria-label="Edit integration ${esc(i.name)}">Edit</button>
      <button class="secondary" data-delete="${esc(i.id)}" aria-label="Delete integration ${esc(i.name)}">Delete</button></td></tr>`).join('') || '<tr><td colspan="5" class="muted">No integration yet.</td></tr>'}
  </tbody></table></section>
  <section><h2 id="i-heading">New integration</h2><form id="new-integration" class="form">
    <label for="i-type">Type</label><select id="i-type" name="integration_type"><option value="kafka">Kafka</option><option value="postgresql">PostgreSQL</option><option value="opensearch">OpenSearch</option></select>
    <label for="i-name">Name</label><input id="i-name" name="name" required>
    <label for="i-bootstrap">Bootstrap servers</label><input id="i-bootstrap" name="bootstrap_servers" placeholder="host:9092 (Kafka)">
    <label for="i-url">URL</label><input id="i-url" name="url" placeholder="jdbc:postgresql://… or http://… ">
    <label for="i-user">User</label><input id="i-user" name="username">
    <label for="i-password">Password</label><input id="i-password" name="password" type="password" autocomplete="new-password">
    <label for="i-protocol">Security protocol</label><select id="i-protocol" name="security_protocol"><option value="">(none)</option><option>PLAINTEXT</option><option>SSL</option><option>SASL_PLAINTEXT</option><option>SASL_SSL</option></select>
    <span></span><div class="row"><button type="submit" id="i-submit">Create integration</button>
      <button type="button" class="secondary" id="i-cancel" hidden>Cancel</button><span class="error" id="i-error" role="alert"></span></div>
  </form></section>`;
  const form = main.querySelector('#new-integration');
  // The integration being edited, or none: the form then creates one.
  let editing = null;
  main.querySelectorAll('[data-edit]').forEach((b) => b.addEventListener('click', () => {
    editing = list.find((i) => i.id === b.dataset.edit);
    const fields = { 'i-type': editing.integration_type, 'i-name': editing.name, 'i-bootstrap': editing.bootstrap_servers, 'i-url': editing.url,
      'i-user': editing.username, 'i-password': '', 'i-protocol': editing.security_protocol };
    for (const [id, value] of Object.entries(fields)) form.querySelector(`#${id}`).value = value ?? '';
    // The type stays; a secret left empty stays as stored.
    form.querySelector('#i-type').disabled = true;
    form.querySelector('#i-password').placeholder = editing.password_set ? 'unchanged' : '';
    main.querySelector('#i-heading').textContent = `Edit integration ${editing.name}`;
    main.querySelector('#i-submit').textContent = 'Save integration';
    main.querySelector('#i-cancel').hidden = false;
    form.querySelector('#i-name').focus();
  }));
  main.querySelector('#i-cancel').addEventListener('click', () => integrations());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      if (editing) {
        await api('PUT', `/api/v1/integrations/${editing.id}`, { ...formData(e.target), integration_type: editing.integration_type });
        say('Integration saved: deployments use it from their next start.', true);
      } else {
        await api('POST', '/api/v1/integrations', formData(e.target));
        say('Integration created.', true);
      }
      await integrations();
    } catch (err) { showError(main.querySelector('#i-error'), err); }
  });
  main.querySelectorAll('[data-delete]').forEach((b) => b.addEventListener('click', async () => {
    try { await api('DELETE', `/api/v1/integrations/${b.dataset.delete}`); await integrations(); } catch (err) { say(err.message); }
  }));
}

// Tables.

async function tables() {
  const [{ tables: list }, { integrations: ints }] = await Promise.all([api('GET', '/api/v1/tables'), api('GET', '/api/v1/integrations')]);
  main.innerHTML = `<h1>Tables</h1>
  <section><table><thead><tr><th>Name</th><th>Columns</th><th>CREATE TABLE</th><th></th></tr></thead><tbody>
  ${list.map((t) => `<tr><td>${esc(t.table_name)}</td><td>${t.columns.map((c) => `${esc(c.name)} <span class="muted">${esc(c.data_type)}</span>`).join('<br>')}</td>
    <td><pre>${highlight(t.create_table)}</pre></td><td><button class="secondary" data-edit="${esc(t.table_id)}" aria-label="Edit table ${esc(t.table_name)}">Edit</button>
      <button class="secondary" data-delete="${esc(t.table_id)}" aria-label="Delete table ${esc(t.table_name)}">Delete</button></td></tr>`).join('') || '<tr><td colspan="4" class="muted">No table yet.</td></tr>'}
  </tbody></table></section>
  <section><h2 id="t-heading">New table</h2><form id="new-table" class="form">
    <label for="t-int">Integration</label><select id="t-int" name="integration_id">${ints.map((i) => `<option value="${esc(i.id)}">${esc(i.name)} (${esc(i.integration_type)})</option>`).join('')}</select>
    <label for="t-name">Name</label><input id="t-name" name="name" required>
    <label for="t-topic">Kafka topic</label><input id="t-topic" name="kafka_topic">
    <label for="t-format">Value format</label><select id="t-format" name="kafka_value_format"><option>json</option><option>avro</option><option>csv</option><option>raw</option></select>
    <label for="t-startup">Startup mode</label><select id="t-startup" name="kafka_startup_mode"><option>earliest-offset</option><option>latest-offset</option></select>
    <label for="t-jdbc">PostgreSQL table / index</label><input id="t-jdbc" name="jdbc_table">
    <span></span><div id="t-schema"></div>
    <span></span><div class="row"><button type="submit" id="t-submit">Create table</button>
      <button type="button" class="secondary" id="t-cancel" hidden>Cancel</button><span class="error" id="t-error" role="alert"></span></div>
  </form></section>`;
  const schema = sqlEditor(main.querySelector('#t-schema'), { label: 'Columns (schema_sql)', id: 't-schema-sql', value: 'id INT,\nname VARCHAR' });
  const form = main.querySelector('#new-table');
  // The table being edited, or none: the form then creates one.
  let editing = null;
  main.querySelectorAll('[data-edit]').forEach((b) => b.addEventListener('click', () => {
    editing = list.find((t) => t.table_id === b.dataset.edit);
    // Tables stored by an older server have no definition: only their name, integration and columns.
    const d = editing.definition || { integration_id: editing.integration_id, name: editing.table_name };
    const fields = { 't-int': d.integration_id, 't-name': d.name, 't-topic': d.kafka_topic, 't-format': d.kafka_value_format || 'json',
      't-startup': d.kafka_startup_mode || 'earliest-offset', 't-jdbc': d.jdbc_table || d.opensearch_index };
    for (const [id, value] of Object.entries(fields)) form.querySelector(`#${id}`).value = value ?? '';
    schema.value = editing.schema_sql;
    main.querySelector('#t-heading').textContent = `Edit table ${editing.table_name}`;
    main.querySelector('#t-submit').textContent = 'Save table';
    main.querySelector('#t-cancel').hidden = false;
    form.querySelector('#t-name').focus();
  }));
  main.querySelector('#t-cancel').addEventListener('click', () => tables());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { jdbc_table: place, kafka_topic, kafka_value_format, kafka_startup_mode, ...common } = formData(e.target);
    // Only the settings of the chosen integration's kind: the server refuses the others.
    const kind = ints.find((i) => i.id === common.integration_id)?.integration_type;
    const own = kind === 'kafka' ? { kafka_topic, kafka_value_format, kafka_startup_mode }
      : kind === 'opensearch' ? { opensearch_index: place } : { jdbc_table: place };
    const body = { ...common, ...own, schema_sql: schema.value };
    try {
      if (editing) {
        await api('PUT', `/api/v1/tables/${editing.table_id}`, body);
        say('Table saved: new versions and jobs use it; running ones keep theirs.', true);
      } else {
        await api('POST', '/api/v1/tables', body);
        say('Table created.', true);
      }
      await tables();
    } catch (err) {
      showError(main.querySelector('#t-error'), err);
      if (err.body?.errors) schema.setErrors(err.body.errors);
    }
  });
  main.querySelectorAll('[data-delete]').forEach((b) => b.addEventListener('click', async () => {
    try { await api('DELETE', `/api/v1/tables/${b.dataset.delete}`); await tables(); } catch (err) { say(err.message); }
  }));
}

// Applications, versions and the SQL editor.

async function applications(id) {
  if (id) return application(id);
  const { applications: list } = await api('GET', '/api/v1/applications');
  main.innerHTML = `<h1>Applications</h1>
  <section><table><thead><tr><th>Name</th><th>Versions</th><th>Updated</th></tr></thead><tbody>
  ${list.map((a) => `<tr><td><a href="#/applications/${esc(a.id)}">${esc(a.name)}</a></td><td>${a.application_versions.length}</td><td>${esc(a.updated_at)}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">No application yet.</td></tr>'}
  </tbody></table></section>
  <section><h2>New application</h2><form id="new-app" class="row">
    <label for="a-name">Name</label><input id="a-name" name="name" required><button type="submit">Create application</button><span class="error" id="a-error" role="alert"></span>
  </form></section>`;
  main.querySelector('#new-app').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const app = await api('POST', '/api/v1/applications', formData(e.target));
      location.hash = `#/applications/${app.id}`;
    } catch (err) { showError(main.querySelector('#a-error'), err); }
  });
}

async function application(id) {
  const [app, { integrations: ints }, { tables: stored }, { deployments: deps }] = await Promise.all([
    api('GET', `/api/v1/applications/${id}`), api('GET', '/api/v1/integrations'), api('GET', '/api/v1/tables'),
    api('GET', `/api/v1/applications/${id}/deployments`),
  ]);
  const versions = await Promise.all(app.application_versions.map((v) => api('GET', `/api/v1/applications/${id}/versions/${v.id}`)));
  const latest = versions[versions.length - 1];
  const savepoints = deps.filter((d) => d.last_savepoint).map((d) => d.last_savepoint);
  main.innerHTML = `<h1>Application ${esc(app.name)}</h1>
  <section><h2>Versions</h2><table><thead><tr><th>Version</th><th>Created</th><th>Deploy</th></tr></thead><tbody>
  ${versions.map((v) => `<tr><td>${v.version}</td><td>${esc(v.created_at)}</td><td>
    <form class="row deploy" data-version="${esc(v.id)}">
      <label for="p-${esc(v.id)}">Parallelism</label><input id="p-${esc(v.id)}" name="parallelism" type="number" min="1" max="128" value="1" style="width:60px">
      <label><input name="restart_enabled" type="checkbox" checked> restart on failure</label>
      <label for="s-${esc(v.id)}">Savepoint</label><select id="s-${esc(v.id)}" name="starting_savepoint"><option value="">(none)</option>${savepoints.map((s) => `<option>${esc(s)}</option>`).join('')}</select>
      <button type="submit">Deploy version ${v.version}</button></form></td></tr>`).join('') || '<tr><td colspan="3" class="muted">No version yet: write one below.</td></tr>'}
  </tbody></table><p><a href="#/deployments">Deployments of every application</a> · ${deps.length} of this one</p></section>
  <section><h2>New version</h2><div id="pieces"></div>
    <div class="row"><button type="button" class="secondary" id="add-source">Add source</button><button type="button" class="secondary" id="add-sink">Add sink</button>
    <button type="button" class="secondary" id="validate">Validate</button><button type="button" id="save">Save version</button>
    <span id="v-status" role="status"></span></div></section>`;
  const pieces = main.querySelector('#pieces');
  const editors = { sources: [], sinks: [], statement: null };
  const names = () => {
    const texts = [...editors.sources, ...editors.sinks].map((p) => p.editor.value);
    const declared = declaredTables(texts);
    const fromStore = stored.map((t) => ({ name: t.table_name, columns: t.columns.map((c) => c.name) }));
    const out = [];
    for (const t of [...declared, ...fromStore]) {
      out.push({ text: t.name, detail: 'table' });
      for (const c of t.columns) out.push({ text: c, detail: t.name });
    }
    const seen = new Set();
    return out.filter((n) => !seen.has(n.text) && seen.add(n.text));
  };
  let timer = null;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(validate, 600); };
  const addPiece = (kind, table = { create_table: '' }) => {
    const box = document.createElement('div');
    box.className = 'panel';
    const index = editors[kind].length;
    const field = `${kind}[${index}].create_table`;
    box.innerHTML = `<div class="row"><label for="int-${kind}-${index}">Integration of ${kind === 'sources' ? 'source' : 'sink'} ${index + 1}</label>
      <select id="int-${kind}-${index}"><option value="">(none: the WITH clause says it all)</option>${ints.map((i) => `<option value="${esc(i.id)}" ${i.id === table.integration_id ? 'selected' : ''}>${esc(i.name)}</option>`).join('')}</select></div>`;
    pieces.insertBefore(box, editors.statement?.box || null);
    const editor = sqlEditor(box, { label: `${kind === 'sources' ? 'Source' : 'Sink'} ${index + 1}: CREATE TABLE`, id: `sql-${kind}-${index}`, value: table.create_table, names, onChange: schedule });
    editors[kind].push({ box, editor, field, integration: box.querySelector('select') });
  };
  (latest?.sources || [{ create_table: '', integration_id: ints[0]?.id }]).forEach((t) => addPiece('sources', t));
  (latest?.sinks || [{ create_table: '', integration_id: ints[0]?.id }]).forEach((t) => addPiece('sinks', t));
  const stBox = document.createElement('div');
  stBox.className = 'panel';
  pieces.appendChild(stBox);
  editors.statement = { box: stBox, editor: sqlEditor(stBox, { label: 'Statement: INSERT INTO … SELECT …', id: 'sql-statement', value: latest?.statement || '', names, onChange: schedule }), field: 'statement' };
  const body = () => ({
    sources: editors.sources.map((p) => ({ create_table: p.editor.value, ...(p.integration.value ? { integration_id: p.integration.value } : {}) })),
    sinks: editors.sinks.map((p) => ({ create_table: p.editor.value, ...(p.integration.value ? { integration_id: p.integration.value } : {}) })),
    statement: editors.statement.editor.value,
  });
  const status = main.querySelector('#v-status');
  const show = (errors) => {
    for (const p of [...editors.sources, ...editors.sinks, editors.statement]) {
      p.editor.setErrors(errors.filter((e) => e.field === p.field || e.field.startsWith(p.field.replace('.create_table', '.'))));
    }
    const other = errors.filter((e) => ![...editors.sources, ...editors.sinks, editors.statement].some((p) => e.field === p.field || e.field.startsWith(p.field.replace('.create_table', '.'))));
    status.className = errors.length ? 'error' : 'muted';
    status.textContent = errors.length ? `${errors.length} problem${errors.length > 1 ? 's' : ''}${other.length ? `: ${other.map((e) => `${e.field}: ${e.message}`).join('; ')}` : ''}` : 'Valid SQL.';
  };
  async function validate() {
    try {
      const v = await api('POST', `/api/v1/applications/${id}/versions/validate`, body());
      show(v.errors);
      return v.valid;
    } catch (err) {
      if (err.body?.field) show([{ field: err.body.field, message: err.message }]);
      else { status.className = 'error'; status.textContent = err.message; }
      return false;
    }
  }
  main.querySelector('#validate').addEventListener('click', validate);
  main.querySelector('#add-source').addEventListener('click', () => addPiece('sources'));
  main.querySelector('#add-sink').addEventListener('click', () => addPiece('sinks'));
  main.querySelector('#save').addEventListener('click', async () => {
    try {
      const v = await api('POST', `/api/v1/applications/${id}/versions`, body());
      say(`Version ${v.version} saved.`, true);
      await application(id);
    } catch (err) {
      if (err.body?.errors) show(err.body.errors);
      else { status.className = 'error'; status.textContent = err.message; }
    }
  });
  main.querySelectorAll('form.deploy').forEach((f) => f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = formData(f);
    try {
      const d = await api('POST', `/api/v1/applications/${id}/deployments`, { version_id: f.dataset.version, parallelism: data.parallelism || 1, restart_enabled: !!data.restart_enabled, ...(data.starting_savepoint ? { starting_savepoint: data.starting_savepoint } : {}) });
      location.hash = `#/deployments/${id}/${d.id}`;
    } catch (err) { say(err.message); }
  }));
}

// Deployments.

async function deployments(appId, id) {
  if (appId && id) return deployment(appId, id);
  const { applications: apps } = await api('GET', '/api/v1/applications');
  const lists = await Promise.all(apps.map((a) => api('GET', `/api/v1/applications/${a.id}/deployments`).then((l) => l.deployments.map((d) => ({ ...d, app: a })))));
  const all = lists.flat().sort((a, b) => b.created_at.localeCompare(a.created_at));
  const versionOf = (d) => d.app.application_versions.find((v) => v.id === d.version_id)?.version ?? '?';
  main.innerHTML = `<h1>Deployments</h1><section><table><thead><tr><th>Application</th><th>Version</th><th>Status</th><th>Restarts</th><th>Created</th><th>Last failure</th></tr></thead><tbody>
  ${all.map((d) => `<tr><td><a href="#/deployments/${esc(d.application_id)}/${esc(d.id)}">${esc(d.app.name)}</a></td><td>${versionOf(d)}</td>
    <td><span class="status ${esc(d.status)}">${esc(d.status)}</span></td><td>${d.restarts}</td><td>${esc(d.created_at)}</td><td class="error">${esc((d.error_msg || '').split('\n')[0])}</td></tr>`).join('') || '<tr><td colspan="6" class="muted">Nothing deployed yet: deploy a version from its application.</td></tr>'}
  </tbody></table></section>`;
  every(3000, () => { if (!document.activeElement || document.activeElement === document.body) deployments().catch(() => {}); });
}

/**
 * The operator's piece of SQL, `{field, from, to, text}` in the version, or null. The
 * `nth` operator of a kind (the second UNNEST) gets the `nth` match.
 */
function sqlOf(node, version, nth = 0) {
  if (!version) return null;
  const pieces = [...version.sources.map((t, i) => [`sources[${i}]`, t.create_table]), ...version.sinks.map((t, i) => [`sinks[${i}]`, t.create_table]), ['statement', version.statement]];
  const find = (re, only) => {
    let first = null;
    let seen = 0;
    for (const [field, text] of pieces) {
      if (only && !only(field)) continue;
      const all = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
      let m;
      while ((m = all.exec(text))) {
        const found = { field, from: m.index, to: m.index + m[0].length, text: m[0] };
        first ||= found;
        if (seen++ === nth) return found;
        if (!m[0].length) all.lastIndex++;
      }
    }
    return first;
  };
  const word = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const name = node.name;
  const table = name.replace(/^(Source|Sink): /, '');
  if (name.startsWith('Source: ')) return find(new RegExp(`create\\s+(?:temporary\\s+)?table\\s+\`?${word(table)}\\b[^(]*`, 'i'));
  if (name.startsWith('Sink: ')) return find(new RegExp(`insert\\s+into\\s+\`?${word(table)}\\b`, 'i'), (f) => f === 'statement');
  if (name.startsWith('WatermarkAssigner')) return find(/watermark\s+for[^,)]*(?:\([^)]*\))?[^,)]*/i);
  const st = (re) => find(re, (f) => f === 'statement');
  if (/^Calc\(.*where=/.test(name)) return st(/\bwhere\b[\s\S]*?(?=\bgroup\s+by\b|\border\s+by\b|\bhaving\b|\bunion\b|$)/i);
  if (/^Calc/.test(name)) return st(/\bselect\b[\s\S]*?(?=\bfrom\b)/i);
  if (/Window/.test(name)) return st(/\b(tumble|hop|cumulate|session)\s*\([\s\S]*?\)\s*\)/i) || st(/\bgroup\s+by\b[^;]*/i);
  if (/Aggregate/.test(name)) return st(/\bgroup\s+by\b[\s\S]*?(?=\bhaving\b|\border\b|$)/i);
  if (/Unnest|Correlate/.test(name)) return st(/\bunnest\s*\([^)]*\)(?:\s+(?:as\s+)?\w+\s*\([^)]*\))?/i);
  if (/Join/.test(name)) return st(/\bjoin\b[\s\S]*?(?=\bwhere\b|\bgroup\b|$)/i);
  if (/Rank|Deduplicate/.test(name)) return st(/row_number\s*\(\)[\s\S]*?\)/i);
  return null;
}

const num = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits }));
const time = (ms) => (ms === null || ms === undefined ? 'none yet' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
const ago = (ms) => (ms === null || ms === undefined ? '–' : ms < 1000 ? `${ms} ms` : ms < 120000 ? `${(ms / 1000).toFixed(1)} s` : ms < 7200000 ? `${(ms / 60000).toFixed(1)} min` : `${(ms / 3600000).toFixed(1)} h`);

async function deployment(appId, id) {
  const [d, app] = await Promise.all([api('GET', `/api/v1/applications/${appId}/deployments/${id}`), api('GET', `/api/v1/applications/${appId}`)]);
  const version = await api('GET', `/api/v1/applications/${appId}/versions/${d.version_id}`).catch(() => null);
  main.innerHTML = `<h1>Deployment of ${esc(app.name)} version ${version?.version ?? '?'}</h1>
  <section><div class="row"><span>Status</span> <span id="status" class="status ${esc(d.status)}">${esc(d.status)}</span>
    <span class="muted" id="dinfo"></span><span style="flex:1"></span>
    <button id="stop" class="secondary">Stop with savepoint</button><button id="cancel" class="danger">Cancel</button><button id="delete" class="secondary">Delete</button></div>
    <div id="failure"></div></section>
  <section class="why" id="why-panel"><h2>Why no output yet?</h2><p id="why-summary" class="muted">Waiting for the worker's first report…</p><ul id="why"></ul></section>
  <div class="grid2">
    <section><h2>Pipeline</h2><p class="muted">Click an operator to see its SQL.</p><div id="graph" class="graph"></div></section>
    <section><h2>SQL</h2><div id="sql"></div></section>
  </div>
  <section><h2>Live results</h2><div class="row"><label for="chart-col">Chart column</label><select id="chart-col"></select>
    <label for="chart-key">per</label><select id="chart-key"><option value="">(all rows)</option></select></div>
    <svg id="result-chart" class="chart"></svg><div class="tail"><table id="tail"><thead></thead><tbody></tbody></table></div></section>
  <section><h2>Rates, last hour</h2><div class="charts"><svg id="c-rows" class="chart"></svg><svg id="c-out" class="chart"></svg><svg id="c-lag" class="chart"></svg><svg id="c-ckpt" class="chart"></svg></div></section>
  <section><h2>Checkpoints and savepoints</h2><div id="checkpoints"></div></section>`;
  // The version's SQL, read-only, where a clicked operator's piece is highlighted.
  const sqlBox = main.querySelector('#sql');
  const views = {};
  if (version) {
    const pieces = [...version.sources.map((t, i) => [`sources[${i}]`, `Source ${i + 1}`, t.create_table]), ...version.sinks.map((t, i) => [`sinks[${i}]`, `Sink ${i + 1}`, t.create_table]), ['statement', 'Statement', version.statement]];
    for (const [field, label, text] of pieces) {
      const ed = sqlEditor(sqlBox, { label, value: text, id: `view-${field.replace(/\W/g, '')}` });
      ed.readOnly(true);
      views[field] = ed;
    }
  }
  let selected = null;
  const select = (node, nth, key) => {
    selected = key ?? null;
    const at = node && sqlOf(node, version, nth);
    for (const [field, ed] of Object.entries(views)) ed.setHighlight(at && at.field === field ? at : null);
    main.querySelectorAll('.op').forEach((b) => b.classList.toggle('selected', b.dataset.key === selected));
    if (at) views[at.field]?.element.scrollIntoView({ block: 'nearest' });
  };
  const control = (what) => async () => {
    try { await api('POST', `/api/v1/applications/${appId}/deployments/${id}/${what}`); await refresh(); } catch (e) { say(e.message); }
  };
  main.querySelector('#stop').addEventListener('click', control('stop'));
  main.querySelector('#cancel').addEventListener('click', control('cancel'));
  main.querySelector('#delete').addEventListener('click', async () => {
    try { await api('DELETE', `/api/v1/applications/${appId}/deployments/${id}`); location.hash = '#/deployments'; } catch (e) { say(e.message); }
  });
  const colSel = main.querySelector('#chart-col');
  const keySel = main.querySelector('#chart-key');
  let tailRows = [];
  const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;
  const drawResults = () => {
    const col = colSel.value;
    const key = keySel.value;
    const rows = tailRows.filter((r) => r.kind === '+I' || r.kind === '+U');
    // Over the rows' own time when they have one (the last timestamp column, e.g.
    // window_end), else in the order they were written.
    const last = rows[rows.length - 1];
    const timeCol = last ? [...last.columns.keys()].filter((i) => TIMESTAMP.test(String(last.values[i]))).pop() : undefined;
    const series = new Map();
    rows.forEach((r, i) => {
      const ci = r.columns.indexOf(col);
      if (ci < 0 || typeof r.values[ci] !== 'number') return;
      const k = key ? String(r.values[r.columns.indexOf(key)]) : col;
      const x = timeCol === undefined ? i : Date.parse(`${String(r.values[timeCol]).replace(' ', 'T')}Z`);
      if (!series.has(k)) series.set(k, []);
      series.get(k).push([x, r.values[ci]]);
    });
    const over = timeCol === undefined ? 'oldest to newest' : `by ${last.columns[timeCol]}`;
    lineChart(main.querySelector('#result-chart'), [...series].map(([name, points]) => ({ name, points })), {
      title: col ? `${col}${key ? ` per ${key}` : ''} of the rows written, ${over}` : 'no numeric column yet',
      ...(timeCol === undefined ? { xLabel: (x) => `row ${Math.round(x) + 1}` } : { xLabel: (x) => new Date(x).toISOString().slice(0, 16).replace('T', ' ') }),
    });
  };
  colSel.addEventListener('change', drawResults);
  keySel.addEventListener('change', drawResults);

  async function refresh() {
    const [dep, runtime, why, history, cps] = await Promise.all([
      api('GET', `/api/v1/applications/${appId}/deployments/${id}`),
      api('GET', `/api/v1/applications/${appId}/deployments/${id}/runtime`),
      api('GET', `/api/v1/applications/${appId}/deployments/${id}/diagnosis`),
      api('GET', `/api/v1/applications/${appId}/deployments/${id}/history`),
      api('GET', `/api/v1/applications/${appId}/deployments/${id}/checkpoints`),
    ]);
    const st = main.querySelector('#status');
    st.textContent = dep.status;
    st.className = `status ${dep.status}`;
    main.querySelector('#dinfo').textContent = `parallelism ${dep.parallelism} · restarts ${dep.restarts}${dep.last_savepoint ? ` · last savepoint ${dep.last_savepoint}` : ''}`;
    const live = !['FINISHED', 'FAILED', 'CANCELED'].includes(dep.status);
    main.querySelector('#stop').disabled = !live;
    main.querySelector('#cancel').disabled = !live;
    main.querySelector('#delete').disabled = live;
    main.querySelector('#failure').innerHTML = dep.error_msg ? `<h2>Last failure</h2><pre class="error" id="failure-msg">${esc(dep.error_msg)}</pre>` : '';
    // Why no output yet?
    main.querySelector('#why-summary').textContent = why.summary;
    main.querySelector('#why-summary').className = why.wrote_recently ? 'muted' : '';
    main.querySelector('#why').innerHTML = why.findings.map((f) => `<li data-kind="${esc(f.kind)}"><strong>${esc(f.node)}</strong>: ${esc(f.message)}${f.option ? ` <span class="opt">${esc(f.option)}</span>` : ''}</li>`).join('');
    // The graph: rows by depth from the sources.
    const graph = main.querySelector('#graph');
    graph.innerHTML = runtime.jobs.length ? '' : '<p class="muted">No operator reports: the deployment is not running.</p>';
    for (const [j, job] of runtime.jobs.entries()) {
      const nodes = job.metrics.nodes;
      const depth = nodes.map(() => 0);
      nodes.forEach((n, i) => { for (const j of n.inputs) depth[i] = Math.max(depth[i], depth[j] + 1); });
      const rows = [];
      nodes.forEach((n, i) => { (rows[depth[i]] ||= []).push(i); });
      // The how-manyth operator of its kind each node is, for its piece of SQL.
      const kinds = {};
      const nth = nodes.map((n) => { const k = n.name.split('(')[0]; kinds[k] = (kinds[k] || 0) + 1; return kinds[k] - 1; });
      rows.forEach((row, r) => {
        if (r > 0) graph.insertAdjacentHTML('beforeend', '<div class="graph-edge" aria-hidden="true">↓</div>');
        const div = document.createElement('div');
        div.className = 'graph-row';
        for (const i of row) {
          const n = nodes[i];
          const rate = job.rates[i] || {};
          const at = sqlOf(n, version, nth[i]);
          const lag = n.watermark_ms !== null && n.watermark_ms !== undefined ? job.metrics.at_ms - n.watermark_ms : null;
          const sizes = (n.state || []).map(([k, v]) => `${num(v, 0)} ${k}`);
          if (n.state_bytes) sizes.push(n.state_bytes < 1e6 ? `${num(n.state_bytes / 1e3, 1)} kB` : `${num(n.state_bytes / 1e6, 1)} MB`);
          const state = sizes.join(', ');
          const src = n.source;
          const parts = src?.partitions?.length ? `<table><thead><tr><th>Topic</th><th>Partition</th><th>Offset</th><th>Lag</th></tr></thead><tbody>${src.partitions.map((p) => {
            const lagRow = (src.partition_lag || []).find((l) => l[0] === p.topic && l[1] === p.partition);
            return `<tr class="partition"><td>${esc(p.topic)}</td><td>${p.partition}</td><td>${p.offset ?? '–'}</td><td>${lagRow ? lagRow[2] : '–'}</td></tr>`;
          }).join('')}</tbody></table>` : '';
          const splits = n.splits?.length ? `<table><thead><tr><th>Split</th><th>Watermark</th><th></th></tr></thead><tbody>${n.splits.map((s) => `<tr><td>${s.split}</td><td>${time(s.watermark_ms)}</td><td>${s.finished ? 'finished' : s.idle ? 'idle' : s.watermark_ms === null || s.watermark_ms === undefined ? 'no rows: holds the watermark' : ''}</td></tr>`).join('')}</tbody></table>` : '';
          const b = document.createElement('button');
          b.type = 'button';
          const key = `${j}:${i}`;
          b.className = `op${key === selected ? ' selected' : ''}`;
          b.dataset.name = n.name;
          b.dataset.key = key;
          b.innerHTML = `<div class="name">${esc(n.name.length > 80 ? `${n.name.slice(0, 80)}…` : n.name)}</div>${at ? `<div class="sql">${esc(at.text.replace(/\s+/g, ' ').slice(0, 90))}</div>` : ''}
            <dl><dt>rows in/s</dt><dd class="rate-in">${num(rate.rows_in_per_s)}</dd><dt>rows out/s</dt><dd class="rate-out">${num(rate.rows_out_per_s)}</dd>
            <dt>rows in / out</dt><dd>${num(n.rows_in, 0)} / ${num(n.rows_out, 0)}</dd>
            <dt>watermark</dt><dd class="watermark">${time(n.watermark_ms)}</dd><dt>watermark lag</dt><dd>${ago(lag)}</dd>
            ${n.late_rows_dropped ? `<dt>late rows dropped</dt><dd>${num(n.late_rows_dropped, 0)}</dd>` : ''}${state ? `<dt>state</dt><dd>${esc(state)}</dd>` : ''}
            ${n.idle ? '<dt>idle</dt><dd>yes</dd>' : ''}</dl>${parts}${splits}`;
          b.addEventListener('click', () => select(n, nth[i], key));
          div.appendChild(b);
        }
        graph.appendChild(div);
      });
      if (job.metrics.checkpoint) {
        const c = job.metrics.checkpoint;
        graph.insertAdjacentHTML('beforeend', `<p class="muted">State (last checkpoint): ${num(c.last_bytes, 0)} bytes · ${c.completed} checkpoints, the last in ${c.last_duration_ms} ms</p>`);
      }
      tailRows = job.metrics.tail || [];
    }
    // Live results.
    const tail = main.querySelector('#tail');
    const last = tailRows.slice(-50).reverse();
    const columns = tailRows.length ? tailRows[tailRows.length - 1].columns : [];
    tail.tHead.innerHTML = `<tr><th>Seen</th><th>Kind</th>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
    tail.tBodies[0].innerHTML = last.map((r) => `<tr class="tail-row"><td>${new Date(r.at_ms).toISOString().slice(11, 19)}</td><td class="kind-${r.kind[1]}">${esc(r.kind)}</td>${r.values.map((v) => `<td>${esc(v === null ? 'NULL' : v)}</td>`).join('')}</tr>`).join('') || `<tr><td colspan="${columns.length + 2}" class="muted">No row written yet.</td></tr>`;
    const numeric = columns.filter((c, i) => tailRows.some((r) => typeof r.values[i] === 'number'));
    const texts = columns.filter((c, i) => tailRows.some((r) => typeof r.values[i] === 'string' && !TIMESTAMP.test(r.values[i])));
    const keep = (sel, opts, first) => {
      const was = sel.value;
      const html = `${first}${opts.map((o) => `<option>${esc(o)}</option>`).join('')}`;
      if (sel.dataset.html !== html) { sel.innerHTML = html; sel.dataset.html = html; sel.value = opts.includes(was) ? was : (first ? '' : opts[opts.length - 1] || ''); }
    };
    keep(colSel, numeric, '');
    keep(keySel, texts, '<option value="">(all rows)</option>');
    drawResults();
    // Rates over the last hour.
    const pts = history.points;
    const line = (key) => pts.map((p) => [p.at_ms, p[key]]);
    lineChart(main.querySelector('#c-rows'), [{ name: 'in', points: line('rows_in_per_s') }, { name: 'out', points: line('rows_out_per_s') }], { title: 'Rows per second (in, out)' });
    lineChart(main.querySelector('#c-out'), [{ name: 'lag', points: line('lag_records') }], { title: 'Kafka lag (records)' });
    lineChart(main.querySelector('#c-lag'), [{ name: 'wm', points: line('watermark_lag_s') }], { title: 'Watermark lag', unit: ' s' });
    lineChart(main.querySelector('#c-ckpt'), [{ name: 'ckpt', points: line('checkpoint_ms') }], { title: 'Checkpoint time', unit: ' ms' });
    // Checkpoints and savepoints.
    main.querySelector('#checkpoints').innerHTML = `<table><thead><tr><th>Kind</th><th>Id</th><th>Completed</th><th>Size</th><th>Path</th></tr></thead><tbody>
      ${cps.checkpoints.slice(-10).reverse().map((c) => `<tr><td>checkpoint</td><td>${c.id}</td><td>${esc(c.completed_at || '')}</td><td>${num(c.size_bytes, 0)} B</td><td class="mono">${esc(c.path)}</td></tr>`).join('')}
      ${cps.savepoints.slice().reverse().map((s) => `<tr class="savepoint"><td>savepoint</td><td></td><td>${esc(s.created_at || '')}</td><td>${num(s.size_bytes, 0)} B</td><td class="mono">${esc(s.path)}</td></tr>`).join('')}
      ${cps.checkpoints.length + cps.savepoints.length ? '' : '<tr><td colspan="5" class="muted">None yet.</td></tr>'}</tbody></table>`;
  }
  await refresh();
  every(2000, () => refresh().catch(() => {}));
}

route();
