// HelloWord processing panel: the Reports page (#/reports) and the Segments & care page
// (#/segments). Separate from app.js, which owns the queue and the ticket page; the two meet
// only in the DOM: this file renders into <section id="reports-view">, shows it for its own
// routes and hides the queue that app.js shows for any other route.
//
// Same rules as app.js: every UI string comes from STRINGS; report data goes on the page
// only with textContent (never innerHTML); charts are SVG images drawn by the server;
// state changes carry the session's CSRF token.
'use strict';

(function () {
  const STRINGS = {
    en: {
      'nav.reports': 'Reports',
      'nav.segments': 'Segments & care',
      'nav.queue': '← Queue',
      'reports.title': 'Reports',
      'segments.title': 'Customer segments',
      'care.title': 'Proactive care',
      'csv': 'Download CSV',
      'heatmap': 'After-sales heatmap (SKU × issue kind)',
      'carriers': 'Carrier problem rate',
      'sla': 'SLA compliance and first response per agent',
      'hotspots': 'Monthly hotspots: top root causes',
      'month': 'Month',
      'empty': 'No data yet.',
      'segment.tag': 'Tag',
      'segment.noMarketing': 'The marketplaces under “no marketing via” forbid marketing to their buyers through the marketplace: export the list for your own tools, with the buyer\'s consent. HelloWord never sends marketing messages.',
      'care.send': 'Send care message',
      'care.sent': 'Care message queued.',
      'care.blocked': 'Blocked by the compliance guard:',
      'care.failed': 'Not sent:',
    },
    'zh-CN': {
      'nav.reports': '报表',
      'nav.segments': '客户分群与关怀',
      'nav.queue': '← 队列',
      'reports.title': '报表',
      'segments.title': '客户分群',
      'care.title': '主动关怀',
      'csv': '下载 CSV',
      'heatmap': '售后热力图（SKU × 问题类型）',
      'carriers': '物流商问题率',
      'sla': '各客服 SLA 达标率与首次响应时间',
      'hotspots': '月度热点：主要根因',
      'month': '月份',
      'empty': '暂无数据。',
      'segment.tag': '标签',
      'segment.noMarketing': '“禁止营销的平台”一栏中的平台禁止通过平台向买家发送营销信息：请导出名单，在买家同意的前提下用于您自己的工具。HelloWord 从不发送营销消息。',
      'care.send': '发送关怀消息',
      'care.sent': '关怀消息已加入发送队列。',
      'care.blocked': '被合规检查拦截：',
      'care.failed': '未发送：',
      // Column headers. The API names columns for tools (JSON keys, CSV headers); English
      // shows those names, Chinese shows these.
      'col.sku': 'SKU',
      'col.batch': '批次',
      'col.total': '合计',
      'col.carrier': '物流商',
      'col.orders_seen': '涉及订单',
      'col.problem_orders': '问题订单',
      'col.problem_rate_percent': '问题率 %',
      'col.top_problem': '最常见问题',
      'col.shop': '店铺',
      'col.negative_feedback': '负面反馈',
      'col.a_to_z_claims': 'A-to-z 索赔',
      'col.chargebacks': '拒付',
      'col.orders_with_defect': '有缺陷的订单',
      'col.orders': '订单数',
      'col.odr_percent': '订单缺陷率 %',
      'col.limit_percent': '上限 %',
      'col.status': '状态',
      'col.cancellations': '取消',
      'col.cases_escalated': '已升级纠纷',
      'col.transactions_with_defect': '有缺陷的交易',
      'col.transactions': '交易数',
      'col.defect_rate_percent': '缺陷率 %',
      'col.agent': '客服',
      'col.tickets': '工单数',
      'col.answered_on_time': '按时回复',
      'col.answered_late': '超时回复',
      'col.overdue_unanswered': '逾期未回复',
      'col.compliance_percent': '达标率 %',
      'col.median_first_response_minutes': '首次响应中位数（分钟）',
      'col.p90_first_response_minutes': '首次响应 P90（分钟）',
      'col.rank': '排名',
      'col.issue_kind': '问题类型',
      'col.share_percent': '占比 %',
      'col.customer_key': '客户标识',
      'col.name': '姓名',
      'col.email': '邮箱',
      'col.country': '国家/地区',
      'col.language': '语言',
      'col.marketplaces': '平台',
      'col.last_ticket_at': '最近工单时间',
      'col.no_marketing_via': '禁止营销的平台',
      'col.contact_channel': '联系渠道',
      'col.ticket': '工单',
      'col.marketplace': '平台',
      'col.order': '订单',
      'col.buyer': '买家',
      'col.reasons': '原因',
      'col.value_minor_units': '金额（最小单位）',
      'col.currency': '币种',
      'col.tracking_number': '运单号',
      'col.last_news_at': '最近动态时间',
      'col.scenario': '模板',
      // The heatmap's columns are issue kinds (the server's charts name them alike:
      // KINDS_ZH in host/src/reports/mod.rs).
      'col.not-received': '未收到',
      'col.delivered-not-received': '显示已签收但未收到',
      'col.damaged': '商品损坏',
      'col.wrong-item': '发错商品',
      'col.quality': '质量问题',
      'col.logistics-delay': '物流延误',
      'col.customs-hold': '海关扣留',
      'col.return-request': '退货请求',
      'col.cancellation-request': '取消请求',
      'col.a-to-z-claim': 'A-to-z 索赔',
      'col.chargeback': '拒付',
      'col.payment-dispute': '支付争议',
      'col.negative-review': '差评',
      'col.buyer-message': '买家消息',
      'col.other': '其他',
    },
  };
  // The gateway's own charts; the connectors' account-health rates (GET /api/reports) follow.
  const CHARTS = ['heatmap', 'carriers', 'sla', 'hotspots'];
  const TAGS = ['high-loyalty-potential', 'vip', 'repeat-complainer'];
  const view = { month: new Date().toISOString().slice(0, 7), tag: TAGS[0] };

  const $ = (selector) => document.querySelector(selector);
  const lang = () => (document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en');
  const t = (key) => STRINGS[lang()][key] ?? STRINGS.en[key] ?? key;
  /** A column's header: its API name in English, a translation where there is one. */
  const column = (name) => STRINGS[lang()]['col.' + name] ?? name;
  /** `?lang=zh-CN` for the API when the page is in Chinese: titles, charts and notes follow. */
  const langParam = () => (lang() === 'en' ? [] : ['lang=' + encodeURIComponent(lang())]);

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

  async function getJson(path) {
    try {
      const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      return { status: response.status, data: await response.json().catch(() => ({})) };
    } catch (_) {
      return { status: 0, data: {} };
    }
  }

  async function postJson(path, body) {
    const session = await getJson('/ui/session');
    try {
      const response = await fetch(path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.data.csrf || '' },
        body: JSON.stringify(body),
      });
      return { status: response.status, data: await response.json().catch(() => ({})) };
    } catch (_) {
      return { status: 0, data: {} };
    }
  }

  function cellText(value) {
    if (value === null || value === undefined) return '—';
    if (Array.isArray(value)) return value.join(', ');
    return String(value);
  }

  function table(report, extra) {
    if (!report.rows || report.rows.length === 0) return el('p', { class: 'hint', text: t('empty') });
    const head = el('tr', {}, report.columns.map((c) => el('th', { text: column(c), 'data-column': c })), extra ? el('th') : null);
    const rows = report.rows.map((row) =>
      el('tr', {}, row.map((v) => el('td', { text: cellText(v) })), extra ? el('td', {}, extra(row)) : null));
    return el('div', { class: 'rp-scroll' }, el('table', { class: 'rp-table' }, el('thead', {}, head), el('tbody', {}, rows)));
  }

  function query(name, marketplace) {
    const params = (name === 'hotspots' ? ['month=' + encodeURIComponent(view.month)] : [])
      .concat(marketplace ? ['marketplace=' + encodeURIComponent(marketplace)] : [])
      .concat(langParam());
    return params.length ? '?' + params.join('&') : '';
  }

  /** A report's card; a connector's health rate (`health`: name, marketplace, title) is
   * asked of its marketplace and titled as the connector declares it. */
  async function reportCard(name, health) {
    const path = '/api/reports/' + name;
    const q = query(name, health && health.marketplace);
    const { status, data } = await getJson(path + q);
    const sep = q ? '&' : '?';
    const title = health ? health.title + ' (' + health.marketplace + ')' : t(name);
    const card = el('section', { class: 'card rp-card', 'data-report': name, 'data-marketplace': health && health.marketplace },
      el('h2', { text: title }),
      el('img', { class: 'rp-chart', alt: title, src: path + '.svg' + q }),
      status === 200 ? table(data) : el('p', { class: 'error', text: data.message || String(status) }),
      status === 200 ? el('ul', { class: 'rp-notes' }, (data.notes || []).map((n) => el('li', { text: n }))) : null,
      el('a', { class: 'rp-csv', href: path + q + sep + 'format=csv', download: '', text: t('csv') }));
    return card;
  }

  async function renderReports(section) {
    const month = el('input', { type: 'month', value: view.month, id: 'rp-month' });
    month.addEventListener('change', () => { view.month = month.value || view.month; render(); });
    const listed = await getJson('/api/reports' + (langParam().length ? '?' + langParam().join('&') : ''));
    const health = (listed.status === 200 && listed.data.health) || [];
    const cards = await Promise.all(CHARTS.map((name) => reportCard(name))
      .concat(health.map((h) => reportCard(h.name, h))));
    section.replaceChildren(
      el('div', { class: 'toolbar' }, el('h1', { text: t('reports.title') }),
        el('label', {}, t('month') + ' ', month)),
      el('div', { class: 'rp-grid' }, cards));
  }

  async function renderSegments(section) {
    const select = el('select', { id: 'rp-tag' },
      TAGS.map((tag) => el('option', { value: tag, text: tag, selected: tag === view.tag })));
    select.addEventListener('change', () => { view.tag = select.value; render(); });
    const segPath = '/api/reports/segments?' + ['tag=' + encodeURIComponent(view.tag)].concat(langParam()).join('&');
    const carePath = '/api/reports/care' + (langParam().length ? '?' + langParam().join('&') : '');
    const seg = await getJson(segPath);
    const care = await getJson(carePath);
    const status = el('p', { id: 'rp-care-status', role: 'status' });
    const careAction = (row) => {
      const col = (name) => row[care.data.columns.indexOf(name)];
      const order = { marketplace: col('marketplace'), shop: col('shop'), order: col('order_id') };
      const button = el('button', { type: 'button', text: t('care.send'), 'data-order': order.order });
      button.addEventListener('click', () => sendCare(order, col('order'), button, status));
      return button;
    };
    section.replaceChildren(
      el('section', { class: 'card' },
        el('div', { class: 'toolbar' }, el('h1', { text: t('segments.title') }),
          el('label', {}, t('segment.tag') + ' ', select)),
        el('p', { class: 'rp-warning', text: t('segment.noMarketing') }),
        seg.status === 200 ? table(seg.data) : el('p', { class: 'error', text: seg.data.message || String(seg.status) }),
        el('a', { class: 'rp-csv', href: segPath + '&format=csv', download: '', text: t('csv') })),
      el('section', { class: 'card' },
        el('h1', { text: t('care.title') }),
        care.status === 200 ? table(care.data, careAction) : el('p', { class: 'error', text: care.data.message || String(care.status) }),
        care.status === 200 ? el('ul', { class: 'rp-notes' }, (care.data.notes || []).map((n) => el('li', { text: n }))) : null,
        status,
        el('a', { class: 'rp-csv', href: carePath + (carePath.includes('?') ? '&' : '?') + 'format=csv', download: '', text: t('csv') })));
  }

  /** The `proactive-care` message for one order: the gateway checks the care rules again,
   * drafts the template in the buyer's language, runs the compliance guard and opens a care
   * case whose reply goes through the outbox (`POST /api/care`). */
  async function sendCare(order, name, button, status) {
    button.disabled = true;
    const result = await postJson('/api/care', order);
    if (result.status === 200) {
      const ticket = result.data.ticket.id;
      status.replaceChildren(t('care.sent') + ' ' + name + ' → ',
        el('a', { href: '#/tickets/' + ticket, text: '#' + ticket }));
      button.remove();
      return;
    }
    button.disabled = false;
    const findings = result.data.findings || [];
    status.replaceChildren(
      el('span', { class: 'error', text: (findings.length ? t('care.blocked') : t('care.failed')) + ' ' + name + ' ' }),
      findings.length
        ? el('ul', {}, findings.map((f) => el('li', {}, el('q', { text: f.excerpt }), ' — ', f.explanation)))
        : (result.data.message || String(result.status)));
  }

  function currentPage() {
    const hash = window.location.hash;
    if (hash === '#/reports') return 'reports';
    if (hash === '#/segments') return 'segments';
    return null;
  }

  function applyNav() {
    const reports = $('#nav-reports');
    const segments = $('#nav-segments');
    if (reports) reports.textContent = t('nav.reports');
    if (segments) segments.textContent = t('nav.segments');
    const signedIn = $('#sign-in-view') && $('#sign-in-view').hidden;
    const nav = $('#reports-nav');
    if (nav) nav.hidden = !signedIn;
  }

  let rendering = false;
  /** Show our page for our routes (over the queue app.js shows for them), else hide it. */
  async function render() {
    const section = $('#reports-view');
    const page = currentPage();
    applyNav();
    const signedIn = $('#sign-in-view').hidden;
    if (!page || !signedIn) {
      section.hidden = true;
      return;
    }
    $('#queue-view').hidden = true;
    $('#ticket-view').hidden = true;
    section.hidden = false;
    if (rendering) return;
    rendering = true;
    try {
      const body = el('div', {});
      const back = el('a', { href: '#/', class: 'back', text: t('nav.queue') });
      if (page === 'reports') await renderReports(body);
      else await renderSegments(body);
      section.replaceChildren(back, body);
      section.dataset.page = page;
    } finally {
      rendering = false;
    }
  }

  function start() {
    const section = $('#reports-view');
    if (!section) return;
    window.addEventListener('hashchange', render);
    // app.js shows its views on its own schedule (after sign-in, on every route); follow it.
    const observer = new MutationObserver(() => {
      applyNav();
      const page = currentPage();
      if (page && !$('#queue-view').hidden) render();
      if (!page && !section.hidden) section.hidden = true;
    });
    for (const id of ['queue-view', 'sign-in-view']) {
      observer.observe($('#' + id), { attributes: true, attributeFilter: ['hidden'] });
    }
    new MutationObserver(() => { applyNav(); if (currentPage() && !section.hidden) render(); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
    applyNav();
  }

  window.HelloWordReports = { render };
  document.addEventListener('DOMContentLoaded', start);
})();
