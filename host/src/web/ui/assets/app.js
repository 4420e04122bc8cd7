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
      'filter.search': 'Find',
      'keys.button': 'Shortcuts (?)',
      'keys.title': 'Keyboard shortcuts',
      'keys.move': 'Next / previous ticket',
      'keys.select': 'Select or unselect the ticket',
      'keys.click': 'click',
      'keys.range': 'Select a range of tickets',
      'keys.open': 'Open the ticket',
      'keys.back': 'Back to the queue; close this panel',
      'keys.filter': 'Find in the queue',
      'keys.help': 'Show these shortcuts',
      'keys.close': 'Close',
      'batch.selected': '{n} selected',
      'batch.selectTicket': 'Select ticket',
      'batch.selectLane': 'Select all',
      'batch.agent': 'Agent',
      'batch.assign': 'Assign',
      'batch.template': 'Template',
      'batch.draft': 'Draft replies',
      'batch.approve': 'Approve compensation',
      'batch.close': 'Close tickets',
      'batch.clear': 'Clear selection',
      'batch.dismiss': 'Dismiss',
      'batch.confirmClose': 'Close {n} tickets?',
      'batch.title.assign': 'Assign to {agent}',
      'batch.title.draft': 'Reply drafts: {scenario}',
      'batch.title.send': 'Replies: {scenario}',
      'batch.title.approve': 'Approve compensation',
      'batch.title.close': 'Close tickets',
      'batch.running': 'working…',
      'batch.ok': 'done',
      'batch.failed': 'failed',
      'batch.summary': '{ok} done, {failed} failed',
      'batch.send': 'Send {n} replies',
      'batch.assigned': 'assigned to {agent}',
      'batch.unassigned': 'unassigned',
      'batch.drafted': 'draft in {language}: {subject}',
      'batch.sent': 'reply queued for sending',
      'batch.approved': 'proposal #{id} approved',
      'batch.noProposal': 'no open compensation proposal',
      'batch.closed': 'closed',
      'batch.blockedDraft': 'the compliance guard blocks this draft',
      'batch.pickTemplate': 'Choose a template first.',
      'batch.pickAgent': 'Choose an agent first.',
      'batch.nobody': '— nobody —',
      'batch.couponValue': 'Coupon value',
      'batch.couponCurrency': 'Currency',
      'batch.coupon': 'Send coupon',
      'batch.confirmCoupon': 'Send a coupon of {value} to each of {n} tickets?',
      'batch.title.coupon': 'Coupon of {value}',
      'batch.couponQueued': 'coupon of {value} queued for sending',
      'batch.pickCoupon': 'Enter the coupon value and a currency code (e.g. 10.00 and EUR) first.',
      'ticket.work': 'Work on it',
      'ticket.status': 'Status',
      'ticket.satisfied': 'Buyer satisfied',
      'ticket.setStatus': 'Change status',
      'ticket.assign': 'Assign',
      'ticket.saved': 'Saved.',
      'ticket.notes': 'Notes',
      'ticket.noteText': 'Note',
      'ticket.addNote': 'Add note',
      'ticket.followUps': 'Follow-ups',
      'ticket.followUpWhat': 'What to check',
      'ticket.followUpIn': 'In',
      'ticket.addFollowUp': 'Add follow-up',
      'ticket.removeFollowUp': 'Remove',
      'ticket.noFollowUps': 'No follow-ups.',
      'ticket.hours': '{n} h',
      'ticket.days': '{n} days',
      'proposal.title': 'Compensation',
      'proposal.none': 'No proposal yet.',
      'proposal.ask': 'Ask the policy for a proposal',
      'proposal.tier': 'Approval',
      'proposal.tier.automatic': 'automatic',
      'proposal.tier.agent': 'agent',
      'proposal.tier.lead': 'lead',
      'proposal.state.open': 'waiting for approval',
      'proposal.state.approved': 'approved',
      'proposal.state.rejected': 'rejected',
      'proposal.state.superseded': 'superseded',
      'proposal.rationale': 'Why',
      'proposal.actions': 'Actions',
      'proposal.evidence': 'Ask the buyer for',
      'proposal.approve': 'Approve',
      'proposal.reject': 'Reject',
      'proposal.reason': 'Reason for rejecting',
      'proposal.outbox': 'Actions in the outbox',
      'proposal.full': 'full amount',
      'action.Refund': 'Refund',
      'action.Reship': 'Reship',
      'action.Coupon': 'Coupon',
      'action.Message': 'Message',
      'action.ReturnDecision': 'Return decision',
      'action.DisputeEvidence': 'Dispute evidence',
      'action.state.pending': 'pending',
      'action.state.sending': 'sending',
      'action.state.unknown': 'outcome unknown',
      'action.state.done': 'done',
      'action.state.failed': 'failed',
      'composer.template': 'Template',
      'composer.none': '— write it myself —',
      'composer.language': 'Language',
      'composer.buyerLanguage': "Buyer's language",
      'composer.fill': 'Fill from template',
      'composer.variables': 'Template details (optional)',
      'composer.tips': 'Culture tips',
      'composer.findings': 'Compliance',
      'composer.clean': 'No compliance findings.',
      'composer.blocks': 'blocks sending',
      'composer.warns': 'warning',
      'composer.translate': "Translate my text into the reply's language",
      'composer.useTranslation': 'Use the translation',
      'composer.translated': 'Translation ({from} → {to}, {translator})',
      'composer.override': 'Send anyway (leads only); reason:',
      'composer.sendAnyway': 'Send anyway',
      'scenario.delivered-not-received': 'Delivered, not received',
      'scenario.lost-parcel': 'Lost parcel',
      'scenario.logistics-delay': 'Delivery delay',
      'scenario.customs-hold': 'Held in customs',
      'scenario.damaged-item': 'Damaged item',
      'scenario.wrong-item': 'Wrong item',
      'scenario.quality-problem': 'Quality problem',
      'scenario.evidence-request': 'Ask for photos',
      'scenario.refund-confirmation': 'Refund issued',
      'scenario.replacement-shipped': 'Replacement shipped',
      'scenario.partial-refund-offer': 'Partial refund offer',
      'scenario.settlement-offer': 'Settlement offer',
      'scenario.off-hours-ack': 'Off-hours acknowledgement',
      'scenario.follow-up-check': 'Follow-up check',
      'scenario.proactive-care': 'Proactive care',
      'scenario.return-instructions': 'Return instructions',
      'rule.review-manipulation': 'Review manipulation',
      'rule.incentive': 'Incentive',
      'rule.review-request': 'Review request',
      'rule.marketing': 'Marketing',
      'rule.off-platform': 'Off-platform contact',
      'rule.email-address': 'E-mail address',
      'rule.phone-number': 'Phone number',
      'rule.link': 'Link',
      'rule.wrong-language': 'Wrong language',
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
      'filter.search': '查找',
      'keys.button': '快捷键 (?)',
      'keys.title': '键盘快捷键',
      'keys.move': '下一个 / 上一个工单',
      'keys.select': '选中或取消选中工单',
      'keys.click': '点击',
      'keys.range': '选择一段工单',
      'keys.open': '打开工单',
      'keys.back': '返回队列；关闭此面板',
      'keys.filter': '在队列中查找',
      'keys.help': '显示快捷键',
      'keys.close': '关闭',
      'batch.selected': '已选 {n} 个',
      'batch.selectTicket': '选择工单',
      'batch.selectLane': '全选',
      'batch.agent': '客服',
      'batch.assign': '分配',
      'batch.template': '模板',
      'batch.draft': '生成回复草稿',
      'batch.approve': '批准补偿',
      'batch.close': '关闭工单',
      'batch.clear': '清除选择',
      'batch.dismiss': '关闭结果',
      'batch.confirmClose': '确定关闭 {n} 个工单？',
      'batch.title.assign': '分配给 {agent}',
      'batch.title.draft': '回复草稿：{scenario}',
      'batch.title.send': '回复：{scenario}',
      'batch.title.approve': '批准补偿',
      'batch.title.close': '关闭工单',
      'batch.running': '处理中…',
      'batch.ok': '完成',
      'batch.failed': '失败',
      'batch.summary': '{ok} 个完成，{failed} 个失败',
      'batch.send': '发送 {n} 条回复',
      'batch.assigned': '已分配给 {agent}',
      'batch.unassigned': '已取消分配',
      'batch.drafted': '{language} 草稿：{subject}',
      'batch.sent': '回复已加入发送队列',
      'batch.approved': '方案 #{id} 已批准',
      'batch.noProposal': '没有待批准的补偿方案',
      'batch.closed': '已关闭',
      'batch.blockedDraft': '合规检查拦截了此草稿',
      'batch.pickTemplate': '请先选择模板。',
      'batch.pickAgent': '请先选择客服。',
      'batch.nobody': '— 不分配 —',
      'batch.couponValue': '优惠券金额',
      'batch.couponCurrency': '币种',
      'batch.coupon': '发送优惠券',
      'batch.confirmCoupon': '确定向 {n} 个工单各发送一张 {value} 的优惠券？',
      'batch.title.coupon': '优惠券：{value}',
      'batch.couponQueued': '{value} 的优惠券已加入发送队列',
      'batch.pickCoupon': '请先填写优惠券金额和币种代码（例如 10.00 和 EUR）。',
      'ticket.work': '处理',
      'ticket.status': '状态',
      'ticket.satisfied': '买家满意',
      'ticket.setStatus': '更改状态',
      'ticket.assign': '分配',
      'ticket.saved': '已保存。',
      'ticket.notes': '备注',
      'ticket.noteText': '备注内容',
      'ticket.addNote': '添加备注',
      'ticket.followUps': '跟进',
      'ticket.followUpWhat': '跟进内容',
      'ticket.followUpIn': '时间',
      'ticket.addFollowUp': '添加跟进',
      'ticket.removeFollowUp': '删除',
      'ticket.noFollowUps': '暂无跟进。',
      'ticket.hours': '{n} 小时后',
      'ticket.days': '{n} 天后',
      'proposal.title': '补偿方案',
      'proposal.none': '暂无方案。',
      'proposal.ask': '请求策略生成方案',
      'proposal.tier': '审批级别',
      'proposal.tier.automatic': '自动',
      'proposal.tier.agent': '客服',
      'proposal.tier.lead': '主管',
      'proposal.state.open': '待批准',
      'proposal.state.approved': '已批准',
      'proposal.state.rejected': '已拒绝',
      'proposal.state.superseded': '已被取代',
      'proposal.rationale': '理由',
      'proposal.actions': '操作',
      'proposal.evidence': '需向买家索取',
      'proposal.approve': '批准',
      'proposal.reject': '拒绝',
      'proposal.reason': '拒绝理由',
      'proposal.outbox': '待执行的操作',
      'proposal.full': '全额',
      'action.Refund': '退款',
      'action.Reship': '补发',
      'action.Coupon': '优惠券',
      'action.Message': '消息',
      'action.ReturnDecision': '退货决定',
      'action.DisputeEvidence': '争议证据',
      'action.state.pending': '待发送',
      'action.state.sending': '发送中',
      'action.state.unknown': '结果未知',
      'action.state.done': '已完成',
      'action.state.failed': '失败',
      'composer.template': '模板',
      'composer.none': '— 自己撰写 —',
      'composer.language': '语言',
      'composer.buyerLanguage': '买家语言',
      'composer.fill': '用模板填写',
      'composer.variables': '模板信息（可选）',
      'composer.tips': '文化提示',
      'composer.findings': '合规检查',
      'composer.clean': '未发现合规问题。',
      'composer.blocks': '将阻止发送',
      'composer.warns': '提醒',
      'composer.translate': '将我的文字翻译成回复语言',
      'composer.useTranslation': '使用译文',
      'composer.translated': '译文（{from} → {to}，{translator}）',
      'composer.override': '仍然发送（仅限主管），理由：',
      'composer.sendAnyway': '仍然发送',
      'scenario.delivered-not-received': '显示已签收但未收到',
      'scenario.lost-parcel': '包裹丢失',
      'scenario.logistics-delay': '物流延误',
      'scenario.customs-hold': '海关扣留',
      'scenario.damaged-item': '商品损坏',
      'scenario.wrong-item': '发错商品',
      'scenario.quality-problem': '质量问题',
      'scenario.evidence-request': '索取照片证据',
      'scenario.refund-confirmation': '退款已发放',
      'scenario.replacement-shipped': '补发已寄出',
      'scenario.partial-refund-offer': '部分退款提议',
      'scenario.settlement-offer': '和解提议',
      'scenario.off-hours-ack': '非工作时间确认',
      'scenario.follow-up-check': '跟进确认',
      'scenario.proactive-care': '主动关怀',
      'scenario.return-instructions': '退货说明',
      'rule.review-manipulation': '操纵评价',
      'rule.incentive': '利诱',
      'rule.review-request': '索要评价',
      'rule.marketing': '营销内容',
      'rule.off-platform': '引导站外联系',
      'rule.email-address': '电子邮箱地址',
      'rule.phone-number': '电话号码',
      'rule.link': '链接',
      'rule.wrong-language': '语言不符',
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
    locales: null,
    ticket: null,
    // Batch work: selected ticket ids, the keyboard cursor, the anchor of a shift-click range.
    selected: new Set(),
    cursor: null,
    anchor: null,
    search: '',
    queueSignature: '',
    refocusing: false,
    busy: false,
    pollTimer: null,
    stream: null,
  };

  function initialLanguage() {
    let saved = null;
    try { saved = window.localStorage.getItem('hw.lang'); } catch (_) { /* storage off */ }
    if (LANGUAGES.includes(saved)) return saved;
    return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  }

  /** A UI string; `{name}` placeholders are filled from `vars`. */
  function t(key, vars) {
    const text = STRINGS[state.lang][key] ?? STRINGS.en[key] ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  }

  /** A UI string for a value from the API (a status, rule, scenario): the value itself when
   * the table has no name for it. */
  function tOr(prefix, value) {
    const key = prefix + value;
    return STRINGS[state.lang][key] ?? STRINGS.en[key] ?? String(value);
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
      else if (name.startsWith('data-') || name.startsWith('aria-') || name === 'role') {
        node.setAttribute(name, String(value));
      }
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
    renderBatchBar();
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
    await Promise.all([loadAgents(), loadLocales()]);
    renderBatchBar();
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

  /** The locale packs and the scenario catalogue, for template pickers. */
  async function loadLocales() {
    const { status, data } = await call('GET', '/api/locales');
    if (status === 200) state.locales = data;
  }

  function scenarios() {
    return (state.locales && state.locales.scenarios) || [];
  }

  /** Every language some loaded locale pack writes. */
  function packLanguages() {
    const seen = new Set();
    for (const pack of (state.locales && state.locales.packs) || []) {
      for (const language of pack.languages || []) seen.add(language);
    }
    return [...seen].sort();
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

  function matchesSearch(ticket, needle) {
    if (!needle) return true;
    const facts = ticket.facts || {};
    return ['#' + ticket.id, ticket.summary, ticket.kind, ticket.marketplace, ticket.shop,
      ticket.order_id, facts.buyer_name, facts.order_name, facts.tracking_number]
      .some((field) => typeof field === 'string' && field.toLowerCase().includes(needle));
  }

  function visibleTickets() {
    const needle = state.search.trim().toLowerCase();
    return state.tickets
      .filter((ticket) => !filters.language || ticket.language === filters.language)
      .filter((ticket) => matchesSearch(ticket, needle))
      .slice()
      .sort((a, b) => Date.parse(a.due.at) - Date.parse(b.due.at));
  }

  /** Visible ticket ids in the order the lanes show them: red, yellow, blue. */
  function orderedIds() {
    const tickets = visibleTickets();
    return SEVERITIES.flatMap((severity) =>
      tickets.filter((ticket) => ticket.severity === severity).map((ticket) => ticket.id));
  }

  /** Redraw the lanes when something they show changed; keyboard focus stays on its card. */
  function renderQueue(force) {
    const tickets = visibleTickets();
    const signature = JSON.stringify([state.lang, tickets, [...state.selected], state.cursor]);
    if (!force && signature === state.queueSignature) return;
    state.queueSignature = signature;
    const focused = document.activeElement;
    const focusedCard = focused && focused.closest ? focused.closest('.lanes .ticket') : null;
    const focusedPart = focusedCard ? (focused.matches('input') ? 'input' : 'a') : null;
    const focusedId = focusedCard ? Number(focusedCard.dataset.id) : null;
    for (const severity of SEVERITIES) {
      const lane = $('#lane-' + severity);
      const mine = tickets.filter((ticket) => ticket.severity === severity);
      lane.querySelector('.count').textContent = String(mine.length);
      const items = mine.length
        ? mine.map(ticketCard)
        : [el('li', { class: 'empty', text: t('lane.empty') })];
      lane.querySelector('.tickets').replaceChildren(...items);
    }
    if (focusedId !== null) {
      const again = document.querySelector('.lanes .ticket[data-id="' + focusedId + '"] ' + focusedPart);
      // Putting the focus back is not the agent moving the cursor (see onQueueFocus).
      state.refocusing = true;
      if (again) again.focus({ preventScroll: true });
      state.refocusing = false;
    }
    renderBatchBar();
    tick();
  }

  function ticketCard(ticket) {
    const facts = ticket.facts || {};
    const selected = state.selected.has(ticket.id);
    const box = el('input', { type: 'checkbox', class: 'select', checked: selected, 'data-id': ticket.id });
    box.setAttribute('aria-label', t('batch.selectTicket') + ' #' + ticket.id);
    const classes = ['ticket'];
    if (selected) classes.push('selected');
    if (state.cursor === ticket.id) classes.push('cursor');
    return el('li', { class: classes.join(' '), 'data-id': ticket.id },
      box,
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

  // ---- selection and batch work --------------------------------------------------------

  function setSelected(id, on) {
    if (on) state.selected.add(id);
    else state.selected.delete(id);
  }

  /** A click on a card's checkbox; with Shift, everything between it and the last click. */
  function onSelectClick(event) {
    const box = event.target.closest('input.select');
    if (!box) return;
    const id = Number(box.dataset.id);
    const ids = orderedIds();
    if (event.shiftKey && state.anchor !== null && ids.includes(state.anchor)) {
      const [from, to] = [ids.indexOf(state.anchor), ids.indexOf(id)].sort((a, b) => a - b);
      for (const other of ids.slice(from, to + 1)) setSelected(other, box.checked);
    } else {
      setSelected(id, box.checked);
    }
    state.anchor = id;
    state.cursor = id;
    renderQueue();
  }

  /** "Select all" of a lane: selects its visible tickets, or unselects them if all were. */
  function selectLane(severity) {
    const ids = visibleTickets().filter((ticket) => ticket.severity === severity).map((x) => x.id);
    const all = ids.length > 0 && ids.every((id) => state.selected.has(id));
    for (const id of ids) setSelected(id, !all);
    renderQueue();
  }

  function clearSelection() {
    state.selected.clear();
    state.anchor = null;
    renderQueue();
  }

  /** Selected ids in queue order; a selected ticket that left the queue is kept last. */
  function selectedIds() {
    const ids = orderedIds().filter((id) => state.selected.has(id));
    for (const id of state.selected) if (!ids.includes(id)) ids.push(id);
    return ids;
  }

  function fillSelect(select, choices, keep) {
    const signature = JSON.stringify(choices);
    if (select.dataset.signature === signature) return;
    const previous = keep ? select.value : '';
    select.dataset.signature = signature;
    select.replaceChildren(...choices.map(([value, label]) => el('option', { value, text: label })));
    if (choices.some(([value]) => value === previous)) select.value = previous;
  }

  function renderBatchBar() {
    const count = state.selected.size;
    $('#batch-count').textContent = t('batch.selected', { n: count });
    fillSelect($('#batch-agent'), [['', '—'], ['-', t('batch.nobody')],
      ...state.agents.map((a) => [a, a])], true);
    fillSelect($('#batch-scenario'), [['', '—'],
      ...scenarios().map((s) => [s.id, tOr('scenario.', s.id)])], true);
    for (const id of ['batch-assign', 'batch-draft', 'batch-approve', 'batch-coupon', 'batch-close',
      'batch-clear']) {
      $('#' + id).disabled = count === 0 || state.busy;
    }
  }

  /** The results panel: one row per ticket, filled in as each finishes. */
  function startResults(title, ids) {
    $('#batch-results').hidden = false;
    $('#batch-results-title').textContent = title;
    $('#batch-send-area').replaceChildren();
    const rows = new Map();
    $('#batch-result-list').replaceChildren(...ids.map((id) => {
      const outcome = el('span', { class: 'outcome', text: t('batch.running') });
      const detail = el('span', { class: 'detail' });
      const row = el('li', { class: 'result running', 'data-id': id },
        el('a', { href: '#/tickets/' + id, text: '#' + id }), ' ', outcome, ' ', detail);
      rows.set(id, { row, outcome, detail });
      return row;
    }));
    return {
      set(id, ok, text) {
        const entry = rows.get(id);
        if (!entry) return;
        entry.row.className = 'result ' + (ok ? 'ok' : 'failed');
        entry.outcome.textContent = t(ok ? 'batch.ok' : 'batch.failed');
        entry.detail.textContent = text || '';
      },
      summary() {
        const ok = $('#batch-result-list').querySelectorAll('.result.ok').length;
        const failed = $('#batch-result-list').querySelectorAll('.result.failed').length;
        $('#batch-results-title').textContent = title + ' — ' + t('batch.summary', { ok, failed });
      },
    };
  }

  /** Run `work(id)` for each id in turn ({ok, text} each), showing every outcome. */
  async function runBatch(title, ids, work) {
    state.busy = true;
    renderBatchBar();
    const results = startResults(title, ids);
    const outcomes = new Map();
    try {
      for (const id of ids) {
        let outcome;
        try {
          outcome = await work(id);
        } catch (e) {
          outcome = { ok: false, text: String(e && e.message ? e.message : e) };
        }
        outcomes.set(id, outcome);
        results.set(id, outcome.ok, outcome.text);
      }
    } finally {
      results.summary();
      state.busy = false;
      renderBatchBar();
    }
    refreshQueue();
    return outcomes;
  }

  /** The API's words for a failed call. */
  function failure(status, data) {
    const kind = data && data.error ? data.error + ': ' : '';
    return kind + ((data && data.message) || (status === 0 ? t('error.network') : String(status)));
  }

  async function batchAssign() {
    const choice = $('#batch-agent').value;
    if (!choice) return showBatchHint(t('batch.pickAgent'));
    const agent = choice === '-' ? null : choice;
    const ids = selectedIds();
    await runBatch(t('batch.title.assign', { agent: agent || t('batch.nobody') }), ids, async (id) => {
      const { status, data } = await call('POST', '/api/tickets/' + id + '/assign', { agent });
      if (status !== 200) return { ok: false, text: failure(status, data) };
      return { ok: true, text: agent ? t('batch.assigned', { agent }) : t('batch.unassigned') };
    });
  }

  /** Draft the template for every selected ticket in its buyer's language, show the drafts,
   * and offer to send the ones the guard lets through. */
  async function batchDraft() {
    const scenario = $('#batch-scenario').value;
    if (!scenario) return showBatchHint(t('batch.pickTemplate'));
    const name = tOr('scenario.', scenario);
    const drafts = new Map();
    await runBatch(t('batch.title.draft', { scenario: name }), selectedIds(), async (id) => {
      const { status, data } = await call('POST', '/api/tickets/' + id + '/draft', { scenario });
      if (status !== 200) return { ok: false, text: failure(status, data) };
      const draft = data.draft;
      if (draft.blocked) {
        return { ok: false, text: t('batch.blockedDraft') + ': ' + findingWords(draft.findings) };
      }
      drafts.set(id, draft);
      return { ok: true, text: t('batch.drafted', { language: draft.language, subject: draft.subject || '' }) };
    });
    if (drafts.size === 0) return;
    const send = el('button', { type: 'button', id: 'batch-send', text: t('batch.send', { n: drafts.size }) });
    send.addEventListener('click', async () => {
      send.disabled = true;
      await runBatch(t('batch.title.send', { scenario: name }), [...drafts.keys()], async (id) => {
        const draft = drafts.get(id);
        const body = { body: draft.body, language: draft.language };
        if (draft.subject) body.subject = draft.subject;
        const { status, data } = await call('POST', '/api/tickets/' + id + '/reply', body);
        if (status !== 200) {
          const words = Array.isArray(data.findings) ? ' — ' + findingWords(data.findings) : '';
          return { ok: false, text: failure(status, data) + words };
        }
        return { ok: true, text: t('batch.sent') };
      });
    });
    $('#batch-send-area').replaceChildren(send);
  }

  /** Approve the open compensation proposal of every selected ticket, in one decision call. */
  async function batchApprove() {
    const ids = selectedIds();
    const open = new Map();
    state.busy = true;
    renderBatchBar();
    const results = startResults(t('batch.title.approve'), ids);
    try {
      for (const id of ids) {
        const { status, data } = await call('GET', '/api/tickets/' + id);
        if (status !== 200) {
          results.set(id, false, failure(status, data));
          continue;
        }
        const proposal = (data.proposals || []).filter((p) => p.state === 'open').pop();
        if (proposal) open.set(id, proposal.id);
        else results.set(id, false, t('batch.noProposal'));
      }
      if (open.size > 0) {
        const items = [...open].map(([ticket, proposal]) => ({ ticket, proposal }));
        const { status, data } = await call('POST', '/api/proposals/decide', { proposals: items });
        if (status !== 200) {
          for (const id of open.keys()) results.set(id, false, failure(status, data));
        } else {
          for (const item of data.results || []) {
            results.set(item.ticket, item.ok === true,
              item.ok ? t('batch.approved', { id: item.proposal }) : String(item.error || ''));
          }
        }
      }
    } finally {
      results.summary();
      state.busy = false;
      renderBatchBar();
    }
    refreshQueue();
  }

  /** The coupon the batch bar describes, as the API's money ({minor_units, currency}), or
   * null when the value or the currency is not one. Parsed from the text, never through a
   * float, so 19.99 is exactly 1999. */
  function couponValue() {
    const currency = $('#batch-coupon-currency').value.trim().toUpperCase();
    const text = $('#batch-coupon-value').value.trim().replace(',', '.');
    const digits = currencyDigits(currency);
    const parts = /^(\d+)(?:\.(\d+))?$/.exec(text);
    if (digits === null || !parts) return null;
    const fraction = parts[2] || '';
    if (fraction.length > digits) return null;
    const minor = Number(parts[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
    if (!Number.isSafeInteger(minor) || minor <= 0) return null;
    return { minor_units: minor, currency };
  }

  /** A coupon for every selected ticket, through the ticket's actions (the outbox sends it
   * with its idempotency key). Outside a proposal only a lead may give one: the API says so
   * per ticket. */
  async function batchCoupon() {
    const value = couponValue();
    if (!value) return showBatchHint(t('batch.pickCoupon'));
    const ids = selectedIds();
    const shown = money(value);
    if (!window.confirm(t('batch.confirmCoupon', { value: shown, n: ids.length }))) return;
    showBatchHint('');
    const action = { Coupon: { value, code: null, expires_at: null } };
    await runBatch(t('batch.title.coupon', { value: shown }), ids, async (id) => {
      const { status, data } = await call('POST', '/api/tickets/' + id + '/actions', { actions: [action] });
      if (status !== 200) return { ok: false, text: failure(status, data) };
      return { ok: true, text: t('batch.couponQueued', { value: shown }) };
    });
  }

  async function batchClose() {
    const ids = selectedIds();
    if (!window.confirm(t('batch.confirmClose', { n: ids.length }))) return;
    const outcomes = await runBatch(t('batch.title.close'), ids, async (id) => {
      const { status, data } = await call('POST', '/api/tickets/' + id + '/status', { status: 'closed' });
      if (status !== 200) return { ok: false, text: failure(status, data) };
      return { ok: true, text: t('batch.closed') };
    });
    for (const [id, outcome] of outcomes) if (outcome.ok) state.selected.delete(id);
    renderQueue(true);
  }

  function showBatchHint(text) {
    $('#queue-error').textContent = text;
  }

  function findingWords(findings) {
    return (findings || []).map((f) => tOr('rule.', f.rule) + ' “' + (f.excerpt || '') + '”').join('; ');
  }

  // ---- keyboard ------------------------------------------------------------------------

  function moveCursor(step) {
    const ids = orderedIds();
    if (ids.length === 0) return;
    const at = ids.indexOf(state.cursor);
    const next = at < 0 ? (step > 0 ? 0 : ids.length - 1)
      : Math.min(ids.length - 1, Math.max(0, at + step));
    state.cursor = ids[next];
    renderQueue();
    focusCursor();
  }

  function focusCursor() {
    const link = document.querySelector('.lanes .ticket[data-id="' + state.cursor + '"] a');
    if (link) {
      link.focus();
      link.scrollIntoView({ block: 'nearest' });
    }
  }

  function toggleShortcuts(open) {
    const panel = $('#shortcuts');
    panel.hidden = open === undefined ? !panel.hidden : !open;
    if (!panel.hidden) $('#shortcuts-close').focus();
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !state.user) return;
    const target = event.target;
    const typing = target.closest && target.closest('textarea, select, [contenteditable], input:not([type=checkbox])');
    const inQueue = !$('#queue-view').hidden;
    const inTicket = !$('#ticket-view').hidden;
    if (event.key === 'Escape') {
      if (!$('#shortcuts').hidden) toggleShortcuts(false);
      else if (typing) target.blur();
      else if (inTicket) window.location.hash = '#/';
      else if (inQueue && state.selected.size) clearSelection();
      else return;
      event.preventDefault();
      return;
    }
    if (typing) return;
    switch (event.key) {
      case '?': toggleShortcuts(); break;
      case '/':
        if (!inQueue) return;
        $('#filter-text').focus();
        break;
      case 'j': if (!inQueue) return; moveCursor(1); break;
      case 'k': if (!inQueue) return; moveCursor(-1); break;
      case 'x':
        if (!inQueue || state.cursor === null) return;
        setSelected(state.cursor, !state.selected.has(state.cursor));
        state.anchor = state.cursor;
        renderQueue();
        break;
      case 'Enter':
        // A focused link or button does its own thing.
        if (!inQueue || state.cursor === null || target.closest('a, button')) return;
        window.location.hash = '#/tickets/' + state.cursor;
        break;
      default: return;
    }
    event.preventDefault();
  }

  /** Tabbing onto a card moves the cursor there too. */
  function onQueueFocus(event) {
    const card = event.target.closest && event.target.closest('.lanes .ticket');
    if (!card || state.refocusing) return;
    const id = Number(card.dataset.id);
    if (state.cursor === id) return;
    for (const old of document.querySelectorAll('.lanes .ticket.cursor')) old.classList.remove('cursor');
    card.classList.add('cursor');
    state.cursor = id;
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
        el('span', { id: 'ticket-status', text: t('status.' + ticket.status) }),
        el('span', { id: 'ticket-assignee', text: t('ticket.assignee') + ': ' + (ticket.assignee || t('ticket.unassigned')) }),
        el('span', { text: t('ticket.due') + ': ' + formatTime(ticket.due.at) + ' ' }),
        el('span', { class: 'countdown', 'data-due': ticket.due.at })));
    const flash = el('p', { id: 'ticket-flash', class: 'flash', role: 'status' });
    const columns = el('div', { class: 'columns' },
      el('div', { class: 'main' }, composer(ticket), proposalsCard(view), timeline(view.timeline || [])),
      el('aside', {}, workCard(ticket), customerCard(ticket, view.customer), followUpsCard(ticket),
        notesCard(ticket)));
    $('#ticket-body').replaceChildren(header, flash, columns);
    tick();
  }

  /** Fetch the ticket again after a change, keep the composer, and say what happened. */
  async function reloadTicket(id, message, failed) {
    const { status, data } = await call('GET', '/api/tickets/' + id);
    if (status === 200 && state.ticket && state.ticket.ticket.id === id) {
      state.ticket = { ...data, customer: state.ticket.customer };
      renderTicket(state.ticket);
    }
    flash(message, failed);
  }

  function flash(message, failed) {
    const node = $('#ticket-flash');
    if (!node) return;
    node.textContent = message || '';
    node.classList.toggle('error', Boolean(failed));
  }

  /** POST to the ticket; on success reload it, otherwise say why. */
  async function ticketChange(id, path, body, done) {
    const { status, data } = await call('POST', '/api/tickets/' + id + path, body);
    if (status === 200) {
      await reloadTicket(id, done || t('ticket.saved'));
      return true;
    }
    flash(failure(status, data), true);
    return false;
  }

  function workCard(ticket) {
    const statusSelect = el('select', { id: 'ticket-status-select' },
      STATUSES.map((s) => el('option', { value: s, text: t('status.' + s), selected: s === ticket.status })));
    const satisfied = el('input', { type: 'checkbox', id: 'ticket-satisfied' });
    const setStatus = el('button', { type: 'button', id: 'ticket-set-status', text: t('ticket.setStatus') });
    setStatus.addEventListener('click', () => {
      const body = { status: statusSelect.value };
      if (statusSelect.value === 'resolved' && satisfied.checked) body.satisfied = true;
      ticketChange(ticket.id, '/status', body);
    });
    const agents = [...new Set([...state.agents, ...(ticket.assignee ? [ticket.assignee] : [])])];
    const agentSelect = el('select', { id: 'ticket-agent-select' },
      el('option', { value: '', text: t('ticket.unassigned') }),
      agents.map((a) => el('option', { value: a, text: a, selected: a === ticket.assignee })));
    const assign = el('button', { type: 'button', id: 'ticket-assign', text: t('ticket.assign') });
    assign.addEventListener('click', () =>
      ticketChange(ticket.id, '/assign', { agent: agentSelect.value || null }));
    return el('section', { class: 'card work' },
      el('h2', { text: t('ticket.work') }),
      el('div', { class: 'field-row' },
        el('label', { htmlFor: 'ticket-status-select', text: t('ticket.status') }), statusSelect,
        el('label', { class: 'inline' }, satisfied, ' ', t('ticket.satisfied')), setStatus),
      el('div', { class: 'field-row' },
        el('label', { htmlFor: 'ticket-agent-select', text: t('ticket.assignee') }), agentSelect, assign));
  }

  function followUpsCard(ticket) {
    const followUps = (ticket.timers || []).filter((timer) => timer.type === 'follow-up');
    const list = followUps.length
      ? el('ul', { class: 'follow-ups' }, followUps.map((timer) => {
        const remove = el('button', { type: 'button', class: 'secondary small', text: t('ticket.removeFollowUp') });
        remove.addEventListener('click', async () => {
          const { status, data } = await call('DELETE', '/api/tickets/' + ticket.id + '/follow-ups/' + timer.id);
          if (status === 200) reloadTicket(ticket.id, t('ticket.saved'));
          else flash(failure(status, data), true);
        });
        return el('li', { class: 'follow-up', 'data-id': timer.id },
          el('time', { text: formatTime(timer.due) }), ' ',
          el('span', { class: 'what', text: timer.what }), ' ',
          el('span', { class: 'by', text: '(' + timer.by + ')' }), ' ', remove);
      }))
      : el('p', { class: 'hint', text: t('ticket.noFollowUps') });
    const what = el('input', { type: 'text', id: 'follow-up-what', required: true });
    const when = el('select', { id: 'follow-up-in' },
      [1, 4, 24, 48, 72].map((h) => el('option', { value: h * 60, text: t('ticket.hours', { n: h }), selected: h === 24 })),
      el('option', { value: 7 * 24 * 60, text: t('ticket.days', { n: 7 }) }));
    const form = el('form', { id: 'follow-up-form', class: 'stack' },
      el('label', { htmlFor: 'follow-up-what', text: t('ticket.followUpWhat') }), what,
      el('label', { htmlFor: 'follow-up-in', text: t('ticket.followUpIn') }), when,
      el('button', { type: 'submit', text: t('ticket.addFollowUp') }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      ticketChange(ticket.id, '/follow-ups', { what: what.value, due_in_minutes: Number(when.value) });
    });
    return el('section', { class: 'card' }, el('h2', { text: t('ticket.followUps') }), list, form);
  }

  function notesCard(ticket) {
    const text = el('textarea', { id: 'note-text', rows: 3, required: true });
    const form = el('form', { id: 'note-form', class: 'stack' },
      el('label', { htmlFor: 'note-text', text: t('ticket.noteText') }), text,
      el('button', { type: 'submit', text: t('ticket.addNote') }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      ticketChange(ticket.id, '/notes', { text: text.value });
    });
    return el('section', { class: 'card' }, el('h2', { text: t('ticket.notes') }), form);
  }

  /** The kind of an action (`{"Refund": {…}}`) and a few words on it. */
  function actionWords(action) {
    const kind = action && typeof action === 'object' ? Object.keys(action)[0] : String(action);
    const spec = (action && action[kind]) || {};
    const parts = [];
    if (spec.amount && spec.amount.minor_units !== undefined) parts.push(money(spec.amount));
    else if (kind === 'Refund') parts.push(t('proposal.full'));
    if (Array.isArray(spec.line_items) && spec.line_items.length) {
      parts.push(spec.line_items.map(([item, n]) => item + ' × ' + n).join(', '));
    }
    if (spec.note) parts.push(spec.note);
    return tOr('action.', kind) + (parts.length ? ': ' + parts.join(' · ') : '');
  }

  /** How many minor-unit digits `currency` has (2 for EUR, 0 for JPY; the browser's ISO 4217
   * table), or null when it is not a three-letter code. */
  function currencyDigits(currency) {
    if (!/^[A-Z]{3}$/.test(currency)) return null;
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    } catch (_) {
      return null;
    }
  }

  function money(amount) {
    const digits = currencyDigits(amount.currency) ?? 2;
    const value = Number(amount.minor_units) / 10 ** digits;
    try {
      return new Intl.NumberFormat(state.lang, { style: 'currency', currency: amount.currency }).format(value);
    } catch (_) {
      return value.toFixed(digits) + ' ' + amount.currency;
    }
  }

  function proposalsCard(view) {
    const ticket = view.ticket;
    const proposals = (view.proposals || []).slice().reverse();
    const items = proposals.map((proposal) => {
      const parts = [
        el('h3', {}, '#' + proposal.id + ' ',
          el('span', { class: 'state ' + proposal.state, text: tOr('proposal.state.', proposal.state) }),
          ' · ' + t('proposal.tier') + ': ' + tOr('proposal.tier.', proposal.tier)),
        el('p', { class: 'rationale' }, el('strong', { text: t('proposal.rationale') + ': ' }),
          el('span', { text: proposal.rationale })),
        el('div', { class: 'proposal-actions' }, el('strong', { text: t('proposal.actions') + ':' }),
          el('ul', {}, (proposal.actions || []).map((a) => el('li', { text: actionWords(a) })))),
      ];
      if ((proposal.evidence_to_request || []).length) {
        parts.push(el('p', {}, t('proposal.evidence') + ': ', proposal.evidence_to_request.join(', ')));
      }
      if (proposal.by) parts.push(el('p', { class: 'hint', text: proposal.by + ' · ' + formatTime(proposal.at) + (proposal.reason ? ' · ' + proposal.reason : '') }));
      if (proposal.state === 'open') {
        const approve = el('button', { type: 'button', class: 'approve', text: t('proposal.approve') });
        approve.addEventListener('click', () =>
          ticketChange(ticket.id, '/proposals/' + proposal.id + '/approve', {}));
        const reason = el('input', { type: 'text', class: 'reason', placeholder: t('proposal.reason') });
        reason.setAttribute('aria-label', t('proposal.reason'));
        const reject = el('button', { type: 'button', class: 'reject secondary', text: t('proposal.reject') });
        reject.addEventListener('click', () =>
          ticketChange(ticket.id, '/proposals/' + proposal.id + '/reject', { reason: reason.value }));
        parts.push(el('div', { class: 'field-row' }, approve, reason, reject));
      }
      return el('li', { class: 'proposal ' + proposal.state, 'data-id': proposal.id }, parts);
    });
    const ask = el('button', { type: 'button', id: 'proposal-ask', class: 'secondary', text: t('proposal.ask') });
    ask.addEventListener('click', () => ticketChange(ticket.id, '/propose', {}));
    const actions = (view.actions || []).map((entry) => {
      const action = entry.action && entry.action.kind ? entry.action.kind : entry.action;
      return el('li', { class: 'action ' + entry.state },
        el('span', { text: actionWords(action) }), ' — ',
        el('span', { class: 'state', text: tOr('action.state.', entry.state) }),
        entry.error ? el('span', { class: 'hint', text: ' (' + entry.error + ')' }) : null);
    });
    return el('section', { class: 'card proposals', id: 'proposals' },
      el('h2', { text: t('proposal.title') }),
      items.length ? el('ol', { class: 'proposal-list' }, items) : el('p', { class: 'hint', text: t('proposal.none') }),
      ask,
      actions.length ? [el('h3', { text: t('proposal.outbox') }), el('ul', { class: 'actions' }, actions)] : null);
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

  // The composer keeps its text while the rest of the page is redrawn after a change.
  const composerState = { ticket: null, lang: null, node: null };

  const DATE_VARIABLES = ['answer-by', 'expected-at', 'return-by', 'delivered-at', 'estimated-delivery'];
  const MONEY_VARIABLES = ['amount', 'coupon-amount'];

  function composer(ticket) {
    if (composerState.ticket === ticket.id && composerState.lang === state.lang && composerState.node) {
      return composerState.node;
    }
    const node = buildComposer(ticket);
    Object.assign(composerState, { ticket: ticket.id, lang: state.lang, node });
    return node;
  }

  function buildComposer(ticket) {
    const common = new Set(['order-number', 'buyer-name', 'agent-name']);
    const scenario = el('select', { id: 'reply-scenario' },
      el('option', { value: '', text: t('composer.none') }),
      scenarios().map((s) => el('option', { value: s.id, text: tOr('scenario.', s.id), title: s.purpose })));
    const language = el('select', { id: 'reply-language' },
      el('option', { value: '', text: t('composer.buyerLanguage') + (ticket.language ? ' (' + ticket.language + ')' : '') }),
      packLanguages().map((l) => el('option', { value: l, text: l })));
    const variables = el('fieldset', { id: 'reply-variables', class: 'variables', hidden: true });
    const fill = el('button', { type: 'button', id: 'reply-fill', class: 'secondary', text: t('composer.fill'), disabled: true });
    const tips = el('div', { id: 'reply-tips', class: 'tips', hidden: true });
    const subject = el('input', { id: 'reply-subject', type: 'text' });
    const text = el('textarea', { id: 'reply-body', rows: 8, required: true });
    const findings = el('div', { id: 'reply-findings', class: 'findings', 'aria-live': 'polite' });
    const translate = el('button', { type: 'button', id: 'reply-translate', class: 'secondary', text: t('composer.translate') });
    const translation = el('div', { id: 'reply-translation', class: 'translation', hidden: true });
    const result = el('div', { id: 'reply-result', class: 'reply-result', role: 'alert' });
    // The language the text is written for: the draft's, or the one picked.
    let replyLanguage = '';

    scenario.addEventListener('change', () => {
      const chosen = scenarios().find((s) => s.id === scenario.value);
      fill.disabled = !chosen;
      const own = chosen ? chosen.variables.filter((v) => !common.has(v)) : [];
      variables.hidden = own.length === 0;
      variables.replaceChildren(el('legend', { text: t('composer.variables') }), ...own.map((name) => {
        const input = el('input', {
          type: DATE_VARIABLES.includes(name) ? 'date' : 'text',
          'data-variable': name,
          placeholder: MONEY_VARIABLES.includes(name) ? '12.50 ' + ((ticket.amount && ticket.amount.currency) || 'USD') : '',
        });
        input.setAttribute('aria-label', name);
        return el('label', { class: 'variable' }, el('span', { text: name }), input);
      }));
    });
    language.addEventListener('change', () => {
      replyLanguage = language.value;
      scheduleCheck();
    });

    fill.addEventListener('click', async () => {
      const body = { scenario: scenario.value, variables: variableValues(variables) };
      if (language.value) body.language = language.value;
      const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/draft', body);
      if (status !== 200) {
        result.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
        return;
      }
      const draft = data.draft;
      result.replaceChildren();
      subject.value = draft.subject || '';
      text.value = draft.body || '';
      text.dir = draft.direction === 'rtl' ? 'rtl' : 'ltr';
      subject.dir = text.dir;
      replyLanguage = draft.language;
      renderTips(tips, draft.culture_tips || []);
      renderFindings(findings, draft.findings || []);
    });

    // The guard on what the agent types, a moment after they stop.
    let timer = null;
    let asked = 0;
    function scheduleCheck() {
      window.clearTimeout(timer);
      timer = window.setTimeout(checkNow, 400);
    }
    async function checkNow() {
      const mine = ++asked;
      if (!text.value.trim()) {
        findings.replaceChildren();
        return;
      }
      const body = { text: text.value };
      if (replyLanguage) body.language = replyLanguage;
      const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/check', body);
      if (mine !== asked) return;
      if (status === 200) renderFindings(findings, data.findings || []);
      else findings.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
    }
    text.addEventListener('input', scheduleCheck);

    translate.addEventListener('click', async () => {
      if (!text.value.trim()) return;
      const body = { text: text.value };
      if (replyLanguage) body.target_language = replyLanguage;
      const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/translate', body);
      translation.hidden = false;
      if (status !== 200) {
        translation.replaceChildren(el('p', { class: 'error', text: failure(status, data) }));
        return;
      }
      const done = data.translation;
      const use = el('button', { type: 'button', id: 'reply-use-translation', text: t('composer.useTranslation') });
      use.addEventListener('click', () => {
        text.value = done.text;
        replyLanguage = done.target_language;
        translation.hidden = true;
        checkNow();
      });
      translation.replaceChildren(
        el('p', { class: 'hint', text: t('composer.translated', {
          from: done.source_language || '?', to: done.target_language, translator: done.translator || '' }) }),
        el('blockquote', { class: 'translated', text: done.text }),
        use);
      renderFindings(findings, data.findings || []);
    });

    async function send(overrideReason) {
      const body = { body: text.value };
      if (subject.value) body.subject = subject.value;
      if (replyLanguage) body.language = replyLanguage;
      if (overrideReason) body.override_reason = overrideReason;
      const { status, data } = await call('POST', '/api/tickets/' + ticket.id + '/reply', body);
      if (status === 200) {
        text.value = '';
        subject.value = '';
        findings.replaceChildren();
        tips.hidden = true;
        result.replaceChildren(el('p', { class: 'ok', text: t('ticket.sent') }));
        await reloadTicket(ticket.id, t('ticket.sent'));
        return;
      }
      result.replaceChildren(...replyProblem(status, data, send));
    }
    const form = el('form', { id: 'reply-form' },
      el('div', { class: 'field-row' },
        el('label', { htmlFor: 'reply-scenario', text: t('composer.template') }), scenario,
        el('label', { htmlFor: 'reply-language', text: t('composer.language') }), language, fill),
      variables, tips,
      el('label', { htmlFor: 'reply-subject', text: t('ticket.subject') }), subject,
      el('label', { htmlFor: 'reply-body', text: t('ticket.body') }), text,
      findings,
      el('div', { class: 'field-row' }, el('button', { type: 'submit', id: 'reply-send', text: t('ticket.send') }), translate),
      translation, result);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(null);
    });
    return el('section', { class: 'card composer' }, el('h2', { text: t('ticket.reply') }), form);
  }

  /** Template variables the agent filled in, in the draft API's shapes. */
  function variableValues(fieldset) {
    const values = {};
    for (const input of fieldset.querySelectorAll('input[data-variable]')) {
      const name = input.getAttribute('data-variable');
      const value = input.value.trim();
      if (!value) continue;
      if (DATE_VARIABLES.includes(name)) {
        values[name] = value + 'T12:00:00Z';
      } else if (MONEY_VARIABLES.includes(name)) {
        const match = value.match(/^([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})$/);
        values[name] = match ? { amount: match[1].replace(',', '.'), currency: match[2].toUpperCase() } : value;
      } else {
        values[name] = value;
      }
    }
    return values;
  }

  function renderTips(node, tips) {
    node.hidden = tips.length === 0;
    node.replaceChildren(el('h3', { text: t('composer.tips') }),
      el('ul', {}, tips.map((tip) =>
        el('li', { class: 'tip' }, el('strong', { text: tip.title }), ' ', el('span', { text: tip.text })))));
  }

  function renderFindings(node, findings) {
    if (findings.length === 0) {
      node.replaceChildren(el('p', { class: 'clean', text: t('composer.clean') }));
      return;
    }
    node.replaceChildren(el('h3', { text: t('composer.findings') }),
      el('ul', {}, findings.map((f) =>
        el('li', { class: 'finding ' + (f.blocking ? 'blocking' : 'warning'), 'data-rule': f.rule },
          el('strong', { text: tOr('rule.', f.rule) }),
          ' (' + t(f.blocking ? 'composer.blocks' : 'composer.warns') + '): ',
          el('q', { text: f.excerpt || '' }), ' — ', f.explanation || ''))));
  }

  function replyProblem(status, data, send) {
    if (status === 422 && Array.isArray(data.findings)) {
      const reason = el('input', { type: 'text', id: 'reply-override-reason' });
      const anyway = el('button', { type: 'button', id: 'reply-send-anyway', class: 'secondary', text: t('composer.sendAnyway') });
      anyway.addEventListener('click', () => { if (reason.value.trim()) send(reason.value); });
      return [el('p', { text: t('ticket.blocked') }),
        el('ul', { class: 'findings' }, data.findings.map((f) =>
          el('li', { class: f.blocking ? 'blocking' : 'warning' },
            el('strong', { text: tOr('rule.', f.rule) }), ': ',
            el('q', { text: f.excerpt }), ' — ', f.explanation))),
        el('div', { class: 'field-row' },
          el('label', { htmlFor: 'reply-override-reason', text: t('composer.override') }), reason, anyway)];
    }
    return [el('p', { class: 'error', text: failure(status, data) })];
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
    renderQueue(true);
    if (state.cursor !== null) focusCursor();
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
    $('#filter-text').addEventListener('input', (event) => {
      state.search = event.target.value;
      renderQueue();
    });
    const lanes = document.querySelector('.lanes');
    lanes.addEventListener('click', onSelectClick);
    lanes.addEventListener('focusin', onQueueFocus);
    for (const button of document.querySelectorAll('.select-lane')) {
      button.addEventListener('click', () => selectLane(button.getAttribute('data-severity')));
    }
    $('#batch-assign').addEventListener('click', batchAssign);
    $('#batch-draft').addEventListener('click', batchDraft);
    $('#batch-approve').addEventListener('click', batchApprove);
    $('#batch-coupon').addEventListener('click', batchCoupon);
    $('#batch-close').addEventListener('click', batchClose);
    $('#batch-clear').addEventListener('click', clearSelection);
    $('#batch-results-dismiss').addEventListener('click', () => { $('#batch-results').hidden = true; });
    $('#shortcuts-open').addEventListener('click', () => toggleShortcuts(true));
    $('#shortcuts-close').addEventListener('click', () => toggleShortcuts(false));
    document.addEventListener('keydown', onKey);
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
