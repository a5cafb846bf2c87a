// The registry's public HTTP API (described at /openapi.json), from the same
// origin. Errors become ApiError with the problem+json `detail` (RFC 9457) in
// words, so every view can show what went wrong and what to do.

export class ApiError extends Error {
  constructor(status, title, detail, problem) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title || '';
    this.detail = detail || '';
    this.problem = problem || null;  // the whole problem document, with extension members
  }

  // "title: detail", plus the offending field when the server names it.
  words() {
    const field = this.problem && typeof this.problem.field === 'string' ? ` (field "${this.problem.field}")` : '';
    if (this.status === 0) return this.detail;
    const what = this.detail || this.title || `the registry answered HTTP ${this.status}`;
    return `${what}${field}`;
  }
}

// Any thrown value, in words.
export function errorWords(err) {
  if (err instanceof ApiError) return err.words();
  if (err && err.message) return err.message;
  return String(err);
}

async function problemFrom(response) {
  const type = response.headers.get('Content-Type') || '';
  let text = '';
  try { text = await response.text(); } catch (_) { /* body lost */ }
  if (type.startsWith('application/problem+json') || type.startsWith('application/json')) {
    try {
      const p = JSON.parse(text);
      if (p && typeof p === 'object') {
        return new ApiError(response.status, p.title, p.detail, p);
      }
    } catch (_) { /* not JSON after all */ }
  }
  return new ApiError(response.status, response.statusText,
    `the registry answered HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, {credentials: 'omit', ...init});
  } catch (err) {
    throw new ApiError(0, 'unreachable', `The registry could not be reached (${err.message}). Check that signetd is running and try again.`);
  }
  if (!response.ok) throw await problemFrom(response);
  return response;
}

export async function getJson(path, init) {
  const r = await send(path, {...init, headers: {Accept: 'application/json'}});
  return r.json();
}

export async function getText(path, init) {
  const r = await send(path, init);
  return r.text();
}

// The body's exact bytes (log entries are hashed as stored).
export async function getBytes(path, init) {
  const r = await send(path, init);
  return new Uint8Array(await r.arrayBuffer());
}

export async function postJson(path, body, init) {
  const r = await send(path, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  return r.json();
}

export async function postBytes(path, bytes, contentType, init) {
  const r = await send(path, {
    method: 'POST',
    headers: {'Content-Type': contentType, Accept: 'application/json'},
    body: bytes,
    ...init,
  });
  return r.json();
}

// "/v1/works?q=a&isrc=b" from a path and the non-empty parameters.
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

export const enc = encodeURIComponent;

const artists = new Map();  // artist id -> promise of its record (for names and keys)

// GET /v1/artists/{id}, asked once per page load; null when it fails.
export function artistRecord(id) {
  if (!artists.has(id)) artists.set(id, getJson(`/v1/artists/${enc(id)}`).catch(() => null));
  return artists.get(id);
}

// Forgets the records (on every page change: keys and names may have changed).
export function forgetArtistRecords() {
  artists.clear();
}

// The artist's display name, or the id when it cannot be read.
export async function artistName(id) {
  const a = await artistRecord(id);
  return a ? a.display_name : id;
}
