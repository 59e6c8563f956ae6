extension ConsoleAssets {
    /// `GET /console/app.js`: the console, one dependency-free ES module (views by URL fragment; data only ever
    /// inserted as text; the admin key from sessionStorage in the `x-api-key` header of every request).
    static let script = ##"""
// rec web console: one dependency-free ES module. Views by URL fragment (#/users, #/items/<id>, ...).
// Every request carries the admin key from sessionStorage in the x-api-key header; nothing secret is ever put
// in a URL, and data is only ever inserted as text (textContent), never as markup.
const KEY = 'rec.console.key';
const SIGNALS = ['longTerm', 'session', 'context', 'covisit', 'popularity', 'freshness', 'query', 'negative'];
const SIGNAL_NAMES = { longTerm: 'long-term', session: 'session', context: 'context', covisit: 'behaviour', popularity: 'popularity',
  freshness: 'freshness', query: 'query', negative: 'dislikes' };
const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'rating', 'dismiss'];
const SVG = 'http://www.w3.org/2000/svg';

const state = { session: null, cleanup: [], renderId: 0 };

// ------------------------------------------------------------------ DOM helpers
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  setAttrs(node, attrs);
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}
function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.setAttribute('class', v);
    else if (k.startsWith('on') || k === 'style') throw new Error('no inline handlers or styles');
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}
const $ = (sel, root = document) => root.querySelector(sel);
const enc = encodeURIComponent;
function status(text) { $('#status').textContent = text || ''; }
function fmt(n, digits = 3) { return n === null || n === undefined ? '—' : Number(n).toFixed(digits); }
function fmtInt(n) { return n === null || n === undefined ? '—' : Math.round(Number(n)).toLocaleString('en'); }
function ago(iso) {
  if (!iso) return '—';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
function time(iso) { return el('time', { datetime: iso, title: iso }, ago(iso)); }
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ API
class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { accept: raw ? '*/*' : 'application/json' };
  const key = sessionStorage.getItem(KEY);
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  if (r.status === 401) { showLogin(key ? 'The key was refused: log in again.' : ''); throw new ApiError(401, 'unauthorized'); }
  if (!r.ok) {
    let message = r.statusText;
    try { message = (await r.json()).error.message; } catch (_) { /* not JSON */ }
    throw new ApiError(r.status, message);
  }
  return raw ? r : r.json();
}

// Images: fetched with the key (an <img src> cannot send a header), shown from blob URLs, six at a time.
const images = new Map();
const imageQueue = [];
let imagesInFlight = 0;
function loadImage(id) {
  if (images.has(id)) return images.get(id);
  const p = new Promise((resolve) => imageQueue.push({ id, resolve }));
  images.set(id, p);
  pumpImages();
  if (images.size > 600) {
    const [oldest, op] = images.entries().next().value;
    images.delete(oldest);
    op.then((u) => u && URL.revokeObjectURL(u));
  }
  return p;
}
function pumpImages() {
  while (imagesInFlight < 6 && imageQueue.length) {
    const { id, resolve } = imageQueue.shift();
    imagesInFlight++;
    api(`/console/api/items/${enc(id)}/image`, { raw: true })
      .then((r) => r.blob()).then((b) => resolve(URL.createObjectURL(b)))
      .catch(() => { images.delete(id); resolve(null); })
      .finally(() => { imagesInFlight--; pumpImages(); });
  }
}
function thumb(id, title, cls = '') {
  const img = el('img', { class: `thumb ${cls}`, alt: title || id, 'data-item-image': id });
  loadImage(id).then((url) => {
    if (url) { img.src = url; return; }
    img.replaceWith(el('div', { class: `thumb noimage ${cls}`, role: 'img', 'aria-label': `${title || id}: no image` }, 'no image'));
  });
  return img;
}

// ------------------------------------------------------------------ login
function showLogin(message) {
  sessionStorage.removeItem(KEY);
  state.session = null;
  $('#logout').hidden = true;
  $('#view').replaceChildren();
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  $('#api-key').focus();
}
async function startSession() {
  try {
    state.session = await api('/console/api/session');
  } catch (e) {
    if (e.status === 401) return false;
    if (e.status === 403) { showLogin('This key lacks the admin scope.'); return false; }
    showLogin(`The server did not answer: ${e.message}`);
    return false;
  }
  $('#login').hidden = true;
  $('#logout').hidden = state.session.auth === 'off';
  return true;
}
$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = $('#api-key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY, key);
  $('#api-key').value = '';
  $('#login-error').textContent = '';
  if (await startSession()) route();
});
$('#logout').addEventListener('click', () => showLogin('Logged out.'));

// ------------------------------------------------------------------ routing
function route() {
  for (const f of state.cleanup) f();
  state.cleanup = [];
  if (!state.session) return;
  const renderId = ++state.renderId;
  const parts = (location.hash.replace(/^#\/?/, '') || 'users').split('/').map((p) => decodeURIComponent(p));
  const [view, arg] = [parts[0], parts.slice(1).join('/')];
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const root = $('#view');
  root.replaceChildren();
  status('');
  const views = { users: arg ? userView : usersView, items: arg ? itemView : itemsView, search: searchView, pipeline: pipelineView, eval: evalView };
  const render = views[view] || usersView;
  render(root, arg, () => renderId === state.renderId).catch((e) => {
    if (renderId !== state.renderId) return;
    root.append(el('p', { class: 'error', role: 'alert' }, `Could not load: ${e.message}`));
  });
}
window.addEventListener('hashchange', route);
function heading(root, text) {
  const h = el('h1', { tabindex: '-1' }, text);
  root.append(h);
  h.focus({ preventScroll: true });
  return h;
}

// ------------------------------------------------------------------ explanation bars
function contributions(item) {
  const e = item.explanation || {};
  return SIGNALS.map((s) => [s, Number(e[s] || 0)]).filter(([, v]) => Math.abs(v) > 1e-9);
}
// One stacked bar per item: positive terms to the right of zero, the dislike term to the left; the mark is the
// score. All bars of a list share one scale so they compare.
function scaleFor(items) {
  let pos = 0, neg = 0;
  for (const it of items) {
    let p = 0, n = 0;
    for (const [, v] of contributions(it)) { if (v > 0) p += v; else n -= v; }
    pos = Math.max(pos, p); neg = Math.max(neg, n);
  }
  return { pos: pos || 1, neg };
}
function explanationBar(item, scale) {
  const W = 240, H = 18;
  const total = scale.pos + scale.neg;
  const x0 = (scale.neg / total) * W;
  const k = W / total;
  const bar = svg('svg', { class: 'bar', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `score ${fmt(item.score)} = ` + contributions(item).map(([s, v]) => `${SIGNAL_NAMES[s]} ${v >= 0 ? '+' : '−'}${fmt(Math.abs(v))}`).join(', '),
    'data-score': item.score });
  let right = x0, left = x0;
  for (const [s, v] of contributions(item)) {
    const w = Math.abs(v) * k;
    const x = v >= 0 ? right : left - w;
    if (v >= 0) right += w; else left -= w;
    bar.append(svg('rect', { class: `sig-${s}`, x: x.toFixed(2), y: 2, width: Math.max(w, 0.5).toFixed(2), height: H - 4,
      'data-signal': s, 'data-value': v }, svg('title', {}, `${SIGNAL_NAMES[s]} ${v >= 0 ? '+' : ''}${fmt(v, 4)}`)));
  }
  bar.append(svg('line', { class: 'axis', x1: x0, x2: x0, y1: 0, y2: H }));
  const mark = x0 + item.score * k;
  bar.append(svg('line', { class: 'mark', x1: mark, x2: mark, y1: 0, y2: H }));
  return bar;
}
function legend(item) {
  return el('ul', { class: 'legend' }, contributions(item).map(([s, v]) =>
    el('li', {}, el('span', { class: `swatch sig-${s}`, 'aria-hidden': 'true' }), `${SIGNAL_NAMES[s]} ${v >= 0 ? '+' : '−'}${fmt(Math.abs(v))}`)));
}

// A grid of ranked items (a RecommendationsResponse), each with its image, score and explanation.
function rankedGrid(response, { actions = null, testid = null, small = false, previous = null } = {}) {
  const items = response.items || [];
  const scale = scaleFor(items);
  const grid = el('ol', { class: `grid${small ? ' small' : ''}`, 'data-testid': testid, 'aria-label': testid || 'items' });
  const before = previous ? new Set(previous) : null;
  for (const it of items) {
    const tile = el('li', { class: `tile${before && !before.has(it.id) ? ' entered' : ''}`, 'data-item-id': it.id, 'data-score': it.score },
      el('a', { href: `#/items/${enc(it.id)}` }, thumb(it.id, it.title)),
      el('div', { class: 'title' }, el('a', { href: `#/items/${enc(it.id)}` }, it.title)),
      el('div', { class: 'meta' }, `#${it.rank} · score `, el('strong', { 'data-role': 'score' }, fmt(it.score)), ` · ${(it.categories || []).join(', ')}`),
      explanationBar(it, scale), legend(it));
    if (actions) tile.append(actions(it));
    grid.append(tile);
  }
  if (!items.length) grid.append(el('li', { class: 'muted' }, 'Nothing to show.'));
  return grid;
}

// ------------------------------------------------------------------ users
async function usersView(root, _arg, current) {
  heading(root, 'Users');
  const input = el('input', { id: 'user-q', type: 'search', name: 'q', autocomplete: 'off', placeholder: 'demo-' });
  const form = el('form', { class: 'row', role: 'search', 'aria-label': 'Find a user' },
    el('div', { class: 'field' }, el('label', { for: 'user-q' }, 'User id starts with'), input), el('button', { type: 'submit' }, 'Find'));
  const open = el('form', { class: 'row', 'aria-label': 'Open a user' },
    el('div', { class: 'field' }, el('label', { for: 'user-open' }, 'Or open any user id'), el('input', { id: 'user-open', type: 'text', autocomplete: 'off' })),
    el('button', { type: 'submit', class: 'quiet' }, 'Open'));
  const list = el('ul', { class: 'list', 'data-testid': 'users' });
  root.append(el('div', { class: 'row' }, form, open), el('h2', {}, 'Most recently active'), list);
  async function load() {
    const data = await api(`/console/api/users?limit=50&q=${enc(input.value.trim())}`);
    if (!current()) return;
    list.replaceChildren(...data.users.map((u) => el('li', {},
      el('a', { href: `#/users/${enc(u.userId)}` }, u.userId), el('span', { class: 'muted' }, `${fmtInt(u.eventCount)} events · last `, time(u.lastEventAt)))));
    if (!data.users.length) list.append(el('li', { class: 'muted' }, 'No user matches.'));
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  open.addEventListener('submit', (ev) => { ev.preventDefault(); const v = $('#user-open').value.trim(); if (v) location.hash = `#/users/${enc(v)}`; });
  await load();
}

async function userView(root, userId, current) {
  heading(root, `User ${userId}`);
  const profileBox = el('section', { 'aria-labelledby': 'profile-h' }, el('h2', { id: 'profile-h' }, 'Profile'));
  const eventsBox = el('section', { 'aria-labelledby': 'events-h' }, el('h2', { id: 'events-h' }, 'Recent interactions'));
  const recsBox = el('section', { 'aria-labelledby': 'recs-h' }, el('h2', { id: 'recs-h' }, 'Recommendations'));
  const live = el('p', { class: 'muted', role: 'status', 'aria-live': 'polite', 'data-testid': 'live' });
  const limit = el('select', { id: 'rec-limit' }, [10, 20, 40].map((n) => el('option', { value: n, selected: n === 20 }, n)));
  const diversity = el('select', { id: 'rec-div' }, [0, 0.2, 0.5].map((n) => el('option', { value: n }, n)));
  const refresh = el('button', { type: 'button', class: 'quiet' }, 'Refresh');
  let gridHolder = el('div');
  recsBox.append(el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'rec-limit' }, 'Items'), limit),
    el('div', { class: 'field' }, el('label', { for: 'rec-div' }, 'Diversity'), diversity), refresh), live, gridHolder);
  root.append(el('div', { class: 'split wide-left' }, el('div', {}, recsBox), el('div', {}, profileBox, eventsBox)));

  let profile = null;
  let shown = [];
  let version = 0;
  async function loadProfile() {
    try {
      profile = await api(`/console/api/users/${enc(userId)}?events=20`);
    } catch (e) {
      if (e.status !== 404) throw e;
      profile = null;
    }
    if (!current()) return;
    renderProfile(profileBox, profile);
    renderEvents(eventsBox, profile);
  }
  async function loadRecs(previous = null) {
    const r = await api(`/v1/users/${enc(userId)}/recommendations?explain=true&limit=${limit.value}&diversity=${diversity.value}`);
    if (!current()) return r;
    version++;
    const grid = rankedGrid(r, { actions, testid: 'recommendations', previous });
    grid.dataset.version = String(version);
    grid.dataset.strategy = r.strategy;
    const head = el('p', { class: 'muted' }, `strategy ${r.strategy}${r.fallback ? ' (no profile yet: popularity and freshness)' : ''} · `
      + `score = ${formula()}`);
    gridHolder.replaceChildren(head, grid);
    shown = r.items.map((i) => i.id);
    return r;
  }
  function actions(it) {
    const box = el('div', { class: 'actions' });
    for (const [type, label] of [['view', 'View'], ['add_to_cart', 'Cart'], ['dismiss', 'Dismiss']]) {
      const b = el('button', { type: 'button', class: 'small', 'data-action': type, 'aria-label': `${label}: ${it.title}` }, label);
      b.addEventListener('click', () => sendEvent(type, it, b));
      box.append(b);
    }
    return box;
  }
  async function sendEvent(type, item, button) {
    const eventId = uuid();
    const sessionId = (profile && profile.sessionId) || `console-${userId}`;
    const before = shown.slice();
    for (const b of root.querySelectorAll('[data-action]')) b.disabled = true;
    live.textContent = `Sending ${type} of “${item.title}”…`;
    try {
      await api('/v1/events', { method: 'POST', body: { events: [{ eventId, occurredAt: new Date().toISOString(), userId, productId: item.id, type, sessionId }] } });
      live.textContent = `${type} of “${item.title}” accepted by the broker; waiting for the interaction consumer to apply it…`;
      const started = performance.now();
      let applied = false;
      while (performance.now() - started < 20000 && current()) {
        await sleep(400);
        const p = await api(`/console/api/users/${enc(userId)}?events=10`).catch(() => null);
        if (p && p.recentEvents.some((e) => e.eventId === eventId)) { applied = true; profile = p; break; }
      }
      if (!current()) return;
      if (!applied) { live.textContent = 'The event was not applied within 20 s: is the interaction consumer running?'; return; }
      const r = await loadRecs(before);
      renderProfile(profileBox, profile);
      renderEvents(eventsBox, profile);
      const now = r.items.map((i) => i.id);
      const left = before.filter((id) => !now.includes(id)).length;
      const entered = now.filter((id) => !before.includes(id)).length;
      const moved = JSON.stringify(before) !== JSON.stringify(now);
      live.textContent = `Applied in ${((performance.now() - started) / 1000).toFixed(1)} s. ` + (moved
        ? `The list changed: ${left} left, ${entered} entered (outlined).` : 'The list did not change.');
      live.dataset.changed = String(moved);
    } catch (e) {
      live.textContent = `Could not send the event: ${e.message}`;
    } finally {
      for (const b of root.querySelectorAll('[data-action]')) b.disabled = false;
      if (button.isConnected) button.focus();
    }
  }
  refresh.addEventListener('click', () => loadRecs());
  limit.addEventListener('change', () => loadRecs());
  diversity.addEventListener('change', () => loadRecs());
  await Promise.all([loadProfile(), loadRecs()]);
}
function formula() {
  const w = (state.session && state.session.weights) || {};
  return `${fmt(w.longTerm, 2)}·cos(long-term) + ${fmt(w.session, 2)}·fade·cos(session) − ${fmt(w.negative, 2)}·cos(dislikes) + `
    + `${fmt(w.covisit, 2)}·behaviour + ${fmt(w.popularity, 2)}·popularity + ${fmt(w.freshness, 2)}·freshness`;
}
function renderProfile(box, p) {
  const head = box.firstChild;
  box.replaceChildren(head);
  if (!p) { box.append(el('p', { class: 'muted' }, 'No profile and no interactions yet: recommendations fall back to popularity and freshness.')); return; }
  box.append(el('dl', { class: 'facts' },
    el('dt', {}, 'events'), el('dd', {}, fmtInt(p.eventCount), ' ', Object.entries(p.countsByType).map(([t, n]) => el('span', { class: 'pill' }, `${t} ${n}`))),
    el('dt', {}, 'session'), el('dd', {}, p.sessionId || '—', p.sessionAt ? [' · ', time(p.sessionAt)] : ''),
    el('dt', {}, 'last event'), el('dd', {}, time(p.lastEventAt))));
  const names = { longTerm: 'Long-term taste', session: 'Current session', negative: 'Dislikes' };
  for (const t of p.terms) {
    const section = el('div', { 'data-term': t.term },
      el('h3', {}, names[t.term], el('span', { class: 'muted' }, ` · weight now ${t.weightNow >= 0 ? '' : '−'}${fmt(Math.abs(t.weightNow))}`)));
    if (!t.present) section.append(el('p', { class: 'muted' }, 'empty'));
    else section.append(el('p', { class: 'hint' }, 'Closest catalog items to this vector:'),
      el('ul', { class: 'grid small' }, t.nearest.map((n) => el('li', { class: 'tile' },
        el('a', { href: `#/items/${enc(n.id)}` }, thumb(n.id, n.title)), el('div', { class: 'meta' }, n.title, ` · cos ${fmt(n.similarity, 2)}`)))));
    box.append(section);
  }
  box.append(el('h3', {}, 'Category affinity'));
  const cats = p.categoryAffinity;
  if (!cats.length) { box.append(el('p', { class: 'muted' }, 'none')); return; }
  const max = Math.max(...cats.map((c) => Math.abs(c.affinity)), 1e-9);
  const rowH = 18, W = 300;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${cats.length * rowH}`, role: 'img', 'aria-label': 'category affinity: '
    + cats.map((c) => `${c.category} ${fmt(c.affinity, 2)}`).join(', ') });
  cats.forEach((c, i) => {
    chart.append(svg('text', { x: 0, y: i * rowH + 12 }, c.category),
      svg('rect', { class: 'affinity', x: 110, y: i * rowH + 3, height: rowH - 6, width: Math.max(1, (Math.abs(c.affinity) / max) * (W - 160)) }),
      svg('text', { x: W - 45, y: i * rowH + 12 }, fmt(c.affinity, 2)));
  });
  box.append(chart);
}
function renderEvents(box, p) {
  const head = box.firstChild;
  box.replaceChildren(head);
  const events = (p && p.recentEvents) || [];
  if (!events.length) { box.append(el('p', { class: 'muted' }, 'none')); return; }
  box.append(el('ol', { class: 'list', 'data-testid': 'events' }, events.map((e) => el('li', { 'data-event-id': e.eventId },
    el('a', { href: `#/items/${enc(e.productId)}` }, thumb(e.productId, e.title || e.productId, 'mini')),
    el('div', {}, el('span', { class: `badge ev-${e.type}` }, e.type.replace(/_/g, ' ')), e.value !== null ? ` ${e.value}` : '', ' ',
      el('a', { href: `#/items/${enc(e.productId)}` }, e.title || e.productId), el('div', { class: 'meta muted' }, time(e.occurredAt)))))));
}

// ------------------------------------------------------------------ items
async function itemsView(root, _arg, current) {
  heading(root, 'Items');
  const input = el('input', { id: 'item-q', type: 'search', autocomplete: 'off' });
  const form = el('form', { class: 'row', role: 'search', 'aria-label': 'Find an item' },
    el('div', { class: 'field' }, el('label', { for: 'item-q' }, 'Id prefix or title words'), input), el('button', { type: 'submit' }, 'Find'));
  const list = el('ul', { class: 'grid small', 'data-testid': 'items' });
  const popular = el('div');
  root.append(form, list, el('h2', {}, 'Popular now'), popular);
  async function load() {
    const q = input.value.trim();
    if (!q) { list.replaceChildren(); return; }
    const data = await api(`/console/api/items?limit=40&q=${enc(q)}`);
    if (!current()) return;
    list.replaceChildren(...data.items.map((i) => el('li', { class: 'tile' },
      el('a', { href: `#/items/${enc(i.id)}` }, thumb(i.id, i.title)), el('div', { class: 'meta' }, el('a', { href: `#/items/${enc(i.id)}` }, i.title)))));
    if (!data.items.length) list.append(el('li', { class: 'muted' }, 'No item matches.'));
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  const pop = await api('/v1/popular?limit=12');
  if (!current()) return;
  popular.append(el('ul', { class: 'grid small' }, pop.items.map((i) => el('li', { class: 'tile' },
    el('a', { href: `#/items/${enc(i.id)}` }, thumb(i.id, i.title)), el('div', { class: 'meta' }, i.title, ` · ${fmtInt(i.events)} events`)))));
}

async function itemView(root, itemId, current) {
  const item = await api(`/v1/items/${enc(itemId)}`);
  if (!current()) return;
  heading(root, item.title || itemId);
  const attrs = Object.entries(item.attributes || {});
  root.append(el('div', { class: 'item-head' },
    thumb(itemId, item.title, 'large'),
    el('div', {}, el('p', {}, item.description),
      el('dl', { class: 'facts' },
        el('dt', {}, 'id'), el('dd', {}, item.id),
        el('dt', {}, 'categories'), el('dd', {}, (item.categories || []).map((c) => el('span', { class: 'pill' }, c))),
        el('dt', {}, 'price'), el('dd', {}, item.price === null ? '—' : item.price.toFixed(2)),
        el('dt', {}, 'available'), el('dd', {}, item.available ? 'yes' : 'no'),
        attrs.map(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]),
        el('dt', {}, 'vectors'), el('dd', {}, (item.embeddings || []).map((e) => `${e.kind} ${e.dims}-d`).join(', ') || 'none'),
        el('dt', {}, 'updated'), el('dd', {}, time(item.updatedAt))))));

  const windowSel = el('select', { id: 'activity-window' }, ['24h', '7d', '30d', '365d'].map((w) => el('option', { value: w, selected: w === '30d' }, w)));
  const chartBox = el('div', { 'data-testid': 'activity' });
  root.append(el('section', { 'aria-labelledby': 'pop-h' }, el('h2', { id: 'pop-h' }, 'Popularity over time'),
    el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'activity-window' }, 'Window'), windowSel)), chartBox));
  async function loadActivity() {
    const a = await api(`/console/api/items/${enc(itemId)}/activity?window=${windowSel.value}`);
    if (current()) chartBox.replaceChildren(activityChart(a));
  }
  windowSel.addEventListener('change', loadActivity);

  const content = el('div', {}, el('h3', {}, 'By content (what it looks and reads like)'));
  const behaviour = el('div', {}, el('h3', {}, 'By behaviour (what people went on to)'));
  root.append(el('section', { 'aria-labelledby': 'sim-h' }, el('h2', { id: 'sim-h' }, 'Similar items'), el('div', { class: 'split' }, content, behaviour)));
  async function similar(box, signals) {
    try {
      const r = await api(`/v1/items/${enc(itemId)}/similar?explain=true&limit=8&signals=${signals}`);
      if (current()) box.append(rankedGrid(r, { testid: `similar-${signals}`, small: true }));
    } catch (e) { if (current()) box.append(el('p', { class: 'error' }, e.message)); }
  }
  await Promise.all([loadActivity(), similar(content, 'content'), similar(behaviour, 'behaviour')]);
}
function activityChart(a) {
  const W = 600, H = 160, L = 30, B = 20;
  const counts = a.buckets.map((b) => EVENT_TYPES.reduce((s, t) => s + (b.counts[t] || 0), 0));
  const max = Math.max(1, ...counts);
  const bw = (W - L) / a.buckets.length;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `interactions per ${a.bucketSeconds / 3600} h over ${a.window}: ${EVENT_TYPES.filter((t) => a.totals[t]).map((t) => `${t} ${a.totals[t]}`).join(', ') || 'none'}` });
  chart.append(svg('line', { class: 'axis', x1: L, x2: W, y1: H - B, y2: H - B }), svg('text', { x: 0, y: 10 }, String(max)), svg('text', { x: 0, y: H - B }, '0'),
    svg('text', { x: L, y: H - 4 }, new Date(a.from).toLocaleDateString()), svg('text', { x: W - 70, y: H - 4 }, new Date(a.to).toLocaleDateString()));
  a.buckets.forEach((b, i) => {
    let y = H - B;
    for (const t of EVENT_TYPES) {
      const n = b.counts[t] || 0;
      if (!n) continue;
      const h = (n / max) * (H - B - 12);
      y -= h;
      chart.append(svg('rect', { class: `ev-${t}`, x: (L + i * bw + 1).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: h.toFixed(1) },
        svg('title', {}, `${new Date(b.start).toLocaleString()}: ${t} ${n}`)));
    }
  });
  const summary = el('p', { class: 'muted' }, `${fmtInt(counts.reduce((s, n) => s + n, 0))} interactions by ${fmtInt(a.users)} users · popularity now ${fmt(a.popularityNow)}`);
  const keys = el('ul', { class: 'legend' }, EVENT_TYPES.map((t) => el('li', {}, el('span', { class: `swatch ev-${t}`, 'aria-hidden': 'true' }), `${t} ${a.totals[t] || 0}`)));
  return el('div', {}, chart, keys, summary);
}

// ------------------------------------------------------------------ search
async function searchView(root, _arg, current) {
  heading(root, 'Search');
  if (state.session && !state.session.features.search) root.append(el('p', { class: 'error' }, 'Search is not configured on this server (no embedding endpoint).'));
  const text = el('input', { id: 's-text', type: 'search', autocomplete: 'off', placeholder: 'warm dimmable desk lamp' });
  const file = el('input', { id: 's-image', type: 'file', accept: 'image/png,image/jpeg' });
  const user = el('input', { id: 's-user', type: 'text', autocomplete: 'off', placeholder: 'optional' });
  const pers = el('input', { id: 's-pers', type: 'range', min: 0, max: 1, step: 0.1, value: 0.3 });
  const persOut = el('output', { for: 's-pers' }, '0.3');
  const preview = el('div');
  const results = el('div', { 'aria-live': 'polite' });
  const form = el('form', { class: 'row', role: 'search', 'aria-label': 'Search the catalog' },
    el('div', { class: 'field' }, el('label', { for: 's-text' }, 'Text'), text),
    el('div', { class: 'field' }, el('label', { for: 's-image' }, 'Image (PNG or JPEG, at most 5 MB)'), file),
    el('div', { class: 'field' }, el('label', { for: 's-user' }, 'Personalize for user'), user),
    el('div', { class: 'field' }, el('label', { for: 's-pers' }, 'Personalization'), el('div', { class: 'row' }, pers, persOut)),
    el('button', { type: 'submit' }, 'Search'));
  root.append(form, preview, results);
  pers.addEventListener('input', () => { persOut.textContent = pers.value; });
  let imageBase64 = null;
  file.addEventListener('change', async () => {
    imageBase64 = null;
    preview.replaceChildren();
    const f = file.files[0];
    if (!f) return;
    if (f.size > 5 * 1024 * 1024) { preview.append(el('p', { class: 'error', role: 'alert' }, 'The image is larger than 5 MB.')); return; }
    const bytes = new Uint8Array(await f.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    imageBase64 = btoa(bin);
    const url = URL.createObjectURL(f);
    state.cleanup.push(() => URL.revokeObjectURL(url));
    preview.append(el('img', { class: 'preview', src: url, alt: 'the query image' }));
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { limit: 24, explain: true };
    if (text.value.trim()) body.text = text.value.trim();
    if (imageBase64) body.imageBase64 = imageBase64;
    if (!body.text && !body.imageBase64) { results.replaceChildren(el('p', { class: 'error', role: 'alert' }, 'Give a text, an image, or both.')); return; }
    if (user.value.trim()) { body.userId = user.value.trim(); body.personalization = Number(pers.value); }
    results.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
    const started = performance.now();
    try {
      const r = await api('/v1/search', { method: 'POST', body });
      if (!current()) return;
      results.replaceChildren(el('p', { class: 'muted' }, `${r.items.length} results in ${Math.round(performance.now() - started)} ms`
        + (body.userId ? ` · personalized for ${body.userId} (${body.personalization})` : '')), rankedGrid(r, { testid: 'search-results' }));
    } catch (e) { results.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); }
  });
}

// ------------------------------------------------------------------ pipeline
async function pipelineView(root, _arg, current) {
  heading(root, 'Pipeline');
  const toggle = el('button', { type: 'button', class: 'quiet', 'aria-pressed': 'true' }, 'Live refresh: on');
  const stamp = el('span', { class: 'muted' });
  const body = el('div');
  root.append(el('div', { class: 'row' }, toggle, stamp), body);
  let live = true;
  toggle.addEventListener('click', () => { live = !live; toggle.setAttribute('aria-pressed', String(live)); toggle.textContent = `Live refresh: ${live ? 'on' : 'off'}`; });
  let timer = null;
  state.cleanup.push(() => clearTimeout(timer));
  async function tick() {
    if (!current()) return;
    if (live && !document.hidden) {
      try {
        const p = await api('/console/api/pipeline');
        if (!current()) return;
        body.replaceChildren(...renderPipeline(p));
        stamp.textContent = `updated ${new Date(p.generatedAt).toLocaleTimeString()} · rates over ${fmt(p.windowSeconds, 0)} s`;
      } catch (e) { stamp.textContent = `update failed: ${e.message}`; }
    }
    timer = setTimeout(tick, 2000);
  }
  await tick();
}
function renderPipeline(p) {
  const t = p.throughput;
  const windowRate = p.consumers.reduce((s, c) => s + (c.donePerSecond || 0), 0);
  const series = t.series || [];
  const W = 300, H = 60;
  const max = Math.max(1, ...series.map((s) => s.messagesPerSecond));
  const spark = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `messages per second over the last ${series.length} samples` });
  if (series.length > 1) {
    const t0 = Date.parse(series[0].at), t1 = Date.parse(series[series.length - 1].at) || t0 + 1;
    const pts = series.map((s) => `${(((Date.parse(s.at) - t0) / Math.max(1, t1 - t0)) * W).toFixed(1)},${(H - 2 - (s.messagesPerSecond / max) * (H - 4)).toFixed(1)}`);
    spark.append(svg('polyline', { class: 'sparkline', points: pts.join(' ') }));
  }
  const cards = el('div', { class: 'cards' },
    el('div', { class: 'card', 'data-testid': 'throughput', 'data-value': t.messagesPerSecond === null ? '' : t.messagesPerSecond, 'data-window-value': windowRate },
      el('h2', {}, 'Throughput'), el('div', { class: 'big' }, t.messagesPerSecond === null ? '—' : fmt(t.messagesPerSecond, 1)),
      el('div', { class: 'muted' }, `messages/s consumed now · ${fmt(windowRate, 2)}/s over the window · HTTP ${t.httpRequestsPerSecond === null ? '—' : fmt(t.httpRequestsPerSecond, 1)} req/s`), spark),
    el('div', { class: 'card' }, el('h2', {}, 'Vector index'),
      el('dl', { class: 'facts' }, el('dt', {}, 'items'), el('dd', {}, `${fmtInt(p.index.liveItems)} live of ${fmtInt(p.index.items)}`),
        p.index.vectors.map((v) => [el('dt', {}, `${v.space ? v.space + ' · ' : ''}${v.kind} ${v.dims}-d`), el('dd', {}, `${fmtInt(v.count)} vectors`)]),
        p.index.hnsw.map((h) => [el('dt', {}, h.name), el('dd', { 'data-testid': 'hnsw-size' }, `${(h.bytes / 1048576).toFixed(1)} MB`)]))),
    el('div', { class: 'card' }, el('h2', {}, 'Metrics sources'),
      el('ul', { class: 'list' }, p.sources.map((s) => el('li', {}, el('span', { class: s.up ? 'up' : 'down' }, s.up ? '● up' : '● down'), ` ${s.name} (${s.kind})`,
        s.error ? el('span', { class: 'muted' }, ` ${s.error}`) : '')))));
  const consumers = table(['source', 'pipeline', 'done', 'done/s', 'dead-lettered', 'retried', 'paused', 'lag'],
    p.consumers.map((c) => [c.source, c.pipeline, fmtInt(c.done), fmt(c.donePerSecond, 2), fmtInt(c.deadLettered), fmtInt(c.retried), fmtInt(c.pausedPartitions), fmtInt(c.totalLag)]),
    'consumers', 'No consumer metrics: set REC_CONSOLE_METRICS_URLS to the consumers\u2019 /metrics (REC_METRICS_PORT).');
  const lagRows = p.consumers.flatMap((c) => c.lag.map((l) => [c.pipeline, l.topic, l.partition, fmtInt(l.lag)]));
  const lag = table(['pipeline', 'topic', 'partition', 'lag'], lagRows, 'lag', 'No lag reported yet.');
  const embedding = table(['source', 'model', 'requests', 'req/s', 'mean ms', 'p95 ms', 'throttles', 'errors'],
    p.embedding.map((e) => [e.source, e.model, fmtInt(e.requests), fmt(e.requestsPerSecond, 2), fmt(e.meanLatencyMs, 1), fmt(e.p95LatencyMs, 0), fmtInt(e.throttles), fmtInt(e.errors)]),
    'embedding', 'No embedding requests yet.');
  const dl = p.deadLetters;
  const dlBox = el('div', { 'data-testid': 'dead-letters' });
  if (!dl.available) dlBox.append(el('p', { class: 'muted' }, 'Dead-letter topics are not readable from this server (no broker configured).'));
  else if (dl.error) dlBox.append(el('p', { class: 'error' }, dl.error));
  for (const topic of dl.topics || []) {
    dlBox.append(el('h3', {}, `${topic.topic}: ${topic.exists ? fmtInt(topic.total) : 'no such topic yet'}`));
    if (topic.byReason.length) dlBox.append(table(['reason', 'count'], topic.byReason.map((r) => [r.reason || '(no reason)', fmtInt(r.count)]), `dlq-${topic.topic}`));
  }
  if (dl.checkedAt) dlBox.append(el('p', { class: 'hint' }, 'read ', time(dl.checkedAt), ' (every 30 s at most) · published by the running consumers: ',
    dl.published.map((x) => `${x.pipeline} ${fmtInt(x.count)}`).join(', ') || 'none'));
  return [cards, el('h2', {}, 'Consumers'), consumers, lag, el('h2', {}, 'Embedding endpoint'), embedding, el('h2', {}, 'Dead letters by reason'), dlBox];
}
function table(headers, rows, testid, empty = 'none') {
  if (!rows.length) return el('p', { class: 'muted', 'data-testid': testid }, empty);
  return el('div', { class: 'table-wrap' }, el('table', { 'data-testid': testid },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { class: i > 1 && /^[-\d.,—]+$/.test(String(c)) ? 'num' : null }, c)))))));
}

// ------------------------------------------------------------------ evaluation
const METRICS = [['hitRate', 'HR'], ['ndcg', 'NDCG'], ['mrr', 'MRR'], ['coverage', 'coverage'], ['novelty', 'novelty']];
async function evalView(root, arg, current) {
  heading(root, 'Evaluation');
  const data = await api(`/console/api/eval${arg ? `?id=${enc(arg)}` : ''}`);
  if (!current()) return;
  if (!data.selected) {
    root.append(el('p', { class: 'muted', 'data-testid': 'eval-empty' }, 'No stored report yet: run ', el('code', {}, 'rec eval'),
      ' (it records its report in the database; docs/evaluation.md).'));
    return;
  }
  const pick = el('select', { id: 'eval-report' }, data.reports.map((r) => el('option', { value: r.id, selected: r.id === data.selected.id },
    `#${r.id} ${r.label} · ${new Date(r.createdAt).toLocaleString()}`)));
  pick.addEventListener('change', () => { location.hash = `#/eval/${pick.value}`; });
  const metric = el('select', { id: 'eval-metric' }, METRICS.map(([k, n]) => el('option', { value: k, selected: k === 'ndcg' }, n)));
  const scope = el('select', { id: 'eval-scope' }, ['strict', 'all'].map((s) => el('option', { value: s }, s)));
  const sel = data.selected;
  const rows = sel.report.rows || [];
  const k = rows[0] ? rows[0].all.k : 10;
  const tableBox = el('div');
  const chartBox = el('div');
  root.append(el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'eval-report' }, 'Report'), pick),
    el('div', { class: 'field' }, el('label', { for: 'eval-scope' }, 'Users'), scope),
    el('div', { class: 'field' }, el('label', { for: 'eval-metric' }, 'Chart metric'), metric)),
  el('dl', { class: 'facts' }, Object.entries(sel.parameters || {}).map(([key, v]) => [el('dt', {}, key), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])),
  el('h2', {}, `Metrics at k = ${k}`), tableBox, el('h2', {}, 'Metric vs k'), chartBox);
  function render() {
    const s = scope.value;
    tableBox.replaceChildren(table(['configuration', 'cases', `HR@${k}`, `NDCG@${k}`, 'MRR', `coverage@${k}`, `novelty@${k}`],
      rows.map((r) => [r.name, fmtInt(r[s].cases), fmt(r[s].hitRate, 4), fmt(r[s].ndcg, 4), fmt(r[s].mrr, 4), fmt(r[s].coverage, 4), fmt(r[s].novelty, 2)]), 'eval-table'));
    chartBox.replaceChildren(curveChart(rows, s, metric.value));
  }
  scope.addEventListener('change', render);
  metric.addEventListener('change', render);
  render();
}
function curveChart(rows, scope, metric) {
  const W = 640, H = 260, L = 44, B = 28, R = 30;
  const series = rows.map((r) => ({ name: r.name, points: ((r.curve && r.curve[scope]) || [r[scope]]).map((m) => [m.k, m[metric]]) }));
  const ks = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const maxY = Math.max(1e-9, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const lx = (kk) => L + (ks.length > 1 ? (Math.log(kk) - Math.log(ks[0])) / (Math.log(ks[ks.length - 1]) - Math.log(ks[0])) : 0.5) * (W - L - R);
  const ly = (v) => H - B - (v / maxY) * (H - B - 10);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-testid': 'eval-chart',
    'aria-label': `${metric} against k (log scale) for ${series.map((s) => s.name).join(', ')}` });
  chart.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }), svg('line', { class: 'axis', x1: L, x2: L, y1: 10, y2: H - B }),
    svg('text', { x: 2, y: 14 }, fmt(maxY, 3)), svg('text', { x: 2, y: H - B }, '0'));
  for (const kk of ks) chart.append(svg('text', { x: lx(kk), y: H - 10, 'text-anchor': 'middle' }, `k=${kk}`));
  series.forEach((s, i) => {
    const cls = `series-${i % 8}`;
    if (s.points.length > 1) chart.append(svg('polyline', { class: `line ${cls}`, points: s.points.map(([kk, v]) => `${lx(kk).toFixed(1)},${ly(v).toFixed(1)}`).join(' ') }));
    for (const [kk, v] of s.points) chart.append(svg('circle', { class: cls, cx: lx(kk).toFixed(1), cy: ly(v).toFixed(1), r: 3 }, svg('title', {}, `${s.name} k=${kk}: ${fmt(v, 4)}`)));
  });
  const keys = el('ul', { class: 'legend' }, series.map((s, i) => el('li', {}, svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' },
    svg('rect', { class: `series-${i % 8}`, width: 12, height: 12 })), s.name)));
  return el('div', {}, chart, keys);
}

// ------------------------------------------------------------------ start
(async () => {
  if (await startSession()) route();
})();
"""##
}
