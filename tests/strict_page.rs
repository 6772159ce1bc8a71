//! Strict pages, in a page of their own where Plaid has never loaded: the `nonce` option is
//! checked before anything is loaded, Plaid's script tag carries the page's own nonce (read from
//! a `<meta property="csp-nonce">`) when none is given, and a nonce given wins. (The e2e scenario
//! `strict-page` repairs a connection on a page that enforces a nonce-only `script-src` and
//! Trusted Types.)
#![cfg(target_arch = "wasm32")]

mod support;

use quiltt_reconnect::QuilttReconnect;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// The `nonce` property of the script tag whose `src` contains `part`.
fn nonce_of_tag(part: &str) -> Option<String> {
    let tag = document()
        .query_selector(&format!("script[src*='{part}']"))
        .unwrap()?;
    Some(tag.unchecked_into::<web_sys::HtmlElement>().nonce())
}

#[wasm_bindgen_test]
fn a_nonce_that_is_not_one_is_invalid_input() {
    for bad in [r#""two words""#, r#""""#, "5", r#""<x>""#] {
        let options = options(&format!(r#"{{"nonce":{bad}}}"#));
        let error = QuilttReconnect::new(options).expect_err(bad);
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "{bad}"
        );
        assert!(
            text(&error, "message").is_some_and(|m| m.contains("nonce")),
            "{bad}: {}",
            stringify(&error)
        );
    }
}

#[wasm_bindgen_test]
async fn the_script_tag_carries_the_pages_nonce_or_the_one_given() {
    let meta = document().create_element("meta").unwrap();
    meta.set_attribute("property", "csp-nonce").unwrap();
    meta.set_attribute("nonce", "pageNonce123").unwrap();
    document().head().unwrap().append_child(&meta).unwrap();

    let (bridge, _) = bridge_with("{}");
    settle(bridge.preload())
        .await
        .expect("Plaid's script loads");
    assert_eq!(
        nonce_of_tag("link-initialize.js").as_deref(),
        Some("pageNonce123"),
        "the page's nonce is on the tag"
    );

    // Another script URL (a second load: Plaid's stand-in is taken away, as if never loaded),
    // with a nonce given: the given one wins.
    let global: js_sys::Object = js_sys::global();
    js_sys::Reflect::delete_property(&global, &"Plaid".into()).unwrap();
    let other = url("/link/v2/stable/link-initialize.js?given");
    let (given, _) = bridge_with(&format!(
        r#"{{"plaidScriptUrl":"{other}","nonce":"given_Nonce-456="}}"#
    ));
    settle(given.preload()).await.expect("loads");
    assert_eq!(
        nonce_of_tag("link-initialize.js?given").as_deref(),
        Some("given_Nonce-456="),
        "the nonce given wins"
    );
}
