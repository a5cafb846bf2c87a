// The transparency log, checked here: the log's verifier key, its signed
// checkpoint, a log entry's inclusion proof (RFC 9162) and the receipts the
// registry hands out (crypto/receipt.h). Every check returns its steps in
// words, so the page can say what was proved, or what failed.
import {artistRecord, getBytes, getJson, getText, withQuery} from './api.js';
import {
  equalBytes, fromBase64, fromUtf8, leafHash, openCheckpoint, parseEnvelope, parseVerifierKey,
  rootFromInclusionProof, toBase64, verifyConsistency, verifyEnvelope,
} from './crypto.js';

let verifierPromise = null;

// The log's verifier key as this registry publishes it (GET /v1/log/key).
// A key you obtained elsewhere can be set instead (setTrustedVerifierKey).
export function logVerifier() {
  if (!verifierPromise) {
    verifierPromise = getText('/v1/log/key').then((t) => parseVerifierKey(t));
    verifierPromise.catch(() => { verifierPromise = null; });
  }
  return verifierPromise;
}

export function setTrustedVerifierKey(text) {
  verifierPromise = parseVerifierKey(text);
  return verifierPromise;
}

// The latest checkpoint, its signature verified: {note, origin, size, root}.
export async function verifiedCheckpoint() {
  const verifier = await logVerifier();
  const note = await getText('/v1/log/checkpoint');
  const cp = await openCheckpoint(note, verifier);
  return {note, ...cp, verifier};
}

function step(ok, text) { return {ok, text}; }

// Fetches log entry `index` and proves it is in the log:
// {ok, steps, bytes, envelope, payload, checkpoint}.
export async function proveLogEntry(index) {
  const steps = [];
  const bytes = await getBytes(`/v1/log/entries/${index}`);
  const leaf = await leafHash(bytes);
  steps.push(step(true, `leaf hash SHA-256(0x00 || entry) computed here: ${toBase64(leaf)}`));
  let cp;
  try {
    cp = await verifiedCheckpoint();
    steps.push(step(true, `checkpoint of ${cp.origin} at tree size ${cp.size} signed by the log key ${cp.verifier.text}`));
  } catch (err) {
    steps.push(step(false, `the checkpoint does not verify: ${err.message}`));
    return {ok: false, steps, bytes};
  }
  const proof = await getJson(withQuery('/v1/log/proof/inclusion', {index, size: cp.size.toString()}));
  const hashes = proof.inclusion_proof.map((x) => fromBase64(x, 'a proof hash'));
  const root = await rootFromInclusionProof(index, cp.size, leaf, hashes);
  const included = root !== null && equalBytes(root, cp.root);
  steps.push(step(included, included
    ? `inclusion proof of ${hashes.length} hashes leads from leaf ${index} to the checkpoint's root ${toBase64(cp.root)}`
    : `the inclusion proof does NOT lead to the checkpoint's root`));
  let envelope = null;
  let payload = null;
  try {
    envelope = parseEnvelope(fromUtf8(bytes));
    payload = JSON.parse(fromUtf8(envelope.payload));
  } catch (err) {
    steps.push(step(false, `the entry is not a readable statement: ${err.message}`));
  }
  return {ok: included && payload !== null, steps, bytes, envelope, payload, checkpoint: cp};
}

// Checks that the envelope of a proved entry is signed by one of the keys
// (current and previous) of the artist its payload names; adds the step.
export async function checkStatementSignature(proved) {
  if (!proved.envelope || !proved.payload) return proved;
  const artist = await artistRecord(String(proved.payload.artist));
  if (!artist) {
    proved.steps.push(step(false, `the signer ${proved.payload.artist} is not a registered artist`));
    proved.ok = false;
    return proved;
  }
  const keys = [artist.public_key, ...(artist.previous_keys || [])].map((k) => fromBase64(k, 'an artist key'));
  const signed = await verifyEnvelope(proved.envelope, keys);
  proved.steps.push(step(signed, signed
    ? `statement signature (DSSE, Ed25519) verifies with a key of ${artist.display_name} (${artist.id})`
    : `the statement's signature does NOT verify with any key of ${artist.id}`));
  proved.ok = proved.ok && signed;
  return proved;
}

// A receipt from POST /v1/statements for the envelope text we sent:
// {ok, steps}. Offline: only the log key is fetched.
export async function verifyReceipt(receipt, envelopeText) {
  const steps = [];
  const verifier = await logVerifier();
  let cp;
  try {
    cp = await openCheckpoint(receipt.checkpoint, verifier);
    steps.push(step(true, `receipt checkpoint (tree size ${cp.size}) signed by ${verifier.text}`));
  } catch (err) {
    steps.push(step(false, `the receipt's checkpoint does not verify: ${err.message}`));
    return {ok: false, steps};
  }
  const sizeOk = cp.size === BigInt(receipt.tree_size);
  if (!sizeOk) steps.push(step(false, 'the receipt\'s tree size differs from its checkpoint\'s'));
  const leaf = await leafHash(new TextEncoder().encode(envelopeText));
  const mine = equalBytes(leaf, fromBase64(receipt.leaf_hash, 'leaf_hash'));
  steps.push(step(mine, mine
    ? 'the receipt is for the statement signed here (leaf hash of our envelope)'
    : 'the receipt\'s leaf hash is NOT the hash of the statement signed here'));
  const hashes = receipt.inclusion_proof.map((x) => fromBase64(x, 'a proof hash'));
  const root = await rootFromInclusionProof(receipt.leaf_index, cp.size, leaf, hashes);
  const included = root !== null && equalBytes(root, cp.root);
  steps.push(step(included, included
    ? `included: leaf ${receipt.leaf_index} of ${cp.size}, proof of ${hashes.length} hashes`
    : 'the inclusion proof does NOT lead to the checkpoint\'s root'));
  return {ok: sizeOk && mine && included, steps};
}

// Proves that the log at (size, root) is a prefix of the log now:
// {ok, steps}. Used for the checkpoint a check receipt names.
export async function proveConsistentWithNow(size, root) {
  const steps = [];
  const now = await verifiedCheckpoint();
  steps.push(step(true, `current checkpoint: tree size ${now.size}, signed by ${now.verifier.text}`));
  if (BigInt(size) > now.size) {
    steps.push(step(false, `the named tree size ${size} is larger than the log now (${now.size})`));
    return {ok: false, steps};
  }
  const proofDoc = await getJson(withQuery('/v1/log/proof/consistency', {old: size.toString(), new: now.size.toString()}));
  const hashes = proofDoc.proof.map((x) => fromBase64(x, 'a proof hash'));
  const ok = await verifyConsistency(size, now.size, root, now.root, hashes);
  steps.push(step(ok, ok
    ? `consistency proof of ${hashes.length} hashes: the log then (size ${size}) is a prefix of the log now; nothing was rewritten`
    : `the consistency proof does NOT show that the log at size ${size} is a prefix of the log now`));
  return {ok, steps};
}
