//! Loads Plaid's Link script once per page and URL, shared by every client. A failed load is
//! forgotten (its tag removed), so the next wait tries again.
//!
//! Strict pages: the tag carries the CSP nonce (the app's `nonce` option, else the page's own,
//! read from its nonced `<script>` or a `<meta property="csp-nonce">`), and where the page
//! enforces Trusted Types its `src` is a `TrustedScriptURL` of the policy
//! [`TRUSTED_TYPES_POLICY`], which allows only the Plaid script URLs the clients were given.
//!
//! The tag's `onload`/`onerror` and the timeout settle a promise through bound copies of its
//! own `resolve` (`resolve.bind(null, outcome)`, the [`Outcome`] as a number): no Rust closure
//! is handed to the page, and the promise never rejects, so a failed preload that nobody waits
//! for is no unhandled rejection.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlScriptElement;

use quiltt_reconnect_core::{Error, ErrorCode};

use super::bindings::{create_trusted_types_policy, TrustedTypePolicy};

/// The name of the Trusted Types policy the package creates (a page that lists allowed policy
/// names in its `trusted-types` directive adds this one).
pub const TRUSTED_TYPES_POLICY: &str = "quiltt-reconnect";

/// One load: its URL, the shared promise, and the tag.
type Load = (String, Promise, Option<HtmlScriptElement>);

/// The page's Trusted Types policy, once asked for: `None` where the page has no Trusted Types
/// or refused the name (a page that doesn't enforce them takes a plain URL).
type Policy = Option<TrustedTypePolicy>;

/// The policy's `createScriptURL`: a URL it allows, or an error.
type Rule = Closure<dyn Fn(String) -> Result<String, JsValue>>;

thread_local! {
    /// The loads of the page (one or two URLs at most).
    static LOADS: RefCell<Vec<Load>> = const { RefCell::new(Vec::new()) };
    /// The Plaid script URLs the policy allows: those the clients of the page were given.
    static ALLOWED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static POLICY: RefCell<Option<Policy>> = const { RefCell::new(None) };
    /// The policy's `createScriptURL` rule: kept as long as the policy, which is the page's.
    static RULE: RefCell<Option<Rule>> = const { RefCell::new(None) };
}

/// Whether `nonce` can be a CSP nonce: base64 or base64url characters, nothing else.
pub(crate) fn is_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

/// The page's own CSP nonce: the `nonce` property of its first nonced `<script>` (browsers hide
/// the attribute once the page has loaded, not the property), else of a
/// `<meta property="csp-nonce">` (or that tag's `content`).
fn page_nonce(document: &web_sys::Document) -> Option<String> {
    let nonce_of = |selector: &str| {
        let element = document.query_selector(selector).ok().flatten()?;
        let nonce = element
            .dyn_ref::<web_sys::HtmlElement>()
            .map(web_sys::HtmlElement::nonce)
            .filter(|n| !n.is_empty())
            .or_else(|| element.get_attribute("content"))?;
        is_nonce(&nonce).then_some(nonce)
    };
    nonce_of("script[nonce]").or_else(|| nonce_of(r#"meta[property="csp-nonce"]"#))
}

/// The policy, created on the first call where the page has Trusted Types.
fn policy() -> Option<TrustedTypePolicy> {
    POLICY.with(|p| {
        let mut p = p.borrow_mut();
        p.get_or_insert_with(|| {
            let rules = Object::new();
            let check = Rule::new(|url: String| {
                match ALLOWED.with(|a| a.borrow().contains(&url)) {
                    true => Ok(url),
                    false => Err(js_sys::Error::new(
                        "quiltt-reconnect's Trusted Types policy allows only the Plaid script URL it was given",
                    )
                    .into()),
                }
            });
            let _ = Reflect::set(&rules, &"createScriptURL".into(), check.as_ref());
            RULE.with(|rule| *rule.borrow_mut() = Some(check));
            create_trusted_types_policy(TRUSTED_TYPES_POLICY, &rules).ok()
        })
        .clone()
    })
}

/// Sets the tag's `src` to `url`, as a `TrustedScriptURL` where the page has the policy;
/// `false` when the page refuses it.
fn set_src(script: &HtmlScriptElement, url: &str) -> bool {
    ALLOWED.with(|a| {
        let mut allowed = a.borrow_mut();
        if !allowed.iter().any(|u| u == url) {
            allowed.push(url.to_owned());
        }
    });
    let src = match policy() {
        Some(policy) => match policy.create_script_url(url) {
            Ok(trusted) => trusted,
            Err(_) => return false,
        },
        None => JsValue::from_str(url),
    };
    Reflect::set(script, &"src".into(), &src).unwrap_or(false)
}

/// Whether `window.Plaid.create` is a function.
pub(crate) fn plaid_defined() -> bool {
    let plaid = Reflect::get(&js_sys::global(), &"Plaid".into()).unwrap_or_default();
    let create = match plaid.is_object() {
        true => Reflect::get(&plaid, &"create".into()).unwrap_or_default(),
        false => JsValue::UNDEFINED,
    };
    create.is_function()
}

/// How a load ended, as the promise's value carries it (a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Outcome {
    /// The tag's `onload`.
    Loaded = 0,
    /// The tag's `onerror`.
    Failed = 1,
    /// The timeout came first.
    TimedOut = 2,
    /// There is no document to add the tag to.
    NoDocument = 3,
    /// The page's policy refused the script's URL (Trusted Types).
    Refused = 4,
}

impl Outcome {
    fn to_js(self) -> JsValue {
        JsValue::from(self as u8)
    }

    /// The outcome a promise's value carries; `None` for anything else.
    fn of(value: &JsValue) -> Option<Outcome> {
        [
            Outcome::Loaded,
            Outcome::Failed,
            Outcome::TimedOut,
            Outcome::NoDocument,
            Outcome::Refused,
        ]
        .into_iter()
        .find(|outcome| value.as_f64() == Some(f64::from(*outcome as u8)))
    }
}

/// `resolve` with its first argument fixed to `outcome`.
fn settle_with(resolve: &Function, outcome: Outcome) -> Function {
    let resolve: &Function<fn(JsValue) -> JsValue> = resolve.unchecked_ref();
    resolve
        .bind1(&JsValue::NULL, &outcome.to_js())
        .unchecked_into()
}

/// Adds the `<script>` tag; the promise resolves with its [`Outcome`].
fn load(url: &str, nonce: Option<&str>, timeout_ms: u32) -> (Promise, Option<HtmlScriptElement>) {
    let mut tag = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let no_document = || {
            let _ = resolve.call1(&JsValue::NULL, &Outcome::NoDocument.to_js());
        };
        let Some(window) = web_sys::window() else {
            return no_document();
        };
        let Some(document) = window.document() else {
            return no_document();
        };
        let parent: Option<web_sys::Element> = document
            .head()
            .map(Into::into)
            .or_else(|| document.document_element());
        let created = document
            .create_element("script")
            .ok()
            .and_then(|e| e.dyn_into::<HtmlScriptElement>().ok());
        let (Some(parent), Some(script)) = (parent, created) else {
            return no_document();
        };
        let nonce = nonce.map(str::to_owned).or_else(|| page_nonce(&document));
        if let Some(nonce) = nonce {
            script.set_nonce(&nonce);
        }
        if !set_src(&script, url) {
            let _ = resolve.call1(&JsValue::NULL, &Outcome::Refused.to_js());
            return;
        }
        script.set_async(true);
        script.set_onload(Some(&settle_with(&resolve, Outcome::Loaded)));
        script.set_onerror(Some(&settle_with(&resolve, Outcome::Failed)));
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &settle_with(&resolve, Outcome::TimedOut),
            i32::try_from(timeout_ms).unwrap_or(i32::MAX),
        );
        if parent.append_child(&script).is_err() {
            return no_document();
        }
        tag = Some(script);
    });
    (promise, tag)
}

/// Starts loading `url` (its tag with `nonce`, else the page's) unless it is loading or loaded
/// (or the page loaded Plaid itself).
pub(crate) fn start(url: &str, nonce: Option<&str>, timeout_ms: u32) {
    let _ = shared(url, nonce, timeout_ms);
}

/// The shared promise of loading `url`, started if need be.
fn shared(url: &str, nonce: Option<&str>, timeout_ms: u32) -> Promise {
    let known = LOADS.with(|l| {
        l.borrow()
            .iter()
            .find(|(u, _, _)| u == url)
            .map(|(_, p, _)| p.clone())
    });
    if let Some(promise) = known {
        return promise;
    }
    if plaid_defined() {
        return Promise::resolve(&Outcome::Loaded.to_js());
    }
    let (promise, tag) = load(url, nonce, timeout_ms);
    LOADS.with(|l| l.borrow_mut().push((url.to_owned(), promise.clone(), tag)));
    promise
}

/// Waits until `url` has loaded and defined `window.Plaid`.
///
/// # Errors
/// `PLAID_SCRIPT` saying why not; the failed load is forgotten.
pub(super) async fn ready(url: &str, nonce: Option<&str>, timeout_ms: u32) -> Result<(), Error> {
    let promise = shared(url, nonce, timeout_ms);
    let outcome = JsFuture::from(promise.clone())
        .await
        .ok()
        .and_then(|value| Outcome::of(&value));
    let why = match outcome {
        Some(Outcome::Loaded) if plaid_defined() => return Ok(()),
        Some(Outcome::Loaded) => "loaded but did not define window.Plaid".to_owned(),
        Some(Outcome::TimedOut) => format!("did not load within {timeout_ms} ms"),
        Some(Outcome::NoDocument) => "can't be added: there is no document".to_owned(),
        Some(Outcome::Refused) => format!(
            "was refused by the page's Trusted Types: allow the policy \"{TRUSTED_TYPES_POLICY}\" in its trusted-types directive"
        ),
        Some(Outcome::Failed) | None => "failed to load".to_owned(),
    };
    LOADS.with(|l| {
        let mut loads = l.borrow_mut();
        let this_load = |(u, p, _): &Load| u == url && JsValue::from(p) == JsValue::from(&promise);
        if let Some(i) = loads.iter().position(this_load) {
            if let (_, _, Some(tag)) = loads.swap_remove(i) {
                tag.remove();
            }
        }
    });
    Err(Error::new(
        ErrorCode::PlaidScript,
        format!("Plaid's Link script {why} ({url})"),
    ))
}
