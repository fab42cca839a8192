//! The match page's CSV: reading an uploaded text or CSV file into lines, and writing the results
//! as a CSV file (formula-guarded cells).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use simpul_core::csv::csv_row;

use super::LineRow;
use crate::web::view::Prefs;

/// The lines of an uploaded file: text, one observable a line; or CSV (by its name or media
/// type), whose column `value`, `observable`, `indicator` or `input` is read when the first row
/// names one, else its first column.
pub(super) fn file_lines(name: &str, mime: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "The file is not UTF-8 text (at byte {}): upload a text or CSV file.",
            e.valid_up_to()
        )
    })?;
    let is_csv = name.to_ascii_lowercase().ends_with(".csv")
        || mime.eq_ignore_ascii_case("text/csv")
        || mime.eq_ignore_ascii_case("application/csv");
    if !is_csv {
        return Ok(text.lines().map(str::to_owned).collect());
    }
    let rows: Vec<Vec<String>> = text.lines().map(csv_cells).collect();
    let named = rows.first().and_then(|header| {
        header.iter().position(|c| {
            matches!(
                c.trim().to_ascii_lowercase().as_str(),
                "value" | "observable" | "indicator" | "input"
            )
        })
    });
    let (column, skip) = named.map_or((0, 0), |c| (c, 1));
    Ok(rows
        .into_iter()
        .skip(skip)
        .map(|mut r| {
            if column < r.len() {
                r.swap_remove(column)
            } else {
                String::new()
            }
        })
        .collect())
}

/// The cells of one CSV line (quoted cells may hold commas and doubled quotes; a quoted cell over
/// several lines is not read as one).
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    // A cell that came from a CSV-safe export keeps its guard quote: drop it.
    cells
        .into_iter()
        .map(|c| match c.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
            _ => c,
        })
        .collect()
}

/// The CSV columns.
const CSV_HEADER: [&str; 16] = [
    "line",
    "input",
    "type",
    "canonical",
    "result",
    "reason",
    "indicator_id",
    "indicator_name",
    "tlp",
    "organisation",
    "country",
    "decay_score",
    "decayed",
    "warninglists",
    "matched_by",
    "link",
];

/// The results as a CSV file: one row per hit, and one for each line without a hit.
pub(super) fn csv_response(rows: &[LineRow], prefs: &Prefs) -> Response {
    let mut out = String::new();
    csv_row(&mut out, CSV_HEADER.iter().copied());
    for r in rows {
        let n = r.n.to_string();
        let line = [
            n.as_str(),
            &r.input,
            &r.ty,
            &r.canonical,
            r.status,
            &r.reason,
        ];
        if r.hits.is_empty() {
            csv_row(&mut out, line.into_iter().chain([""; 10]));
        }
        for h in &r.hits {
            let decayed = if h.decayed { "true" } else { "false" };
            csv_row(
                &mut out,
                line.into_iter().chain([
                    h.indicator_id.as_str(),
                    &h.name,
                    &h.tlp.label,
                    &h.org,
                    &h.country,
                    &h.score,
                    decayed,
                    &h.warninglists,
                    &h.part,
                    &h.href,
                ]),
            );
        }
    }
    let t = prefs.now;
    let name = format!(
        "attachment; filename=\"simpul-match-{:04}{:02}{:02}-{:02}{:02}.csv\"",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    );
    let mut res = (StatusCode::OK, out).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_read_as_formulas() {
        const CELLS: [&str; 7] = [
            "=1+2",
            "+628123",
            "-x",
            "@sum",
            "a,b",
            "say \"hi\"",
            "plain",
        ];
        let mut out = String::new();
        csv_row(&mut out, CELLS);
        assert_eq!(
            out,
            "'=1+2,'+628123,'-x,'@sum,\"a,b\",\"say \"\"hi\"\"\",plain\r\n"
        );
        // Read back, a guarded cell is the value again.
        assert_eq!(csv_cells(out.trim_end()), CELLS);
    }

    #[test]
    fn a_csv_file_is_read_by_its_value_column_or_its_first() {
        let named = file_lines("x.csv", "", b"line,input,type\n1,evil.example,domain\n").unwrap();
        assert_eq!(named, ["evil.example"]);
        let plain = file_lines("iocs.CSV", "", b"evil.example,2026\n\"a,b\"\n").unwrap();
        assert_eq!(plain, ["evil.example", "a,b"]);
        let text = file_lines("iocs.txt", "text/plain", b"\xEF\xBB\xBFone\r\ntwo\n").unwrap();
        assert_eq!(text, ["one", "two"]);
        assert!(
            file_lines("x.bin", "", b"\xff\xfe")
                .unwrap_err()
                .contains("not UTF-8")
        );
    }
}
