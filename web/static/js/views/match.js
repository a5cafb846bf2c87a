// The front page: match a recording (an audio file, or a pasted fingerprint)
// against the registry, and a search box. For every work found: title,
// artist, credits, the score and what it means, speed/tempo/pitch factors,
// terms per purpose, disputes, and a drawing of where the work lies in the
// query and where that is in the work.
import {errorWords, postBytes, postJson, withQuery} from '../api.js';
import {clear, facts, field, focusHeading, h, link, message, table} from '../dom.js';
import {alignmentDrawing, responsive} from '../draw.js';
import {badge, disputeSummary, evalueWords, factorWords, formatSeconds, scoreWords, termsTable} from '../format.js';

// Seconds per Chromaprint sub-fingerprint (11025 Hz, 4096-sample frames, 1/3 overlap).
const SECONDS_PER_VALUE = 4096 / 11025 / 3;

// Fields of a match that this page explains itself; any other field the
// answer carries is listed as it is, so nothing the registry says is hidden.
const EXPLAINED = new Set(['work', 'artist', 'score', 'speed', 'tempo', 'pitch', 'pitch_semitones', 'semitones',
  'pitch_cents', 'segments', 'disputed', 'disputes', 'terms', 'e_value', 'evalue']);

function audioType(file) {
  return file.type && file.type.startsWith('audio/') ? file.type : 'application/octet-stream';
}

// A pasted fingerprint: fpcalc's whole output, its FINGERPRINT= line, the
// compressed string alone, or a JSON array of integers (fpcalc -raw).
export function parseFingerprintText(text) {
  const t = text.trim();
  if (!t) throw new Error('paste a fingerprint first');
  if (t.startsWith('[')) {
    const values = JSON.parse(t);
    if (!Array.isArray(values) || !values.every(Number.isInteger)) throw new Error('a raw fingerprint is a JSON array of integers');
    return values;
  }
  const line = t.split(/\r?\n/).find((l) => l.startsWith('FINGERPRINT='));
  const value = line ? line.slice('FINGERPRINT='.length).trim() : t;
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new Error('that is not a fingerprint: paste the FINGERPRINT= line that fpcalc prints, or a JSON array of integers');
  }
  return value;
}

// What the one search box means: an ISRC or an ISWC is looked up as such,
// anything else as title words (and artist names).
export function searchParamsFor(text) {
  const t = text.trim();
  const compact = t.replace(/[-.\s]/g, '').toUpperCase();
  if (/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(compact)) return new URLSearchParams({isrc: t});
  if (/^T\d{10}$/.test(compact)) return new URLSearchParams({iswc: t});
  return new URLSearchParams({q: t});
}

function otherFigures(m) {
  const rows = [];
  for (const [k, v] of Object.entries(m)) {
    if (EXPLAINED.has(k) || v === null || typeof v === 'object') continue;
    rows.push([k, String(v)]);
  }
  return rows.length ? h('div', {}, h('h4', {}, 'More figures in the answer'), facts(rows)) : null;
}

function segmentTable(segments) {
  return table('Matched segments', ['#', 'In the query', 'In the work', 'Bit error rate'],
    segments.map((x, i) => [String(i + 1), `${formatSeconds(x.query_start)} \u2013 ${formatSeconds(x.query_end)}`,
      `${formatSeconds(x.ref_start)} \u2013 ${formatSeconds(x.ref_end)}`,
      typeof x.bit_error_rate === 'number' ? x.bit_error_rate.toFixed(3) : '']), 'segments');
}

function matchCard(m, i, querySeconds, queryLabel) {
  const work = m.work || {};
  const artist = m.artist || {};
  const segments = Array.isArray(m.segments) ? m.segments : [];
  const credits = (work.credits || []).map((c) => h('li', {}, `${c.name} (${c.role})`));
  const evalue = m.e_value !== undefined ? m.e_value : m.evalue;
  const drawingBox = h('div', {class: 'drawing-box'});
  const card = h('article', {class: 'card match', 'aria-labelledby': `match-${i}`},
    h('h3', {id: `match-${i}`}, h('span', {class: 'swatch-dot', 'aria-hidden': 'true', dataset: {c: String(i % 8)}}),
      link(`#/work/${work.id}`, work.title || work.id), ' ',
      h('span', {class: 'by'}, 'by ', artist.id ? link(`#/artist/${artist.id}`, artist.display_name || artist.id) : 'unknown artist'),
      m.disputed ? [' ', badge('disputed', 'warn')] : null,
      work.withdrawn ? [' ', badge('withdrawn', 'muted')] : null),
    h('ul', {class: 'plain figures'},
      h('li', {}, scoreWords(m.score)),
      evalue !== undefined ? h('li', {}, evalueWords(evalue)) : null,
      factorWords(m).map(([k, w]) => h('li', {}, h('strong', {}, `${k}: `), w))),
    credits.length ? h('div', {}, h('h4', {}, 'Credits'), h('ul', {class: 'plain'}, credits)) : null,
    h('h4', {}, 'Where it is'),
    drawingBox,
    segmentTable(segments),
    termsTable(m.terms, 'Terms for each purpose, in force now'),
    (m.disputes || []).length ? h('div', {}, h('h4', {}, 'Disputes'),
      h('ul', {class: 'plain'}, m.disputes.map((d) => h('li', {}, disputeSummary(d))))) : null,
    otherFigures(m));
  responsive(drawingBox, (width) => alignmentDrawing(width, {
    queryLabel, querySeconds, refLabel: work.title || work.id, refSeconds: work.duration, segments, colourIndex: i,
    summary: `Where "${work.title}" lies in ${queryLabel}`,
  }));
  return card;
}

export function renderMatches(box, answer, queryLabel) {
  clear(box);
  const q = answer.query || {};
  const matches = answer.matches || [];
  const querySeconds = typeof q.duration === 'number' ? q.duration : (q.fingerprint_length || 0) * SECONDS_PER_VALUE;
  const heard = q.source === 'audio'
    ? `${formatSeconds(querySeconds)} of audio${q.speed_variants ? `, also heard at ${q.speed_variants.length} other speeds over its first ${formatSeconds(q.speed_variant_seconds)}` : ''}`
    : `a fingerprint of ${q.fingerprint_length} values (about ${formatSeconds(querySeconds)})`;
  box.append(h('h2', {id: 'match-results', tabindex: '-1'},
    matches.length ? `${matches.length} registered work${matches.length === 1 ? '' : 's'} found` : 'No registered work found'));
  box.append(h('p', {}, `In ${queryLabel}: ${heard}.`));
  if (!matches.length) {
    box.append(h('p', {}, 'Nothing registered here matches this recording at the registry\'s false-positive bar; that is not a licence, only that no artist has registered it here.'));
  }
  matches.forEach((m, i) => box.append(matchCard(m, i, querySeconds, queryLabel)));
  box.querySelector('#match-results').focus();
}

export function renderHome(main) {
  const results = h('section', {class: 'results', 'aria-live': 'polite', 'aria-label': 'Match results'});
  const fileInput = h('input', {type: 'file', id: 'match-file', name: 'audio', accept: 'audio/*,.ogg,.oga,.opus,.mp3,.wav,.flac,.m4a,.aac,.wma'});
  const speeds = h('input', {type: 'checkbox', id: 'match-speeds', checked: true});
  const fpText = h('textarea', {id: 'match-fingerprint', rows: 4, spellcheck: 'false', autocomplete: 'off'});
  const status = h('div', {class: 'status-line', 'aria-live': 'polite'});

  async function run(label, call) {
    clear(status).append(message('busy', `Matching ${label}\u2026`));
    clear(results);
    try {
      const answer = await call();
      clear(status);
      renderMatches(results, answer, label);
    } catch (err) {
      clear(status).append(message('error', `Could not match ${label}: ${errorWords(err)}`));
    }
  }

  function matchFile(file) {
    if (!file) return;
    const path = withQuery('/v1/match', {speed_variants: speeds.checked ? '' : 'off'});
    run(`"${file.name}"`, async () => postBytes(path, await file.arrayBuffer(), audioType(file)));
  }

  const drop = h('label', {class: 'dropzone', for: 'match-file'},
    h('span', {class: 'drop-title'}, 'Drop an audio file here, or choose one'),
    h('span', {class: 'hint'}, 'Ogg, MP3, WAV, FLAC, \u2026 The audio is sent to this registry to be fingerprinted and is not kept.'));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) matchFile(file);
  });
  fileInput.addEventListener('change', () => matchFile(fileInput.files[0]));

  const fpForm = h('form', {class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    let fingerprint;
    try {
      fingerprint = parseFingerprintText(fpText.value);
    } catch (err) {
      clear(status).append(message('error', err.message));
      fpText.focus();
      return;
    }
    run('the pasted fingerprint', () => postJson('/v1/match', {fingerprint}));
  }},
  field('Fingerprint', fpText, 'The FINGERPRINT= line of fpcalc -length 0 (or all of its output), or a JSON array of integers from fpcalc -raw.'),
  h('button', {type: 'submit'}, 'Match the fingerprint'));

  const searchInput = h('input', {type: 'search', id: 'home-search', name: 'q', autocomplete: 'off', placeholder: 'title, artist, ISRC or ISWC'});
  const searchForm = h('form', {role: 'search', class: 'inline-form', onsubmit: (e) => {
    e.preventDefault();
    location.hash = `#/search?${searchParamsFor(searchInput.value)}`;
  }}, field('Search works and artists', searchInput), h('button', {type: 'submit'}, 'Search'));

  main.append(
    h('h1', {}, 'Which registered works are in this recording?'),
    h('p', {class: 'lead'}, 'Signet finds registered recordings inside a clip, a full track or a mix, even re-encoded or played faster or slower, and tells you who made them and what their terms allow for AI training.'),
    h('section', {'aria-labelledby': 'match-h'},
      h('h2', {id: 'match-h', class: 'sr-only'}, 'Match'),
      drop, h('div', {class: 'file-row'}, fileInput),
      h('div', {class: 'check-row'}, speeds, h('label', {for: 'match-speeds'}, 'Also listen 1\u20136 % faster and slower (finds sped-up copies; slower to answer)')),
      h('details', {}, h('summary', {}, 'Or paste a fingerprint'), fpForm),
      status, results),
    h('section', {'aria-labelledby': 'search-h', class: 'search-home'},
      h('h2', {id: 'search-h'}, 'Search the registry'), searchForm));
  focusHeading(main);
}
