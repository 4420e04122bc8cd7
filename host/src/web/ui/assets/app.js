// HelloWord processing panel. Plain JavaScript, served by the gateway itself.
//
// Rules this file keeps: every UI string comes from STRINGS; text from tickets and
// customers is only ever put on the page with textContent or as DOM nodes (never
// innerHTML); state changes carry the session's CSRF token.
'use strict';

(function () {
  // ---- strings -------------------------------------------------------------------------

  const STRINGS = {
    en: {
      'app.title': 'Processing panel',
      'lang.switch': '中文',
      signOut: 'Sign out',
      'signIn.title': 'Sign in',
      'signIn.hint': 'Paste an API token from the gateway configuration ([api.tokens]).',
      'signIn.token': 'API token',
      'signIn.submit': 'Sign in',
      'signIn.failed': 'Sign-in failed',
      'queue.title': 'Queue',
      'filter.marketplace': 'Marketplace',
      'filter.status': 'Status',
      'filter.agent': 'Agent',
      'filter.language': 'Language',
      'filter.all': 'All',
      'filter.unassigned': 'Unassigned',
      'lane.red': 'Red',
      'lane.yellow': 'Yellow',
      'lane.blue': 'Blue',
      'lane.empty': 'Nothing here.',
      'live.on': 'Live',
      'live.polling': 'Updating every few seconds',
      'live.updated': 'Updated',
      'sla.left': 'left',
      'sla.overdue': 'overdue',
      'ticket.back': '← Queue',
      'ticket.assignee': 'Owner',
      'ticket.unassigned': 'nobody',
      'ticket.due': 'Due',
      'ticket.customer': 'Customer',
      'ticket.name': 'Name',
      'ticket.country': 'Country',
      'ticket.language': 'Language',
      'ticket.tags': 'Tags',
      'ticket.order': 'Order',
      'ticket.timeline': 'Timeline',
      'ticket.reply': 'Reply',
      'ticket.subject': 'Subject',
      'ticket.body': 'Message',
      'ticket.send': 'Send reply',
      'ticket.sent': 'Reply queued for sending.',
      'ticket.blocked': 'The compliance guard blocked this reply:',
      'ticket.notFound': 'No such ticket.',
      'status.new': 'New',
      'status.waiting-on-us': 'Waiting on us',
      'status.waiting-on-buyer': 'Waiting on buyer',
      'status.waiting-on-marketplace': 'Waiting on marketplace',
      'status.resolved': 'Resolved',
      'status.closed': 'Closed',
      'error.network': 'The gateway cannot be reached.',
    },
    'zh-CN': {
      'app.title': '处理面板',
      'lang.switch': 'English',
      signOut: '退出',
      'signIn.title': '登录',
      'signIn.hint': '粘贴网关配置中的 API 令牌（[api.tokens]）。',
      'signIn.token': 'API 令牌',
      'signIn.submit': '登录',
      'signIn.failed': '登录失败',
      'queue.title': '工单队列',
      'filter.marketplace': '平台',
      'filter.status': '状态',
      'filter.agent': '客服',
      'filter.language': '语言',
      'filter.all': '全部',
      'filter.unassigned': '未分配',
      'lane.red': '红色',
      'lane.yellow': '黄色',
      'lane.blue': '蓝色',
      'lane.empty': '暂无工单。',
      'live.on': '实时',
      'live.polling': '每隔几秒更新',
      'live.updated': '已更新',
      'sla.left': '剩余',
      'sla.overdue': '已超时',
      'ticket.back': '← 队列',
      'ticket.assignee': '负责人',
      'ticket.unassigned': '无',
      'ticket.due': '截止',
      'ticket.customer': '客户',
      'ticket.name': '姓名',
      'ticket.country': '国家',
      'ticket.language': '语言',
      'ticket.tags': '标签',
      'ticket.order': '订单',
      'ticket.timeline': '时间线',
      'ticket.reply': '回复',
      'ticket.subject': '主题',
      'ticket.body': '内容',
      'ticket.send': '发送回复',
      'ticket.sent': '回复已加入发送队列。',
      'ticket.blocked': '合规检查拦截了此回复：',
      'ticket.notFound': '没有这个工单。',
      'status.new': '新建',
      'status.waiting-on-us': '待我方处理',
      'status.waiting-on-buyer': '待买家回复',
      'status.waiting-on-marketplace': '待平台处理',
      'status.resolved': '已解决',
      'status.closed': '已关闭',
      'error.network': '无法连接网关。',
    },
  };
  const LANGUAGES = ['en', 'zh-CN'];
  const STATUSES = ['new', 'waiting-on-us', 'waiting-on-buyer', 'waiting-on-marketplace',
    'resolved', 'closed'];
  const SEVERITIES = ['red', 'yellow', 'blue'];
  const POLL_MS = 3000;

  const state = {
    lang: initialLanguage(),
    user: null,
    csrf: null,
    tickets: [],
    agents: [],
    ticket: null,
    pollTimer: null,
    stream: null,
  };

  function initialLanguage() {
    let saved = null;
    try { saved = window.localStorage.getItem('hw.lang'); } catch (_) { /* storage off */ }
    if (LANGUAGES.includes(saved)) return saved;
    return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  }

  function t(key) {
    return STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
  }

  // ---- DOM helpers ---------------------------------------------------------------------

  const $ = (selector) => document.querySelector(selector);

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else if (name.startsWith('data-')) node.setAttribute(name, String(value));
      else node[name] = value;
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function show(view) {
    for (const id of ['sign-in-view', 'queue-view', 'ticket-view']) {
      $('#' + id).hidden = id !== view;
    }
  }

  function applyStrings() {
    document.documentElement.lang = state.lang;
    document.title = 'HelloWord · ' + t('app.title');
    for (const node of document.querySelectorAll('[data-i18n]')) {
      node.textContent = t(node.getAttribute('data-i18n'));
    }
    $('#lang-toggle').textContent = t('lang.switch');
  }

  function setLanguage(lang) {
    state.lang = lang;
    try { window.localStorage.setItem('hw.lang', lang); } catch (_) { /* storage off */ }
    applyStrings();
    renderFilters();
    renderQueue();
    if (state.ticket) renderTicket(state.ticket);
    tick();
  }

  // ---- API -----------------------------------------------------------------------------

  /** A JSON call to the gateway: {status, data}; status 0 when it cannot be reached. */
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      return { status: 0, data: { message: t('error.network') } };
    }
    let data = {};
    try { data = await response.json(); } catch (_) { /* empty body */ }
    if (response.status === 401 && path !== '/ui/session') signedOut();
    return { status: response.status, data };
  }

  // ---- session -------------------------------------------------------------------------

  async function signIn(event) {
    event.preventDefault();
    const input = $('#token');
    const { status, data } = await call('POST', '/ui/session', { token: input.value });
    if (status !== 200) {
      $('#sign-in-error').textContent = t('signIn.failed') + ': ' + (data.message || status);
      return;
    }
    input.value = '';
    $('#sign-in-error').textContent = '';
    signedIn(data);
  }

  async function signedIn(session) {
    state.user = session.user;
    state.csrf = session.csrf;
    $('#whoami').textContent = session.user;
    $('#sign-out').hidden = false;
    await loadAgents();
    startLive();
    route();
  }

  function signedOut() {
    state.user = null;
    state.csrf = null;
    stopLive();
    $('#whoami').textContent = '';
    $('#sign-out').hidden = true;
    show('sign-in-view');
  }

  async function signOut() {
    await call('DELETE', '/ui/session');
    signedOut();
  }

  // ---- queue ---------------------------------------------------------------------------

  const filters = { marketplace: '', status: '', agent: '', language: '' };

  function queuePath() {
    const query = new URLSearchParams({ limit: '500' });
    for (const name of ['marketplace', 'status', 'agent']) {
      if (filters[name]) query.set(name, filters[name]);
    }
    return '/api/tickets?' + query.toString();
  }

  async function refreshQueue() {
    const { status, data } = await call('GET', queuePath());
    if (status !== 200) {
      if (status !== 401) $('#queue-error').textContent = data.message || String(status);
      return;
    }
    $('#queue-error').textContent = '';
    state.tickets = data.tickets || [];
    $('#live').dataset.updated = new Date().toISOString();
    renderFilters();
    renderQueue();
  }

  async function loadAgents() {
    const { status, data } = await call('GET', '/api/agents');
    if (status === 200) state.agents = (data.agents || []).map((a) => a.name).filter(Boolean);
  }

  /** Options for one filter: "all", then what the tickets (and agents) offer. */
  function filterOptions(name) {
    const seen = new Set();
    if (name === 'status') STATUSES.forEach((s) => seen.add(s));
    if (name === 'agent') state.agents.forEach((a) => seen.add(a));
    for (const ticket of state.tickets) {
      const value = name === 'agent' ? ticket.assignee : ticket[name];
      if (value) seen.add(value);
    }
    if (filters[name]) seen.add(filters[name]);
    const label = (value) => (name === 'status' ? t('status.' + value) : value);
    return [['', t('filter.all')], ...[...seen].sort().map((v) => [v, label(v)])];
  }

  /** Rebuild a filter's options only when they change, so an open list stays open. */
  function renderFilters() {
    for (const name of Object.keys(filters)) {
      const select = $('#filter-' + name);
      const choices = filterOptions(name);
      const signature = JSON.stringify([filters[name], choices]);
      if (select.dataset.signature === signature) continue;
      select.dataset.signature = signature;
      select.replaceChildren(...choices.map(([value, label]) =>
        el('option', { value, text: label, selected: value === filters[name] })));
    }
  }

  function onFilter(name, event) {
    filters[name] = event.target.value;
    if (name === 'language') renderQueue();
    else refreshQueue();
  }

  function visibleTickets() {
    return state.tickets
      .filter((ticket) => !filters.language || ticket.language === filters.language)
      .slice()
      .sort((a, b) => Date.parse(a.due.at) - Date.parse(b.due.at));
  }

  function renderQueue() {
    const tickets = visibleTickets();
    for (const severity of SEVERITIES) {
      const lane = $('#lane-' + severity);
      const mine = tickets.filter((ticket) => ticket.severity === severity);
      lane.querySelector('.count').textContent = String(mine.length);
      const items = mine.length
        ? mine.map(ticketCard)
        : [el('li', { class: 'empty', text: t('lane.empty') })];
      lane.querySelector('.tickets').replaceChildren(...items);
    }
    tick();
  }

  function ticketCard(ticket) {
    const facts = ticket.facts || {};
    return el('li', { class: 'ticket', 'data-id': ticket.id },
      el('a', { href: '#/tickets/' + ticket.id },
        el('div', { class: 'row' },
          el('span', { class: 'id', text: '#' + ticket.id }),
          el('span', { class: 'kind', text: ticket.kind }),
          el('span', { class: 'countdown', 'data-due': ticket.due.at })),
        el('div', { class: 'summary', text: ticket.summary }),
        el('div', { class: 'meta' },
          el('span', { class: 'buyer', text: facts.buyer_name || '' }),
          el('span', { text: ticket.marketplace }),
          el('span', { text: t('status.' + ticket.status) }),
          ticket.language ? el('span', { text: ticket.language }) : null,
          el('span', { class: 'assignee', text: ticket.assignee || t('ticket.unassigned') }))));
  }

  // ---- SLA countdown -------------------------------------------------------------------

  /** "3h 04m 05s left" or "1h 02m 00s overdue". */
  function countdown(dueAt, now) {
    const ms = Date.parse(dueAt) - now;
    const overdue = ms < 0;
    let seconds = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(seconds / 86400);
    seconds -= days * 86400;
    const pad = (n) => String(n).padStart(2, '0');
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const span = (days ? days + 'd ' : '') + h + 'h ' + pad(m) + 'm ' + pad(s) + 's';
    return { overdue, text: span + ' ' + t(overdue ? 'sla.overdue' : 'sla.left') };
  }

  function tick() {
    const now = Date.now();
    for (const node of document.querySelectorAll('[data-due]')) {
      const { overdue, text } = countdown(node.getAttribute('data-due'), now);
      node.textContent = text;
      node.classList.toggle('overdue', overdue);
    }
    const live = $('#live');
    live.textContent = t(state.stream ? 'live.on' : 'live.polling');
  }

  // ---- live updates --------------------------------------------------------------------

  // The queue is polled every few seconds; the alert stream (when alerts are configured)
  // makes a new red ticket show up at once instead of at the next poll.
  function startLive() {
    stopLive();
    state.pollTimer = window.setInterval(() => {
      if (!$('#queue-view').hidden) refreshQueue();
    }, POLL_MS);
    if (window.EventSource) {
      state.stream = new EventSource('/api/stream');
      state.stream.addEventListener('alert', () => refreshQueue());
      state.stream.onerror = () => { /* EventSource reconnects by itself */ };
    }
  }

  function stopLive() {
    if (state.pollTimer) window.clearInterval(state.pollTimer);
    state.pollTimer = null;
    if (state.stream) state.stream.close();
    state.stream = null;
  }

  // ---- ticket page ---------------------------------------------------------------------

  async function openTicket(id) {
    show('ticket-view');
    const body = $('#ticket-body');
    const { status, data } = await call('GET', '/api/tickets/' + encodeURIComponent(id));
    if (status !== 200) {
      state.ticket = null;
      body.replaceChildren(el('p', { class: 'error', text: data.message || t('ticket.notFound') }));
      return;
    }
    let customer = null;
    if (data.ticket.customer) {
      const answer = await call('GET', '/api/customers/' + encodeURIComponent(data.ticket.customer));
      if (answer.status === 200) customer = answer.data.customer;
    }
    state.ticket = { ...data, customer };
    renderTicket(state.ticket);
  }

  function renderTicket(view) {
    const ticket = view.ticket;
    const header = el('div', { class: 'ticket-head ' + ticket.severity },
      el('h1', {}, el('span', { class: 'id', text: '#' + ticket.id + ' ' }), ticket.summary),
      el('p', { class: 'meta' },
        el('span', { class: 'badge ' + ticket.severity, text: t('lane.' + ticket.severity) }),
        el('span', { text: ticket.marketplace + ' · ' + ticket.kind }),
        el('span', { text: t('status.' + ticket.status) }),
        el('span', { text: t('ticket.assignee') + ': ' + (ticket.assignee || t('ticket.unassigned')) }),
        el('span', { text: t('ticket.due') + ': ' + formatTime(ticket.due.at) + ' ' }),
        el('span', { class: 'countdown', 'data-due': ticket.due.at })));
    const columns = el('div', { class: 'columns' },
      el('div', { class: 'main' }, timeline(view.timeline || []), composer(ticket)),
      el('aside', {}, customerCard(ticket, view.customer)));
    $('#ticket-body').replaceChildren(header, columns);
    tick();
  }

  function customerCard(ticket, customer) {
    const facts = ticket.facts || {};
    const rows = [
      ['ticket.name', facts.buyer_name],
      ['ticket.country', ticket.country],
      ['ticket.language', ticket.language],
      ['ticket.order', facts.order_name || ticket.order_id],
      ['ticket.tags', customer && customer.tags ? customer.tags.join(', ') : null],
    ].filter(([, value]) => value);
    return el('section', { class: 'card customer' },
      el('h2', { text: t('ticket.customer') }),
      el('dl', {}, rows.map(([key, value]) => [el('dt', { text: t(key) }), el('dd', { text: value })])));
  }

  function timeline(entries) {
    const items = entries.slice().reverse().map((entry) =>
      el('li', { class: 'entry ' + entry.type },
        el('time', { text: formatTime(entry.at) }),
        el('span', { class: 'type', text: entry.type }),
        el('span', { class: 'what', text: describe(entry) })));
    return el('section', { class: 'card' },
      el('h2', { text: t('ticket.timeline') }), el('ol', { class: 'timeline' }, items));
  }

  /** One line for a timeline entry, from its own fields. */
  function describe(entry) {
    switch (entry.type) {
      case 'event': return entry.summary;
      case 'note': return entry.by + ': ' + entry.text;
      case 'reply-sent': return entry.by + ': ' + entry.body;
      case 'assigned': return (entry.to || '—') + ' (' + entry.by + ')';
      case 'opened': return t('lane.' + entry.severity) + ' · ' + t('ticket.due') + ' '
        + formatTime(entry.due.at);
      default: {
        const rest = Object.entries(entry)
          .filter(([key]) => key !== 'type' && key !== 'at')
          .map(([key, value]) => key + '=' + (typeof value === 'object' ? JSON.stringify(value) : value));
        return rest.join(', ');
      }
    }
  }

  function composer(ticket) {
    const subject = el('input', { id: 'reply-subject', type: 'text' });
    const text = el('textarea', { id: 'reply-body', rows: 6, required: true });
    const findings = el('div', { id: 'reply-findings', class: 'findings', role: 'alert' });
    const form = el('form', { id: 'reply-form' },
      el('label', { htmlFor: 'reply-subject', text: t('ticket.subject') }), subject,
      el('label', { htmlFor: 'reply-body', text: t('ticket.body') }), text,
      el('button', { type: 'submit', text: t('ticket.send') }), findings);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { body: text.value };
      if (subject.value) body.subject = subject.value;
      const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/reply', body);
      if (status === 200) {
        text.value = '';
        openTicket(ticket.id);
        return;
      }
      findings.replaceChildren(...replyProblem(status, data));
    });
    return el('section', { class: 'card' }, el('h2', { text: t('ticket.reply') }), form);
  }

  function replyProblem(status, data) {
    if (status === 422 && Array.isArray(data.findings)) {
      return [el('p', { text: t('ticket.blocked') }),
        el('ul', {}, data.findings.map((f) =>
          el('li', { class: f.blocking ? 'blocking' : 'warning' },
            el('q', { text: f.excerpt }), ' — ', f.explanation)))];
    }
    return [el('p', { class: 'error', text: data.message || String(status) })];
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return new Intl.DateTimeFormat(state.lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  }

  // ---- routing and start ---------------------------------------------------------------

  function route() {
    if (!state.user) return show('sign-in-view');
    const match = window.location.hash.match(/^#\/tickets\/(\d+)$/);
    if (match) return openTicket(match[1]);
    state.ticket = null;
    show('queue-view');
    refreshQueue();
  }

  async function start() {
    applyStrings();
    $('#sign-in-form').addEventListener('submit', signIn);
    $('#sign-out').addEventListener('click', signOut);
    $('#lang-toggle').addEventListener('click', () =>
      setLanguage(state.lang === 'en' ? 'zh-CN' : 'en'));
    for (const name of Object.keys(filters)) {
      $('#filter-' + name).addEventListener('change', (event) => onFilter(name, event));
    }
    window.addEventListener('hashchange', route);
    window.setInterval(tick, 1000);
    const { status, data } = await call('GET', '/ui/session');
    if (status === 200) {
      signedIn(data);
    } else {
      signedOut();
    }
  }

  document.addEventListener('DOMContentLoaded', start);
})();
