//! The store conformance suite: every test runs on SQLite and on PostgreSQL.

use crate::helpers::{backends, day, id_of, region, store_for};
use app::domain::chain::{AidKind, Department};
use app::domain::declaration::HelpKind;
use app::domain::money::Money;
use app::domain::monitoring::Source;
use app::domain::status::{ApplicationStatus, Role};
use app::store::{
    DbError, NewAssessment, NewAttachment, NewParameter, NewProposal, NewReferralRecord, NewUser,
    NewVisit, ReferralAnswer, ReferralQuery, Store, Submission, SubmitOutcome, VisitFile,
    VisitOutcome,
};
use server::crypto::FieldCipher;
use std::sync::Arc;

macro_rules! conformance {
    ($name:ident, |$store:ident| $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in backends() {
                eprintln!("backend: {backend}");
                let dir = tempfile::tempdir().unwrap();
                let $store: Arc<dyn Store> = store_for(backend, dir.path()).await;
                $body
            }
        }
    };
}

async fn user(store: &Arc<dyn Store>, login: &str) -> String {
    store
        .create_user(NewUser {
            role: Role::Resident,
            login: login.into(),
            display_name: "t".into(),
            password_hash: "h".into(),
            region_code: None,
            department: None,
            must_change_password: false,
            duty: None,
            now: 1,
        })
        .await
        .unwrap()
}

fn submission(owner: &str, draft: &str, ids: &[&str]) -> Submission {
    Submission {
        owner_id: owner.into(),
        draft_id: draft.into(),
        region_code: region("620702100201"),
        declaration_json: "{}".into(),
        member_id_numbers: ids.iter().map(|s| id_of(s)).collect(),
        monthly_income: Money::from_fen(0),
        lost_labour: false,
        consent_charity: false,
        consent_text_version: "v1".into(),
        now: 1000,
        year: 2026,
        assessment: NewAssessment {
            facts_json: "{}".into(),
            parameters_json: "{}".into(),
            assessment_json: "{}".into(),
            categories: cats("dibao"),
        },
        help: vec![HelpKind::BasicLiving, HelpKind::Medical],
        head_id_number: id_of(ids.first().copied().unwrap_or(&format!("HEAD-{draft}"))),
    }
}

/// Medical rows as the file reader sends them: each person under their key with the test
/// stores' cipher (`helpers::test_cipher`).
fn keyed(rows: Vec<app::domain::monitoring::MedicalRecord>) -> app::store::MedicalBatch {
    let cipher = crate::helpers::test_cipher();
    app::store::MedicalBatch::keyed(&rows, |id| cipher.id_key(id))
}

fn number(o: SubmitOutcome) -> String {
    match o {
        SubmitOutcome::Created(s) | SubmitOutcome::AlreadySubmitted(s) => s.number,
    }
}

conformance!(users_are_unique_by_login_and_lock_after_failures, |store| {
    let id = user(&store, "13800000011").await;
    let again = store
        .create_user(NewUser {
            role: Role::Resident,
            login: "13800000011".into(),
            display_name: "x".into(),
            password_hash: "h".into(),
            region_code: None,
            department: None,
            must_change_password: false,
            duty: None,
            now: 2,
        })
        .await;
    assert!(matches!(again, Err(DbError::Conflict(_))));
    // Sign-in attempts: counted per key in one statement; a window restarts once old.
    let keys = [
        app::store::AttemptKey {
            key: "pair".into(),
            subject: Some("account".into()),
        },
        app::store::AttemptKey {
            key: "client".into(),
            subject: None,
        },
    ];
    for n in 1..=3 {
        assert_eq!(
            store
                .count_login_attempt(&keys, 100, 1_000 + n)
                .await
                .unwrap(),
            [n, n]
        );
    }
    // A success clears the pair and gives the client its attempt back.
    store.login_succeeded(Some("pair"), "client").await.unwrap();
    assert_eq!(
        store.count_login_attempt(&keys, 100, 1_050).await.unwrap(),
        [1, 3]
    );
    // 100 ms after the client's window began (at 1 001), it starts again.
    assert_eq!(
        store.count_login_attempt(&keys, 100, 1_101).await.unwrap(),
        [2, 1]
    );
    // Lifting a lockout clears the account's counts, never the address's own.
    assert_eq!(
        store
            .clear_login_attempts(&["account".to_string()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.count_login_attempt(&keys, 100, 1_102).await.unwrap(),
        [1, 2]
    );

    // The second factor: enrolled with recovery codes, each time step and code used once.
    assert_eq!(
        store.user_by_id(&id).await.unwrap().unwrap().totp_secret,
        None
    );
    let codes = ["r1".to_string(), "r2".to_string()];
    store
        .set_second_factor(&id, Some(("SECRET", &codes)), 5)
        .await
        .unwrap();
    let u = store.user_by_id(&id).await.unwrap().unwrap();
    assert_eq!(u.totp_secret.as_deref(), Some("SECRET"));
    assert!(store.use_totp_step(&id, 100).await.unwrap());
    assert!(!store.use_totp_step(&id, 100).await.unwrap());
    assert!(!store.use_totp_step(&id, 99).await.unwrap());
    assert!(store.use_totp_step(&id, 101).await.unwrap());
    assert_eq!(store.recovery_codes_left(&id).await.unwrap(), 2);
    assert!(store.use_recovery_code(&id, "r1", 6).await.unwrap());
    assert!(!store.use_recovery_code(&id, "r1", 7).await.unwrap());
    assert!(!store.use_recovery_code(&id, "nope", 7).await.unwrap());
    assert_eq!(store.recovery_codes_left(&id).await.unwrap(), 1);
    // A reset takes the secret and every code; a new enrolment starts its steps afresh.
    store.set_second_factor(&id, None, 8).await.unwrap();
    assert_eq!(
        store.user_by_id(&id).await.unwrap().unwrap().totp_secret,
        None
    );
    assert!(!store.use_totp_step(&id, 200).await.unwrap());
    assert_eq!(store.recovery_codes_left(&id).await.unwrap(), 0);
    store
        .set_second_factor(&id, Some(("OTHER", &[])), 9)
        .await
        .unwrap();
    assert!(store.use_totp_step(&id, 50).await.unwrap());
    assert!(matches!(
        store.set_second_factor("no-such-user", None, 9).await,
        Err(DbError::NotFound)
    ));
});

/// A code to store, with caps no test here reaches.
fn code_of(phone: &str, hash: &str, at: i64, expires: i64, not_after: i64) -> app::store::NewCode {
    app::store::NewCode {
        phone: phone.into(),
        code_hash: hash.into(),
        client: "192.0.2.1".into(),
        issued_at: at,
        expires_at: expires,
        not_after,
        per_phone_per_day: 100,
        per_client_per_day: 100,
    }
}

conformance!(
    verification_codes_are_single_use_expire_and_limit_attempts,
    |store| {
        assert!(
            store
                .put_verification_code(code_of("13800000012", "right", 500, 5_000, 0))
                .await
                .unwrap()
                == app::store::CodeOutcome::Stored
        );
        assert_eq!(
            store
                .put_verification_code(code_of("13800000012", "other", 600, 5_000, 0))
                .await
                .unwrap(),
            app::store::CodeOutcome::TooSoon,
            "too soon: the first code stays"
        );
        assert!(!store
            .consume_verification_code("13800000012", "wrong", 1_000)
            .await
            .unwrap());
        assert!(store
            .consume_verification_code("13800000012", "right", 1_000)
            .await
            .unwrap());
        assert!(
            !store
                .consume_verification_code("13800000012", "right", 1_000)
                .await
                .unwrap(),
            "used twice"
        );
        assert!(
            store
                .put_verification_code(code_of("13800000012", "right", 1_000, 5_000, 1_000))
                .await
                .unwrap()
                == app::store::CodeOutcome::Stored
        );
        assert!(
            !store
                .consume_verification_code("13800000012", "right", 6_000)
                .await
                .unwrap(),
            "expired"
        );
        assert!(
            store
                .put_verification_code(code_of("13800000012", "right", 1_000, 5_000, 1_000))
                .await
                .unwrap()
                == app::store::CodeOutcome::Stored
        );
        for _ in 0..5 {
            assert!(!store
                .consume_verification_code("13800000012", "wrong", 1_000)
                .await
                .unwrap());
        }
        assert!(
            !store
                .consume_verification_code("13800000012", "right", 1_000)
                .await
                .unwrap(),
            "spent after 5 tries"
        );
    }
);

conformance!(
    drafts_are_one_per_resident_and_only_the_owner_saves,
    |store| {
        let a = user(&store, "13800000013").await;
        let b = user(&store, "13800000014").await;
        let d1 = store.current_draft(&a, "{}", 1).await.unwrap();
        let d2 = store.current_draft(&a, "{}", 2).await.unwrap();
        assert_eq!(d1.id, d2.id);
        let v = store
            .save_draft(&a, &d1.id, r#"{"address":"x"}"#, 3)
            .await
            .unwrap();
        assert_eq!(v, d1.version + 1);
        assert_eq!(
            store.current_draft(&a, "{}", 4).await.unwrap().data,
            r#"{"address":"x"}"#
        );
        assert!(matches!(
            store.save_draft(&b, &d1.id, "{}", 5).await,
            Err(DbError::NotFound)
        ));
    }
);

conformance!(
    submission_is_idempotent_numbered_and_guards_open_ids,
    |store| {
        let a = user(&store, "13800000015").await;
        let b = user(&store, "13800000016").await;
        let da = store.current_draft(&a, "{}", 1).await.unwrap();
        let first = store
            .submit_application(submission(&a, &da.id, &["ID-A", "ID-B"]))
            .await
            .unwrap();
        assert!(matches!(first, SubmitOutcome::Created(_)));
        let n1 = number(first);
        assert_eq!(n1, "SQ-2026-000001");
        let again = store
            .submit_application(submission(&a, &da.id, &["ID-A", "ID-B"]))
            .await
            .unwrap();
        assert!(matches!(&again, SubmitOutcome::AlreadySubmitted(s) if s.number == n1));
        assert!(matches!(
            store.save_draft(&a, &da.id, "{}", 2).await,
            Err(DbError::Conflict("draft_submitted"))
        ));

        // Another resident declaring ID-B is told nothing: the submission is filed.
        let db = store.current_draft(&b, "{}", 1).await.unwrap();
        let n2 = number(
            store
                .submit_application(submission(&b, &db.id, &["ID-C", "ID-B"]))
                .await
                .unwrap(),
        );
        assert_eq!(n2, "SQ-2026-000002");
        // Acceptance holds one open application per person, and shows the caseworker who.
        store.accept_application(&n1, &a, false, 3).await.unwrap();
        assert!(matches!(
            store.accept_application(&n2, &b, false, 4).await,
            Err(DbError::Conflict("members_in_open_application"))
        ));
        let conflicts: Vec<_> = store
            .member_conflicts(&n2)
            .await
            .unwrap()
            .into_iter()
            .map(|c| {
                (
                    c.id_number,
                    c.open_application.map(|(n, _)| n),
                    c.household.is_some(),
                )
            })
            .collect();
        assert_eq!(conflicts, vec![(id_of("ID-B"), Some(n1.clone()), true)]);
        assert!(store
            .application(&n2)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .is_none());

        store
            .change_status(
                &n1,
                &[ApplicationStatus::Accepted],
                ApplicationStatus::Withdrawn,
                &a,
                "",
                5,
            )
            .await
            .unwrap();
        store.accept_application(&n2, &b, false, 6).await.unwrap();
        let app = store.application(&n1).await.unwrap().unwrap();
        assert_eq!(app.summary.status, ApplicationStatus::Withdrawn);
        let kinds: Vec<_> = app.events.iter().map(|e| e.kind.code()).collect();
        assert_eq!(kinds, ["submitted", "status_changed", "withdrawn"]);
    }
);

conformance!(
    concurrent_submits_of_one_draft_create_one_application,
    |store| {
        let a = user(&store, "13800000017").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let s = submission(&a, &d.id, &["ID-X"]);
                tokio::spawn(async move { store.submit_application(s).await })
            })
            .collect();
        let mut numbers = std::collections::HashSet::new();
        for t in tasks {
            numbers.insert(number(t.await.unwrap().unwrap()));
        }
        assert_eq!(numbers.len(), 1);
        assert_eq!(store.applications_of(&a).await.unwrap().len(), 1);
    }
);

conformance!(
    status_changes_check_the_current_state_and_info_requests_round_trip,
    |store| {
        let a = user(&store, "13800000018").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-Y"]))
                .await
                .unwrap(),
        );
        let wrong = store
            .change_status(
                &n,
                &[ApplicationStatus::Reviewing],
                ApplicationStatus::Approved,
                &a,
                "",
                2,
            )
            .await;
        assert!(matches!(wrong, Err(DbError::Conflict(_))));
        assert!(matches!(
            store.answer_info_request(&n, &a, "x", 3).await,
            Err(DbError::Conflict(_))
        ));
        store
            .request_info(&n, &a, "请补充医疗票据", 4)
            .await
            .unwrap();
        let app = store.application(&n).await.unwrap().unwrap();
        assert_eq!(app.summary.status, ApplicationStatus::InfoRequested);
        assert_eq!(
            app.open_info_request.map(|(_, q)| q).as_deref(),
            Some("请补充医疗票据")
        );
        store
            .answer_info_request(&n, &a, "已上传", 5)
            .await
            .unwrap();
        let app = store.application(&n).await.unwrap().unwrap();
        assert_eq!(
            app.summary.status,
            ApplicationStatus::Submitted,
            "asked before it was accepted: back to be accepted"
        );
        assert!(app.open_info_request.is_none());
        store
            .set_charity_consent(&n, &a, true, "v1", 6)
            .await
            .unwrap();
        assert!(
            store
                .application(&n)
                .await
                .unwrap()
                .unwrap()
                .consent_charity
        );
        assert!(matches!(
            store
                .change_status(
                    "SQ-2026-999999",
                    &[],
                    ApplicationStatus::Approved,
                    &a,
                    "",
                    7
                )
                .await,
            Err(DbError::NotFound)
        ));
    }
);

conformance!(attachments_belong_to_an_open_draft, |store| {
    let a = user(&store, "13800000019").await;
    let b = user(&store, "13800000020").await;
    let d = store.current_draft(&a, "{}", 1).await.unwrap();
    let att = |owner: &str, draft: &str| NewAttachment {
        owner_id: owner.into(),
        draft_id: draft.into(),
        kind: app::domain::declaration::AttachmentKind::IdCard,
        file_name: "id.png".into(),
        content_hash: "0".repeat(64),
        mime: "image/png".into(),
        size: 10,
        now: 2,
    };
    let meta = store.add_attachment(att(&a, &d.id)).await.unwrap();
    assert!(matches!(
        store.add_attachment(att(&b, &d.id)).await,
        Err(DbError::NotFound)
    ));
    assert_eq!(
        store.attachments_of_draft(&d.id).await.unwrap(),
        vec![meta.clone()]
    );
    let rec = store.attachment(&meta.id).await.unwrap().unwrap();
    assert_eq!((rec.owner_id.as_str(), rec.region_code), (a.as_str(), None));
    assert!(matches!(
        store.delete_attachment(&b, &meta.id).await,
        Err(DbError::NotFound)
    ));
    store
        .submit_application(submission(&a, &d.id, &["ID-Z"]))
        .await
        .unwrap();
    assert_eq!(
        store
            .attachment(&meta.id)
            .await
            .unwrap()
            .unwrap()
            .region_code,
        Some(region("620702100201"))
    );
    assert!(
        matches!(
            store.add_attachment(att(&a, &d.id)).await,
            Err(DbError::NotFound)
        ),
        "submitted drafts are closed"
    );
    assert!(matches!(
        store.delete_attachment(&a, &meta.id).await,
        Err(DbError::NotFound)
    ));
});

conformance!(regions_and_audit, |store| {
    let provinces: Vec<_> = store
        .region_children(None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name_zh)
        .collect();
    assert_eq!(provinces, ["辽宁省", "甘肃省"]);
    let ganzhou = store.region_children(Some("620700000000")).await.unwrap();
    assert!(ganzhou
        .iter()
        .any(|r| r.code == "620702000000" && r.name_zh == "甘州区"));
    let townships = store.region_children(Some("620702000000")).await.unwrap();
    assert!(!townships.is_empty(), "townships of Ganzhou");
    // Many regions named in one call: each known one once, unknown codes left out.
    let mut named: Vec<(String, String)> = store
        .regions(&[
            region("620702000000"),
            region("620700000000"),
            region("620702000000"),
            region("629999999999"),
        ])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.code, r.name_zh))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            ("620700000000".to_string(), "张掖市".to_string()),
            ("620702000000".to_string(), "甘州区".to_string())
        ]
    );
    let villages = store
        .region_children(Some(&townships[0].code))
        .await
        .unwrap();
    assert!(
        !villages.is_empty()
            && villages
                .iter()
                .all(|v| !v.name_zh.contains('"') && v.code.len() == 12),
        "{villages:?}"
    );
    store
        .audit(app::api::types::AuditEntry {
            actor_id: None,
            action: "login".into(),
            object: "x".into(),
            result: app::domain::audit::AuditResult::Failed,
            at: 9,
            client: Some("203.0.113.9".into()),
            role: None,
            purpose: None,
            seq: None,
        })
        .await
        .unwrap();
    let recent = store.recent_audit(10).await.unwrap();
    assert_eq!(recent[0].action, "login");
    assert_eq!(recent[0].client.as_deref(), Some("203.0.113.9"));
});

fn audit_entry(
    actor: Option<&str>,
    action: &str,
    at: i64,
    purpose: Option<&str>,
) -> app::domain::audit::AuditEntry {
    app::domain::audit::AuditEntry {
        actor_id: actor.map(str::to_string),
        action: action.into(),
        object: "HH-1".into(),
        result: app::domain::audit::AuditResult::Ok,
        at,
        client: Some("198.51.100.7".into()),
        role: None,
        purpose: purpose.map(str::to_string),
        seq: None,
    }
}

/// Runs `server verify-audit` on `url`: (exit code, what it printed).
fn verify_command(url: &str) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-audit")
        .env("DATABASE_URL", url)
        .env_remove("DOUDI_CONFIG_FILE")
        .output()
        .expect("run server verify-audit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_is_a_hash_chain_that_shows_an_altered_removed_or_purged_record() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (url, db) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        let store = db.store();
        let cw = store
            .create_user(NewUser {
                role: Role::Caseworker,
                login: "cw-audit".into(),
                display_name: "t".into(),
                password_hash: "h".into(),
                region_code: Some(region("620702")),
                department: None,
                must_change_password: false,
                duty: None,
                now: 1,
            })
            .await
            .unwrap();
        for (i, action) in [
            "household_file",
            "case_view",
            "visits_read",
            "charity_contact",
        ]
        .into_iter()
        .enumerate()
        {
            let purpose = (action == "charity_contact").then_some("delivery");
            store
                .audit(audit_entry(
                    Some(&cw),
                    action,
                    1_000 * (i as i64 + 1),
                    purpose,
                ))
                .await
                .unwrap();
        }
        let recent = store.recent_audit(10).await.unwrap();
        assert_eq!(
            (
                recent[0].seq,
                recent[0].role.as_deref(),
                recent[0].purpose.as_deref(),
                recent[1].purpose.as_deref()
            ),
            (Some(4), Some("caseworker"), Some("delivery"), None),
            "the role is the account's; the purpose where one was given"
        );
        let v = store.verify_audit().await.unwrap();
        assert_eq!((v.checked, v.first_broken, v.head_seq), (4, None, 4));
        let (code, said) = verify_command(&url);
        assert_eq!(code, 0, "{said}");
        assert!(said.contains("intact: 4 records"), "{said}");

        // Removing the oldest records by the retention rule keeps what stays verifiable.
        assert_eq!(store.purge_audit(2_500).await.unwrap(), 2);
        let v = store.verify_audit().await.unwrap();
        assert_eq!(
            (v.first_broken, v.anchor_seq, v.head_seq, v.checked),
            (None, 2, 5, 3),
            "two purged; the purge itself is the fifth record"
        );
        assert_eq!(
            store.recent_audit(1).await.unwrap()[0].action,
            "audit_purged"
        );

        // Someone with the database's password rewrites who read a file.
        query("UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 3")
            .execute(db.db())
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap().first_broken, Some(3));
        let (code, said) = verify_command(&url);
        assert_eq!(code, 1, "{said}");
        assert!(said.contains("BROKEN at record 3"), "{said}");
        query("UPDATE audit_log SET actor_id = $1 WHERE seq = 3")
            .bind(cw.as_str())
            .execute(db.db())
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap().first_broken, None);

        // Or removes a record, or the last one.
        query("DELETE FROM audit_log WHERE seq = 4")
            .execute(db.db())
            .await
            .unwrap();
        assert_eq!(store.verify_audit().await.unwrap().first_broken, Some(4));
        let dir2 = tempfile::tempdir().unwrap();
        let (_, db2) = crate::helpers::sql_store(backend, dir2.path(), FieldCipher::random()).await;
        for at in [1, 2] {
            db2.store()
                .audit(audit_entry(None, "login", at, None))
                .await
                .unwrap();
        }
        query("DELETE FROM audit_log WHERE seq = 2")
            .execute(db2.db())
            .await
            .unwrap();
        assert_eq!(
            db2.store().verify_audit().await.unwrap().first_broken,
            Some(2)
        );
    }
}

/// Records written at the same moment are written together (`audit::Batch`): each caller
/// returns once its own is stored, every one is there once, in one intact chain; a record the
/// database refuses costs only its own caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_records_written_at_once_are_each_stored_once_in_one_chain() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (_, db) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        let store = db.store();
        // Written by three accounts of three roles, and by nobody (a failed sign-in): each
        // record's role is its account's, however the records were batched.
        let mut actors = vec![None];
        for (login, role) in [
            ("cw_batch", app::domain::status::Role::Caseworker),
            ("officer_batch", app::domain::status::Role::Department),
            ("charity_batch", app::domain::status::Role::Charity),
        ] {
            let id = store
                .create_user(app::store::NewUser {
                    role,
                    login: login.into(),
                    display_name: login.into(),
                    password_hash: "x".into(),
                    region_code: Some(crate::helpers::region("620702000000")),
                    department: (role == app::domain::status::Role::Department)
                        .then_some(app::domain::chain::Department::MedicalInsurance),
                    must_change_password: false,
                    duty: None,
                    now: 0,
                })
                .await
                .unwrap();
            actors.push(Some((id, role.code())));
        }
        let writers: Vec<_> = (0..300)
            .map(|i| {
                let store = store.clone();
                let actor = actors[i as usize % actors.len()].clone();
                tokio::spawn(async move {
                    let mut e =
                        audit_entry(actor.as_ref().map(|a| a.0.as_str()), "case_view", i, None);
                    e.object = format!("SQ-{i}");
                    store.audit(e).await
                })
            })
            .collect();
        // One PostgreSQL refuses (a NUL character in text; SQLite stores it), among the others.
        let mut bad = audit_entry(None, "case_view", 9_999, None);
        bad.object = "SQ\0bad".into();
        let refused = store.audit(bad).await;
        for w in writers {
            w.await.unwrap().unwrap();
        }
        let recent = store.recent_audit(1_000).await.unwrap();
        let mut objects: Vec<_> = recent
            .iter()
            .filter(|e| e.object.starts_with("SQ-"))
            .map(|e| e.object.clone())
            .collect();
        objects.sort();
        objects.dedup();
        assert_eq!(objects.len(), 300, "{backend}: each record once");
        for e in recent.iter().filter(|e| e.object.starts_with("SQ-")) {
            let i: usize = e.object[3..].parse().unwrap();
            let actor = &actors[i % actors.len()];
            assert_eq!(
                (e.actor_id.as_deref(), e.role.as_deref()),
                (
                    actor.as_ref().map(|a| a.0.as_str()),
                    actor.as_ref().map(|a| a.1)
                ),
                "{backend}: record {i}'s actor and role"
            );
        }
        let v = store.verify_audit().await.unwrap();
        assert_eq!(v.first_broken, None, "{backend}");
        assert_eq!(v.checked as usize, recent.len(), "{backend}");
        assert!(
            refused.is_err() == recent.iter().all(|e| e.at != 9_999),
            "{backend}: the refused record is not stored and its caller is told"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_records_from_before_the_chain_are_chained_at_start() {
    use server::store::dialect::query;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let (_, db) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        for (action, at) in [("login", 1_i64), ("submit", 2)] {
            query("INSERT INTO audit_log (action, object, result, at) VALUES ($1, 'x', 'ok', $2)")
                .bind(action)
                .bind(at)
                .execute(db.db())
                .await
                .unwrap();
        }
        let store = db.store();
        assert_eq!(store.verify_audit().await.unwrap().first_broken, Some(1));
        assert_eq!(store.chain_audit_backlog().await.unwrap(), 2);
        store
            .audit(audit_entry(None, "login", 3, None))
            .await
            .unwrap();
        let v = store.verify_audit().await.unwrap();
        assert_eq!((v.checked, v.first_broken), (3, None));
        let actions: Vec<_> = store
            .recent_audit(5)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.seq, e.action))
            .collect();
        assert_eq!(
            actions,
            [
                (Some(3), "login".into()),
                (Some(2), "submit".into()),
                (Some(1), "login".into())
            ]
        );
    }
}

fn parameter(key: &str, region_code: &str, value: i64, from: &str) -> NewParameter {
    NewParameter {
        key: app::domain::policy::ParamKey::from_code(key).expect("a parameter key"),
        region_code: region(region_code),
        residence: Some(app::domain::declaration::Residence::Rural),
        value,
        effective_from: day(from),
        source: "test".into(),
        example: false,
        created_by: "admin".into(),
        approved: true,
        now: 5,
    }
}

conformance!(
    a_parameter_waits_for_approval_by_someone_else_and_lapses_past_its_date,
    |store| {
        let today = crate::helpers::day("2026-11-25");
        let pending = |from: &str| NewParameter {
            approved: false,
            ..parameter("dibao_standard", "620702000000", 60_000, from)
        };
        let a = store
            .add_policy_parameter(pending("2026-11-25"))
            .await
            .unwrap();
        let b = store
            .add_policy_parameter(pending("2027-01-01"))
            .await
            .unwrap();
        let late = store
            .add_policy_parameter(pending("2026-11-24"))
            .await
            .unwrap();
        assert_eq!((a.approved_at, a.approved_by.as_deref()), (None, None));
        // Waiting for approval: the reassessment job does not see it.
        assert!(store.due_parameters(today).await.unwrap().is_empty());
        // Not by the one who entered it.
        assert!(matches!(
            store
                .decide_policy_parameter(a.id, true, "admin", today, 9)
                .await,
            Err(DbError::Conflict("param_own"))
        ));
        store
            .decide_policy_parameter(a.id, true, "security", today, 9)
            .await
            .unwrap();
        // Once only, and then not refused either.
        for approve in [true, false] {
            assert!(matches!(
                store
                    .decide_policy_parameter(a.id, approve, "security", today, 10)
                    .await,
                Err(DbError::Conflict("param_not_pending"))
            ));
        }
        // Refused: withdrawn by the security administrator, never approvable after.
        store
            .decide_policy_parameter(b.id, false, "security", today, 11)
            .await
            .unwrap();
        assert!(matches!(
            store
                .decide_policy_parameter(b.id, true, "security", today, 12)
                .await,
            Err(DbError::Conflict("param_not_pending"))
        ));
        // Past its date unapproved: lapsed, cannot be approved into the past.
        assert!(matches!(
            store
                .decide_policy_parameter(late.id, true, "security", today, 13)
                .await,
            Err(DbError::Conflict("param_not_pending"))
        ));
        assert!(matches!(
            store
                .decide_policy_parameter(999_999, true, "security", today, 13)
                .await,
            Err(DbError::NotFound)
        ));
        let all = store.policy_parameters().await.unwrap();
        let find = |id| all.iter().find(|p| p.id == id).unwrap();
        assert_eq!(
            (find(a.id).approved_at, find(a.id).approved_by.as_deref()),
            (Some(9), Some("security"))
        );
        assert_eq!(
            (find(b.id).withdrawn_at, find(b.id).approved_at),
            (Some(11), None)
        );
        assert_eq!(
            (find(late.id).approved_at, find(late.id).withdrawn_at),
            (None, None)
        );
        let due: Vec<i64> = store
            .due_parameters(today)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(due, vec![a.id], "approved and in force: due");
    }
);

/// The parameters a server keeps between reads are never older than the table: a change made
/// through another server on the same database (or by a statement outside the store) is read at
/// the next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_are_read_again_after_a_change_by_any_server() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (url, one) =
            crate::helpers::sql_store(backend, dir.path(), crate::helpers::test_cipher()).await;
        let other = server::store::connect(&url, 5, crate::helpers::test_cipher())
            .await
            .unwrap();
        let (one_db, one, other) = (one.db().clone(), one.store(), other.store());
        let values = |store: Arc<dyn Store>| async move {
            store
                .policy_parameters()
                .await
                .unwrap()
                .iter()
                .map(|p| (p.value, p.withdrawn_at))
                .collect::<Vec<_>>()
        };
        assert_eq!(values(one.clone()).await, vec![]);
        let first = other
            .add_policy_parameter(parameter(
                "dibao_standard",
                "620702000000",
                58_000,
                "2026-01-01",
            ))
            .await
            .unwrap();
        assert_eq!(values(one.clone()).await, vec![(58_000, None)]);
        // Read twice without a change: the same.
        assert_eq!(values(one.clone()).await, vec![(58_000, None)]);
        let later = other
            .add_policy_parameter(parameter(
                "dibao_standard",
                "620702000000",
                60_000,
                "2027-01-01",
            ))
            .await
            .unwrap();
        assert_eq!(
            values(one.clone()).await,
            vec![(58_000, None), (60_000, None)]
        );
        other
            .withdraw_policy_parameter(later.id, "admin", day("2026-11-25"), 6)
            .await
            .unwrap();
        assert_eq!(
            values(one.clone()).await,
            vec![(58_000, None), (60_000, Some(6))]
        );
        // A statement outside the store (an operator's correction) is seen too.
        query("UPDATE policy_parameters SET value = 58100 WHERE id = $1")
            .bind(first.id)
            .execute(&one_db)
            .await
            .unwrap();
        assert_eq!(
            values(other.clone()).await,
            vec![(58_100, None), (60_000, Some(6))]
        );
        assert_eq!(
            values(one.clone()).await,
            vec![(58_100, None), (60_000, Some(6))]
        );
    }
}

conformance!(
    parameters_keep_history_and_only_scheduled_values_can_be_withdrawn,
    |store| {
        let in_force = store
            .add_policy_parameter(parameter(
                "dibao_standard",
                "620702000000",
                58_000,
                "2026-01-01",
            ))
            .await
            .unwrap();
        let scheduled = store
            .add_policy_parameter(parameter(
                "dibao_standard",
                "620702000000",
                60_000,
                "2027-01-01",
            ))
            .await
            .unwrap();
        assert_eq!(
            (in_force.residence.map(|r| r.code()), in_force.example),
            (Some("rural"), false)
        );
        assert!(matches!(
            store
                .withdraw_policy_parameter(
                    in_force.id,
                    "admin",
                    crate::helpers::day("2026-11-25"),
                    6
                )
                .await,
            Err(DbError::Conflict("param_in_force"))
        ));
        store
            .withdraw_policy_parameter(scheduled.id, "admin", crate::helpers::day("2026-11-25"), 6)
            .await
            .unwrap();
        assert!(matches!(
            store
                .withdraw_policy_parameter(
                    scheduled.id,
                    "admin",
                    crate::helpers::day("2026-11-25"),
                    7
                )
                .await,
            Err(DbError::Conflict(_))
        ));
        assert!(matches!(
            store
                .withdraw_policy_parameter(999_999, "admin", crate::helpers::day("2026-11-25"), 7)
                .await,
            Err(DbError::NotFound)
        ));
        let all = store.policy_parameters().await.unwrap();
        assert_eq!(all.len(), 2, "nothing is deleted");
        assert_eq!(
            all.iter()
                .find(|p| p.id == scheduled.id)
                .unwrap()
                .withdrawn_at,
            Some(6)
        );
        assert_eq!(
            all.iter().find(|p| p.id == in_force.id).unwrap().value,
            58_000
        );

        // Due: in force by the date, not withdrawn, not yet processed; marking is once.
        let due: Vec<i64> = store
            .due_parameters(crate::helpers::day("2026-11-25"))
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(due, vec![in_force.id]);
        store
            .mark_parameter_reassessed(in_force.id, 8)
            .await
            .unwrap();
        assert!(store
            .due_parameters(crate::helpers::day("2026-11-25"))
            .await
            .unwrap()
            .is_empty());
    }
);

conformance!(
    assessments_are_recorded_with_submissions_and_proposals_are_unique,
    |store| {
        let a = user(&store, "13800000031").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-P1"]))
                .await
                .unwrap(),
        );
        let rec = store.latest_assessment(&n).await.unwrap().unwrap();
        assert_eq!(
            (rec.reason.as_str(), rec.stored.categories.codes().as_str()),
            ("submission", "dibao")
        );
        let households = store
            .assessed_households(&crate::helpers::region("620702"))
            .await
            .unwrap();
        assert_eq!(households.len(), 1);
        assert!(store
            .assessed_households(&crate::helpers::region("620702103"))
            .await
            .unwrap()
            .is_empty());
        let change = store
            .add_policy_parameter(parameter(
                "dibao_standard",
                "620702000000",
                50_000,
                "2026-01-01",
            ))
            .await
            .unwrap();
        let proposal = || NewProposal {
            application_id: households[0].application_id.clone(),
            parameter_id: change.id,
            from_categories: cats("dibao"),
            to_categories: cats("dibao_marginal"),
            assessment: NewAssessment {
                facts_json: "{}".into(),
                parameters_json: "{}".into(),
                assessment_json: "{}".into(),
                categories: cats("dibao_marginal"),
            },
            now: 9,
        };
        assert!(store.add_reassessment_proposal(proposal()).await.unwrap());
        assert!(
            !store.add_reassessment_proposal(proposal()).await.unwrap(),
            "a second process adds nothing"
        );
        let listed = store
            .reassessment_proposals(&crate::helpers::region("6207"))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].number.as_str(),
                listed[0].status.code(),
                listed[0].to_categories.codes().as_str()
            ),
            (n.as_str(), "open", "dibao_marginal")
        );
        assert!(store
            .reassessment_proposals(&crate::helpers::region("21"))
            .await
            .unwrap()
            .is_empty());
        // Proposals never change the recorded assessment.
        assert_eq!(
            store
                .latest_assessment(&n)
                .await
                .unwrap()
                .unwrap()
                .stored
                .categories
                .codes(),
            "dibao"
        );
        store
            .decide_reassessment_proposal(
                listed[0].id,
                &crate::helpers::region("6207"),
                true,
                &a,
                10,
            )
            .await
            .unwrap();
        let history = store.assessment_history(&n).await.unwrap();
        assert_eq!(
            history
                .iter()
                .map(|h| (h.0.clone(), h.1.codes()))
                .collect::<Vec<_>>(),
            vec![
                ("submission".to_string(), "dibao".to_string()),
                ("reassessment".to_string(), "dibao_marginal".to_string())
            ]
        );
    }
);

fn decision(by: &str, until: &str) -> app::store::DecisionRecord {
    use app::domain::policy::assess::Category;
    app::store::DecisionRecord {
        category: Category::Dibao,
        monthly_amount: Money::from_fen(41_000),
        proposed_category: Some(Category::Dibao),
        proposed_amount: Some(Money::from_fen(41_000)),
        adjustment_reason: String::new(),
        effective_from: crate::helpers::day("2026-12-01"),
        notice_until: crate::helpers::day(until),
        decided_by: by.into(),
        decided_at: 5,
    }
}

conformance!(
    decisions_open_a_notice_that_ends_only_after_its_last_day,
    |store| {
        use app::domain::status::ApplicationStatus as S;
        let a = user(&store, "13800000041").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-D1"]))
                .await
                .unwrap(),
        );
        assert!(
            matches!(
                store.decide(&n, decision(&a, "2026-12-02"), 2).await,
                Err(DbError::Conflict("status"))
            ),
            "not before the visit"
        );
        store.accept_application(&n, &a, true, 3).await.unwrap();
        store
            .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
            .await
            .unwrap();
        assert!(matches!(
            store.record_objection(&n, "x", &a, 4).await,
            Err(DbError::Conflict("status"))
        ));
        store
            .decide(&n, decision(&a, "2026-12-02"), 5)
            .await
            .unwrap();
        assert_eq!(
            store.application(&n).await.unwrap().unwrap().summary.status,
            S::Publicising
        );
        assert_eq!(
            store
                .latest_decision(&n)
                .await
                .unwrap()
                .unwrap()
                .notice_until,
            crate::helpers::day("2026-12-02")
        );
        store
            .record_objection(&n, "邻居反映有出租收入", &a, 6)
            .await
            .unwrap();
        assert_eq!(
            store.objections(&n).await.unwrap(),
            vec![("邻居反映有出租收入".to_string(), 6)]
        );
        assert_eq!(
            store
                .public_notices(
                    Some(&crate::helpers::region("6207")),
                    crate::helpers::day("2026-12-02"),
                    0,
                    50
                )
                .await
                .unwrap()
                .len(),
            1
        );
        // Paged: the one notice is on the first page only.
        assert!(store
            .public_notices(
                Some(&crate::helpers::region("6207")),
                crate::helpers::day("2026-12-02"),
                1,
                50
            )
            .await
            .unwrap()
            .is_empty());
        assert!(
            store
                .public_notices(
                    Some(&crate::helpers::region("6207")),
                    crate::helpers::day("2026-12-03"),
                    0,
                    50
                )
                .await
                .unwrap()
                .is_empty(),
            "the notice ends after its last day"
        );
        assert!(matches!(
            store
                .finalize(&n, &a, "", crate::helpers::day("2026-12-02"), 7)
                .await,
            Err(DbError::Conflict("notice_running"))
        ));
        store
            .finalize(&n, &a, "公示无异议", crate::helpers::day("2026-12-03"), 8)
            .await
            .unwrap();
        let app = store.application(&n).await.unwrap().unwrap();
        assert_eq!(app.summary.status, S::Approved);
        assert_eq!(
            app.events.iter().map(|e| e.kind.code()).collect::<Vec<_>>(),
            vec![
                "submitted",
                "status_changed",
                "status_changed",
                "decided",
                "objection",
                "status_changed"
            ]
        );
        // The decided basic living aid starts the household's chain on its effective date.
        let household = app.household_id.clone().expect("a household");
        let chain = store.assistance_of(&household).await.unwrap();
        assert_eq!(chain.len(), 1);
        let aid = &chain[0].aid;
        assert_eq!(
            (
                aid.kind,
                aid.source,
                aid.amount_fen,
                aid.monthly,
                aid.from.to_string(),
                aid.until
            ),
            (
                AidKind::BasicLiving,
                Some(Department::CivilAffairs),
                41_000,
                true,
                "2026-12-01".to_string(),
                None
            )
        );
        assert_eq!(chain[0].number.as_deref(), Some(n.as_str()));
        // The members may apply again once the case is closed; the head's new application joins the same file.
        let d2 = store.current_draft(&a, "{}", 9).await.unwrap();
        let n2 = number(
            store
                .submit_application(submission(&a, &d2.id, &["ID-D1"]))
                .await
                .unwrap(),
        );
        store.accept_application(&n2, &a, true, 10).await.unwrap();
        assert_eq!(
            store.application(&n2).await.unwrap().unwrap().household_id,
            Some(household.clone())
        );
        let numbers: Vec<String> = store
            .household_applications(&household)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.summary.number)
            .collect();
        assert_eq!(numbers, vec![n.clone(), n2]);
    }
);

fn new_visit(id: &str, number: &str, based_on: Option<&str>, by: &str, now: i64) -> NewVisit {
    NewVisit {
        id: id.into(),
        number: number.into(),
        based_on: based_on.map(String::from),
        visited_on: day("2026-11-20"),
        record_json: format!("{{\"notes\":\"{id}\"}}"),
        files: vec![VisitFile {
            role: app::domain::visit::VisitFileRole::SignResident,
            content_hash: format!("{id:0>64}"),
            mime: "image/png".into(),
            size: 10,
        }],
        recorded_by: by.into(),
        saved_on_device_at: 1,
        now,
    }
}

conformance!(
    visits_are_recorded_once_and_unseen_visits_are_conflicts,
    |store| {
        use app::domain::status::ApplicationStatus as S;
        let a = user(&store, "13800000061").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-V1"]))
                .await
                .unwrap(),
        );
        assert!(
            matches!(
                store.record_visit(new_visit("v1", &n, None, &a, 2)).await,
                Err(DbError::Conflict("status"))
            ),
            "not before 受理"
        );
        store.accept_application(&n, &a, true, 3).await.unwrap();
        assert!(matches!(
            store
                .record_visit(new_visit("v1", &n, None, &a, 4))
                .await
                .unwrap(),
            VisitOutcome::Recorded
        ));
        assert_eq!(
            store.application(&n).await.unwrap().unwrap().summary.status,
            S::Visiting
        );
        assert!(matches!(
            store
                .record_visit(new_visit("v1", &n, None, &a, 5))
                .await
                .unwrap(),
            VisitOutcome::AlreadyRecorded
        ));
        match store
            .record_visit(new_visit("v2", &n, None, &a, 6))
            .await
            .unwrap()
        {
            VisitOutcome::Conflict(seen) => assert_eq!(
                seen.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
                vec!["v1"]
            ),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(matches!(
            store
                .record_visit(new_visit("v2", &n, Some("v1"), &a, 7))
                .await
                .unwrap(),
            VisitOutcome::Recorded
        ));
        // Based on v1 while v2 exists: only v2 is news.
        match store
            .record_visit(new_visit("v3", &n, Some("v1"), &a, 8))
            .await
            .unwrap()
        {
            VisitOutcome::Conflict(seen) => assert_eq!(
                seen.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
                vec!["v2"]
            ),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let household = store
            .application(&n)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        let visits = store.household_visits(&household).await.unwrap();
        assert_eq!(
            visits
                .iter()
                .map(|v| (v.id.as_str(), v.files.len()))
                .collect::<Vec<_>>(),
            vec![("v1", 1), ("v2", 1)]
        );
        assert_eq!(
            store
                .visit_file_region(&format!("{:0>64}", "v1"))
                .await
                .unwrap(),
            Some(region("620702100201"))
        );
        assert_eq!(
            store.visit_file_region(&"f".repeat(64)).await.unwrap(),
            None
        );
        let events = store.application(&n).await.unwrap().unwrap().events;
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind == app::domain::status::TimelineKind::VisitRecorded)
                .count(),
            2
        );
    }
);

conformance!(
    referral_answers_move_once_and_land_their_aid_in_the_chain,
    |store| {
        use app::domain::chain::{AidOrigin, NewAid};
        use app::domain::referral::ReferralStatus;
        let a = user(&store, "13800000071").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-R1"]))
                .await
                .unwrap(),
        );
        store.accept_application(&n, &a, true, 2).await.unwrap();
        let household = store
            .application(&n)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        let id = store
            .add_referral(NewReferralRecord {
                household_id: household.clone(),
                region_code: region("620702100201"),
                department: Department::MedicalInsurance,
                need: AidKind::PremiumSubsidy,
                note: "未资助参保".into(),
                due_on: day("2026-12-05"),
                created_by: a.clone(),
                now: 2,
            })
            .await
            .unwrap();
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let aid = NewAid {
            kind: AidKind::PremiumSubsidy,
            source: Some(Department::MedicalInsurance),
            source_name: String::new(),
            amount_fen: 30_000,
            monthly: false,
            from: day("2026-01-01"),
            until: Some(day("2026-12-31")),
            note: String::new(),
        };
        let answer = |department: &str, prefix: &str, to, aid: Option<NewAid>| ReferralAnswer {
            id,
            department: Department::from_code(department).expect("a department code"),
            region: crate::helpers::region(prefix),
            to,
            answer: "已资助".into(),
            aid: aid.map(|x| (format!("referral-{id}"), x)),
            actor_id: a.clone(),
            now: 3,
        };
        assert!(matches!(
            store
                .answer_referral(answer(
                    "education",
                    "6207",
                    ReferralStatus::Done,
                    Some(aid.clone())
                ))
                .await,
            Err(DbError::NotFound)
        ));
        assert!(matches!(
            store
                .answer_referral(answer(
                    "medical_insurance",
                    "620721",
                    ReferralStatus::Done,
                    Some(aid.clone())
                ))
                .await,
            Err(DbError::NotFound)
        ));
        assert!(
            store.assistance_of(&household).await.unwrap().is_empty(),
            "nothing half-written"
        );
        store
            .answer_referral(answer(
                "medical_insurance",
                "6207",
                ReferralStatus::Accepted,
                None,
            ))
            .await
            .unwrap();
        store
            .answer_referral(answer(
                "medical_insurance",
                "6207",
                ReferralStatus::Done,
                Some(aid.clone()),
            ))
            .await
            .unwrap();
        assert!(matches!(
            store
                .answer_referral(answer(
                    "medical_insurance",
                    "6207",
                    ReferralStatus::Declined,
                    None
                ))
                .await,
            Err(DbError::Conflict("referral_state"))
        ));
        let chain = store.assistance_of(&household).await.unwrap();
        assert_eq!(
            (chain.len(), chain[0].aid.origin, chain[0].aid.amount_fen),
            (1, AidOrigin::Referral, 30_000)
        );
        let inbox = store
            .referrals(ReferralQuery::Inbox {
                department: Department::MedicalInsurance,
                region: crate::helpers::region("6207"),
            })
            .await
            .unwrap();
        assert_eq!(
            (
                inbox.len(),
                inbox[0].status.code(),
                inbox[0].assistance_id.clone()
            ),
            (1, "done", Some(format!("referral-{id}")))
        );
        assert!(store
            .referrals(ReferralQuery::Inbox {
                department: Department::Education,
                region: crate::helpers::region("6207")
            })
            .await
            .unwrap()
            .is_empty());
        // Recording the same aid twice (a retry) adds it once.
        assert!(store
            .add_assistance(
                &household,
                "manual-1",
                aid.clone(),
                AidOrigin::Manual,
                &a,
                4
            )
            .await
            .unwrap());
        assert!(!store
            .add_assistance(&household, "manual-1", aid, AidOrigin::Manual, &a, 5)
            .await
            .unwrap());
        assert_eq!(
            store
                .referrals(ReferralQuery::Household(household.clone()))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.assistance_of(&household).await.unwrap().len(), 2);
    }
);

conformance!(the_review_queue_filters_and_pages_by_keyset, |store| {
    use app::domain::status::ApplicationStatus as S;
    let mut numbers = Vec::new();
    let mut actor = String::new();
    for i in 0..5 {
        let a = user(&store, &format!("1380000005{i}")).await;
        actor = a.clone();
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let mut sub = submission(&a, &d.id, &[&format!("ID-Q{i}")]);
        sub.now = 1000 + (i as i64 % 3); // ties on submitted_at are ordered by number
        if i == 4 {
            sub.help = vec![HelpKind::Education];
        }
        numbers.push(number(store.submit_application(sub).await.unwrap()));
    }
    store
        .accept_application(&numbers[1], &actor, true, 2000)
        .await
        .unwrap();
    // Nothing is due on the first day of 1970: the pages count no warnings.
    let q = |after: Option<(i64, String)>, limit| app::store::QueueQuery {
        after,
        ..app::store::QueueQuery::within(
            crate::helpers::region("620702"),
            crate::helpers::day("1970-01-01"),
            limit,
        )
    };
    let first = store.review_queue(q(None, 2)).await.unwrap();
    let second = store
        .review_queue(q(
            first.last().map(|r| (r.submitted_at, r.number.clone())),
            2,
        ))
        .await
        .unwrap();
    let third = store
        .review_queue(q(
            second.last().map(|r| (r.submitted_at, r.number.clone())),
            2,
        ))
        .await
        .unwrap();
    let all: Vec<String> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|r| r.number.clone())
        .collect();
    assert_eq!(all.len(), 5);
    let mut sorted = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|r| (r.submitted_at, r.number.clone()))
        .collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        all,
        sorted.into_iter().map(|(_, n)| n).collect::<Vec<_>>(),
        "oldest first, no row twice or missed"
    );
    let accepted = store
        .review_queue(app::store::QueueQuery {
            statuses: vec![S::Accepted],
            ..q(None, 50)
        })
        .await
        .unwrap();
    assert_eq!(
        accepted
            .iter()
            .map(|r| r.number.as_str())
            .collect::<Vec<_>>(),
        vec![numbers[1].as_str()]
    );
    let education = store
        .review_queue(app::store::QueueQuery {
            help: Some(HelpKind::Education),
            ..q(None, 50)
        })
        .await
        .unwrap();
    assert_eq!(
        education
            .iter()
            .map(|r| r.number.as_str())
            .collect::<Vec<_>>(),
        vec![numbers[4].as_str()]
    );
    let waited = store
        .review_queue(app::store::QueueQuery {
            submitted_before: Some(1000),
            ..q(None, 50)
        })
        .await
        .unwrap();
    assert_eq!(waited.len(), 2);
    assert!(store
        .review_queue(app::store::QueueQuery {
            region: crate::helpers::region("620721"),
            ..q(None, 50)
        })
        .await
        .unwrap()
        .is_empty());
    assert_eq!(first[0].categories.codes(), "dibao");
});

conformance!(
    two_workers_claim_each_work_item_once_and_leases_expire,
    |store| {
        for i in 0..120 {
            assert!(store
                .enqueue_work(
                    app::domain::cycle::WorkKind::ReferralDue,
                    &i.to_string(),
                    "",
                    1_000 + i
                )
                .await
                .unwrap());
        }
        assert!(
            !store
                .enqueue_work(app::domain::cycle::WorkKind::ReferralDue, "0", "", 1_000)
                .await
                .unwrap(),
            "scheduling is idempotent"
        );
        assert!(store
            .enqueue_work(
                app::domain::cycle::WorkKind::ReferralDue,
                "later",
                "",
                9_999_999
            )
            .await
            .unwrap());
        // Two workers (as two server processes would) claim small batches at the same time.
        let work = |name: &'static str| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_work(name, 5_000, 60_000, 7).await.unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    for item in batch {
                        store
                            .finish_work(item.id, name, None, 5_001, 5_001)
                            .await
                            .unwrap();
                        mine.push(item.subject);
                    }
                }
            })
        };
        let (a, b) = (work("worker-a"), work("worker-b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let mut all: Vec<String> = a.iter().chain(b.iter()).cloned().collect();
        all.sort();
        all.dedup();
        assert_eq!(
            (all.len(), a.len() + b.len()),
            (120, 120),
            "each item done once, none twice"
        );
        assert!(!all.contains(&"later".to_string()), "not before its time");

        // A worker that dies keeps its claim only until the lease ends; a failure waits for its retry time.
        let held = store
            .claim_work("dead", 10_000_000, 1_000, 10)
            .await
            .unwrap();
        assert_eq!(held.len(), 1);
        assert!(store
            .claim_work("alive", 10_000_500, 1_000, 10)
            .await
            .unwrap()
            .is_empty());
        let again = store
            .claim_work("alive", 10_001_001, 1_000, 10)
            .await
            .unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 2));
        store
            .finish_work(
                again[0].id,
                "alive",
                Some("department system down"),
                10_001_002,
                10_100_000,
            )
            .await
            .unwrap();
        assert!(store
            .claim_work("alive", 10_050_000, 1_000, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .claim_work("alive", 10_100_001, 1_000, 10)
                .await
                .unwrap()
                .len(),
            1
        );

        // A process that stops cleanly gives its claims back: another takes them at once, and
        // the interrupted claim is not counted as an attempt.
        assert!(store
            .enqueue_work(
                app::domain::cycle::WorkKind::ReferralDue,
                "stopping",
                "",
                20_000_000
            )
            .await
            .unwrap());
        // (The item that failed above is due again too, by now: it is claimed with it.)
        let held = store
            .claim_work("stopping", 20_000_000, 60_000, 10)
            .await
            .unwrap();
        assert!(held.iter().any(|w| w.subject == "stopping"));
        assert_eq!(
            store.release_work("stopping").await.unwrap(),
            held.len() as u64
        );
        assert_eq!(store.release_work("stopping").await.unwrap(), 0);
        let taken = store
            .claim_work("alive", 20_000_001, 60_000, 10)
            .await
            .unwrap();
        assert_eq!(
            taken
                .iter()
                .filter(|w| w.subject == "stopping")
                .map(|w| w.attempts)
                .collect::<Vec<_>>(),
            [1]
        );
    }
);

conformance!(
    a_periodic_chore_is_claimed_by_one_process_a_period,
    |store| {
        let hour = 3_600_000;
        // The first to ask runs it; a second process asking within the period does not.
        assert!(store
            .claim_periodic("blob_sweep", 10 * hour, hour)
            .await
            .unwrap());
        assert!(!store
            .claim_periodic("blob_sweep", 10 * hour + 1, hour)
            .await
            .unwrap());
        assert!(!store
            .claim_periodic("blob_sweep", 11 * hour - 1, hour)
            .await
            .unwrap());
        // Another chore is its own; a period later the next claim runs it again, once.
        assert!(store
            .claim_periodic("purge", 10 * hour + 2, 24 * hour)
            .await
            .unwrap());
        assert!(store
            .claim_periodic("blob_sweep", 11 * hour, hour)
            .await
            .unwrap());
        assert!(!store
            .claim_periodic("blob_sweep", 11 * hour, hour)
            .await
            .unwrap());
        // A chore that failed gives its period back: the next to ask runs it again.
        store.release_periodic("blob_sweep").await.unwrap();
        assert!(store
            .claim_periodic("blob_sweep", 11 * hour + 5, hour)
            .await
            .unwrap());
        assert!(!store
            .claim_periodic("blob_sweep", 11 * hour + 6, hour)
            .await
            .unwrap());
        // Giving back one chore leaves the others claimed.
        store.release_periodic("statistics").await.unwrap();
        assert!(!store
            .claim_periodic("purge", 11 * hour, 24 * hour)
            .await
            .unwrap());
    }
);

conformance!(tasks_exits_and_the_low_income_database, |store| {
    use app::domain::status::ApplicationStatus as S;
    let a = user(&store, "13800000081").await;
    let d = store.current_draft(&a, "{}", 1).await.unwrap();
    let n = number(
        store
            .submit_application(submission(&a, &d.id, &["ID-T1"]))
            .await
            .unwrap(),
    );
    store.accept_application(&n, &a, true, 2).await.unwrap();
    let household = store
        .application(&n)
        .await
        .unwrap()
        .unwrap()
        .household_id
        .unwrap();
    assert!(matches!(
        store
            .exit_household(&household, "收入超标", day("2026-12-31"), &a, 2)
            .await,
        Err(DbError::Conflict("not_in_assistance"))
    ));
    store
        .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
        .await
        .unwrap();
    store
        .decide(&n, decision(&a, "2026-12-02"), 5)
        .await
        .unwrap();
    store
        .finalize(&n, &a, "", crate::helpers::day("2026-12-03"), 6)
        .await
        .unwrap();
    assert_eq!(
        store
            .household_summary(&household)
            .await
            .unwrap()
            .unwrap()
            .standing
            .code(),
        "in_assistance"
    );

    let task = |due: &str| app::store::NewTask {
        kind: app::domain::cycle::TaskKind::TaperEnd,
        household_id: household.clone(),
        region_code: region("620702100201"),
        subject: household.clone(),
        due_on: day(due),
        note: String::new(),
        now: 7,
    };
    store
        .exit_household(&household, "家庭收入超过低保标准", day("2027-05-31"), &a, 7)
        .await
        .unwrap();
    assert!(store.add_task(task("2027-05-31")).await.unwrap());
    assert!(
        !store.add_task(task("2027-05-31")).await.unwrap(),
        "one task per kind, subject and date"
    );
    let h = store.household_summary(&household).await.unwrap().unwrap();
    assert_eq!(
        (
            h.standing.code(),
            h.assistance_until.map(|d| d.to_string()),
            h.exit_reason.as_str()
        ),
        (
            "exited",
            Some("2027-05-31".to_string()),
            "家庭收入超过低保标准"
        )
    );
    let chain = store.assistance_of(&household).await.unwrap();
    assert_eq!(
        chain[0].aid.until.map(|u| u.to_string()).as_deref(),
        Some("2027-05-31"),
        "continuing aid ends on the last day"
    );

    let open = store
        .tasks(&crate::helpers::region("6207"), true)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(
        matches!(
            store
                .complete_task(open[0].id, &crate::helpers::region("620721"), &a, "x", 8)
                .await,
            Err(DbError::NotFound)
        ),
        "another county's task"
    );
    store
        .complete_task(
            open[0].id,
            &crate::helpers::region("620702"),
            &a,
            "已停发",
            8,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .complete_task(
                open[0].id,
                &crate::helpers::region("620702"),
                &a,
                "again",
                9
            )
            .await,
        Err(DbError::Conflict("task_done"))
    ));
    assert!(store
        .tasks(&crate::helpers::region("6207"), true)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .tasks(&crate::helpers::region("6207"), false)
            .await
            .unwrap()[0]
            .note,
        "已停发"
    );

    // Exited and rejected households stay findable, by ID number or standing.
    let q = |id: Option<&str>, standing: Option<&str>, prefix: &str| app::store::HouseholdQuery {
        region: crate::helpers::region(prefix),
        id_number: id.map(|i| id_of(i).as_str().to_owned()),
        name: None,
        standing: standing.map(|s| app::domain::cycle::Standing::from_code(s).unwrap()),
        limit: 10,
    };
    assert_eq!(
        store
            .search_households(q(Some("ID-T1"), None, "6207"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .search_households(q(None, Some("exited"), "6207"))
            .await
            .unwrap()[0]
            .id,
        household
    );
    assert!(store
        .search_households(q(None, Some("exited"), "620721"))
        .await
        .unwrap()
        .is_empty());
    let b = user(&store, "13800000082").await;
    let d2 = store.current_draft(&b, "{}", 1).await.unwrap();
    let n2 = number(
        store
            .submit_application(submission(&b, &d2.id, &["ID-T2"]))
            .await
            .unwrap(),
    );
    // Rejected after acceptance (a declaration refused at the door opens no file).
    store.accept_application(&n2, &b, false, 9).await.unwrap();
    store
        .change_status(&n2, &[S::Accepted], S::Rejected, &a, "不符合条件", 10)
        .await
        .unwrap();
    let rejected = store
        .search_households(q(None, Some("rejected"), "6207"))
        .await
        .unwrap();
    assert_eq!((rejected.len(), rejected[0].standing_at), (1, Some(10)));
});

conformance!(
    emergency_aid_opens_a_household_where_it_happened_once,
    |store| {
        use app::domain::chain::{AidOrigin, NewAid};
        let a = user(&store, "13800000091").await;
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let e = app::store::NewEmergencyAid {
            id: "emergency-1".into(),
            head_id_number: id_of("210102198001010011"),
            person_name: "过路人".into(),
            region_code: region("620702"),
            situation: "突发重病".into(),
            advance: true,
            documents_due: Some(day("2026-12-26")),
            conference: String::new(),
            aid: NewAid {
                kind: AidKind::Emergency,
                source: Some(Department::CivilAffairs),
                source_name: String::new(),
                amount_fen: 80_000,
                monthly: false,
                from: day("2026-11-26"),
                until: Some(day("2026-11-26")),
                note: "先行救助".into(),
            },
            actor_id: a.clone(),
            now: 1,
        };
        let rec = store.record_emergency(e.clone()).await.unwrap();
        let again = store.record_emergency(e).await.unwrap();
        assert_eq!(
            (rec.id.as_str(), again.household_id.as_str()),
            ("emergency-1", rec.household_id.as_str())
        );
        let chain = store.assistance_of(&rec.household_id).await.unwrap();
        assert_eq!(
            (chain.len(), chain[0].aid.origin, chain[0].aid.amount_fen),
            (1, AidOrigin::Emergency, 80_000),
            "registered once"
        );
        assert_eq!(
            store
                .household(&rec.household_id)
                .await
                .unwrap()
                .unwrap()
                .region_code,
            region("620702")
        );
        assert!(matches!(
            store
                .emergency_documents_received(
                    "emergency-1",
                    &crate::helpers::region("620721"),
                    &a,
                    2
                )
                .await,
            Err(DbError::NotFound)
        ));
        store
            .emergency_documents_received("emergency-1", &crate::helpers::region("6207"), &a, 2)
            .await
            .unwrap();
        assert!(matches!(
            store
                .emergency_documents_received("emergency-1", &crate::helpers::region("6207"), &a, 3)
                .await,
            Err(DbError::Conflict("documents_received"))
        ));
        assert_eq!(
            store
                .emergency("emergency-1")
                .await
                .unwrap()
                .unwrap()
                .documents_received_at,
            Some(2)
        );
    }
);

conformance!(
    transactions_that_read_first_wait_for_each_other_rather_than_fail,
    |store| {
        // Registering emergency aid reads (is this key known?) before it writes. On SQLite a
        // transaction that only upgrades to writing at its first write fails at once with
        // "database is locked" when another connection committed meanwhile; every one of
        // these must be stored.
        use app::domain::chain::NewAid;
        let a = user(&store, "13800000092").await;
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                let e = app::store::NewEmergencyAid {
                    id: format!("emergency-concurrent-{i}"),
                    head_id_number: id_of(&format!("21010219800101{i:04}")),
                    person_name: "过路人".into(),
                    region_code: region("620702"),
                    situation: "突发重病".into(),
                    advance: false,
                    documents_due: None,
                    conference: String::new(),
                    aid: NewAid {
                        kind: AidKind::Emergency,
                        source: Some(Department::CivilAffairs),
                        source_name: String::new(),
                        amount_fen: 10_000,
                        monthly: false,
                        from: day("2026-11-26"),
                        until: Some(day("2026-11-26")),
                        note: String::new(),
                    },
                    actor_id: a.clone(),
                    now: 1,
                };
                tokio::spawn(async move { store.record_emergency(e).await })
            })
            .collect();
        for t in tasks {
            let rec = t.await.unwrap().expect("stored, after waiting its turn");
            assert_eq!(
                store.emergencies_of(&rec.household_id).await.unwrap().len(),
                1
            );
        }
    }
);

/// A medical-insurance file imported by `by` province-wide on `today`, with the example rules.
fn medical_import(id: &str, by: &str, today: chrono::NaiveDate) -> app::store::NewImport {
    app::store::NewImport {
        id: id.into(),
        source: Source::MedicalInsurance,
        file_hash: "h".into(),
        file_name: "f.csv".into(),
        encoding: "UTF-8".into(),
        created_by: by.into(),
        now: 1_800_000_000_000,
        region: region("62"),
        rules: app::domain::monitoring::example_rules(),
        today,
    }
}

// Issue 20: an import reading a large file must not stall residents. On SQLite the import
// held the one writer's turn from its first row to its last, so every submission waited for
// the whole file (1.8 s behind 1 000 000 rows); now it stages outside the turn.
conformance!(
    an_import_still_reading_its_file_leaves_others_free_to_write,
    |store| {
        use app::domain::monitoring::MedicalRecord;
        use app::store::ImportBatch;
        let a = user(&store, "13800000096").await;
        let b = user(&store, "13800000097").await;
        let meta = medical_import("imp-w", &a, day("2026-11-26"));
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.send(ImportBatch::Medical(keyed(vec![MedicalRecord {
            id_number: id_of("ID-W1"),
            date: day("2026-05-01"),
            total_fen: 100,
            out_of_pocket_fen: 100,
        }])))
        .await
        .unwrap();
        let importing = {
            let store = store.clone();
            tokio::spawn(async move { store.import_records(meta, rx).await })
        };
        // The import has its first rows and waits for the rest of the file.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let written = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            store.current_draft(&b, "{}", 2),
        )
        .await;
        assert!(
            written.is_ok(),
            "a resident's write waited for the import to finish reading"
        );
        written.unwrap().unwrap();
        tx.send(ImportBatch::End {
            rows_read: 1,
            invalid: 0,
            report_json: "{}".into(),
        })
        .await
        .unwrap();
        let r = importing.await.unwrap().unwrap();
        assert_eq!(
            (r.new_records, r.matched),
            (0, 0),
            "nobody in the file is known"
        );
    }
);

conformance!(
    imports_are_one_transaction_and_warn_once_per_household,
    |store| {
        use app::domain::monitoring::MedicalRecord;
        use app::store::ImportBatch;
        let a = user(&store, "13800000095").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-M1", "ID-M2"]))
                .await
                .unwrap(),
        );
        store.accept_application(&n, &a, true, 2).await.unwrap();
        let household = store
            .application(&n)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let meta = |id: &str| medical_import(id, &a, today);
        let row = |id: &str, date: &str, oop: i64| MedicalRecord {
            id_number: id_of(id),
            date: day(date),
            total_fen: oop,
            out_of_pocket_fen: oop,
        };
        let batches = vec![
            ImportBatch::Medical(keyed(vec![
                row("ID-M1", "2026-05-01", 1_500_000),
                row("ID-X", "2026-05-01", 9_000_000),
            ])),
            ImportBatch::Medical(keyed(vec![
                row("ID-M2", "2026-06-01", 600_000),
                row("ID-M1", "2026-05-01", 1_500_000),
            ])),
        ];
        // Aborted halfway: nothing stays.
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.send(batches[0].clone()).await.unwrap();
        tx.send(ImportBatch::Abort).await.unwrap();
        assert!(matches!(
            store.import_records(meta("imp-0"), rx).await,
            Err(DbError::Conflict("import_aborted"))
        ));
        assert!(store
            .warnings(&crate::helpers::region("62"))
            .await
            .unwrap()
            .is_empty());
        // ID-X is nobody in the database: counted as unmatched, its row not kept.
        for (id, expect) in [("imp-1", (2, 3, 1)), ("imp-2", (0, 3, 0))] {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            for b in &batches {
                tx.send(b.clone()).await.unwrap();
            }
            tx.send(ImportBatch::End {
                rows_read: 4,
                invalid: 0,
                report_json: "{}".into(),
            })
            .await
            .unwrap();
            let r = store.import_records(meta(id), rx).await.unwrap();
            assert_eq!((r.new_records, r.matched, r.warnings), expect, "{id}");
        }
        let w = store
            .warnings(&crate::helpers::region("620702"))
            .await
            .unwrap();
        assert_eq!(
            (w.len(), w[0].household_id.as_str(), w[0].level.code()),
            (1, household.as_str(), "II")
        );
        assert!(
            w[0].trigger_json.contains("\"out_of_pocket_fen\":2100000"),
            "{}",
            w[0].trigger_json
        );
        // Handled and closed; the same file once more still raises nothing (it adds no record).
        use app::domain::monitoring::{Disposal, Finding, WarningStep};
        for step in [
            WarningStep::Visit {
                on: today,
                finding: Finding::Confirmed,
                note: String::new(),
            },
            WarningStep::Dispose {
                disposal: Disposal::Referral,
                note: "医疗救助".into(),
            },
            WarningStep::Close,
        ] {
            store
                .advance_warning(w[0].id, &crate::helpers::region("620702"), step, &a, 5)
                .await
                .unwrap();
        }
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        for b in &batches {
            tx.send(b.clone()).await.unwrap();
        }
        tx.send(ImportBatch::End {
            rows_read: 4,
            invalid: 0,
            report_json: "{}".into(),
        })
        .await
        .unwrap();
        let r = store.import_records(meta("imp-3"), rx).await.unwrap();
        assert_eq!((r.new_records, r.warnings), (0, 0));
        assert_eq!(
            store
                .warnings(&crate::helpers::region("620702"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store.warning_rules().await.unwrap().len(),
            0,
            "no rule until one is set"
        );
        // A new settlement from before the 12 months cannot change the rule's sum: nothing raised.
        // A new one inside them raises the (closed) warning again: the household still spends over.
        for (id, date, expect) in [
            ("imp-old", "2025-10-01", (1, 0)),
            ("imp-new", "2026-11-01", (1, 1)),
        ] {
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            tx.send(ImportBatch::Medical(keyed(vec![row(
                "ID-M2", date, 10_000,
            )])))
            .await
            .unwrap();
            tx.send(ImportBatch::End {
                rows_read: 1,
                invalid: 0,
                report_json: "{}".into(),
            })
            .await
            .unwrap();
            let r = store.import_records(meta(id), rx).await.unwrap();
            assert_eq!((r.new_records, r.warnings), expect, "{id}");
        }
        assert_eq!(
            store
                .warnings(&crate::helpers::region("620702"))
                .await
                .unwrap()
                .len(),
            2
        );
        // Once ID-X is in the database (a new application), the same file adds that row: it was
        // not kept while it named nobody.
        let b = user(&store, "13800000097").await;
        let d = store.current_draft(&b, "{}", 1).await.unwrap();
        let nx = number(
            store
                .submit_application(submission(&b, &d.id, &["ID-X"]))
                .await
                .unwrap(),
        );
        store.accept_application(&nx, &b, false, 3).await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        for b in &batches {
            tx.send(b.clone()).await.unwrap();
        }
        tx.send(ImportBatch::End {
            rows_read: 4,
            invalid: 0,
            report_json: "{}".into(),
        })
        .await
        .unwrap();
        let r = store.import_records(meta("imp-4"), rx).await.unwrap();
        // Its batch also holds a record already stored (ID-M1): the one new row still counts for
        // the rules, and its 90 000 yuan raise a warning for the new household.
        assert_eq!((r.new_records, r.matched, r.warnings), (1, 4, 1));
    }
);

conformance!(
    department_records_and_the_share_rule_raise_warnings_once,
    |store| {
        use crate::api::valid_id;
        use app::domain::monitoring::{EventKind, EventRecord, MedicalRecord};
        use app::store::{ImportBatch, NewImport};
        let (e1, e2, stranger) = (
            valid_id("62070219700101801"),
            valid_id("62070219720202802"),
            valid_id("62070219800101899"),
        );
        let a = user(&store, "13800000096").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let mut s = submission(&a, &d.id, &[e1.as_str(), e2.as_str()]);
        s.monthly_income = Money::from_fen(100_000); // 1 000 yuan a month: 12 000 a year
        let n = number(store.submit_application(s).await.unwrap());
        store.accept_application(&n, &a, true, 2).await.unwrap();
        let household = store
            .application(&n)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let meta = |id: &str, source: &str| NewImport {
            id: id.into(),
            source: Source::from_code(source).expect("a source code"),
            file_hash: id.into(),
            file_name: "f.csv".into(),
            encoding: "UTF-8".into(),
            created_by: a.clone(),
            now: 1_800_000_000_000,
            region: region("62"),
            rules: app::domain::monitoring::example_rules(),
            today,
        };
        let event = |source: &str, id: &str, event: &str, grade: Option<u8>| EventRecord {
            source: Source::from_code(source).expect("a source code"),
            id_number: id_of(id),
            event: EventKind::from_code(event).expect("an event kind"),
            date: day("2026-11-01"),
            grade,
            amount_fen: None,
            detail: "测试".into(),
        };
        let run = |id: &'static str, source: &'static str, batch: ImportBatch| {
            let store = store.clone();
            let meta = meta(id, source);
            async move {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                tx.send(batch).await.unwrap();
                tx.send(ImportBatch::End {
                    rows_read: 0,
                    invalid: 0,
                    report_json: "{}".into(),
                })
                .await
                .unwrap();
                let r = store.import_records(meta, rx).await.unwrap();
                (r.new_records, r.matched, r.warnings)
            }
        };
        // A death and a grade-3 certificate (not severe under the example rule); a stranger's record
        // (counted as unmatched, not kept).
        let deaths = ImportBatch::Events(vec![
            event("public_security", &e1, "death", None),
            event("public_security", &stranger, "death", None),
        ]);
        assert_eq!(
            run("ev-1", "public_security", deaths.clone()).await,
            (1, 1, 1)
        );
        assert_eq!(
            run("ev-2", "public_security", deaths).await,
            (0, 1, 0),
            "the same records again change nothing"
        );
        let disability = ImportBatch::Events(vec![event(
            "disabled_persons",
            &e2,
            "disability_certified",
            Some(3),
        )]);
        assert_eq!(run("ev-3", "disabled_persons", disability).await, (1, 1, 0));
        // 7 000 yuan out of pocket: under the 20 000 amount, over 50 % of 12 000.
        let medical = ImportBatch::Medical(keyed(vec![MedicalRecord {
            id_number: id_of(&e2),
            date: day("2026-10-01"),
            total_fen: 900_000,
            out_of_pocket_fen: 700_000,
        }]));
        assert_eq!(run("ev-4", "medical_insurance", medical).await, (1, 1, 1));
        let w = store
            .warnings(&crate::helpers::region("620702"))
            .await
            .unwrap();
        let kinds: std::collections::BTreeSet<&str> = w.iter().map(|w| w.kind.code()).collect();
        assert_eq!(
            kinds,
            ["death", "medical_share_of_income"].into_iter().collect()
        );
        assert!(w.iter().all(|w| w.household_id == household));
        let death = w.iter().find(|w| w.kind.code() == "death").unwrap();
        assert_eq!(
            (death.level.code(), death.visit_due),
            ("III", day("2026-12-26"))
        );
        assert!(
            death.trigger_json.contains("\"event\":\"death\"")
                && death.trigger_json.contains("\"detail\":\"测试\"")
                && !death.trigger_json.contains(&e1),
            "the record's detail (stored sealed) opened, the person masked: {}",
            death.trigger_json
        );
        let share = w
            .iter()
            .find(|w| w.kind.code() == "medical_share_of_income")
            .unwrap();
        assert!(
            share.trigger_json.contains("\"threshold_fen\":600000")
                && share.trigger_json.contains("\"share\":[50,1200000]"),
            "{}",
            share.trigger_json
        );
        let listed = store.imports(&[Source::PublicSecurity], 10).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .len(),
            2
        );
    }
);

// Zhangye (六): 就学 raises a warning, and a household whose declaration says a member lost
// labour capacity (kept with the application and, once accepted, on the household) is warned a
// level more urgently, its trigger saying why; the other household's warning keeps its level.
conformance!(
    enrolment_warns_and_lost_labour_capacity_raises_a_level,
    |store| {
        use crate::api::valid_id;
        use app::domain::monitoring::{EventKind, EventRecord};
        use app::store::{ImportBatch, NewImport};
        let (weak, able) = (valid_id("62070219700101851"), valid_id("62070219700101852"));
        let a = user(&store, "13800000099").await;
        let mut households = Vec::new();
        for (i, (id, lost)) in [(&weak, true), (&able, false)].into_iter().enumerate() {
            let d = store.current_draft(&a, "{}", 1 + i as i64).await.unwrap();
            let mut s = submission(&a, &d.id, &[id.as_str()]);
            s.lost_labour = lost;
            let n = number(store.submit_application(s).await.unwrap());
            store.accept_application(&n, &a, true, 2).await.unwrap();
            households.push(
                store
                    .application(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .household_id
                    .unwrap(),
            );
        }
        let enrolled = |id: &str| EventRecord {
            source: Source::Education,
            id_number: id_of(id),
            event: EventKind::Enrolled,
            date: day("2026-09-01"),
            grade: None,
            amount_fen: None,
            detail: "高中一年级".into(),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.send(ImportBatch::Events(vec![enrolled(&weak), enrolled(&able)]))
            .await
            .unwrap();
        tx.send(ImportBatch::End {
            rows_read: 2,
            invalid: 0,
            report_json: "{}".into(),
        })
        .await
        .unwrap();
        let meta = NewImport {
            id: "enrol-1".into(),
            source: Source::Education,
            file_hash: "enrol-1".into(),
            file_name: "f.csv".into(),
            encoding: "UTF-8".into(),
            created_by: a.clone(),
            now: 1_800_000_000_000,
            region: region("62"),
            rules: app::domain::monitoring::example_rules(),
            today: day("2026-11-26"),
        };
        assert_eq!(store.import_records(meta, rx).await.unwrap().warnings, 2);
        let w = store
            .warnings(&crate::helpers::region("620702"))
            .await
            .unwrap();
        let of = |h: &str| w.iter().find(|w| w.household_id == h).expect("a warning");
        let (raised, plain) = (of(&households[0]), of(&households[1]));
        assert_eq!(
            (raised.kind.code(), raised.level.code()),
            ("enrolment", "II"),
            "the example's III, one level up"
        );
        assert!(raised.trigger_json.contains("\"labour_priority\":true"));
        assert_eq!(
            (plain.kind.code(), plain.level.code()),
            ("enrolment", "III")
        );
        assert!(!plain.trigger_json.contains("labour_priority"));
    }
);

// A person is matched by an import in their household's region (kept beside the person since
// migration 0028): when a caseworker of another region accepts the head's new declaration, the
// household moves and its members with it, for the imports of both regions.
conformance!(
    a_household_that_moves_takes_its_members_out_of_the_old_regions_imports,
    |store| {
        use crate::api::valid_id;
        use app::domain::monitoring::{EventKind, EventRecord};
        use app::domain::status::ApplicationStatus as S;
        use app::store::{ImportBatch, NewImport};
        let (head, member) = (valid_id("62070219700101841"), valid_id("62070219720202842"));
        let a = user(&store, "13800000098").await;
        let matched = |id: &'static str, scope: &'static str| {
            let (store, a) = (store.clone(), a.clone());
            let deaths: Vec<EventRecord> = [&head, &member]
                .into_iter()
                .map(|id| EventRecord {
                    source: Source::PublicSecurity,
                    id_number: id_of(id),
                    event: EventKind::Death,
                    date: day("2026-11-01"),
                    grade: None,
                    amount_fen: None,
                    detail: id.clone(),
                })
                .collect();
            async move {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                tx.send(ImportBatch::Events(deaths)).await.unwrap();
                tx.send(ImportBatch::End {
                    rows_read: 2,
                    invalid: 0,
                    report_json: "{}".into(),
                })
                .await
                .unwrap();
                let meta = NewImport {
                    id: id.into(),
                    source: Source::PublicSecurity,
                    file_hash: id.into(),
                    file_name: "f.csv".into(),
                    encoding: "UTF-8".into(),
                    created_by: a,
                    now: 1_800_000_000_000,
                    region: region(scope),
                    rules: app::domain::monitoring::example_rules(),
                    today: day("2026-11-26"),
                };
                store.import_records(meta, rx).await.unwrap().matched
            }
        };
        let first = store.current_draft(&a, "{\"n\":1}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &first.id, &[head.as_str(), member.as_str()]))
                .await
                .unwrap(),
        );
        store.accept_application(&n, &a, true, 2).await.unwrap();
        let household = store.application(&n).await.unwrap().unwrap().household_id;
        assert_eq!(
            (matched("m-1", "6207").await, matched("m-2", "6208").await),
            (2, 0)
        );
        store
            .change_status(&n, &[S::Accepted], S::Rejected, &a, "迁出", 3)
            .await
            .unwrap();
        // The head declares again in Pingliang (6208); its caseworker accepts.
        let second = store.current_draft(&a, "{\"n\":2}", 4).await.unwrap();
        let moved = number(
            store
                .submit_application(Submission {
                    region_code: region("620802100201"),
                    ..submission(&a, &second.id, &[head.as_str(), member.as_str()])
                })
                .await
                .unwrap(),
        );
        store.accept_application(&moved, &a, true, 5).await.unwrap();
        assert_eq!(
            store
                .application(&moved)
                .await
                .unwrap()
                .unwrap()
                .household_id,
            household,
            "the same household"
        );
        assert_eq!(
            store
                .household_summary(household.as_deref().unwrap())
                .await
                .unwrap()
                .unwrap()
                .region_code,
            region("620802100201")
        );
        assert_eq!(
            (matched("m-3", "6207").await, matched("m-4", "6208").await),
            (0, 2),
            "its members moved with it"
        );
    }
);

conformance!(
    rejected_households_are_monitored_for_two_years_and_no_longer,
    |store| {
        use crate::api::valid_id;
        use app::domain::monitoring::{EventKind, EventRecord, Source};
        use app::domain::status::ApplicationStatus as S;
        use app::store::{ImportBatch, NewImport};
        let now: i64 = 1_800_000_000_000;
        let day: i64 = 86_400_000;
        let (recent, old) = (valid_id("62070219700101821"), valid_id("62070219700101822"));
        let a = user(&store, "13800000097").await;
        let mut households = Vec::new();
        for (i, (id, rejected_at)) in [(&recent, now - 100 * day), (&old, now - 3 * 365 * day)]
            .into_iter()
            .enumerate()
        {
            let d = store
                .current_draft(&a, &format!("{{\"n\":{i}}}"), 1)
                .await
                .unwrap();
            let n = number(
                store
                    .submit_application(submission(&a, &d.id, &[id.as_str()]))
                    .await
                    .unwrap(),
            );
            store.accept_application(&n, &a, true, 2).await.unwrap();
            store
                .change_status(
                    &n,
                    &[S::Accepted],
                    S::Rejected,
                    &a,
                    "不符合条件",
                    rejected_at,
                )
                .await
                .unwrap();
            households.push(
                store
                    .application(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .household_id
                    .unwrap(),
            );
        }
        let death = |id: &str| EventRecord {
            source: Source::PublicSecurity,
            id_number: id_of(id),
            event: EventKind::Death,
            date: crate::helpers::day("2026-11-01"),
            grade: None,
            amount_fen: None,
            detail: String::new(),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.send(ImportBatch::Events(vec![death(&recent), death(&old)]))
            .await
            .unwrap();
        tx.send(ImportBatch::End {
            rows_read: 2,
            invalid: 0,
            report_json: "{}".into(),
        })
        .await
        .unwrap();
        let meta = NewImport {
            id: "two-years".into(),
            source: Source::PublicSecurity,
            file_hash: "h".into(),
            file_name: "f.csv".into(),
            encoding: "UTF-8".into(),
            created_by: a.clone(),
            now,
            region: crate::helpers::region("62"),
            rules: app::domain::monitoring::example_rules(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        };
        let r = store.import_records(meta, rx).await.unwrap();
        assert_eq!(
            (r.new_records, r.matched, r.warnings),
            (2, 2, 1),
            "both are matched; only the recently rejected household is still monitored"
        );
        let w = store
            .warnings(&crate::helpers::region("6207"))
            .await
            .unwrap();
        assert_eq!(
            (w.len(), w[0].household_id.as_str()),
            (1, households[0].as_str())
        );
    }
);

/// A category set from its stored codes.
fn cats(codes: &str) -> app::domain::policy::assess::CategorySet {
    app::domain::policy::assess::CategorySet::from_codes(codes).expect("known category codes")
}

/// A value this version never writes (a hand-edited row, a newer version's code) is an error
/// naming its column when read, never a default: rows go through `FromRow` structs and `TryFrom`.
/// (Columns with a `CHECK` list, such as a user's role, cannot hold one at all.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_stored_value_is_an_error_never_a_default() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (_, sql) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        let store = sql.store();
        let owner = user(&store, "13800000091").await;
        let draft = store.current_draft(&owner, "{}", 1).await.unwrap();
        let app = number(
            store
                .submit_application(submission(&owner, &draft.id, &["ID-BAD"]))
                .await
                .unwrap(),
        );
        store
            .accept_application(&app, &owner, false, 2)
            .await
            .unwrap();
        assert!(store.application(&app).await.unwrap().is_some());
        assert!(store.latest_assessment(&app).await.unwrap().is_some());

        query("UPDATE applications SET status = 'paid_twice' WHERE number = $1")
            .bind(&app)
            .execute(sql.db())
            .await
            .unwrap();
        match store.application(&app).await {
            Err(DbError::Other(m)) => assert!(m.contains("status") && m.contains("paid_twice")),
            other => panic!("read as {other:?}"),
        }
        query("UPDATE assessments SET categories = 'dibao,royalty'")
            .execute(sql.db())
            .await
            .unwrap();
        match store.latest_assessment(&app).await {
            Err(DbError::Other(m)) => assert!(m.contains("categories") && m.contains("royalty")),
            other => panic!("read as {other:?}"),
        }
        // Region codes, ID numbers and days are read as what they are, or not at all.
        let household = store
            .search_households(app::store::HouseholdQuery::within(region("62"), 1))
            .await
            .unwrap()[0]
            .id
            .clone();
        for (corrupt, column) in [
            (
                "UPDATE households SET region_code = 'Zhangye'",
                "region_code",
            ),
            // The head's number is kept sealed: a value in clear (or altered) is an error.
            (
                "UPDATE households SET head_id_sealed = '620702199001011230'",
                "id_number",
            ),
            (
                "UPDATE households SET assistance_until = '2026-02-30'",
                "assistance_until",
            ),
        ] {
            let before =
                query("SELECT region_code, head_id_sealed, assistance_until FROM households")
                    .fetch_one(sql.db())
                    .await
                    .unwrap();
            let (r, h, u): (String, String, Option<String>) = before.decode().unwrap();
            query(corrupt).execute(sql.db()).await.unwrap();
            match store.household_summary(&household).await {
                Err(DbError::Other(m)) => assert!(m.contains(column), "{m}"),
                other => panic!("{column} read as {other:?}"),
            }
            query("UPDATE households SET region_code = $1, head_id_sealed = $2, assistance_until = $3")
                .bind(r)
                .bind(h)
                .bind(u)
                .execute(sql.db())
                .await
                .unwrap();
            assert!(store.household_summary(&household).await.unwrap().is_some());
        }
    }
}

/// The parameters an assessment applied are stored once per distinct set and read back with
/// each assessment that applied them; an assessment from before, with its own copy, reads as
/// it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessments_parameters_are_stored_once_per_set() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (_, sql) =
            crate::helpers::sql_store(backend, dir.path(), crate::helpers::test_cipher()).await;
        let (db, store) = (sql.db().clone(), sql.store());
        let with = |params: &str| NewAssessment {
            facts_json: "{}".into(),
            parameters_json: params.into(),
            assessment_json: "{}".into(),
            categories: cats("dibao"),
        };
        let mut numbers = Vec::new();
        for (login, id, params) in [
            ("13800000094", "ID-PS1", r#"{"set":"一"}"#),
            ("13800000095", "ID-PS2", r#"{"set":"一"}"#),
            ("13800000096", "ID-PS3", r#"{"set":"二"}"#),
        ] {
            let owner = user(&store, login).await;
            let draft = store.current_draft(&owner, "{}", 1).await.unwrap();
            numbers.push(number(
                store
                    .submit_application(Submission {
                        assessment: with(params),
                        ..submission(&owner, &draft.id, &[id])
                    })
                    .await
                    .unwrap(),
            ));
        }
        let count = |sql_text: &'static str| {
            let db = db.clone();
            async move {
                query(sql_text)
                    .fetch_one(&db)
                    .await
                    .unwrap()
                    .decode::<(i64,)>()
                    .unwrap()
                    .0
            }
        };
        assert_eq!(count("SELECT count(*) FROM parameter_sets").await, 2);
        assert_eq!(
            count("SELECT count(*) FROM assessments WHERE parameters <> ''").await,
            0
        );
        let params = |n: String| {
            let store = store.clone();
            async move {
                store
                    .latest_assessment(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .stored
                    .parameters_json
            }
        };
        assert_eq!(params(numbers[0].clone()).await, r#"{"set":"一"}"#);
        assert_eq!(params(numbers[1].clone()).await, r#"{"set":"一"}"#);
        assert_eq!(params(numbers[2].clone()).await, r#"{"set":"二"}"#);
        // An assessment stored before sets were: its own copy.
        query("UPDATE assessments SET parameters = '{\"old\":1}', parameter_set = NULL")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(params(numbers[2].clone()).await, r#"{"old":1}"#);
    }
}

/// A submitted draft keeps no copy of the declaration (the application holds it): emptied,
/// one version more and marked submitted in the submission's own transaction; a retry changes
/// nothing; loading a draft that exists gives it back as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_draft_keeps_no_copy_of_the_declaration() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let cipher = FieldCipher::random();
        let (_, sql) = crate::helpers::sql_store(backend, dir.path(), cipher.clone()).await;
        let store = sql.store();
        let owner = user(&store, "13800000093").await;
        let draft = store
            .current_draft(&owner, r#"{"typed":"开始"}"#, 1)
            .await
            .unwrap();
        assert_eq!(draft.version, 1);
        store
            .save_draft(&owner, &draft.id, r#"{"typed":"孙有福"}"#, 2)
            .await
            .unwrap();
        // Loading again finds the same draft, as saved.
        let again = store
            .current_draft(&owner, r#"{"typed":"别的"}"#, 3)
            .await
            .unwrap();
        assert_eq!(again.id, draft.id);
        assert_eq!(
            (again.version, again.data.as_str()),
            (2, r#"{"typed":"孙有福"}"#)
        );
        let stored = |id: String| {
            let db = sql.db().clone();
            async move {
                let r =
                    query("SELECT data, version, updated_at, submitted FROM drafts WHERE id = $1")
                        .bind(&id)
                        .fetch_one(&db)
                        .await
                        .unwrap();
                r.decode::<(String, i64, i64, bool)>().unwrap()
            }
        };
        let submitted = Submission {
            now: 7,
            ..submission(&owner, &draft.id, &["ID-DRAFT"])
        };
        let first = number(store.submit_application(submitted.clone()).await.unwrap());
        assert_eq!(stored(draft.id.clone()).await, (String::new(), 3, 7, true));
        // The application has the declaration.
        assert_eq!(
            store
                .application(&first)
                .await
                .unwrap()
                .unwrap()
                .declaration_json,
            submitted.declaration_json
        );
        // A retry of the same submission changes nothing.
        assert!(matches!(
            store
                .submit_application(Submission {
                    now: 9,
                    ..submitted
                })
                .await
                .unwrap(),
            SubmitOutcome::AlreadySubmitted(_)
        ));
        assert_eq!(stored(draft.id.clone()).await, (String::new(), 3, 7, true));
        // The next load opens a new draft.
        let next = store.current_draft(&owner, "{}", 10).await.unwrap();
        assert_ne!(next.id, draft.id);
        assert_eq!((next.version, next.data.as_str()), (1, "{}"));
    }
}

/// Drafts and declarations written before field encryption (in clear) are sealed when the
/// server starts, their search keys recorded; they read back as they were written and the
/// household is found by name and ID number as before. Nothing in the sealed columns is in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_and_declarations_from_before_encryption_are_sealed_at_start() {
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let cipher = FieldCipher::random();
        let (_, sql) = crate::helpers::sql_store(backend, dir.path(), cipher.clone()).await;
        let store = sql.store();
        let owner = user(&store, "13800000092").await;
        let declaration = r#"{"members":[{"name":"孙有福","id_number":"ID-SEAL"}]}"#;
        let draft = store.current_draft(&owner, declaration, 1).await.unwrap();
        let app = number(
            store
                .submit_application(Submission {
                    declaration_json: declaration.into(),
                    ..submission(&owner, &draft.id, &["ID-SEAL"])
                })
                .await
                .unwrap(),
        );
        store
            .accept_application(&app, &owner, false, 2)
            .await
            .unwrap();
        let clear = |sql_text: &'static str| {
            let db = sql.db().clone();
            async move {
                let rows = query(sql_text).fetch_all(&db).await.unwrap();
                rows.iter()
                    .map(|r| r.decode::<(String,)>().unwrap().0)
                    .filter(|v| v.contains("孙有福"))
                    .count()
            }
        };
        assert_eq!(clear("SELECT declaration FROM applications").await, 0);
        assert_eq!(clear("SELECT data FROM drafts").await, 0);
        // A home visit's record and an emergency's person and situation, sealed too.
        let visit = NewVisit {
            record_json: r#"{"living":"孙有福腰伤"}"#.into(),
            ..new_visit("visit-seal", &app, None, &owner, 3)
        };
        assert!(matches!(
            store.record_visit(visit).await.unwrap(),
            VisitOutcome::Recorded
        ));
        let emergency = store
            .record_emergency(app::store::NewEmergencyAid {
                id: "emergency-seal".into(),
                head_id_number: id_of("210102198001010011"),
                person_name: "孙有福".into(),
                region_code: region("620702"),
                situation: "孙有福突发重病".into(),
                advance: false,
                documents_due: None,
                conference: String::new(),
                aid: app::domain::chain::NewAid {
                    kind: AidKind::Emergency,
                    source: Some(Department::CivilAffairs),
                    source_name: String::new(),
                    amount_fen: 80_000,
                    monthly: false,
                    from: day("2026-11-26"),
                    until: Some(day("2026-11-26")),
                    note: String::new(),
                },
                actor_id: owner.clone(),
                now: 4,
            })
            .await
            .unwrap();
        assert_eq!(emergency.person_name, "孙有福");
        assert_eq!(clear("SELECT record FROM home_visits").await, 0);
        assert_eq!(clear("SELECT person_name FROM emergency_aid").await, 0);
        assert_eq!(clear("SELECT situation FROM emergency_aid").await, 0);
        // A charity's contact person and phone, sealed too.
        store
            .register_charity(app::store::NewCharity {
                id: "charity-seal".into(),
                user: NewUser {
                    role: Role::Charity,
                    login: "org-seal".into(),
                    display_name: "o".into(),
                    password_hash: "h".into(),
                    region_code: None,
                    department: None,
                    must_change_password: false,
                    duty: None,
                    now: 5,
                },
                name: "机构".into(),
                credit_code: "53620702MJ0000017".into(),
                contact_name: "孙有福".into(),
                contact_phone: "13700000001".into(),
                regions: vec![region("6207")],
                kinds: vec![HelpKind::Education],
                org_kind: app::domain::care::OrgKind::Charity,
            })
            .await
            .unwrap();
        assert_eq!(clear("SELECT contact_name FROM charities").await, 0);
        let contact = store.charity("charity-seal").await.unwrap().unwrap();
        assert_eq!(
            (
                contact.contact_name.as_str(),
                contact.contact_phone.as_str()
            ),
            ("孙有福", "13700000001")
        );
        // What fired a warning (a department's record of a disability: grade and category).
        let facts = r#"{"person":"620702********0011","grade":2,"detail":"孙有福 肢体残疾"}"#;
        let household_id = store
            .application(&app)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        assert!(store
            .raise_warning(app::store::NewWarning {
                household_id,
                region_code: region("620702"),
                kind: app::domain::monitoring::RuleKind::MedicalOutOfPocket,
                level: app::domain::monitoring::WarningLevel::II,
                trigger_json: facts.into(),
                visit_due: day("2026-12-10"),
                now: 6,
            })
            .await
            .unwrap());
        assert_eq!(clear("SELECT trigger_facts FROM warnings").await, 0);
        let warning = || async {
            store.warnings(&region("620702")).await.unwrap()[0]
                .trigger_json
                .clone()
        };
        assert_eq!(warning().await, facts);
        // A department's records of the member (disability certificates, grade 3: no warning):
        // sealed whole, under a key that tells nothing either.
        let certificate = |on: &str, detail: &str| app::domain::monitoring::EventRecord {
            source: Source::DisabledPersons,
            id_number: id_of("ID-SEAL"),
            event: app::domain::monitoring::EventKind::DisabilityCertified,
            date: day(on),
            grade: Some(3),
            amount_fen: None,
            detail: detail.into(),
        };
        let certificates = vec![
            certificate("2026-10-01", "孙有福 视力残疾"),
            certificate("2026-11-01", "孙有福 听力残疾"),
        ];
        let import = |id: &'static str| {
            let (store, batch, owner) = (store.clone(), certificates.clone(), owner.clone());
            async move {
                let (tx, rx) = tokio::sync::mpsc::channel(4);
                tx.send(app::store::ImportBatch::Events(batch))
                    .await
                    .unwrap();
                tx.send(app::store::ImportBatch::End {
                    rows_read: 2,
                    invalid: 0,
                    report_json: "{}".into(),
                })
                .await
                .unwrap();
                let meta = app::store::NewImport {
                    id: id.into(),
                    source: Source::DisabledPersons,
                    file_hash: id.into(),
                    file_name: "f.csv".into(),
                    encoding: "UTF-8".into(),
                    created_by: owner.clone(),
                    now: 7,
                    region: region("62"),
                    rules: app::domain::monitoring::example_rules(),
                    today: day("2026-11-26"),
                };
                let r = store.import_records(meta, rx).await.unwrap();
                (r.new_records, r.matched, r.warnings)
            }
        };
        assert_eq!(import("imp-seal-1").await, (2, 2, 0));
        assert_eq!(clear("SELECT record FROM person_events").await, 0);
        assert_eq!(clear("SELECT record_key FROM person_events").await, 0);
        let events_in_clear = || {
            let db = sql.db().clone();
            async move {
                query(
                    "SELECT COUNT(*) AS n FROM person_events WHERE record IS NULL OR source <> '' \
                     OR event <> '' OR event_on <> '' OR grade IS NOT NULL OR detail <> '' \
                     OR record_key LIKE '%disab%'",
                )
                .fetch_one(&db)
                .await
                .unwrap()
                .get::<i64, _>("n")
                .unwrap()
            }
        };
        assert_eq!(events_in_clear().await, 0);

        // As an older version left them: in clear, without search keys.
        // Department records: whole in clear columns (the first as before field encryption,
        // the second's detail sealed alone, as `field_encryption_v2` left it), keyed by that
        // text with the ID number in clear.
        query("DELETE FROM person_events")
            .execute(sql.db())
            .await
            .unwrap();
        let head = id_of("ID-SEAL");
        for (i, c) in certificates.iter().enumerate() {
            let detail = if i == 0 {
                c.detail.clone()
            } else {
                cipher.seal("person_events.detail", &c.detail)
            };
            query(
                "INSERT INTO person_events (record_key, source, id_number, event, event_on, \
                 grade, amount, detail, import_id) VALUES ($1, 'disabled_persons', $2, \
                 'disability_certified', $3, 3, NULL, $4, 'imp-seal-1')",
            )
            .bind(c.key())
            .bind(head.as_str())
            .bind(c.date.to_string())
            .bind(detail)
            .execute(sql.db())
            .await
            .unwrap();
        }
        assert_eq!(events_in_clear().await, 2);
        query("UPDATE applications SET declaration = $1")
            .bind(declaration)
            .execute(sql.db())
            .await
            .unwrap();
        query("UPDATE drafts SET data = $1")
            .bind(declaration)
            .execute(sql.db())
            .await
            .unwrap();
        query("DELETE FROM application_keys")
            .execute(sql.db())
            .await
            .unwrap();
        query(r#"UPDATE home_visits SET record = '{"living":"孙有福腰伤"}'"#)
            .execute(sql.db())
            .await
            .unwrap();
        query("UPDATE emergency_aid SET person_name = '孙有福', situation = '孙有福突发重病'")
            .execute(sql.db())
            .await
            .unwrap();
        query("UPDATE charities SET contact_name = '孙有福', contact_phone = '13700000001'")
            .execute(sql.db())
            .await
            .unwrap();
        query("UPDATE warnings SET trigger_facts = $1")
            .bind(facts)
            .execute(sql.db())
            .await
            .unwrap();
        // The application's timeline notes (a decision's reasons, a request for information).
        query("UPDATE application_events SET note = '孙有福 需补充病历'")
            .execute(sql.db())
            .await
            .unwrap();
        let timeline: i64 = query("SELECT COUNT(*) AS n FROM application_events")
            .fetch_one(sql.db())
            .await
            .unwrap()
            .get("n")
            .unwrap();
        assert!(timeline >= 2, "submitted and accepted");
        // ID numbers in clear where they join tables, without the sealed copies.
        let heads = [id_of("ID-SEAL"), id_of("210102198001010011")];
        for head in &heads {
            for stmt in [
                "UPDATE persons SET id_number = $1 WHERE id_number = $2",
                "UPDATE households SET head_id_number = $1, head_id_sealed = NULL \
                 WHERE head_id_number = $2",
                "UPDATE applications SET head_id_number = $1, head_id_sealed = NULL \
                 WHERE head_id_number = $2",
                "UPDATE application_members SET id_number = $1, id_sealed = NULL \
                 WHERE id_number = $2",
                "UPDATE users SET bound_head_id_number = $1 WHERE bound_head_id_number = $2",
            ] {
                query(stmt)
                    .bind(head.as_str())
                    .bind(cipher.id_key(head.as_str()))
                    .execute(sql.db())
                    .await
                    .unwrap();
            }
        }
        let clear_ids = || {
            let db = sql.db().clone();
            async move {
                let mut n = 0;
                for (table, column) in [
                    ("persons", "id_number"),
                    ("households", "head_id_number"),
                    ("applications", "head_id_number"),
                    ("application_members", "id_number"),
                    ("open_application_members", "id_number"),
                    ("users", "bound_head_id_number"),
                ] {
                    let c: i64 = query(&format!(
                        "SELECT COUNT(*) AS n FROM {table} WHERE length({column}) = 18"
                    ))
                    .fetch_one(&db)
                    .await
                    .unwrap()
                    .get("n")
                    .unwrap();
                    n += c;
                }
                n
            }
        };
        // Persons and households 2 each (the applicant's and the emergency's), the
        // application, its member and the resident's bound head 1 each.
        assert_eq!(clear_ids().await, 7);
        // The resident's sign-in phone in clear.
        let resident_login = |login: &'static str| {
            let db = sql.db().clone();
            async move {
                query("SELECT COUNT(*) AS n FROM users WHERE login = $1")
                    .bind(login)
                    .fetch_one(&db)
                    .await
                    .unwrap()
                    .get::<i64, _>("n")
                    .unwrap()
            }
        };
        assert_eq!(resident_login("13800000092").await, 0, "kept as its key");
        query("UPDATE users SET login = '13800000092' WHERE id = $1")
            .bind(&owner)
            .execute(sql.db())
            .await
            .unwrap();
        query(
            "UPDATE assessments SET facts = '{\"health\":\"serious_illness\"}', assessment = '{}'",
        )
        .execute(sql.db())
        .await
        .unwrap();
        let assessments: i64 = query("SELECT COUNT(*) AS n FROM assessments")
            .fetch_one(sql.db())
            .await
            .unwrap()
            .get("n")
            .unwrap();
        assert!(assessments >= 1);
        assert_eq!(clear("SELECT declaration FROM applications").await, 1);
        // Read before sealing: an error naming the column, never the content.
        match store.application(&app).await {
            Err(DbError::Other(m)) => {
                assert!(
                    (m.contains("applications.declaration")
                        || m.contains("application_events.note"))
                        && !m.contains("孙有福"),
                    "{m}"
                )
            }
            other => panic!("read as {other:?}"),
        }

        // Also the department records' person (keyed) and the two records (sealed whole), the
        // timeline's notes, and the two households' and the warning's empty notes (sealed like
        // any other).
        assert_eq!(
            sql.seal_existing().await.unwrap(),
            6 + assessments as usize + 8 + 3 + timeline as usize + 3
        );
        assert_eq!(clear("SELECT note FROM application_events").await, 0);
        assert_eq!(events_in_clear().await, 0);
        assert_eq!(clear("SELECT record FROM person_events").await, 0);
        assert_eq!(
            import("imp-seal-2").await,
            (0, 2, 0),
            "the records converted are the same records: a file imported again adds nothing"
        );
        assert_eq!(clear_ids().await, 0);
        assert_eq!(resident_login("13800000092").await, 0);
        let found = store.user_by_login("13800000092").await.unwrap().unwrap();
        assert_eq!(found.id, owner, "signs in with the same phone");
        assert_eq!(sql.seal_existing().await.unwrap(), 0, "once");
        assert_eq!(clear("SELECT declaration FROM applications").await, 0);
        assert_eq!(clear("SELECT data FROM drafts").await, 0);
        let record = store.application(&app).await.unwrap().unwrap();
        assert_eq!(record.declaration_json, declaration);
        assert!(record.events.iter().all(|e| e.note == "孙有福 需补充病历"));
        assert_eq!(clear("SELECT record FROM home_visits").await, 0);
        assert_eq!(clear("SELECT situation FROM emergency_aid").await, 0);
        let visits = store
            .household_visits(record.household_id.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(visits[0].record_json, r#"{"living":"孙有福腰伤"}"#);
        assert_eq!(clear("SELECT contact_name FROM charities").await, 0);
        let contact = store.charity("charity-seal").await.unwrap().unwrap();
        assert_eq!(
            (
                contact.contact_name.as_str(),
                contact.contact_phone.as_str()
            ),
            ("孙有福", "13700000001"),
            "opened after sealing"
        );
        assert_eq!(clear("SELECT trigger_facts FROM warnings").await, 0);
        assert_eq!(warning().await, facts, "opened after sealing");
        let back = store.emergency("emergency-seal").await.unwrap().unwrap();
        assert_eq!(
            (back.person_name.as_str(), back.situation.as_str()),
            ("孙有福", "孙有福突发重病")
        );
        let assessment = store.latest_assessment(&app).await.unwrap().unwrap();
        assert_eq!(
            assessment.stored.facts_json,
            "{\"health\":\"serious_illness\"}"
        );
        let clear_facts = query("SELECT facts FROM assessments")
            .fetch_all(sql.db())
            .await
            .unwrap();
        for r in &clear_facts {
            let (facts,): (String,) = r.decode().unwrap();
            assert!(!facts.contains("serious_illness"));
        }
        let household = store
            .household_summary(record.household_id.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            household.head_id_number,
            id_of("ID-SEAL"),
            "opened from its sealed copy"
        );
        let by_head = app::store::HouseholdQuery {
            id_number: Some(id_of("ID-SEAL").as_str().into()),
            ..app::store::HouseholdQuery::within(region("62"), 5)
        };
        assert_eq!(store.search_households(by_head).await.unwrap().len(), 1);
        for q in [
            app::store::HouseholdQuery {
                name: Some("孙有福".into()),
                ..app::store::HouseholdQuery::within(region("62"), 5)
            },
            app::store::HouseholdQuery {
                name: Some("有福".into()),
                ..app::store::HouseholdQuery::within(region("62"), 5)
            },
            app::store::HouseholdQuery {
                id_number: Some("ID-SEAL".into()),
                ..app::store::HouseholdQuery::within(region("62"), 5)
            },
        ] {
            assert_eq!(
                store.search_households(q.clone()).await.unwrap().len(),
                1,
                "{q:?}"
            );
        }
        let nobody = app::store::HouseholdQuery {
            name: Some("孙".into()),
            ..app::store::HouseholdQuery::within(region("62"), 5)
        };
        assert!(store.search_households(nobody).await.unwrap().is_empty());
    }
}

conformance!(
    verification_codes_hold_their_interval_and_daily_caps,
    |store| {
        use app::store::{CodeOutcome, NewCode};
        let minute = 60_000;
        let code = |phone: &str, client: &str, at: i64| NewCode {
            phone: phone.into(),
            code_hash: format!("h{at}"),
            client: client.into(),
            issued_at: at,
            expires_at: at + 10 * minute,
            not_after: at - minute,
            per_phone_per_day: 3,
            per_client_per_day: 5,
        };
        let t0 = 1_800_000_000_000;
        let put = |c: NewCode| {
            let store = store.clone();
            async move { store.put_verification_code(c).await.unwrap() }
        };
        assert_eq!(
            put(code("13900000001", "192.0.2.1", t0)).await,
            CodeOutcome::Stored
        );
        assert_eq!(
            put(code("13900000001", "192.0.2.1", t0 + 30_000)).await,
            CodeOutcome::TooSoon
        );
        // Spent by five wrong guesses: the time it was sent still counts.
        for _ in 0..5 {
            assert!(!store
                .consume_verification_code("13900000001", "wrong", t0 + 1_000)
                .await
                .unwrap());
        }
        assert!(!store
            .consume_verification_code("13900000001", &format!("h{t0}"), t0 + 2_000)
            .await
            .unwrap());
        assert_eq!(
            put(code("13900000001", "192.0.2.1", t0 + 50_000)).await,
            CodeOutcome::TooSoon
        );
        // Three a day to one phone, whatever the address.
        for (i, client) in ["192.0.2.2", "192.0.2.3"].iter().enumerate() {
            let at = t0 + (i as i64 + 1) * 2 * minute;
            assert_eq!(
                put(code("13900000001", client, at)).await,
                CodeOutcome::Stored
            );
        }
        assert_eq!(
            put(code("13900000001", "192.0.2.4", t0 + 10 * minute)).await,
            CodeOutcome::DailyCap
        );
        // A refused code leaves the last one usable.
        assert!(store
            .consume_verification_code(
                "13900000001",
                &format!("h{}", t0 + 4 * minute),
                t0 + 11 * minute
            )
            .await
            .unwrap());
        // A day later the phone may have codes again.
        assert_eq!(
            put(code("13900000001", "192.0.2.4", t0 + 24 * 60 * minute + 1)).await,
            CodeOutcome::Stored
        );
        // Five a day from one address, whatever the phones.
        for i in 0..5 {
            let phone = format!("1390000010{i}");
            assert_eq!(
                put(code(&phone, "198.51.100.9", t0)).await,
                CodeOutcome::Stored
            );
        }
        assert_eq!(
            put(code("13900000199", "198.51.100.9", t0)).await,
            CodeOutcome::DailyCap
        );
    }
);

// Aid to a person whose identity is not known: one row per id however often it is sent, read
// back opened, listed for the region's subtree only, newest first.
conformance!(
    unidentified_aid_is_kept_once_and_listed_by_region,
    |store| {
        use app::store::NewUnidentifiedAid;
        let a = user(&store, "13800000101").await;
        let aid = |id: &str, region_code: &str, now: i64| NewUnidentifiedAid {
            id: id.into(),
            region_code: region(region_code),
            name: String::new(),
            description: "女，约三十岁，红色外套".into(),
            situation: "走失，身无分文".into(),
            amount: Money::from_fen(20_000),
            advance: true,
            documents_due: Some(day("2026-12-31")),
            conference: String::new(),
            actor_id: a.clone(),
            now,
        };
        let first = store
            .record_unidentified_aid(aid("u-1", "620702100201", 10))
            .await
            .unwrap();
        let again = store
            .record_unidentified_aid(aid("u-1", "620702100201", 11))
            .await
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(
            (
                first.description.as_str(),
                first.amount,
                first.documents_due
            ),
            (
                "女，约三十岁，红色外套",
                Money::from_fen(20_000),
                Some(day("2026-12-31"))
            )
        );
        store
            .record_unidentified_aid(aid("u-2", "620702100202", 20))
            .await
            .unwrap();
        store
            .record_unidentified_aid(aid("u-3", "620102000000", 30))
            .await
            .unwrap();
        let ids = |list: Vec<app::store::UnidentifiedAidRecord>| {
            list.into_iter().map(|a| a.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(store
                .unidentified_aid_in(&region("620702"), 10)
                .await
                .unwrap()),
            vec!["u-2", "u-1"]
        );
        assert_eq!(
            ids(store
                .unidentified_aid_in(&region("620702"), 1)
                .await
                .unwrap()),
            vec!["u-2"]
        );
        assert_eq!(
            ids(store
                .unidentified_aid_in(&region("6201"), 10)
                .await
                .unwrap()),
            vec!["u-3"]
        );
    }
);

conformance!(
    rosters_read_a_region_page_by_page_with_the_decision_in_force,
    |store| {
        use app::domain::policy::assess::Category;
        const DECIDED_AT: i64 = 1_796_184_000_000;
        use app::domain::status::ApplicationStatus as S;
        use app::store::{ApplicationRosterQuery, HouseholdRosterQuery, WarningRosterQuery};
        let a = user(&store, "13800000091").await;
        let mut numbers = Vec::new();
        for (i, category) in [Category::Dibao, Category::DibaoMarginal, Category::Dibao]
            .into_iter()
            .enumerate()
        {
            let d = store.current_draft(&a, "{}", 1).await.unwrap();
            let head = format!("ID-R{i}");
            let n = number(
                store
                    .submit_application(submission(&a, &d.id, &[head.as_str()]))
                    .await
                    .unwrap(),
            );
            store.accept_application(&n, &a, true, 3).await.unwrap();
            store
                .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
                .await
                .unwrap();
            let mut dec = decision(&a, "2026-12-02");
            dec.category = category;
            dec.monthly_amount = Money::from_fen(10_000 * (i as i64 + 1));
            // Decided on 2 December 2026 (12:00 in China); the first one decided again after an
            // objection during its notice (counted once, by its latest decision).
            if i == 0 {
                store.decide(&n, dec.clone(), DECIDED_AT - 1).await.unwrap();
                store
                    .change_status(&n, &[S::Publicising], S::Reviewing, &a, "", 5)
                    .await
                    .unwrap();
            }
            store.decide(&n, dec, DECIDED_AT).await.unwrap();
            store
                .finalize(&n, &a, "", day("2026-12-03"), 6)
                .await
                .unwrap();
            numbers.push(n);
        }
        // One more, only submitted: an application, no household yet.
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let waiting = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-R9"]))
                .await
                .unwrap(),
        );
        let households = |category, after, limit| HouseholdRosterQuery {
            region: region("620702000000"),
            category,
            standing: None,
            residence: None,
            flow: None,
            after,
            limit,
        };
        let first = store
            .roster_households(households(None, None, 2))
            .await
            .unwrap();
        assert_eq!(first.len(), 2);
        let rest = store
            .roster_households(households(None, Some(first[1].id.clone()), 2))
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        let all: Vec<_> = first.iter().chain(rest.iter()).collect();
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "keyset order");
        for h in &all {
            assert_eq!(h.declaration_json.as_deref(), Some("{}"), "opened");
            assert!(h.latest_number.is_some() && h.effective_from.is_some());
        }
        let mut amounts: Vec<i64> = all
            .iter()
            .map(|h| h.monthly_amount.unwrap().fen())
            .collect();
        amounts.sort();
        assert_eq!(amounts, [10_000, 20_000, 30_000]);
        let dibao = store
            .roster_households(households(Some(Category::Dibao), None, 10))
            .await
            .unwrap();
        assert_eq!(dibao.len(), 2);
        assert!(dibao.iter().all(|h| h.category == Some(Category::Dibao)));
        let marginal = store
            .roster_households(households(Some(Category::DibaoMarginal), None, 10))
            .await
            .unwrap();
        assert_eq!(marginal.len(), 1);
        assert_eq!(marginal[0].monthly_amount, Some(Money::from_fen(20_000)));
        let elsewhere = store
            .roster_households(HouseholdRosterQuery {
                region: region("620100000000"),
                ..households(None, None, 10)
            })
            .await
            .unwrap();
        assert!(elsewhere.is_empty());
        // By what happened in a span of months: all three took effect in December 2026.
        use app::domain::payments::Month;
        use app::domain::roster::{Flow, MonthSpan};
        let span = |from: &str, to: &str| {
            MonthSpan::new(Month::parse(from).unwrap(), Month::parse(to).unwrap()).unwrap()
        };
        let flow = |f, s| HouseholdRosterQuery {
            flow: Some((f, s)),
            ..households(None, None, 10)
        };
        let entered = |s| store.roster_households(flow(Flow::Entered, s));
        assert_eq!(entered(span("2026-12", "2026-12")).await.unwrap().len(), 3);
        assert_eq!(entered(span("2026-10", "2026-11")).await.unwrap().len(), 0);
        assert_eq!(entered(span("2027-01", "2027-01")).await.unwrap().len(), 0);
        let exited = store
            .roster_households(flow(Flow::Exited, span("2000-01", "2030-12")))
            .await
            .unwrap();
        assert!(exited.is_empty(), "none has left");

        let applications = |status, after| ApplicationRosterQuery {
            region: region("620702000000"),
            status,
            decided: None,
            after,
            limit: 3,
        };
        // Decided in December 2026, not in November.
        let decided = |s| ApplicationRosterQuery {
            decided: Some(s),
            limit: 10,
            ..applications(None, None)
        };
        let in_december = store
            .roster_applications(decided(span("2026-12", "2026-12")))
            .await
            .unwrap();
        let mut in_december: Vec<String> = in_december.into_iter().map(|r| r.number).collect();
        in_december.sort();
        let mut decided_numbers = numbers.clone();
        decided_numbers.sort();
        assert_eq!(
            in_december, decided_numbers,
            "the one only submitted is not decided"
        );
        let counted: i64 = store
            .statistics_base(day("2026-12-06"))
            .await
            .unwrap()
            .iter()
            .filter(|f| f.measure == app::store::Measure::Decided)
            .map(|f| f.n)
            .sum();
        assert_eq!(
            counted, 3,
            "each application once, though one was decided twice"
        );
        assert!(store
            .roster_applications(decided(span("2026-11", "2026-11")))
            .await
            .unwrap()
            .is_empty());
        let page = store
            .roster_applications(applications(None, None))
            .await
            .unwrap();
        assert_eq!(page.len(), 3);
        let more = store
            .roster_applications(applications(None, Some(page[2].number.clone())))
            .await
            .unwrap();
        assert_eq!(more.len(), 1);
        let mut seen: Vec<String> = page.iter().chain(&more).map(|r| r.number.clone()).collect();
        let mut expected = numbers.clone();
        expected.push(waiting.clone());
        seen.sort();
        expected.sort();
        assert_eq!(seen, expected);
        let submitted = store
            .roster_applications(applications(Some(S::Submitted), None))
            .await
            .unwrap();
        assert_eq!(submitted.len(), 1);
        assert_eq!(submitted[0].number, waiting);
        assert_eq!(submitted[0].category, None);
        assert_eq!(submitted[0].declaration_json, "{}");
        let approved = store
            .roster_applications(applications(Some(S::Approved), None))
            .await
            .unwrap();
        assert!(approved.iter().all(|r| r.category.is_some()));
        let warnings = store
            .roster_warnings(WarningRosterQuery {
                region: region("620702000000"),
                status: None,
                level: None,
                origin: None,
                visit: None,
                today: day("2026-12-06"),
                raised: None,
                after: None,
                limit: 10,
            })
            .await
            .unwrap();
        assert!(warnings.is_empty());

        // Charity needs: by form, state and the months they were closed in (their township's).
        use app::domain::charity::{NeedSource, NeedState, SupplyForm};
        use app::store::{CharityRosterQuery, NewNeed};
        assert!(store
            .add_need(NewNeed {
                id: "need-roster-1".into(),
                household_id: all[0].id.clone(),
                source: NeedSource::Caseworker,
                source_ref: "need-roster-1".into(),
                kind: app::domain::declaration::HelpKind::Education,
                form: SupplyForm::Goods,
                amount: 2,
                urgency: 3,
                township: region("620702100000"),
                category: None,
                covering_aid: Some(app::domain::chain::AidKind::Education),
                note: String::new(),
                created_by: a.clone(),
                now: DECIDED_AT,
            })
            .await
            .unwrap());
        store
            .close_need(
                "need-roster-1",
                &region("620702000000"),
                NeedState::NoLongerNeeded,
                &a,
                DECIDED_AT + 1,
            )
            .await
            .unwrap();
        let needs = |form, status, closed| CharityRosterQuery {
            region: region("620702000000"),
            form,
            status,
            closed,
            after: None,
            limit: 10,
        };
        let closed = store
            .roster_charity(needs(
                Some(SupplyForm::Goods),
                Some(NeedState::NoLongerNeeded),
                Some(span("2026-12", "2026-12")),
            ))
            .await
            .unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].household_id, all[0].id);
        assert_eq!(closed[0].township.as_str(), "620702100000");
        assert_eq!(closed[0].declaration_json.as_deref(), Some("{}"));
        for q in [
            needs(None, Some(NeedState::Met), None),
            needs(Some(SupplyForm::Funds), None, None),
            needs(None, None, Some(span("2026-11", "2026-11"))),
            CharityRosterQuery {
                region: region("620702200000"),
                ..needs(None, None, None)
            },
        ] {
            assert!(store.roster_charity(q).await.unwrap().is_empty());
        }
    }
);

conformance!(
    a_roll_is_approved_by_a_second_person_pays_each_month_once_and_takes_the_banks_answers,
    |store| {
        use app::domain::payments::{pay_line, Month};
        use app::domain::status::ApplicationStatus as S;
        use app::store::{BankAnswer, BankStatus, LineFilter, NewRoll, RollStatus};
        let a = user(&store, "13800000092").await;
        let b = user(&store, "13800000093").await;
        let mut households = Vec::new();
        for i in 0..2 {
            let d = store.current_draft(&a, "{}", 1).await.unwrap();
            let head = format!("ID-P{i}");
            let n = number(
                store
                    .submit_application(submission(&a, &d.id, &[head.as_str()]))
                    .await
                    .unwrap(),
            );
            store.accept_application(&n, &a, true, 3).await.unwrap();
            store
                .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
                .await
                .unwrap();
            store
                .decide(&n, decision(&a, "2026-12-02"), 5)
                .await
                .unwrap();
            store
                .finalize(&n, &a, "", day("2026-12-03"), 6)
                .await
                .unwrap();
            households.push(
                store
                    .application(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .household_id
                    .unwrap(),
            );
        }
        households.sort();
        let county = region("620702000000");
        let inputs = store.pay_inputs(&county, None, 1).await.unwrap();
        assert_eq!(inputs.len(), 1, "a page");
        let rest = store
            .pay_inputs(&county, Some(inputs[0].household_id.clone()), 10)
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(inputs[0].monthly, Money::from_fen(41_000));
        assert_eq!(inputs[0].paid_through, None);
        let prepare = |m: &str, id: &str| {
            let store = store.clone();
            let (m, id, a) = (Month::parse(m).unwrap(), id.to_string(), a.clone());
            async move {
                let first = store
                    .first_frozen_month(&region("620702000000"))
                    .await
                    .unwrap();
                let lines: Vec<_> = store
                    .pay_inputs(&region("620702000000"), None, 100)
                    .await
                    .unwrap()
                    .iter()
                    .filter_map(|i| pay_line(i, m, first))
                    .collect();
                store
                    .save_roll(
                        NewRoll {
                            id,
                            county: region("620702100201"),
                            month: m,
                            prepared_by: a,
                            now: 10,
                        },
                        &lines,
                    )
                    .await
            }
        };
        prepare("2026-12", "roll-dec-draft").await.unwrap();
        // Prepared again: the draft is replaced.
        prepare("2026-12", "roll-dec").await.unwrap();
        assert!(store.roll("roll-dec-draft").await.unwrap().is_none());
        let roll = store.roll("roll-dec").await.unwrap().unwrap();
        assert_eq!(
            (
                roll.status,
                roll.households,
                roll.total,
                roll.county.as_str()
            ),
            (
                RollStatus::Prepared,
                2,
                Money::from_fen(82_000),
                "620702000000"
            )
        );
        let totals = store.roll_totals("roll-dec").await.unwrap();
        assert_eq!(totals.len(), 1);
        assert_eq!(
            (totals[0].households, totals[0].amount),
            (2, Money::from_fen(82_000))
        );
        // Two people: the preparer cannot approve.
        assert!(matches!(
            store.approve_roll("roll-dec", &a, 11).await,
            Err(DbError::Conflict("same_person"))
        ));
        // The bank answers only a frozen roll.
        assert!(matches!(
            store.record_bank_return("roll-dec", &[], 11).await,
            Err(DbError::Conflict("roll_state"))
        ));
        // January prepared before December is approved: it is out of date once December is.
        prepare("2027-01", "roll-jan").await.unwrap();
        store.approve_roll("roll-dec", &b, 12).await.unwrap();
        let roll = store.roll("roll-dec").await.unwrap().unwrap();
        assert_eq!(roll.status, RollStatus::Approved);
        assert_eq!(roll.approved_by.as_deref(), Some(b.as_str()));
        assert!(matches!(
            store.approve_roll("roll-dec", &b, 13).await,
            Err(DbError::Conflict("roll_state"))
        ));
        assert!(matches!(
            prepare("2026-12", "roll-dec-again").await,
            Err(DbError::Conflict("roll_frozen"))
        ));
        assert!(matches!(
            store.approve_roll("roll-jan", &b, 13).await,
            Err(DbError::Conflict("roll_stale"))
        ));
        let paid = store.pay_inputs(&county, None, 10).await.unwrap();
        assert!(paid
            .iter()
            .all(|i| i.paid_through == Month::parse("2026-12")));
        assert_eq!(
            store.first_frozen_month(&county).await.unwrap(),
            Month::parse("2026-12")
        );
        // January again: one month each, nothing twice.
        prepare("2027-01", "roll-jan").await.unwrap();
        let jan = store.roll("roll-jan").await.unwrap().unwrap();
        assert_eq!(jan.total, Money::from_fen(82_000));
        store.approve_roll("roll-jan", &b, 14).await.unwrap();

        // The bank: one paid, one failed, one reference it made up.
        let outcome = store
            .record_bank_return(
                "roll-dec",
                &[
                    BankAnswer {
                        household_id: households[0].clone(),
                        status: BankStatus::Paid,
                        reason: String::new(),
                    },
                    BankAnswer {
                        household_id: "nobody".into(),
                        status: BankStatus::Paid,
                        reason: String::new(),
                    },
                ],
                15,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                outcome.matched,
                outcome.unknown.clone(),
                outcome.unanswered,
                outcome.reconciled
            ),
            (1, vec!["nobody".to_string()], 1, false)
        );
        assert_eq!(outcome.paid, Money::from_fen(41_000));
        let outcome = store
            .record_bank_return(
                "roll-dec",
                &[BankAnswer {
                    household_id: households[1].clone(),
                    status: BankStatus::Failed,
                    reason: "账户已销户".into(),
                }],
                16,
            )
            .await
            .unwrap();
        assert!(outcome.reconciled);
        assert_eq!(
            (outcome.paid, outcome.failed),
            (Money::from_fen(41_000), Money::from_fen(41_000))
        );
        assert_eq!(
            store.roll("roll-dec").await.unwrap().unwrap().status,
            RollStatus::Reconciled
        );
        let failed = store
            .roll_lines("roll-dec", LineFilter::Failed, None, 10)
            .await
            .unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].line.household_id, households[1]);
        assert_eq!(
            failed[0].bank,
            Some((BankStatus::Failed, "账户已销户".to_string()))
        );
        let history = store.household_payments(&households[1]).await.unwrap();
        assert_eq!(
            history
                .iter()
                .map(|(m, _)| m.to_string())
                .collect::<Vec<_>>(),
            ["2027-01", "2026-12"]
        );
        assert_eq!(store.rolls(&county, 10).await.unwrap().len(), 2);
    }
);

conformance!(
    a_township_reserve_never_goes_below_zero_under_concurrent_spends,
    |store| {
        use app::domain::reserve::{reconcile, ReserveKind};
        let a = user(&store, "13800000094").await;
        let township = region("620702100000");
        // No reserve: a spend finds none (advance aid there is not paid from one).
        assert!(matches!(
            store
                .reserve_spend(&township, Money::from_fen(100), None, &a, 1)
                .await,
            Err(DbError::NotFound)
        ));
        assert_eq!(
            store
                .reserve_credit(
                    &township,
                    ReserveKind::Allocation,
                    Money::from_fen(50_000),
                    "2026年度下拨",
                    &a,
                    10
                )
                .await
                .unwrap(),
            Money::from_fen(50_000)
        );
        assert!(matches!(
            store
                .reserve_credit(
                    &township,
                    ReserveKind::Spend,
                    Money::from_fen(1),
                    "",
                    &a,
                    11
                )
                .await,
            Err(DbError::Conflict("reserve_amount"))
        ));
        // Ten spends of 70 yuan at once against 500 yuan: seven are paid, three refused, and the
        // balance is what is left, never below zero.
        let spends = (0..10).map(|i| {
            let (store, township, a) = (store.clone(), township.clone(), a.clone());
            tokio::spawn(async move {
                store
                    .reserve_spend(
                        &township,
                        Money::from_fen(7_000),
                        Some(&format!("e{i}")),
                        &a,
                        20 + i,
                    )
                    .await
            })
        });
        let results: Vec<_> = futures_util::future::join_all(spends)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        let paid = results.iter().filter(|r| r.is_ok()).count();
        let short = results
            .iter()
            .filter(|r| matches!(r, Err(DbError::Conflict("reserve_short"))))
            .count();
        assert_eq!((paid, short), (7, 3), "{results:?}");
        let balances = store
            .reserve_balances(&region("620702000000"))
            .await
            .unwrap();
        assert_eq!(balances.len(), 1);
        assert_eq!(balances[0].balance, Money::from_fen(1_000));
        store
            .reserve_credit(
                &township,
                ReserveKind::TopUp,
                Money::from_fen(20_000),
                "追加",
                &a,
                40,
            )
            .await
            .unwrap();
        // The month's entries reconcile: 500 allocated, 200 topped up, 490 spent, 210 left.
        let (opening, entries) = store.reserve_entries(&township, 0, 1_000).await.unwrap();
        assert_eq!(opening, Money::from_fen(0));
        assert_eq!(entries.len(), 9);
        let month = reconcile(opening, &entries);
        assert!(month.consistent, "{month:?}");
        assert_eq!(
            (
                month.allocated,
                month.topped_up,
                month.spent,
                month.spends,
                month.closing
            ),
            (
                Money::from_fen(50_000),
                Money::from_fen(20_000),
                Money::from_fen(49_000),
                7,
                Money::from_fen(21_000)
            )
        );
        // A later window opens with the balance before it.
        let (opening, later) = store.reserve_entries(&township, 30, 1_000).await.unwrap();
        assert_eq!((opening, later.len()), (Money::from_fen(1_000), 1));
    }
);

conformance!(
    statistics_are_counted_per_region_and_month_rolled_up_and_replaced_whole,
    |store| {
        use app::domain::payments::{pay_line, Month};
        use app::domain::statistics::{by_k1, roll_up, total, Measure};
        use app::domain::status::ApplicationStatus as S;
        use app::store::NewRoll;
        let a = user(&store, "13800000094").await;
        let b = user(&store, "13800000095").await;
        // 2026-12-01 00:30 in China (2026-11-30 16:30 UTC): December's decision, not November's.
        let decided_at = 1_796_056_200_000;
        let mut households = Vec::new();
        for i in 0..2 {
            let d = store.current_draft(&a, "{}", 1).await.unwrap();
            let head = format!("ID-S{i}");
            let member = format!("ID-S{i}-2");
            let n = number(
                store
                    .submit_application(submission(&a, &d.id, &[head.as_str(), member.as_str()]))
                    .await
                    .unwrap(),
            );
            store.accept_application(&n, &a, true, 3).await.unwrap();
            store
                .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
                .await
                .unwrap();
            store
                .decide(&n, decision(&a, "2026-12-02"), decided_at)
                .await
                .unwrap();
            store
                .finalize(&n, &a, "", day("2026-12-03"), 6)
                .await
                .unwrap();
            households.push(
                store
                    .application(&n)
                    .await
                    .unwrap()
                    .unwrap()
                    .household_id
                    .unwrap(),
            );
        }
        // December's roll, approved by a second person: paid.
        let county = region("620702000000");
        let dec = Month::parse("2026-12").unwrap();
        let lines: Vec<_> = store
            .pay_inputs(&county, None, 100)
            .await
            .unwrap()
            .iter()
            .filter_map(|i| pay_line(i, dec, None))
            .collect();
        store
            .save_roll(
                NewRoll {
                    id: "roll-stats".into(),
                    county: county.clone(),
                    month: dec,
                    prepared_by: a.clone(),
                    now: 10,
                },
                &lines,
            )
            .await
            .unwrap();
        store.approve_roll("roll-stats", &b, 11).await.unwrap();
        // Annual reviews: one done the day before it was due, one overdue and not done.
        use app::domain::cycle::TaskKind;
        for (h, due) in [
            (&households[0], "2026-12-05"),
            (&households[1], "2026-12-01"),
        ] {
            store
                .add_task(app::store::NewTask {
                    kind: TaskKind::AnnualReview,
                    household_id: h.clone(),
                    region_code: region("620702100201"),
                    subject: h.clone(),
                    due_on: day(due),
                    note: String::new(),
                    now: 12,
                })
                .await
                .unwrap();
        }
        let tasks = store.tasks(&county, true).await.unwrap();
        let on_time = tasks
            .iter()
            .find(|t| t.due_on == day("2026-12-05"))
            .unwrap()
            .id;
        // 2026-12-04 12:00 in China.
        store
            .complete_task(on_time, &county, &a, "", 1_796_356_800_000)
            .await
            .unwrap();
        // The second household leaves on 2026-12-05 (China): exited in December.
        store
            .exit_household(
                &households[1],
                "income_above",
                day("2026-12-31"),
                &a,
                1_796_443_200_000,
            )
            .await
            .unwrap();

        let base = store.statistics_base(day("2026-12-10")).await.unwrap();
        let figures = roll_up(base);
        store.replace_statistics(&figures, 100, 7).await.unwrap();
        assert_eq!(store.statistics_refreshed().await.unwrap(), (100, 7));
        let year = (Month::parse("2026-01").unwrap(), dec);
        for at in [
            "620702100201",
            "620702100000",
            "620702000000",
            "620700000000",
            "620000000000",
        ] {
            let f = store.statistics(&region(at), year.0, year.1).await.unwrap();
            // One household of two persons still in assistance, urban/rural not recorded.
            assert_eq!(
                by_k1(&f, Measure::Households, year.0, year.1),
                vec![("dibao".to_string(), 1, 2)],
                "{at}"
            );
            assert_eq!(total(&f, Measure::Exited, dec, dec).0, 1, "{at}");
            assert_eq!(total(&f, Measure::Reviews, dec, dec), (2, 1), "{at}");
            assert_eq!(total(&f, Measure::Entered, year.0, year.1).0, 2, "{at}");
            assert_eq!(
                by_k1(&f, Measure::Applications, year.0, year.1),
                vec![("approved".to_string(), 2, 0)]
            );
            // Decided in December in China's time.
            assert_eq!(total(&f, Measure::Decided, dec, dec).0, 2, "{at}");
            assert_eq!(
                by_k1(&f, Measure::Paid, dec, dec),
                vec![("dibao".to_string(), 2, 82_000)]
            );
            assert_eq!(
                by_k1(&f, Measure::PaidFund, dec, dec),
                vec![("dibao".to_string(), 2, 82_000)]
            );
        }
        // November holds nothing; another county nothing at all.
        let nov = Month::parse("2026-11").unwrap();
        let f = store.statistics(&county, nov, nov).await.unwrap();
        assert_eq!(total(&f, Measure::Decided, nov, nov).0, 0);
        assert_eq!(
            total(&f, Measure::Households, nov, nov).0,
            1,
            "a current count"
        );
        assert_eq!(total(&f, Measure::Exited, nov, nov).0, 0);
        assert!(store
            .statistics(&region("620724000000"), year.0, year.1)
            .await
            .unwrap()
            .is_empty());
        // The regions below: one township below the county, one village below it.
        let below = store
            .statistics_of_children(&county, &[Measure::Households], year.0, year.1)
            .await
            .unwrap();
        assert!(below
            .iter()
            .all(|f| f.region.as_str() == "620702100000" && f.measure == Measure::Households));
        assert_eq!(total(&below, Measure::Households, year.0, year.1), (1, 2));
        let below = store
            .statistics_of_children(&region("620702100000"), &[Measure::Paid], dec, dec)
            .await
            .unwrap();
        assert_eq!(
            below
                .iter()
                .map(|f| (f.region.as_str(), f.amount))
                .collect::<Vec<_>>(),
            vec![("620702100201", 82_000)]
        );
        // Refreshes running at once queue; the figures are one refresh's, whole.
        let (x, y) = (store.clone(), store.clone());
        let (fx, fy) = (figures.clone(), figures.clone());
        let (rx, ry) = tokio::join!(
            async move { x.replace_statistics(&fx, 200, 1).await },
            async move { y.replace_statistics(&fy, 201, 1).await }
        );
        rx.unwrap();
        ry.unwrap();
        let f = store.statistics(&county, year.0, year.1).await.unwrap();
        assert_eq!(total(&f, Measure::Households, year.0, year.1), (1, 2));
        // Replaced by nothing: nothing is left of the earlier refresh.
        store.replace_statistics(&[], 300, 1).await.unwrap();
        assert!(store
            .statistics(&county, year.0, year.1)
            .await
            .unwrap()
            .is_empty());
    }
);

conformance!(
    a_recovery_is_repaid_never_beyond_what_is_owed_and_written_off_by_a_second_person,
    |store| {
        use app::domain::recovery::{RecoveryReason, RecoveryState};
        use app::store::{NewRecovery, RecoveryStep};
        let a = user(&store, "13800000096").await;
        let b = user(&store, "13800000097").await;
        let d = store.current_draft(&a, "{}", 1).await.unwrap();
        let n = number(
            store
                .submit_application(submission(&a, &d.id, &["ID-R0"]))
                .await
                .unwrap(),
        );
        store.accept_application(&n, &a, true, 3).await.unwrap();
        let household = store
            .application(&n)
            .await
            .unwrap()
            .unwrap()
            .household_id
            .unwrap();
        store
            .open_recovery(NewRecovery {
                id: "rc-1".into(),
                household_id: household.clone(),
                region_code: region("620702100201"),
                reason: RecoveryReason::PaidAfterDeath,
                amount: Money::from_fen(10_000),
                decision: "甘民追〔2026〕1号".into(),
                note: "死亡后多发两个月".into(),
                opened_by: a.clone(),
                now: 10,
            })
            .await
            .unwrap();
        // Five repayments of 30 yuan at once on 100 owed: three taken, two refused.
        let mut tasks = Vec::new();
        for i in 0..5 {
            let (store, a) = (store.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .recovery_step(
                        "rc-1",
                        RecoveryStep::Repay {
                            amount: Money::from_fen(3_000),
                            paid_on: day("2026-12-01"),
                        },
                        &a,
                        20 + i,
                    )
                    .await
            }));
        }
        let mut taken = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => taken += 1,
                Err(DbError::Conflict("recovery_more_than_outstanding")) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(taken, 3);
        let case = store.recovery("rc-1").await.unwrap().unwrap();
        assert_eq!(
            (
                case.state,
                case.sums.repaid.fen(),
                case.sums.outstanding().fen()
            ),
            (RecoveryState::Open, 9_000, 1_000)
        );
        assert_eq!(case.repayments.len(), 3);
        assert_eq!(case.note, "死亡后多发两个月");
        // The rest written off: asked by one, approved only by another.
        store
            .recovery_step(
                "rc-1",
                RecoveryStep::AskWriteOff {
                    reason: "户内无其他成员，无力偿还".into(),
                },
                &a,
                30,
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .recovery_step(
                    "rc-1",
                    RecoveryStep::Repay {
                        amount: Money::from_fen(100),
                        paid_on: day("2026-12-02"),
                    },
                    &a,
                    31,
                )
                .await,
            Err(DbError::Conflict("recovery_state"))
        ));
        assert!(matches!(
            store
                .recovery_step(
                    "rc-1",
                    RecoveryStep::DecideWriteOff { approve: true },
                    &a,
                    32
                )
                .await,
            Err(DbError::Conflict("same_person"))
        ));
        let closed = store
            .recovery_step(
                "rc-1",
                RecoveryStep::DecideWriteOff { approve: true },
                &b,
                33,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                closed.state,
                closed.sums.written_off.fen(),
                closed.sums.outstanding().fen(),
                closed.approved_by.as_deref(),
                closed.write_off_reason.as_str()
            ),
            (
                RecoveryState::Closed,
                1_000,
                0,
                Some(b.as_str()),
                "户内无其他成员，无力偿还"
            )
        );
        assert!(matches!(
            store
                .recovery_step(
                    "rc-1",
                    RecoveryStep::AskWriteOff {
                        reason: "x".repeat(5)
                    },
                    &a,
                    34
                )
                .await,
            Err(DbError::Conflict("recovery_state"))
        ));
        assert!(matches!(
            store
                .recovery_step(
                    "rc-none",
                    RecoveryStep::DecideWriteOff { approve: true },
                    &b,
                    35
                )
                .await,
            Err(DbError::NotFound)
        ));
        assert_eq!(store.recoveries_of(&household).await.unwrap().len(), 1);
        // Every step is in the audit trail.
        let trail = store
            .search_audit(&app::store::AuditQuery {
                region: None,
                actor_login: None,
                action: None,
                object: Some("rc-1".into()),
                result: None,
                from: None,
                until: None,
                before_seq: None,
                limit: 50,
            })
            .await
            .unwrap();
        let mut actions: Vec<&str> = trail.iter().map(|l| l.entry.action.as_str()).collect();
        actions.sort();
        assert_eq!(
            actions,
            vec![
                "recovery_open",
                "recovery_repay",
                "recovery_repay",
                "recovery_repay",
                "recovery_write_off_approved",
                "recovery_write_off_asked"
            ]
        );
    }
);

/// Households decided before urban/rural was recorded at each decision (migration 0039) have it
/// read once from their last assessment by the background job; one whose facts name neither is
/// not read again, and a decision since recorded is never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn households_decided_before_residence_was_recorded_have_it_read_once() {
    use app::domain::status::ApplicationStatus as S;
    use app::store::NewAssessment;
    use server::store::dialect::query;
    for backend in backends() {
        eprintln!("backend: {backend}");
        let dir = tempfile::tempdir().unwrap();
        let (_, sql) = crate::helpers::sql_store(backend, dir.path(), FieldCipher::random()).await;
        let store = sql.store();
        let a = user(&store, "13800000095").await;
        let mut numbers = Vec::new();
        for (i, facts) in [
            r#"{"residence":"urban","members":[{"support_mode":"dispersed"},{}]}"#,
            // Assessed before either was asked.
            r#"{"members":[{}]}"#,
        ]
        .into_iter()
        .enumerate()
        {
            let d = store.current_draft(&a, "{}", 1).await.unwrap();
            let head = format!("ID-F{i}");
            let n = number(
                store
                    .submit_application(submission(&a, &d.id, &[head.as_str()]))
                    .await
                    .unwrap(),
            );
            store.accept_application(&n, &a, true, 3).await.unwrap();
            store
                .change_status(&n, &[S::Accepted], S::Visiting, &a, "", 4)
                .await
                .unwrap();
            store
                .add_assessment(
                    &n,
                    "verification",
                    NewAssessment {
                        facts_json: facts.into(),
                        parameters_json: "{}".into(),
                        assessment_json: "{}".into(),
                        categories: cats("dibao"),
                    },
                    &a,
                    4,
                )
                .await
                .unwrap();
            store
                .decide(&n, decision(&a, "2026-12-02"), 5)
                .await
                .unwrap();
            store
                .finalize(&n, &a, "", day("2026-12-03"), 6)
                .await
                .unwrap();
            numbers.push(n);
        }
        let columns = || async {
            let mut v: Vec<(Option<String>, Option<String>, i64)> = Vec::new();
            for r in query(
                "SELECT residence, support_mode, CAST(facts_read AS BIGINT) AS facts_read \
                 FROM households ORDER BY id",
            )
            .fetch_all(sql.db())
            .await
            .unwrap()
            {
                v.push((
                    r.get("residence").unwrap(),
                    r.get("support_mode").unwrap(),
                    r.get("facts_read").unwrap(),
                ));
            }
            v.sort();
            v
        };
        let recorded = vec![
            (None, None, 1),
            (Some("urban".to_string()), Some("dispersed".to_string()), 1),
        ];
        // Recorded at the decision: nothing to read.
        assert_eq!(columns().await, recorded);
        assert_eq!(store.read_missing_facts(10).await.unwrap(), 0);
        // As before migration 0041: nothing recorded, nothing read.
        query("UPDATE households SET residence = NULL, support_mode = NULL, facts_read = 0")
            .execute(sql.db())
            .await
            .unwrap();
        assert_eq!(store.read_missing_facts(1).await.unwrap(), 1);
        assert_eq!(store.read_missing_facts(10).await.unwrap(), 1);
        assert_eq!(store.read_missing_facts(10).await.unwrap(), 0, "once each");
        assert_eq!(columns().await, recorded);
    }
}
