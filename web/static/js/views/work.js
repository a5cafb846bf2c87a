// A work's page: title, artist, credits, identifiers; the terms in force and
// their history on a time axis; the exports as the registry serves them; its
// disputes; every log entry that touched it, each proved here against the
// signed checkpoint; and, for its artist, the forms to change terms or
// withdraw it.
import {artistName as artistNameOf, artistRecord, enc, errorWords, getJson, getText, withQuery} from '../api.js';
import {add, clear, code, facts, focusHeading, h, link, message} from '../dom.js';
import {responsive, termsTimelineDrawing, useLegend} from '../draw.js';
import {badge, disputeSummary, formatSeconds, formatTime, proofView, termsList, termsTable} from '../format.js';
import {checkStatementSignature, proveLogEntry} from '../log.js';
import {keyNeeded, ownsArtist, termsEditor, withdrawForm} from './actions.js';

// [format, name, extra query]: a TDMRep rule names the path, on the artist's
// own web server, that it covers; the page shows it for "/music/*", to be
// replaced by the path that serves the work's files.
export const EXPORTS = [
  ['tdmrep', 'W3C TDM Reservation Protocol (TDMRep JSON, for location /music/*)', {location: '/music/*'}],
  ['tdm-policy', 'TDMRep TDM Policy (ODRL) the rule points at'],
  ['cawg', 'CAWG training-and-data-mining assertion'],
  ['plus', 'IPTC PLUS Data Mining value'],
  ['aipref', 'IETF AIPREF Content-Usage value'],
];

// The payload of a statement, readable: the fingerprint shortened.
export function payloadText(payload) {
  const copy = {...payload};
  if (typeof copy.fingerprint === 'string' && copy.fingerprint.length > 64) {
    copy.fingerprint = `${copy.fingerprint.slice(0, 48)}\u2026 (${copy.fingerprint.length} characters)`;
  }
  return JSON.stringify(copy, null, 2);
}

// A log entry proved in the browser, as a collapsible block.
export async function provedEntry(index, title) {
  const box = h('details', {class: 'entry'}, h('summary', {}, title, ' ', h('span', {class: 'pending'}, 'checking\u2026')));
  const run = async () => {
    const proved = await checkStatementSignature(await proveLogEntry(index));
    box.querySelector('.pending').replaceWith(proved.ok ? badge('proved in this browser', 'ok') : badge('NOT proved', 'bad'));
    box.append(proofView(proved, `log entry ${index} is in the log the registry signed`, `log entry ${index} could not be proved`));
    if (proved.payload) box.append(h('pre', {class: 'payload'}, payloadText(proved.payload)));
    return proved;
  };
  box.ready = run().catch((err) => {
    box.querySelector('.pending').replaceWith(badge('check failed', 'bad'));
    box.append(message('error', `Could not check log entry ${index}: ${errorWords(err)}`));
    return null;
  });
  return box;
}

async function termsHistory(work, history) {
  const times = history.map((e) => e.accepted_at);
  const answers = await Promise.all(times.map((at) => getJson(withQuery(`/v1/works/${enc(work.id)}/terms`, {at}))));
  const spans = answers.map((a, i) => ({from: Date.parse(times[i]), effective: a.effective}));
  const marks = history.map((e) => ({at: Date.parse(e.accepted_at), label: `${e.type} at ${formatTime(e.accepted_at)} (log entry ${e.log_index})`}));
  const box = h('div', {class: 'drawing-box'});
  responsive(box, (width) => termsTimelineDrawing(width, {spans, marks, title: `Terms of "${work.title}" over time`}));
  return h('div', {}, box, useLegend(),
    h('p', {class: 'hint'}, 'Each numbered line is a statement below. Changes of the artist\'s catalogue default between them show from the next statement on.'));
}

async function exportsSection(workId) {
  const items = await Promise.all(EXPORTS.map(async ([format, name, extra]) => {
    let body;
    try {
      body = h('pre', {class: 'export'}, await getText(withQuery(`/v1/works/${enc(workId)}/terms/export`, {format, ...(extra || {})})));
    } catch (err) {
      body = message('error', errorWords(err));
    }
    return h('div', {class: 'export-item'}, h('h3', {}, name, ' ', code(`format=${format}`)), body);
  }));
  return items;
}

export async function renderWork(main, params) {
  const id = params.id;
  main.append(h('h1', {}, 'Work ', code(id)));
  focusHeading(main);
  let work;
  try {
    work = await getJson(`/v1/works/${enc(id)}`);
  } catch (err) {
    main.append(message('error', `Could not load the work: ${errorWords(err)}`));
    return;
  }
  const [artist, terms, history, disputes] = await Promise.all([
    artistRecord(work.artist),
    getJson(`/v1/works/${enc(id)}/terms`),
    getJson(`/v1/works/${enc(id)}/history`),
    getJson(withQuery('/v1/disputes', {work: id})),
  ]);
  const artistName = artist ? artist.display_name : work.artist;
  const heading = main.querySelector('h1');
  add(clear(heading), work.title,
    work.withdrawn ? [' ', badge('withdrawn', 'muted')] : null,
    work.open_disputes.length ? [' ', badge('disputed', 'warn')] : null);
  main.append(h('p', {class: 'lead'}, 'by ', link(`#/artist/${work.artist}`, artistName), ` \u00b7 ${formatSeconds(work.duration)}`));

  main.append(h('section', {'aria-labelledby': 'credits-h'}, h('h2', {id: 'credits-h'}, 'Credits and identifiers'),
    h('ul', {class: 'plain'}, work.credits.map((c) => h('li', {}, `${c.name} \u2014 ${c.role}`,
      c.isni ? ` (ISNI ${c.isni})` : '', c.ipi ? ` (IPI ${c.ipi})` : ''))),
    facts([
      ['ISRC', work.isrc], ['ISWC', work.iswc], ['Work id', code(work.id)],
      ['File SHA-256', work.sha256 ? code(work.sha256) : ''],
      ['Fingerprint', `${work.fingerprint_length} sub-fingerprints`],
      ['Registered', formatTime(work.registered_at)], ['Updated', formatTime(work.updated_at)],
    ])));

  const termsSection = h('section', {'aria-labelledby': 'terms-h'}, h('h2', {id: 'terms-h'}, 'Terms for AI training and mining'),
    termsTable(terms.effective, `In force now (${formatTime(terms.at)})`));
  main.append(termsSection);
  const historyBox = h('div', {}, message('busy', 'Drawing the history\u2026'));
  termsSection.append(h('h3', {}, 'Over time'), historyBox);
  termsHistory(work, history.items).then((el) => clear(historyBox).append(el),
    (err) => clear(historyBox).append(message('error', `Could not draw the history: ${errorWords(err)}`)));

  const actions = h('section', {'aria-labelledby': 'act-h'}, h('h2', {id: 'act-h'}, 'Change the terms or withdraw'));
  if (work.withdrawn) {
    actions.append(h('p', {}, 'This work is withdrawn. Registering the same recording again revives it.'));
  } else if (ownsArtist(work.artist)) {
    actions.append(
      h('h3', {}, 'New terms'),
      termsEditor({type: 'work.terms', workId: id, current: work.terms}),
      h('h3', {}, 'Withdraw'), withdrawForm(id));
  } else {
    actions.append(keyNeeded(work.artist, 'change these terms or withdraw the work'));
  }
  main.append(actions);

  const exportBox = h('div', {class: 'exports'}, message('busy', 'Loading the exports\u2026'));
  main.append(h('section', {'aria-labelledby': 'exp-h'}, h('h2', {id: 'exp-h'}, 'Exports'),
    h('p', {class: 'hint'}, 'The terms in force now, as the registry serves them for other standards.'), exportBox));
  exportsSection(id).then((items) => clear(exportBox).append(...items));

  main.append(h('section', {'aria-labelledby': 'disp-h'}, h('h2', {id: 'disp-h'}, 'Disputes'),
    disputes.items.length
      ? h('ul', {class: 'plain'}, disputes.items.map((d) => h('li', {}, disputeSummary(d))))
      : h('p', {}, 'None: no other artist has registered a matching recording.')));

  const logSection = h('section', {'aria-labelledby': 'log-h'}, h('h2', {id: 'log-h'}, 'In the transparency log'),
    h('p', {class: 'hint'}, 'Every statement that touched this work, fetched from the log and checked here: the entry\'s hash, its inclusion proof to the root of the signed checkpoint (RFC 9162), the checkpoint\'s Ed25519 signature with the log\'s key, and the artist\'s signature on the statement.'));
  main.append(logSection);
  const list = h('ol', {class: 'history'});
  logSection.append(list);
  for (const e of history.items) {
    const signer = e.artist === work.artist ? artistName : await artistNameOf(e.artist);
    const title = `${formatTime(e.accepted_at)}: ${e.type} by ${signer} (seq ${e.seq}, log entry ${e.log_index})`;
    const item = h('li', {});
    list.append(item);
    const entry = await provedEntry(e.log_index, title);
    item.append(entry);
    entry.ready.then((proved) => {
      if (proved && proved.payload && proved.payload.terms) item.append(termsList(proved.payload.terms));
    });
  }
}
