//! 现有对象直接纳入: `POST /intake` takes a roster file (CSV in UTF-8 or GBK, or XLSX) through
//! the same streamed readers as a comparison import (`crate::imports::Rows`): each row is checked
//! against the roster's template on a blocking thread and sent to the store in batches, into one
//! transaction. `GET /intake/template/{roster}` is the roster's template as a spreadsheet.

use crate::imports::{detect_encoding, read_csv, read_xlsx, Progress, Rows};
use crate::startup::AppState;
use app::api::intake::IntakeReport;
use app::auth::{audit, AuthSession};
use app::domain::audit::AuditResult;
use app::domain::intake::{intake_row, IntakeRow, Roster};
use app::domain::monitoring::{map_columns, ColumnMap, FileProblem, RowProblem};
use app::domain::region::RegionCode;
use app::domain::status::Role;
use app::error::AppError;
use app::store::{IntakeBatch, NewIntake};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::io::Read;

/// Rows sent to the store at a time.
const BATCH_ROWS: usize = 2_000;
/// How many refused rows a report lists one by one (all are counted).
const LISTED_PROBLEMS: usize = 1000;

struct IntakeSink {
    roster: Roster,
    scope: RegionCode,
    today: chrono::NaiveDate,
    tx: tokio::sync::mpsc::Sender<IntakeBatch>,
    map: Option<ColumnMap>,
    report: IntakeReport,
    by_kind: std::collections::BTreeMap<String, (RowProblem, i64)>,
    batch: Vec<(i64, IntakeRow)>,
}

impl IntakeSink {
    fn refuse(&mut self, line: i64, problem: RowProblem) {
        self.report.invalid += 1;
        self.by_kind
            .entry(format!("{problem:?}"))
            .or_insert((problem, 0))
            .1 += 1;
        if self.report.problems.len() < LISTED_PROBLEMS {
            self.report.problems.push((line, problem));
        }
    }

    fn flush(&mut self) -> Result<(), FileProblem> {
        if !self.batch.is_empty() {
            self.tx
                .blocking_send(IntakeBatch::Rows(std::mem::take(&mut self.batch)))
                .map_err(|_| FileProblem::Empty)?;
        }
        Ok(())
    }
}

impl Rows for IntakeSink {
    type Report = IntakeReport;

    fn header(&mut self, header: &[String]) -> Result<(), FileProblem> {
        let map = map_columns(self.roster.template(), header)?;
        self.report.ignored_columns = map.ignored.clone();
        self.map = Some(map);
        Ok(())
    }

    fn row(
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
        // An ID number a spreadsheet held as a number lost its last digits: never taken.
        let id_columns = [
            app::domain::monitoring::Field::IdNumber,
            app::domain::monitoring::Field::HeadIdNumber,
        ];
        let id_is_number = id_columns
            .iter()
            .filter_map(|f| map.get(*f))
            .any(|i| numeric.get(i) == Some(&true));
        let checked = match cells {
            None => Err(RowProblem::WrongFieldCount),
            Some(_) if id_is_number => Err(RowProblem::IdNotText),
            Some(cells) => intake_row(self.roster, map, cells, &self.scope, self.today),
        };
        match checked {
            Ok(r) => {
                self.batch.push((row_no, r));
                if self.batch.len() >= BATCH_ROWS {
                    self.flush()?;
                }
            }
            Err(p) => self.refuse(row_no, p),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<IntakeReport, FileProblem> {
        if self.map.is_none() {
            return Err(FileProblem::Empty);
        }
        self.flush()?;
        self.report.problems_by_kind = std::mem::take(&mut self.by_kind).into_values().collect();
        Ok(self.report)
    }
}

/// Reads a roster given as bytes exactly as an intake reads one, storing nothing: the parsers'
/// entry for `crate::fuzz`. Returns the reader's report and how many rows it would have taken.
pub fn check_bytes(
    roster: Roster,
    bytes: &[u8],
    scope: &RegionCode,
    today: chrono::NaiveDate,
) -> (Result<IntakeReport, FileProblem>, usize) {
    crate::imports::read_bytes(
        bytes,
        |tx, _| IntakeSink {
            roster,
            scope: scope.clone(),
            today,
            tx,
            map: None,
            report: IntakeReport::default(),
            by_kind: Default::default(),
            batch: Vec::new(),
        },
        |batch| match batch {
            IntakeBatch::Rows(rows) => rows.len(),
            IntakeBatch::End | IntakeBatch::Abort => 0,
        },
    )
}

/// Takes in a roster file already on disk: what the upload handler and tests call. A file
/// refused whole is recorded with its report (nothing of it is stored).
#[allow(clippy::too_many_arguments)]
pub async fn intake_file(
    state: &AppState,
    actor_id: &str,
    scope: &RegionCode,
    roster: Roster,
    file_name: &str,
    path: std::path::PathBuf,
    file_hash: String,
    check: bool,
) -> Result<IntakeReport, AppError> {
    let mut magic = [0u8; 4];
    let xlsx = std::fs::File::open(&path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PK\x03\x04";
    let encoding = if xlsx {
        None
    } else {
        let p = path.clone();
        tokio::task::spawn_blocking(move || detect_encoding(&p))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?
    };
    let store = &state.services.store;
    let today = app::services::today_in_china();
    let params = app::api::policy::param_rows(store.as_ref()).await?;
    let meta = NewIntake {
        id: uuid::Uuid::new_v4().to_string(),
        roster,
        file_hash,
        file_name: file_name.into(),
        region: scope.clone(),
        created_by: actor_id.into(),
        now: app::services::now_millis(),
        today,
        paid_outside_through: app::domain::payments::Month::of(today).prev(),
        review: app::domain::cycle::review_cycle(&params, scope, today),
        check,
    };
    let refused = |problem: FileProblem, rows: IntakeReport| {
        let report = IntakeReport {
            check,
            intake_id: (!check).then(|| meta.id.clone()),
            roster: Some(roster),
            file_name: file_name.into(),
            refused: Some(problem),
            created_at: meta.now,
            ..rows
        };
        let meta = meta.clone();
        async move {
            // A check is not an intake: it is not listed.
            if !check {
                let json = serde_json::to_string(&report).map_err(AppError::internal)?;
                store.record_intake(&meta, true, 0, 0, &json).await?;
            }
            Ok::<_, AppError>(report)
        }
    };
    if !xlsx && encoding.is_none() {
        return refused(FileProblem::Encoding, IntakeReport::default()).await;
    }
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let region = scope.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let progress = std::sync::Arc::new(Progress::default());
        let sink = IntakeSink {
            roster,
            scope: region,
            today,
            tx: tx.clone(),
            map: None,
            report: IntakeReport::default(),
            by_kind: Default::default(),
            batch: Vec::new(),
        };
        let result = match encoding {
            Some(encoding) => match std::fs::File::open(&path) {
                Ok(file) => read_csv(file, encoding, sink, progress),
                Err(_) => Err(FileProblem::Empty),
            },
            None => read_xlsx(|| std::fs::File::open(&path), sink, progress),
        };
        let _ = tx.blocking_send(if result.is_ok() {
            IntakeBatch::End
        } else {
            IntakeBatch::Abort
        });
        result
    });
    let stored = store.intake(meta.clone(), rx).await;
    let read = reader.await.map_err(AppError::internal)?;
    match (read, stored) {
        (Err(problem), _) => refused(problem, IntakeReport::default()).await,
        (Ok(rows), Ok(outcome)) => {
            let mut report = IntakeReport {
                check,
                intake_id: (!check).then(|| meta.id.clone()),
                roster: Some(roster),
                file_name: file_name.into(),
                taken: outcome.taken,
                merged: outcome.merged,
                already: outcome.already,
                corrected: outcome.corrected,
                not_corrected: outcome.not_corrected,
                households_new: outcome.households_new,
                decided: outcome.decided,
                decided_by_category: outcome.decided_by_category,
                decisions_kept: outcome.decisions_kept,
                listed: outcome.listed,
                created_at: meta.now,
                ..rows
            };
            // Rows the store refused join the reader's refusals, in line order.
            for (line, p) in outcome.refused {
                report.invalid += 1;
                match report.problems_by_kind.iter_mut().find(|(k, _)| *k == p) {
                    Some((_, n)) => *n += 1,
                    None => report.problems_by_kind.push((p, 1)),
                }
                if report.problems.len() < LISTED_PROBLEMS {
                    report.problems.push((line, p));
                }
            }
            report.problems.sort_by_key(|(line, _)| *line);
            if !check {
                let json = serde_json::to_string(&report).map_err(AppError::internal)?;
                store
                    .record_intake(&meta, false, report.rows_read, report.taken, &json)
                    .await?;
            }
            Ok(report)
        }
        (Ok(_), Err(e)) => Err(e.into()),
    }
}

/// `POST /intake`: multipart `roster`, `file` and optionally `check` (`1`: only checked,
/// reported and undone). Caseworkers take rosters in for their own
/// region; system administrators for theirs.
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let user = auth.user.ok_or(AppError::Unauthenticated)?;
    if !user.may_act_as(&[Role::Caseworker, Role::Admin]) {
        return Err(AppError::Forbidden);
    }
    let scope = app::auth::staff_scope(&user)?;
    let (mut roster, mut file, mut check) = (None, None, false);
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            // Only a check of the file (`1`): reported, nothing stored.
            "check" => check = field.text().await.is_ok_and(|t| t.trim() == "1"),
            "roster" => {
                roster = field
                    .text()
                    .await
                    .ok()
                    .and_then(|t| Roster::from_code(t.trim()))
            }
            "file" => file = Some(crate::imports::spool(field, "roster.csv").await?),
            _ => return Err(AppError::BadRequest),
        }
    }
    let roster = roster.ok_or(AppError::field(
        "roster",
        app::domain::declaration::FieldErrorCode::InvalidChoice,
    ))?;
    let crate::imports::Spooled {
        name,
        file: tmp,
        hash,
        ..
    } = file
        .filter(|f| f.size > 0)
        .ok_or(AppError::refused("file_empty"))?;
    // On a task of its own: a closed browser does not stop it; its report waits in the list.
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        let result = intake_file(
            &task_state,
            &user.0.id,
            &scope,
            roster,
            &name,
            tmp.path().to_path_buf(),
            hash,
            check,
        )
        .await;
        drop(tmp);
        let outcome = match &result {
            Ok(r) if r.refused.is_none() => AuditResult::Ok,
            Ok(_) => AuditResult::Refused,
            Err(_) => AuditResult::Error,
        };
        let object = format!(
            "{}:{}",
            roster.code(),
            result
                .as_ref()
                .ok()
                .and_then(|r| r.intake_id.clone())
                .unwrap_or_default()
        );
        audit(
            &task_state.services,
            Some(&user.0.id),
            if check { "intake_check" } else { "intake" },
            &object,
            outcome,
        )
        .await;
        result
    });
    let report = task.await.map_err(AppError::internal)??;
    let status = if report.refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

/// `GET /intake/template/{roster}.xlsx`: the roster's columns as a sheet to fill in, its ID
/// columns formatted as text (so that Excel keeps every digit), and a line saying which are
/// required.
pub async fn template(
    State(_state): State<AppState>,
    auth: AuthSession,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let user = auth.user.ok_or(AppError::Unauthenticated)?;
    if !user.may_act_as(&[Role::Caseworker, Role::Admin]) {
        return Err(AppError::Forbidden);
    }
    let roster = file
        .strip_suffix(".xlsx")
        .and_then(Roster::from_code)
        .ok_or(AppError::NotFound)?;
    let bytes = template_workbook(roster).map_err(AppError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"intake-{}.xlsx\"", roster.code()),
            ),
        ],
        bytes,
    )
        .into_response())
}

fn template_workbook(roster: Roster) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use app::domain::monitoring::Field;
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    for (c, col) in roster.template().iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, col.headers[0], &bold)?;
        sheet.set_column_width(c, 20)?;
        if matches!(
            col.field,
            Field::IdNumber | Field::HeadIdNumber | Field::Region | Field::Phone
        ) {
            sheet.set_column_format(c, &text)?;
        }
    }
    book.save_to_buffer()
}
