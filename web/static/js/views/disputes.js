// Disputes: the open ones, and one dispute with both claims side by side and
// their overlap drawn. The overlap is computed from public data only: the
// later work's fingerprint is read from its signed registration in the log
// and matched (POST /v1/match) against the registry, which finds the earlier
// work with the segments the two recordings share.
import {artistName, enc, errorWords, getJson, postJson} from '../api.js';
import {clear, code, facts, focusHeading, h, link, message} from '../dom.js';
import {alignmentDrawing, responsive} from '../draw.js';
import {artistNameView, badge, formatSeconds, formatTime} from '../format.js';
import {proveLogEntry} from '../log.js';
import {keyNeeded, ownsArtist, resolveForm} from './actions.js';
import {pagedList} from './paged.js';

async function claim(workId, artistId) {
  const [work, name] = await Promise.all([getJson(`/v1/works/${enc(workId)}`).catch(() => null), artistName(artistId)]);
  return {work, name, workId, artistId};
}

function claimView(c, role) {
  const w = c.work;
  return h('div', {class: 'claim'},
    h('h3', {}, role),
    h('p', {class: 'claim-title'}, w ? link(`#/work/${w.id}`, w.title) : code(c.workId),
      w && w.withdrawn ? [' ', badge('withdrawn', 'muted')] : null),
    h('p', {}, 'by ', link(`#/artist/${c.artistId}`, c.name)),
    w ? facts([
      ['Registered', formatTime(w.registered_at)],
      ['Length', formatSeconds(w.duration)],
      ['Credits', w.credits.map((x) => `${x.name} (${x.role})`).join(', ')],
      ['ISRC', w.isrc], ['ISWC', w.iswc],
    ]) : h('p', {}, 'The work record could not be read.'));
}

function stateLine(d) {
  return d.state === 'open' ? badge('open', 'warn') : badge('resolved', 'ok');
}

function disputeItem(d) {
  const sides = h('div', {class: 'side-by-side'}, message('busy', 'Loading both claims\u2026'));
  Promise.all([claim(d.work_a, d.artist_a), claim(d.work_b, d.artist_b)]).then(([a, b]) => {
    clear(sides).append(claimView(a, 'Registered first'), claimView(b, 'Registered later'));
  });
  return h('li', {class: 'card'}, h('h2', {}, link(`#/dispute/${d.id}`, `Dispute ${d.id.slice(0, 11)}\u2026`), ' ', stateLine(d)),
    h('p', {class: 'small'}, `opened ${formatTime(d.opened_at)} by `, d.opened_by === 'registry' ? 'the registry (the recordings match)' : artistNameView(d.opened_by)),
    sides);
}

export function renderDisputes(main, _params, query) {
  const state = query.get('state') === 'resolved' ? 'resolved' : 'open';
  main.append(h('h1', {}, state === 'open' ? 'Open disputes' : 'Resolved disputes'),
    h('p', {class: 'lead'}, 'A dispute opens when a new registration matches another artist\'s work, or when an artist opens one. Both registrations are kept; neither is cleared for any use until a party resolves it.'),
    h('p', {}, state === 'open' ? link('#/disputes?state=resolved', 'Show resolved disputes') : link('#/disputes', 'Show open disputes')));
  focusHeading(main);
  main.append(...pagedList({
    path: '/v1/disputes', params: {state, limit: 20}, renderItem: disputeItem,
    emptyText: `No ${state} disputes.`, what: 'disputes', listClass: 'plain disputes',
  }));
}

// The segments the two recordings share: later work as the query, earlier as
// the reference. {segments, score} or null when the registry no longer finds it.
async function overlap(later, earlier) {
  const proved = await proveLogEntry(later.register_log_index);
  if (!proved.payload || typeof proved.payload.fingerprint !== 'string') return null;
  const answer = await postJson('/v1/match', {fingerprint: proved.payload.fingerprint});
  const m = (answer.matches || []).find((x) => x.work && x.work.id === earlier.id);
  return m ? {segments: m.segments, score: m.score, proved} : {segments: [], score: null, proved};
}

export async function renderDispute(main, params) {
  main.append(h('h1', {}, 'Dispute ', code(params.id)));
  focusHeading(main);
  let d;
  try {
    d = await getJson(`/v1/disputes/${enc(params.id)}`);
  } catch (err) {
    main.append(message('error', `Could not load the dispute: ${errorWords(err)}`));
    return;
  }
  const [a, b] = await Promise.all([claim(d.work_a, d.artist_a), claim(d.work_b, d.artist_b)]);
  main.append(
    h('p', {class: 'lead'}, stateLine(d), ` Between ${a.name} and ${b.name}.`),
    facts([
      ['Opened', h('span', {}, `${formatTime(d.opened_at)} by `, d.opened_by === 'registry' ? 'the registry, because the recordings match' : artistNameView(d.opened_by), ` (log entry ${d.open_log_index})`)],
      ['Reason', d.reason],
      ['Match score', d.match_score ? String(Math.round(d.match_score * 10) / 10) : ''],
      ['Resolved', d.state === 'resolved' ? h('span', {}, `${formatTime(d.resolved_at)} by `, artistNameView(d.resolved_by), ` (log entry ${d.resolve_log_index})`) : ''],
      ['Resolution', d.resolution],
    ]),
    h('section', {'aria-labelledby': 'claims-h'}, h('h2', {id: 'claims-h'}, 'The two claims'),
      h('div', {class: 'side-by-side'}, claimView(a, 'Registered first'), claimView(b, 'Registered later'))));

  const drawing = h('section', {'aria-labelledby': 'ov-h'}, h('h2', {id: 'ov-h'}, 'Where the recordings overlap'),
    message('busy', 'Reading the later registration\'s fingerprint from the log and matching it\u2026'));
  main.append(drawing);
  if (a.work && b.work) {
    overlap(b.work, a.work).then((ov) => {
      drawing.lastChild.remove();
      if (!ov) {
        drawing.append(message('error', 'The later registration carries no fingerprint to compare.'));
        return;
      }
      if (!ov.segments.length) {
        drawing.append(h('p', {}, `The registry no longer finds "${a.work.title}" in "${b.work.title}"${a.work.withdrawn ? ' (it is withdrawn, so it left the match index)' : ''}.`));
        return;
      }
      const box = h('div', {class: 'drawing-box'});
      drawing.append(box, h('p', {class: 'hint'}, `Above: "${b.work.title}" by ${b.name}; below: "${a.work.title}" by ${a.name}. The fingerprint was read from log entry ${b.work.register_log_index} (${ov.proved.ok ? 'proved in this browser' : 'NOT proved'}).`));
      responsive(box, (width) => alignmentDrawing(width, {
        queryLabel: `${b.work.title} (${b.name})`, querySeconds: b.work.duration,
        refLabel: `${a.work.title} (${a.name})`, refSeconds: a.work.duration, segments: ov.segments, colourIndex: 1,
        summary: `The parts of "${b.work.title}" that match "${a.work.title}"`,
      }));
    }, (err) => {
      drawing.lastChild.remove();
      drawing.append(message('error', `Could not compute the overlap: ${errorWords(err)}`));
    });
  } else {
    drawing.lastChild.remove();
    drawing.append(message('error', 'One of the works could not be read, so the overlap cannot be drawn.'));
  }

  if (d.state === 'open') {
    const act = h('section', {'aria-labelledby': 'res-h'}, h('h2', {id: 'res-h'}, 'Resolve'));
    if (ownsArtist(d.artist_a) || ownsArtist(d.artist_b)) {
      act.append(resolveForm(d.id));
    } else {
      act.append(keyNeeded(`${a.name} or ${b.name}`, 'resolve this dispute'));
    }
    main.append(act);
  }
}
