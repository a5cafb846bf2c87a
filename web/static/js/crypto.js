// The registry's formats, checked in the browser with WebCrypto (crypto/FORMATS.md
// is the specification; this file follows it and trusts nothing the server
// says about its own proofs):
//   - SHA-256, standard base64, lowercase hex, RFC 4648 base32 (artist ids);
//   - Ed25519 (WebCrypto; Chromium supports it);
//   - DSSE pre-authentication encoding and envelopes;
//   - RFC 9162 Merkle leaf/node hashing, inclusion and consistency proofs;
//   - C2SP signed notes, verifier keys and tlog checkpoints.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', {fatal: true});

export function utf8(text) { return utf8Encoder.encode(text); }
export function fromUtf8(bytes) { return utf8Decoder.decode(bytes); }

export function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

// Strict standard base64 with padding; throws a readable error otherwise.
export function fromBase64(text, what) {
  if (typeof text !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Error(`${what || 'value'} is not standard base64`);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// RFC 4648 base32, lowercase, no padding (crypto/encoding.h Base32LowerEncode).
export function toBase32Lower(bytes) {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// ---- Ed25519 ----------------------------------------------------------------

// PKCS #8 wrapping of a 32-byte RFC 8032 seed (RFC 8410), what importKey takes.
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export async function importPublicKey(raw) {
  if (raw.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  return crypto.subtle.importKey('raw', raw, {name: 'Ed25519'}, true, ['verify']);
}

// The private key from its seed; not extractable unless asked: once imported,
// script on this page can sign with it but cannot read it back.
export async function importSeed(seed, extractable) {
  if (seed.length !== 32) throw new Error('an Ed25519 seed has 32 bytes');
  const pkcs8 = concat(PKCS8_ED25519_PREFIX, seed);
  try {
    return await crypto.subtle.importKey('pkcs8', pkcs8, {name: 'Ed25519'}, Boolean(extractable), ['sign']);
  } finally {
    pkcs8.fill(0);
  }
}

export async function sign(privateKey, message) {
  return new Uint8Array(await crypto.subtle.sign({name: 'Ed25519'}, privateKey, message));
}

export async function verify(publicKeyRaw, signature, message) {
  if (signature.length !== 64) return false;
  const key = await importPublicKey(publicKeyRaw);
  return crypto.subtle.verify({name: 'Ed25519'}, key, signature, message);
}

// A fresh key pair made here: {seed, publicKey} as bytes. The caller writes
// the key file from them, then imports the seed non-extractable and wipes it.
export async function generateKeyPair() {
  const pair = await crypto.subtle.generateKey({name: 'Ed25519'}, true, ['sign', 'verify']);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const seed = pkcs8.slice(pkcs8.length - 32);
  pkcs8.fill(0);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return {seed, publicKey};
}

// ---- identifiers (crypto/ed25519.h) ---------------------------------------------

// "ar_" + base32lower(SHA-256("signet artist id v1\n" || first public key)[0:15]).
export async function artistIdFor(firstPublicKey) {
  const d = await sha256(concat(utf8('signet artist id v1\n'), firstPublicKey));
  return `ar_${toBase32Lower(d.subarray(0, 15))}`;
}

// DSSE keyid hint: hex(SHA-256(pk)[0:8]).
export async function dsseKeyId(publicKey) {
  return toHex((await sha256(publicKey)).subarray(0, 8));
}

// ---- DSSE -----------------------------------------------------------------

export const STATEMENT_PAYLOAD_TYPE = 'application/vnd.signet.statement+json';

// "DSSEv1" SP len(type) SP type SP len(payload) SP payload (lengths in bytes).
export function pae(payloadType, payload) {
  const type = utf8(payloadType);
  return concat(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

// The envelope JSON text, fields in the documented order (crypto/dsse.h).
export async function signEnvelope(privateKey, publicKey, payloadType, payloadBytes) {
  const sig = await sign(privateKey, pae(payloadType, payloadBytes));
  return JSON.stringify({
    payloadType,
    payload: toBase64(payloadBytes),
    signatures: [{keyid: await dsseKeyId(publicKey), sig: toBase64(sig)}],
  });
}

// {payloadType, payload (bytes), signatures} of an envelope's JSON text.
export function parseEnvelope(text) {
  const env = JSON.parse(text);
  if (!env || typeof env.payloadType !== 'string' || typeof env.payload !== 'string' || !Array.isArray(env.signatures)) {
    throw new Error('not a DSSE envelope');
  }
  return {
    payloadType: env.payloadType,
    payload: fromBase64(env.payload, 'payload'),
    signatures: env.signatures.map((x) => ({keyid: x.keyid || '', sig: fromBase64(x.sig, 'sig')})),
  };
}

// True when one of the envelope's signatures verifies with one of `publicKeys`.
export async function verifyEnvelope(envelope, publicKeys) {
  const message = pae(envelope.payloadType, envelope.payload);
  for (const pk of publicKeys) {
    for (const sig of envelope.signatures) {
      if (await verify(pk, sig.sig, message)) return true;
    }
  }
  return false;
}

// ---- RFC 9162 Merkle tree -----------------------------------------------------

export async function leafHash(data) {
  return sha256(concat(new Uint8Array([0]), data));
}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

// RFC 9162 2.1.3.2: the root the inclusion proof leads to from `leaf` at
// `index` in a tree of `size` leaves, or null when the proof cannot be for it.
export async function rootFromInclusionProof(index, size, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return null;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

// RFC 9162 2.1.4.2: does `proof` show that the tree (size2, root2) extends
// (size1, root1)?
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  const first = BigInt(size1);
  const second = BigInt(size2);
  if (first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(root1, root2);
  if (first === 0n) return proof.length === 0;
  if (proof.length === 0) return false;
  let path = proof;
  if ((first & (first - 1n)) === 0n) path = [root1, ...proof];
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return equalBytes(fr, root1) && equalBytes(sr, root2) && sn === 0n;
}

// ---- C2SP signed notes and checkpoints ------------------------------------------

const EM_DASH = '\u2014';

// "<name>+<hex8 key id>+<base64(0x01 || public key)>", key id checked:
// {name, keyId (number), publicKey (bytes), text}.
export async function parseVerifierKey(text) {
  const trimmed = text.trim();
  // name+hash+key: the key's base64 may hold '+' itself, so split twice only.
  const m = trimmed.match(/^([^+]+)\+([^+]+)\+(.+)$/);
  const parts = m ? [m[1], m[2], m[3]] : [];
  if (parts.length !== 3 || !/^[0-9a-f]{8}$/.test(parts[1])) {
    throw new Error('a verifier key looks like name+0123abcd+base64');
  }
  const raw = fromBase64(parts[2], 'the verifier key');
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('the verifier key is not an Ed25519 key (0x01 || 32 bytes)');
  const publicKey = raw.subarray(1);
  const keyId = await noteKeyId(parts[0], publicKey);
  if (keyId !== parseInt(parts[1], 16)) throw new Error('the verifier key\'s key id does not match its name and key');
  return {name: parts[0], keyId, publicKey, text: trimmed};
}

// SHA-256(name || "\n" || 0x01 || pk)[0:4], big-endian.
export async function noteKeyId(name, publicKey) {
  const d = await sha256(concat(utf8(`${name}\n`), new Uint8Array([1]), publicKey));
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

// Splits a signed note into its text and signature lines (no verification).
export function parseNote(note) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('not a signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const signatures = [];
  for (const line of lines) {
    const m = line.match(new RegExp(`^${EM_DASH} (\\S+) (\\S+)$`));
    if (!m) throw new Error(`not a signature line: ${line.slice(0, 80)}`);
    const raw = fromBase64(m[2], 'a note signature');
    if (raw.length < 5) throw new Error('a note signature is too short');
    const keyId = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
    signatures.push({name: m[1], keyId, signature: raw.subarray(4)});
  }
  return {text, signatures};
}

// The note's text if a signature by `verifier` verifies; throws saying why not.
export async function openNote(note, verifier) {
  const parsed = parseNote(note);
  const mine = parsed.signatures.filter((x) => x.name === verifier.name && x.keyId === verifier.keyId);
  if (mine.length === 0) throw new Error(`the note carries no signature by ${verifier.name}`);
  for (const sig of mine) {
    if (!(await verify(verifier.publicKey, sig.signature, utf8(parsed.text)))) {
      throw new Error(`the signature by ${verifier.name} does not verify`);
    }
  }
  return parsed.text;
}

// {origin, size (BigInt), root (bytes), extensions} of a checkpoint's text.
export function parseCheckpointText(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('a checkpoint has at least three lines');
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error('the checkpoint\'s tree size is not a decimal number');
  const root = fromBase64(rootText, 'the checkpoint\'s root hash');
  if (root.length !== 32) throw new Error('the checkpoint\'s root hash is not 32 bytes');
  return {origin, size: BigInt(sizeText), root, extensions: lines.slice(3, -1)};
}

// Opens a signed checkpoint with `verifier`: the checkpoint, signature checked.
export async function openCheckpoint(note, verifier) {
  return parseCheckpointText(await openNote(note, verifier));
}
