//! What a person typed before the page's code was live survives its hydration.
//!
//! The server's page can be typed into at once, but its code (the WASM, a lazily loaded part on
//! a slow phone several seconds later) then hydrates it, setting every field bound to a signal to
//! the signal's value: what was typed would be wiped. So, just before a page or an island
//! hydrates, the fields whose value differs from the page's own (`defaultValue`,
//! `defaultChecked`, the option marked `selected`) are read; once it is live, they get those
//! values back with the `input` and `change` events its handlers listen to, as if typed again.
//! The same is kept across the reload that changes the page's language ([`Typed::carry_over`]).

use leptos::prelude::*;

/// The fields typed into before hydration (browser only; empty on the server).
#[derive(Default)]
pub struct Typed(
    #[cfg(feature = "hydrate")] Vec<(web_sys::Element, Entry)>,
    #[cfg(not(feature = "hydrate"))] (),
);

#[cfg(feature = "hydrate")]
enum Entry {
    Value(String),
    Checked(bool),
}

impl Typed {
    /// Reads every field of the document whose value the person changed.
    #[cfg(feature = "hydrate")]
    pub fn read() -> Self {
        use wasm_bindgen::JsCast;
        use web_sys::{
            HtmlInputElement, HtmlOptionElement, HtmlSelectElement, HtmlTextAreaElement,
        };
        let mut typed = Vec::new();
        let Ok(fields) = document().query_selector_all("input, textarea, select") else {
            return Self(typed);
        };
        for i in 0..fields.length() {
            let Some(field) = fields
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let entry = if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
                match input.type_().as_str() {
                    "checkbox" | "radio" => (input.checked() != input.default_checked())
                        .then(|| Entry::Checked(input.checked())),
                    "file" | "hidden" | "submit" | "button" | "reset" | "image" => None,
                    _ => {
                        let value = input.value();
                        (value != input.default_value()).then_some(Entry::Value(value))
                    }
                }
            } else if let Some(area) = field.dyn_ref::<HtmlTextAreaElement>() {
                let value = area.value();
                (Ok(&value) != area.default_value().as_ref()).then_some(Entry::Value(value))
            } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
                let options = select.options();
                let marked = (0..options.length()).find(|&i| {
                    options
                        .item(i)
                        .and_then(|o| o.dyn_into::<HtmlOptionElement>().ok())
                        .is_some_and(|o| o.default_selected())
                });
                let chosen = u32::try_from(select.selected_index()).ok();
                (chosen != marked.or(Some(0)).filter(|_| options.length() > 0))
                    .then(|| Entry::Value(select.value()))
            } else {
                None
            };
            if let Some(entry) = entry {
                typed.push((field, entry));
            }
        }
        Self(typed)
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn read() -> Self {
        Self(())
    }

    /// Puts the values back and tells the page's handlers, as typing would.
    #[cfg(feature = "hydrate")]
    pub fn restore(self) {
        for (field, entry) in self.0 {
            let (property, value, events): (&str, wasm_bindgen::JsValue, &[&str]) = match entry {
                Entry::Value(v) => ("value", v.into(), &["input", "change"]),
                Entry::Checked(c) => ("checked", c.into(), &["change"]),
            };
            let _ = js_sys::Reflect::set(&field, &property.into(), &value);
            for name in events {
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                if let Ok(event) = web_sys::Event::new_with_event_init_dict(name, &init) {
                    let _ = field.dispatch_event(&event);
                }
            }
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn restore(self) {}
}

/// What was typed and not saved, kept across a reload of the same page (the language switch:
/// the server renders the page again in the other language) in this tab's `sessionStorage`,
/// read back and removed by the page once it is live. Keyed by the fields' ids (every field
/// has one, for its label); passwords are never kept.
#[cfg(feature = "hydrate")]
const CARRIED_KEY: &str = "doudi-typed";

/// The separators of what is kept: fields apart, and a field's parts apart (ASCII's record and
/// unit separators: a field's value is free text, in which the reading side splits only
/// the first two parts off). Not JSON: serde's writer would be in every page's download.
#[cfg(feature = "hydrate")]
const RECORD: char = '\u{1e}';
#[cfg(feature = "hydrate")]
const UNIT: char = '\u{1f}';

impl Typed {
    /// Keeps these fields for the page loaded next at this address, in this tab.
    #[cfg(feature = "hydrate")]
    pub fn carry_over(self) {
        use wasm_bindgen::JsCast;
        let fields = self
            .0
            .into_iter()
            .filter(|(field, _)| {
                !field.id().is_empty()
                    && field
                        .dyn_ref::<web_sys::HtmlInputElement>()
                        .is_none_or(|i| i.type_() != "password")
            })
            .map(|(field, entry)| {
                let (kind, value) = match entry {
                    Entry::Value(v) => ('v', v.replace(RECORD, "")),
                    Entry::Checked(c) => ('c', c.to_string()),
                };
                format!("{}{UNIT}{kind}{UNIT}{value}", field.id())
            })
            .collect::<Vec<_>>();
        let storage = window().session_storage().ok().flatten();
        if let (Some(storage), false) = (storage, fields.is_empty()) {
            let path = window().location().pathname().unwrap_or_default();
            let _ = storage.set_item(
                CARRIED_KEY,
                &format!("{path}{RECORD}{}", fields.join(&RECORD.to_string())),
            );
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn carry_over(self) {}

    /// What the page before this one at the same address kept ([`Typed::carry_over`]), taken
    /// out of the tab's storage; nothing when it was another page.
    #[cfg(feature = "hydrate")]
    pub fn carried() -> Self {
        let Some(storage) = window().session_storage().ok().flatten() else {
            return Self(Vec::new());
        };
        let kept = storage.get_item(CARRIED_KEY).ok().flatten();
        let _ = storage.remove_item(CARRIED_KEY);
        let path = window().location().pathname().unwrap_or_default();
        let kept = kept.unwrap_or_default();
        let mut records = kept.split(RECORD);
        if records.next() != Some(path.as_str()) {
            return Self(Vec::new());
        }
        let doc = document();
        Self(
            records
                .filter_map(|record| {
                    let mut parts = record.splitn(3, UNIT);
                    let field = doc.get_element_by_id(parts.next()?)?;
                    let entry = match (parts.next()?, parts.next()?) {
                        ("v", v) => Entry::Value(v.to_string()),
                        ("c", c) => Entry::Checked(c == "true"),
                        _ => return None,
                    };
                    Some((field, entry))
                })
                .collect(),
        )
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn carried() -> Self {
        Self(())
    }
}

/// For an island: reads what was typed now, before it hydrates, and puts it back on the next
/// frame, once it has (an island hydrates at once when its code is there).
pub fn keep_for_island() {
    #[cfg(feature = "hydrate")]
    {
        let typed = Typed::read();
        if !typed.0.is_empty() {
            request_animation_frame(move || typed.restore());
        }
    }
}

/// The button that asks for an SMS code: disabled until the page's code is live, while the code
/// is being sent, and then for the seconds the server asks to wait before another, counted down
/// on the button.
#[component]
pub fn SendCodeButton(
    send: Action<String, Result<u32, crate::error::AppError>>,
    on_press: Callback<()>,
) -> impl IntoView {
    use crate::i18n::*;
    let i18n = use_i18n();
    let live = live();
    let left = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(seconds)) = send.value().get() {
            left.set(seconds);
            count_down(left);
        }
    });
    view! {
        <button type="button" id="send-code"
            disabled=move || !live.get() || send.pending().get() || left.get() != 0
            on:click=move |_| on_press.run(())>
            // One text, not two views: a view chosen by a signal would bring Leptos's code for
            // such switches into the portal's first download (~5 KB brotli).
            {move || match left.get() {
                0 => t_string!(i18n, auth.send_code).to_string(),
                n => format!("{}{n}{}", t_string!(i18n, auth.resend_before), t_string!(i18n, auth.resend_after)),
            }}
        </button>
    }
}

fn count_down(left: RwSignal<u32>) {
    set_timeout(
        move || {
            left.update(|l| *l = l.saturating_sub(1));
            if left.get_untracked() > 0 {
                count_down(left);
            }
        },
        std::time::Duration::from_secs(1),
    );
}

/// Whether the page's code is live here: false on the server and until hydration, then true.
/// Buttons that do nothing without it are disabled until then (a tap that does nothing would
/// look broken).
pub fn live() -> Signal<bool> {
    let live = RwSignal::new(false);
    // The next frame: after hydration (which keeps what the server rendered, disabled).
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || live.set(true));
    live.into()
}
