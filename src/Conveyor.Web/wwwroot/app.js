// Conveyor's dashboard: plain DOM, no build step. Every value from the server goes into the page as text
// (text nodes, textContent, setAttribute): never as HTML.
(() => {
  'use strict';

  const STATES = ['scheduled', 'waiting', 'available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'];
  const FINAL = new Set(['succeeded', 'dead', 'cancelled']);
  const RETRYABLE = new Set(['dead', 'cancelled', 'retrying', 'scheduled']);
  const KEY_STORAGE = 'conveyor.apiKey:' + location.pathname;
  const API = new URL('api/', document.baseURI);
  const main = document.getElementById('main');
  const statusLine = document.getElementById('status');

  // ---- DOM helpers -------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.className = value;
      else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    add(el, children);
    return el;
  }

  function add(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // Element.replaceChildren would turn a null child into the text "null".
  function replace(el, ...children) {
    el.replaceChildren();
    add(el, children);
  }

  function show(...children) {
    replace(main, ...children);
  }

  const badge = (state) => h('span', { class: 'badge', 'data-state': state }, state);
  const jobLink = (id) => h('a', { href: '#/job/' + encodeURIComponent(id) }, '#' + id);
  const count = (n) => Number(n || 0).toLocaleString('en-US');
  const table = (head, rows, empty) => rows.length === 0
    ? h('div', { class: 'empty' }, empty)
    : h('div', { class: 'scroll' }, h('table', null,
        h('thead', null, h('tr', null, head.map((c) => typeof c === 'string' ? h('th', null, c) : c))),
        h('tbody', null, rows)));

  function time(iso) {
    if (!iso) return h('span', { class: 'muted' }, '—');
    const date = new Date(iso);
    const text = date.toLocaleString('sv-SE', { hour12: false }).replace('T', ' ');
    return h('time', { datetime: iso, title: iso }, text, h('span', { class: 'muted' }, ' (' + ago(date) + ')'));
  }

  function ago(date) {
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    const abs = Math.abs(seconds);
    if (abs === 0) return 'now';
    const text = abs < 60 ? abs + ' s' : abs < 3600 ? Math.round(abs / 60) + ' min' : abs < 86400 ? Math.round(abs / 3600) + ' h' : Math.round(abs / 86400) + ' d';
    return seconds >= 0 ? text + ' ago' : 'in ' + text;
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', !!isError);
  }

  // ---- API ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  let keyRequest = null;

  async function api(path, method) {
    const headers = { Accept: 'application/json' };
    const key = localStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = 'Bearer ' + key;
    const response = await fetch(new URL(path, API), { method: method || 'GET', headers, cache: 'no-store', credentials: 'same-origin' });
    if (response.status === 401) {
      await askForKey(!!key);
      return api(path, method);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
    if (!response.ok) throw new ApiError(response.status, body && body.error ? body.error : 'HTTP ' + response.status);
    return body;
  }

  // One prompt at a time, however many requests were refused.
  function askForKey(refused) {
    if (keyRequest) return keyRequest;
    const dialog = document.getElementById('key-dialog');
    const input = document.getElementById('key-input');
    const error = document.getElementById('key-error');
    error.hidden = !refused;
    error.textContent = refused ? 'That key was refused.' : '';
    localStorage.removeItem(KEY_STORAGE);
    updateForgetKey();
    keyRequest = new Promise((resolve) => {
      const form = document.getElementById('key-form');
      const submit = (event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (!value) return;
        localStorage.setItem(KEY_STORAGE, value);
        input.value = '';
        form.removeEventListener('submit', submit);
        dialog.close();
        keyRequest = null;
        updateForgetKey();
        resolve();
      };
      form.addEventListener('submit', submit);
      dialog.addEventListener('cancel', (event) => event.preventDefault());
      dialog.showModal();
      input.focus();
    });
    return keyRequest;
  }

  function updateForgetKey() {
    document.getElementById('forget-key').hidden = !localStorage.getItem(KEY_STORAGE);
  }

  document.getElementById('forget-key').addEventListener('click', () => {
    localStorage.removeItem(KEY_STORAGE);
    location.reload();
  });

  function confirmAction(text, label) {
    const dialog = document.getElementById('confirm');
    document.getElementById('confirm-text').textContent = text;
    document.getElementById('confirm-ok').textContent = label || 'Confirm';
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
  }

  // ---- Views and refresh -------------------------------------------------------------------------

  let view = 0;
  let timer = null;

  // Runs load now and again every `ms` while this view is shown and the tab visible.
  function live(load, ms) {
    const mine = view;
    const tick = async () => {
      if (mine !== view) return;
      if (!document.hidden) {
        try {
          await load();
          if (mine === view) setStatus('Updated ' + new Date().toLocaleTimeString('en-GB'));
        } catch (error) {
          if (mine === view) setStatus(error.message, true);
        }
      }
      if (mine === view && ms) timer = setTimeout(tick, ms);
    };
    return tick();
  }

  async function act(text, label, run) {
    if (!(await confirmAction(text, label))) return false;
    try {
      await run();
      return true;
    } catch (error) {
      setStatus(error.message, true);
      return false;
    }
  }

  function route() {
    view++;
    clearTimeout(timer);
    const [path, query] = (location.hash.slice(1) || '/').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean);
    const section = parts[0] === 'job' || parts[0] === 'key' || parts[0] === 'batch' ? 'jobs' : parts[0] || 'overview';
    for (const link of document.querySelectorAll('.top nav a'))
      link.classList.toggle('active', link.dataset.section === section);
    setStatus('');
    switch (parts[0]) {
      case undefined: return overview();
      case 'jobs': return jobs(params);
      case 'job': return job(parts[1]);
      case 'key': return orderingKey(parts[1]);
      case 'dead': return dead();
      case 'queues': return queues();
      case 'nodes': return nodes();
      case 'recurring': return recurring();
      case 'batch': return batch(parts[1]);
      default: show(h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/' }, 'Back to the overview')));
    }
  }

  // ---- Overview ----------------------------------------------------------------------------------

  function overview() {
    const cards = h('div', { class: 'cards' });
    const rate = h('p', { class: 'muted' });
    const stuck = h('div', { id: 'stuck' });
    const queueTable = h('div', { class: 'panel' });
    const charts = h('div', { class: 'charts' });
    show(h('h1', null, 'Overview'), stuck, cards, rate, h('h2', null, 'The last hour'), charts, h('h2', null, 'Queues'), queueTable);
    let previous = null;
    return live(async () => {
      const [stats, queueList, running] = await Promise.all([api('stats'), api('queues'), api('jobs?state=running&limit=200')]);
      const suspects = running.jobs.map((j) => ({ job: j, why: stuckReason(j) })).filter((s) => s.why);
      replace(stuck, suspects.length === 0 ? null : h('div', { class: 'notice' },
        h('strong', null, `${suspects.length} running job(s) look stuck`),
        h('ul', null, suspects.map((s) => h('li', { 'data-job': s.job.id }, jobLink(s.job.id), ' ', s.job.kind, ': ', s.why)))));
      replace(cards, ...STATES.map((state) =>
        h('a', { class: 'card', href: '#/jobs?state=' + state, 'data-state': state, 'data-count': stats.counts[state] },
          h('div', { class: 'label' }, state), h('div', { class: 'n' }, count(stats.counts[state])))));
      const now = Date.now();
      if (previous) {
        const seconds = (now - previous.at) / 1000;
        const per = (state) => Math.max(0, (stats.counts[state] - previous.counts[state]) / seconds).toFixed(1);
        rate.textContent = `Now: ${per('succeeded')} succeeded/s, ${per('dead')} dead/s · ${stats.nodes} node(s) · store ${stats.store}`;
      } else {
        rate.textContent = `${stats.nodes} node(s) · store ${stats.store}`;
      }
      previous = { at: now, counts: stats.counts };
      replace(charts, ...activityCharts(stats.activity));
      replace(queueTable, queueRows(queueList.queues, false));
    }, 2000);
  }

  // ---- Charts of the last hour: inline SVG, one bar per minute ---------------------------------------

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CHART_W = 600;
  const CHART_H = 120;

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) el.setAttribute(name, String(value));
    }
    add(el, children);
    return el;
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 10) return (Math.round(ms * 10) / 10) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }

  const minute = (iso) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

  // series: [{ name, cls, value(bucket) → number|null, label(value) → text }], drawn side by side in each minute.
  function barChart(id, title, summary, buckets, series) {
    const max = Math.max(1, ...buckets.flatMap((b) => series.map((s) => s.value(b) || 0)));
    const slot = CHART_W / buckets.length;
    const width = Math.max(1, (slot - 2) / series.length);
    const bars = [];
    buckets.forEach((b, i) => {
      series.forEach((s, k) => {
        const v = s.value(b);
        if (!v) return;
        const height = Math.max(1.5, (v / max) * (CHART_H - 4));
        bars.push(svg('rect', { class: 'bar ' + s.cls, x: (i * slot + 1 + k * width).toFixed(2), y: (CHART_H - height).toFixed(2),
          width: width.toFixed(2), height: height.toFixed(2), 'data-at': b.at, 'data-value': v },
          svg('title', null, minute(b.at) + ': ' + s.label(v))));
      });
    });
    return h('figure', { class: 'chart panel', id },
      h('figcaption', null, h('strong', null, title), ' ', h('span', { class: 'muted' }, summary)),
      svg('svg', { viewBox: `0 0 ${CHART_W} ${CHART_H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title + ': ' + summary },
        svg('line', { class: 'axis', x1: 0, y1: CHART_H - 0.5, x2: CHART_W, y2: CHART_H - 0.5 }), bars),
      h('div', { class: 'chart-axis muted' }, h('span', null, minute(buckets[0].at)), h('span', null, 'peak ' + series.map((s) => s.label(Math.max(0, ...buckets.map((b) => s.value(b) || 0)))).join(' · ')), h('span', null, 'now')));
  }

  function activityCharts(activity) {
    const buckets = activity.buckets;
    const sum = (f) => buckets.reduce((n, b) => n + f(b), 0);
    const succeeded = sum((b) => b.succeeded);
    const dead = sum((b) => b.dead);
    const failed = sum((b) => b.failedAttempts);
    const ended = sum((b) => (b.waitMs === null ? 0 : b.succeeded + b.dead));
    const meanWait = ended ? sum((b) => (b.waitMs === null ? 0 : b.waitMs * (b.succeeded + b.dead))) / ended : null;
    const longest = Math.max(-1, ...buckets.map((b) => (b.maxWaitMs === null ? -1 : b.maxWaitMs)));
    const throughput = barChart('chart-throughput', 'Throughput', `${count(succeeded)} succeeded`, buckets,
      [{ cls: 'succeeded', value: (b) => b.succeeded, label: (v) => `${count(v)} succeeded/min` }]);
    const failures = barChart('chart-failures', 'Failures', `${count(dead)} dead · ${count(failed)} failed attempts`, buckets, [
      { cls: 'dead', value: (b) => b.dead, label: (v) => `${count(v)} dead/min` },
      { cls: 'failed', value: (b) => b.failedAttempts, label: (v) => `${count(v)} failed attempts/min` },
    ]);
    const wait = barChart('chart-wait', 'Queue wait', meanWait === null ? 'no jobs' : `mean ${duration(meanWait)} · longest ${duration(longest)}`, buckets,
      [{ cls: 'wait', value: (b) => b.waitMs, label: (v) => `mean wait ${duration(v)}` }]);
    throughput.dataset.total = succeeded;
    failures.dataset.dead = dead;
    failures.dataset.failed = failed;
    wait.dataset.jobs = ended;
    return [throughput, failures, wait];
  }

  // A running job whose lease ran out (or is about to) has lost its node; one past its timeout ignores cancellation.
  function stuckReason(job) {
    const now = Date.now();
    const lease = job.leaseExpiresAt ? new Date(job.leaseExpiresAt).getTime() : null;
    if (lease !== null && lease < now) return `its lease on ${job.node} expired ${ago(new Date(lease))}`;
    if (lease !== null && lease - now < 5000) return `its lease on ${job.node} lapses in ${Math.max(0, Math.round((lease - now) / 1000))} s`;
    if (job.timeoutMs !== null && job.startedAt && new Date(job.startedAt).getTime() + job.timeoutMs < now)
      return `running past its ${job.timeoutMs} ms timeout on ${job.node}`;
    return null;
  }

  function queueRows(list, withActions) {
    const head = ['Queue', 'State', ...STATES.map((s) => h('th', { class: 'num' + (['scheduled', 'waiting', 'cancelled'].includes(s) ? ' hide-narrow' : '') }, s)), h('th', { class: 'num' }, 'Busy / slots')];
    if (withActions) head.push(h('th', { class: 'hide-narrow' }, 'Limits'));
    return table(head, list.map((q) => h('tr', { 'data-queue': q.name },
      h('td', null, h('a', { href: '#/jobs?queue=' + encodeURIComponent(q.name) }, q.name),
        q.noHandler ? h('div', null, h('span', { class: 'badge no-handler', 'data-field': 'no-handler',
          title: 'jobs of a kind that no live node serving this queue handles' }, `${count(q.noHandler)} no handler`)) : null),
      // The pause or resume button sits under the state it changes (one column fewer on a laptop screen).
      h('td', null, q.paused ? h('span', { class: 'badge paused' }, 'paused') : h('span', { class: 'muted' }, 'active'),
        withActions ? h('div', null, h('button', {
          class: 'secondary small', type: 'button', 'data-action': q.paused ? 'resume' : 'pause',
          onclick: async (event) => {
            event.target.disabled = true;
            try {
              await api('queues/' + encodeURIComponent(q.name) + '/' + (q.paused ? 'resume' : 'pause'), 'POST');
            } catch (error) {
              setStatus(error.message, true);
            }
            route();
          },
        }, q.paused ? 'Resume' : 'Pause')) : null),
      STATES.map((s) => h('td', { class: 'num' + (['scheduled', 'waiting', 'cancelled'].includes(s) ? ' hide-narrow' : '') },
        q.counts[s] ? h('a', { href: '#/jobs?state=' + s + '&queue=' + encodeURIComponent(q.name) }, count(q.counts[s])) : h('span', { class: 'muted' }, '0'))),
      h('td', { class: 'num' }, `${q.busy} / ${q.slots}`),
      withActions ? h('td', { class: 'hide-narrow', 'data-field': 'limits' }, queueLimits(q)) : null)),
      'No queues yet: enqueue a job or start a node.');
  }

  // The queue's cluster-wide limits as `conveyor queues` prints them; a dash when it has none.
  function queueLimits(q) {
    const parts = [];
    if (q.globalLimit !== null && q.globalLimit !== undefined) parts.push(`global ${count(q.globalLimit)}`);
    if (q.rateLimit) parts.push(`rate ${q.rateLimit}`);
    if (q.ordered) parts.push('ordered');
    if (q.maxBacklog !== null && q.maxBacklog !== undefined) parts.push(`backlog ≤ ${count(q.maxBacklog)}`);
    return parts.length ? parts.map((part) => h('div', null, part)) : h('span', { class: 'muted' }, '—');
  }

  // ---- Jobs list ---------------------------------------------------------------------------------

  function jobs(params) {
    const state = params.get('state') || '';
    const queue = params.get('queue') || '';
    const kind = params.get('kind') || '';
    const cursor = params.get('cursor') || '';
    const filters = h('form', { class: 'filters', onsubmit: (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const name of ['state', 'queue', 'kind']) {
        const value = event.target.elements[name].value.trim();
        if (value) next.set(name, value);
      }
      location.hash = '#/jobs' + (next.toString() ? '?' + next : '');
    } },
      h('label', null, 'State', h('select', { name: 'state' }, h('option', { value: '' }, 'any'),
        STATES.map((s) => h('option', { value: s, selected: s === state }, s)))),
      h('label', null, 'Queue', h('input', { name: 'queue', value: queue, placeholder: 'any', size: 12 })),
      h('label', null, 'Kind', h('input', { name: 'kind', value: kind, placeholder: 'any', size: 16 })),
      h('button', { type: 'submit' }, 'Filter'));
    const panel = h('div', { class: 'panel' });
    show(h('h1', null, 'Jobs', state ? badge(state) : null), filters, panel);
    const query = new URLSearchParams({ limit: '50' });
    if (state) query.set('state', state);
    if (queue) query.set('queue', queue);
    if (kind) query.set('kind', kind);
    if (cursor) query.set('cursor', cursor);
    return live(async () => {
      const page = await api('jobs?' + query);
      const rows = page.jobs.map((j) => h('tr', { 'data-job': j.id },
        h('td', null, jobLink(j.id)),
        h('td', null, j.kind),
        h('td', null, j.queue),
        h('td', null, badge(j.state)),
        h('td', { class: 'num' }, `${j.attempt} / ${j.maxAttempts}`),
        h('td', { class: 'hide-narrow' }, time(j.createdAt)),
        h('td', { class: 'wrap hide-narrow' }, lastError(j))));
      const pager = h('div', { class: 'pager' });
      if (cursor) pager.append(h('button', { class: 'secondary', type: 'button', onclick: () => history.back() }, '← Back'));
      if (page.next) {
        const next = new URLSearchParams(params);
        next.set('cursor', page.next);
        pager.append(h('button', { class: 'secondary', type: 'button', 'data-action': 'next', onclick: () => { location.hash = '#/jobs?' + next; } }, 'Older →'));
      }
      replace(panel, table(['Id', 'Kind', 'Queue', 'State', h('th', { class: 'num' }, 'Attempt'), h('th', { class: 'hide-narrow' }, 'Created'), h('th', { class: 'hide-narrow' }, 'Last error')],
        rows, 'No jobs match.'), pager.childElementCount ? pager : null);
    }, cursor ? 0 : 3000);
  }

  function lastError(job) {
    const error = job.errors && job.errors[job.errors.length - 1];
    if (!error) return h('span', { class: 'muted' }, '—');
    const message = error.message.length > 140 ? error.message.slice(0, 140) + '…' : error.message;
    return [h('span', { class: 'error' }, error.type.split('.').pop()), ': ', message];
  }

  // ---- One job -----------------------------------------------------------------------------------

  function job(idText) {
    const id = Number(idText);
    if (!Number.isSafeInteger(id) || id <= 0) return show(h('h1', null, 'Not a job id'));
    const title = h('h1', null, 'Job ', '#' + id);
    const actions = h('div', { class: 'actions' });
    const body = h('div');
    show(title, actions, body);
    let shown = '';
    const load = async () => {
      let j;
      try {
        j = await api('jobs/' + id);
      } catch (error) {
        if (error.status !== 404) throw error;
        replace(title, 'Job #' + id + ' ');
        replace(actions);
        replace(body, h('div', { class: 'empty' }, 'This job does not exist (it was deleted or pruned). ', h('a', { href: '#/jobs' }, 'All jobs')));
        return;
      }
      const fingerprint = JSON.stringify(j);
      if (fingerprint === shown) return;
      shown = fingerprint;
      replace(title, 'Job #' + id + ' ', h('span', { class: 'mono' }, j.kind), ' ', badge(j.state));
      replace(actions,
        RETRYABLE.has(j.state) ? h('button', { type: 'button', 'data-action': 'retry', onclick: () => change('retry', 'POST', `Run job #${id} again now?`, 'Retry') }, 'Retry') : null,
        !FINAL.has(j.state) ? h('button', { type: 'button', class: 'secondary', 'data-action': 'cancel', onclick: () => change('cancel', 'POST', `Cancel job #${id}?`, 'Cancel job') }, 'Cancel') : null,
        j.state !== 'running' ? h('button', { type: 'button', class: 'danger', 'data-action': 'delete', onclick: () => change('', 'DELETE', `Delete job #${id} for good?`, 'Delete') }, 'Delete') : null);
      replace(body, ...(j.noHandler ? [h('div', { class: 'notice', id: 'job-no-handler' },
        `No live node serving queue ${j.queue} runs kind ${j.kind}: this job waits until one starts.`)] : []), ...jobDetails(j));
    };
    const change = async (verb, method, text, label) => {
      if (await act(text, label, () => api('jobs/' + id + (verb ? '/' + verb : ''), method))) {
        shown = '';
        await load();
      }
    };
    return live(load, 1500);
  }

  function jobDetails(j) {
    const field = (name, value) => [h('dt', null, name), h('dd', null, value === null || value === undefined || value === '' ? h('span', { class: 'muted' }, '—') : value)];
    const parts = [
      h('div', { class: 'panel' }, h('div', { class: 'inner' }, h('dl', { class: 'fields' },
        field('Queue', h('a', { href: '#/jobs?queue=' + encodeURIComponent(j.queue) }, j.queue)),
        field('Attempt', `${j.attempt} of ${j.maxAttempts}`),
        field('Priority', String(j.priority)),
        field('Run at', time(j.runAt)),
        field('Node', j.node),
        field('Timeout', j.timeoutMs === null ? null : j.timeoutMs + ' ms'),
        field('Ordering key', j.orderingKey ? h('a', { href: '#/key/' + encodeURIComponent(j.orderingKey), id: 'job-ordering-key' }, j.orderingKey) : null),
        field('Unique key', j.uniqueKey),
        field('Affinity key', j.affinityKey),
        field('After', j.after ? jobLink(j.after) : null),
        field('Batch', j.batchId ? h('a', { href: '#/batch/' + encodeURIComponent(j.batchId), id: 'job-batch' }, 'batch ' + j.batchId) : null),
        field('Lease expires', j.state === 'running' ? time(j.leaseExpiresAt) : null)))),
    ];
    if (j.progress) {
      const percent = j.progress.percent;
      parts.push(h('h2', null, 'Progress'), h('div', { class: 'panel' }, h('div', { class: 'inner' },
        percent !== null ? h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': percent, 'aria-valuemin': 0, 'aria-valuemax': 100 },
          h('div', { 'data-percent': percent })) : null,
        h('p', null, percent !== null ? percent + ' % ' : '', j.progress.message || ''))));
    }
    parts.push(h('h2', null, 'Args'), h('div', { class: 'panel' }, h('pre', { class: 'json', id: 'job-args' }, JSON.stringify(j.args, null, 2))));
    if (j.result !== null) parts.push(h('h2', null, 'Result'), h('div', { class: 'panel' }, h('pre', { class: 'json', id: 'job-result' }, JSON.stringify(j.result, null, 2))));
    if (j.errors.length) {
      parts.push(h('h2', null, `Errors (${j.errors.length})`), h('div', { class: 'panel', id: 'job-errors' },
        [...j.errors].reverse().map((e) => h('div', { class: 'error-item' },
          h('div', null, h('span', { class: 'type' }, e.type), ' · attempt ', String(e.attempt), ' · ', time(e.at)),
          h('div', null, e.message),
          e.stack ? h('details', null, h('summary', null, 'Stack trace'), h('pre', null, e.stack)) : null))));
    }
    const events = [
      { at: j.createdAt, text: 'enqueued', state: 'available' },
      j.runAt !== j.createdAt ? { at: j.runAt, text: 'due to run', state: 'scheduled' } : null,
      j.startedAt ? { at: j.startedAt, text: `attempt ${j.attempt} started` + (j.node ? ' on ' + j.node : ''), state: 'running' } : null,
      ...j.errors.map((e) => ({ at: e.at, text: `attempt ${e.attempt} failed: ${e.type}`, state: 'dead' })),
      j.finishedAt ? { at: j.finishedAt, text: j.state, state: j.state } : null,
    ].filter(Boolean).sort((a, b) => a.at < b.at ? -1 : a.at > b.at ? 1 : 0);
    parts.push(h('h2', null, 'Timeline'), h('div', { class: 'panel' }, h('ol', { class: 'timeline' },
      events.map((e) => h('li', { 'data-state': e.state }, time(e.at), ' ', e.text)))));
    // Widths are set through the CSSOM: the policy allows no inline style attributes.
    for (const bar of parts.flatMap((p) => [...p.querySelectorAll ? p.querySelectorAll('[data-percent]') : []]))
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.percent))) + '%';
    return parts;
  }

  // ---- An ordering key: who holds it, who waits ---------------------------------------------------

  function orderingKey(encoded) {
    let key;
    try {
      key = decodeURIComponent(encoded || '');
    } catch {
      key = '';
    }
    if (!key) return show(h('h1', null, 'Not an ordering key'));
    const holderPanel = h('div', { class: 'panel', id: 'key-holder' });
    const waitingTitle = h('h2', null, 'Waiting');
    const waitingPanel = h('div', { class: 'panel', id: 'key-waiting' });
    show(h('h1', null, 'Ordering key ', h('span', { class: 'mono' }, key)),
      h('p', { class: 'muted' }, 'Jobs that share an ordering key run one at a time, in the order they were enqueued, across the whole cluster.'),
      h('h2', null, 'Holds the key'), holderPanel, waitingTitle, waitingPanel);
    // Fresh header cells for each table: a DOM node can be in one place only.
    const head = (when) => ['Id', 'Kind', 'Queue', 'State', h('th', { class: 'num' }, 'Attempt'), h('th', { class: 'hide-narrow' }, when), h('th', { class: 'hide-narrow' }, 'Node')];
    const row = (j, position) => h('tr', { 'data-job': j.id },
      position === null ? null : h('td', { class: 'num' }, String(position)),
      h('td', null, jobLink(j.id)), h('td', null, j.kind), h('td', null, j.queue), h('td', null, badge(j.state)),
      h('td', { class: 'num' }, `${j.attempt} / ${j.maxAttempts}`),
      h('td', { class: 'hide-narrow' }, time(j.state === 'running' ? j.startedAt : j.runAt)),
      h('td', { class: 'hide-narrow' }, j.node || h('span', { class: 'muted' }, '—')));
    return live(async () => {
      const status = await api('ordering-keys/' + encodeURIComponent(key));
      replace(holderPanel, status.holder
        ? [table(head(status.holder.state === 'running' ? 'Started' : 'Run at'), [row(status.holder, null)], ''), h('p', { class: 'inner muted' }, status.holder.state === 'running'
          ? 'Running now: the jobs below wait until it ends.'
          : 'Not running yet: it is the next of this key to run.')]
        : h('div', { class: 'empty' }, 'No job holds this key: none of its jobs waits or runs.'));
      replace(waitingTitle, `Waiting (${status.waiting.length}${status.more ? '+' : ''})`);
      replace(waitingPanel, table([h('th', { class: 'num' }, '#'), ...head('Run at')], status.waiting.map((j, i) => row(j, i + 1)), 'Nothing waits behind it.'),
        status.more ? h('p', { class: 'inner muted' }, 'More jobs wait than are listed.') : null);
    }, 2000);
  }

  // ---- Dead jobs grouped by error ----------------------------------------------------------------

  async function dead() {
    const panel = h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'Loading…'));
    const note = h('p', { class: 'muted' });
    show(h('h1', null, 'Dead jobs by error'), note, panel);
    const mine = view;
    const load = async () => {
      const all = [];
      let cursor = null;
      do {
        const page = await api('jobs?state=dead&limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
        all.push(...page.jobs);
        cursor = page.next;
      } while (cursor && all.length < 3000);
      if (mine !== view) return;
      note.textContent = cursor ? `The newest ${all.length} dead jobs, grouped by their last error.` : `${all.length} dead job(s), grouped by their last error.`;
      const groups = new Map();
      for (const j of all) {
        const error = j.errors[j.errors.length - 1] || { type: '(no error recorded)', message: '' };
        const key = error.type + '\n' + error.message;
        const group = groups.get(key) || { type: error.type, message: error.message, jobs: [], first: null, last: null };
        group.jobs.push(j);
        const at = error.at || j.finishedAt;
        if (at && (!group.first || at < group.first)) group.first = at;
        if (at && (!group.last || at > group.last)) group.last = at;
        groups.set(key, group);
      }
      const rows = [...groups.values()].sort((a, b) => b.jobs.length - a.jobs.length).map((g) => h('tr', { 'data-group': g.type },
        h('td', { class: 'wrap' }, h('span', { class: 'error' }, g.type), h('div', null, g.message)),
        h('td', { class: 'num' }, count(g.jobs.length)),
        h('td', { class: 'hide-narrow' }, time(g.first)),
        h('td', { class: 'hide-narrow' }, time(g.last)),
        h('td', null, jobLink(g.jobs[0].id), h('span', { class: 'muted' }, ' ' + g.jobs[0].kind)),
        h('td', null, h('div', { class: 'actions' },
          h('button', { type: 'button', 'data-action': 'retry-group', onclick: () => bulk(g, 'retry') }, 'Retry all'),
          h('button', { type: 'button', class: 'danger', 'data-action': 'delete-group', onclick: () => bulk(g, 'delete') }, 'Delete all')))));
      replace(panel, table(['Error', h('th', { class: 'num' }, 'Jobs'), h('th', { class: 'hide-narrow' }, 'First seen'), h('th', { class: 'hide-narrow' }, 'Last seen'), 'Sample', ''], rows, 'No dead jobs.'));
    };
    const bulk = async (group, verb) => {
      const text = `${verb === 'retry' ? 'Retry' : 'Delete'} ${group.jobs.length} dead job(s) that failed with ${group.type}?`;
      if (!(await confirmAction(text, verb === 'retry' ? 'Retry all' : 'Delete all'))) return;
      let done = 0;
      const refused = [];
      for (const j of group.jobs) {
        try {
          await api('jobs/' + j.id + (verb === 'retry' ? '/retry' : ''), verb === 'retry' ? 'POST' : 'DELETE');
          done++;
        } catch (error) {
          refused.push(`#${j.id}: ${error.message}`);
        }
        setStatus(`${verb}: ${done} of ${group.jobs.length}`);
      }
      setStatus(refused.length ? `${done} done, ${refused.length} refused (${refused[0]})` : `${done} job(s) done`, refused.length > 0);
      await load();
    };
    try {
      await load();
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  // ---- Queues and nodes --------------------------------------------------------------------------

  function queues() {
    const panel = h('div', { class: 'panel' });
    show(h('h1', null, 'Queues'), panel);
    return live(async () => {
      const list = await api('queues');
      replace(panel, queueRows(list.queues, true));
    }, 3000);
  }

  function nodes() {
    const panel = h('div', { class: 'panel' });
    show(h('h1', null, 'Nodes'), panel);
    const load = async () => {
      const list = await api('nodes');
      replace(panel, table(['Name', 'Host', h('th', { class: 'num' }, 'Pid'), 'Started', 'Heartbeat', h('th', { class: 'num' }, 'Busy / slots'), 'Queues (busy / slots)', 'Kinds', ''],
        list.nodes.map((n) => h('tr', { 'data-node': n.name },
          h('td', null, n.name, ' ', n.leader ? h('span', { class: 'badge leader' }, 'leader') : null, ' ',
            n.stopping ? h('span', { class: 'badge stopping' }, 'stopping') : null),
          h('td', null, n.host),
          h('td', { class: 'num' }, String(n.pid)),
          h('td', null, time(n.startedAt)),
          h('td', null, time(n.heartbeatAt)),
          h('td', { class: 'num', 'data-field': 'busy' }, `${n.busy} / ${n.slots}`),
          h('td', null, Object.entries(n.queues).map(([name, q], i) => [i ? ', ' : '', name, ' ', `${q.busy} / ${q.slots}`])),
          h('td', { class: 'wrap' }, n.kinds.join(', ')),
          h('td', null, n.stopping ? null : h('button', {
            class: 'danger', type: 'button', 'data-action': 'stop',
            onclick: async () => {
              const text = `Stop node ${n.name}? It stops claiming, lets its running jobs finish, and exits.`;
              if (await act(text, 'Stop node', () => api('nodes/' + encodeURIComponent(n.name) + '/stop', 'POST'))) await load();
            },
          }, 'Stop')))), 'No live nodes.'));
    };
    return live(load, 3000);
  }

  // ---- A batch: its children's counts and its callback ------------------------------------------

  function batch(idText) {
    const id = Number(idText);
    if (!Number.isSafeInteger(id) || id <= 0) return show(h('h1', null, 'Not a batch id'));
    const title = h('h1', null, 'Batch ', String(id));
    const actions = h('div', { class: 'actions' });
    const cards = h('div', { class: 'cards', id: 'batch-counts' });
    const details = h('div', { class: 'panel' });
    show(title, actions, cards, details);
    const load = async () => {
      let b;
      try {
        b = await api('batches/' + id);
      } catch (error) {
        if (error.status !== 404) throw error;
        replace(actions);
        replace(cards);
        replace(details, h('div', { class: 'empty' }, 'This batch does not exist.'));
        return;
      }
      const state = b.cancelledAt ? 'cancelled' : b.complete ? 'complete' : 'open';
      replace(title, 'Batch ' + id + ' ', h('span', { class: 'badge', id: 'batch-state', 'data-state': b.cancelledAt ? 'cancelled' : b.complete ? 'succeeded' : 'running' }, state));
      replace(actions, !b.complete && !b.cancelledAt
        ? h('button', { type: 'button', class: 'danger', 'data-action': 'cancel-batch', onclick: async () => {
          const text = `Cancel the ${b.remaining} unfinished job(s) of batch ${id}? Its callback still runs once and sees them cancelled.`;
          if (await act(text, 'Cancel batch', () => api('batches/' + id + '/cancel', 'POST'))) await load();
        } }, 'Cancel batch')
        : null);
      replace(cards, ...STATES.map((s) => h('div', { class: 'card', 'data-state': s, 'data-count': b.counts[s] },
        h('div', { class: 'label' }, s), h('div', { class: 'n' }, count(b.counts[s])))));
      const field = (name, value) => [h('dt', null, name), h('dd', null, value === null || value === undefined ? h('span', { class: 'muted' }, '—') : value)];
      replace(details, h('div', { class: 'inner' }, h('dl', { class: 'fields' },
        field('Children', `${count(b.total)} (${count(b.remaining)} not final)`),
        field('Callback', h('span', { id: 'batch-callback' }, jobLink(b.callback.id), ' ', b.callback.kind || '', ' ', b.callback.state ? badge(b.callback.state) : null)),
        field('Created', time(b.createdAt)),
        field('Deadline', b.deadline ? time(b.deadline) : null),
        field('Cancelled', b.cancelledAt ? [time(b.cancelledAt), ' ', b.cancelReason || ''] : null))));
    };
    return live(load, 1500);
  }

  // ---- Recurring schedules -----------------------------------------------------------------------

  function recurring() {
    const panel = h('div', { class: 'panel' });
    show(h('h1', null, 'Recurring jobs'),
      h('p', { class: 'muted' }, 'The cluster\'s leader enqueues a job of each schedule at its times. Removing a schedule keeps the jobs it enqueued.'), panel);
    const load = async () => {
      const list = await api('cron');
      replace(panel, table(['Name', 'Cron', 'Time zone', 'Kind', 'Last run', 'Next run', h('th', { class: 'hide-narrow' }, 'Source'), ''],
        list.schedules.map((s) => h('tr', { 'data-schedule': s.name },
          h('td', null, s.name),
          h('td', { class: 'mono' }, s.cron),
          h('td', null, s.timeZone),
          h('td', null, h('a', { href: '#/jobs?kind=' + encodeURIComponent(s.kind) }, s.kind)),
          h('td', { 'data-field': 'last-run' }, s.lastRun ? [time(s.lastRun), ' ', s.lastJobId !== null ? jobLink(s.lastJobId) : null] : h('span', { class: 'muted' }, 'never')),
          h('td', null, time(s.nextRun)),
          h('td', { class: 'hide-narrow' }, s.source),
          h('td', null, h('button', {
            class: 'danger', type: 'button', 'data-action': 'remove',
            onclick: async () => {
              const text = `Remove the schedule ${s.name}? The jobs it enqueued stay.`;
              if (await act(text, 'Remove', () => api('cron/' + encodeURIComponent(s.name), 'DELETE'))) await load();
            },
          }, 'Remove')))), 'No recurring schedules: add one with conveyor cron add, a config file, or RecurringJobs.'));
    };
    return live(load, 3000);
  }

  // ---- Start ---------------------------------------------------------------------------------------

  document.getElementById('search').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = document.getElementById('search-input').value.trim();
    if (!text) return;
    location.hash = /^\d+$/.test(text) ? '#/job/' + text
      : text.startsWith('key:') ? '#/key/' + encodeURIComponent(text.slice(4).trim())
      : '#/jobs?kind=' + encodeURIComponent(text);
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) route(); });
  window.addEventListener('hashchange', route);
  updateForgetKey();
  route();
})();
