//! Demo data for `make run`: one account per role, clearly labelled 【演示】. Never used
//! outside demo mode. Idempotent: existing demo accounts are left as they are.

use app::auth::hash_password;
use app::domain::status::Role;
use app::services::{now_millis, Services};
use app::store::{DbError, NewUser};

/// (role, login, display name, region, password). Passwords are public: demo only.
pub const DEMO_ACCOUNTS: [(Role, &str, &str, Option<&str>, &str); 5] = [
    (Role::Resident, "13800000001", "【演示】居民 张演示", None, "Demo2026pass"),
    (Role::Caseworker, "demo_caseworker", "【演示】甘州区民政 社工", Some("620702000000"), "Demo2026pass"),
    (Role::Department, "demo_department", "【演示】张掖市医保局", Some("620700000000"), "Demo2026pass"),
    (Role::Charity, "demo_charity", "【演示】张掖市慈善总会", Some("620700000000"), "Demo2026pass"),
    (Role::Admin, "demo_admin", "【演示】张掖市民政局 管理员", Some("620700000000"), "Demo2026pass"),
];

pub async fn seed_demo(s: &Services) -> anyhow::Result<()> {
    for (role, login, name, region, password) in DEMO_ACCOUNTS {
        if s.store.user_by_login(login).await.map_err(|e| anyhow::anyhow!(e))?.is_some() {
            continue;
        }
        let hash = hash_password(password.to_string()).await.map_err(|e| anyhow::anyhow!(e))?;
        let user = NewUser {
            role,
            login: login.into(),
            display_name: name.into(),
            password_hash: hash,
            region_code: region.map(String::from),
            now: now_millis(),
        };
        match s.store.create_user(user).await {
            Ok(_) | Err(DbError::Conflict(_)) => {}
            Err(e) => anyhow::bail!(e),
        }
    }
    Ok(())
}

pub fn print_demo_accounts(url: &str) {
    println!("\n================ 演示数据 DEMO DATA — not real people ================");
    println!("Doudi is serving at {url}  (SMS codes: {url}/dev/outbox)");
    println!("{:<12} {:<18} {:<14} {}", "role", "login", "password", "name");
    for (role, login, name, _, password) in DEMO_ACCOUNTS {
        println!("{:<12} {:<18} {:<14} {}", role.code(), login, password, name);
    }
    println!("=======================================================================\n");
}
