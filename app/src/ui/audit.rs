//! The audit administrator's page (安全审计员): the region's audit trail with filters, paging
//! back through it, an XLSX export of the same selection, and whether the hash chain holds.

use crate::api::audit::{audit_trail, AuditFilter, AuditPage};
use crate::clock::china_time;
use crate::domain::audit::AuditResult;
use crate::domain::status::{AdminDuty, Role};
use crate::i18n::*;
use crate::ui::PageTitle;
use crate::ui::{labels, ErrorBanner, MeResource};
use leptos::prelude::*;
use leptos_router::components::A;

/// The page for the audit administrator only; anyone else is told it is not theirs.
#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(u)) if u.role == Role::Admin && u.duty == Some(AdminDuty::Audit) => {
                        view! { <AuditTrail /> }.into_any()
                    }
                    _ => view! { <p class="notice">{t_string!(i18n, error.forbidden)} " " <A href="/login">{t_string!(i18n, nav.login)}</A></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditTrail() -> impl IntoView {
    let i18n = use_i18n();
    let form = RwSignal::new(AuditFilter::default());
    // The filter the shown page answers (a search starts from the newest again).
    let shown = RwSignal::new(AuditFilter::default());
    let page = Resource::new(move || shown.get(), audit_trail);
    let field = move |id: &'static str,
                      kind: &'static str,
                      get: fn(&AuditFilter) -> &String,
                      set: fn(&mut AuditFilter, String)| {
        view! {
            <input id=id type=kind maxlength="64"
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
        }
    };
    let export_href = move || {
        let f = shown.get();
        let query: Vec<String> = [
            ("actor", &f.actor),
            ("action", &f.action),
            ("object", &f.object),
            ("result", &f.result),
            ("from", &f.from),
            ("until", &f.until),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v.trim())))
        .collect();
        format!("/audit/export.xlsx?{}", query.join("&"))
    };
    view! {
        <h1>{t_string!(i18n, audit.title)}</h1>
        <PageTitle text=t_string!(i18n, audit.title).to_string() />
        <p class="muted">{t_string!(i18n, audit.intro)}</p>
        <form class="card" id="audit-filters" on:submit=move |ev| {
            ev.prevent_default();
            shown.set(AuditFilter { before_seq: None, ..form.get_untracked() });
        }>
            <label for="audit-actor">{t_string!(i18n, audit.actor)}</label>
            {field("audit-actor", "text", |f| &f.actor, |f, v| f.actor = v)}
            <label for="audit-action">{t_string!(i18n, audit.action)}</label>
            {field("audit-action", "text", |f| &f.action, |f, v| f.action = v)}
            <label for="audit-object">{t_string!(i18n, audit.object)}</label>
            {field("audit-object", "text", |f| &f.object, |f, v| f.object = v)}
            <label for="audit-result">{t_string!(i18n, audit.result)}</label>
            <select id="audit-result" on:change=move |ev| form.update(|f| f.result = event_target_value(&ev))>
                <option value="">{t_string!(i18n, audit.any_result)}</option>
                {AuditResult::ALL.into_iter().map(|r| view! {
                    <option value=r.code() selected=move || form.with(|f| f.result == r.code())>{labels::audit_result(i18n, r)}</option>
                }).collect_view()}
            </select>
            <label for="audit-from">{t_string!(i18n, audit.from)}</label>
            {field("audit-from", "date", |f| &f.from, |f, v| f.from = v)}
            <label for="audit-until">{t_string!(i18n, audit.until)}</label>
            {field("audit-until", "date", |f| &f.until, |f, v| f.until = v)}
            <button type="submit" class="primary" id="audit-search">{t_string!(i18n, audit.search)}</button>
            " "
            <a id="audit-export" href=export_href rel="external" download>{t_string!(i18n, audit.export)}</a>
        </form>
        <Transition fallback=move || view! { <p>{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <AuditTable page=p shown /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=Signal::derive(move || Some(e.clone())) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: AuditPage, shown: RwSignal<AuditFilter>) -> impl IntoView {
    let i18n = use_i18n();
    let chain = page.chain.map(|(checked, broken)| match broken {
        None => view! { <p class="banner ok" id="audit-chain" role="status">{t!(i18n, audit.chain_ok, count = checked)}</p> }.into_any(),
        Some(seq) => view! { <p class="banner error" id="audit-chain" role="alert">{t!(i18n, audit.chain_broken, seq = seq)}</p> }.into_any(),
    });
    let next = page.next_before;
    let empty = page.rows.is_empty();
    view! {
        {chain}
        {empty.then(|| view! { <p class="muted" id="audit-none">{t_string!(i18n, audit.none)}</p> })}
        <div class="table-scroll" tabindex="0">
            <table id="audit-rows">
                <thead><tr>
                    <th>{t_string!(i18n, audit.seq)}</th><th>{t_string!(i18n, audit.at)}</th><th>{t_string!(i18n, audit.actor)}</th>
                    <th>{t_string!(i18n, audit.role)}</th><th>{t_string!(i18n, audit.action)}</th><th>{t_string!(i18n, audit.object)}</th>
                    <th>{t_string!(i18n, audit.result)}</th><th>{t_string!(i18n, audit.client)}</th><th>{t_string!(i18n, audit.purpose)}</th>
                </tr></thead>
                <tbody>
                    {page.rows.into_iter().map(|r| { let action = r.action.clone(); let result = r.result; view! {
                        <tr data-action=action>
                            <td class="mono">{r.seq}</td><td>{china_time(r.at)}</td><td>{r.actor}</td>
                            <td>{r.role}</td><td class="mono">{r.action}</td><td class="mono">{r.object}</td>
                            <td data-result=result.code()>{labels::audit_result(i18n, result)}</td><td class="mono">{r.client}</td><td>{r.purpose}</td>
                        </tr>
                    } }).collect_view()}
                </tbody>
            </table>
        </div>
        {next.map(|seq| view! {
            <button type="button" id="audit-more" on:click=move |_| shown.update(|f| f.before_seq = Some(seq))>
                {t_string!(i18n, audit.more)}
            </button>
        })}
    }
}

/// A query value, percent-encoded (RFC 3986 unreserved characters stay as they are).
fn percent_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::percent_encode("SQ-2026 &x=1"), "SQ-2026%20%26x%3D1");
        assert_eq!(super::percent_encode("张"), "%E5%BC%A0");
    }
}
