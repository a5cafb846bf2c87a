// For AI companies: open the answers file `signet check` wrote
// (REPORT.answers.ndjson: the registry's answer byte for byte, its last line
// the summary with a receipt) and see the verdicts, with the receipt checked
// here. The receipt (api/routes_check.cc) is a C2SP signed note by the log's
// key over:
//   signet check receipt v1 / <origin> / purpose P / items N /
//   answer-sha256 <base64 SHA-256 of every line before the last, newlines
//   included> / checkpoint <size> <root> / time <RFC 3339>
// so the file proves what the registry answered, against which log state and
// when; the log state is then proved to be a prefix of the log today.
import {errorWords} from '../api.js';
import {clear, field, focusHeading, h, link, message, table} from '../dom.js';
import {fromBase64, fromUtf8, openNote, sha256, toBase64} from '../crypto.js';
import {badge, formatTime, proofView, purposeLabel} from '../format.js';
import {logVerifier, proveConsistentWithNow, setTrustedVerifierKey} from '../log.js';

const NEWLINE = 10;

// Splits the file into the answer lines (the hashed bytes) and the last line.
export function splitAnswers(bytes) {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === NEWLINE) end -= 1;
  if (end === 0) throw new Error('the file is empty');
  const lastStart = bytes.lastIndexOf(NEWLINE, end - 1) + 1;
  const answered = bytes.subarray(0, lastStart);
  const lastLine = fromUtf8(bytes.subarray(lastStart, end));
  const lines = lastStart ? fromUtf8(answered).split('\n').slice(0, -1) : [];
  return {answered, lastLine, lines};
}

function parseReceiptText(text) {
  const lines = text.split('\n');
  if (lines[0] !== 'signet check receipt v1') throw new Error('the signed note is not a check receipt (its first line differs)');
  const out = {origin: lines[1]};
  for (const line of lines.slice(2)) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    out[line.slice(0, sp)] = line.slice(sp + 1);
  }
  return out;
}

async function checkReceipt(parts, summaryLine) {
  const steps = [];
  const step = (ok, text) => { steps.push({ok, text}); return ok; };
  const receipt = summaryLine.receipt;
  if (!receipt) {
    step(false, summaryLine.receipt_error ? `the registry signed no receipt: ${summaryLine.receipt_error}` : 'the last line carries no receipt (was the check run with --csv or --json?)');
    return {ok: false, steps};
  }
  const digest = await sha256(parts.answered);
  const digestText = toBase64(digest);
  let ok = step(receipt.answer_sha256 === digestText,
    receipt.answer_sha256 === digestText
      ? `SHA-256 of the ${parts.lines.length} answer lines, computed here: ${digestText}`
      : `the answer lines hash to ${digestText}, but the receipt says ${receipt.answer_sha256}: the file was changed`);
  const verifier = await logVerifier();
  let text;
  try {
    text = await openNote(receipt.note, verifier);
    step(true, `receipt signed by the log key ${verifier.text}`);
  } catch (err) {
    step(false, `the receipt's signature does not verify with ${verifier.text}: ${err.message}`);
    return {ok: false, steps};
  }
  const r = parseReceiptText(text);
  ok = step(r['answer-sha256'] === digestText, r['answer-sha256'] === digestText
    ? 'the signed receipt names the same SHA-256' : 'the signed receipt names another SHA-256: these are not the lines the registry signed') && ok;
  const summary = summaryLine.summary || {};
  ok = step(r.items === String(parts.lines.length), `the receipt covers ${r.items} items; the file has ${parts.lines.length} answer lines`) && ok;
  ok = step(!summary.purpose || r.purpose === summary.purpose, `purpose ${r.purpose} (${purposeLabel(r.purpose)})`) && ok;
  const [size, root] = (r.checkpoint || '').split(' ');
  step(true, `answered at ${formatTime(r.time)} against the log at tree size ${size}`);
  if (size && root) {
    try {
      const cons = await proveConsistentWithNow(BigInt(size), fromBase64(root, 'the receipt\'s root'));
      steps.push(...cons.steps);
      ok = cons.ok && ok;
    } catch (err) {
      ok = step(false, `could not prove the log state against today's log: ${errorWords(err)}`);
    }
  }
  return {ok, steps, receiptText: r};
}

function verdictRows(lines, filter) {
  const rows = [];
  lines.forEach((text, i) => {
    let o;
    try { o = JSON.parse(text); } catch (_) { rows.push([String(i + 1), badge('unreadable', 'bad'), text.slice(0, 120), '']); return; }
    const verdict = o.error ? 'error' : o.verdict;
    if (filter && verdict !== filter) return;
    const works = (o.works || []).map((w) => h('li', {}, link(`#/work/${w.work_id}`, w.title || w.work_id), ` by ${w.artist_name || w.artist}: `,
      badge(w.verdict, w.verdict === 'allowed' ? 'ok' : 'warn'), w.disputed ? ' (disputed)' : ''));
    rows.push([o.id !== undefined ? String(o.id) : String(i + 1),
      badge(verdict, verdict === 'allowed' || verdict === 'unregistered' ? 'ok' : (verdict === 'error' ? 'bad' : 'warn')),
      o.error ? o.error.detail : o.reason,
      works.length ? h('ul', {class: 'plain'}, works) : '']);
  });
  return rows;
}

async function showReport(box, file) {
  clear(box).append(message('busy', `Reading ${file.name}\u2026`));
  let parts;
  let summaryLine;
  try {
    parts = splitAnswers(new Uint8Array(await file.arrayBuffer()));
    summaryLine = JSON.parse(parts.lastLine);
    if (!summaryLine.summary) throw new Error('its last line is not the registry\'s summary; open the .answers.ndjson file signet check wrote next to the report');
  } catch (err) {
    clear(box).append(message('error', `${file.name} is not a check answers file: ${err.message}`));
    return;
  }
  const check = await checkReceipt(parts, summaryLine).catch((err) => ({ok: false, steps: [{ok: false, text: errorWords(err)}]}));
  const s = summaryLine.summary;
  const counts = Object.entries(s.verdicts || {}).map(([k, n]) => `${n} ${k}`).join(', ');
  const filter = h('select', {id: 'verdict-filter'}, h('option', {value: ''}, 'all'),
    ['notAllowed', 'constrained', 'disputed', 'allowed', 'unregistered', 'error'].map((v) => h('option', {value: v}, v)));
  const tableBox = h('div', {});
  const draw = () => clear(tableBox).append(table(`Verdicts for ${purposeLabel(s.purpose)}`, ['Item', 'Verdict', 'Reason', 'Works'], verdictRows(parts.lines, filter.value), 'verdicts'));
  filter.addEventListener('change', draw);
  draw();
  clear(box).append(
    h('h2', {id: 'report-h', tabindex: '-1'}, `${s.items} items checked for ${s.purpose}`),
    h('p', {}, `${counts || 'no verdicts'}; ${s.errors} errors. Checked against the log at tree size ${s.checkpoint_size}.`),
    proofView(check, 'the registry\'s receipt is verified: this is what it answered', 'the receipt does NOT verify'),
    field('Show verdicts', filter),
    h('p', {class: 'hint'}, 'Items are numbered as signet check sent them: the files in the order of its CSV or JSON report.'),
    tableBox);
  box.querySelector('#report-h').focus();
}

export function renderReport(main) {
  const box = h('section', {class: 'results', 'aria-live': 'polite', 'aria-label': 'Report'});
  const input = h('input', {type: 'file', id: 'report-file', accept: '.ndjson,.jsonl,.json,.txt,application/x-ndjson'});
  input.addEventListener('change', () => { if (input.files[0]) showReport(box, input.files[0]); });
  const keyInput = h('input', {type: 'text', id: 'report-key', spellcheck: 'false', autocomplete: 'off'});
  logVerifier().then((v) => { if (!keyInput.value) keyInput.value = v.text; }, () => {});
  const keyForm = h('form', {class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await setTrustedVerifierKey(keyInput.value);
      keyStatus.replaceChildren(message('ok', 'Receipts are now checked with this key.'));
      if (input.files[0]) showReport(box, input.files[0]);
    } catch (err) {
      keyStatus.replaceChildren(message('error', err.message));
    }
  }}, field('Log verifier key', keyInput, 'As published by GET /v1/log/key; paste one you obtained elsewhere to check against it instead.'),
  h('button', {type: 'submit', class: 'secondary'}, 'Use this key'));
  const keyStatus = h('div', {'aria-live': 'polite'});
  main.append(
    h('h1', {}, 'Check report'),
    h('p', {class: 'lead'}, 'Open the ', h('code', {}, '.answers.ndjson'), ' file that ', h('code', {}, 'signet check --csv REPORT'), ' (or --json) wrote next to its report: the registry\'s answer, byte for byte, with its signed receipt on the last line. It is read and checked in this browser; nothing is uploaded.'),
    field('Answers file', input), h('details', {}, h('summary', {}, 'Which key checks the receipt'), keyForm, keyStatus),
    box);
  focusHeading(main);
}
