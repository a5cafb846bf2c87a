// Words for the registry's values: purposes and their terms, times, scores,
// speed/tempo/pitch factors, proof steps. Shared by every view.
import {artistName} from './api.js';
import {h, link, externalLink, table, message} from './dom.js';

// The purposes of registry/STATEMENTS.md, in the order the registry lists them.
// [key, label, short label for drawings]
export const PURPOSES = [
  ['ai_generative_training', 'Training generative AI', 'Generative AI'],
  ['ai_training', 'Training any AI', 'AI training'],
  ['ai_inference', 'AI inference (use as input)', 'AI inference'],
  ['data_mining', 'Text and data mining', 'Data mining'],
  ['search', 'Search indexing', 'Search'],
];

export function purposeLabel(key) {
  const p = PURPOSES.find(([k]) => k === key);
  return p ? p[1] : key;
}

const USE_WORDS = {
  allowed: 'allowed',
  notAllowed: 'not allowed',
  constrained: 'only with a licence',
  unset: 'not set (no reservation)',
};

export function useBadge(use) {
  return h('span', {class: `use use-${use || 'unset'}`}, USE_WORDS[use] || use || 'unknown');
}

const SOURCE_WORDS = {
  work: "the work's own terms",
  default: "the artist's catalogue default",
  unset: 'nothing set',
};

function constraintView(info) {
  if (!info) return null;
  const parts = [];
  for (const l of info.licences || []) parts.push(h('li', {}, 'licence: ', externalLink(l)));
  if (info.contact) parts.push(h('li', {}, 'contact: ', externalLink(info.contact)));
  if (info.conditions) parts.push(h('li', {}, 'conditions: ', info.conditions));
  return parts.length ? h('ul', {class: 'constraint'}, parts) : null;
}

// The effective terms (EffectiveTermsJson): one row per purpose.
export function termsTable(effective, caption) {
  const rows = PURPOSES.map(([key, label]) => {
    const t = (effective && effective[key]) || {use: 'unset', source: 'unset'};
    const from = [SOURCE_WORDS[t.source] || t.source || ''];
    if (t.decided_by && t.decided_by !== key) from.push(` (inherited from ${purposeLabel(t.decided_by)})`);
    return [h('span', {}, label, h('br'), h('code', {class: 'small'}, key)),
      h('div', {}, useBadge(t.use), constraintView(t.constraint_info)), from.join('')];
  });
  return table(caption || 'Terms for each purpose', ['Purpose', 'Use', 'Decided by'], rows, 'terms');
}

// The terms object of a statement ({purpose: {use, constraint_info}}), as a short list.
export function termsList(terms) {
  const items = Object.entries(terms || {}).map(([k, v]) => h('li', {}, `${purposeLabel(k)}: `, useBadge(v.use), constraintView(v.constraint_info)));
  return items.length ? h('ul', {class: 'plain'}, items) : h('p', {}, 'nothing set (an empty terms object)');
}

// "2026-12-01 10:08:22 UTC" from RFC 3339.
export function formatTime(text) {
  if (!text) return '';
  const m = String(text).match(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/);
  return m ? `${m[1]} ${m[2]} UTC` : String(text);
}

// Seconds -> "1:05.3" (or "1:02:03" past an hour).
export function formatSeconds(sec) {
  if (typeof sec !== 'number' || !Number.isFinite(sec)) return '';
  const neg = sec < 0;
  let t = Math.abs(sec);
  const hours = Math.floor(t / 3600);
  t -= hours * 3600;
  const minutes = Math.floor(t / 60);
  const rest = t - minutes * 60;
  const secText = rest.toFixed(1).padStart(4, '0');
  const body = hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secText}` : `${minutes}:${secText}`;
  return neg ? `-${body}` : body;
}

// The score of a match: -log10 of the false-positive probability.
export function scoreWords(score) {
  if (typeof score !== 'number') return null;
  const rounded = score >= 100 ? Math.round(score) : Math.round(score * 10) / 10;
  return h('span', {},
    h('strong', {}, `score ${rounded}`),
    ': unrelated audio would match this recording this well with a probability of about 1 in 10',
    h('sup', {}, String(Math.floor(score))),
    ' (the score is \u2212log\u2081\u2080 of that false-positive probability; the registry reports matches from 6, one in a million, up)');
}

// An E-value: how many matches this good chance alone would give over the
// whole registry.
export function evalueWords(e) {
  if (typeof e !== 'number') return null;
  const text = e === 0 ? '0' : (e < 0.001 || e >= 1000 ? e.toExponential(1) : String(Math.round(e * 1000) / 1000));
  return h('span', {}, h('strong', {}, `E-value ${text}`),
    ': the number of matches at least this good that chance alone would give across the whole registry (smaller is stronger)');
}

function percentWords(factor, faster, slower, same) {
  const pct = Math.round((factor - 1) * 1000) / 10;
  if (Math.abs(pct) < 0.05) return same;
  return pct > 0 ? `${pct} % ${faster}` : `${-pct} % ${slower}`;
}

// Pitch given as a frequency factor (1.0595 = one semitone up) or in semitones.
function pitchWords(value, unit) {
  let semis = value;
  if (unit === 'factor') semis = 12 * Math.log2(value);
  const r = Math.round(semis * 100) / 100;
  if (Math.abs(r) < 0.01) return 'at the registered pitch';
  return `pitched ${r > 0 ? 'up' : 'down'} ${Math.abs(r)} semitone${Math.abs(r) === 1 ? '' : 's'}`;
}

// The match's speed, tempo and pitch factors in words, whichever the answer carries.
export function factorWords(m) {
  const out = [];
  if (typeof m.speed === 'number') {
    out.push(['Speed', `${m.speed.toFixed(2)} \u00d7: ${percentWords(m.speed, 'faster than registered (tempo and pitch together)', 'slower than registered (tempo and pitch together)', 'played at the registered speed')}`]);
  }
  if (typeof m.tempo === 'number') {
    out.push(['Tempo', `${m.tempo.toFixed(2)} \u00d7: ${percentWords(m.tempo, 'faster', 'slower', 'at the registered tempo')}`]);
  }
  if (typeof m.pitch === 'number') {
    out.push(['Pitch', `${m.pitch.toFixed(3)} \u00d7: ${pitchWords(m.pitch, 'factor')}`]);
  }
  for (const key of ['pitch_semitones', 'semitones']) {
    if (typeof m[key] === 'number') out.push(['Pitch', pitchWords(m[key], 'semitones')]);
  }
  if (typeof m.pitch_cents === 'number') out.push(['Pitch', pitchWords(m.pitch_cents / 100, 'semitones')]);
  return out;
}

// The steps of a proof check as a list with a verdict.
export function proofView(result, okText, failText) {
  return h('div', {class: `proof ${result.ok ? 'proof-ok' : 'proof-bad'}`},
    h('p', {class: 'proof-verdict', role: 'status'}, result.ok ? `\u2714 ${okText}` : `\u2718 ${failText}`),
    h('ol', {class: 'steps'}, result.steps.map((st) => h('li', {class: st.ok ? 'ok' : 'bad'},
      h('span', {class: 'sr-only'}, st.ok ? 'passed: ' : 'FAILED: '),
      h('span', {'aria-hidden': 'true'}, st.ok ? '\u2714 ' : '\u2718 '), st.text))));
}

// What the registry said to a statement signed here.
export function acceptedView(submitted, what) {
  const a = submitted.accepted;
  return h('div', {class: 'accepted'},
    message('ok', `${what}: accepted at ${formatTime(a.accepted_at)} as log entry ${a.log_index} (statement ${a.statement_id.slice(0, 16)}\u2026).`),
    proofView(submitted.receipt, 'receipt verified in this browser', 'the receipt does NOT verify'));
}

// An artist's name, filled in when known (the id until then).
export function artistNameView(id) {
  const el = h('span', {}, id);
  artistName(id).then((n) => { el.textContent = n; });
  return el;
}

export function disputeSummary(d) {
  return h('span', {},
    link(`#/dispute/${d.id}`, d.state === 'open' ? 'Open dispute' : 'Resolved dispute'),
    ' between ', artistNameView(d.artist_a), ' and ', artistNameView(d.artist_b),
    d.opened_by === 'registry' ? ` (opened by the registry: the recordings match, score ${Math.round(d.match_score)})` : [' (opened by ', artistNameView(d.opened_by), ')']);
}

export function badge(text, kind) {
  return h('span', {class: `badge badge-${kind}`}, text);
}
