use super::*;
use jiff::tz::TimeZone;

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A wall-clock reading in `zone` (compatible disambiguation).
fn local(zone: &str, datetime: &str) -> Timestamp {
    format!("{datetime}[{zone}]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn calendar(text: &str) -> Result<BusinessCalendar, String> {
    let config: BusinessCalendarConfig =
        toml::from_str(text).map_err(|e| e.message().to_string())?;
    BusinessCalendar::from_config(&config).map_err(|e| e.to_string())
}

/// Mon–Fri 09:00–18:00 in Berlin, closed on Christmas Day (listed twice).
fn berlin_office() -> BusinessCalendar {
    calendar(
        r#"
        time_zone = "Europe/Berlin"
        holidays = ["2026-12-25", "2026-12-25"]
        [hours]
        mon = ["09:00-18:00"]
        tue = ["09:00-18:00"]
        wed = ["09:00-18:00"]
        thu = ["09:00-18:00"]
        fri = ["09:00-18:00"]
        sat = []
        "#,
    )
    .unwrap()
}

/// The same interval on all seven days.
fn every_day(time_zone: &str, interval: &str) -> BusinessCalendar {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .map(|day| format!("{day} = [\"{interval}\"]"))
        .join("\n");
    calendar(&format!("time_zone = \"{time_zone}\"\n[hours]\n{days}\n")).unwrap()
}

const BERLIN: &str = "Europe/Berlin";
const NEW_YORK: &str = "America/New_York";

// Business time, Mon–Fri 09:00–18:00 Berlin (CET is UTC+1 in January and December).

#[test]
fn four_hours_from_friday_1700_end_monday_1200() {
    let cal = berlin_office();
    let friday = local(BERLIN, "2026-01-09T17:00");
    assert_eq!(
        cal.add_business_time(friday, hours(4)),
        utc("2026-01-12T11:00Z")
    );
    assert_eq!(
        cal.business_time_between(friday, utc("2026-01-12T11:00Z")),
        hours(4)
    );
}

#[test]
fn holidays_are_closed_all_day() {
    let cal = berlin_office();
    let christmas_eve = local(BERLIN, "2026-12-24T17:00");
    assert_eq!(
        cal.add_business_time(christmas_eve, hours(2)),
        utc("2026-12-28T09:00Z")
    );
    assert!(!cal.is_open(local(BERLIN, "2026-12-25T12:00")));
    // A week with the holiday holds 36 h, so 45 h runs into the next Monday's close.
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-12-21T09:00"), hours(45)),
        utc("2026-12-28T17:00Z")
    );
}

#[test]
fn starting_before_opening_counts_from_opening() {
    let cal = berlin_office();
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-01-12T07:30"), hours(2)),
        utc("2026-01-12T10:00Z")
    );
}

#[test]
fn starting_after_closing_counts_from_next_opening() {
    let cal = berlin_office();
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-01-12T19:00"), hours(2)),
        utc("2026-01-13T10:00Z")
    );
}

#[test]
fn lunch_break_is_skipped() {
    let cal = calendar(
        r#"
        time_zone = "Europe/Berlin"
        hours = { mon = ["13:00-18:00", "09:00-12:00"] }
        "#,
    )
    .unwrap();
    let monday = local(BERLIN, "2026-01-12T11:00");
    assert_eq!(
        cal.add_business_time(monday, hours(2)),
        utc("2026-01-12T13:00Z")
    );
    assert!(!cal.is_open(local(BERLIN, "2026-01-12T12:30")));
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-01-12T00:00"),
            local(BERLIN, "2026-01-13T00:00")
        ),
        hours(8)
    );
}

#[test]
fn zero_or_negative_duration_adds_nothing_even_when_closed() {
    let cal = berlin_office();
    let saturday = local(BERLIN, "2026-01-10T10:00");
    assert_eq!(
        cal.add_business_time(saturday, SignedDuration::ZERO),
        saturday
    );
    assert_eq!(cal.add_business_time(saturday, hours(-1)), saturday);
}

#[test]
fn target_running_out_at_closing_ends_at_closing() {
    let cal = berlin_office();
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-01-09T17:00"), hours(1)),
        utc("2026-01-09T17:00Z")
    );
}

#[test]
fn durations_spanning_several_weeks() {
    let cal = berlin_office();
    let monday = local(BERLIN, "2026-01-05T09:00");
    // 45 h a week: three weeks end on the third Friday at closing.
    assert_eq!(
        cal.add_business_time(monday, hours(135)),
        utc("2026-01-23T17:00Z")
    );
    assert_eq!(
        cal.add_business_time(monday, hours(136)),
        utc("2026-01-26T09:00Z")
    );
    assert_eq!(
        cal.business_time_between(monday, utc("2026-01-26T09:00Z")),
        hours(136)
    );
}

#[test]
fn business_time_between_is_negative_backwards() {
    let cal = berlin_office();
    let (friday, monday) = (
        local(BERLIN, "2026-01-09T17:00"),
        local(BERLIN, "2026-01-12T12:00"),
    );
    assert_eq!(cal.business_time_between(monday, friday), hours(-4));
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-01-10T00:00"),
            local(BERLIN, "2026-01-12T00:00")
        ),
        SignedDuration::ZERO
    );
}

#[test]
fn opening_includes_its_start_and_not_its_end() {
    let cal = berlin_office();
    let opening = local(BERLIN, "2026-01-12T09:00");
    assert!(cal.is_open(opening));
    assert_eq!(cal.next_open(opening), opening);
    let closing = local(BERLIN, "2026-01-12T18:00");
    assert!(!cal.is_open(closing));
    assert_eq!(cal.next_open(closing), utc("2026-01-13T08:00Z"));
}

#[test]
fn off_hours_promise_is_the_next_opening() {
    let cal = berlin_office();
    let saturday = local(BERLIN, "2026-01-10T10:00");
    assert!(is_off_hours(&cal, saturday));
    assert_eq!(answer_promise(&cal, saturday), utc("2026-01-12T08:00Z"));
    let tuesday = local(BERLIN, "2026-01-13T10:00");
    assert!(!is_off_hours(&cal, tuesday));
    assert_eq!(answer_promise(&cal, tuesday), tuesday);
}

// DST. Berlin: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00
// CET (01:00Z). New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT
// → 01:00 EST (06:00Z).

#[test]
fn always_open_is_real_time_across_berlin_spring_forward() {
    let cal = BusinessCalendar::always_open(zone(BERLIN));
    let start = local(BERLIN, "2026-03-28T12:00");
    assert_eq!(start, utc("2026-03-28T11:00Z"));
    assert_eq!(
        cal.add_business_time(start, hours(24)),
        utc("2026-03-29T11:00Z")
    );
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-03-29T00:00"),
            local(BERLIN, "2026-03-30T00:00")
        ),
        hours(23)
    );
    assert!(cal.is_open(utc("2026-03-29T01:00Z")));
}

#[test]
fn always_open_is_real_time_across_berlin_fall_back() {
    let cal = BusinessCalendar::always_open(zone(BERLIN));
    let midnight = local(BERLIN, "2026-10-25T00:00");
    assert_eq!(midnight, utc("2026-10-24T22:00Z"));
    // 02:00 CEST, 02:00 CET, then 01:00Z.
    assert_eq!(
        cal.add_business_time(midnight, hours(3)),
        utc("2026-10-25T01:00Z")
    );
    assert_eq!(
        cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
        hours(25)
    );
}

#[test]
fn interval_holding_the_spring_forward_is_an_hour_shorter() {
    let cal = every_day(BERLIN, "01:00-04:00");
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-03-28T00:00"),
            local(BERLIN, "2026-03-30T00:00")
        ),
        hours(3) + hours(2)
    );
    // 01:00 CET (00:00Z) to 04:00 CEST (02:00Z), then 30 min from 01:00 CEST on the 30th.
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-03-29T00:00"), minutes(150)),
        utc("2026-03-29T23:30Z")
    );
}

#[test]
fn interval_holding_the_fall_back_is_an_hour_longer() {
    let cal = every_day(BERLIN, "01:00-04:00");
    let midnight = local(BERLIN, "2026-10-25T00:00");
    assert_eq!(
        cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
        hours(4)
    );
    // 01:00 CEST is 23:00Z; 3.5 h later the clock reads 03:30 CET.
    assert_eq!(
        cal.add_business_time(midnight, minutes(210)),
        utc("2026-10-25T02:30Z")
    );
}

#[test]
fn nine_to_six_stays_nine_hours_on_transition_days() {
    let cal = every_day(BERLIN, "09:00-18:00");
    for day in ["2026-03-29", "2026-10-25"] {
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, &format!("{day}T00:00")),
                local(BERLIN, &format!("{day}T23:00"))
            ),
            hours(9),
            "{day}"
        );
    }
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-03-28T17:00"), hours(2)),
        utc("2026-03-29T08:00Z")
    );
}

#[test]
fn hours_to_2359_follow_the_clock_across_transitions() {
    let cal = every_day(BERLIN, "00:00-23:59");
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-03-29T00:00"),
            local(BERLIN, "2026-03-30T00:00")
        ),
        hours(23) - minutes(1)
    );
    assert_eq!(
        cal.business_time_between(
            local(BERLIN, "2026-10-25T00:00"),
            local(BERLIN, "2026-10-26T00:00")
        ),
        hours(25) - minutes(1)
    );
    // The minute 23:59 CET on the 28th is closed: 1 h from 23:58 ends at 00:59 CET.
    assert_eq!(
        cal.add_business_time(local(BERLIN, "2026-03-28T23:58"), hours(1)),
        utc("2026-03-28T23:59Z")
    );
}

#[test]
fn opening_inside_the_gap_opens_when_the_gap_ends() {
    let cal = every_day(BERLIN, "02:30-05:00");
    let midnight = local(BERLIN, "2026-03-29T00:00");
    // The clock jumps from 02:00 to 03:00 CEST (01:00Z), past 02:30.
    assert_eq!(cal.next_open(midnight), utc("2026-03-29T01:00Z"));
    assert_eq!(
        cal.business_time_between(midnight, local(BERLIN, "2026-03-30T00:00")),
        hours(2)
    );
}

#[test]
fn opening_inside_the_fold_opens_at_the_first_reading() {
    let cal = every_day(BERLIN, "02:30-05:00");
    let midnight = local(BERLIN, "2026-10-25T00:00");
    // 02:30 CEST (00:30Z) until 05:00 CET (04:00Z).
    assert_eq!(cal.next_open(midnight), utc("2026-10-25T00:30Z"));
    assert_eq!(
        cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
        minutes(210)
    );
}

#[test]
fn new_york_transitions() {
    let always = BusinessCalendar::always_open(zone(NEW_YORK));
    assert_eq!(
        always.add_business_time(local(NEW_YORK, "2026-03-08T00:00"), hours(3)),
        utc("2026-03-08T08:00Z")
    );
    assert_eq!(
        always.add_business_time(local(NEW_YORK, "2026-11-01T00:00"), hours(3)),
        utc("2026-11-01T07:00Z")
    );
    let office = every_day(NEW_YORK, "09:00-18:00");
    // Saturday 17:00 EST (22:00Z): 1 h, then Sunday 09:00 EDT (13:00Z) + 1 h.
    assert_eq!(
        office.add_business_time(local(NEW_YORK, "2026-03-07T17:00"), hours(2)),
        utc("2026-03-08T14:00Z")
    );
    assert_eq!(
        office.add_business_time(local(NEW_YORK, "2026-10-31T17:00"), hours(2)),
        utc("2026-11-01T15:00Z")
    );
    let night = every_day(NEW_YORK, "01:00-04:00");
    assert_eq!(
        night.business_time_between(
            local(NEW_YORK, "2026-11-01T00:00"),
            local(NEW_YORK, "2026-11-02T00:00")
        ),
        hours(4)
    );
}

#[test]
fn always_open_is_real_time_where_clocks_change_at_midnight() {
    // Santiago: 2026-04-05 00:00 → 04-04 23:00, 2026-09-06 00:00 → 01:00.
    let cal = BusinessCalendar::always_open(zone("America/Santiago"));
    for start in ["2026-04-01T12:34:56Z", "2026-09-03T12:34:56Z"] {
        let start = utc(start);
        let two_weeks = hours(14 * 24);
        let end = start.checked_add(two_weeks).unwrap();
        assert_eq!(cal.add_business_time(start, two_weeks), end);
        assert_eq!(cal.business_time_between(start, end), two_weeks);
    }
}

// Marketplace deadlines, calendar time.

fn rule_source(name: &str) -> DeadlineSource {
    DeadlineSource::MarketplaceRule { name: name.into() }
}

#[test]
fn amazon_24_hours_on_a_saturday_lands_on_sunday() {
    let rule = amazon_buyer_message();
    assert_eq!(
        marketplace_deadline(&rule, utc("2026-01-10T10:00Z"), None),
        Some(Deadline {
            at: utc("2026-01-11T10:00Z"),
            source: rule_source("amazon.buyer_message"),
        })
    );
}

#[test]
fn ebay_three_business_days_from_friday_afternoon_is_wednesday() {
    let la = zone("America/Los_Angeles");
    let rule = ebay_case(la.clone());
    let deadline = |received: &str| {
        marketplace_deadline(&rule, utc(received), None).map(|deadline| deadline.at)
    };
    // Friday 15:00 PST → Wednesday 15:00 PST.
    assert_eq!(
        deadline("2026-01-09T23:00Z"),
        Some(utc("2026-01-14T23:00Z"))
    );
    // Across the spring-forward, still 15:00 local: PDT is UTC−7.
    assert_eq!(
        deadline("2026-03-06T23:00Z"),
        Some(utc("2026-03-11T22:00Z"))
    );
    // A Saturday 10:00 case counts from Saturday's time of day.
    assert_eq!(
        deadline("2026-01-10T18:00Z"),
        Some(utc("2026-01-14T18:00Z"))
    );
    assert_eq!(ebay_return_request(la).name, "ebay.return_request");
}

#[test]
fn shopify_is_evidence_due_by_less_the_margin() {
    let rule = shopify_dispute();
    let received = utc("2026-02-10T09:00Z");
    assert_eq!(
        marketplace_deadline(&rule, received, Some(utc("2026-02-20T23:00Z"))),
        Some(Deadline {
            at: utc("2026-02-19T23:00Z"),
            source: DeadlineSource::PlatformDeadline,
        })
    );
    assert_eq!(marketplace_deadline(&rule, received, None), None);
}

#[test]
fn platform_deadline_counts_when_it_is_earlier_than_the_rule() {
    let rule = amazon_a_to_z_information_request();
    let received = utc("2026-01-05T10:00Z");
    let with = |platform: &str| marketplace_deadline(&rule, received, Some(utc(platform)));
    assert_eq!(
        with("2026-01-06T10:00Z"),
        Some(Deadline {
            at: utc("2026-01-06T10:00Z"),
            source: DeadlineSource::PlatformDeadline,
        })
    );
    assert_eq!(
        with("2026-01-09T10:00Z"),
        Some(Deadline {
            at: utc("2026-01-07T10:00Z"),
            source: rule_source("amazon.a_to_z_information_request"),
        })
    );
}

#[test]
fn first_response_deadline_is_the_earlier_and_names_its_source() {
    let cal = berlin_office();
    let targets = SeverityTargets::default();
    let amazon = amazon_buyer_message();
    let shopify = shopify_dispute();
    let monday = local(BERLIN, "2026-01-12T10:00");
    let friday = local(BERLIN, "2026-01-09T17:00");

    // Red 4 business hours beats Amazon's 24 h.
    let deadline = first_response_deadline(
        &cal,
        &targets,
        Severity::Red,
        monday,
        marketplace_deadline(&amazon, monday, None),
    );
    assert_eq!(
        deadline,
        Deadline {
            at: utc("2026-01-12T13:00Z"),
            source: DeadlineSource::SeverityTarget,
        }
    );

    // Blue 24 business hours from Friday evening is Wednesday; Amazon wants Saturday.
    let deadline = first_response_deadline(
        &cal,
        &targets,
        Severity::Blue,
        friday,
        marketplace_deadline(&amazon, friday, None),
    );
    assert_eq!(
        deadline,
        Deadline {
            at: utc("2026-01-10T16:00Z"),
            source: rule_source("amazon.buyer_message"),
        }
    );

    // A dispute due in 25 h leaves 1 h after the margin, before red's 4 h.
    let deadline = first_response_deadline(
        &cal,
        &targets,
        Severity::Red,
        monday,
        marketplace_deadline(&shopify, monday, Some(utc("2026-01-13T10:00Z"))),
    );
    assert_eq!(
        deadline,
        Deadline {
            at: utc("2026-01-12T10:00Z"),
            source: DeadlineSource::PlatformDeadline,
        }
    );

    // No marketplace deadline: the severity target.
    let deadline = first_response_deadline(&cal, &targets, Severity::Yellow, friday, None);
    assert_eq!(
        deadline,
        Deadline {
            at: utc("2026-01-13T10:00Z"),
            source: DeadlineSource::SeverityTarget,
        }
    );

    // A tie names the marketplace.
    let tie = Deadline {
        at: utc("2026-01-12T13:00Z"),
        source: DeadlineSource::PlatformDeadline,
    };
    assert_eq!(
        first_response_deadline(&cal, &targets, Severity::Red, monday, Some(tie.clone())),
        tie
    );
}

// Escalation ladder.

fn steps(opened: &str, deadline: &str, ladder: &EscalationLadder) -> Vec<(u16, Timestamp)> {
    escalation_steps(utc(opened), utc(deadline), ladder)
        .into_iter()
        .map(|step| (step.per_mille, step.at))
        .collect()
}

#[test]
fn escalation_at_50_80_100_percent() {
    assert_eq!(
        steps(
            "2026-01-12T10:00Z",
            "2026-01-12T14:00Z",
            &EscalationLadder::default()
        ),
        [
            (500, utc("2026-01-12T12:00Z")),
            (800, utc("2026-01-12T13:12Z")),
            (1000, utc("2026-01-12T14:00Z")),
        ]
    );
}

#[test]
fn escalation_rounds_down_to_the_minute() {
    // 645 s: 322.5 s, 516 s, 645 s.
    assert_eq!(
        steps(
            "2026-01-12T10:00:00Z",
            "2026-01-12T10:10:45Z",
            &EscalationLadder::default()
        ),
        [
            (500, utc("2026-01-12T10:05Z")),
            (800, utc("2026-01-12T10:08Z")),
            (1000, utc("2026-01-12T10:10Z")),
        ]
    );
    assert_eq!(
        steps(
            "2026-01-12T10:00:30Z",
            "2026-01-12T14:00:30Z",
            &EscalationLadder::default()
        ),
        [
            (500, utc("2026-01-12T12:00Z")),
            (800, utc("2026-01-12T13:12Z")),
            (1000, utc("2026-01-12T14:00Z")),
        ]
    );
}

#[test]
fn rungs_in_one_minute_fire_once_as_the_higher() {
    let ladder = EscalationLadder::default();
    assert_eq!(
        steps("2026-01-12T10:00:00Z", "2026-01-12T10:00:50Z", &ladder),
        [(1000, utc("2026-01-12T10:00Z"))]
    );
    let fine = EscalationLadder::new(vec![100, 150, 1000]).unwrap();
    assert_eq!(
        steps("2026-01-12T10:00Z", "2026-01-12T10:10Z", &fine),
        [
            (150, utc("2026-01-12T10:01Z")),
            (1000, utc("2026-01-12T10:10Z"))
        ]
    );
}

#[test]
fn overdue_at_opening_escalates_at_once() {
    assert_eq!(
        steps(
            "2026-01-12T10:00:30Z",
            "2026-01-12T09:00Z",
            &EscalationLadder::default()
        ),
        [(1000, utc("2026-01-12T10:00Z"))]
    );
}

#[test]
fn escalation_ladder_errors() {
    let error = |steps: Vec<u16>| EscalationLadder::new(steps).unwrap_err().to_string();
    assert_eq!(
        error(vec![]),
        "the escalation ladder is empty; give steps in per mille such as [500, 800, 1000]"
    );
    assert_eq!(
        error(vec![0, 1000]),
        "escalation step 0 is out of range; expected 1 to 1000 per mille of the SLA"
    );
    assert_eq!(
        error(vec![500, 1001]),
        "escalation step 1001 is out of range; expected 1 to 1000 per mille of the SLA"
    );
    assert_eq!(
        error(vec![800, 500]),
        "escalation steps must increase; 800 is followed by 500"
    );
    assert_eq!(
        error(vec![500, 500]),
        "escalation steps must increase; 500 is followed by 500"
    );
}

// Config.

#[test]
fn calendar_config_errors_name_the_key_and_value() {
    let with_hours = |hours: &str| {
        calendar(&format!(
            "time_zone = \"Europe/Berlin\"\nhours = {{ {hours} }}\n"
        ))
        .unwrap_err()
    };
    assert_eq!(
        calendar("time_zone = \"Europe/Berln\"\nhours = { mon = [\"09:00-18:00\"] }").unwrap_err(),
        "`time_zone` is \"Europe/Berln\"; expected an IANA time zone name such as \
         \"Europe/Berlin\""
    );
    assert_eq!(
        with_hours("tue = [\"9-18\"]"),
        "`hours.tue` has \"9-18\"; expected \"HH:MM-HH:MM\" such as \"09:00-18:00\""
    );
    assert_eq!(
        with_hours("wed = [\"09:00-24:30\"]"),
        "`hours.wed` has \"09:00-24:30\"; expected \"HH:MM-HH:MM\" such as \"09:00-18:00\""
    );
    assert_eq!(
        with_hours("fri = [\"22:00-02:00\"]"),
        "`hours.fri` has \"22:00-02:00\", which does not end after it starts; an interval \
         cannot cross midnight: end it at \"24:00\" and go on from \"00:00\" the next day"
    );
    assert_eq!(
        with_hours("sat = [\"10:00-10:00\"]"),
        "`hours.sat` has \"10:00-10:00\", which does not end after it starts; an interval \
         cannot cross midnight: end it at \"24:00\" and go on from \"00:00\" the next day"
    );
    assert_eq!(
        with_hours("mon = [\"12:00-18:00\", \"09:00-12:30\"]"),
        "`hours.mon` has \"09:00-12:30\" and \"12:00-18:00\", which overlap; merge them into \
         one"
    );
    assert_eq!(
        with_hours("sun = [\"18:00-24:00\", \"20:00-21:00\"]"),
        "`hours.sun` has \"18:00-24:00\" and \"20:00-21:00\", which overlap; merge them into \
         one"
    );
    assert_eq!(
        with_hours("mon = [], sat = []"),
        "`hours` opens on no day; add an interval such as `mon = [\"09:00-18:00\"]`"
    );
    assert_eq!(
        calendar(
            "time_zone = \"Europe/Berlin\"\nhours = { mon = [\"09:00-18:00\"] }\n\
             holidays = [\"2026-02-30\"]"
        )
        .unwrap_err(),
        "`holidays` has \"2026-02-30\"; expected a date such as \"2026-12-25\""
    );
    assert_eq!(
        with_hours("monday = [\"09:00-18:00\"]"),
        "unknown field `monday`, expected one of `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, \
         `sun`"
    );
}

#[test]
fn touching_intervals_and_midnight_ends_are_fine() {
    let cal = every_day(BERLIN, "18:00-24:00");
    let evening = local(BERLIN, "2026-01-12T23:00");
    // 1 h to midnight, then 18:00 the next day.
    assert_eq!(
        cal.add_business_time(evening, hours(2)),
        utc("2026-01-13T18:00Z")
    );
    let split = calendar(
        "time_zone = \"Europe/Berlin\"\nhours = { mon = [\"09:00-12:00\", \"12:00-18:00\"] }",
    )
    .unwrap();
    assert_eq!(
        split.business_time_between(
            local(BERLIN, "2026-01-12T00:00"),
            local(BERLIN, "2026-01-13T00:00")
        ),
        hours(9)
    );
}

#[test]
fn sla_settings_read_from_toml() {
    #[derive(Deserialize)]
    struct Settings {
        severity: Severity,
        #[serde(default)]
        targets: SeverityTargets,
        escalation: EscalationLadder,
        rules: Vec<MarketplaceRule>,
    }
    let settings: Settings = toml::from_str(
        r#"
        severity = "yellow"
        targets = { red = "2h", blue = "PT48H" }
        escalation = [250, 1000]
        [[rules]]
        name = "amazon.buyer_message"
        window = { calendar = "12h" }
        [[rules]]
        name = "ebay.case"
        window = { business_days = { days = 3, time_zone = "America/Los_Angeles" } }
        [[rules]]
        name = "shopify.dispute"
        platform_margin = "24h"
        "#,
    )
    .unwrap();
    assert_eq!(settings.severity, Severity::Yellow);
    assert_eq!(
        settings.targets,
        SeverityTargets {
            red: hours(2),
            yellow: hours(12),
            blue: hours(48),
        }
    );
    assert_eq!(settings.escalation.per_mille(), [250, 1000]);
    assert_eq!(
        settings.rules,
        [
            MarketplaceRule::calendar("amazon.buyer_message", hours(12)),
            ebay_case(zone("America/Los_Angeles")),
            shopify_dispute(),
        ]
    );
}

#[test]
fn bad_sla_settings_are_refused() {
    let message = |text: &str| {
        toml::from_str::<SeverityTargets>(text)
            .map(drop)
            .unwrap_err()
            .message()
            .to_string()
    };
    assert_eq!(
        message("red = \"-4h\""),
        "expected a positive duration such as \"4h\", found \"-4h\""
    );
    assert_eq!(
        message("red = \"0s\""),
        "expected a positive duration such as \"4h\", found \"0s\""
    );
    assert_eq!(
        toml::from_str::<MarketplaceRule>("name = \"x\"\nplatform_margin = \"-1h\"")
            .unwrap_err()
            .message(),
        "expected a duration of zero or more such as \"24h\", found \"-1h\""
    );
    assert_eq!(
        toml::from_str::<std::collections::BTreeMap<String, EscalationLadder>>(
            "escalation = [800, 500]"
        )
        .unwrap_err()
        .message(),
        "escalation steps must increase; 800 is followed by 500"
    );
}

// The bundled connectors' rules as their manifests declare them (plugins/*/plugin.toml).

fn amazon_buyer_message() -> MarketplaceRule {
    MarketplaceRule::calendar("amazon.buyer_message", SignedDuration::from_hours(24))
}

fn amazon_a_to_z_information_request() -> MarketplaceRule {
    MarketplaceRule::calendar(
        "amazon.a_to_z_information_request",
        SignedDuration::from_hours(48),
    )
}

fn ebay_case(time_zone: TimeZone) -> MarketplaceRule {
    MarketplaceRule::business_days("ebay.case", 3, time_zone)
}

fn ebay_return_request(time_zone: TimeZone) -> MarketplaceRule {
    MarketplaceRule::business_days("ebay.return_request", 3, time_zone)
}

fn shopify_dispute() -> MarketplaceRule {
    MarketplaceRule::platform("shopify.dispute", SignedDuration::from_hours(24))
}
