//! The ledger's CSV format, read and written: a header row naming the columns
//! `date, kind, symbol, quantity, price, amount, fee, note, numerator, denominator`
//! (any order, any case; only `date` and `kind` must be there; the last two are a
//! split's ratio), one activity per row. Export writes all ten columns with exact
//! decimals, so an exported file imports cleanly.

use super::draft::Draft;
use crate::model::Activity;

pub const COLUMNS: [&str; 10] =
    ["date", "kind", "symbol", "quantity", "price", "amount", "fee", "note", "numerator", "denominator"];
pub const MAX_ROWS: usize = 50_000;

/// A data row with the line it starts on (the header is line 1).
#[derive(Debug, PartialEq)]
pub struct Row {
    pub line: usize,
    pub draft: Draft,
}

/// Why a file cannot be read at all (row problems are reported per row instead).
#[derive(Debug, PartialEq, Eq)]
pub struct FileError {
    /// `invalid_encoding`, `missing_header`, `unknown_column`, `duplicate_column`,
    /// `missing_column`, `too_many_rows`, `invalid_csv`.
    pub code: &'static str,
    pub message: String,
}

fn file_error(code: &'static str, message: impl Into<String>) -> FileError {
    FileError { code, message: message.into() }
}

/// A data row, or the line of one that is not CSV (or has the wrong width) and why.
pub type ReadRow = Result<Row, (usize, String)>;

/// Reads a whole file. Rows with the wrong number of cells are kept as errors of
/// their own by the caller (`Err` per row), so one bad line does not hide the rest.
pub fn read(bytes: &[u8]) -> Result<Vec<ReadRow>, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        file_error("invalid_encoding", format!("The file is not UTF-8 text (byte {}).", e.valid_up_to()))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers =
        reader.headers().map_err(|e| file_error("invalid_csv", format!("The header row cannot be read: {e}")))?;
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(file_error(
            "missing_header",
            "The first row must name the columns: date, kind, symbol, quantity, price, amount, fee, note \
             (and numerator, denominator for splits).",
        ));
    }
    let mut index: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (position, name) in headers.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(file_error(
                "unknown_column",
                format!("Unknown column {name:?} in the header; the columns are {}.", COLUMNS.join(", ")),
            ));
        };
        if index[column].replace(position).is_some() {
            return Err(file_error("duplicate_column", format!("The column {name:?} appears twice in the header.")));
        }
    }
    for required in ["date", "kind"] {
        if index[COLUMNS.iter().position(|c| *c == required).unwrap_or_default()].is_none() {
            return Err(file_error("missing_column", format!("The header has no {required:?} column.")));
        }
    }
    let width = headers.len();
    // Line numbers from byte offsets: the reader does not count lines it skips.
    let mut counted = (0usize, 1usize); // (byte, line at that byte)
    let mut line_at = |mut byte: usize| {
        // A record's position can be the start of blank lines skipped before it.
        while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        let (from, line) = counted;
        let line = line + text.as_bytes()[from.min(byte)..byte].iter().filter(|b| **b == b'\n').count();
        counted = (byte, line);
        line
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte() as usize));
                rows.push(Err((line, format!("This row cannot be read as CSV: {e}"))));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(p.byte() as usize));
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(file_error("too_many_rows", format!("A file can hold at most {MAX_ROWS} activities.")));
        }
        if record.len() != width {
            rows.push(Err((line, format!("This row has {} cells; the header has {width}.", record.len()))));
            continue;
        }
        let cell = |column: usize| index[column].and_then(|i| record.get(i)).map(str::to_string);
        rows.push(Ok(Row {
            line,
            draft: Draft {
                date: cell(0),
                kind: cell(1),
                symbol: cell(2),
                quantity: cell(3),
                price: cell(4),
                amount: cell(5),
                fee: cell(6),
                note: cell(7).map(|note| unguard_formula(&note).to_string()),
                numerator: cell(8),
                denominator: cell(9),
            },
        }));
    }
    Ok(rows)
}

/// What a spreadsheet would run as a formula when a cell starts with it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn needs_guard(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if FORMULA_STARTS.contains(&c) => true,
        // A note that already starts like a guarded one is guarded too, so that
        // reading undoes exactly what writing did.
        Some('\'') => chars.next().is_some_and(|c| c == '\'' || FORMULA_STARTS.contains(&c)),
        _ => false,
    }
}

/// OWASP's advice against CSV injection: a cell that starts like a formula gets a
/// leading `'`, which spreadsheets show as text.
fn guard_formula(text: &str) -> String {
    if needs_guard(text) { format!("'{text}") } else { text.to_string() }
}

/// Undoes `guard_formula`, so an exported file imports with the same notes.
fn unguard_formula(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) || rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// Writes activities in the import format.
pub fn write(activities: &[Activity]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    for a in activities {
        writer.write_record([
            a.date.to_string(),
            a.kind.as_str().to_string(),
            a.symbol.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            text(a.quantity),
            text(a.price),
            text(a.amount),
            a.fee.normalize().to_string(),
            guard_formula(&a.note),
            text(a.ratio.map(|r| r.numerator)),
            text(a.ratio.map(|r| r.denominator)),
        ])?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_exported_as_text_and_imported_back_unchanged() {
        for note in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "'=already", "''", "'x", "it's", "plain", ""]
        {
            let guarded = guard_formula(note);
            assert!(!guarded.starts_with(FORMULA_STARTS), "{note:?} exported as {guarded:?}");
            assert_eq!(unguard_formula(&guarded), note, "{note:?}");
        }
        assert_eq!(guard_formula("=1+1"), "'=1+1");
        assert_eq!(guard_formula("'x"), "'x", "an ordinary quote is left alone");
    }

    fn rows(text: &str) -> Vec<ReadRow> {
        read(text.as_bytes()).unwrap()
    }

    #[test]
    fn columns_in_any_order_and_case_with_line_numbers() {
        let read = rows("\u{feff}Kind, DATE ,Amount\ndeposit,2026-01-02,\"1,000.00\"\n\nbuy,2026-01-03,\n");
        assert_eq!(read.len(), 2, "the blank line is skipped");
        let first = read[0].as_ref().unwrap();
        assert_eq!(first.line, 2);
        assert_eq!(first.draft.kind.as_deref(), Some("deposit"));
        assert_eq!(first.draft.date.as_deref(), Some("2026-01-02"));
        assert_eq!(first.draft.amount.as_deref(), Some("1,000.00"));
        assert_eq!(first.draft.symbol, None);
        assert_eq!(read[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn quoted_cells_may_hold_commas_quotes_and_newlines() {
        let read = rows("date,kind,amount,note\n2026-01-02,deposit,5,\"a, \"\"b\"\"\nc\"\n2026-01-03,fee,1,x\n");
        assert_eq!(read[0].as_ref().unwrap().draft.note.as_deref(), Some("a, \"b\"\nc"));
        assert_eq!(read[1].as_ref().unwrap().line, 4, "the quoted newline moves the next row down a line");
    }

    #[test]
    fn header_problems_reject_the_file() {
        let code = |text: &str| read(text.as_bytes()).unwrap_err().code;
        assert_eq!(code("date,kind,colour\n"), "unknown_column");
        assert_eq!(code("date,kind,Date\n"), "duplicate_column");
        assert_eq!(code("kind,amount\n"), "missing_column");
        assert_eq!(code(",,\n"), "missing_header");
        assert_eq!(read(b"date,kind\n\xff\xfe,deposit\n").unwrap_err().code, "invalid_encoding");
    }

    #[test]
    fn a_short_row_is_an_error_of_its_own() {
        let read = rows("date,kind,amount\n2026-01-02,deposit\n2026-01-03,deposit,5\n");
        assert_eq!(read[0].as_ref().unwrap_err().0, 2);
        assert!(read[1].is_ok());
    }

    #[test]
    fn more_than_the_limit_is_refused() {
        let mut text = String::from("date,kind,amount\n");
        for _ in 0..=MAX_ROWS {
            text.push_str("2026-01-02,deposit,1\n");
        }
        assert_eq!(read(text.as_bytes()).unwrap_err().code, "too_many_rows");
    }
}
