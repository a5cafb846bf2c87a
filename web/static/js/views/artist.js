// An artist's page: name, identifiers, keys, catalogue default terms, works
// (a page at a time), disputes, and the registration's log entry proved here.
// For the artist: the form to change the catalogue default.
import {enc, errorWords, getJson, withQuery} from '../api.js';
import {clear, code, externalLink, facts, focusHeading, h, link, message} from '../dom.js';
import {badge, disputeSummary, formatSeconds, formatTime, termsList} from '../format.js';
import {keyNeeded, ownsArtist, termsEditor} from './actions.js';
import {pagedList} from './paged.js';
import {provedEntry} from './work.js';

function workItem(w) {
  return h('li', {class: 'result'}, link(`#/work/${w.id}`, w.title, {class: 'result-title'}),
    w.withdrawn ? [' ', badge('withdrawn', 'muted')] : null,
    w.open_disputes.length ? [' ', badge('disputed', 'warn')] : null,
    h('br'), h('span', {class: 'small'}, [w.isrc ? `ISRC ${w.isrc}` : '', w.iswc ? `ISWC ${w.iswc}` : '', formatSeconds(w.duration)].filter(Boolean).join(' \u00b7 ')));
}

export async function renderArtist(main, params) {
  const id = params.id;
  main.append(h('h1', {}, 'Artist ', code(id)));
  focusHeading(main);
  let artist;
  try {
    artist = await getJson(`/v1/artists/${enc(id)}`);
  } catch (err) {
    main.append(message('error', `Could not load the artist: ${errorWords(err)}`));
    return;
  }
  clear(main.querySelector('h1')).append(artist.display_name);
  main.append(facts([
    ['Artist id', code(artist.id)],
    ['ISNI', artist.isni], ['IPI', artist.ipi],
    ['Links', artist.links.length ? h('ul', {class: 'plain'}, artist.links.map((l) => h('li', {}, externalLink(l)))) : ''],
    ['Public key', code(artist.public_key)],
    ['Earlier keys', artist.previous_keys.length ? h('ul', {class: 'plain'}, artist.previous_keys.map((k) => h('li', {}, code(k)))) : ''],
    ['Registered', formatTime(artist.registered_at)],
    ['Statements', `${artist.last_seq} (the next one carries seq ${artist.last_seq + 1})`],
    ['Live works', String(artist.work_count)],
  ]));

  const def = h('section', {'aria-labelledby': 'def-h'}, h('h2', {id: 'def-h'}, 'Catalogue default terms'),
    h('p', {class: 'hint'}, 'Every work without terms of its own on a purpose inherits these.'),
    artist.default_terms ? termsList(artist.default_terms) : h('p', {}, 'None set.'));
  if (ownsArtist(id)) {
    def.append(h('h3', {}, 'New catalogue default'), termsEditor({type: 'artist.default_terms', current: artist.default_terms}));
  } else {
    def.append(keyNeeded(id, 'change the catalogue default'));
  }
  main.append(def);

  main.append(h('section', {'aria-labelledby': 'works-h'}, h('h2', {id: 'works-h'}, 'Works'),
    ...pagedList({path: `/v1/artists/${enc(id)}/works`, params: {limit: 50}, renderItem: workItem, emptyText: 'No works registered yet.', what: 'works'})));

  const disputes = h('section', {'aria-labelledby': 'ad-h'}, h('h2', {id: 'ad-h'}, 'Disputes'));
  main.append(disputes);
  getJson(withQuery('/v1/disputes', {artist: id})).then((page) => {
    disputes.append(page.items.length
      ? h('ul', {class: 'plain'}, page.items.map((d) => h('li', {}, disputeSummary(d))))
      : h('p', {}, 'None.'));
  }, (err) => disputes.append(message('error', errorWords(err))));

  const log = h('section', {'aria-labelledby': 'alog-h'}, h('h2', {id: 'alog-h'}, 'Registration in the transparency log'));
  main.append(log);
  log.append(await provedEntry(artist.register_log_index, `artist.register at ${formatTime(artist.registered_at)} (log entry ${artist.register_log_index})`));
}
