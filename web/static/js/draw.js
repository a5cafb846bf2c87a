// SVG drawings, built with the DOM (no markup strings), sized to their
// container in pixels so that text stays legible on a phone; they redraw when
// the container changes width. Each has a <title> and a <desc> in words, and
// the views put the same facts in a table beside it.
import {h, s, uid} from './dom.js';
import {formatSeconds, formatTime, PURPOSES} from './format.js';

const PALETTE = ['#1f6fb2', '#c2410c', '#15803d', '#7e22ce', '#b45309', '#0e7490', '#be123c', '#4d7c0f'];
export function colour(i) { return PALETTE[i % PALETTE.length]; }

// Renders `draw(width)` into `container` now and again whenever its width changes.
export function responsive(container, draw) {
  let last = 0;
  const render = () => {
    const width = Math.max(260, Math.floor(container.clientWidth || 600));
    if (width === last) return;
    last = width;
    container.replaceChildren(draw(width));
  };
  render();
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(render).observe(container);
  return container;
}

function niceStep(span, maxTicks) {
  const raw = span / Math.max(1, maxTicks);
  const steps = [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((x) => x >= raw) || 3600;
}

// A timeline bar with its ticks: {y, x0, x1, seconds, label}; the label
// goes above the bar, or below its ticks with labelBelow.
function timeline(g, {y, x0, x1, seconds, label, labelBelow}) {
  const barH = 22;
  g.append(s('text', {x: x0, y: labelBelow ? y + barH + 32 : y - 6, class: 'lane-label'}, label));
  g.append(s('rect', {x: x0, y, width: x1 - x0, height: barH, rx: 3, class: 'lane'}));
  const step = niceStep(seconds, Math.floor((x1 - x0) / 64));
  for (let t = 0; t <= seconds + 1e-9; t += step) {
    const x = x0 + ((x1 - x0) * t) / seconds;
    // The first and last labels stay inside the drawing.
    const anchor = t === 0 ? 'start' : (t + step > seconds + 1e-9 && x1 - x < 20 ? 'end' : 'middle');
    g.append(s('line', {x1: x, x2: x, y1: y + barH, y2: y + barH + 4, class: 'tick'}));
    g.append(s('text', {x, y: y + barH + 15, class: 'tick-label', 'text-anchor': anchor}, formatSeconds(t).replace(/\.0$/, '')));
  }
  return barH;
}

// The query's timeline above, one reference's below, each matched segment
// drawn on both and linked: where in the query the work is, and where that
// is in the work. Segments: [{query_start, query_end, ref_start, ref_end}].
export function alignmentDrawing(width, {queryLabel, querySeconds, refLabel, refSeconds, segments, colourIndex, summary}) {
  const pad = 10;
  const x0 = pad;
  const x1 = width - pad;
  const qSec = Math.max(querySeconds || 0, ...segments.map((x) => x.query_end), 1);
  const rSec = Math.max(refSeconds || 0, ...segments.map((x) => x.ref_end), 1);
  const qx = (t) => x0 + ((x1 - x0) * t) / qSec;
  const rx = (t) => x0 + ((x1 - x0) * t) / rSec;
  const qy = 22;
  const ry = 122;
  const height = ry + 62;
  const titleId = uid('t');
  const descId = uid('d');
  const desc = segments.map((x) => `query ${formatSeconds(x.query_start)} to ${formatSeconds(x.query_end)} is the work's ${formatSeconds(x.ref_start)} to ${formatSeconds(x.ref_end)}`).join('; ');
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'drawing alignment',
    'aria-labelledby': `${titleId} ${descId}`,
  },
  s('title', {id: titleId}, summary || `Where ${refLabel} lies in the query`),
  s('desc', {id: descId}, desc || 'no matched segments'));
  const g = s('g', {});
  svg.append(g);
  const barH = timeline(g, {y: qy, x0, x1, seconds: qSec, label: `${queryLabel} (${formatSeconds(qSec)})`});
  timeline(g, {y: ry, x0, x1, seconds: rSec, label: `${refLabel} (${formatSeconds(rSec)})`, labelBelow: true});
  const fill = colour(colourIndex || 0);
  segments.forEach((seg, i) => {
    const a = qx(seg.query_start);
    const b = qx(seg.query_end);
    const c = rx(seg.ref_end);
    const d = rx(seg.ref_start);
    const words = `segment ${i + 1}: query ${formatSeconds(seg.query_start)}\u2013${formatSeconds(seg.query_end)} \u2194 work ${formatSeconds(seg.ref_start)}\u2013${formatSeconds(seg.ref_end)}`;
    g.append(s('polygon', {
      points: `${a},${qy + barH} ${b},${qy + barH} ${c},${ry} ${d},${ry}`, fill, 'fill-opacity': 0.22, stroke: fill, 'stroke-opacity': 0.6, class: 'link',
    }, s('title', {}, words)));
    g.append(s('rect', {x: a, y: qy, width: Math.max(2, b - a), height: barH, fill, class: 'segment'}, s('title', {}, words)));
    g.append(s('rect', {x: d, y: ry, width: Math.max(2, c - d), height: barH, fill, class: 'segment'}, s('title', {}, words)));
  });
  return svg;
}

const USE_CLASS = {allowed: 'use-allowed', notAllowed: 'use-notAllowed', constrained: 'use-constrained', unset: 'use-unset'};

// The terms of each purpose over time: `spans` = [{from (ms), effective}]
// in order, each in force until the next (the last until now); `marks` = [{at (ms), label}] (the statements).
export function termsTimelineDrawing(width, {spans, marks, title}) {
  const left = Math.min(120, Math.floor(width * 0.32));
  const x0 = left;
  const x1 = width - 12;
  const rowH = 24;
  const top = 40;
  // Time runs from the first statement to now, each period between two
  // statements at least minWidth wide and the rest of the width shared in
  // proportion to time: a change made seconds after another, or seconds ago,
  // stays visible next to years.
  const now = Date.now();
  const t0 = spans.length ? spans[0].from : now;
  const ends = spans.map((sp, i) => (i + 1 < spans.length ? spans[i + 1].from : Math.max(now, sp.from)));
  const minWidth = Math.min(14, (x1 - x0) / Math.max(1, spans.length));
  const free = (x1 - x0) - minWidth * spans.length;
  const total = Math.max(1, (ends.length ? ends[ends.length - 1] : now) - t0);
  const starts = [];
  let at = x0;
  spans.forEach((sp, i) => {
    starts.push(at);
    at += minWidth + (free * (ends[i] - sp.from)) / total;
  });
  // The x of instant t: inside the period that holds it, proportionally.
  const x = (t) => {
    let i = spans.length - 1;
    while (i > 0 && t < spans[i].from) i -= 1;
    if (i < 0) return x0;
    const a = starts[i];
    const b = i + 1 < starts.length ? starts[i + 1] : x1;
    const d = ends[i] - spans[i].from;
    return d > 0 ? a + ((b - a) * Math.min(Math.max(t - spans[i].from, 0), d)) / d : a;
  };
  const height = top + PURPOSES.length * rowH + 40;
  const titleId = uid('t');
  const descId = uid('d');
  const desc = spans.map((sp) => `from ${formatTime(new Date(sp.from).toISOString())}: ${PURPOSES.map(([k]) => `${k} ${(sp.effective[k] || {}).use || 'unset'}`).join(', ')}`).join('. ');
  const svg = s('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'drawing timeline', 'aria-labelledby': `${titleId} ${descId}`},
    s('title', {id: titleId}, title || 'Terms over time'),
    s('desc', {id: descId}, desc));
  PURPOSES.forEach(([key, label, short], row) => {
    const y = top + row * rowH;
    svg.append(s('text', {x: 4, y: y + 16, class: 'lane-label'}, short));
    spans.forEach((sp, i) => {
      const use = (sp.effective[key] || {}).use || 'unset';
      const a = starts[i];
      const b = i + 1 < spans.length ? starts[i + 1] : x1;
      svg.append(s('rect', {x: a, y: y + 2, width: Math.max(1, b - a), height: rowH - 6, class: `span ${USE_CLASS[use] || 'use-unset'}`},
        s('title', {}, `${label}: ${use} from ${formatTime(new Date(sp.from).toISOString())}`)));
    });
  });
  const axisY = top + PURPOSES.length * rowH + 4;
  svg.append(s('line', {x1: x0, x2: x1, y1: axisY, y2: axisY, class: 'tick'}));
  // Statements close in time share a place on the axis: their numbers move
  // right just enough to stay legible, each with a thin leader to its line.
  let lastLabelX = -Infinity;
  marks.forEach((m, i) => {
    const mx = x(m.at);
    const lx = Math.max(mx, lastLabelX + 16);
    lastLabelX = lx;
    svg.append(s('line', {x1: mx, x2: mx, y1: top - 4, y2: axisY + 4, class: 'mark'}, s('title', {}, m.label)));
    if (lx !== mx) svg.append(s('line', {x1: mx, x2: lx, y1: top - 4, y2: top - 16, class: 'tick'}));
    svg.append(s('text', {x: lx, y: top - 20, class: 'mark-label', 'text-anchor': 'middle'}, String(i + 1), s('title', {}, m.label)));
  });
  svg.append(s('text', {x: x0, y: axisY + 18, class: 'tick-label'}, formatTime(new Date(t0).toISOString())));
  svg.append(s('text', {x: x1, y: axisY + 18, class: 'tick-label', 'text-anchor': 'end'}, 'now'));
  return svg;
}

// A small legend of the colours used for terms.
export function useLegend() {
  return h('ul', {class: 'legend'},
    [['allowed', 'allowed'], ['notAllowed', 'not allowed'], ['constrained', 'only with a licence'], ['unset', 'not set']]
      .map(([k, w]) => h('li', {}, h('span', {class: `swatch ${USE_CLASS[k]}`, 'aria-hidden': 'true'}), w)));
}
