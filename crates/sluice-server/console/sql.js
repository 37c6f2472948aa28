// The SQL editor: a textarea over a highlighted copy of its text, completion of table
// and column names, and errors marked at the line and column the validate call returns.

const KEYWORDS = new Set(`select from where insert into create table with as and or not in is null
group by having order limit join left right full inner outer cross on union all distinct
case when then else end cast interval second minute hour day month year watermark for
primary key enforced metadata virtual values set tumble hop cumulate session descriptor
timestamp timestamp_ltz int integer bigint smallint tinyint varchar string char boolean
double float decimal date time array row map multiset over partition range rows between
preceding following current unbounded lateral unnest system_time of proctime like exists
execute statement begin view temporary if drop true false escape asc desc first last`.split(/\s+/));

/** Splits SQL into tokens `{type, text}`: kw, str, num, com, fn, id, ws, op. */
export function tokenize(text) {
  const out = [];
  const re = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|(`[^`]*`?|"[^"]*"?)|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_$]*)|(\s+)|([\s\S])/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[1]) out.push({ type: 'com', text: m[1] });
    else if (m[2]) out.push({ type: 'str', text: m[2] });
    else if (m[3]) out.push({ type: 'id', text: m[3] });
    else if (m[4]) out.push({ type: 'num', text: m[4] });
    else if (m[5]) {
      const rest = text.slice(re.lastIndex);
      const type = KEYWORDS.has(m[5].toLowerCase()) ? 'kw' : /^\s*\(/.test(rest) ? 'fn' : 'id';
      out.push({ type, text: m[5] });
    } else if (m[6]) out.push({ type: 'ws', text: m[6] });
    else out.push({ type: 'op', text: m[7] });
  }
  return out;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Offset of a 1-based line and column in `text`. */
export function offsetOf(text, line, column) {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(text.length, offset + Math.max(0, (column || 1) - 1));
}

/**
 * Highlighted HTML of `text`, with `marks` ([{from, to, cls}]) wrapped around their
 * character ranges (errors, the SQL of a selected operator).
 */
export function highlight(text, marks = []) {
  const cuts = new Set([0, text.length]);
  for (const m of marks) { cuts.add(m.from); cuts.add(m.to); }
  let html = '';
  let pos = 0;
  for (const tok of tokenize(text)) {
    const end = pos + tok.text.length;
    // Split a token at every mark boundary inside it.
    let from = pos;
    const inner = [...cuts].filter((c) => c > pos && c < end).sort((a, b) => a - b);
    for (const cut of [...inner, end]) {
      let piece = esc(text.slice(from, cut));
      if (tok.type !== 'ws' && tok.type !== 'op' && tok.type !== 'id') piece = `<span class="tok-${tok.type}">${piece}</span>`;
      for (const m of marks) if (from >= m.from && cut <= m.to && m.to > m.from) piece = `<span class="${m.cls}">${piece}</span>`;
      html += piece;
      from = cut;
    }
    pos = end;
  }
  // A mark at the very end (an error after the last character) still shows.
  for (const m of marks) if (m.from >= text.length) html += `<span class="${m.cls}"> </span>`;
  return html + '\n';
}

/** Table names and their columns declared by `CREATE TABLE` statements in `texts`. */
export function declaredTables(texts) {
  const tables = [];
  for (const text of texts) {
    const re = /create\s+(?:temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?`?([A-Za-z_][\w$]*)`?\s*\(/gi;
    let m;
    while ((m = re.exec(text))) {
      let depth = 1, i = re.lastIndex, start = i;
      while (i < text.length && depth > 0) { if (text[i] === '(') depth++; else if (text[i] === ')') depth--; i++; }
      const body = text.slice(start, i - 1);
      const columns = [];
      let part = '', d = 0;
      for (const ch of body + ',') {
        if (ch === '(' || ch === '<') d++;
        if (ch === ')' || ch === '>') d--;
        if (ch === ',' && d === 0) {
          const name = part.trim().match(/^`?([A-Za-z_][\w$]*)`?/);
          if (name && !/^(watermark|primary|constraint)$/i.test(name[1])) columns.push(name[1]);
          part = '';
        } else part += ch;
      }
      tables.push({ name: m[1], columns });
    }
  }
  return tables;
}

/**
 * An editor in `parent`: `label`, initial `value`; `names()` gives the completion
 * candidates [{text, detail}]; `onChange(text)` hears each edit.
 */
export function sqlEditor(parent, { label, value = '', names = () => [], onChange = () => {}, id }) {
  const wrap = document.createElement('div');
  wrap.className = 'editor';
  wrap.innerHTML = `<div class="label"><label></label><span class="muted">Ctrl+Space completes</span></div><div class="area"><pre aria-hidden="true"></pre><textarea spellcheck="false" autocapitalize="off" autocomplete="off"></textarea></div><ul class="sql-errors" aria-live="polite"></ul>`;
  const [lab, pre, ta, errs] = [wrap.querySelector('label'), wrap.querySelector('pre'), wrap.querySelector('textarea'), wrap.querySelector('.sql-errors')];
  lab.textContent = label;
  if (id) { ta.id = id; lab.htmlFor = id; }
  ta.value = value;
  parent.appendChild(wrap);
  let marks = [];
  let list = null, items = [], selected = 0;
  const render = () => { pre.innerHTML = highlight(ta.value, marks); };
  const wordBefore = () => {
    const m = ta.value.slice(0, ta.selectionStart).match(/[A-Za-z_][\w$]*$/);
    return m ? m[0] : '';
  };
  const close = () => { if (list) { list.remove(); list = null; } };
  const accept = () => {
    const item = items[selected];
    const word = wordBefore();
    const at = ta.selectionStart;
    ta.setRangeText(item.text, at - word.length, at, 'end');
    close();
    changed();
  };
  const open = (force) => {
    const word = wordBefore();
    close();
    if (!word && !force) return;
    const lower = word.toLowerCase();
    items = names().filter((n) => n.text.toLowerCase().startsWith(lower) && n.text !== word).slice(0, 30);
    if (!items.length) return;
    selected = 0;
    list = document.createElement('ul');
    list.className = 'completion';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Completions');
    items.forEach((item, i) => {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.innerHTML = `${esc(item.text)}<small>${esc(item.detail || '')}</small>`;
      li.addEventListener('mousedown', (e) => { e.preventDefault(); selected = i; accept(); ta.focus(); });
      list.appendChild(li);
    });
    // Place it under the caret: the caret's line and column in the monospace grid.
    const before = ta.value.slice(0, ta.selectionStart);
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n') - 1;
    const charWidth = 7.8;
    list.style.top = `${8 + line * 19}px`;
    list.style.left = `${Math.min(8 + col * charWidth, Math.max(0, ta.clientWidth - 200))}px`;
    wrap.querySelector('.area').appendChild(list);
    paint();
  };
  const paint = () => list && [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === selected)));
  const changed = () => { marks = []; errs.innerHTML = ''; render(); onChange(ta.value); };
  ta.addEventListener('input', () => { changed(); open(false); });
  ta.addEventListener('blur', () => setTimeout(close, 100));
  ta.addEventListener('keydown', (e) => {
    if (e.key === ' ' && e.ctrlKey) { e.preventDefault(); open(true); return; }
    if (list) {
      if (e.key === 'ArrowDown') { e.preventDefault(); selected = (selected + 1) % items.length; paint(); return; }
      if (e.key === 'ArrowUp') { e.preventDefault(); selected = (selected + items.length - 1) % items.length; paint(); return; }
      if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); accept(); return; }
      if (e.key === 'Escape') { e.preventDefault(); close(); return; }
    }
    // Tab leaves the editor (keyboard users must be able to); Ctrl+] indents.
    if (e.key === ']' && e.ctrlKey) { e.preventDefault(); ta.setRangeText('    ', ta.selectionStart, ta.selectionEnd, 'end'); changed(); }
  });
  render();
  return {
    element: wrap,
    get value() { return ta.value; },
    set value(v) { ta.value = v; changed(); },
    textarea: ta,
    /** Marks `errors` ([{line, column, message, hint}]) in the text and lists them. */
    setErrors(errors) {
      const text = ta.value;
      marks = [];
      errs.innerHTML = '';
      for (const e of errors) {
        if (e.line) {
          const from = offsetOf(text, e.line, e.column);
          const word = text.slice(from).match(/^[^\s,;()]+/);
          marks.push({ from, to: from + (word ? word[0].length : 1), cls: 'err-mark' });
        }
        const li = document.createElement('li');
        li.textContent = `${e.line ? `Line ${e.line}, column ${e.column}: ` : ''}${e.message}${e.hint ? ` (${e.hint})` : ''}`;
        li.className = 'sql-error';
        errs.appendChild(li);
      }
      render();
    },
    /** Highlights a character range (the SQL of a selected operator), or none. */
    setHighlight(range) { marks = range ? [{ ...range, cls: 'hl' }] : []; render(); },
    readOnly(on) { ta.readOnly = on; },
  };
}
