//! A link token that expires before Link opens (here: the Plaid script is slower than the
//! token's lifetime) is replaced by a second initialize, and the close uses the new connector
//! token. A page of its own, so the script really loads slowly.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_expired_link_token_is_replaced_before_link_opens() {
    seed("e_expiry", "ERROR_REPAIRABLE", "success").await;
    admin(
        "POST",
        "/__sandbox/config",
        Some(r#"{"linkTokenTtlSecs":1}"#),
    )
    .await;
    faults(r#"{"script":{"latencyMs":1500,"times":1}}"#).await;
    let (bridge, events) = bridge_with("{}");
    let result = reconnect(&bridge, "e_expiry").await;
    clear_faults().await;
    admin(
        "POST",
        "/__sandbox/config",
        Some(r#"{"linkTokenTtlSecs":1800}"#),
    )
    .await;
    let result = result.expect("resolves");
    assert_outcome(&result, "reconnected");
    // The sandbox only accepts a close whose public token came from the connector token's
    // own link token, so this success shows the close used the second initialize's tokens.
    assert_eq!(
        operations(&requests_for("e_expiry").await),
        [
            "connectorPlaidInitialize",
            "connectorPlaidInitialize",
            "connectorPlaidClose"
        ]
    );
    assert_eq!(
        stages(&events),
        [
            "initializing",
            "link_loading",
            "initializing",
            "link_loading",
            "link_open",
            "closing",
            "done"
        ]
    );
}
