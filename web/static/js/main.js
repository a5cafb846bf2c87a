// The web app's entry point: a hash router (#/work/wk_..., #/search?q=...),
// so that every page has a link and signetd serves one document at "/".
// Views render into <main>; each starts with an <h1> that takes focus.
import {forgetArtistRecords} from './api.js';
import {clear, h, message, setMoveFocus, takeFlash} from './dom.js';
import {currentKey, restoreKey} from './keys.js';
import {renderArtist} from './views/artist.js';
import {renderDispute, renderDisputes} from './views/disputes.js';
import {renderKey} from './views/key.js';
import {renderHome} from './views/match.js';
import {renderReport} from './views/report.js';
import {renderSearch} from './views/search.js';
import {renderWork} from './views/work.js';

const ROUTES = [
  [/^\/?$/, 'match', renderHome, 'Match'],
  [/^\/search$/, 'search', renderSearch, 'Search'],
  [/^\/work\/(?<id>wk_[0-9a-f]{32})$/, 'search', renderWork, 'Work'],
  [/^\/artist\/(?<id>ar_[a-z2-7]{24})$/, 'search', renderArtist, 'Artist'],
  [/^\/disputes$/, 'disputes', renderDisputes, 'Disputes'],
  [/^\/dispute\/(?<id>dp_[0-9a-f]{32})$/, 'disputes', renderDispute, 'Dispute'],
  [/^\/report$/, 'report', renderReport, 'Check report'],
  [/^\/key$/, 'key', renderKey, 'Your key'],
];

function showKeyStatus() {
  const el = document.getElementById('key-status');
  const key = currentKey();
  el.textContent = key ? `Signing as ${key.artistId}` : '';
}

async function route() {
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return;  // an in-page anchor (the skip link), not a page
  const [path, queryText] = hash.slice(1).split('?');
  const query = new URLSearchParams(queryText || '');
  forgetArtistRecords();
  const main = document.getElementById('main');
  const page = h('div', {class: 'page'});
  clear(main).append(page);
  const flash = takeFlash();
  if (flash) page.append(flash);
  for (const [pattern, nav, render, title] of ROUTES) {
    const m = path.match(pattern);
    if (!m) continue;
    document.title = `${title} \u2014 Signet`;
    for (const a of document.querySelectorAll('nav a[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    try {
      await render(page, m.groups || {}, query);
    } catch (err) {
      page.append(message('error', `This page could not be shown: ${err.message || err}`));
    }
    return;
  }
  document.title = 'Not found \u2014 Signet';
  page.append(h('h1', {}, 'No such page'), h('p', {}, 'Try ', h('a', {href: '#/'}, 'the front page'), '.'));
}

document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
window.addEventListener('hashchange', route);
window.addEventListener('signet-keychange', showKeyStatus);

if (!window.isSecureContext || !crypto.subtle) {
  document.getElementById('main').before(message('error',
    'This page is not in a secure context (https, or http on localhost), so the browser offers no WebCrypto: proofs cannot be checked and nothing can be signed here.'));
}
restoreKey().finally(async () => {
  showKeyStatus();
  await route();
  setMoveFocus(true);
});
