// The live dashboard: renders each state that /dashboard/events sends (see Dashboard in
// libs/observability/src/dashboard.ts for its shape). Rates are computed here, from the offsets of
// two successive states. No framework: the DOM, EventSource and Chart.js (served from node_modules).
'use strict';

/** Seconds of history in the rate chart. */
const HISTORY_S = 120;
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const number = (n) => (n === null || n === undefined ? '–' : typeof n === 'number' ? fmt.format(n) : String(n));
const COLORS = ['#2463eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];

/** What the page keeps between states; `window.nurtDashboard` lets a test read what is drawn. */
const page = {
  state: null,
  previous: null,
  /** topic → records written per second, over the last HISTORY_S seconds. */
  rates: new Map(),
  times: [],
  charts: {},
  /** group → its last membership (for the rebalance log) and the log itself. */
  membership: new Map(),
  events: new Map(),
};
window.nurtDashboard = page;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const child of children.flat())
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function table(columns, rows, numeric = []) {
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c) => el('th', { text: c })),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((cell, i) => el('td', { class: numeric.includes(i) ? 'num' : undefined }, cell ?? '–')),
        ),
      ),
    ),
  );
}

function tile(label, value, attrs = {}, unit) {
  return el(
    'div',
    { class: 'tile', ...attrs },
    el('div', { class: 'label', text: label }),
    el('div', { class: 'value' }, number(value), unit ? el('small', { text: ` ${unit}` }) : ''),
  );
}

const sum = (list, f) => list.reduce((n, x) => n + f(x), 0);
const panelsOf = (state, kind) => state.panels.filter((p) => p.view.kind === kind);

/** Records per second between two states, or null for the first one. */
function perSecond(now, before, at, atBefore) {
  if (before === undefined || atBefore === undefined) return null;
  const seconds = (Date.parse(at) - Date.parse(atBefore)) / 1000;
  return seconds > 0 ? Math.max(0, (now - before) / seconds) : null;
}

function topicsOf(state) {
  return panelsOf(state, 'topics').flatMap((p) => p.view.topics);
}

function renderTiles(state) {
  const previous = page.previous;
  const before = new Map(previous ? topicsOf(previous).map((t) => [t.topic, sum(t.partitions, (p) => p.end)]) : []);
  const tiles = [];
  for (const t of topicsOf(state).filter((x) => !x.deadLetter)) {
    const end = sum(t.partitions, (p) => p.end);
    const rate = perSecond(end, before.get(t.topic), state.at, previous?.at);
    tiles.push(
      tile(`${t.topic} /s`, rate === null ? null : Math.round(rate), {
        'data-topic': t.topic,
        'data-rate': rate ?? '',
      }),
    );
    tiles.push(tile(`${t.topic} written`, end, { 'data-topic-total': t.topic, 'data-value': end }));
  }
  const deadLetters = sum(
    topicsOf(state).filter((x) => x.deadLetter),
    (t) => sum(t.partitions, (p) => p.end),
  );
  tiles.push(
    tile('dead letters', deadLetters, {
      'data-dead-letters': deadLetters,
      class: deadLetters > 0 ? 'tile alert' : 'tile',
    }),
  );
  for (const g of panelsOf(state, 'group')) {
    tiles.push(tile(`${g.view.group} lag`, g.view.lag, { 'data-group-lag': g.view.group, 'data-value': g.view.lag }));
  }
  document.getElementById('tiles').replaceChildren(...tiles);
}

function renderRates(state) {
  const previous = page.previous;
  if (!previous) return;
  const before = new Map(topicsOf(previous).map((t) => [t.topic, sum(t.partitions, (p) => p.end)]));
  page.times.push(new Date(state.at).toLocaleTimeString());
  for (const t of topicsOf(state)) {
    const rate = perSecond(
      sum(t.partitions, (p) => p.end),
      before.get(t.topic),
      state.at,
      previous.at,
    );
    if (!page.rates.has(t.topic)) page.rates.set(t.topic, new Array(page.times.length - 1).fill(null));
    page.rates.get(t.topic).push(rate === null ? null : Math.round(rate));
  }
  if (page.times.length > HISTORY_S) {
    page.times.shift();
    for (const series of page.rates.values()) series.shift();
  }
  const datasets = [...page.rates].map(([topic, data], i) => ({
    label: topic,
    data,
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: COLORS[i % COLORS.length],
    pointRadius: 0,
    borderWidth: 2,
    spanGaps: true,
  }));
  const chart = page.charts.rates;
  if (chart) {
    chart.data.labels = page.times;
    chart.data.datasets = datasets;
    chart.update('none');
  } else {
    page.charts.rates = new Chart(document.getElementById('rates'), {
      type: 'line',
      data: { labels: page.times, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: 'records/s' } } },
      },
    });
  }
}

function renderTopics(state) {
  const rows = topicsOf(state).map((t) => [
    t.deadLetter ? `${t.topic} (dead letters)` : t.topic,
    t.partitions.length,
    t.partitions.map((p) => `p${p.partition}: ${number(p.end)}`).join('  ·  '),
    number(sum(t.partitions, (p) => p.end)),
  ]);
  const node = table(['topic', 'partitions', 'end offsets', 'written'], rows, [1, 3]);
  node.id = 'topics';
  document.getElementById('topics').replaceWith(node);
}

/** A member as people tell them apart: its clientId and the start of the id the broker gave it. */
const memberName = (memberId) => memberId.replace(/^(.*-[0-9a-f]{8})-[0-9a-f-]{27}$/, '$1');

/** Appends to the group's log whatever changed since the last state: its state, its members, who holds what. */
function noteChanges(view, at) {
  const time = new Date(at).toLocaleTimeString();
  const assignment = view.members
    .map(
      (m) =>
        `${memberName(m.memberId)}: ${
          Object.entries(m.assignment)
            .map(([t, ps]) => `${t} ${ps.join(',')}`)
            .join(' ') || 'nothing'
        }`,
    )
    .sort()
    .join(' | ');
  const last = page.membership.get(view.group);
  const log = page.events.get(view.group) ?? [];
  if (!last) log.push(`${time} ${view.brokerState}, ${view.members.length} member(s): ${assignment || 'none'}`);
  else {
    if (last.state !== view.brokerState) log.push(`${time} ${last.state} → ${view.brokerState}`);
    if (last.assignment !== assignment) log.push(`${time} assignment: ${assignment || 'no members'}`);
  }
  page.membership.set(view.group, { state: view.brokerState, assignment });
  page.events.set(view.group, log.slice(-30));
}

function renderGroups(state) {
  const previous = new Map(page.previous ? panelsOf(page.previous, 'group').map((p) => [p.view.group, p.view]) : []);
  const cards = panelsOf(state, 'group').map(({ title, view }) => {
    noteChanges(view, state.at);
    const before = previous.get(view.group);
    const committed = (v) => sum(v.partitions, (p) => p.committed ?? 0);
    const applied = before ? perSecond(committed(view), committed(before), state.at, page.previous.at) : null;
    const maxLag = Math.max(1, ...view.partitions.map((p) => p.lag));
    const rows = view.partitions.map((p) => [
      `${p.topic}/${p.partition}`,
      p.member === null ? '–' : memberName(p.member),
      number(p.committed),
      number(p.end),
      number(p.lag),
      el('div', { class: 'lagbar', style: `width:${Math.round((p.lag / maxLag) * 100)}%` }),
    ]);
    return el(
      'section',
      { class: 'card', 'data-group': view.group, 'data-lag': view.lag, 'data-members': view.members.length },
      el('h2', {}, `${title} `, el('span', { class: 'state', 'data-state': view.brokerState, text: view.brokerState })),
      el(
        'p',
        { class: 'empty' },
        `here: ${view.localState} · ${view.members.length} member(s) · lag ${number(view.lag)} · applied ${applied === null ? '–' : number(Math.round(applied))}/s`,
      ),
      table(['partition', 'member', 'committed', 'end', 'lag', ''], rows, [2, 3, 4]),
      el(
        'ul',
        { class: 'events' },
        (page.events.get(view.group) ?? [])
          .slice()
          .reverse()
          .map((e) => el('li', { text: e })),
      ),
    );
  });
  document.getElementById('groups').replaceChildren(...cards);
}

function barsChart(panel, canvas) {
  const { labels, series } = panel.view;
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.values,
    backgroundColor: COLORS[i % COLORS.length],
    yAxisID: i === 0 ? 'y' : `y${i}`,
  }));
  const scales = Object.fromEntries(
    series.map((s, i) => [
      i === 0 ? 'y' : `y${i}`,
      {
        beginAtZero: true,
        position: i === 0 ? 'left' : 'right',
        title: { display: true, text: s.label },
        grid: { display: i === 0 },
      },
    ]),
  );
  let chart = page.charts[panel.id];
  if (chart && chart.canvas !== canvas) {
    chart.destroy();
    chart = undefined;
  }
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets.forEach((d, i) => (d.data = datasets[i]?.data ?? []));
    chart.update('none');
  } else {
    page.charts[panel.id] = new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets },
      options: { animation: false, maintainAspectRatio: false, scales },
    });
  }
}

/** The panels the services contribute, in their generic kinds. Canvases are kept across states so charts update in place. */
function renderPanels(state) {
  const container = document.getElementById('panels');
  const wanted = state.panels.filter((p) => ['stats', 'table', 'bars'].includes(p.view.kind));
  const ids = new Set(wanted.map((p) => p.id));
  for (const node of [...container.children]) if (!ids.has(node.dataset.panel)) node.remove();
  for (const panel of wanted) {
    let card = container.querySelector(`[data-panel="${CSS.escape(panel.id)}"]`);
    if (!card) {
      card = el(
        'section',
        { class: `card ${panel.view.kind}`, 'data-panel': panel.id },
        el('h2', { text: panel.title }),
        el('div', { class: 'body' }),
      );
      container.append(card);
    }
    const body = card.querySelector('.body');
    const view = panel.view;
    if (view.kind === 'stats') {
      body.replaceChildren(
        el(
          'div',
          { class: 'tiles' },
          view.items.map((s) => tile(s.label, s.value, { 'data-stat': s.label }, s.unit)),
        ),
      );
    } else if (view.kind === 'table') {
      body.replaceChildren(
        view.rows.length === 0 ? el('p', { class: 'empty', text: view.empty }) : table(view.columns, view.rows),
      );
    } else if (view.kind === 'bars') {
      let canvas = body.querySelector('canvas');
      if (view.labels.length === 0) {
        page.charts[panel.id]?.destroy();
        delete page.charts[panel.id];
        body.replaceChildren(el('p', { class: 'empty', text: view.empty }));
        continue;
      }
      if (!canvas) {
        canvas = el('canvas', { 'aria-label': panel.title });
        body.replaceChildren(el('div', { class: 'chart' }, canvas));
      }
      barsChart(panel, canvas);
    }
  }
  // Keep the services' order.
  for (const panel of wanted) container.append(container.querySelector(`[data-panel="${CSS.escape(panel.id)}"]`));
}

function render(state) {
  document.getElementById('app').textContent = `app: ${state.app}`;
  document.getElementById('updated').textContent = `updated ${new Date(state.at).toLocaleTimeString()}`;
  const problems = document.getElementById('problems');
  problems.hidden = state.problems.length === 0;
  problems.replaceChildren(...state.problems.map((p) => el('div', { text: p })));
  renderTiles(state);
  renderRates(state);
  renderTopics(state);
  renderGroups(state);
  renderPanels(state);
  page.previous = state;
  page.state = state;
}

function connect() {
  const connection = document.getElementById('connection');
  const events = new EventSource('/dashboard/events');
  events.addEventListener('open', () => {
    connection.dataset.state = 'live';
    connection.textContent = 'live';
  });
  events.addEventListener('state', (event) => render(JSON.parse(event.data)));
  events.addEventListener('error', () => {
    // EventSource reconnects by itself (the stream asks for a retry every 2 s).
    connection.dataset.state = 'lost';
    connection.textContent = 'reconnecting…';
  });
}

connect();
