//! 花名册: `GET /rosters/{kind}.xlsx` (ID numbers and phones masked) and `POST` of the same
//! address with a stated purpose (unmasked, caseworkers only). Every export is audited with what
//! it selected and how many rows it held; an unmasked one with its purpose.
//!
//! The rows are read a page at a time (`ROSTER_PAGE`, keyset order) and handed to a worksheet
//! in constant-memory mode on a blocking thread, which writes them to a file in the data
//! directory as they come; the finished file is then sent in chunks and removed. Memory stays
//! bounded by a page, whatever the roster's size, and every failure is known before the answer
//! starts (no half file behind a 200). Text cells are written as text, never as formulas, and a
//! text that starts like a formula (`=`, `+`, `-`, `@`) carries Excel's quote prefix, so it stays
//! text when the cell is edited or the sheet saved as CSV.

use crate::startup::AppState;
use app::api::rosters::{
    RosterFilter, RosterKind, RosterRequest, RosterSelection, EXPORTERS, ROSTER_PAGE, UNMASKERS,
};
use app::auth::{audit, audit_for, check_in_region, signed_in, staff_scope, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::declaration::{Declaration, Relation};
use app::domain::id_number::IdNumber;
use app::domain::phone::Phone;
use app::domain::region::RegionCode;
use app::error::AppError;
use app::i18n::Locale;
use app::store::*;
use app::texts::roster as words;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The most rows a roster holds: a worksheet holds 1 048 576 rows; beyond this the caller is
/// asked to choose a smaller region.
pub const ROSTER_MAX_ROWS: u64 = 1_000_000;

/// Exports written at once by this process (each keeps a core busy for seconds); another is
/// answered 503 with `Retry-After`.
pub const EXPORTS_AT_ONCE: usize = 2;

/// `GET`: the masked roster. An unmasked one is never asked for in an address (which browsers
/// and proxies keep): it is a `POST`.
pub async fn download(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(file): Path<String>,
    headers: HeaderMap,
    query: Result<Query<RosterRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let answer = match query {
        // An unmasked roster is never asked for in an address.
        Ok(Query(request)) if !request.unmask => {
            export(&state, auth, &file, &headers, request).await
        }
        _ => Err(AppError::BadRequest),
    };
    shown(&headers, answer)
}

/// `POST`: the unmasked roster the form asks for, with its purpose.
pub async fn download_posted(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(file): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RosterRequest>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    let answer = match form {
        // A form posts only an unmasked export (a masked one is a link).
        Ok(Form(request)) if !request.unmask => Err(AppError::field(
            "unmask",
            app::domain::declaration::FieldErrorCode::Required,
        )),
        Ok(Form(request)) => export(&state, auth, &file, &headers, request).await,
        Err(_) => Err(AppError::BadRequest),
    };
    shown(&headers, answer)
}

/// A refusal as a browser shows it: the export is a link or a form, so what the browser
/// receives is what the person reads — a page in their language with the way back. Other
/// callers (scripts, tests) get the usual JSON.
fn shown(headers: &HeaderMap, answer: Result<Response, AppError>) -> Result<Response, AppError> {
    let e = match answer {
        Ok(r) => return Ok(r),
        Err(e) => e,
    };
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !html {
        return Err(e);
    }
    let locale = crate::http::locale_of(headers);
    let (message, back) = app::texts::roster_error_in(locale, &e);
    let lang = if locale == Locale::en { "en" } else { "zh-CN" };
    let title = words::page_title(locale);
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main><h1>{title}</h1>\
         <p role=\"alert\" id=\"roster-error\">{message}</p>\
         <p><a href=\"/staff/rosters\">{back}</a></p></main></body></html>"
    );
    let status = axum::http::StatusCode::from_u16(e.http_status())
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response())
}

async fn export(
    state: &AppState,
    auth: AuthSession,
    file: &str,
    headers: &HeaderMap,
    request: RosterRequest,
) -> Result<Response, AppError> {
    let user = signed_in(auth.user)?;
    if !user.may_act_as(EXPORTERS) {
        return Err(AppError::Forbidden);
    }
    let s = &state.services;
    let kind = file
        .strip_suffix(".xlsx")
        .and_then(RosterKind::from_code)
        .ok_or(AppError::NotFound)?;
    let selection = request.read(kind)?;
    if selection.purpose.is_some() && !user.may_act_as(UNMASKERS) {
        audit(
            s,
            Some(&user.0.id),
            "roster_export_unmasked",
            kind.code(),
            AuditResult::Denied,
        )
        .await;
        return Err(AppError::Forbidden);
    }
    let scope = staff_scope(&user)?;
    let region = match &selection.region {
        Some(r) => {
            check_in_region(s, &user, r, "roster_export", r.as_str()).await?;
            r.clone()
        }
        None => scope,
    };
    let _permit = state
        .exports
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::Busy)?;
    let locale = crate::http::locale_of(headers);
    let region_name = s
        .store
        .region(&region)
        .await?
        .map(|r| name_in(locale, &r))
        .unwrap_or_else(|| region.as_str().to_string());
    let fw = words::file_words(locale);
    let head = FileHead {
        title: format!("{region_name} {}", words::title(locale, kind)),
        note: match &selection.purpose {
            Some(p) => format!("{}{p}", fw.unmasked),
            None => fw.masked.clone(),
        },
        by: format!("{}: {}", fw.by, user.0.display_name),
        at: format!(
            "{}: {}",
            fw.at,
            app::clock::china_time(app::services::now_millis())
        ),
        total: fw.total,
        headings: words::headings(locale, kind),
    };
    let dir = state.config.data_dir.join("tmp");
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let (file_out, rows) = write_roster(s, &dir, head, &selection, &region, locale).await?;
    let object = format!(
        "{} {} {} rows={rows}",
        kind.code(),
        region.as_str(),
        selection.filter.summary()
    );
    match &selection.purpose {
        Some(purpose) => {
            audit_for(
                s,
                Some(&user.0.id),
                "roster_export_unmasked",
                &object,
                AuditResult::Ok,
                Some(purpose),
            )
            .await
        }
        None => {
            audit(
                s,
                Some(&user.0.id),
                "roster_export",
                &object,
                AuditResult::Ok,
            )
            .await
        }
    }
    let name = format!(
        "roster-{}-{}-{}.xlsx",
        kind.code(),
        region.as_str(),
        app::clock::china_date(app::services::now_millis())
    );
    let length = file_out.metadata().map_err(AppError::internal)?.len();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        axum::body::Body::from_stream(chunks(tokio::fs::File::from_std(file_out))),
    )
        .into_response())
}

/// A file's bytes, 64 KiB at a time.
fn chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send {
    futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

fn name_in(locale: Locale, r: &app::domain::region::Region) -> String {
    if locale == Locale::en && !r.name_en.is_empty() {
        r.name_en.clone()
    } else {
        r.name_zh.clone()
    }
}

/// What a roster's sheet says above and below its rows.
struct FileHead {
    title: String,
    note: String,
    by: String,
    at: String,
    total: String,
    headings: Vec<String>,
}

/// One cell of a row.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    /// An amount in yuan, two decimals.
    Yuan(f64),
    Blank,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        if s.is_empty() {
            Cell::Blank
        } else {
            Cell::Text(s)
        }
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map(Cell::from).unwrap_or(Cell::Blank)
    }
}

/// Whether a text would read as a formula, or start a command in a CSV opened by a spreadsheet.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Reads the roster's pages and writes them; the finished workbook's file (already unlinked:
/// nothing of it stays on disk once it is sent) and its number of rows.
async fn write_roster(
    s: &app::services::Services,
    dir: &std::path::Path,
    head: FileHead,
    selection: &RosterSelection,
    region: &RegionCode,
    locale: Locale,
) -> Result<(std::fs::File, u64), AppError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Vec<Cell>>>(2);
    let dir = dir.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || write_sheet(&dir, head, rx));
    let read = read_rows(s, selection, region, locale, &tx).await;
    drop(tx);
    let written = writer.await.map_err(AppError::internal)?;
    read?;
    written.map_err(AppError::internal)
}

/// The pages of the selection, as rows of cells, into `tx`.
async fn read_rows(
    s: &app::services::Services,
    selection: &RosterSelection,
    region: &RegionCode,
    locale: Locale,
    tx: &tokio::sync::mpsc::Sender<Vec<Vec<Cell>>>,
) -> Result<(), AppError> {
    let mut lines = Lines {
        locale,
        unmasked: selection.purpose.is_some(),
        names: HashMap::new(),
        n: 0,
    };
    let mut after_text: Option<String> = None;
    let mut after_id: Option<i64> = None;
    // Payments: the roll of the month of the county the region is in (none: an empty roster).
    let roll = match selection.filter {
        RosterFilter::Payments { month, .. } => {
            let rolls = s.store.rolls(&region.county(), 240).await?;
            match rolls.into_iter().find(|r| r.month == month) {
                Some(r) => Some(r.id),
                None => return Ok(()),
            }
        }
        _ => None,
    };
    loop {
        // Rows read (a page is full when it has `ROSTER_PAGE`), and the lines they make.
        let (fetched, page): (usize, Vec<Vec<Cell>>) = match selection.filter {
            RosterFilter::Households {
                category,
                standing,
                residence,
                flow,
            } => {
                let rows = s
                    .store
                    .roster_households(HouseholdRosterQuery {
                        region: region.clone(),
                        category,
                        standing,
                        residence,
                        flow,
                        after: after_text.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_text = rows.last().map(|r| r.id.clone());
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::household)
                        .await?,
                )
            }
            RosterFilter::Applications { status, decided } => {
                let rows = s
                    .store
                    .roster_applications(ApplicationRosterQuery {
                        region: region.clone(),
                        status,
                        decided,
                        after: after_text.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_text = rows.last().map(|r| r.number.clone());
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::application)
                        .await?,
                )
            }
            RosterFilter::Warnings {
                status,
                level,
                origin,
                visit,
                raised,
            } => {
                let rows = s
                    .store
                    .roster_warnings(WarningRosterQuery {
                        region: region.clone(),
                        status,
                        level,
                        origin,
                        visit,
                        today: app::clock::today_in_china(),
                        raised,
                        after: after_id.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_id = rows.last().map(|r| r.id);
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::warning)
                        .await?,
                )
            }
            RosterFilter::Payments {
                category,
                fund,
                paid,
                ..
            } => {
                let roll = roll.as_deref().unwrap_or_default();
                let which = if paid {
                    LineFilter::Paying
                } else {
                    LineFilter::All
                };
                let rows = s
                    .store
                    .payees(roll, which, after_text.take(), ROSTER_PAGE)
                    .await?;
                after_text = rows.last().map(|r| r.line.line.household_id.clone());
                // The county's roll, the lines of the region (and category, fund) asked for.
                let mine: Vec<&PayeeRecord> = rows
                    .iter()
                    .filter(|r| {
                        let l = &r.line.line;
                        l.region.is_within(region)
                            && category.is_none_or(|c| l.category == c)
                            && fund.is_none_or(|f| l.fund == f)
                            && !(paid
                                && r.line
                                    .bank
                                    .as_ref()
                                    .is_some_and(|b| b.0 == BankStatus::Failed))
                    })
                    .collect();
                (
                    rows.len(),
                    lines
                        .page(s, &mine, |r| &r.line.line.region, |l, r| l.payment(r))
                        .await?,
                )
            }
            RosterFilter::Referrals {
                department,
                status,
                sent,
            } => {
                let rows = s
                    .store
                    .roster_referrals(ReferralRosterQuery {
                        region: region.clone(),
                        department,
                        status,
                        sent,
                        after: after_id.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_id = rows.last().map(|r| r.id);
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::referral)
                        .await?,
                )
            }
            RosterFilter::Recovery {
                reason,
                status,
                opened,
            } => {
                let rows = s
                    .store
                    .roster_recovery(RecoveryRosterQuery {
                        region: region.clone(),
                        reason,
                        status,
                        opened,
                        after: after_text.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_text = rows.last().map(|r| r.id.clone());
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::recovery)
                        .await?,
                )
            }
            RosterFilter::Charity {
                form,
                status,
                closed,
            } => {
                let rows = s
                    .store
                    .roster_charity(CharityRosterQuery {
                        region: region.clone(),
                        form,
                        status,
                        closed,
                        after: after_text.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_text = rows.last().map(|r| r.id.clone());
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.township, Lines::charity)
                        .await?,
                )
            }
            RosterFilter::Emergency { form, recorded } => {
                let rows = s
                    .store
                    .roster_emergency(EmergencyRosterQuery {
                        region: region.clone(),
                        form,
                        recorded,
                        after: after_text.take(),
                        limit: ROSTER_PAGE,
                    })
                    .await?;
                after_text = rows.last().map(|r| r.id.clone());
                (
                    rows.len(),
                    lines
                        .page(s, &rows, |r| &r.region_code, Lines::emergency)
                        .await?,
                )
            }
        };
        let full = fetched as i64 == ROSTER_PAGE;
        if lines.n > ROSTER_MAX_ROWS {
            return Err(AppError::refused("roster_too_large"));
        }
        if !page.is_empty() && tx.send(page).await.is_err() {
            // The writer stopped: its own error is the one to report.
            return Ok(());
        }
        if !full {
            return Ok(());
        }
    }
}

/// Turns records into rows: numbering, masking, names of places and codes in the language.
struct Lines {
    locale: Locale,
    unmasked: bool,
    /// Region names already looked up.
    names: HashMap<String, String>,
    /// Rows so far.
    n: u64,
}

/// The head of household, the masked or whole ID number and phone, the place and its code.
#[derive(Default)]
struct Person {
    name: String,
    id: String,
    phone: String,
    declaration: Option<Declaration>,
}

/// The head of a household without a declaration, as a roster line names them.
#[derive(Clone, Copy)]
struct Listed<'a> {
    name: &'a str,
    id_number: &'a IdNumber,
    phone: Option<&'a Phone>,
}

/// A listed head as `Lines::person` takes it.
fn listed(head: &Option<ListedHead>) -> Option<Listed<'_>> {
    head.as_ref().map(|h| Listed {
        name: &h.name,
        id_number: &h.id_number,
        phone: h.phone.as_ref(),
    })
}

impl Lines {
    /// A page of records as rows: the names of their places looked up first (once each), then
    /// each record turned into its line.
    async fn page<R>(
        &mut self,
        s: &app::services::Services,
        records: &[R],
        place: impl Fn(&R) -> &RegionCode,
        line: impl Fn(&mut Lines, &R) -> Result<Vec<Cell>, AppError>,
    ) -> Result<Vec<Vec<Cell>>, AppError> {
        self.names_for(s, records.iter().map(&place)).await?;
        records.iter().map(|r| line(self, r)).collect()
    }

    async fn names_for(
        &mut self,
        s: &app::services::Services,
        codes: impl Iterator<Item = &RegionCode>,
    ) -> Result<(), AppError> {
        let mut missing: Vec<RegionCode> = codes
            .filter(|c| !self.names.contains_key(c.as_str()))
            .cloned()
            .collect();
        missing.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        for r in s.store.regions(&missing).await? {
            let name = name_in(self.locale, &r);
            self.names.insert(r.code.clone(), name);
        }
        Ok(())
    }

    fn next(&mut self) -> Cell {
        self.n += 1;
        Cell::Number(self.n as f64)
    }

    fn place(&self, code: &RegionCode) -> [Cell; 2] {
        [
            Cell::from(self.names.get(code.as_str()).cloned()),
            Cell::Text(code.as_str().to_string()),
        ]
    }

    /// The head a line names: from the declaration, or else as a roster listed them (a
    /// household taken in that never applied: no phone, no address).
    fn person(
        &self,
        declaration_json: Option<&str>,
        listed: Option<Listed<'_>>,
    ) -> Result<Person, AppError> {
        let Some(json) = declaration_json else {
            return Ok(listed
                .map(|l| Person {
                    name: l.name.to_string(),
                    id: self.id_cell(l.id_number),
                    phone: l.phone.map(|p| self.phone_cell(p)).unwrap_or_default(),
                    declaration: None,
                })
                .unwrap_or_default());
        };
        // A stored declaration that does not read is a fault to see, never a blank line.
        let d: Declaration = serde_json::from_str(json).map_err(AppError::internal)?;
        let head = d
            .members
            .iter()
            .find(|m| m.relation == Relation::Head)
            .or(d.members.first());
        let (name, id) = head
            .map(|m| (m.name.clone(), self.id_cell(&m.id_number)))
            .unwrap_or_default();
        let phone = self.phone_cell(&d.contact_phone);
        Ok(Person {
            name,
            id,
            phone,
            declaration: Some(d),
        })
    }

    /// A phone as this roster shows it: whole only where its export is unmasked.
    fn phone_cell(&self, phone: &Phone) -> String {
        if self.unmasked {
            phone.as_str().to_string()
        } else {
            phone.masked()
        }
    }

    /// An ID number as this roster shows it: whole only where its export is unmasked.
    fn id_cell(&self, id: &IdNumber) -> String {
        if self.unmasked {
            id.as_str().to_string()
        } else {
            id.masked()
        }
    }

    fn person_cells(&self, p: &Person, region: &RegionCode) -> Vec<Cell> {
        let [place, code] = self.place(region);
        vec![
            Cell::from(p.name.clone()),
            Cell::from(p.id.clone()),
            Cell::from(p.phone.clone()),
            place,
            code,
        ]
    }

    fn household(&mut self, r: &HouseholdRosterRecord) -> Result<Vec<Cell>, AppError> {
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &r.region_code));
        let d = p.declaration.as_ref();
        row.extend([
            Cell::from(
                d.map(|d| d.address.clone())
                    .or(r.listed_head.as_ref().map(|h| h.address.clone())),
            ),
            Cell::from(
                d.map(|d| d.residence)
                    .or(r.residence)
                    .map(|x| words::residence(l, x)),
            ),
            d.map(|d| d.members.len() as i64)
                .or(r.listed_head.as_ref().map(|h| h.persons))
                .map(|n| Cell::Number(n as f64))
                .unwrap_or(Cell::Blank),
            Cell::from(r.category.map(|c| words::category(l, c))),
            r.monthly_amount
                .map(|m| Cell::Yuan(m.fen() as f64 / 100.0))
                .unwrap_or(Cell::Blank),
            Cell::from(r.effective_from.map(|d| d.to_string())),
            Cell::Text(words::standing(l, r.standing)),
            Cell::from(r.taper_since.map(|d| d.to_string())),
            Cell::from(r.assistance_until.map(|d| d.to_string())),
            Cell::from(r.latest_number.clone()),
        ]);
        Ok(row)
    }

    fn application(&mut self, r: &ApplicationRosterRecord) -> Result<Vec<Cell>, AppError> {
        let p = self.person(Some(&r.declaration_json), None)?;
        let l = self.locale;
        let mut row = vec![self.next(), Cell::Text(r.number.clone())];
        row.extend(self.person_cells(&p, &r.region_code));
        let d = p.declaration.as_ref();
        row.extend([
            Cell::from(d.map(|d| words::residence(l, d.residence))),
            d.map(|d| Cell::Number(d.members.len() as f64))
                .unwrap_or(Cell::Blank),
            Cell::Text(words::status(l, r.status)),
            Cell::Text(app::clock::china_time(r.submitted_at)),
            Cell::Text(app::clock::china_time(r.updated_at)),
            Cell::from(d.map(|d| {
                d.help
                    .iter()
                    .map(|h| words::help(l, *h))
                    .collect::<Vec<_>>()
                    .join("、")
            })),
            Cell::from(r.category.map(|c| words::category(l, c))),
            r.monthly_amount
                .map(|m| Cell::Yuan(m.fen() as f64 / 100.0))
                .unwrap_or(Cell::Blank),
        ]);
        Ok(row)
    }

    fn payment(&mut self, r: &PayeeRecord) -> Result<Vec<Cell>, AppError> {
        let listed = r.listed_head_name.as_deref().map(|name| Listed {
            name,
            id_number: &r.head_id_number,
            phone: None,
        });
        let p = self.person(r.declaration_json.as_deref(), listed)?;
        let l = self.locale;
        let line = &r.line.line;
        let yuan = |m: app::domain::money::Money| Cell::Yuan(m.fen() as f64 / 100.0);
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &line.region));
        row.extend([
            Cell::Text(words::category(l, line.category)),
            Cell::Text(words::fund(l, line.fund)),
            yuan(line.monthly),
            yuan(line.arrears),
            Cell::Number(f64::from(line.arrears_months)),
            yuan(line.amount),
            yuan(line.held),
            Cell::from(
                line.notes
                    .iter()
                    .map(|n| words::note(l, n))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            Cell::from(r.line.bank.as_ref().map(|b| words::bank(l, b))),
            Cell::Text(line.household_id.clone()),
        ]);
        Ok(row)
    }

    fn referral(&mut self, r: &ReferralRosterRecord) -> Result<Vec<Cell>, AppError> {
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &r.region_code));
        row.extend([
            Cell::Text(app::texts::statistics::department(l, r.department)),
            Cell::Text(words::aid(l, r.need)),
            Cell::Text(words::referral_status(l, r.status)),
            Cell::Text(app::clock::china_time(r.created_at)),
            Cell::Text(r.due_on.to_string()),
            Cell::from(r.answered_at.map(app::clock::china_time)),
            Cell::Text(r.household_id.clone()),
        ]);
        Ok(row)
    }

    fn emergency(&mut self, r: &EmergencyRosterRecord) -> Result<Vec<Cell>, AppError> {
        use app::domain::roster::EmergencyForm;
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        let form = if r.advance {
            EmergencyForm::Advance
        } else {
            EmergencyForm::Regular
        };
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &r.region_code));
        row.extend([
            Cell::from(r.person_name.clone()),
            Cell::Text(words::emergency_form(l, form)),
            Cell::Yuan(r.amount.fen() as f64 / 100.0),
            Cell::Text(app::clock::china_time(r.recorded_at)),
            Cell::from(r.documents_due.map(|d| d.to_string())),
            Cell::from(r.documents_received_at.map(app::clock::china_time)),
            Cell::Text(r.household_id.clone()),
        ]);
        Ok(row)
    }

    fn recovery(&mut self, r: &RecoveryRosterRecord) -> Result<Vec<Cell>, AppError> {
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        let yuan = |m: app::domain::money::Money| Cell::Yuan(m.fen() as f64 / 100.0);
        let left = app::domain::money::Money::from_fen(
            r.amount.fen() - r.repaid.fen() - r.written_off.fen(),
        );
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &r.region_code));
        row.extend([
            Cell::Text(app::texts::statistics::recovery_reason(l, r.reason)),
            Cell::Text(words::recovery_state(l, r.state)),
            yuan(r.amount),
            yuan(r.repaid),
            yuan(r.written_off),
            yuan(left),
            Cell::from(r.decision.clone()),
            Cell::Text(app::clock::china_time(r.opened_at)),
            Cell::Text(r.household_id.clone()),
        ]);
        Ok(row)
    }

    fn charity(&mut self, r: &CharityRosterRecord) -> Result<Vec<Cell>, AppError> {
        use app::domain::charity::SupplyForm;
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        // Funds are counted in fen; goods and services in their own units.
        let units = |n: i64| match r.form {
            SupplyForm::Funds => Cell::Yuan(n as f64 / 100.0),
            _ => Cell::Number(n as f64),
        };
        let mut row = vec![self.next()];
        row.extend(self.person_cells(&p, &r.township));
        row.extend([
            Cell::Text(words::help(l, r.kind)),
            Cell::Text(words::supply_form(l, r.form)),
            units(r.amount),
            units(r.delivered),
            Cell::Text(words::need_state(l, r.state)),
            Cell::Text(app::clock::china_time(r.created_at)),
            Cell::from(r.closed_at.map(app::clock::china_time)),
            Cell::Text(r.household_id.clone()),
        ]);
        Ok(row)
    }

    fn warning(&mut self, r: &WarningRosterRecord) -> Result<Vec<Cell>, AppError> {
        let p = self.person(r.declaration_json.as_deref(), listed(&r.listed_head))?;
        let l = self.locale;
        let mut row = vec![self.next(), Cell::Number(r.id as f64)];
        row.extend(self.person_cells(&p, &r.region_code));
        row.extend([
            Cell::Text(words::rule(l, r.kind)),
            Cell::Text(r.level.code().to_string()),
            Cell::Text(words::warning_status(l, r.status)),
            Cell::Text(app::clock::china_time(r.created_at)),
            Cell::Text(r.visit_due.to_string()),
            Cell::from(r.visited_on.map(|d| d.to_string())),
            Cell::Text(r.household_id.clone()),
        ]);
        Ok(row)
    }
}

/// The blocking half: a constant-memory worksheet fed page by page, saved to a file in `dir`.
fn write_sheet(
    dir: &std::path::Path,
    head: FileHead,
    mut rx: tokio::sync::mpsc::Receiver<Vec<Vec<Cell>>>,
) -> Result<(std::fs::File, u64), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    book.set_tempdir(dir)?;
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    let yuan = Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.write_string_with_format(0, 0, &head.title, &bold)?;
    sheet.write_string(1, 0, &head.note)?;
    sheet.write_string(2, 0, &head.by)?;
    sheet.write_string(3, 0, &head.at)?;
    for (c, h) in head.headings.iter().enumerate() {
        sheet.write_string_with_format(5, c as u16, h, &bold)?;
    }
    let mut row: u32 = 6;
    let mut rows: u64 = 0;
    while let Some(page) = rx.blocking_recv() {
        for cells in page {
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) if formula_like(t) => {
                        sheet.write_string_with_format(row, c, t, &quoted)?;
                    }
                    Cell::Text(t) => {
                        sheet.write_string(row, c, t)?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(row, c, *n)?;
                    }
                    Cell::Yuan(n) => {
                        sheet.write_number_with_format(row, c, *n, &yuan)?;
                    }
                    Cell::Blank => {}
                }
            }
            row += 1;
            rows += 1;
        }
    }
    sheet.write_string_with_format(row + 1, 0, &head.total, &bold)?;
    sheet.write_number(row + 1, 1, rows as f64)?;
    let out = tempfile::tempfile_in(dir)?;
    let mut writer = std::io::BufWriter::new(out);
    book.save_to_writer(&mut writer)?;
    let mut out = writer
        .into_inner()
        .map_err(|e| rust_xlsxwriter::XlsxError::IoError(e.into_error()))?;
    use std::io::Seek;
    out.rewind()?;
    Ok((out, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_starts_like_a_formula_is_marked() {
        for t in ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\r=1"] {
            assert!(formula_like(t), "{t:?}");
        }
        for t in ["张三", "620702", "1=1", " =1", ""] {
            assert!(!formula_like(t), "{t:?}");
        }
    }
}
