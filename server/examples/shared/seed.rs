//! Shared by `make bench`'s examples (`bench`, `load`): households seeded through plain SQL.

/// Seeds `n` households, each with a submitted application (statuses and help kinds mixed,
/// submitted over two years) and its assessment, in the caseworker's county, through plain
/// SQL in batches: the same statements on both backends.
macro_rules! seed_households {
    ($pool:expr, $n:expr, $owner:expr, $cipher:expr) => {
        seed_households!($pool, $n, $owner, $cipher, None::<(String, String, String)>)
    };
    // `$assessed`: the sealed facts, the parameters and the sealed assessment of one real submission, given to every
    // application (pages that open the assessment need a real one); None: empty records.
    ($pool:expr, $n:expr, $owner:expr, $cipher:expr, $assessed:expr) => {{
        let pool = $pool;
        // Empty drafts and declarations, sealed as the server seals them (once: one value).
        let sealed_draft = $cipher.seal("drafts.data", "{}");
        // A decision's adjustment reason (none), sealed as the server seals every one: a
        // stored reason that is not sealed is refused when read (the household file).
        let sealed_reason = $cipher.seal("decisions.adjustment_reason", "");
        // A head as the server would have one: a valid ID number (order codes 900 and up, which
        // no load-run resident declares), and one real declaration shared by every application.
        let head_of = |k: usize| {
            let born = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("a day")
                + chrono::Days::new((k % 30_000) as u64);
            let first17 = format!("620702{}{:03}", born.format("%Y%m%d"), 900 + k / 30_000);
            format!("{first17}{}", app::domain::id_number::check_char(&first17).expect("17 digits"))
        };
        let declaration = app::domain::declaration::Declaration::parse(
            &server::fuzz::example_declaration(&head_of(0), "梁家墩镇演示村1组"),
            chrono::Utc::now().date_naive(),
        )
        .expect("the example declaration is valid");
        let sealed_declaration = $cipher.seal(
            "applications.declaration",
            &serde_json::to_string(&declaration).expect("a declaration"),
        );
        let (sealed_facts, parameters, sealed_assessment) = $assessed.unwrap_or_else(|| {
            (
                $cipher.seal("assessment.facts", "{}"),
                "{}".to_string(),
                $cipher.seal("assessment.assessment", "{}"),
            )
        });
        let villages: Vec<String> = sqlx::query_scalar("SELECT code FROM regions WHERE code LIKE '620702%' AND length(code) = 12 ORDER BY code")
            .fetch_all(&pool)
            .await?;
        anyhow::ensure!(!villages.is_empty(), "no villages under 620702");
        const STATUSES: [&str; 8] = ["approved", "approved", "approved", "submitted", "accepted", "visiting", "reviewing", "rejected"];
        const HELP: [&str; 4] = [",basic_living,", ",basic_living,medical,", ",education,", ",medical,care_services,"];
        const CATS: [&str; 4] = ["dibao", "dibao_marginal", "", "rigid_expense"];
        let now = app::services::now_millis();
        let batch = 500usize;
        let mut i = 0usize;
        while i < $n {
            let end = (i + batch).min($n);
            let mut tx = pool.begin().await?;
            for (table, cols, per) in [
                ("households", "id, head_id_number, head_id_sealed, region_code, created_at, standing", 6),
                ("drafts", "id, owner_id, data, version, created_at, updated_at, submitted", 7),
            ] {
                let rows: Vec<String> = (0..end - i).map(|r| format!("({})", (1..=per).map(|c| format!("${}", r * per + c)).collect::<Vec<_>>().join(", "))).collect();
                let sql = format!("INSERT INTO {table} ({cols}) VALUES {}", rows.join(", "));
                let mut q = sqlx::query(&sql);
                for k in i..end {
                    let v = &villages[k % villages.len()];
                    q = if table == "households" {
                        // The head as the server stores one: its key, and a sealed copy.
                        let head = head_of(k);
                        q.bind(format!("bench-h{k}")).bind($cipher.id_key(&head)).bind($cipher.seal("id_number", &head)).bind(v.clone()).bind(now).bind("applicant")
                    } else {
                        q.bind(format!("bench-d{k}")).bind($owner.clone()).bind(sealed_draft.clone()).bind(1i64).bind(now).bind(now).bind(true)
                    };
                }
                q.execute(&mut *tx).await?;
            }
            let per = 13;
            let rows: Vec<String> = (0..end - i).map(|r| format!("({})", (1..=per).map(|c| format!("${}", r * per + c)).collect::<Vec<_>>().join(", "))).collect();
            let sql = format!(
                "INSERT INTO applications (id, number, owner_id, draft_id, region_code, status, declaration, consent_charity, \
                   consent_text_version, submitted_at, updated_at, help, household_id) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for k in i..end {
                // Spread over two years, oldest first by k.
                let at = now - ((($n - k) as i64) * 2 * 365 * 86_400_000 / $n as i64);
                q = q
                    .bind(format!("bench-a{k}"))
                    .bind(format!("SQ-BENCH-{k:07}"))
                    .bind($owner.clone())
                    .bind(format!("bench-d{k}"))
                    .bind(villages[k % villages.len()].clone())
                    .bind(STATUSES[k % STATUSES.len()])
                    .bind(sealed_declaration.clone())
                    .bind(false)
                    .bind("v1")
                    .bind(at)
                    .bind(at)
                    .bind(HELP[k % HELP.len()])
                    .bind(format!("bench-h{k}"));
            }
            q.execute(&mut *tx).await?;
            let per = 8;
            let rows: Vec<String> = (0..end - i).map(|r| format!("({})", (1..=per).map(|c| format!("${}", r * per + c)).collect::<Vec<_>>().join(", "))).collect();
            let sql = format!(
                "INSERT INTO assessments (application_id, reason, facts, parameters, assessment, categories, created_by, created_at) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for k in i..end {
                q = q.bind(format!("bench-a{k}")).bind("submission").bind(sealed_facts.clone()).bind(parameters.clone()).bind(sealed_assessment.clone()).bind(CATS[k % CATS.len()]).bind($owner.clone()).bind(now);
            }
            q.execute(&mut *tx).await?;
            // Approved applications have their decision, and their households are in
            // assistance (rosters and payments read the decision in force).
            let approved: Vec<usize> = (i..end).filter(|k| STATUSES[k % STATUSES.len()] == "approved").collect();
            if !approved.is_empty() {
                let per = 8;
                let rows: Vec<String> = (0..approved.len()).map(|r| format!("({})", (1..=per).map(|c| format!("${}", r * per + c)).collect::<Vec<_>>().join(", "))).collect();
                let sql = format!(
                    "INSERT INTO decisions (application_id, category, monthly_amount, effective_from, notice_until, decided_by, decided_at, adjustment_reason) VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for &k in &approved {
                    let category = match CATS[k % CATS.len()] { "" => "tekun", c => c };
                    q = q.bind(format!("bench-a{k}")).bind(category).bind(30_000i64 + (k % 50) as i64 * 1_000).bind("2026-01-01").bind("2026-01-08").bind($owner.clone()).bind(now).bind(sealed_reason.clone());
                }
                q.execute(&mut *tx).await?;
                let ids: Vec<String> = approved.iter().map(|k| format!("'bench-h{k}'")).collect();
                sqlx::query(&format!("UPDATE households SET standing = 'in_assistance', standing_at = {now}, decision_id = (SELECT max(d.id) FROM decisions d JOIN applications a ON a.id = d.application_id WHERE a.household_id = households.id) WHERE id IN ({})", ids.join(", ")))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            i = end;
        }
        sqlx::query("ANALYZE").execute(&pool).await?;
    }};
}
