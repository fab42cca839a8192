//! Writing CSV (RFC 4180) that a spreadsheet opens safely: the one rule of the web match page's
//! export and of the request statistics' export.

/// One CSV line (RFC 4180, CRLF): a cell a spreadsheet would read as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`; a cell with a comma, quote
/// or line break is quoted, its quotes doubled.
pub fn csv_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_never_read_as_formulas() {
        let cells = [
            "=1+2",
            "+628123",
            "-x",
            "@sum",
            "\tx",
            "\rx",
            "a,b",
            "say \"hi\"",
            "a\nb",
            "plain",
            "",
        ];
        let mut out = String::new();
        csv_row(&mut out, cells);
        assert_eq!(
            out,
            "'=1+2,'+628123,'-x,'@sum,'\tx,\"'\rx\",\"a,b\",\"say \"\"hi\"\"\",\"a\nb\",plain,\r\n"
        );
        let mut one = String::new();
        csv_row(&mut one, ["x"]);
        assert_eq!(one, "x\r\n");
    }
}
