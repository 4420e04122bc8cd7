//! Charts drawn by the server as SVG: a heatmap and a horizontal bar chart. The output has
//! no scripts, no event attributes and no external references; every piece of text (SKU,
//! carrier, shop names come from marketplaces and buyers) is XML-escaped.

use std::fmt::Write;

/// XML-escape text for an element body or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_allows(c) => out.push(c),
            // A marketplace's name with a character XML 1.0 does not allow at all would
            // make the whole chart unreadable: it becomes U+FFFD.
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production; Rust's `char` has no
/// surrogates).
fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Shorten a label to `max` characters (an ellipsis marks the cut).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn open(width: u32, height: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" \
         role=\"img\"><title>{}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        escape(title)
    )
}

/// A heatmap: one row per `rows` label, one column per `columns` label, `counts[r][c]`
/// shaded from white (0) to deep red (the largest count).
pub fn heatmap(title: &str, rows: &[String], columns: &[String], counts: &[Vec<u64>]) -> String {
    const LEFT: u32 = 170;
    const TOP: u32 = 110;
    const CELL: u32 = 34;
    let width = LEFT + CELL * columns.len().max(1) as u32 + 20;
    let height = TOP + CELL * rows.len().max(1) as u32 + 20;
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut svg = open(width, height, title);
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    for (c, name) in columns.iter().enumerate() {
        let x = LEFT + CELL * c as u32 + CELL / 2;
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{}\" transform=\"rotate(-45 {x} {})\">{}</text>",
            TOP - 6,
            TOP - 6,
            escape(&clip(name, 18))
        );
    }
    for (r, name) in rows.iter().enumerate() {
        let y = TOP + CELL * r as u32;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LEFT - 6,
            y + CELL / 2 + 4,
            escape(&clip(name, 24))
        );
        for (c, &n) in counts
            .get(r)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let x = LEFT + CELL * c as u32;
            // White to #c62828 in proportion to the count.
            let f = n as f64 / max as f64;
            let shade = |full: u8| (255.0 - (255.0 - f64::from(full)) * f).round() as u8;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" \
                 fill=\"#{:02x}{:02x}{:02x}\" stroke=\"#ddd\"/>",
                shade(0xc6),
                shade(0x28),
                shade(0x28)
            );
            if n > 0 {
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{n}</text>",
                    x + CELL / 2,
                    y + CELL / 2 + 4,
                    if f > 0.5 { "#fff" } else { "#000" }
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a bar chart.
pub struct Bar {
    /// What the bar is (a shop, an agent, a carrier).
    pub label: String,
    /// Its value; `None` draws no bar and writes `note` instead.
    pub value: Option<f64>,
    /// Text after the bar (the value as people read it, or why there is no value).
    pub note: String,
}

/// A horizontal bar chart; values are drawn on a scale up to the largest of them and
/// `line` (a limit such as ODR's 1 %, drawn as a dashed red line with its label).
pub fn bars(title: &str, bars: &[Bar], line: Option<(f64, &str)>) -> String {
    const LEFT: u32 = 200;
    const PLOT: u32 = 360;
    const ROW: u32 = 26;
    const TOP: u32 = 40;
    let width = LEFT + PLOT + 200;
    let height = TOP + ROW * bars.len().max(1) as u32 + 30;
    let top_value = bars
        .iter()
        .filter_map(|b| b.value)
        .chain(line.map(|(v, _)| v))
        .fold(0.0_f64, f64::max);
    let scale = if top_value > 0.0 {
        f64::from(PLOT) / (top_value * 1.1)
    } else {
        0.0
    };
    let mut svg = open(width, height, title);
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * i as u32;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LEFT - 6,
            y + 16,
            escape(&clip(&bar.label, 28))
        );
        let length = bar.value.map_or(0.0, |v| (v * scale).max(0.0));
        let over = matches!((bar.value, line), (Some(v), Some((l, _))) if v >= l);
        if bar.value.is_some() {
            let _ = write!(
                svg,
                "<rect x=\"{LEFT}\" y=\"{}\" width=\"{length:.1}\" height=\"18\" fill=\"{}\"/>",
                y + 3,
                if over { "#c62828" } else { "#1565c0" }
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" fill=\"#333\">{}</text>",
            f64::from(LEFT) + length + 6.0,
            y + 16,
            escape(&clip(&bar.note, 40))
        );
    }
    if let Some((value, label)) = line {
        let x = f64::from(LEFT) + value * scale;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#c62828\" \
             stroke-dasharray=\"4 3\"/><text x=\"{x:.1}\" y=\"{}\" fill=\"#c62828\" \
             text-anchor=\"middle\">{}</text>",
            TOP - 4,
            height - 22,
            height - 8,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_labels_are_escaped_text() {
        let svg = heatmap(
            "t",
            &["<script>alert(1)</script>".to_string()],
            &["a\"onload=\"x".to_string()],
            &[vec![2]],
        );
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("\"onload"));
        let svg = bars(
            "b",
            &[Bar {
                label: "<img src=x onerror=y>".into(),
                value: Some(0.5),
                note: "0.5 %".into(),
            }],
            Some((1.0, "1 %")),
        );
        assert!(!svg.contains("<img"));
    }

    #[test]
    fn characters_xml_forbids_become_the_replacement_character() {
        assert_eq!(
            escape("a\u{FFFF}b\u{FFFE}c\u{1}d\u{0B}e\u{7F}\t\u{10FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{7F}\t\u{10FFFF}"
        );
    }
}
