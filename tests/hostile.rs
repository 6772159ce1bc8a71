//! Hostile pages and servers, through the JavaScript class in headless Chromium against the
//! sandbox: values that throw while they are read, token functions that throw, reject, answer
//! junk or never answer, every method's signal, values that are not plain JSON, `__proto__`
//! keys, servers and Link that echo tokens, a close whose answer is lost, a Link slow to exit,
//! and the smaller ones (joins, concurrent retries, `free`, lone surrogates, large metadata).
//! Each test names the fault it is about in `docs/RELIABILITY.md`.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Function, Object, Promise, Reflect};
use quiltt_reconnect::QuilttReconnect;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

/// Evaluates a JavaScript expression (the test page has no CSP; the package never evaluates).
fn js(expression: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expression});"))
        .call0(&JsValue::NULL)
        .expect("the test's JavaScript runs")
}

fn code(error: &JsValue) -> Option<String> {
    text(error, "code")
}

/// Replaces `window.Plaid.create` so Link's callbacks get what `wrap` (a JavaScript function
/// `config => config`) makes of them; returns a function that puts the original back. Plaid's
/// script must be loaded (`bridge.preload()`).
fn wrap_plaid(wrap: &str) -> Function {
    js(&format!(
        "(() => {{ const original = window.Plaid.create; const wrap = {wrap};
           window.Plaid.create = (config) => original.call(window.Plaid, wrap(config));
           return () => {{ window.Plaid.create = original; }}; }})()"
    ))
    .unchecked_into()
}

/// The strings of the page's array `window[name]`.
fn global_strings(name: &str) -> Vec<String> {
    js_sys::Array::from(&get(&js_sys::global(), name))
        .iter()
        .filter_map(|t| t.as_string())
        .collect()
}

/// The inputs of the closes the sandbox saw for `connection_id`, in order.
async fn closes_sent(connection_id: &str) -> Vec<JsValue> {
    requests_for(connection_id)
        .await
        .into_iter()
        .filter(|r| text(r, "operation").as_deref() == Some("connectorPlaidClose"))
        .map(|r| get(&r, "variables.input"))
        .collect()
}

async fn preloaded(bridge: &QuilttReconnect) {
    settle(bridge.preload())
        .await
        .expect("Plaid's script loads");
}

// 1. A value that throws while it is read

#[wasm_bindgen_test]
async fn values_that_throw_while_read_are_invalid_input_and_the_module_stays_healthy() {
    seed("h_throw", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    let hostile = [
        // An array element whose getter throws.
        format!(
            "(() => {{ const codes = ['US']; Object.defineProperty(codes, 0, {{ get() {{ throw new Error('getter'); }} }});
               return {{ connectionId: 'h_throw', {}, countryCodes: codes }}; }})()",
            SANDBOX.features()
        ),
        // A Proxy whose traps throw.
        "new Proxy({}, { ownKeys() { throw new Error('ownKeys'); }, get() { throw new Error('get'); } })".into(),
        // A revoked Proxy.
        "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()".into(),
        // A signal whose getter throws.
        "({ connectionId: 'h_throw', get signal() { throw new Error('signal'); } })".into(),
        // A BigInt and a cycle.
        "({ connectionId: 'h_throw', clientName: 10n })".into(),
        "(() => { const o = { connectionId: 'h_throw' }; o.update = { self: o }; return o; })()".into(),
    ];
    // Before the fix, about 1,200 such calls broke every instance on the page.
    for round in 0..250 {
        for input in &hostile {
            let error = settle(bridge.reconnect(js(input)))
                .await
                .expect_err("rejects");
            assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"), "{input}");
            if round == 0 {
                assert_eq!(
                    text(&error, "name").as_deref(),
                    Some("QuilttReconnectError")
                );
            }
        }
    }
    let metadata = js("new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } })");
    let error = settle(bridge.update_metadata("h_throw".into(), metadata, JsValue::UNDEFINED))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"));
    let options = js("({ get token() { throw new Error('token'); } })");
    let error = QuilttReconnect::new(options).expect_err("refused");
    assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"));
    assert!(
        requests_for("h_throw").await.is_empty(),
        "nothing was sent for a value that could not be read"
    );
    // The module and the instance still work.
    let result = reconnect(&bridge, "h_throw").await.expect("resolves");
    assert_outcome(&result, "reconnected");
    bridge.dispose();
    let (fresh, _) = bridge_with("{}");
    fresh.dispose();
}

#[wasm_bindgen_test]
async fn links_metadata_that_throws_is_closed_with_what_could_be_read() {
    let (bridge, _) = bridge_with("{}");
    preloaded(&bridge).await;
    let cases = [
        // A revoked Proxy: nothing can be read.
        ("h_link_revoked", "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()", None),
        // A member whose getter throws, a cycle, a function, a Date, and an own `__proto__`
        // key (data in the copy too, never its prototype).
        (
            "h_link_partial",
            "(() => { const m = { kept: 'yes', when: new Date(0), f() {} };
               Object.defineProperty(m, 'bad', { enumerable: true, get() { throw new Error('getter'); } });
               Object.defineProperty(m, '__proto__', { value: { x: 1 }, enumerable: true, writable: true, configurable: true });
               m.self = m; return m; })()",
            // (The sandbox logs keys in sorted order.)
            Some(r#"{"__proto__":{"x":1},"kept":"yes","when":"1970-01-01T00:00:00.000Z"}"#),
        ),
    ];
    for (id, metadata, sent) in cases {
        seed(id, "ERROR_REPAIRABLE", "success").await;
        let restore = wrap_plaid(&format!(
            "(config) => ({{ ...config, onSuccess: (token) => config.onSuccess(token, {metadata}) }})"
        ));
        let result = reconnect(&bridge, id).await;
        restore.call0(&JsValue::NULL).unwrap();
        let result = result.expect("the close was sent");
        assert_outcome(&result, "reconnected");
        let requests = requests_for(id).await;
        assert_eq!(
            operations(&requests),
            ["connectorPlaidInitialize", "connectorPlaidClose"]
        );
        let close = get(&requests[1], "variables.input.metadata");
        match sent {
            Some(expected) => assert_eq!(stringify(&close), expected, "{id}"),
            None => assert_eq!(stringify(&close), "{}", "{id}"),
        }
    }
}

// 2. A token function that never settles, or fails

#[wasm_bindgen_test]
async fn a_token_function_that_never_answers_times_out_and_blocks_nothing() {
    seed("h_token_hang", "SYNCED", "success").await;
    let options = json(&format!(
        r#"{{"endpoint":"{}","plaidScriptUrl":"{}","timeoutMs":300}}"#,
        url("/v1/graphql"),
        url("/link/v2/stable/link-initialize.js")
    ));
    Reflect::set(
        &options,
        &"token".into(),
        &js("() => new Promise(() => {})"),
    )
    .unwrap();
    let hanging = QuilttReconnect::new(options).expect("valid options");
    let started = js_sys::Date::now();
    let error = settle(hanging.reconnect(SANDBOX.input("h_token_hang")))
        .await
        .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("TIMEOUT"));
    assert!(
        js_sys::Date::now() - started < 3_000.0,
        "bounded by timeoutMs"
    );
    let error =
        settle(hanging.update_metadata("h_token_hang".into(), json("{}"), JsValue::UNDEFINED))
            .await
            .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("TIMEOUT"));
    assert!(requests_for("h_token_hang").await.is_empty());
    let (working, _) = bridge_with("{}");
    let result = reconnect(&working, "h_token_hang")
        .await
        .expect("the connection is not blocked");
    assert_outcome(&result, "repaired");
}

/// A token function that throws, returns a rejecting promise, or answers something other than a
/// string (a number, an object holding a token) or a blank one: each call rejects `UNAUTHORIZED` without a
/// request, nothing of what the function threw reaches the page (its message quotes a
/// token-looking string), and the same instance works once the function answers a token.
#[wasm_bindgen_test]
async fn a_token_function_that_throws_rejects_or_answers_no_token_is_unauthorized_and_sends_nothing(
) {
    seed("h_token_fails", "SYNCED", "success").await;
    const THROWN: &str = "sess-thrown-7f3a9c2e51b04d68";
    let function = js(&format!(
        "() => {{ switch (window.__tokenFailure) {{
            case 'throw': throw new Error('refresh failed for {THROWN}');
            case 'throw-string': throw '{THROWN}';
            case 'reject': return Promise.reject(new Error('refresh failed for {THROWN}'));
            case 'reject-string': return Promise.reject('{THROWN}');
            case 'number': return Promise.resolve(42);
            case 'object': return Promise.resolve({{ token: '{THROWN}' }});
            case 'plain-object': return {{ token: '{THROWN}' }};
            case 'blank': return Promise.resolve('  ');
            default: return '{SESSION_TOKEN}';
        }} }}"
    ));
    let options = options("{}");
    Reflect::set(&options, &"token".into(), &function).unwrap();
    let (bridge, events) = bridge_from(options);
    let failures = [
        "throw",
        "throw-string",
        "reject",
        "reject-string",
        "number",
        "object",
        "plain-object",
        "blank",
    ];
    for failure in failures {
        Reflect::set(&js_sys::global(), &"__tokenFailure".into(), &failure.into()).unwrap();
        let since = request_log().await.len();
        let calls = [
            bridge.reconnect(SANDBOX.input("h_token_fails")),
            bridge.connection("h_token_fails".into(), JsValue::UNDEFINED),
        ];
        for call in calls {
            let error = settle(call).await.expect_err(failure);
            assert_eq!(code(&error).as_deref(), Some("UNAUTHORIZED"), "{failure}");
            let seen = format!(
                "{} {} {} {} {}",
                text(&error, "message").unwrap_or_default(),
                text(&error, "stack").unwrap_or_default(),
                js_string(&error),
                stringify(&error),
                stringify(&events)
            );
            assert!(
                !seen.contains(THROWN),
                "{failure}: what the function threw reached the page: {seen}"
            );
        }
        let sent = request_log().await.len() - since;
        assert_eq!(sent, 0, "{failure}: nothing is sent without a token");
    }
    Reflect::set(&js_sys::global(), &"__tokenFailure".into(), &JsValue::NULL).unwrap();
    let result = reconnect(&bridge, "h_token_fails")
        .await
        .expect("the same instance works with a token");
    assert_outcome(&result, "repaired");
    let connection = settle(bridge.connection("h_token_fails".into(), JsValue::UNDEFINED))
        .await
        .expect("resolves");
    assert_eq!(text(&connection, "id").as_deref(), Some("h_token_fails"));
}

// 3. Every method's signal: updateMetadata, connections, connection, resume

/// Runs `call` with a signal while the sandbox holds `operation`'s reply for 3 s, aborts the
/// signal once the request is in flight, and checks that the call rejects `ABORTED` at once, sent
/// its request once (not retried), and that the request itself was aborted.
async fn signal_aborts_the_request(
    operation: &str,
    call: impl FnOnce(&web_sys::AbortSignal) -> Promise,
) {
    faults(&format!(
        r#"{{"{operation}":{{"latencyMs":3000,"times":1}}}}"#
    ))
    .await;
    let since = request_log().await.len();
    let controller = AbortController::new().unwrap();
    let pending = call(&controller.signal());
    in_flight(operation, since).await;
    let aborted_at = js_sys::Date::now();
    controller.abort();
    let error = settle(pending).await.expect_err("rejects");
    let waited = js_sys::Date::now() - aborted_at;
    clear_faults().await;
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));
    assert!(
        waited < 1_000.0,
        "rejected at once, not after the 3 s reply: {waited} ms"
    );
    sleep(200).await;
    let requests: Vec<JsValue> = request_log().await.into_iter().skip(since).collect();
    assert_eq!(operations(&requests), [operation], "sent once, not retried");
    assert_eq!(
        get(&requests[0], "abandoned").as_bool(),
        Some(true),
        "the request was aborted: {}",
        stringify(&requests[0])
    );
}

#[wasm_bindgen_test]
async fn update_metadata_takes_a_signal() {
    seed("h_update_signal", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    signal_aborts_the_request("connectionUpdate", |signal| {
        let options = with_signal(JsValue::UNDEFINED, signal);
        bridge.update_metadata("h_update_signal".into(), json(r#"{"a":1}"#), options)
    })
    .await;
}

#[wasm_bindgen_test]
async fn connections_takes_a_signal_that_aborts_its_request() {
    let (bridge, _) = bridge_with("{}");
    signal_aborts_the_request("connections", |signal| {
        bridge.connections(with_signal(
            json(r#"{"status":"ERROR_REPAIRABLE"}"#),
            signal,
        ))
    })
    .await;
}

#[wasm_bindgen_test]
async fn connection_takes_a_signal_that_aborts_its_request() {
    seed("h_connection_signal", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    signal_aborts_the_request("connection", |signal| {
        let options = with_signal(JsValue::UNDEFINED, signal);
        bridge.connection("h_connection_signal".into(), options)
    })
    .await;
}

/// `resume()` sends no request until Link has succeeded (then the close, which no signal
/// stops): what its signal can abort is Link, reopened after the bank's redirect. Aborted while
/// that Link is open, it rejects `ABORTED` at once, Link is closed and destroyed (never while
/// open), no close is sent, and the saved flow is kept for a later `resume()`, which finishes it.
#[wasm_bindgen_test]
async fn resume_takes_a_signal_that_closes_the_reopened_link_and_keeps_the_saved_flow() {
    seed_json(
        r#"{"id":"h_resume_signal","status":"ERROR_REPAIRABLE","oauth":true,"linkBehavior":{"mode":"oauth"}}"#,
    )
    .await;
    // The runner's page must not navigate: the stand-in reports where Link would send it.
    let (sent_to, hooks) = hold_navigation();
    let (first, _) = bridge_with("{}");
    let first_controller = AbortController::new().unwrap();
    let input = json(&format!(
        r#"{{"connectionId":"h_resume_signal",{},"redirectUri":"https://app.example/back"}}"#,
        SANDBOX.features()
    ));
    let first_page = first.reconnect(with_signal(input, &first_controller.signal()));
    let back = bank_redirect(&sent_to).await;
    // The first page is gone in a browser, and what its flow saved is all that is left of it:
    // the flow is ended here, and what it saved put back as it was.
    let left_behind: Vec<(String, String)> = saved_flow_entries()
        .into_iter()
        .filter(|(_, text)| text.contains("h_resume_signal"))
        .collect();
    assert_eq!(left_behind.len(), 1, "the flow saved its Link session");
    first_controller.abort();
    let _ = settle(first_page).await;
    restore_saved_flows(&left_behind);
    // The page the bank sends the user back to: the reopened Link waits 1.5 s before it
    // succeeds, long enough to abort it while it is open.
    Reflect::set(&hooks, &"behavior".into(), &json(r#"{"delayMs":1500}"#)).unwrap();
    let (later, events) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    let options = with_signal(JsValue::UNDEFINED, &controller.signal());
    Reflect::set(&options, &"url".into(), &back.as_str().into()).unwrap();
    // This connection's only: other tests of the page may have left a failed close behind.
    Reflect::set(&options, &"connectionId".into(), &"h_resume_signal".into()).unwrap();
    let handlers_before = (plaid_stat("created"), plaid_stat("destroyed"));
    let resumed = later.resume(options);
    wait_for_plaid_event(&events, "OPEN").await;
    let aborted_at = js_sys::Date::now();
    controller.abort();
    let error = settle(resumed).await.expect_err("rejects");
    let waited = js_sys::Date::now() - aborted_at;
    assert_eq!(code(&error).as_deref(), Some("ABORTED"));
    assert!(waited < 1_000.0, "rejected at once: {waited} ms");
    // Past the moment the reopened Link would have succeeded.
    sleep(2_000).await;
    assert_eq!(
        operations(&requests_for("h_resume_signal").await),
        ["connectorPlaidInitialize"],
        "no close: the first page's initialize only"
    );
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "Link was exited before destroy()"
    );
    let grown = |(created, destroyed): (Option<f64>, Option<f64>)| {
        (
            plaid_stat("created").zip(created).map(|(a, b)| a - b),
            plaid_stat("destroyed").zip(destroyed).map(|(a, b)| a - b),
        )
    };
    assert_eq!(
        grown(handlers_before),
        (Some(1.0), Some(1.0)),
        "the reopened Link's handler was destroyed after its exit"
    );
    assert!(
        left_behind
            .iter()
            .all(|kept| saved_flow_entries().contains(kept)),
        "an aborted resume that sent nothing keeps the saved flow"
    );
    assert_eq!(stages(&events).last().map(String::as_str), Some("done"));

    // A later resume() takes it: Link opens again with the same state id, which Plaid (and
    // the stand-in) processes once, so the user leaves Link; and the flow, ended, forgets it.
    Reflect::set(&hooks, &"behavior".into(), &json(r#"{"delayMs":0}"#)).unwrap();
    let options = json(r#"{"connectionId":"h_resume_signal"}"#);
    Reflect::set(&options, &"url".into(), &back.as_str().into()).unwrap();
    let result = settle(later.resume(options)).await.expect("resumes");
    assert_eq!(text(&result, "outcome").as_deref(), Some("exited"));
    assert_eq!(
        text(&result, "error.error_code").as_deref(),
        Some("OAUTH_STATE_ID_ALREADY_PROCESSED")
    );
    assert!(
        left_behind
            .iter()
            .all(|kept| !saved_flow_entries().contains(kept)),
        "forgotten once the flow ended"
    );
    Reflect::delete_property(
        js_sys::global().unchecked_ref::<Object>(),
        &"PlaidSandbox".into(),
    )
    .unwrap();
}

// 4. Metadata that isn't plain JSON, 5. `__proto__` keys, and lone surrogates

#[wasm_bindgen_test]
async fn metadata_is_sent_as_json_stringify_writes_it() {
    seed("h_plain", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    let metadata = js(
        "({ when: new Date(0), name: new String('x'), n: new Number(2), yes: new Boolean(true),
            skipped: undefined, f() {}, list: [undefined, () => 1, new Date(1000)] })",
    );
    let connection = settle(bridge.update_metadata("h_plain".into(), metadata, JsValue::UNDEFINED))
        .await
        .expect("resolves");
    let sent = get(
        &requests_for("h_plain").await[0],
        "variables.input.metadata",
    );
    // The sandbox's log may order keys its own way: compare member by member.
    let expected = json(
        r#"{"when":"1970-01-01T00:00:00.000Z","name":"x","n":2,"yes":true,"list":[null,null,"1970-01-01T00:00:01.000Z"]}"#,
    );
    let keys = Object::keys(expected.unchecked_ref::<Object>());
    let sent_keys = Object::keys(sent.unchecked_ref::<Object>());
    assert_eq!(sent_keys.length(), keys.length(), "{}", stringify(&sent));
    for key in keys.iter() {
        let key = key.as_string().unwrap();
        assert_eq!(
            stringify(&get(&sent, &key)),
            stringify(&get(&expected, &key)),
            "{key}"
        );
    }
    assert_eq!(text(&connection, "metadata.name").as_deref(), Some("x"));
    for top in ["new Date(0)", "new String('x')", "[1]", "'x'", "3"] {
        let error = settle(bridge.update_metadata("h_plain".into(), js(top), JsValue::UNDEFINED))
            .await
            .expect_err(top);
        assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"), "{top}");
    }
    let cleared =
        settle(bridge.update_metadata("h_plain".into(), JsValue::NULL, JsValue::UNDEFINED))
            .await
            .expect("null clears the metadata");
    assert!(get(&cleared, "metadata").is_null());
}

#[wasm_bindgen_test]
async fn proto_keys_are_data_both_ways() {
    seed("h_proto", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    let metadata = js(r#"JSON.parse('{"__proto__":{"isAdmin":true},"a":1}')"#);
    let connection = settle(bridge.update_metadata("h_proto".into(), metadata, JsValue::UNDEFINED))
        .await
        .expect("resolves");
    let sent = get(
        &requests_for("h_proto").await[0],
        "variables.input.metadata",
    );
    assert_eq!(
        stringify(&sent),
        r#"{"__proto__":{"isAdmin":true},"a":1}"#,
        "sent as an own key"
    );
    let stored = admin("GET", "/__sandbox/connections/h_proto", None).await;
    assert_eq!(
        get(&stored, "metadata.__proto__.isAdmin").as_bool(),
        Some(true)
    );
    let back = get(&connection, "metadata");
    let own = Object::get_own_property_names(back.unchecked_ref::<Object>());
    assert!(
        own.includes(&"__proto__".into(), 0),
        "an own key in the reply: {}",
        stringify(&back)
    );
    assert!(
        get(&back, "isAdmin").is_undefined(),
        "never the object's prototype"
    );
    assert_eq!(
        Object::get_prototype_of(&back),
        Object::get_prototype_of(&Object::new().into()),
        "a plain object"
    );
    // A reply whose metadata's __proto__ is null still makes a usable object.
    let null_proto = js(r#"JSON.parse('{"__proto__":null}')"#);
    let connection =
        settle(bridge.update_metadata("h_proto".into(), null_proto, JsValue::UNDEFINED))
            .await
            .expect("resolves");
    let back = get(&connection, "metadata");
    let as_string: Function = js("String").unchecked_into();
    let text = as_string
        .call1(&JsValue::NULL, &back)
        .expect("String(metadata) does not throw");
    assert_eq!(text.as_string().as_deref(), Some("[object Object]"));
}

/// Lone surrogates are text JavaScript can hold and Rust text can't: values pass through as
/// JavaScript values (here Link's exit metadata, which reaches the result) and keep them, and
/// a typed input field refuses them rather than changing them. (The sandbox's JSON parser
/// refuses them in a request body, so a metadata round trip can't show it.)
#[wasm_bindgen_test]
async fn lone_surrogates_are_kept_in_values_and_refused_in_typed_input_fields() {
    seed("h_surrogate", "ERROR_REPAIRABLE", "success").await;
    let (bridge, _) = bridge_with("{}");
    preloaded(&bridge).await;
    let restore = wrap_plaid(
        r#"(config) => ({ ...config, onSuccess: () => config.onExit(null, { s: "a\uD800b" }) })"#,
    );
    let result = reconnect(&bridge, "h_surrogate").await;
    restore.call0(&JsValue::NULL).unwrap();
    let result = result.expect("resolves");
    assert_outcome(&result, "exited");
    let kept = js_sys::JsString::from(get(&result, "metadata.s"));
    assert_eq!(kept.length(), 3);
    assert_eq!(
        kept.char_code_at(1),
        f64::from(0xD800),
        "the lone surrogate is kept"
    );
    let error = settle(bridge.reconnect(js(&format!(
        r#"({{ connectionId: "h_surrogate", {}, clientName: "a\uDC00" }})"#,
        SANDBOX.features()
    ))))
    .await
    .expect_err("rejects");
    assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"));
    assert!(text(&error, "message").is_some_and(|m| m.contains("clientName")));
}

// 6. Token scrubbing

/// Link and the server echo every token the flow holds. Link echoes its link token (in an event,
/// its exit error and its exit metadata) and the public token it hands over (in its success
/// metadata, which the close carries and a `CLOSE_FAILED` error hands back); the server echoes
/// the public token in every field of the close's refusal, and the session token in every field
/// of an initialize's. The tokens checked are the ones that really went through: the link tokens
/// Link was opened with, the public token Link's `onSuccess` gave, and the public and connector
/// tokens the close sent, as the sandbox logged them. (Link's events that echo the public token:
/// `links_events_that_echo_the_public_token_are_scrubbed`.) Link's echoes sit in the fields a
/// support trail copies (`view_name`, `link_session_id`, `request_id`, `status`), and the
/// server's in `requestId`: every result's and error's `trail` is checked too.
#[wasm_bindgen_test]
async fn tokens_echoed_by_the_server_or_link_reach_nothing_the_page_sees() {
    seed("h_echo", "ERROR_REPAIRABLE", "success").await;
    seed("h_echo_close", "ERROR_REPAIRABLE", "success").await;
    let (bridge, events) = bridge_with("{}");
    preloaded(&bridge).await;
    js("window.__linkTokens = [], window.__publicTokens = []");
    // Link echoes its link token in an event, its exit error and its exit metadata.
    let restore = wrap_plaid(
        "(config) => (window.__linkTokens.push(config.token), { ...config,
            onSuccess: () => {
              const t = config.token;
              config.onEvent('ECHO', { link: t, view_name: t, link_session_id: t, request_id: t, error_code: t, exit_status: t });
              config.onExit({ error_code: t, error_message: 'refused ' + t },
                { link: t, status: t, link_session_id: t, request_id: t });
            } })",
    );
    let exited = reconnect(&bridge, "h_echo").await;
    restore.call0(&JsValue::NULL).unwrap();
    let exited = exited.expect("resolves");
    assert_outcome(&exited, "exited");
    // Link hands the public token over with it echoed in its metadata; the server refuses the
    // close once, echoing the public token in every field of its error (Link sets that fault
    // up before it hands over). CLOSE_FAILED carries Link's metadata; the close sent again
    // succeeds.
    let refusal = r#"{"connectorPlaidClose":{"times":1,"body":{"data":{"connectorPlaidClose":{"success":false,"errors":[{"code":"T","message":"bad T","type":"T","displayMessage":"T","requestId":"T","path":["T"]}]}}}}}"#;
    let restore = wrap_plaid(&format!(
        "(config) => (window.__linkTokens.push(config.token), {{ ...config,
            onSuccess: (publicToken, metadata) => {{
              window.__publicTokens.push(publicToken);
              fetch('{}', {{ method: 'POST', body: '{refusal}'.replaceAll('T', publicToken) }})
                .then(() => config.onSuccess(publicToken, {{ ...metadata, echo: publicToken, link_session_id: publicToken, nested: [{{ token: publicToken }}] }}));
            }} }})",
        url("/__sandbox/faults")
    ));
    let close_failed = reconnect(&bridge, "h_echo_close").await;
    restore.call0(&JsValue::NULL).unwrap();
    clear_faults().await;
    let close_failed = close_failed.expect_err("the close is refused");
    assert_eq!(code(&close_failed).as_deref(), Some("CLOSE_FAILED"));
    assert!(
        get(&close_failed, "metadata.echo").is_string(),
        "CLOSE_FAILED carries Link's metadata, echo included: {}",
        stringify(&close_failed)
    );
    assert_eq!(
        text(&close_failed, "errors.0.message").as_deref(),
        Some("bad [redacted]"),
        "the server's echo reached the error, scrubbed: {}",
        stringify(&close_failed)
    );
    let retried = settle(bridge.retry_close(close_failed.clone()))
        .await
        .expect("the close sent again succeeds");
    assert_outcome(&retried, "reconnected");
    // The server echoes the session token in every field of an error.
    let echo = format!(
        r#"{{"connectorPlaidInitialize":{{"times":1,"body":{{"data":{{"connectorPlaidInitialize":{{"success":false,"errors":[{{"code":"{t}","message":"bad {t}","type":"{t}","displayMessage":"{t}","requestId":"{t}","path":["{t}"]}}]}}}}}}}}}}"#,
        t = SESSION_TOKEN
    );
    faults(&echo).await;
    let refused = reconnect(&bridge, "h_echo").await.expect_err("rejects");
    clear_faults().await;
    assert_eq!(code(&refused).as_deref(), Some("MUTATION_FAILED"));

    // Each flow's trail reached the page, with the steps the echoes were in.
    for (outcome, step) in [
        (&exited, "link_exited"),
        (&close_failed, "link_succeeded"),
        (&refused, "ConnectorPlaidInitialize"),
    ] {
        let trail = stringify(&get(outcome, "trail"));
        assert!(trail.contains(step), "{step} in {trail}");
    }
    let mut seen = format!(
        "{} {} {}",
        stringify(&exited),
        stringify(&retried),
        stringify(&events)
    );
    for error in [&close_failed, &refused] {
        seen.push_str(&format!(
            " {} {} {} {} {}",
            text(error, "message").unwrap_or_default(),
            stringify(error),
            stringify(&get(error, "errors")),
            text(error, "stack").unwrap_or_default(),
            js_string(error)
        ));
    }
    let link_tokens = global_strings("__linkTokens");
    let public_tokens = global_strings("__publicTokens");
    assert_eq!(link_tokens.len(), 2, "Link was opened twice");
    let closes = closes_sent("h_echo_close").await;
    assert_eq!(closes.len(), 2, "the refused close and the one sent again");
    let sent_public = text(&closes[0], "publicToken").expect("the close sent a public token");
    assert_eq!(
        public_tokens,
        [sent_public.as_str()],
        "the close sent the public token Link's onSuccess gave"
    );
    let sent_connector = connector_token_of(&closes[0]).expect("the close sent a connector token");
    let secrets = [SESSION_TOKEN.to_owned(), sent_public, sent_connector]
        .into_iter()
        .chain(link_tokens);
    for secret in secrets {
        assert!(
            !seen.contains(secret.as_str()),
            "{secret} reached the page: {seen}"
        );
    }
    assert!(seen.contains("[redacted]"), "{seen}");
    assert!(
        events
            .iter()
            .any(|e| text(&e, "name").as_deref() == Some("ECHO")),
        "Link's own event reached the app, scrubbed"
    );
}

/// Link echoes the public token in an event (here one sent right after `onSuccess`, while the
/// close runs): the flow's scrubbing knows the tokens of before Link opened, and the Link session
/// scrubs the public token it was given from what Link sends after.
#[wasm_bindgen_test]
async fn links_events_that_echo_the_public_token_are_scrubbed() {
    seed("h_echo_event", "ERROR_REPAIRABLE", "success").await;
    let (bridge, events) = bridge_with("{}");
    preloaded(&bridge).await;
    js("window.__publicTokens = []");
    let restore = wrap_plaid(
        "(config) => ({ ...config,
            onSuccess: (publicToken, metadata) => {
              window.__publicTokens.push(publicToken);
              config.onSuccess(publicToken, metadata);
              config.onEvent('ECHO_PUBLIC', { publicToken, said: 'handed over ' + publicToken });
            } })",
    );
    let result = reconnect(&bridge, "h_echo_event").await;
    restore.call0(&JsValue::NULL).unwrap();
    assert_outcome(&result.expect("resolves"), "reconnected");
    let closes = closes_sent("h_echo_event").await;
    let sent_public = text(&closes[0], "publicToken").expect("the close sent a public token");
    assert_eq!(global_strings("__publicTokens"), [sent_public.as_str()]);
    let echoed = events
        .iter()
        .find(|e| text(e, "name").as_deref() == Some("ECHO_PUBLIC"))
        .expect("Link's event reached the app");
    assert!(
        !stringify(&echoed).contains(&sent_public),
        "the public token reached onEvent: {}",
        stringify(&echoed)
    );
}

// 7. A close that the server completed

#[wasm_bindgen_test]
async fn a_close_whose_answer_was_lost_is_not_reported_as_failed() {
    // The gateway answers 504 after the close went through; the retry (same clientMutationId)
    // gets Quiltt's answer to the first close again.
    seed("h_lost_once", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidClose":{"status":504,"afterResolve":true,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let result = reconnect(&bridge, "h_lost_once").await;
    clear_faults().await;
    assert_outcome(&result.expect("resolves"), "reconnected");
    // Every answer is lost: the bridge reads the connection back before saying CLOSE_FAILED.
    seed("h_lost_all", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidClose":{"status":504,"afterResolve":true,"times":10}}"#).await;
    let result = reconnect(&bridge, "h_lost_all").await;
    clear_faults().await;
    let result = result.expect("the read-back shows the repair");
    assert_outcome(&result, "reconnected");
    assert_eq!(
        text(&result, "connection.status").as_deref(),
        Some("SYNCED")
    );
    let ops = operations(&requests_for("h_lost_all").await);
    assert_eq!(
        ops.last().map(String::as_str),
        Some("connection"),
        "{ops:?}"
    );
}

// 8. A forced exit slower than the old grace period

#[wasm_bindgen_test]
async fn a_forced_exit_slower_than_five_seconds_is_waited_for_before_destroy() {
    seed_json(
        r#"{"id":"h_slow_exit","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"modal","forcedExitDelayMs":6000}}"#,
    )
    .await;
    let (bridge, events) = bridge_with("{}");
    let controller = AbortController::new().unwrap();
    let input = SANDBOX.input("h_slow_exit");
    Reflect::set(&input, &"signal".into(), &controller.signal()).unwrap();
    let flow = bridge.reconnect(input);
    for _ in 0..250 {
        if events
            .iter()
            .any(|e| text(&e, "name").as_deref() == Some("OPEN"))
        {
            break;
        }
        sleep(20).await;
    }
    let (created, destroyed) = (plaid_stat("created"), plaid_stat("destroyed"));
    controller.abort();
    assert_eq!(
        code(&settle(flow).await.expect_err("rejects")).as_deref(),
        Some("ABORTED")
    );
    sleep(5_500).await;
    assert_eq!(
        plaid_stat("destroyed"),
        destroyed,
        "not destroyed while Link is still open"
    );
    sleep(1_500).await;
    assert_eq!(
        plaid_stat("destroyWhileOpen"),
        Some(0.0),
        "never destroyed while open"
    );
    // Counted from this flow's start: an earlier test's handler may still wait for an onExit
    // (resume_takes_a_signal_...'s, Link left for the bank).
    assert_eq!(
        (plaid_stat("created"), plaid_stat("destroyed")),
        (created, destroyed.map(|d| d + 1.0)),
        "this flow's handler was destroyed once the late onExit came"
    );
}

// 9. The smaller ones

#[wasm_bindgen_test]
async fn only_identical_requests_join_and_each_caller_is_checked() {
    seed_json(r#"{"id":"h_join","status":"ERROR_REPAIRABLE","linkBehavior":{"mode":"success","delayMs":300}}"#).await;
    let (first, _) = bridge_with("{}");
    let (other_token, _) = bridge_with(r#"{"token":"another-session-token"}"#);
    let a = first.reconnect(SANDBOX.input("h_join"));
    // A caller with bad input is refused even while a flow runs for the connection.
    let bad = settle(first.reconnect(json(r#"{"connectionId":"h_join","countryCodes":"US"}"#)))
        .await
        .expect_err("rejects");
    assert_eq!(code(&bad).as_deref(), Some("INVALID_INPUT"));
    // A caller whose own signal aborts gets ABORTED alone; the flow goes on.
    let controller = AbortController::new().unwrap();
    let input = SANDBOX.input("h_join");
    Reflect::set(&input, &"signal".into(), &controller.signal()).unwrap();
    let joined = first.reconnect(input);
    controller.abort();
    assert_eq!(
        code(&settle(joined).await.expect_err("aborted")).as_deref(),
        Some("ABORTED")
    );
    // Other input for the same connection does not join: it waits for the connection's lock
    // (the first flow's end), is sent, and Quiltt refuses it.
    let other_input = SANDBOX.input("h_join");
    Reflect::set(&other_input, &"brandNewField".into(), &1.into()).unwrap();
    let other = settle(first.reconnect(other_input)).await;
    assert_eq!(
        code(&other.expect_err("its own flow, refused")).as_deref(),
        Some("GRAPHQL")
    );
    // The first flow has ended by now: a call with another token is a flow of its own, and fails
    // on its own token. (While a flow runs, the same input joins it whatever the token:
    // `ownership::one_flow_a_connection_on_the_page_whatever_the_tokens_identity`.)
    let foreign = settle(other_token.reconnect(SANDBOX.input("h_join"))).await;
    assert_eq!(
        code(&foreign.expect_err("rejects")).as_deref(),
        Some("UNAUTHORIZED")
    );
    assert_outcome(
        &settle(a).await.expect("the first flow resolves"),
        "reconnected",
    );
    assert_eq!(
        operations(&requests_for("h_join").await)
            .iter()
            .filter(|o| *o == "connectorPlaidClose")
            .count(),
        1
    );
}

#[wasm_bindgen_test]
async fn concurrent_retry_closes_send_one_close() {
    seed("h_retry_twice", "ERROR_REPAIRABLE", "success").await;
    faults(r#"{"connectorPlaidClose":{"status":500,"times":1}}"#).await;
    let (bridge, _) = bridge_with("{}");
    let error = reconnect(&bridge, "h_retry_twice")
        .await
        .expect_err("rejects");
    clear_faults().await;
    assert_eq!(code(&error).as_deref(), Some("CLOSE_FAILED"));
    let (a, b) = (bridge.retry_close(error.clone()), bridge.retry_close(error));
    let (a, b) = (
        settle(a).await.expect("resolves"),
        settle(b).await.expect("resolves"),
    );
    assert!(Object::is(&a, &b), "both callers share one close");
    let closes = operations(&requests_for("h_retry_twice").await)
        .iter()
        .filter(|o| *o == "connectorPlaidClose")
        .count();
    assert_eq!(closes, 2, "the failed close and one retry");
}

#[wasm_bindgen_test]
async fn free_twice_is_harmless_and_methods_after_free_reject_invalid_input() {
    let (bridge, _) = bridge_with("{}");
    // The JavaScript object apps hold, with the glue's methods.
    let object = JsValue::from(bridge);
    let method = |name: &str| -> Function {
        Reflect::get(&object, &name.into())
            .unwrap()
            .unchecked_into()
    };
    method("free").call0(&object).expect("free() works");
    method("free")
        .call0(&object)
        .expect("a second free() does nothing");
    let calls = [
        method("reconnect").call1(&object, &SANDBOX.input("h_freed")),
        method("preload").call0(&object),
        method("connections").call0(&object),
        method("updateMetadata").call2(&object, &"h_freed".into(), &json("{}")),
    ];
    for call in calls {
        let promise: js_sys::Promise = call.expect("no throw: a rejected promise").unchecked_into();
        let error = settle(promise).await.expect_err("rejects");
        assert_eq!(
            text(&error, "name").as_deref(),
            Some("QuilttReconnectError")
        );
        assert_eq!(code(&error).as_deref(), Some("INVALID_INPUT"));
    }
}

#[wasm_bindgen_test]
async fn deep_and_large_metadata_pass_through_without_filling_wasm_memory() {
    seed("h_large", "SYNCED", "success").await;
    let (bridge, _) = bridge_with("{}");
    // As deep as the sandbox's JSON parser takes: the bridge itself has no depth limit.
    let deep = js(
        "(() => { let v = { leaf: true }; for (let i = 0; i < 100; i++) v = { v }; return v; })()",
    );
    let connection = settle(bridge.update_metadata("h_large".into(), deep, JsValue::UNDEFINED))
        .await
        .expect("what the bridge sent comes back and is accepted");
    assert!(get(&connection, "metadata.v.v.v").is_object());
    let memory = || {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        f64::from(
            memory
                .buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length(),
        )
    };
    let before = memory();
    // 1.5 MB: the sandbox takes request bodies up to 2 MB.
    let large = js("({ blob: 'x'.repeat(1536 * 1024) })");
    let connection = settle(bridge.update_metadata("h_large".into(), large, JsValue::UNDEFINED))
        .await
        .expect("1.5 MB of metadata round-trips");
    assert_eq!(
        js_sys::JsString::from(get(&connection, "metadata.blob")).length(),
        1536 * 1024
    );
    let grown = memory() - before;
    assert!(
        grown < 256.0 * 1024.0,
        "wasm memory grew by {grown} bytes for 1.5 MB of metadata"
    );
}
