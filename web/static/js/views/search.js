// Search: works by title words, artist name, ISRC or ISWC (GET /v1/works),
// artists by name (GET /v1/artists). Results come a page at a time; "More"
// follows the cursor the registry gives.
import {artistName} from '../api.js';
import {field, focusHeading, h, link} from '../dom.js';
import {pagedList} from './paged.js';
import {badge, formatSeconds} from '../format.js';

function workItem(w) {
  const by = h('span', {class: 'by'}, 'by ', link(`#/artist/${w.artist}`, w.artist));
  artistName(w.artist).then((n) => { by.lastChild.textContent = n; });
  const ids = [w.isrc ? `ISRC ${w.isrc}` : '', w.iswc ? `ISWC ${w.iswc}` : '', formatSeconds(w.duration)].filter(Boolean).join(' \u00b7 ');
  return h('li', {class: 'result'},
    link(`#/work/${w.id}`, w.title || w.id, {class: 'result-title'}), ' ', by,
    (w.open_disputes || []).length ? [' ', badge('disputed', 'warn')] : null,
    w.withdrawn ? [' ', badge('withdrawn', 'muted')] : null,
    h('br'), h('span', {class: 'small'}, ids));
}

function artistItem(a) {
  return h('li', {class: 'result'},
    link(`#/artist/${a.id}`, a.display_name || a.id, {class: 'result-title'}),
    h('br'), h('span', {class: 'small'}, `${a.work_count} work${a.work_count === 1 ? '' : 's'} \u00b7 ${a.id}`));
}

function resultsSection(heading, path, params, renderItem, emptyText) {
  return h('section', {'aria-label': heading}, h('h2', {}, heading),
    ...pagedList({path, params, renderItem, emptyText, what: heading.toLowerCase()}));
}

export function renderSearch(main, _params, query) {
  const q = query.get('q') || '';
  const artist = query.get('artist') || '';
  const isrc = query.get('isrc') || '';
  const iswc = query.get('iswc') || '';
  const qInput = h('input', {type: 'search', name: 'q', value: q, autocomplete: 'off'});
  const artistInput = h('input', {type: 'text', name: 'artist', value: artist, autocomplete: 'off'});
  const isrcInput = h('input', {type: 'text', name: 'isrc', value: isrc, autocomplete: 'off', spellcheck: 'false'});
  const iswcInput = h('input', {type: 'text', name: 'iswc', value: iswc, autocomplete: 'off', spellcheck: 'false'});
  const form = h('form', {role: 'search', class: 'search-form', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, el] of [['q', qInput], ['artist', artistInput], ['isrc', isrcInput], ['iswc', iswcInput]]) {
      if (el.value.trim()) p.set(k, el.value.trim());
    }
    location.hash = `#/search?${p}`;
  }},
  field('Title, or words of it', qInput, 'Words match whole words or their beginnings, in any order: "loyal" finds "Loyalists".'),
  h('div', {class: 'grid-3'},
    field('Artist name', artistInput),
    field('ISRC', isrcInput, 'e.g. GBAYE0601498 (hyphens optional)'),
    field('ISWC', iswcInput, 'e.g. T-034.524.680-1')),
  h('button', {type: 'submit'}, 'Search'));
  main.append(h('h1', {}, 'Search the registry'), form);
  const any = q || artist || isrc || iswc;
  if (any) {
    main.append(resultsSection('Works', '/v1/works', {q, artist, isrc, iswc}, workItem, 'No registered work matches.'));
    if (q && !artist && !isrc && !iswc) {
      main.append(resultsSection('Artists', '/v1/artists', {q}, artistItem, 'No artist name matches.'));
    }
  }
  focusHeading(main);
}
