//! SLA compliance and first-response time per agent.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Lang, Report, percent, since, svg};

/// The SLA report's row for tickets nobody owns.
const UNASSIGNED: &str = "(unassigned)";

/// Nearest-rank percentile of sorted values.
pub(super) fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// SLA compliance and first-response time per agent, for tickets opened in the last
/// `days` days.
pub fn sla(cases: &[Case], now: Timestamp, days: i64, lang: Lang) -> Report {
    let from = since(now, days);
    #[derive(Default)]
    struct Agent {
        tickets: u64,
        on_time: u64,
        late: u64,
        overdue: u64,
        minutes: Vec<i64>,
    }
    let mut agents: BTreeMap<String, Agent> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.ticket.opened_at >= from) {
        let t = &case.ticket;
        let agent = agents
            .entry(t.assignee.clone().unwrap_or_else(|| UNASSIGNED.into()))
            .or_default();
        agent.tickets += 1;
        match t.first_response_at {
            Some(at) => {
                if at <= t.due.at {
                    agent.on_time += 1;
                } else {
                    agent.late += 1;
                }
                agent
                    .minutes
                    .push(at.duration_since(t.opened_at).as_secs().max(0) / 60);
            }
            None if t.status.is_open() && now > t.due.at => agent.overdue += 1,
            None => {}
        }
    }
    let mut table = Table::new([
        "agent",
        "tickets",
        "answered_on_time",
        "answered_late",
        "overdue_unanswered",
        "compliance_percent",
        "median_first_response_minutes",
        "p90_first_response_minutes",
    ]);
    let mut bars = Vec::new();
    for (name, agent) in &mut agents {
        agent.minutes.sort_unstable();
        let judged = agent.on_time + agent.late + agent.overdue;
        let compliance = percent(agent.on_time, judged);
        table.rows.push(vec![
            Value::from(name.clone()),
            Value::from(agent.tickets),
            Value::from(agent.on_time),
            Value::from(agent.late),
            Value::from(agent.overdue),
            Value::from(compliance),
            Value::from(percentile(&agent.minutes, 0.5)),
            Value::from(percentile(&agent.minutes, 0.9)),
        ]);
        bars.push(svg::Bar {
            label: match (lang, name.as_str()) {
                (Lang::ZhCn, UNASSIGNED) => "（未分配）".into(),
                _ => name.clone(),
            },
            value: compliance,
            note: compliance.map_or("—".into(), |c| format!("{c} %")),
        });
    }
    let title = lang.pick(
        format!("SLA compliance per agent, last {days} days"),
        format!("各客服 SLA 达标率，近 {days} 天"),
    );
    Report {
        name: "sla".into(),
        svg: Some(svg::bars(&title, &bars, None)),
        title,
        table,
        notes: vec![
            lang.pick(
                "On time: the first response (a reply or the first status change away from new) \
             came before the ticket's first-response deadline. Tickets still open past their \
             deadline without an answer count against the owner; first-response times are \
             minutes from opening, median and 90th percentile (nearest rank)."
                    .into(),
                "按时：首次响应（一次回复，或状态第一次离开“新建”）早于工单的首次响应截止时间。\
             已过截止时间仍未回复的未关闭工单计入负责人的未达标；首次响应时间为自创建起的\
             分钟数，取中位数和第 90 百分位（最近秩法）。"
                    .into(),
            ),
        ],
    }
}
