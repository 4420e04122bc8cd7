//! A report table: named columns and rows of JSON cells, rendered as JSON for the API and
//! as CSV (RFC 4180) for spreadsheets and marketing tools.

use serde_json::Value;

/// One table of a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows; each has one cell per column (`null` for "not known").
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// The table as JSON: `{"columns": [...], "rows": [[...], ...]}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "columns": self.columns, "rows": self.rows })
    }

    /// The table as CSV: a header line, then one line per row, CRLF line ends. A field is
    /// quoted when it holds a comma, quote, CR or LF, or starts with a character a
    /// spreadsheet would read as a formula (then it is also prefixed with `'`, so a buyer
    /// name like `=HYPERLINK(…)` stays text).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| field(c)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(cell).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => field(s),
        Value::Array(items) => {
            let joined: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            field(&joined.join("; "))
        }
        other => field(&other.to_string()),
    }
}

fn field(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if formula || text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_quotes_newlines_and_defuses_formulas() {
        let mut t = Table::new(["name", "n", "tags"]);
        t.rows.push(vec![
            Value::from("Wang, \"Lily\"\nline two"),
            Value::from(3),
            serde_json::json!(["a", "b"]),
        ]);
        t.rows
            .push(vec![Value::from("=1+2"), Value::Null, Value::from(-1.5)]);
        assert_eq!(
            t.to_csv(),
            "name,n,tags\r\n\"Wang, \"\"Lily\"\"\nline two\",3,a; b\r\n\"'=1+2\",,-1.5\r\n"
        );
    }
}
