//! 1,000 full flows (initialize → Link → close, each with an `AbortSignal`) in one page leave
//! the wasm memory flat and no Link handler alive. A page of its own, so nothing else allocates meanwhile.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Reflect;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Growth allowed after warm-up: one 64 KiB wasm page. A leak of 70 bytes a flow (a `JsFuture`
/// whose promise never settles) already exceeds it.
const FLAT_BYTES: f64 = 64.0 * 1024.0;
const FLOWS: usize = 1_000;

fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

async fn one_flow(bridge: &quiltt_reconnect::QuilttReconnect) {
    seed("m_flow", "ERROR_REPAIRABLE", "success").await;
    // A signal that never aborts: the flow's wait on it must be freed when the flow ends.
    let input = SANDBOX.input("m_flow");
    let controller = web_sys::AbortController::new().unwrap();
    Reflect::set(&input, &"signal".into(), &controller.signal()).unwrap();
    let result = settle(bridge.reconnect(input)).await.expect("resolves");
    assert_outcome(&result, "reconnected");
}

#[wasm_bindgen_test]
async fn a_thousand_flows_leave_wasm_memory_flat_and_no_handler_alive() {
    let (bridge, events) = bridge_with("{}");
    for _ in 0..20 {
        one_flow(&bridge).await;
    }
    events.set_length(0);
    let before = wasm_memory_bytes();
    for _ in 0..FLOWS {
        one_flow(&bridge).await;
        events.set_length(0);
    }
    sleep(100).await;
    let after = wasm_memory_bytes();
    console_log!(
        "wasm memory after warm-up: {before} bytes; after {FLOWS} more flows: {after} bytes"
    );
    assert!(
        after - before <= FLAT_BYTES,
        "wasm memory grew from {before} to {after} bytes"
    );
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "every Link handler was destroyed"
    );
    assert_eq!(plaid_stat("created"), Some((FLOWS + 20) as f64));
    assert_eq!(plaid_stat("destroyWhileOpen"), Some(0.0));
}
