//! Plaid's script on a page that never requested it: two instances, each preloading and
//! repairing at the same time, add one `<script>` tag and request the script once. The only
//! test of its binary, so it starts from the fresh page wasm-bindgen-test gives each binary
//! (`tests/browser.rs` shares its page with tests that loaded the script already).
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Function;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The requests this page made for Plaid's script, as the browser's resource timing lists them.
fn script_requests() -> f64 {
    let count: Function = Function::new_no_args(&format!(
        "return performance.getEntriesByType('resource').filter((e) => e.name.includes('{PLAID_SCRIPT_FILE}')).length;"
    ));
    count
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap()
        .as_f64()
        .unwrap()
}

/// Requests for Plaid's script the sandbox has answered since its start (every page's).
async fn sandbox_script_loads() -> f64 {
    get(
        &admin("GET", "/__sandbox/script-loads", None).await,
        "count",
    )
    .as_f64()
    .expect("the sandbox counts script loads")
}

#[wasm_bindgen_test]
async fn two_instances_and_concurrent_calls_load_plaids_script_once_on_a_cold_page() {
    assert!(!plaid_defined(), "a cold page: no window.Plaid");
    assert_eq!(plaid_script_tags(), 0, "a cold page: no script tag");
    assert_eq!(
        script_requests(),
        0.0,
        "a cold page: the script was never requested"
    );
    seed("c_cold_a", "ERROR_REPAIRABLE", "success").await;
    seed("c_cold_b", "ERROR_REPAIRABLE", "exit").await;
    let loads_before = sandbox_script_loads().await;
    // The script takes 500 ms, so every call below starts while the first load is in flight.
    faults(r#"{"script":{"latencyMs":500}}"#).await;
    let (first, _) = bridge(SESSION_TOKEN);
    let (second, _) = bridge(SESSION_TOKEN);
    let calls = [
        first.preload(),
        second.preload(),
        first.reconnect(SANDBOX.input("c_cold_a")),
        second.reconnect(SANDBOX.input("c_cold_b")),
    ];
    let mut settled = Vec::new();
    for call in calls {
        settled.push(settle(call).await);
    }
    clear_faults().await;
    let [first_preload, second_preload, a, b] = settled.try_into().unwrap();
    first_preload.expect("the first preload resolves");
    second_preload.expect("the second preload resolves");
    assert_outcome(&a.expect("the first repair resolves"), "reconnected");
    assert_outcome(&b.expect("the second repair resolves"), "exited");
    assert!(plaid_defined());
    assert_eq!(plaid_script_tags(), 1, "one <script> tag");
    assert_eq!(
        script_requests(),
        1.0,
        "one request for the script, by this page"
    );
    assert_eq!(
        sandbox_script_loads().await - loads_before,
        1.0,
        "one script load, as the sandbox counts them"
    );
}
