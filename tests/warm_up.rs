//! The warm-up, in a page of its own: the first instance runs a reconnect on canned answers
//! once the page is idle, so the browser compiles the flow's code before the first flow. It
//! runs (its canned texts go through `JSON.parse`), and nothing leaves the module: no request,
//! no script, no storage, no event. A flow after it is an ordinary flow.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Array, Promise};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function watch() {
  const seen = {
    fetches: 0,
    parsed: [],
    scripts: document.scripts.length,
    storage: sessionStorage.length,
  };
  const fetch = window.fetch;
  const parse = JSON.parse;
  window.fetch = function (...args) { seen.fetches++; return fetch.apply(this, args); };
  JSON.parse = function (...args) { seen.parsed.push(String(args[0])); return parse.apply(this, args); };
  seen.stop = () => { window.fetch = fetch; JSON.parse = parse; };
  return seen;
}
export function idle() {
  return new Promise((resolve) => requestIdleCallback(() => setTimeout(resolve, 0)));
}
"#)]
extern "C" {
    /// Counts `fetch` calls, records `JSON.parse`'s texts, and notes the page's script tags and
    /// sessionStorage entries; `.stop()` restores both functions.
    fn watch() -> JsValue;
    /// Resolves after the idle callbacks registered before it.
    fn idle() -> Promise;
}

#[wasm_bindgen_test]
async fn the_first_instance_warms_the_flow_up_when_idle_and_nothing_leaves_the_module() {
    seed("w_after", "ERROR_REPAIRABLE", "success").await;
    let seen = watch();
    let (bridge, events) = bridge(SESSION_TOKEN);
    JsFuture::from(idle()).await.unwrap();
    let stop: js_sys::Function = get(&seen, "stop").unchecked_into();
    stop.call0(&seen).unwrap();

    let parsed: Vec<String> = Array::from(&get(&seen, "parsed"))
        .iter()
        .filter_map(|t| t.as_string())
        .collect();
    assert!(
        parsed
            .iter()
            .any(|t| t.contains(r#""connectionId":"dry-run""#)),
        "the warm-up read its canned input: {parsed:?}"
    );
    assert!(
        parsed.iter().any(|t| t.contains("connectorPlaidClose")),
        "and went on to the close: {parsed:?}"
    );
    assert_eq!(get(&seen, "fetches").as_f64(), Some(0.0), "no request");
    let document = web_sys::window().unwrap().document().unwrap();
    let scripts = document.query_selector_all("script").unwrap().length();
    assert_eq!(
        Some(f64::from(scripts)),
        get(&seen, "scripts").as_f64(),
        "no script"
    );
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    assert_eq!(
        Some(f64::from(storage.length().unwrap())),
        get(&seen, "storage").as_f64(),
        "nothing stored"
    );
    assert_eq!(events.length(), 0, "no event reached the app");
    assert!(requests_for("dry-run").await.is_empty());

    let result = reconnect(&bridge, "w_after").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(stages(&events), REPAIR_STAGES);
}
