// "Your key": load the key file `signet keygen` wrote (or make a key here),
// choose where the browser keeps it, register as an artist. The private key
// is imported non-extractable and never sent anywhere (js/keys.js).
import {ApiError, enc, errorWords, getJson} from '../api.js';
import {add, clear, code, facts, field, focusHeading, h, link, message, uid} from '../dom.js';
import {toBase64} from '../crypto.js';
import {acceptedView} from '../format.js';
import {currentKey, forgetKey, makeKey, parseKeyFile, submitStatement, useKey} from '../keys.js';

function storageChoice(name) {
  const mem = h('input', {type: 'radio', name, value: 'memory', id: uid('st'), checked: true});
  const idb = h('input', {type: 'radio', name, value: 'indexeddb', id: uid('st')});
  const fs = h('fieldset', {class: 'choice'}, h('legend', {}, 'Where this browser keeps the key'),
    h('div', {class: 'check-row'}, mem, h('label', {for: mem.id}, 'Memory only: forgotten when this tab is closed or reloaded')),
    h('div', {class: 'check-row'}, idb, h('label', {for: idb.id}, 'This browser (IndexedDB), as a non-extractable key: kept until you press "Forget this key"; page scripts can sign with it but cannot read it')));
  fs.value = () => (idb.checked ? 'indexeddb' : 'memory');
  return fs;
}

async function statusSection() {
  const key = currentKey();
  const box = h('section', {'aria-labelledby': 'cur-h'}, h('h2', {id: 'cur-h'}, 'The key in this browser'));
  if (!key) {
    box.append(h('p', {}, 'No key loaded. Anyone can match, search and check reports; to change terms, withdraw works or resolve disputes, load your key below.'));
    return box;
  }
  let artist = null;
  let registered = 'checking\u2026';
  try {
    artist = await getJson(`/v1/artists/${enc(key.artistId)}`);
    registered = artist.public_key === key.publicKeyText
      ? h('span', {}, 'registered here as ', link(`#/artist/${artist.id}`, artist.display_name), ' (this is the current key)')
      : `registered as ${artist.display_name}, but with another key (${artist.public_key}): this key was rotated away or belongs to someone else`;
  } catch (err) {
    registered = err instanceof ApiError && err.status === 404 ? 'not registered here yet' : `unknown (${errorWords(err)})`;
  }
  box.append(facts([
    ['Artist id', code(key.artistId)],
    ['Public key', code(key.publicKeyText)],
    ['Kept', key.storage === 'indexeddb' ? 'in this browser (IndexedDB, non-extractable)' : 'in this tab\'s memory only'],
    ['Registry', registered],
  ]));
  if (!artist) box.append(registerForm());
  box.append(h('button', {type: 'button', class: 'secondary', onclick: async () => { await forgetKey(); render(); }}, 'Forget this key'));
  return box;
}

function registerForm() {
  const name = h('input', {type: 'text', name: 'display_name', required: true, maxlength: 200, autocomplete: 'name'});
  const out = h('div', {'aria-live': 'polite'});
  const button = h('button', {type: 'submit'}, 'Sign and register');
  return h('form', {class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const submitted = await submitStatement('artist.register', {public_key: currentKey().publicKeyText, display_name: name.value.trim()});
      await render();
      root.prepend(acceptedView(submitted, 'Artist registration'));
    } catch (err) {
      clear(out).append(message('error', `Registration failed: ${errorWords(err)}`));
      button.disabled = false;
    }
  }}, h('h3', {}, 'Register as an artist'), field('Display name', name, 'The band, the composer, the label: shown with every match.'), button, out);
}

function importSection() {
  const fileInput = h('input', {type: 'file', id: 'key-file', accept: '.key,text/plain'});
  const paste = h('textarea', {id: 'key-text', rows: 3, spellcheck: 'false', autocomplete: 'off'});
  const artistId = h('input', {type: 'text', id: 'key-artist', spellcheck: 'false', autocomplete: 'off', placeholder: 'ar_\u2026'});
  const storage = storageChoice('import-storage');
  const out = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    clear(out);
    try {
      let text = paste.value;
      if (fileInput.files[0]) text = await fileInput.files[0].text();
      if (!text.trim()) throw new Error('choose your key file or paste its three lines');
      const {seed, publicKey} = parseKeyFile(text);
      paste.value = '';
      fileInput.value = '';
      await useKey(seed, publicKey, storage.value(), artistId.value.trim());
      await render();
    } catch (err) {
      out.append(message('error', `The key was not loaded: ${errorWords(err)}`));
    }
  }},
  field('Key file', fileInput, 'The file signet keygen --out FILE wrote (mode 0600). It is read here and never uploaded.'),
  field('Or paste its three lines', paste),
  field('Artist id (only after a key rotation)', artistId, 'Leave empty to use the id of this key; after a rotation give the id in KEYFILE.artist.'),
  storage,
  h('button', {type: 'submit'}, 'Use this key'), out);
  return h('section', {'aria-labelledby': 'imp-h'}, h('h2', {id: 'imp-h'}, 'Load your key'), form);
}

function downloadLink(text, filename, label) {
  const url = URL.createObjectURL(new Blob([text], {type: 'text/plain'}));
  return h('a', {href: url, download: filename, class: 'button-link'}, label);
}

function makeSection() {
  const out = h('div', {'aria-live': 'polite'});
  const button = h('button', {type: 'button', class: 'secondary', onclick: async () => {
    button.disabled = true;
    clear(out);
    try {
      const made = await makeKey();
      const saved = h('input', {type: 'checkbox', id: uid('saved')});
      const storage = storageChoice('make-storage');
      const use = h('button', {type: 'button', disabled: true}, 'Use the new key');
      saved.addEventListener('change', () => { use.disabled = !saved.checked; });
      const keyLink = downloadLink(made.keyFile, 'artist.key', 'Download the key file (artist.key)');
      use.addEventListener('click', async () => {
        try {
          await useKey(made.seed, made.publicKey, storage.value(), made.artistId);
          URL.revokeObjectURL(keyLink.href);
          await render();
        } catch (err) {
          out.append(message('error', errorWords(err)));
        }
      });
      out.append(
        message('ok', `A new key for artist id ${made.artistId}. Save the key file now: it is the only copy, and this page cannot show it again.`),
        h('p', {}, keyLink, ' ', downloadLink(`${toBase64(made.publicKey)}\n`, 'artist.key.pub', 'Download the public key (artist.key.pub)')),
        h('p', {class: 'hint'}, 'The same format as signet keygen: the CLI can use the file with --key (chmod 600 it first).'),
        h('div', {class: 'check-row'}, saved, h('label', {for: saved.id}, 'I have saved the key file')),
        storage, use);
    } catch (err) {
      out.append(message('error', `Could not make a key: ${errorWords(err)}`));
    } finally {
      button.disabled = false;
    }
  }}, 'Make a new key in this browser');
  return h('section', {'aria-labelledby': 'mk-h'}, h('h2', {id: 'mk-h'}, 'No key yet?'),
    h('p', {}, 'Make one here (Ed25519, with WebCrypto), or on your own machine with ', code('signet keygen --out artist.key'), '.'),
    button, out);
}

let root = null;

async function render() {
  if (!root || !root.isConnected) return;
  const status = await statusSection();
  add(clear(root), h('h1', {}, 'Your key'),
    h('p', {class: 'lead'}, 'Statements you make here (terms, withdrawals, resolutions) are signed in this browser with your Ed25519 key, exactly as the signet CLI signs them; the registry only ever sees the signed statement.'),
    status, importSection(), currentKey() ? null : makeSection());
}

export async function renderKey(main) {
  root = main;
  main.append(h('h1', {}, 'Your key'));
  focusHeading(main);
  await render();
  focusHeading(main);
}
