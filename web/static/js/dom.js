// Building the page without HTML strings: every text from the registry goes
// through textContent, never through markup (the Content-Security-Policy also
// forbids the HTML sinks: require-trusted-types-for 'script').

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

function build(el, props, children) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    } else if (k === 'value' || k === 'checked' || k === 'selected') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

// h('p', {class: 'x'}, 'text', child, [more]) -> an HTML element.
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

// s('rect', {x: 1}) -> an SVG element.
export function s(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

// Element.append, but also taking arrays and skipping null/false children.
export function add(parent, ...children) {
  append(parent, children);
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let uniqueCounter = 0;
// An id unique in the page, for label/for and aria-describedby pairs.
export function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A labelled form field: {label, input, hint} -> a div holding them, linked.
export function field(label, input, hint) {
  if (!input.id) input.id = uid('f');
  const parts = [h('label', {for: input.id}, label), input];
  if (hint) {
    const hintEl = h('p', {class: 'hint', id: uid('hint')}, hint);
    input.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', {class: 'field'}, parts);
}

// A message box; kind: 'error' | 'ok' | 'note' | 'busy'.
export function message(kind, ...text) {
  const role = kind === 'error' ? 'alert' : 'status';
  return h('p', {class: `msg ${kind}`, role}, text);
}

// A table with a caption (for screen readers and phones: scrolls sideways).
export function table(caption, headers, rows, className) {
  return h('div', {class: 'table-wrap'},
    h('table', {class: className},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', {scope: 'col'}, x)))),
      // Each cell's content in one box: on a phone a cell is a two-column
      // grid of its column name and that box.
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0
        ? h('th', {scope: 'row', 'data-label': headers[i]}, h('div', {}, c))
        : h('td', {'data-label': headers[i]}, h('div', {}, c)))))))));
}

// A definition list from [term, value] pairs; pairs whose value is empty are left out.
export function facts(pairs) {
  const dl = h('dl', {class: 'facts'});
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    dl.append(h('dt', {}, term), h('dd', {}, value));
  }
  return dl;
}

export function link(href, text, props) {
  return h('a', {href, ...(props || {})}, text);
}

// Links to places outside this registry (licences, artists' pages).
export function externalLink(url) {
  let safe = null;
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'mailto:') safe = u.href;
  } catch (_) { /* not a URL: shown as text */ }
  return safe ? h('a', {href: safe, rel: 'noopener noreferrer external'}, url) : h('span', {}, url);
}

export function code(text) {
  return h('code', {}, text);
}

let moveFocus = false;

// Whether views move focus to their heading: not on the first page of a
// visit (the browser starts at the top, so the first Tab reaches the skip
// link), then on every page the app draws.
export function setMoveFocus(on) { moveFocus = on; }

// Moves keyboard focus to a freshly rendered heading, so screen readers and
// keyboard users land on the new content.
export function focusHeading(root) {
  if (!moveFocus) return;
  const heading = root.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: false});
  }
}

let flash = null;

// Renders the current page again (after a statement changed what it shows),
// with `notice` (if given) at its top.
export function rerender(notice) {
  flash = notice || null;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

// The notice left by rerender(), once.
export function takeFlash() {
  const f = flash;
  flash = null;
  return f;
}
