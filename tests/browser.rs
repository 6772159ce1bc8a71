//! The real bridge against the real sandbox in headless Chromium, through the JavaScript class.
//! `cargo xtask test` starts the sandbox and passes its URL in `QUILTT_SANDBOX_URL` at build
//! time; it runs these tests against each generation of Quiltt's schema (2025, then 2024 and
//! 2023, in `QUILTT_SANDBOX_SCHEMA`), with default options: the bridge finds out which one the
//! sandbox speaks (`tests/generations.rs` checks how). Each test seeds connections of its own, so tests don't depend on
//! each other.
#![cfg(target_arch = "wasm32")]

use js_sys::Array;
use quiltt_reconnect::QuilttReconnect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;

use support::*;

#[wasm_bindgen_test]
async fn continue_resolves_repaired_and_never_opens_link() {
    seed("b_continue", "SYNCED", "success").await;
    let (bridge, events) = bridge(SESSION_TOKEN);
    let result = reconnect(&bridge, "b_continue").await.expect("resolves");
    assert_outcome(&result, "repaired");
    assert_eq!(
        text(&result, "connector.status").as_deref(),
        Some("CONTINUE")
    );
    assert_eq!(
        text(&result, "connector.connectorStatus").as_deref(),
        Some("CONTINUE"),
        "the name apps wrote before 2025 still reads"
    );
    assert!(
        get(&result, "connector.linkToken").is_undefined(),
        "tokens stay inside the bridge"
    );
    assert_eq!(stages(&events), ["initializing", "done"]);
    assert_eq!(
        operations(&requests_for("b_continue").await),
        ["connectorPlaidInitialize"]
    );
}

#[wasm_bindgen_test]
async fn action_required_runs_link_then_closes_and_the_sandbox_shows_the_repair() {
    seed("b_success", "ERROR_REPAIRABLE", "success").await;
    let (bridge, events) = bridge(SESSION_TOKEN);
    let input = format!(
        r#"{{"connectionId":"b_success",{},"clientMutationId":"mut-1","update":{{"accountSelectionEnabled":true}}}}"#,
        SANDBOX.features()
    );
    let result = settle(bridge.reconnect(json(&input)))
        .await
        .expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(text(&result, "connection.id").as_deref(), Some("b_success"));
    assert_eq!(
        text(&result, "connection.status").as_deref(),
        Some("SYNCED")
    );
    assert!(Array::from(&get(&result, "connection.accounts")).length() > 0);
    assert!(
        text(&result, "connection.institution.logo")
            .is_some_and(|l| l.starts_with("data:image/png;base64,iVBOR")),
        "the logo's URL, read from logo {{ url }}: {}",
        stringify(&result)
    );

    let stored = admin("GET", "/__sandbox/connections/b_success", None).await;
    assert_eq!(text(&stored, "status").as_deref(), Some("SYNCED"));

    let requests = requests_for("b_success").await;
    assert_eq!(
        operations(&requests),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
    let close = get(&requests[1], "variables.input");
    assert_eq!(text(&close, "clientMutationId").as_deref(), Some("mut-1"));
    assert!(text(&close, "publicToken").is_some_and(|t| t.starts_with("public-")));
    assert!(
        get(&close, "metadata.institution.name").is_string(),
        "Link's metadata is passed to close"
    );

    assert_eq!(stages(&events), REPAIR_STAGES);
    let plaid: Vec<String> = events
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("plaid"))
        .filter_map(|e| text(&e, "name"))
        .collect();
    assert!(
        plaid.iter().any(|n| n == "OPEN"),
        "Plaid's events pass through: {plaid:?}"
    );
    assert!(plaid.iter().any(|n| n == "HANDOFF"), "{plaid:?}");
    let everything = format!("{} {}", stringify(&result), stringify(&events));
    for secret in [text(&close, "publicToken"), connector_token_of(&close)]
        .into_iter()
        .flatten()
    {
        assert!(
            !everything.contains(&secret),
            "a token leaked into the result or events"
        );
    }
}

#[wasm_bindgen_test]
async fn every_initialize_field_reaches_the_server_named_as_documented() {
    seed("b_fields", "SYNCED", "success").await;
    let common = r#""accountFilters":{"depository":{"accountSubtypes":["checking"]}},"androidPackageName":"com.example","auth":{"flowType":"FLEXIBLE_AUTH"},"clientMutationId":"m-2","clientName":"Acme","connectionId":"b_fields","countryCodes":["US"],"language":"en","linkCustomizationName":"default","products":["transactions"],"redirectUri":"https://app.example/oauth","update":{"accountSelectionEnabled":true}"#;
    let generation = match SANDBOX.schema {
        "2023" => {
            r#""additionalConsentedProducts":["identity"],"euConfig":{"headless":false},"features":["TRANSACTIONS"]"#
        }
        "2024" => {
            r#""featuresOptional":["BALANCES"],"featuresRequired":["TRANSACTIONS"],"institutionData":{"routingNumber":"021000021"},"optionalProducts":["auth"],"portalId":"portal_1","transactions":{"daysRequested":90}"#
        }
        _ => {
            r#""featuresOptional":["ACCOUNT_OWNERS"],"featuresRequired":["ACCOUNT_BALANCES_AND_TRANSACTIONS"],"institutionData":{"routingNumber":"021000021"},"optionalProducts":["auth"],"portalsProviderId":"portal_1","transactions":{"daysRequested":90}"#
        }
    };
    let input = format!("{{{common},{generation}}}");
    let input = input.as_str();
    let (bridge, _) = bridge(SESSION_TOKEN);
    let result = settle(bridge.reconnect(json(input)))
        .await
        .expect("resolves");
    assert_outcome(&result, "repaired");
    let sent = get(&requests_for("b_fields").await[0], "variables.input");
    let expected = json(input);
    for key in js_sys::Object::keys(expected.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap();
        assert_eq!(
            stringify(&get(&sent, &key)),
            stringify(&get(&expected, &key)),
            "field {key}"
        );
    }
}

#[wasm_bindgen_test]
async fn exit_without_error_resolves_exited_and_sends_no_close() {
    seed("b_exit", "ERROR_REPAIRABLE", "exit").await;
    let (bridge, events) = bridge(SESSION_TOKEN);
    let result = reconnect(&bridge, "b_exit").await.expect("resolves");
    assert_outcome(&result, "exited");
    assert!(get(&result, "error").is_null());
    assert!(get(&result, "metadata").is_object());
    assert_eq!(
        operations(&requests_for("b_exit").await),
        ["connectorPlaidInitialize"]
    );
    assert_eq!(stages(&events).last().map(String::as_str), Some("done"));
    let stored = admin("GET", "/__sandbox/connections/b_exit", None).await;
    assert_eq!(text(&stored, "status").as_deref(), Some("ERROR_REPAIRABLE"));
}

#[wasm_bindgen_test]
async fn exit_with_error_carries_plaids_error() {
    seed("b_exit_error", "ERROR_REPAIRABLE", "exit_error").await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let result = reconnect(&bridge, "b_exit_error").await.expect("resolves");
    assert_outcome(&result, "exited");
    assert_eq!(
        text(&result, "error.error_code").as_deref(),
        Some("ITEM_LOGIN_REQUIRED")
    );
    assert_eq!(
        text(&result, "error.error_type").as_deref(),
        Some("ITEM_ERROR")
    );
    assert_eq!(
        operations(&requests_for("b_exit_error").await),
        ["connectorPlaidInitialize"]
    );
}

#[wasm_bindgen_test]
async fn unknown_connection_rejects_with_quiltts_errors() {
    let (bridge, _) = bridge(SESSION_TOKEN);
    let error = reconnect(&bridge, "b_does_not_exist")
        .await
        .expect_err("rejects");
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&error, "code").as_deref(), Some("MUTATION_FAILED"));
    assert_eq!(text(&error, "errors.0.code").as_deref(), Some("NOT_FOUND"));
    assert!(text(&error, "message").is_some_and(|m| m.contains("not found")));
}

#[wasm_bindgen_test]
async fn bad_session_token_rejects_unauthorized_and_keeps_the_token_out() {
    let (bridge, _) = bridge("wrong-session-token-123");
    let error = reconnect(&bridge, "conn_healthy")
        .await
        .expect_err("rejects");
    assert_eq!(text(&error, "code").as_deref(), Some("UNAUTHORIZED"));
    assert_eq!(get(&error, "status").as_f64(), Some(401.0));
    let seen = format!(
        "{} {}",
        text(&error, "message").unwrap_or_default(),
        stringify(&error)
    );
    assert!(!seen.contains("wrong-session-token-123"));
}

/// Fields and values the client does not know (or this generation refuses) go to Quiltt as
/// given, and the server's validation message reaches the caller: the 2024 and 2025 schemas
/// require `featuresRequired` and refuse the 2023 `features` (the 2023 one refuses
/// `featuresRequired`), 2025 refuses 2024's `TRANSACTIONS`, and each refuses a field that does
/// not exist. Such a refusal is not taken for another generation's: nothing is sent again.
#[wasm_bindgen_test]
async fn the_servers_validation_of_the_input_reaches_the_caller() {
    seed("b_no_features", "SYNCED", "success").await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let other_generation = match SANDBOX.schema {
        "2023" => r#""featuresRequired":["TRANSACTIONS"]"#,
        _ => r#""features":"TRANSACTIONS""#,
    };
    let mut cases = vec![
        (
            format!(r#"{{"connectionId":"b_no_features",{other_generation}}}"#),
            "features",
        ),
        (
            format!(
                r#"{{"connectionId":"b_no_features",{},"brandNewField":1}}"#,
                SANDBOX.features()
            ),
            "brandNewField",
        ),
    ];
    if SANDBOX.schema != "2023" {
        cases.push((
            r#"{"connectionId":"b_no_features"}"#.to_owned(),
            "featuresRequired",
        ));
    }
    if SANDBOX.schema == "2025" {
        cases.push((
            r#"{"connectionId":"b_no_features","featuresRequired":["TRANSACTIONS"]}"#.to_owned(),
            "TRANSACTIONS",
        ));
    }
    for (input, named) in cases {
        let error = settle(bridge.reconnect(json(&input)))
            .await
            .expect_err("rejects");
        assert_eq!(text(&error, "code").as_deref(), Some("GRAPHQL"), "{input}");
        let message = text(&error, "message").unwrap_or_default();
        assert!(message.contains(named), "{input}: {message}");
    }
    let sent = requests_for("b_no_features").await;
    assert!(
        sent.iter()
            .any(|r| get(r, "variables.input.brandNewField").as_f64() == Some(1.0)),
        "an unknown field is sent as given"
    );
}

#[wasm_bindgen_test]
async fn bad_input_is_refused_before_any_request() {
    let (bridge, _) = bridge(SESSION_TOKEN);
    for input in [
        r#"{"connectionId":""}"#,
        r#"{"connectionId":"b_bad","countryCodes":"US"}"#,
        r#"{"conectionId":"b_bad"}"#,
        r#"{"connectionId":"b_bad","update":[1]}"#,
        r#"{"connectionId":"b_bad","features":{"a":1}}"#,
        "42",
    ] {
        let error = settle(bridge.reconnect(json(input)))
            .await
            .expect_err("rejects");
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "{input}"
        );
    }
    assert!(requests_for("b_bad").await.is_empty());
    let error = settle(bridge.update_metadata("b_bad".into(), json("[1,2]"), JsValue::UNDEFINED))
        .await
        .expect_err("rejects");
    assert_eq!(text(&error, "code").as_deref(), Some("INVALID_INPUT"));
    assert!(QuilttReconnect::new(json(r#"{"token":""}"#)).is_err());
    assert!(QuilttReconnect::new(json(r#"{"token":"t","timeoutMs":-1}"#)).is_err());
}

/// Options that can't work are refused by the constructor, with a message that does not quote
/// the token: a token that is no HTTP header value, an endpoint that is no http(s) URL (or has
/// credentials in it), a script URL of another scheme.
#[wasm_bindgen_test]
async fn unsendable_options_are_refused_by_the_constructor() {
    for (options, named) in [
        (r#"{"token":"line\nbreak"}"#, "token"),
        (r#"{"token":"caf\u00e9-\u20ac"}"#, "token"),
        (r#"{"token":"t","endpoint":"http://[::1"}"#, "endpoint"),
        (r#"{"token":"t","endpoint":"not a url"}"#, "endpoint"),
        (
            r#"{"token":"t","endpoint":"ftp://quiltt.example/graphql"}"#,
            "endpoint",
        ),
        (
            r#"{"token":"t","endpoint":"https://user:secret-pass@quiltt.example/graphql"}"#,
            "endpoint",
        ),
        (
            r#"{"token":"t","plaidScriptUrl":"javascript:alert(1)"}"#,
            "plaidScriptUrl",
        ),
    ] {
        let error = QuilttReconnect::new(json(options)).expect_err(options);
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("INVALID_INPUT"),
            "{options}"
        );
        assert_eq!(
            text(&error, "name").as_deref(),
            Some("QuilttReconnectError")
        );
        let message = text(&error, "message").unwrap_or_default();
        assert!(message.contains(named), "{options}: {message}");
        for secret in ["break", "caf", "secret-pass"] {
            assert!(!message.contains(secret), "{message}");
        }
    }
    let relative = QuilttReconnect::new(json(r#"{"token":"t","endpoint":"/v1/graphql"}"#));
    assert!(
        relative.is_ok(),
        "a path of the page's origin is an endpoint"
    );
}

#[wasm_bindgen_test]
async fn update_metadata_round_trips_through_the_sandbox() {
    seed("b_metadata", "SYNCED", "success").await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let metadata = r#"{"tier":"gold","tags":["a","b"],"nested":{"n":1.5,"ok":true,"none":null}}"#;
    let connection =
        settle(bridge.update_metadata("b_metadata".into(), json(metadata), JsValue::UNDEFINED))
            .await
            .expect("resolves");
    assert_eq!(text(&connection, "id").as_deref(), Some("b_metadata"));
    let stored = admin("GET", "/__sandbox/connections/b_metadata", None).await;
    // Servers may reorder keys (as JSONB does), so compare values, not text.
    for value in [get(&connection, "metadata"), get(&stored, "metadata")] {
        assert_eq!(text(&value, "tier").as_deref(), Some("gold"));
        assert_eq!(text(&value, "tags.1").as_deref(), Some("b"));
        assert_eq!(get(&value, "nested.n").as_f64(), Some(1.5));
        assert_eq!(get(&value, "nested.ok").as_bool(), Some(true));
        assert!(get(&value, "nested.none").is_null());
    }
    let sent = get(&requests_for("b_metadata").await[0], "variables.input");
    assert_eq!(text(&sent, "id").as_deref(), Some("b_metadata"));
}

#[wasm_bindgen_test]
async fn the_plaid_script_is_loaded_once_for_two_instances() {
    seed("b_twice_a", "ERROR_REPAIRABLE", "success").await;
    seed("b_twice_b", "ERROR_REPAIRABLE", "exit").await;
    // The sandbox counts loads from every page of the run; count this page's.
    let plaid_loaded_before =
        js_sys::Reflect::get(&js_sys::global(), &"Plaid".into()).is_ok_and(|p| p.is_object());
    let loads_before = get(
        &admin("GET", "/__sandbox/script-loads", None).await,
        "count",
    )
    .as_f64()
    .unwrap_or_default();
    let (first, _) = bridge(SESSION_TOKEN);
    let (second, _) = bridge(SESSION_TOKEN);
    let (a, b, p) = (
        first.reconnect(SANDBOX.input("b_twice_a")),
        second.reconnect(SANDBOX.input("b_twice_b")),
        second.preload(),
    );
    assert_outcome(&settle(a).await.expect("first resolves"), "reconnected");
    assert_outcome(&settle(b).await.expect("second resolves"), "exited");
    settle(p).await.expect("preload resolves");
    let loads = get(
        &admin("GET", "/__sandbox/script-loads", None).await,
        "count",
    )
    .as_f64()
    .unwrap_or_default();
    let expected = if plaid_loaded_before { 0.0 } else { 1.0 };
    assert_eq!(loads - loads_before, expected, "script loads by this page");
    assert_eq!(plaid_script_tags(), 1);
}

#[wasm_bindgen_test]
async fn a_close_over_64_kib_of_utf8_is_sent_without_keepalive_and_succeeds() {
    // 60 accounts named with 400 "€" each: about 24,000 UTF-16 units but 72 KB of UTF-8, over
    // the 64 KiB browsers allow a `keepalive` body.
    let name = "€".repeat(400);
    let accounts: Vec<String> = (0..60)
        .map(|i| format!(r#"{{"id":"acct_{i}","name":"{name}"}}"#))
        .collect();
    seed_json(&format!(
        r#"{{"id":"b_big_close","status":"ERROR_REPAIRABLE","accounts":[{}],"linkBehavior":{{"mode":"success"}}}}"#,
        accounts.join(",")
    ))
    .await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let result = reconnect(&bridge, "b_big_close").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(
        Array::from(&get(&result, "connection.accounts")).length(),
        60
    );
}

/// `connections({ status })` finds what needs repair and `connection(id)` reads one, with the
/// accounts' mask and type and the institution's logo URL; an unknown id is `null`.
#[wasm_bindgen_test]
async fn connections_are_listed_by_status_and_read_one_by_one() {
    seed("b_list_broken", "ERROR_REPAIRABLE", "success").await;
    seed("b_list_healthy", "SYNCED", "success").await;
    let (bridge, _) = bridge(SESSION_TOKEN);
    let ids = |list: &JsValue| -> Vec<String> {
        Array::from(list)
            .iter()
            .filter_map(|c| text(&c, "id"))
            .collect()
    };
    let broken = settle(bridge.connections(json(r#"{"status":"ERROR_REPAIRABLE"}"#)))
        .await
        .expect("resolves");
    assert!(
        ids(&broken).contains(&"b_list_broken".to_owned()),
        "{}",
        stringify(&broken)
    );
    assert!(!ids(&broken).contains(&"b_list_healthy".to_owned()));
    assert!(Array::from(&broken)
        .iter()
        .all(|c| text(&c, "status").as_deref() == Some("ERROR_REPAIRABLE")));
    let all = settle(bridge.connections(JsValue::UNDEFINED))
        .await
        .expect("resolves");
    assert!(ids(&all).contains(&"b_list_healthy".to_owned()));
    let listed = settle(bridge.connections(json(r#"{"status":["SYNCED","ERROR_REPAIRABLE"]}"#)))
        .await
        .expect("a list of statuses");
    assert!(ids(&listed).contains(&"b_list_healthy".to_owned()));

    let one = settle(bridge.connection("b_list_healthy".into(), JsValue::UNDEFINED))
        .await
        .expect("resolves");
    assert_eq!(text(&one, "status").as_deref(), Some("SYNCED"));
    let account = get(&one, "accounts.0");
    assert!(text(&account, "mask").is_some(), "{}", stringify(&one));
    assert!(text(&account, "type").is_some(), "{}", stringify(&one));
    assert!(text(&one, "institution.logo").is_some_and(|l| l.starts_with("data:image/png")));
    let none = settle(bridge.connection("b_list_missing".into(), JsValue::UNDEFINED))
        .await
        .expect("resolves");
    assert!(none.is_null(), "{}", stringify(&none));
    let refused = settle(bridge.connections(json(r#"{"state":"x"}"#)))
        .await
        .expect_err("an unknown filter field");
    assert_eq!(text(&refused, "code").as_deref(), Some("INVALID_INPUT"));
}

/// `alwaysOpenLink` opens Link on a healthy connection (to add accounts), then closes; without
/// it a healthy connection resolves `repaired` as before.
#[wasm_bindgen_test]
async fn always_open_link_adds_accounts_to_a_healthy_connection() {
    seed("b_add_accounts", "SYNCED", "success").await;
    let (bridge, events) = bridge(SESSION_TOKEN);
    let plain = reconnect(&bridge, "b_add_accounts")
        .await
        .expect("resolves");
    assert_outcome(&plain, "repaired");
    let input = format!(
        r#"{{"connectionId":"b_add_accounts",{},"update":{{"accountSelectionEnabled":true}},"alwaysOpenLink":true}}"#,
        SANDBOX.features()
    );
    let result = settle(bridge.reconnect(json(&input)))
        .await
        .expect("resolves");
    assert_outcome(&result, "reconnected");
    assert_eq!(
        operations(&requests_for("b_add_accounts").await),
        [
            "connectorPlaidInitialize",
            "connectorPlaidInitialize",
            "connectorPlaidClose"
        ]
    );
    let sent = get(&requests_for("b_add_accounts").await[1], "variables.input");
    assert!(
        get(&sent, "alwaysOpenLink").is_undefined(),
        "the call's own option is not sent to Quiltt"
    );
    assert!(stages(&events).contains(&"link_open".to_owned()));
}

/// An OAuth bank: Link sends the page to the bank. What the flow needs to finish on the page the
/// bank sends the user back to is saved before Link opens; on this page, where the flow still
/// runs, `resume()` does not take it (that page finishes it: e2e `demo-oauth`, and
/// `flow::an_oauth_flow_keeps_its_session_across_the_redirect_and_resume_closes_with_it`), and
/// it is forgotten once the flow is cancelled.
#[wasm_bindgen_test]
async fn an_oauth_flows_record_is_saved_before_link_and_not_taken_while_the_flow_runs() {
    seed_json(
        r#"{"id":"b_oauth","status":"ERROR_REPAIRABLE","oauth":true,"linkBehavior":{"mode":"oauth"}}"#,
    )
    .await;
    // The test runner's page must not navigate: the stand-in tells us where it would go.
    let (sent_to, _) = hold_navigation();
    let (first, _) = bridge(SESSION_TOKEN);
    let nothing = settle(first.resume(JsValue::UNDEFINED))
        .await
        .expect("resolves");
    assert!(nothing.is_null(), "nothing was left unfinished");

    let controller = web_sys::AbortController::new().unwrap();
    let input = json(&format!(
        r#"{{"connectionId":"b_oauth",{},"redirectUri":"https://app.example/back?tab=bank"}}"#,
        SANDBOX.features()
    ));
    js_sys::Reflect::set(&input, &"signal".into(), &controller.signal()).unwrap();
    let first_page = first.reconnect(input);
    let back = bank_redirect(&sent_to).await;
    assert!(
        back.starts_with("https://app.example/back?tab=bank&oauth_state_id="),
        "{back}"
    );
    assert_eq!(
        saved_flows().len(),
        1,
        "the flow's record survives the navigation"
    );
    assert!(
        !saved_flows()[0].contains(SESSION_TOKEN),
        "the session token is never saved"
    );

    // The same page: its flow still runs and owns the record.
    let (other, _) = bridge(SESSION_TOKEN);
    let options = json("{}");
    js_sys::Reflect::set(&options, &"url".into(), &back.as_str().into()).unwrap();
    let taken = settle(other.resume(options)).await.expect("resolves");
    assert!(taken.is_null(), "a running flow's record is not taken");
    assert_eq!(saved_flows().len(), 1);

    controller.abort();
    let error = settle(first_page).await.expect_err("aborted");
    assert_eq!(text(&error, "code").as_deref(), Some("ABORTED"));
    assert!(
        saved_flows().is_empty(),
        "a cancelled flow forgets its record"
    );
    let global: js_sys::Object = js_sys::global();
    js_sys::Reflect::delete_property(&global, &"PlaidSandbox".into()).unwrap();
}
