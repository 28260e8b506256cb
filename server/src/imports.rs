//! 数据比对 imports: a department officer (or an administrator) uploads a file; it is written to
//! disk while hashed, its encoding found (UTF-8, else GBK/GB18030 — Chinese Excel saves CSV as
//! GBK — or as the uploader says), then read row by row on a blocking thread and handed to the
//! store in batches inside one transaction. Memory stays flat whatever the file's size; every
//! refused row is counted with its reason; a refused file stores nothing.

use crate::startup::AppState;
use app::api::monitoring::ImportReport;
use app::auth::{audit, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::monitoring::{
    event_row, map_header, medical_row, ColumnMap, FileProblem, RowProblem, Source,
};
use app::domain::status::Role;
use app::error::AppError;
use app::store::{ImportBatch, MedicalBatch, NewImport};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sha2::Digest;
use std::io::{Read, Write};
use std::sync::Arc;

/// Larger uploads are refused (a county's yearly file is far smaller).
pub const MAX_IMPORT_BYTES: usize = 512 * 1024 * 1024;
/// Rows sent to the store at a time (one statement each, the rows as one JSON text).
const BATCH_ROWS: usize = 5_000;
/// How many refused rows the report lists one by one (all are counted).
const LISTED_PROBLEMS: usize = 1000;

/// The text encoding of a file: UTF-8 when every byte sequence is valid UTF-8, else GB18030
/// (a superset of GBK) when that decodes without error; `None` for anything else.
pub(crate) fn detect_encoding(
    path: &std::path::Path,
) -> std::io::Result<Option<&'static encoding_rs::Encoding>> {
    detect_encoding_of(|| std::fs::File::open(path))
}

/// `detect_encoding` over any source `open` gives from its start (each encoding tried reads
/// it again).
fn detect_encoding_of<R: Read>(
    open: impl Fn() -> std::io::Result<R>,
) -> std::io::Result<Option<&'static encoding_rs::Encoding>> {
    for enc in [encoding_rs::UTF_8, encoding_rs::GB18030] {
        let mut decoder = enc.new_decoder_without_bom_handling();
        let mut file = open()?;
        let (mut buf, mut out) = (vec![0u8; 64 * 1024], String::with_capacity(128 * 1024));
        let mut ok = true;
        loop {
            let n = file.read(&mut buf)?;
            let last = n == 0;
            let mut input = &buf[..n];
            loop {
                out.clear();
                let (result, read) =
                    decoder.decode_to_string_without_replacement(input, &mut out, last);
                input = &input[read..];
                match result {
                    encoding_rs::DecoderResult::InputEmpty => break,
                    encoding_rs::DecoderResult::OutputFull => out.reserve(128 * 1024),
                    encoding_rs::DecoderResult::Malformed(_, _) => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok || last {
                break;
            }
        }
        if ok {
            return Ok(Some(enc));
        }
    }
    Ok(None)
}

/// What a file's rows go to, whatever the file's format: a comparison import (`RowSink`) or a
/// roster intake (`crate::intake`).
pub trait Rows {
    type Report;
    fn header(&mut self, header: &[String]) -> Result<(), FileProblem>;
    /// One data row (`row_no` counts the header as 1); `None`: a row the reader could not read.
    /// `numeric`: which of its cells a spreadsheet held as numbers (empty for a CSV).
    fn row(
        &mut self,
        row_no: i64,
        cells: Option<&[&str]>,
        numeric: &[bool],
    ) -> Result<(), FileProblem>;
    fn finish(self) -> Result<Self::Report, FileProblem>;
}

/// Takes a file's rows one by one (whatever the file format), checks each against the source's
/// template, counts and lists the refused ones, and sends the valid ones to the store in batches.
struct RowSink {
    source: Source,
    today: chrono::NaiveDate,
    tx: tokio::sync::mpsc::Sender<ImportBatch>,
    map: Option<ColumnMap>,
    report: ImportReport,
    by_kind: std::collections::BTreeMap<String, (RowProblem, i64)>,
    medical: MedicalBatch,
    events: Vec<app::domain::monitoring::EventRecord>,
    /// Keys each medical row's person here, in the reader's thread (the store's is the
    /// busier side).
    cipher: crate::crypto::FieldCipher,
    progress: std::sync::Arc<Progress>,
    /// When reading began, and the time spent waiting for the store to take a batch (the
    /// store is then the slower side): logged when the file is read.
    started: std::time::Instant,
    waited: std::time::Duration,
}

impl RowSink {
    fn new(
        source: Source,
        today: chrono::NaiveDate,
        tx: tokio::sync::mpsc::Sender<ImportBatch>,
        progress: std::sync::Arc<Progress>,
        cipher: crate::crypto::FieldCipher,
    ) -> Self {
        RowSink {
            cipher,
            source,
            today,
            tx,
            map: None,
            report: ImportReport::default(),
            by_kind: Default::default(),
            medical: MedicalBatch::default(),
            events: Vec::new(),
            progress,
            started: std::time::Instant::now(),
            waited: std::time::Duration::ZERO,
        }
    }

    fn take_header(&mut self, header: &[String]) -> Result<(), FileProblem> {
        let map = map_header(self.source, header)?;
        self.report.ignored_columns = map.ignored.clone();
        self.map = Some(map);
        Ok(())
    }

    fn take_row(
        &mut self,
        row_no: i64,
        cells: Option<&[&str]>,
        numeric: &[bool],
    ) -> Result<(), FileProblem> {
        let Some(map) = &self.map else {
            return Err(FileProblem::Empty);
        };
        if cells.is_some_and(|c| c.iter().all(|c| c.trim().is_empty())) {
            return Ok(());
        }
        self.report.rows_read += 1;
        self.progress
            .rows
            .store(self.report.rows_read, std::sync::atomic::Ordering::Relaxed);
        // An ID number held as a number has lost its last digits (a double keeps 15): what is
        // left may be another person's valid number, so the row is never taken.
        let id_is_number = map
            .get(app::domain::monitoring::Field::IdNumber)
            .is_some_and(|i| numeric.get(i) == Some(&true));
        let checked = match cells {
            None => Err(RowProblem::WrongFieldCount),
            Some(_) if id_is_number => Err(RowProblem::IdNotText),
            Some(cells) if self.source == Source::MedicalInsurance => {
                medical_row(map, cells, self.today).map(|m| {
                    let key = self.cipher.id_key(m.id_number.as_str());
                    self.medical.push(&m, &key)
                })
            }
            Some(cells) => {
                event_row(self.source, map, cells, self.today).map(|e| self.events.push(e))
            }
        };
        match checked {
            Ok(()) => {
                self.report.valid += 1;
                if self.medical.len() + self.events.len() >= BATCH_ROWS {
                    self.flush()?;
                }
            }
            Err(problem) => {
                self.report.invalid += 1;
                self.by_kind
                    .entry(format!("{problem:?}"))
                    .or_insert((problem, 0))
                    .1 += 1;
                if self.report.problems.len() < LISTED_PROBLEMS {
                    self.report.problems.push((row_no, problem));
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), FileProblem> {
        // The store stopped listening (it failed): stop reading; the import is not kept.
        let gone = |_| FileProblem::Empty;
        let started = std::time::Instant::now();
        if !self.medical.is_empty() {
            self.tx
                .blocking_send(ImportBatch::Medical(std::mem::take(&mut self.medical)))
                .map_err(gone)?;
        }
        if !self.events.is_empty() {
            self.tx
                .blocking_send(ImportBatch::Events(std::mem::take(&mut self.events)))
                .map_err(gone)?;
        }
        self.waited += started.elapsed();
        Ok(())
    }

    fn done(mut self) -> Result<ImportReport, FileProblem> {
        if self.map.is_none() {
            return Err(FileProblem::Empty);
        }
        self.flush()?;
        tracing::info!(
            read_ms = self.started.elapsed().as_millis() as u64,
            waited_for_store_ms = self.waited.as_millis() as u64,
            rows = self.report.rows_read,
            "import file read"
        );
        self.report.problems_by_kind = self.by_kind.into_values().collect();
        Ok(self.report)
    }
}

impl Rows for RowSink {
    type Report = ImportReport;
    fn header(&mut self, header: &[String]) -> Result<(), FileProblem> {
        self.take_header(header)
    }
    fn row(
        &mut self,
        row_no: i64,
        cells: Option<&[&str]>,
        numeric: &[bool],
    ) -> Result<(), FileProblem> {
        self.take_row(row_no, cells, numeric)
    }
    fn finish(self) -> Result<ImportReport, FileProblem> {
        self.done()
    }
}

/// Reads a CSV in the given encoding into the sink.
pub(crate) fn read_csv<S: Rows>(
    source: impl Read,
    encoding: &'static encoding_rs::Encoding,
    mut sink: S,
    progress: std::sync::Arc<Progress>,
) -> Result<S::Report, FileProblem> {
    let file = Counting {
        inner: source,
        position: 0,
        progress,
    };
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(file);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(256 * 1024, decoded));
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).unwrap_or(false) {
        return Err(FileProblem::Empty);
    }
    let header: Vec<String> = record.iter().map(String::from).collect();
    sink.header(&header)?;
    let mut row_no = 1i64;
    loop {
        row_no += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let cells: Vec<&str> = record.iter().collect();
                sink.row(row_no, Some(&cells), &[])?;
            }
            // A row the CSV reader cannot read (e.g. a broken quote) is refused like a bad row.
            Err(_) => sink.row(row_no, None, &[])?,
        }
    }
    sink.finish()
}

/// An XLSX cell as the text a CSV would hold: dates as YYYY-MM-DD, whole numbers without ".0".
fn xlsx_text(value: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match value {
        D::String(s) | D::DateTimeIso(s) | D::DurationIso(s) => s.clone(),
        D::SharedString(s) => (*s).to_string(),
        D::Int(i) => i.to_string(),
        D::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        D::Float(f) => f.to_string(),
        D::Bool(b) => b.to_string(),
        D::DateTime(d) => d
            .as_datetime()
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        D::Error(_) | D::Empty => String::new(),
    }
}

/// The most an XLSX's table of texts (`sharedStrings.xml`, uncompressed) may hold: calamine
/// keeps that table in memory while the sheet streams, so this bounds an XLSX import's memory
/// whatever the file (at most about 3.3 times this, for a table of one-letter texts; a whole
/// Excel sheet of distinct ID numbers needs about 35 MB of it and 60 MB of memory). A larger
/// table is refused: such a file goes in as CSV.
const XLSX_TEXT_MAX: u64 = 40 * 1024 * 1024;
/// The most any other part calamine reads whole (workbook, styles, relations) may hold.
const XLSX_PART_MAX: u64 = 16 * 1024 * 1024;
/// The longest run of an XML part without a `<`: one text or one tag. calamine holds a whole
/// text in memory, so this bounds what one cell costs (Excel itself stops a cell at 32 767
/// characters, under 100 KB).
const XLSX_TOKEN_MAX: u64 = 256 * 1024;
/// How far into the table of texts its `<sst>` element may start.
const XLSX_SST_START_MAX: u64 = 64 * 1024;

/// The count of texts an XLSX's table of texts announces, as calamine reads it (the
/// `uniqueCount` attribute of the first `<sst>` element, read with an XML reader: comments and
/// other decoys are not elements), within its first `XLSX_SST_START_MAX` bytes. `None`: no
/// count; a count that is not a number announces too many.
fn announced_texts(part: impl Read) -> Result<Option<u64>, FileProblem> {
    use quick_xml::events::Event;
    let mut xml =
        quick_xml::Reader::from_reader(std::io::BufReader::new(part.take(XLSX_SST_START_MAX)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for attr in e.attributes().with_checks(false) {
                    let attr = attr.map_err(|_| FileProblem::Unreadable)?;
                    if attr.key.as_ref() == "uniqueCount" {
                        let n = attr.value.trim().parse::<u64>().unwrap_or(u64::MAX);
                        return Ok(Some(n));
                    }
                }
                return Ok(None);
            }
            // Not found where a table of texts starts: refused, whatever follows.
            Ok(Event::Eof) | Err(_) => return Err(FileProblem::Unreadable),
            Ok(_) => {}
        }
    }
}

/// The longest run of bytes without a `<` in an XML part, streamed (nothing is held).
fn longest_token(mut part: impl Read) -> Result<u64, FileProblem> {
    let mut buf = vec![0u8; 64 * 1024];
    let (mut run, mut longest) = (0u64, 0u64);
    loop {
        let n = part.read(&mut buf).map_err(|_| FileProblem::Unreadable)?;
        if n == 0 {
            return Ok(longest.max(run));
        }
        for &b in &buf[..n] {
            if b == b'<' {
                longest = longest.max(run);
                run = 0;
            } else {
                run += 1;
            }
        }
        if longest.max(run) > XLSX_TOKEN_MAX {
            return Ok(longest.max(run));
        }
    }
}

/// Checks an XLSX's parts before calamine opens it, from the sizes the archive declares (the
/// zip reader never gives more than the declared size) and a streamed pass over each part: a
/// table of texts within `XLSX_TEXT_MAX`, announcing no more texts than it can hold (calamine
/// reserves room for the announced count first); other parts within `XLSX_PART_MAX` (sheets
/// stream); and no text or tag anywhere longer than `XLSX_TOKEN_MAX`. Whatever the file says,
/// nothing larger is reserved or read.
fn check_xlsx_parts(file: impl Read + std::io::Seek) -> Result<(), FileProblem> {
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| FileProblem::Unreadable)?;
    for i in 0..zip.len() {
        let (name, size) = {
            let entry = zip.by_index_raw(i).map_err(|_| FileProblem::Unreadable)?;
            (
                entry
                    .name()
                    .map_err(|_| FileProblem::Unreadable)?
                    .to_ascii_lowercase(),
                entry.size(),
            )
        };
        if name.ends_with("sharedstrings.xml") {
            if size > XLSX_TEXT_MAX {
                return Err(FileProblem::TooMuchText);
            }
            // Each text takes at least `<si></si>`.
            let part = zip.by_index(i).map_err(|_| FileProblem::Unreadable)?;
            if announced_texts(part)?.is_some_and(|n| n > size / 9 + 1) {
                return Err(FileProblem::Unreadable);
            }
        } else if !name.contains("worksheets/") && size > XLSX_PART_MAX {
            return Err(FileProblem::Unreadable);
        }
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let part = zip.by_index(i).map_err(|_| FileProblem::Unreadable)?;
            if longest_token(part)? > XLSX_TOKEN_MAX {
                return Err(FileProblem::Unreadable);
            }
        }
    }
    Ok(())
}

/// Reads the first worksheet of an XLSX into the sink, cell by cell (the sheet is never held
/// whole in memory; cells missing from the file are empty; the table of texts is bounded by
/// `check_xlsx_parts`).
pub(crate) fn read_xlsx<R: Read + std::io::Seek, S: Rows>(
    open: impl Fn() -> std::io::Result<R>,
    sink: S,
    progress: std::sync::Arc<Progress>,
) -> Result<S::Report, FileProblem> {
    check_xlsx_parts(open().map_err(|_| FileProblem::Unreadable)?)?;
    // calamine's arithmetic on cell references overflows on some crafted ones (found by
    // `crate::fuzz`: `r="A99999999999999999999"`), a panic in a debug build and a wrapped
    // position in a release one. Such a file is unreadable, never a failed request.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_xlsx_cells(open, sink, progress)
    }))
    .unwrap_or_else(|_| {
        tracing::warn!("an XLSX made the spreadsheet reader fail; refused as unreadable");
        Err(FileProblem::Unreadable)
    })
}

fn read_xlsx_cells<R: Read + std::io::Seek, S: Rows>(
    open: impl Fn() -> std::io::Result<R>,
    mut sink: S,
    progress: std::sync::Arc<Progress>,
) -> Result<S::Report, FileProblem> {
    use calamine::Reader;
    let file = open().map_err(|_| FileProblem::Unreadable)?;
    let counted = Counting {
        inner: std::io::BufReader::new(file),
        position: 0,
        progress,
    };
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(counted).map_err(|_| FileProblem::Unreadable)?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(FileProblem::Empty);
    };
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| FileProblem::Unreadable)?;
    let mut row: Vec<String> = Vec::new();
    let mut numeric: Vec<bool> = Vec::new();
    let mut current: Option<u32> = None;
    let mut width = 0usize;
    let emit = |sink: &mut S,
                row_index: u32,
                row: &mut Vec<String>,
                numeric: &mut Vec<bool>,
                width: &mut usize|
     -> Result<(), FileProblem> {
        if *width == 0 {
            *width = row.len();
            sink.header(row)?;
        } else {
            row.resize(row.len().max(*width), String::new());
            let refs: Vec<&str> = row.iter().map(String::as_str).collect();
            sink.row(i64::from(row_index) + 1, Some(&refs), numeric)?;
        }
        row.clear();
        numeric.clear();
        Ok(())
    };
    let mut header_row = None;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(FileProblem::Unreadable),
        };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                emit(&mut sink, prev, &mut row, &mut numeric, &mut width)?;
                // Rows skipped in the file are empty rows: nothing to read.
            }
            header_row.get_or_insert(r);
            current = Some(r);
        }
        let c = c as usize;
        if c >= 1000 {
            return Err(FileProblem::Unreadable);
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
            numeric.resize(c + 1, false);
        }
        row[c] = xlsx_text(cell.get_value());
        numeric[c] = matches!(
            cell.get_value(),
            calamine::DataRef::Int(_) | calamine::DataRef::Float(_)
        );
    }
    if let Some(last) = current {
        emit(&mut sink, last, &mut row, &mut numeric, &mut width)?;
    }
    sink.finish()
}

/// The longest record of an NDJSON push, in bytes (a record is one row; longer is refused).
const NDJSON_LINE_MAX: usize = 64 * 1024;

/// How a file to import is written.
#[derive(Clone, Copy, Debug)]
pub enum Format {
    /// A spreadsheet (XLSX, by its first bytes) or a CSV whose encoding is found.
    Detect,
    /// A CSV in this encoding.
    Text(&'static encoding_rs::Encoding),
    /// Newline-delimited JSON (UTF-8), one object per record (the machine API's pushes): the
    /// first record's keys are the header; a value given as a JSON number is a number, as a
    /// spreadsheet's numeric cell is (an ID number so given is refused).
    Ndjson,
}

/// Reads one line of at most `NDJSON_LINE_MAX` bytes into `line` (without its end);
/// `Ok(None)` at the end of the input, `Ok(Some(false))` for a longer line (skipped whole).
fn read_capped_line(
    input: &mut impl std::io::BufRead,
    line: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    line.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(any.then_some(!too_long));
        }
        any = true;
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long {
            if line.len() + chunk.len() > NDJSON_LINE_MAX {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(buf.len());
        input.consume(used);
        if done.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(!too_long));
        }
    }
}

/// One NDJSON record as the cells of `header` (and which of them were JSON numbers); `None`
/// when it is not an object of texts, numbers, booleans and nulls under the header's keys.
fn ndjson_cells(line: &[u8], header: &[String]) -> Option<(Vec<String>, Vec<bool>)> {
    let serde_json::Value::Object(map) = serde_json::from_slice(line).ok()? else {
        return None;
    };
    if map.keys().any(|k| !header.contains(k)) {
        return None;
    }
    let mut cells = vec![String::new(); header.len()];
    let mut numeric = vec![false; header.len()];
    for (i, key) in header.iter().enumerate() {
        match map.get(key) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(t)) => cells[i] = t.clone(),
            Some(serde_json::Value::Number(n)) => {
                cells[i] = n.to_string();
                numeric[i] = true;
            }
            Some(serde_json::Value::Bool(b)) => cells[i] = b.to_string(),
            Some(_) => return None,
        }
    }
    Some((cells, numeric))
}

/// Reads an NDJSON push into the sink (blank lines are skipped).
fn read_ndjson<S: Rows>(
    source: impl Read,
    mut sink: S,
    progress: std::sync::Arc<Progress>,
) -> Result<S::Report, FileProblem> {
    let mut input = std::io::BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: source,
            position: 0,
            progress,
        },
    );
    let mut line = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut row_no = 0i64;
    while let Some(fits) =
        read_capped_line(&mut input, &mut line).map_err(|_| FileProblem::Unreadable)?
    {
        row_no += 1;
        if fits && line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(keys) = &header else {
            // The first record names the fields.
            let first: serde_json::Map<String, serde_json::Value> = fits
                .then(|| serde_json::from_slice(&line).ok())
                .flatten()
                .ok_or(FileProblem::Unreadable)?;
            let keys: Vec<String> = first.keys().cloned().collect();
            sink.header(&keys)?;
            header = Some(keys);
            let keys = header.as_ref().expect("just set");
            match ndjson_cells(&line, keys) {
                Some((cells, numeric)) => {
                    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                    sink.row(row_no + 1, Some(&refs), &numeric)?
                }
                None => sink.row(row_no + 1, None, &[])?,
            }
            continue;
        };
        match fits.then(|| ndjson_cells(&line, keys)).flatten() {
            Some((cells, numeric)) => {
                let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                sink.row(row_no + 1, Some(&refs), &numeric)?
            }
            None => sink.row(row_no + 1, None, &[])?,
        }
    }
    sink.finish()
}

/// How far an import has come: the file's bytes read and its rows checked so far.
#[derive(Debug, Default)]
pub struct Progress {
    pub total_bytes: u64,
    pub read_bytes: std::sync::atomic::AtomicU64,
    pub rows: std::sync::atomic::AtomicI64,
}

/// Imports running in this process by (uploader, the run token their page chose).
pub type Running = std::sync::Arc<
    std::sync::Mutex<std::collections::HashMap<(String, String), std::sync::Arc<Progress>>>,
>;

/// How often a running import writes its progress to the database (PostgreSQL), for a progress
/// bar served by another process; a run not rewritten for `PROGRESS_STALE_MS` is over.
pub const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
const PROGRESS_STALE_MS: i64 = 10_000;

impl Progress {
    fn run(&self, user_id: &str, run: &str) -> app::store::ImportRun {
        use std::sync::atomic::Ordering::Relaxed;
        app::store::ImportRun {
            user_id: user_id.to_string(),
            run: run.to_string(),
            total_bytes: self.total_bytes as i64,
            read_bytes: self.read_bytes.load(Relaxed).min(self.total_bytes) as i64,
            rows: self.rows.load(Relaxed),
            updated_at: app::auth::real_now_millis(),
        }
    }
}

/// Makes a running import's progress visible to every process: in this process's list, and on
/// PostgreSQL (several processes on one database) written to the database every
/// `PROGRESS_EVERY` until the returned guard is dropped, when it is removed from both. On SQLite
/// (one process; the import's transaction holds the write lock) the list alone serves.
pub struct Published {
    key: (String, String),
    running: Running,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    writer: Option<tokio::task::JoinHandle<()>>,
}

impl Published {
    /// The import is over: once this returns, no process shows it running (its uploader's
    /// page may ask any process as soon as the answer arrives). Dropping the guard instead (a
    /// task that failed) ends it too, a moment later.
    pub async fn finish(mut self) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&self.key);
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(writer) = self.writer.take() {
            let _ = writer.await;
        }
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&self.key);
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn publish(state: &AppState, key: (String, String), progress: Arc<Progress>) -> Published {
    if let Ok(mut running) = state.imports.lock() {
        running.insert(key.clone(), progress.clone());
    }
    let shared = state.db.dialect() == crate::store::dialect::Dialect::Postgres;
    let (stop, writer) = if shared {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let store = state.services.store.clone();
        let (user, run) = key.clone();
        let writer = tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROGRESS_EVERY);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        if let Err(e) = store.set_import_run(&progress.run(&user, &run)).await {
                            tracing::warn!(error = %e, "import progress not written");
                        }
                    }
                }
            }
            if let Err(e) = store.end_import_run(&user, &run).await {
                tracing::warn!(error = %e, "import progress not removed");
            }
        });
        (Some(stop), Some(writer))
    } else {
        (None, None)
    };
    Published {
        key,
        running: state.imports.clone(),
        stop,
        writer,
    }
}

/// A reader that tells `Progress` how far into the file it is.
pub(crate) struct Counting<R> {
    inner: R,
    position: u64,
    progress: std::sync::Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position += n as u64;
        self.progress
            .read_bytes
            .fetch_max(self.position, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Counting<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.position = self.inner.seek(pos)?;
        Ok(self.position)
    }
}

/// Reads a whole file given as bytes exactly as an import reads one (encoding or XLSX found the
/// same way, every row checked), storing nothing: the parsers' entry for `crate::fuzz`.
pub fn check_bytes(
    source: Source,
    bytes: &[u8],
    today: chrono::NaiveDate,
) -> Result<ImportReport, FileProblem> {
    read_bytes(
        bytes,
        |tx, progress| {
            RowSink::new(
                source,
                today,
                tx,
                progress,
                crate::crypto::FieldCipher::random(),
            )
        },
        |_| 0,
    )
    .0
}

/// Reads `bytes` as a file given to a reader (CSV in its encoding, or XLSX), through the sink
/// `sink` makes; the batches it sends a store are taken by a thread, counted by `rows`, and
/// dropped. Returns the reader's answer and the rows the batches held.
pub(crate) fn read_bytes<T: Send + 'static, S: Rows>(
    bytes: &[u8],
    sink: impl FnOnce(tokio::sync::mpsc::Sender<T>, std::sync::Arc<Progress>) -> S,
    rows: impl Fn(&T) -> usize + Send + 'static,
) -> (Result<S::Report, FileProblem>, usize) {
    let open = || Ok::<_, std::io::Error>(std::io::Cursor::new(bytes));
    let progress = std::sync::Arc::new(Progress::default());
    // A compressed sheet may hold far more rows than its bytes: batches are taken as they come.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let drain = std::thread::spawn(move || {
        let mut n = 0;
        while let Some(batch) = rx.blocking_recv() {
            n += rows(&batch);
        }
        n
    });
    let sink = sink(tx, progress.clone());
    let result = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(open, sink, progress)
    } else {
        match detect_encoding_of(open) {
            Ok(Some(encoding)) => read_csv(std::io::Cursor::new(bytes), encoding, sink, progress),
            _ => {
                drop(sink);
                Err(FileProblem::Encoding)
            }
        }
    };
    // The sink (and its sender) is gone once read, on every path: the thread ends.
    (result, drain.join().unwrap_or(0))
}

/// Runs an import of a file already on disk: what the upload handler, tests and the benchmark
/// call. A file refused whole is recorded with its report too (nothing of it is stored).
#[allow(clippy::too_many_arguments)]
pub async fn import_file(
    state: &AppState,
    actor_id: &str,
    region: &app::domain::region::RegionCode,
    source: Source,
    file_name: &str,
    path: std::path::PathBuf,
    file_hash: String,
    format: Format,
    progress: std::sync::Arc<Progress>,
) -> Result<ImportReport, AppError> {
    let s = &state.services;
    // An XLSX is a zip: its first bytes say so, whatever the file is called.
    let mut magic = [0u8; 4];
    let ndjson = matches!(format, Format::Ndjson);
    let xlsx = !ndjson
        && std::fs::File::open(&path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && &magic == b"PK\x03\x04";
    let detected = match format {
        _ if xlsx => None,
        Format::Ndjson => Some(encoding_rs::UTF_8),
        Format::Text(e) => Some(e),
        Format::Detect => {
            let p = path.clone();
            tokio::task::spawn_blocking(move || detect_encoding(&p))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?
        }
    };
    let today = app::services::today_in_china();
    let started = std::time::Instant::now();
    let id = uuid::Uuid::new_v4().to_string();
    let meta = |encoding: &str, rules| NewImport {
        id: id.clone(),
        source,
        file_hash: file_hash.clone(),
        file_name: file_name.into(),
        encoding: encoding.into(),
        created_by: actor_id.into(),
        now: app::services::now_millis(),
        region: region.clone(),
        rules,
        today,
    };
    let refused = |encoding: &str, problem: FileProblem, rows: ImportReport| {
        let report = ImportReport {
            import_id: Some(id.clone()),
            source: source.code().into(),
            file_name: file_name.into(),
            encoding: encoding.into(),
            refused: Some(problem),
            ..rows
        };
        let meta = meta(encoding, Vec::new());
        async move {
            s.store
                .import_refused(
                    meta,
                    &serde_json::to_string(&report).map_err(AppError::internal)?,
                )
                .await?;
            Ok::<_, AppError>(report)
        }
    };
    let encoding = match detected {
        Some(e) => Some(e),
        None if xlsx => None,
        None => return refused("", FileProblem::Encoding, ImportReport::default()).await,
    };
    let encoding_name = match encoding {
        _ if ndjson => "ndjson",
        Some(e) => e.name(),
        None => "xlsx",
    };
    let rules = s.store.warning_rules().await?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let reading = progress.clone();
    let cipher = state.cipher.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let sink = RowSink::new(source, today, tx.clone(), reading.clone(), cipher);
        let result = match encoding {
            Some(_) if ndjson => match std::fs::File::open(&path) {
                Ok(file) => read_ndjson(file, sink, reading),
                Err(_) => Err(FileProblem::Empty),
            },
            Some(encoding) => match std::fs::File::open(&path) {
                Ok(file) => read_csv(file, encoding, sink, reading),
                Err(_) => Err(FileProblem::Empty),
            },
            None => read_xlsx(|| std::fs::File::open(&path), sink, reading),
        };
        match &result {
            Ok(r) => {
                let report_json = serde_json::to_string(r).unwrap_or_default();
                let _ = tx.blocking_send(ImportBatch::End {
                    rows_read: r.rows_read,
                    invalid: r.invalid,
                    report_json,
                });
            }
            Err(_) => {
                let _ = tx.blocking_send(ImportBatch::Abort);
            }
        }
        result
    });
    let stored = s.store.import_records(meta(encoding_name, rules), rx).await;
    let read = reader.await.map_err(AppError::internal)?;
    if let Ok(rows) = &read {
        let secs = started.elapsed().as_secs_f64();
        metrics::counter!("doudi_import_rows_total", "source" => source.code())
            .increment(rows.rows_read.max(0) as u64);
        if secs > 0.0 {
            metrics::gauge!("doudi_import_rows_per_second", "source" => source.code())
                .set(rows.rows_read as f64 / secs);
        }
    }
    match (read, stored) {
        (Err(problem), _) => refused(encoding_name, problem, ImportReport::default()).await,
        (Ok(rows), Ok(result)) => Ok(ImportReport {
            import_id: Some(id.clone()),
            source: source.code().into(),
            file_name: file_name.into(),
            encoding: encoding_name.into(),
            warnings: result.warnings,
            ..rows
        }
        .with_stored(result.new_records, result.matched)),
        (Ok(_), Err(e)) => Err(e.into()),
    }
}

/// `GET /imports/progress/{run}`: how far the caller's import with that run token has come;
/// `running: false` once it is done (its report is then in the list of imports).
pub async fn progress(
    State(state): State<AppState>,
    auth: AuthSession,
    axum::extract::Path(run): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let user = auth.user.ok_or(AppError::Unauthenticated)?;
    let here = state
        .imports
        .lock()
        .ok()
        .and_then(|m| m.get(&(user.0.id.clone(), run.clone())).cloned())
        .map(|p| p.run(&user.0.id, &run));
    let found = match here {
        Some(r) => Some(r),
        // Started through another process.
        None => {
            state
                .services
                .store
                .import_run(
                    &user.0.id,
                    &run,
                    app::auth::real_now_millis() - PROGRESS_STALE_MS,
                )
                .await?
        }
    };
    let body = match found {
        Some(p) => app::api::monitoring::ImportProgress {
            running: true,
            total_bytes: p.total_bytes as u64,
            read_bytes: p.read_bytes as u64,
            rows: p.rows,
        },
        None => app::api::monitoring::ImportProgress {
            running: false,
            total_bytes: 0,
            read_bytes: 0,
            rows: 0,
        },
    };
    Ok(Json(body).into_response())
}

/// A file sent to be read row by row (an import, a roster's intake): its name as given (without
/// control characters, at most 100 characters), the temporary file it was streamed to while
/// hashed (memory stays flat), its SHA-256 and its size; over `MAX_IMPORT_BYTES` it is refused.
pub struct Spooled {
    pub name: String,
    pub file: tempfile::NamedTempFile,
    pub hash: String,
    pub size: usize,
}

pub async fn spool(
    mut field: axum::extract::multipart::Field<'_>,
    default_name: &str,
) -> Result<Spooled, AppError> {
    let name: String = field
        .file_name()
        .unwrap_or(default_name)
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let mut file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    let mut hasher = sha2::Sha256::new();
    let mut size = 0usize;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len();
        if size > MAX_IMPORT_BYTES {
            return Err(AppError::refused("file_too_large"));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(AppError::internal)?;
    }
    Ok(Spooled {
        name,
        file,
        hash: hex::encode(hasher.finalize()),
        size,
    })
}

/// `POST /imports`: multipart `source`, optional `encoding` (`utf-8` or `gbk`; detected when
/// absent) and `file`. Department officers import their own department's sources; admins any.
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = auth.user.ok_or(AppError::Unauthenticated)?;
    if !user.may_act_as(&[Role::Department, Role::Admin]) {
        return Err(AppError::Forbidden);
    }
    let (mut source, mut encoding, mut file, mut run) = (None, None, None, None);
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "source" => {
                source = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| Source::from_code(t.trim()))
            }
            // The page's token for polling progress (letters, digits and dashes).
            "run" => {
                run = field
                    .text()
                    .await
                    .ok()
                    .map(|t| t.trim().to_string())
                    .filter(|t| {
                        (1..=64).contains(&t.len())
                            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    })
            }
            "encoding" => {
                encoding = match field.text().await.unwrap_or_default().trim() {
                    "" | "auto" => None,
                    "utf-8" => Some(encoding_rs::UTF_8),
                    "gbk" | "gb18030" => Some(encoding_rs::GB18030),
                    _ => {
                        return Err(AppError::field(
                            "encoding",
                            app::domain::declaration::FieldErrorCode::InvalidChoice,
                        ))
                    }
                }
            }
            "file" => file = Some(spool(field, "file.csv").await?),
            _ => return Err(AppError::BadRequest),
        }
    }
    let source = source.ok_or(AppError::field(
        "source",
        app::domain::declaration::FieldErrorCode::InvalidChoice,
    ))?;
    if user.0.role == Role::Department && user.0.department != Some(source.department()) {
        return Err(AppError::Forbidden);
    }
    let region = app::auth::staff_scope(&user)?;
    let Spooled {
        name,
        file: tmp,
        hash,
        size,
    } = file
        .filter(|f| f.size > 0)
        .ok_or(AppError::refused("file_empty"))?;
    // The import runs on its own task: if the uploader's browser is closed (the request dropped),
    // it still finishes, and its report waits in the list of imports.
    let progress = std::sync::Arc::new(Progress {
        total_bytes: size as u64,
        ..Default::default()
    });
    let key = (
        user.0.id.clone(),
        run.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
    );
    let published = publish(&state, key, progress.clone());
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        let path = tmp.path().to_path_buf();
        let result = import_file(
            &task_state,
            &user.0.id,
            &region,
            source,
            &name,
            path,
            hash,
            encoding.map_or(Format::Detect, Format::Text),
            progress,
        )
        .await;
        drop(tmp);
        published.finish().await;
        let outcome = match &result {
            Ok(r) if r.refused.is_none() => AuditResult::Ok,
            Ok(_) => AuditResult::Refused,
            Err(_) => AuditResult::Error,
        };
        let object = format!(
            "{}:{}",
            source.code(),
            result
                .as_ref()
                .ok()
                .and_then(|r| r.import_id.clone())
                .unwrap_or_default()
        );
        audit(
            &task_state.services,
            Some(&user.0.id),
            "import",
            &object,
            outcome,
        )
        .await;
        result
    });
    let report = task.await.map_err(AppError::internal)??;
    // A refused file is answered 422 with its report (which rows, which reasons).
    let status = if report.refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

/// `GET /imports/{id}/report.xlsx`: an import's report as a spreadsheet (counts, refused rows by
/// reason, the first refused rows), in the caller's language. Only who may import the source
/// (its department's officers, administrators) gets it; it holds no personal data.
pub async fn report_xlsx(
    State(state): State<AppState>,
    auth: AuthSession,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let user = auth.user.ok_or(AppError::Unauthenticated)?;
    let rec = state
        .services
        .store
        .import(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !app::api::monitoring::importable_sources(&user.0).contains(&rec.source) {
        return Err(AppError::NotFound);
    }
    let locale = crate::http::locale_of(&headers);
    let stored: ImportReport = serde_json::from_str(&rec.report_json).unwrap_or_default();
    let report = ImportReport {
        rows_read: rec.rows_read,
        invalid: rec.invalid,
        warnings: rec.warnings,
        ..stored
    }
    .with_stored(rec.new_records, rec.matched);
    let bytes = report_workbook(locale, &rec.file_name, &report).map_err(AppError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"import-report-{}.xlsx\"",
                    rec.id
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn report_workbook(
    locale: app::i18n::Locale,
    file_name: &str,
    report: &ImportReport,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use app::texts::{report_lines_in, report_words_in, row_problem_in};
    let [title, file, row, reason, count] = report_words_in(locale);
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 16)?;
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    sheet.write_string(1, 0, &file)?;
    sheet.write_string(1, 1, file_name)?;
    let mut r = 3u32;
    if let Some(problem) = &report.refused {
        sheet.write_string_with_format(
            2,
            0,
            app::texts::file_problem_in(locale, problem),
            &bold,
        )?;
        r = 4;
    }
    for (label, n) in report_lines_in(locale, report) {
        sheet.write_string(r, 0, &label)?;
        sheet.write_number(r, 1, n as f64)?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, &reason, &bold)?;
    sheet.write_string_with_format(r, 1, &count, &bold)?;
    for (p, n) in &report.problems_by_kind {
        r += 1;
        sheet.write_string(r, 0, row_problem_in(locale, *p))?;
        sheet.write_number(r, 1, *n as f64)?;
    }
    r += 2;
    sheet.write_string_with_format(r, 0, &reason, &bold)?;
    sheet.write_string_with_format(r, 1, &row, &bold)?;
    for (line, p) in &report.problems {
        r += 1;
        sheet.write_string(r, 0, row_problem_in(locale, *p))?;
        sheet.write_number(r, 1, *line as f64)?;
    }
    book.save_to_buffer()
}

/// A small table sent as a whole file (a bank's return file): CSV in UTF-8 or GB18030, or the
/// first sheet of an XLSX (checked as an import's is), as rows of texts, the header first. For
/// files the request's body limit already bounds.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileProblem> {
    if bytes.starts_with(b"PK\x03\x04") {
        check_xlsx_parts(std::io::Cursor::new(bytes))?;
        // As `read_xlsx`: a crafted cell reference must not become a panic.
        return std::panic::catch_unwind(|| {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
                .map_err(|_| FileProblem::Unreadable)?;
            let sheet = book
                .sheet_names()
                .first()
                .cloned()
                .ok_or(FileProblem::Empty)?;
            let mut cells = book
                .worksheet_cells_reader(&sheet)
                .map_err(|_| FileProblem::Unreadable)?;
            let mut rows: Vec<Vec<String>> = Vec::new();
            let mut current = None;
            while let Some(cell) = cells.next_cell().map_err(|_| FileProblem::Unreadable)? {
                let (r, c) = cell.get_position();
                if c >= 1000 {
                    return Err(FileProblem::Unreadable);
                }
                if current != Some(r) {
                    current = Some(r);
                    rows.push(Vec::new());
                }
                let row = rows.last_mut().expect("a row");
                row.resize(row.len().max(c as usize + 1), String::new());
                row[c as usize] = xlsx_text(cell.get_value());
            }
            Ok(rows)
        })
        .unwrap_or(Err(FileProblem::Unreadable));
    }
    let open = || Ok::<_, std::io::Error>(std::io::Cursor::new(bytes));
    let encoding = detect_encoding_of(open)
        .ok()
        .flatten()
        .ok_or(FileProblem::Encoding)?;
    let (text, _, _) = encoding.decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect::<Result<_, _>>()
        .map_err(|_| FileProblem::Unreadable)?;
    if rows.is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(rows)
}
