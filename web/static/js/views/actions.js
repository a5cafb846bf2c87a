// What an artist can do from a page, signed in this browser with the key on
// "Your key" (js/keys.js): change a work's terms or the catalogue default,
// withdraw a work, resolve a dispute. Each form shows the registry's answer
// and checks its receipt here.
import {errorWords} from '../api.js';
import {clear, field, h, link, message, rerender, uid} from '../dom.js';
import {PURPOSES, acceptedView} from '../format.js';
import {currentKey, submitStatement} from '../keys.js';

export function ownsArtist(artistId) {
  const key = currentKey();
  return Boolean(key && key.artistId === artistId);
}

// Shown instead of a form to everyone but the artist.
export function keyNeeded(artistId, what) {
  const key = currentKey();
  if (key) {
    return h('p', {class: 'hint'}, `Only ${artistId} can ${what}; the key in this browser is ${key.artistId}'s.`);
  }
  return h('p', {class: 'hint'}, `Are you this artist? Load your key on `, link('#/key', 'Your key'), ` to ${what} from this page; it never leaves your browser.`);
}

// Runs `submit` (returning submitStatement's result), showing progress in
// `out`; on success the page is drawn again with the registry's answer and
// the receipt check at its top.
async function signAndSend(out, button, what, submit) {
  button.disabled = true;
  clear(out).append(message('busy', `Signing in this browser and sending: ${what}\u2026`));
  try {
    const submitted = await submit();
    rerender(acceptedView(submitted, what));
  } catch (err) {
    clear(out).append(message('error', `${what} failed: ${errorWords(err)}`));
  } finally {
    button.disabled = false;
  }
}

function purposeRow(key, label, current) {
  const select = h('select', {name: key},
    h('option', {value: ''}, 'not set (inherit)'),
    h('option', {value: 'allowed'}, 'allowed'),
    h('option', {value: 'notAllowed'}, 'not allowed'),
    h('option', {value: 'constrained'}, 'only with a licence'));
  select.value = (current && current.use) || '';
  const info = (current && current.constraint_info) || {};
  const licences = h('textarea', {rows: 2, name: `${key}-licences`, spellcheck: 'false'}, (info.licences || []).join('\n'));
  const contact = h('input', {type: 'text', name: `${key}-contact`, value: info.contact || ''});
  const conditions = h('input', {type: 'text', name: `${key}-conditions`, value: info.conditions || ''});
  const extra = h('fieldset', {class: 'constraint-fields'},
    h('legend', {}, `Licence for ${label}`),
    field('Licence URLs, one per line', licences),
    field('Contact', contact, 'e.g. mailto:licensing@example.org'),
    field('Conditions', conditions));
  const sync = () => { extra.hidden = select.value !== 'constrained'; };
  select.addEventListener('change', sync);
  sync();
  const row = h('div', {class: 'purpose-row'}, field(label, select), extra);
  row.read = () => {
    if (!select.value) return null;
    const v = {use: select.value};
    if (select.value === 'constrained') {
      const ci = {licences: licences.value.split('\n').map((x) => x.trim()).filter(Boolean)};
      if (contact.value.trim()) ci.contact = contact.value.trim();
      if (conditions.value.trim()) ci.conditions = conditions.value.trim();
      if (!ci.licences.length && !ci.contact) throw new Error(`${label}: "only with a licence" needs a licence URL or a contact`);
      v.constraint_info = ci;
    }
    return v;
  };
  return row;
}

// The terms form. `type`: 'work.terms' (with `workId`) or 'artist.default_terms'.
export function termsEditor({type, workId, current}) {
  const rows = PURPOSES.map(([key, label]) => purposeRow(key, label, current && current[key]));
  const out = h('div', {'aria-live': 'polite'});
  const button = h('button', {type: 'submit'}, 'Sign and save the terms');
  const form = h('form', {class: 'stack terms-form', onsubmit: (e) => {
    e.preventDefault();
    let terms;
    try {
      terms = {};
      PURPOSES.forEach(([key], i) => {
        const v = rows[i].read();
        if (v) terms[key] = v;
      });
    } catch (err) {
      clear(out).append(message('error', err.message));
      return;
    }
    const body = type === 'work.terms' ? {work: workId, terms} : {terms};
    signAndSend(out, button, type === 'work.terms' ? 'New terms for this work' : 'New catalogue default',
      () => submitStatement(type, body));
  }},
  h('p', {class: 'hint'}, 'Unset purposes inherit: data mining > AI training > generative training, and a work\'s own terms win over the catalogue default; "not allowed" always wins. The old terms stay in the history.'),
  rows, button, out);
  return form;
}

export function withdrawForm(workId) {
  const reason = h('input', {type: 'text', name: 'reason', maxlength: 2000});
  const confirm = h('input', {type: 'checkbox', id: uid('confirm'), required: true});
  const out = h('div', {'aria-live': 'polite'});
  const button = h('button', {type: 'submit', class: 'danger'}, 'Sign and withdraw');
  return h('form', {class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    const body = {work: workId};
    if (reason.value.trim()) body.reason = reason.value.trim();
    signAndSend(out, button, 'Withdrawal', () => submitStatement('work.withdraw', body));
  }},
  field('Reason (optional)', reason),
  h('div', {class: 'check-row'}, confirm, h('label', {for: confirm.id}, 'Withdraw this work: it leaves the match index (its record and history stay).')),
  button, out);
}

export function resolveForm(disputeId) {
  const resolution = h('textarea', {rows: 3, name: 'resolution', required: true, maxlength: 2000});
  const out = h('div', {'aria-live': 'polite'});
  const button = h('button', {type: 'submit'}, 'Sign and resolve');
  return h('form', {class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    if (!resolution.value.trim()) {
      clear(out).append(message('error', 'Say what was agreed.'));
      resolution.focus();
      return;
    }
    signAndSend(out, button, 'Resolution',
      () => submitStatement('dispute.resolve', {dispute: disputeId, resolution: resolution.value.trim()}));
  }},
  field('What was agreed', resolution, 'Recorded in the log with your signature; either party can resolve.'),
  button, out);
}
