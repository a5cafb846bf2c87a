// The artist's key in this browser, and statements signed with it.
//
// The private key never leaves the browser: it is imported into WebCrypto as
// a NON-extractable Ed25519 key (script can sign with it, nobody can read it
// back), and only signed statements are sent. Where it is kept is the user's
// choice:
//   - 'memory': in this tab's memory only, gone when the tab is closed or
//     reloaded;
//   - 'indexeddb': the non-extractable CryptoKey object in this browser's
//     IndexedDB (database "signet", store "keys"), for this origin only; it
//     survives reloads until "Forget this key" deletes it.
// The key file's seed is wiped from page memory as soon as it is imported.
//
// Statements are built exactly as `signet` does (tools/signet/statements.h):
// payload {"type", "artist", "seq", "issued_at", ...the type's fields}, seq =
// the artist's last_seq from the server + 1, issued_at in whole seconds UTC,
// signed as a DSSE envelope of application/vnd.signet.statement+json.
import {ApiError, getJson, postJson, enc} from './api.js';
import {
  STATEMENT_PAYLOAD_TYPE, artistIdFor, fromBase64, generateKeyPair, importSeed, sign, signEnvelope,
  toBase64, utf8, verify,
} from './crypto.js';
import {verifyReceipt} from './log.js';

const KEY_FILE_MAGIC = 'signet-ed25519-secret-key-v1';
const DB_NAME = 'signet';
const STORE = 'keys';
const RECORD = 'artist';

let current = null;  // {privateKey, publicKey (bytes), publicKeyText, artistId, storage}

export function currentKey() { return current; }

function changed() {
  window.dispatchEvent(new CustomEvent('signet-keychange'));
}

// ---- key files (crypto/FORMATS.md "Secret key file") ----------------------------------

// Parses the file `signet keygen` wrote: {seed, publicKey}. Throws in words.
export function parseKeyFile(text) {
  const normalised = text.replace(/\r\n/g, '\n');
  const lines = normalised.endsWith('\n') ? normalised.slice(0, -1).split('\n') : normalised.split('\n');
  if (lines.length !== 3 || lines[0] !== KEY_FILE_MAGIC) {
    if (lines[0] && lines[0].startsWith('PRIVATE+KEY+')) {
      throw new Error('this is a log signing key (signet keygen --log-name), not an artist key');
    }
    throw new Error(`not a signet key file: it must be the three lines "${KEY_FILE_MAGIC}", "seed ...", "public ..." that signet keygen --out FILE writes`);
  }
  if (!lines[1].startsWith('seed ') || !lines[2].startsWith('public ')) {
    throw new Error('the key file must have a "seed" line and a "public" line');
  }
  const seed = fromBase64(lines[1].slice(5), 'the seed');
  const publicKey = fromBase64(lines[2].slice(7), 'the public key');
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error('seed and public key must be 32 bytes each');
  return {seed, publicKey};
}

export function keyFileText(seed, publicKey) {
  return `${KEY_FILE_MAGIC}\nseed ${toBase64(seed)}\npublic ${toBase64(publicKey)}\n`;
}

// ---- storage -------------------------------------------------------------------

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`IndexedDB is not available here: ${req.error && req.error.message}`));
  });
}

async function dbDo(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('the IndexedDB transaction was aborted'));
    });
  } finally {
    db.close();
  }
}

// Restores a key kept in IndexedDB by an earlier visit, if any.
export async function restoreKey() {
  try {
    const rec = await dbDo('readonly', (st) => st.get(RECORD));
    if (rec && rec.privateKey) {
      current = {
        privateKey: rec.privateKey,
        publicKey: fromBase64(rec.publicKey, 'the stored public key'),
        publicKeyText: rec.publicKey,
        artistId: rec.artistId,
        storage: 'indexeddb',
      };
      changed();
    }
  } catch (_) {
    // No IndexedDB (private window, or disabled): nothing was kept.
  }
  return current;
}

// Imports {seed, publicKey} as the page's key, non-extractable, and wipes
// the seed. `artistId` overrides the id derived from the key (after a key
// rotation the id is that of the FIRST key). Checks that seed and public key
// belong together by signing and verifying a test message.
export async function useKey(seed, publicKey, storage, artistId) {
  if (storage !== 'memory' && storage !== 'indexeddb') throw new Error('choose where to keep the key');
  let privateKey;
  try {
    privateKey = await importSeed(seed, false);
  } finally {
    seed.fill(0);
  }
  const probe = utf8('signet key check');
  if (!(await verify(publicKey, await sign(privateKey, probe), probe))) {
    throw new Error('the "public" line does not belong to the "seed" line: the key file is damaged');
  }
  const id = artistId || await artistIdFor(publicKey);
  if (!/^ar_[a-z2-7]{24}$/.test(id)) throw new Error(`"${id}" is not an artist id (ar_ followed by 24 letters and digits)`);
  const publicKeyText = toBase64(publicKey);
  if (storage === 'indexeddb') {
    await dbDo('readwrite', (st) => st.put({privateKey, publicKey: publicKeyText, artistId: id}, RECORD));
  } else {
    await forgetStored();
  }
  current = {privateKey, publicKey, publicKeyText, artistId: id, storage};
  changed();
  return current;
}

async function forgetStored() {
  try { await dbDo('readwrite', (st) => st.delete(RECORD)); } catch (_) { /* nothing kept */ }
}

export async function forgetKey() {
  current = null;
  await forgetStored();
  changed();
}

// A new key pair made here: {seed, publicKey, keyFile, artistId}. The caller
// offers keyFile for download before using the key.
export async function makeKey() {
  const {seed, publicKey} = await generateKeyPair();
  return {seed, publicKey, keyFile: keyFileText(seed, publicKey), artistId: await artistIdFor(publicKey)};
}

// ---- statements ---------------------------------------------------------------------

// "2026-11-23T12:00:00Z": whole seconds, as the CLI writes issued_at.
export function nowRfc3339() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function statementPayload(type, artist, seq, issuedAt, body) {
  return JSON.stringify({type, artist, seq, issued_at: issuedAt, ...body});
}

function isSeqProblem(err) {
  if (!(err instanceof ApiError) || err.status !== 409) return false;
  const field = err.problem && err.problem.field;
  return field === 'seq' || /\bseq\b/.test(err.detail);
}

// Signs a statement of `type` with the page's key and submits it:
// {accepted, envelope, receipt: {ok, steps}}. Throws ApiError in words.
export async function submitStatement(type, body) {
  const key = current;
  if (!key) throw new Error('load your key first (Your key)');
  for (let attempt = 0; ; attempt++) {
    let seq = 1;
    if (type !== 'artist.register') {
      let artist;
      try {
        artist = await getJson(`/v1/artists/${enc(key.artistId)}`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw new Error(`artist ${key.artistId} is not registered here yet: register it first (Your key)`);
        }
        throw err;
      }
      if (artist.public_key !== key.publicKeyText) {
        throw new Error(`this key is not the current key of ${key.artistId} (${artist.display_name}); the registry holds ${artist.public_key}`);
      }
      seq = artist.last_seq + 1;
    }
    const payload = utf8(statementPayload(type, key.artistId, seq, nowRfc3339(), body));
    const envelope = await signEnvelope(key.privateKey, key.publicKey, STATEMENT_PAYLOAD_TYPE, payload);
    try {
      const accepted = await postJson('/v1/statements', envelope);
      const receipt = await verifyReceipt(accepted.receipt, envelope);
      return {accepted, envelope, receipt};
    } catch (err) {
      // Another machine with this key (or the CLI) used the seq we planned.
      if (attempt === 0 && type !== 'artist.register' && isSeqProblem(err)) continue;
      throw err;
    }
  }
}
