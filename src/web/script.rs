//! Loads Plaid's Link script once per page and URL, shared by every client. A failed load is
//! forgotten (its tag removed), so the next wait tries again.
//!
//! The tag's `onload`/`onerror` and the timeout settle a promise through bound copies of its
//! own `resolve` (`resolve.bind(null, outcome)`, the [`Outcome`] as a number): no Rust closure
//! is handed to the page, and the promise never rejects, so a failed preload that nobody waits
//! for is no unhandled rejection.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlScriptElement;

use quiltt_reconnect_core::{Error, ErrorCode};

/// One load: its URL, the shared promise, and the tag.
type Load = (String, Promise, Option<HtmlScriptElement>);

thread_local! {
    /// The loads of the page (one or two URLs at most).
    static LOADS: RefCell<Vec<Load>> = const { RefCell::new(Vec::new()) };
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
fn load(url: &str, timeout_ms: u32) -> (Promise, Option<HtmlScriptElement>) {
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
        script.set_src(url);
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

/// Starts loading `url` unless it is loading or loaded (or the page loaded Plaid itself).
pub(crate) fn start(url: &str, timeout_ms: u32) {
    let _ = shared(url, timeout_ms);
}

/// The shared promise of loading `url`, started if need be.
fn shared(url: &str, timeout_ms: u32) -> Promise {
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
    let (promise, tag) = load(url, timeout_ms);
    LOADS.with(|l| l.borrow_mut().push((url.to_owned(), promise.clone(), tag)));
    promise
}

/// Waits until `url` has loaded and defined `window.Plaid`.
///
/// # Errors
/// `PLAID_SCRIPT` saying why not; the failed load is forgotten.
pub(super) async fn ready(url: &str, timeout_ms: u32) -> Result<(), Error> {
    let promise = shared(url, timeout_ms);
    let outcome = JsFuture::from(promise.clone())
        .await
        .ok()
        .and_then(|value| Outcome::of(&value));
    let why = match outcome {
        Some(Outcome::Loaded) if plaid_defined() => return Ok(()),
        Some(Outcome::Loaded) => "loaded but did not define window.Plaid".to_owned(),
        Some(Outcome::TimedOut) => format!("did not load within {timeout_ms} ms"),
        Some(Outcome::NoDocument) => "can't be added: there is no document".to_owned(),
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
