//! Loads Plaid's Link script once per page, shared by every instance. A failed load is
//! forgotten, so a later call tries again.

use std::cell::RefCell;

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlScriptElement;

use super::bindings::plaid_defined;
use crate::error::{Error, ErrorCode};
use crate::text::{decimal, text};
use crate::timer::set_timeout;

thread_local! {
    /// One load per script URL: the URL, the promise of its `<script>` tag, and the tag.
    static LOADS: RefCell<Vec<(String, Promise, HtmlScriptElement)>> = const { RefCell::new(Vec::new()) };
}

fn script_error(url: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::PlaidScript,
        text!("Plaid's Link script ", what, " (", url, ")"),
    )
}

/// Starts loading `url` unless it is loading or loaded; returns the shared promise.
/// The promise rejects when the tag fails, or after `timeout_ms` when it never finishes.
pub(super) fn start(url: &str, timeout_ms: u32) -> Result<Promise, Error> {
    if let Some(existing) = LOADS.with(|l| {
        l.borrow()
            .iter()
            .find(|(u, _, _)| u == url)
            .map(|(_, p, _)| p.clone())
    }) {
        return Ok(existing);
    }
    if plaid_defined() {
        // The page loaded Plaid itself; don't add a second tag.
        return Ok(Promise::resolve(&JsValue::UNDEFINED));
    }
    let no_dom = || script_error(url, "can't be added: no document");
    let window = web_sys::window().ok_or_else(no_dom)?;
    let document = window.document().ok_or_else(no_dom)?;
    let parent = document
        .head()
        .map(web_sys::Element::from)
        .or_else(|| document.document_element())
        .ok_or_else(no_dom)?;
    let script: HtmlScriptElement = document
        .create_element("script")
        .map_err(|_| no_dom())?
        .unchecked_into();
    script.set_src(url);
    script.set_async(true);
    let mut executor = |resolve: Function, reject: Function| {
        // The tag's own events and a timer settle the promise; none needs a Rust closure.
        script.set_onload(Some(&resolve));
        script.set_onerror(Some(&reject));
        set_timeout(&reject, timeout_ms);
    };
    let promise = Promise::new(&mut executor);
    parent.append_child(&script).map_err(|_| no_dom())?;
    LOADS.with(|l| {
        l.borrow_mut()
            .push((url.to_owned(), promise.clone(), script))
    });
    Ok(promise)
}

/// Forgets a failed load and removes its tag, so the next call starts afresh.
fn forget(url: &str) {
    LOADS.with(|l| {
        l.borrow_mut().retain(|(u, _, tag)| {
            if u == url {
                tag.remove();
            }
            u != url
        })
    });
}

/// Waits until `url` has loaded and defined `window.Plaid`.
pub(super) async fn ready(url: &str, timeout_ms: u32) -> Result<(), Error> {
    let promise = start(url, timeout_ms)?;
    let loaded = JsFuture::from(promise).await;
    if plaid_defined() {
        return Ok(());
    }
    forget(url);
    Err(match loaded {
        Ok(_) => script_error(url, "loaded but did not define window.Plaid"),
        Err(e) if e.is_undefined() => script_error(
            url,
            &text!(
                "did not load within ",
                decimal(i64::from(timeout_ms)),
                " ms"
            ),
        ),
        Err(_) => script_error(url, "failed to load"),
    })
}
