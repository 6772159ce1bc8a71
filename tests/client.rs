//! The Rust API, [`Client`], against the real sandbox in headless Chromium: the same driver and
//! browser `Io` the JS class runs on, through the Rust types, plus what only Rust apps use (a
//! cancel future, a token provider, `?` on the crate's errors in an app's own
//! `#[wasm_bindgen]` function).
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use quiltt_reconnect::{
    Client, ClientOptions, ConnectionFilter, ConnectionUpdateInput, ConnectorPlaidInitializeInput,
    Error, ErrorCode, Json, ReconnectEvent, ReconnectOptions, ReconnectResult, SessionToken, Stage,
    TokenSource,
};
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

type Events = Rc<RefCell<Vec<ReconnectEvent>>>;

/// A client of the sandbox whose events are collected.
fn client_with(token: TokenSource, timeout_ms: u32) -> (Client, Events) {
    let events: Events = Rc::default();
    let mut options = ClientOptions::new(token);
    options.endpoint = url("/v1/graphql");
    options.plaid_script_url = url("/link/v2/stable/link-initialize.js");
    options.timeout_ms = timeout_ms;
    let sink = Rc::clone(&events);
    options.on_event = Some(Rc::new(move |event| sink.borrow_mut().push(event)));
    (Client::new(options).expect("valid options"), events)
}

fn client() -> (Client, Events) {
    client_with(SessionToken::new(SESSION_TOKEN).into(), 10_000)
}

fn input(connection_id: &str) -> ConnectorPlaidInitializeInput {
    let mut input = ConnectorPlaidInitializeInput::new(connection_id);
    match SANDBOX.schema {
        "2023" => input.features = Some("TRANSACTIONS".into()),
        "2024" => input.features_required = Some(vec!["TRANSACTIONS".into()]),
        _ => input.features_required = Some(vec!["ACCOUNT_BALANCES_AND_TRANSACTIONS".into()]),
    }
    input
}

fn stages(events: &Events) -> Vec<Stage> {
    events
        .borrow()
        .iter()
        .filter_map(ReconnectEvent::stage)
        .collect()
}

fn saw_plaid_event(events: &Events, wanted: &str) -> bool {
    events
        .borrow()
        .iter()
        .any(|e| matches!(e, ReconnectEvent::Plaid { name, .. } if name == wanted))
}

/// Reconnects `connection_id`, cancelling the flow once Link has opened; the flow's error.
async fn reconnect_cancelled_once_link_opens(
    client: &Client,
    events: &Events,
    connection_id: &str,
) -> Error {
    let open = Rc::clone(events);
    let cancel = async move {
        while !saw_plaid_event(&open, "OPEN") {
            sleep(20).await;
        }
    };
    client
        .reconnect_until(&input(connection_id), ReconnectOptions::default(), cancel)
        .await
        .expect_err("rejects")
}

#[wasm_bindgen_test]
async fn the_client_repairs_through_link_and_close() {
    seed("c_success", "ERROR_REPAIRABLE", "success").await;
    let (client, events) = client();
    let result = client
        .reconnect(&input("c_success"))
        .await
        .expect("resolves");
    let ReconnectResult::Reconnected { connection, .. } = result else {
        panic!("reconnected, got {result:?}");
    };
    assert_eq!(connection.id, "c_success");
    assert!(!connection.accounts.is_empty());
    assert_eq!(
        stages(&events),
        [
            Stage::Initializing,
            Stage::LinkLoading,
            Stage::LinkOpen,
            Stage::Closing,
            Stage::Done
        ]
    );
    assert!(
        saw_plaid_event(&events, "OPEN"),
        "Link's events are passed on"
    );
    assert_eq!(
        operations(&requests_for("c_success").await),
        ["connectorPlaidInitialize", "connectorPlaidClose"]
    );
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "the handler was destroyed"
    );
}

#[wasm_bindgen_test]
async fn the_client_times_out_a_hanging_request_and_really_aborts_it() {
    seed("c_hang", "SYNCED", "success").await;
    faults(r#"{"connectorPlaidInitialize":{"hang":true,"times":1}}"#).await;
    let (client, _) = client_with(SessionToken::new(SESSION_TOKEN).into(), 400);
    let error = client
        .reconnect(&input("c_hang"))
        .await
        .expect_err("rejects");
    assert_eq!(error.code(), ErrorCode::Timeout);
    sleep(300).await;
    let requests = requests_for("c_hang").await;
    clear_faults().await;
    assert_eq!(requests.len(), 1, "a timeout is not retried");
    assert_eq!(
        get(&requests[0], "abandoned").as_bool(),
        Some(true),
        "the sandbox saw the request go away"
    );
}

#[wasm_bindgen_test]
async fn cancelling_the_client_while_link_is_open_closes_link_and_sends_no_close() {
    seed("c_cancel", "ERROR_REPAIRABLE", "modal").await;
    let (client, events) = client();
    let error = reconnect_cancelled_once_link_opens(&client, &events, "c_cancel").await;
    assert_eq!(error.code(), ErrorCode::Aborted);
    sleep(300).await;
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(
        document
            .query_selector("[data-testid=plaid-sandbox-continue]")
            .unwrap()
            .is_none(),
        "Link was closed"
    );
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "exited before destroy()"
    );
    assert_eq!(plaid_stat("created"), plaid_stat("destroyed"));
    assert_eq!(
        operations(&requests_for("c_cancel").await),
        ["connectorPlaidInitialize"]
    );
    assert_eq!(stages(&events).last(), Some(&Stage::Done));
}

/// Link closed by force may call `onExit`, and flush its events, only later: the handler is
/// destroyed after that late `onExit`, and its events don't follow the flow's `done`.
#[wasm_bindgen_test]
async fn a_late_on_exit_after_a_cancel_is_waited_for_and_done_stays_the_last_event() {
    seed_json(
        r#"{"id":"c_late_exit","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"modal","forcedExitDelayMs":300}}"#,
    )
    .await;
    let (client, events) = client();
    let error = reconnect_cancelled_once_link_opens(&client, &events, "c_late_exit").await;
    assert_eq!(error.code(), ErrorCode::Aborted);
    assert_ne!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "the handler waits for Link's onExit"
    );
    sleep(700).await;
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "never destroyed while open"
    );
    assert_eq!(
        plaid_stat("created"),
        plaid_stat("destroyed"),
        "destroyed once the late onExit came"
    );
    assert!(
        matches!(
            events.borrow().last(),
            Some(ReconnectEvent::Progress {
                stage: Stage::Done,
                ..
            })
        ),
        "no event after done: {:?}",
        events.borrow().last()
    );
}

#[wasm_bindgen_test]
async fn the_client_asks_its_token_provider_again_after_a_401() {
    seed("c_token_fn", "SYNCED", "success").await;
    let calls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&calls);
    let provider = move || -> Pin<Box<dyn Future<Output = Result<SessionToken, Error>>>> {
        counter.set(counter.get() + 1);
        // The first token has "expired"; the second is fresh.
        let token = if counter.get() == 1 {
            "expired-session-token"
        } else {
            SESSION_TOKEN
        };
        Box::pin(async move { Ok(SessionToken::new(token)) })
    };
    let (client, _) = client_with(TokenSource::Provider(Rc::new(provider)), 10_000);
    let result = client
        .reconnect(&input("c_token_fn"))
        .await
        .expect("resolves");
    assert!(
        matches!(result, ReconnectResult::Repaired { .. }),
        "{result:?}"
    );
    assert_eq!(calls.get(), 2);
    let auth: Vec<String> = requests_for("c_token_fn")
        .await
        .iter()
        .filter_map(|r| text(r, "authorization"))
        .collect();
    assert_eq!(auth, ["wrong", "present"]);
}

#[wasm_bindgen_test]
async fn the_client_stores_metadata() {
    seed("c_metadata", "SYNCED", "success").await;
    let (client, _) = client();
    let metadata = Json::parse(r#"{"tier":"gold"}"#).unwrap();
    let connection = client
        .update_metadata(&ConnectionUpdateInput::new("c_metadata", metadata))
        .await
        .expect("resolves");
    assert_eq!(
        text(&quiltt_reconnect::json_to_js(&connection.metadata), "tier").as_deref(),
        Some("gold")
    );
    let stored = admin("GET", "/__sandbox/connections/c_metadata", None).await;
    assert_eq!(text(&stored, "metadata.tier").as_deref(), Some("gold"));
}

#[wasm_bindgen_test]
async fn the_client_finds_what_needs_repair_and_reads_one_connection() {
    seed("c_list_broken", "ERROR_REPAIRABLE", "success").await;
    seed("c_list_ok", "SYNCED", "success").await;
    let (client, _) = client();
    let broken = client
        .connections(&ConnectionFilter::status(["ERROR_REPAIRABLE"]))
        .await
        .expect("resolves");
    let ids: Vec<&str> = broken.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"c_list_broken"), "{ids:?}");
    assert!(!ids.contains(&"c_list_ok"), "{ids:?}");
    assert!(broken
        .iter()
        .all(|c| c.status.as_deref() == Some("ERROR_REPAIRABLE")));
    let one = client.connection("c_list_ok").await.expect("resolves");
    let one = one.expect("the sandbox knows it");
    assert_eq!(one.status.as_deref(), Some("SYNCED"));
    assert!(!one.accounts.is_empty());
    assert!(one.institution.is_some_and(|i| i.logo.is_some()));
    assert_eq!(
        client.connection("c_list_none").await.expect("resolves"),
        None
    );
}

#[wasm_bindgen_test]
async fn the_client_adds_accounts_to_a_healthy_connection_when_asked() {
    seed("c_add_accounts", "SYNCED", "success").await;
    let (client, events) = client();
    let mut add = input("c_add_accounts");
    add.update = Some(Json::parse(r#"{"accountSelectionEnabled":true}"#).unwrap());
    let result = client
        .reconnect_until(
            &add,
            ReconnectOptions::default().with_always_open_link(true),
            std::future::pending(),
        )
        .await
        .expect("resolves");
    let ReconnectResult::Reconnected { connection, .. } = result else {
        panic!("Link opened and the close went through: {result:?}");
    };
    assert_eq!(connection.id, "c_add_accounts");
    assert!(stages(&events).contains(&Stage::LinkOpen));
    // Without the option the healthy connection is left alone.
    let plain = client.reconnect(&add).await.expect("resolves");
    assert!(
        matches!(plain, ReconnectResult::Repaired { .. }),
        "{plain:?}"
    );
}

#[wasm_bindgen_test]
async fn the_client_has_nothing_to_resume_and_refuses_a_url_that_is_no_https_page() {
    let (client, _) = client();
    let page = "https://app.example/oauth";
    assert_eq!(
        client
            .resume_from(Some(page), None, std::future::pending())
            .await
            .expect("resolves"),
        None,
        "nothing was left unfinished at this endpoint"
    );
    let back = format!("{page}?oauth_state_id=1234");
    assert_eq!(
        client
            .resume_from(Some(&back), None, std::future::pending())
            .await
            .expect("resolves"),
        None,
        "back from a bank, but no flow was saved"
    );
    for bad in [
        "javascript:alert(1)",
        "/relative",
        "http://app.example/oauth",
        "https://u:p@app.example/",
    ] {
        let error = client
            .resume_from(Some(bad), None, std::future::pending())
            .await
            .expect_err("refused");
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{bad}");
    }
}

/// An app's own `#[wasm_bindgen]` function, using `?` on the crate's errors.
#[wasm_bindgen]
pub async fn app_stores_metadata(connection_id: String, metadata: JsValue) -> Result<(), JsValue> {
    let (client, _) = client();
    let input = ConnectionUpdateInput::new(connection_id, quiltt_reconnect::json_from_js(metadata));
    client.update_metadata(&input).await?;
    Ok(())
}

#[wasm_bindgen_test]
async fn question_mark_in_an_apps_wasm_bindgen_function_rejects_with_the_packages_error() {
    let error = app_stores_metadata("c_question_mark".into(), json("[1]"))
        .await
        .expect_err("metadata must be an object");
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(
        text(&error, "name").as_deref(),
        Some("QuilttReconnectError")
    );
    assert_eq!(text(&error, "code").as_deref(), Some("INVALID_INPUT"));
    assert!(text(&error, "message").is_some_and(|m| m.contains("metadata")));
    assert!(get(&error, "errors").is_array());
    seed("c_question_mark", "SYNCED", "success").await;
    app_stores_metadata("c_question_mark".into(), json(r#"{"tier":"silver"}"#))
        .await
        .expect("stored");
    let stored = admin("GET", "/__sandbox/connections/c_question_mark", None).await;
    assert_eq!(text(&stored, "metadata.tier").as_deref(), Some("silver"));
}
