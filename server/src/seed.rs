//! Demo data for `make run`: one account per role, clearly labelled 【演示】. Never used
//! outside demo mode. Idempotent: existing demo accounts are left as they are.

use app::auth::hash_password;
use app::domain::declaration::HelpKind;
use app::domain::status::{AdminDuty, Role};
use app::services::{now_millis, Services};
use app::store::{DbError, NewUser, SubmitOutcome};

/// (role, login, display name, region, password). Passwords are public: demo only.
pub const DEMO_ACCOUNTS: [(Role, &str, &str, Option<&str>, &str); 9] = [
    (
        Role::Resident,
        "13800000001",
        "【演示】居民 张演示",
        None,
        "Demo2026pass",
    ),
    (
        Role::Caseworker,
        "demo_caseworker",
        "【演示】甘州区民政 社工",
        Some("620702000000"),
        "Demo2026pass",
    ),
    (
        Role::GridWorker,
        "demo_grid",
        "【演示】网格员 迎恩村",
        Some("620702100201"),
        "Demo2026pass",
    ),
    (
        Role::Department,
        "demo_department",
        "【演示】张掖市医保局",
        Some("620700000000"),
        "Demo2026pass",
    ),
    (
        Role::Charity,
        "demo_charity",
        "【演示】张掖市慈善总会",
        Some("620700000000"),
        "Demo2026pass",
    ),
    (
        Role::Charity,
        "demo_provider",
        "【演示】甘州区居家养老服务中心",
        Some("620700000000"),
        "Demo2026pass",
    ),
    (
        Role::Admin,
        "demo_admin",
        "【演示】张掖市民政局 系统管理员",
        Some("620700000000"),
        "Demo2026pass",
    ),
    (
        Role::Admin,
        "demo_security",
        "【演示】张掖市民政局 安全管理员",
        Some("620700000000"),
        "Demo2026pass",
    ),
    (
        Role::Admin,
        "demo_auditor",
        "【演示】张掖市民政局 安全审计员",
        Some("620700000000"),
        "Demo2026pass",
    ),
];

/// The duty of each demo administrator (三员分立): one account per duty.
pub fn demo_duty(login: &str) -> Option<AdminDuty> {
    match login {
        "demo_admin" => Some(AdminDuty::System),
        "demo_security" => Some(AdminDuty::Security),
        "demo_auditor" => Some(AdminDuty::Audit),
        _ => None,
    }
}

/// The second factor (TOTP secret, base32) of every demo staff account: public, demo only. Add
/// it to an authenticator app, or read the current code at /dev/outbox.
pub const DEMO_TOTP_SECRET: &str = "DOUDIDEMODOUDIDEMODOUDIDEMODOUDI";

pub async fn seed_demo(s: &Services) -> anyhow::Result<()> {
    seed_accounts(s).await?;
    seed_policy_examples(s).await?;
    seed_demo_contacts(s).await?;
    seed_warning_rules(s).await?;
    seed_demo_application(s).await?;
    seed_demo_charity(s).await?;
    seed_demo_provider(s).await
}

/// The demo charity: its organisation (verified by the demo administrator) and one resource.
async fn seed_demo_charity(s: &Services) -> anyhow::Result<()> {
    use app::store::{NewCharity, NewResource};
    let err = |e: DbError| anyhow::anyhow!(e);
    let (_, login, name, _, password) = DEMO_ACCOUNTS
        .iter()
        .copied()
        .find(|a| a.0 == Role::Charity)
        .expect("a demo charity account");
    if s.store.user_by_login(login).await.map_err(err)?.is_some() {
        return Ok(());
    }
    let admin = s
        .store
        .user_by_login("demo_admin")
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo admin missing"))?;
    let code = app::domain::charity::CreditCode::with_check("53620700MJ0000001")
        .ok_or_else(|| anyhow::anyhow!("demo credit code"))?;
    let now = now_millis();
    let user_id = match s
        .store
        .register_charity(NewCharity {
            id: "demo-charity".into(),
            user: NewUser {
                role: Role::Charity,
                login: login.into(),
                display_name: name.into(),
                password_hash: hash_password(password.to_string())
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?,
                region_code: None,
                department: None,
                must_change_password: false,
                duty: None,
                now,
            },
            name: name.into(),
            credit_code: code.as_str().into(),
            contact_name: "【演示】王联系".into(),
            contact_phone: "13900000000".into(),
            regions: vec![app::domain::region::RegionCode::parse("6207").expect("a region")],
            kinds: vec![
                HelpKind::BasicLiving,
                HelpKind::Medical,
                HelpKind::Education,
                HelpKind::CareServices,
            ],
            org_kind: app::domain::care::OrgKind::Charity,
        })
        .await
    {
        Ok(id) => id,
        Err(DbError::Conflict(_)) => return Ok(()), // a concurrent start registered it
        Err(e) => anyhow::bail!(e),
    };
    s.store
        .decide_charity(
            "demo-charity",
            app::domain::charity::CharityStatus::Verified,
            "【演示】",
            &admin.id,
            now,
        )
        .await
        .map_err(err)?;
    let today = app::services::today_in_china();
    s.store
        .add_resource(NewResource {
            id: "demo-resource".into(),
            charity_id: "demo-charity".into(),
            form: app::domain::charity::SupplyForm::Funds,
            title: "【演示】大病医疗救助金".into(),
            unit: String::new(),
            total: 5_000_000,
            per_household_cap: Some(500_000),
            need_kinds: vec![HelpKind::Medical],
            categories: vec![],
            regions: vec![app::domain::region::RegionCode::parse("6207").expect("a region")],
            valid_from: today,
            valid_until: today + chrono::Days::new(365),
            now,
        })
        .await
        .map_err(err)?;
    tracing::info!(user = %user_id, "demo charity registered");
    Ok(())
}

/// The demo care-service provider (服务类救助): its organisation (verified by the demo
/// administrator) and its example prices, each marked 【演示】 by the provider's name.
async fn seed_demo_provider(s: &Services) -> anyhow::Result<()> {
    use app::domain::care::{ServiceKind, ServiceUnit};
    use app::store::{NewCharity, ServicePrice};
    let err = |e: DbError| anyhow::anyhow!(e);
    let (_, login, name, _, password) = DEMO_ACCOUNTS
        .iter()
        .copied()
        .find(|a| a.1 == "demo_provider")
        .expect("a demo provider account");
    if s.store.user_by_login(login).await.map_err(err)?.is_some() {
        return Ok(());
    }
    let admin = s
        .store
        .user_by_login("demo_admin")
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo admin missing"))?;
    let code = app::domain::charity::CreditCode::with_check("52620702MJ0000002")
        .ok_or_else(|| anyhow::anyhow!("demo credit code"))?;
    let now = now_millis();
    match s
        .store
        .register_charity(NewCharity {
            id: "demo-provider".into(),
            user: NewUser {
                role: Role::Charity,
                login: login.into(),
                display_name: name.into(),
                password_hash: hash_password(password.to_string())
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?,
                region_code: None,
                department: None,
                must_change_password: false,
                duty: None,
                now,
            },
            name: name.into(),
            credit_code: code.as_str().into(),
            contact_name: "【演示】李站长".into(),
            contact_phone: "13900000002".into(),
            regions: vec![app::domain::region::RegionCode::parse("620702").expect("a region")],
            kinds: vec![HelpKind::CareServices],
            org_kind: app::domain::care::OrgKind::ServiceProvider,
        })
        .await
    {
        Ok(_) => {}
        Err(DbError::Conflict(_)) => return Ok(()), // a concurrent start registered it
        Err(e) => anyhow::bail!(e),
    }
    s.store
        .decide_charity(
            "demo-provider",
            app::domain::charity::CharityStatus::Verified,
            "【演示】",
            &admin.id,
            now,
        )
        .await
        .map_err(err)?;
    // Example prices (fen): 25 yuan an hour of daily care, 40 of nursing, 120 a day of
    // accompaniment, 60 an hour of psychological support.
    for (id, kind, unit, price) in [
        (
            "demo-price-care",
            ServiceKind::DailyCare,
            ServiceUnit::Hour,
            2500,
        ),
        (
            "demo-price-nursing",
            ServiceKind::Nursing,
            ServiceUnit::Hour,
            4000,
        ),
        (
            "demo-price-company",
            ServiceKind::Accompaniment,
            ServiceUnit::Day,
            12000,
        ),
        (
            "demo-price-mind",
            ServiceKind::Psychological,
            ServiceUnit::Hour,
            6000,
        ),
    ] {
        s.store
            .add_service_price(
                ServicePrice {
                    id: id.into(),
                    provider_id: "demo-provider".into(),
                    provider_name: String::new(),
                    kind,
                    unit,
                    price,
                    active: true,
                },
                now,
            )
            .await
            .map_err(err)?;
    }
    tracing::info!("demo care-service provider registered");
    Ok(())
}

/// The example warning rules (each marked `example`) as the deployment's defaults, unless a
/// default of that kind is stored (regions' own rules override them where they are set).
async fn seed_warning_rules(s: &Services) -> anyhow::Result<()> {
    let stored = s
        .store
        .warning_rules()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    for rule in app::domain::monitoring::example_rules() {
        if !stored
            .iter()
            .any(|r| r.kind == rule.kind && r.region.is_none())
        {
            s.store
                .set_warning_rule(rule, None, now_millis())
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
        }
    }
    Ok(())
}

/// The example policy parameters (all marked `example`, each source says 示例): each one once,
/// so a demo database created before a parameter existed gets it too.
async fn seed_policy_examples(s: &Services) -> anyhow::Result<()> {
    use app::store::NewParameter;
    let stored = s
        .store
        .policy_parameters()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let now = now_millis();
    for row in app::domain::policy::examples::example_rows(now) {
        if stored.iter().any(|p| {
            p.key == row.key && p.region_code == row.region && p.residence == row.residence
        }) {
            continue;
        }
        s.store
            .add_policy_parameter(NewParameter {
                key: row.key,
                region_code: row.region,
                residence: row.residence,
                value: row.value,
                effective_from: row.effective_from,
                source: row.source,
                example: true,
                created_by: "seed".into(),
                // Shipped examples, labelled as such: in force without a security
                // administrator's approval (every value entered later waits for one).
                approved: true,
                now,
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(())
}

/// Example hotline and supervision numbers for each province (marked example on every page
/// that shows them; not real numbers of a civil affairs office), once.
async fn seed_demo_contacts(s: &Services) -> anyhow::Result<()> {
    use app::domain::publicity::ContactKind;
    use app::store::NewContact;
    let stored = s
        .store
        .public_contacts()
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let examples = [
        ("62", ContactKind::Hotline, "0936-0000001"),
        ("62", ContactKind::Supervision, "0936-0000002"),
        ("21", ContactKind::Hotline, "024-00000001"),
        ("21", ContactKind::Supervision, "024-00000002"),
    ];
    for (region, kind, number) in examples {
        let region = app::domain::region::RegionCode::parse(region)
            .map_err(|_| anyhow::anyhow!("example region {region}"))?;
        if stored.iter().any(|c| c.region == region && c.kind == kind) {
            continue;
        }
        s.store
            .add_public_contact(NewContact {
                region,
                kind,
                number: number.into(),
                effective_from: app::domain::policy::examples::examples_effective_from(),
                source: "示例：演示用号码，不是真实电话".into(),
                example: true,
                approved: true,
                created_by: "seed".into(),
                now: now_millis(),
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(())
}

async fn seed_accounts(s: &Services) -> anyhow::Result<()> {
    for (role, login, name, region, password) in DEMO_ACCOUNTS {
        if role == Role::Charity {
            continue; // registered with its organisation below
        }
        if let Some(user) = s
            .store
            .user_by_login(login)
            .await
            .map_err(|e| anyhow::anyhow!(e))?
        {
            demo_second_factor(s, &user).await?;
            continue;
        }
        let hash = hash_password(password.to_string())
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let user = NewUser {
            role,
            login: login.into(),
            display_name: name.into(),
            password_hash: hash,
            region_code: region
                .map(app::domain::region::RegionCode::parse)
                .transpose()
                .map_err(|_| anyhow::anyhow!("demo account {login}: bad region"))?,
            // The demo department officer works for medical insurance (医保).
            department: (role == Role::Department)
                .then_some(app::domain::chain::Department::MedicalInsurance),
            must_change_password: false,
            duty: demo_duty(login),
            now: now_millis(),
        };
        match s.store.create_user(user).await {
            Ok(_) | Err(DbError::Conflict(_)) => {}
            Err(e) => anyhow::bail!(e),
        }
        if let Some(user) = s
            .store
            .user_by_login(login)
            .await
            .map_err(|e| anyhow::anyhow!(e))?
        {
            demo_second_factor(s, &user).await?;
        }
    }
    Ok(())
}

/// Demo staff accounts sign in with `DEMO_TOTP_SECRET` (no recovery codes).
async fn demo_second_factor(s: &Services, user: &app::store::UserRecord) -> anyhow::Result<()> {
    if user.role.needs_second_factor() && user.totp_secret.is_none() {
        s.store
            .set_second_factor(&user.id, Some((DEMO_TOTP_SECRET, &[])), now_millis())
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(())
}

/// Prints the demo accounts for people (`make run`).
pub fn print_demo_accounts(url: &str, to_stderr: bool) {
    let mut out = String::new();
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "\n================ 演示数据 DEMO DATA — not real people ================"
    );
    let _ = writeln!(
        out,
        "Doudi is serving at {url}  (SMS codes: {url}/dev/outbox)"
    );
    let _ = writeln!(
        out,
        "{:<12} {:<18} {:<14} {:<34} name",
        "role", "login", "password", "TOTP secret (2nd factor)"
    );
    for (role, login, name, _, password) in DEMO_ACCOUNTS {
        let totp = if role.needs_second_factor() {
            DEMO_TOTP_SECRET
        } else {
            "-"
        };
        let role = match demo_duty(login) {
            Some(d) => format!("admin:{}", d.code()),
            None => role.code().to_string(),
        };
        let _ = writeln!(
            out,
            "{:<12} {:<18} {:<14} {:<34} {}",
            role, login, password, totp, name
        );
    }
    let _ = writeln!(
        out,
        "Staff sign in with a code from an authenticator app holding the TOTP secret,"
    );
    let _ = writeln!(out, "or with the current code shown at {url}/dev/outbox.");
    let _ = writeln!(
        out,
        "=======================================================================\n"
    );
    // With JSON logs on stdout, the banner for people goes to stderr (stdout stays one JSON
    // object per line).
    if to_stderr {
        eprint!("{out}");
    } else {
        print!("{out}");
    }
}

/// One submitted application of the demo resident, so the status page has something to show.
async fn seed_demo_application(s: &Services) -> anyhow::Result<()> {
    use app::domain::declaration::{
        Declaration, DeclarationDraft, MemberDraft, CONSENT_TEXT_VERSION,
    };
    use app::domain::id_number::check_char;
    use app::store::Submission;
    let err = |e: DbError| anyhow::anyhow!(e);
    let resident = s
        .store
        .user_by_login(DEMO_ACCOUNTS[0].1)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo resident missing"))?;
    if !s
        .store
        .applications_of(&resident.id)
        .await
        .map_err(err)?
        .is_empty()
    {
        return Ok(());
    }
    let id = |first17: &str| format!("{first17}{}", check_char(first17).expect("17 digits"));
    let member = |relation: &str, name: &str, id_number: String, work: &str| MemberDraft {
        relation: relation.into(),
        name: name.into(),
        id_number,
        health: "healthy".into(),
        schooling: "not_in_school".into(),
        work_status: work.into(),
        labour_capacity: "full".into(),
        ..Default::default()
    };
    let mut head = member("head", "张演示", id("62070219650315001"), "farming");
    head.health = "serious_illness".into();
    head.illness = "【演示】尿毒症".into();
    head.labour_capacity = "none".into();
    let draft = DeclarationDraft {
        region_code: "620702100201".into(),
        address: "【演示】甘州区示例地址1号".into(),
        residence: "rural".into(),
        contact_phone: DEMO_ACCOUNTS[0].1.into(),
        members: vec![
            head,
            member("spouse", "李演示", id("62070219680720002"), "farming"),
        ],
        income_wages: "600".into(),
        income_transfers: "150".into(),
        medical_spending: "38000".into(),
        description: "【演示数据】户主患重病，无法劳动。".into(),
        help: vec!["basic_living".into(), "medical".into()],
        consent_verification: true,
        consent_charity: true,
        ..Default::default()
    };
    let declaration = Declaration::parse(&draft, app::services::today_in_china())
        .map_err(|e| anyhow::anyhow!("demo declaration invalid: {e:?}"))?;
    let now = now_millis();
    let today = app::services::today_in_china();
    let facts = app::domain::policy::HouseholdFacts::from_draft(&draft, today);
    let rows = app::api::policy::param_rows(s.store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let assessment = app::api::policy::assessment_record(&facts, &rows, &declaration.region, today)
        .map_err(|e| anyhow::anyhow!(e))?;
    let stored = s
        .store
        .current_draft(&resident.id, &serde_json::to_string(&draft)?, now)
        .await
        .map_err(err)?;
    // Created, or already there from a concurrent start: either way the demo has its case.
    let outcome = s
        .store
        .submit_application(Submission {
            owner_id: resident.id.clone(),
            draft_id: stored.id,
            region_code: declaration.region.clone(),
            declaration_json: serde_json::to_string(&declaration)?,
            member_id_numbers: declaration
                .members
                .iter()
                .map(|m| m.id_number.clone())
                .collect(),
            monthly_income: declaration.income.total(),
            lost_labour: declaration.lost_labour(),
            consent_charity: declaration.consent_charity,
            consent_text_version: CONSENT_TEXT_VERSION.into(),
            now,
            year: chrono::Datelike::year(&today),
            assessment,
            head_id_number: declaration.head().id_number.clone(),
            help: declaration.help.clone(),
        })
        .await
        .map_err(err)?;
    // Accepted by the demo caseworker, so the demo household has its file (monitoring and
    // charity find it); a concurrent start may have done it already.
    let (SubmitOutcome::Created(summary) | SubmitOutcome::AlreadySubmitted(summary)) = outcome;
    let caseworker = s
        .store
        .user_by_login(DEMO_ACCOUNTS[1].1)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("demo caseworker missing"))?;
    match s
        .store
        .accept_application(&summary.number, &caseworker.id, false, now)
        .await
    {
        Ok(()) | Err(DbError::Conflict(_)) => Ok(()),
        Err(e) => Err(err(e)),
    }
}
