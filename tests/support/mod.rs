//! Helpers shared by the browser test binaries: the sandbox's URL and admin API, JS value
//! access, and a bridge instance whose events are collected.
#![allow(dead_code)]

use js_sys::{Array, Function, Promise, Reflect, JSON};
use quiltt_reconnect::QuilttReconnect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

/// The sandbox of the run: its URL and the generation of Quiltt's schema it serves (`cargo
/// xtask test` runs the browser tests against a 2025 sandbox, then the flow tests again against
/// 2024 and 2023 ones, and `tests/generations.rs` also against an environment without Plaid).
#[derive(Clone, Copy, Debug)]
pub struct Sandbox {
    pub url: &'static str,
    pub schema: &'static str,
}

pub const SANDBOX: Sandbox = Sandbox {
    url: match option_env!("QUILTT_SANDBOX_URL") {
        Some(url) => url,
        None => "http://127.0.0.1:8787",
    },
    schema: match option_env!("QUILTT_SANDBOX_SCHEMA") {
        Some(schema) => schema,
        None => "2025",
    },
};

pub const SESSION_TOKEN: &str = "sandbox-session-token";

pub fn url(path: &str) -> String {
    SANDBOX.url(path)
}

impl Sandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The features field this generation's initialize input takes, as JSON members: the input
    /// is the app's, and its values are its endpoint's generation's.
    pub fn features(&self) -> &'static str {
        match self.schema {
            "2023" => r#""features":["TRANSACTIONS"]"#,
            "2024" => r#""featuresRequired":["TRANSACTIONS"]"#,
            _ => r#""featuresRequired":["ACCOUNT_BALANCES_AND_TRANSACTIONS"]"#,
        }
    }

    /// The `schema` option that pins this sandbox's generation.
    pub fn generation(&self) -> &'static str {
        match self.schema {
            "2023" => "2023-08",
            "2024" => "2024-08",
            _ => "2025-04",
        }
    }

    /// `{ connectionId, <features> }` for this generation.
    pub fn input(&self, connection_id: &str) -> JsValue {
        json(&format!(
            r#"{{"connectionId":"{connection_id}",{}}}"#,
            self.features()
        ))
    }
}

pub fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON parses")
}

pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    })
}

pub fn text(value: &JsValue, path: &str) -> Option<String> {
    get(value, path).as_string()
}

/// The connector token of a close's input as the sandbox logged it: `token` (2025-04), or
/// `connectorToken` (the generations before).
pub fn connector_token_of(close_input: &JsValue) -> Option<String> {
    text(close_input, "token").or_else(|| text(close_input, "connectorToken"))
}

pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).map(String::from).unwrap_or_default()
}

/// `String(value)`, as a page prints it (an error's `name: message`).
pub fn js_string(value: &JsValue) -> String {
    let string: Function = Reflect::get(&js_sys::global(), &"String".into())
        .unwrap()
        .unchecked_into();
    string
        .call1(&JsValue::NULL, value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Asserts a flow result's `outcome`, showing the whole result when it is another.
#[track_caller]
pub fn assert_outcome(result: &JsValue, outcome: &str) {
    assert_eq!(
        text(result, "outcome").as_deref(),
        Some(outcome),
        "{}",
        stringify(result)
    );
}

/// Calls an admin endpoint of the sandbox and returns its JSON answer.
pub async fn admin(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let window = web_sys::window().unwrap();
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(&url(path), &init))
        .await
        .expect("the sandbox answers")
        .unchecked_into();
    assert!(
        response.ok(),
        "{method} {path} answered {}",
        response.status()
    );
    JsFuture::from(response.json().unwrap())
        .await
        .unwrap_or(JsValue::NULL)
}

pub async fn seed(id: &str, status: &str, mode: &str) {
    let body = format!(r#"{{"id":"{id}","status":"{status}","linkBehavior":{{"mode":"{mode}"}}}}"#);
    admin("POST", "/__sandbox/seed", Some(&body)).await;
}

/// Every GraphQL request the sandbox saw for `connection_id`, in order (the sandbox resolves a
/// close's connection from its connector token), refused documents included.
pub async fn all_requests_for(connection_id: &str) -> Vec<JsValue> {
    let all = admin("GET", "/__sandbox/requests", None).await;
    Array::from(&all)
        .iter()
        .filter(|r| text(r, "connectionId").as_deref() == Some(connection_id))
        .collect()
}

/// Whether the sandbox refused `request`'s document in validation (not its input values).
pub fn refused_document(request: &JsValue) -> bool {
    text(request, "refused").as_deref() == Some("document")
}

/// The GraphQL requests the sandbox saw for `connection_id`, in order, without the documents it
/// refused in validation: the one initialize in the newest generation's document a page may send
/// before it knows the endpoint's generation (`tests/generations.rs` counts those).
pub async fn requests_for(connection_id: &str) -> Vec<JsValue> {
    let mut requests = all_requests_for(connection_id).await;
    requests.retain(|r| !refused_document(r));
    requests
}

/// The requests whose documents the sandbox refused in validation for `connection_id`.
pub async fn refused_for(connection_id: &str) -> Vec<JsValue> {
    let mut requests = all_requests_for(connection_id).await;
    requests.retain(refused_document);
    requests
}

pub fn operations(requests: &[JsValue]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| text(r, "operation"))
        .collect()
}

/// Builds an instance whose events are collected into the returned array.
pub fn bridge(token: &str) -> (QuilttReconnect, Array) {
    let events = Array::new();
    let push: Function = Reflect::get(&events, &"push".into())
        .unwrap()
        .unchecked_into();
    let on_event = push.bind0(&events);
    let options = json(&format!(
        r#"{{"token":"{token}","endpoint":"{}","plaidScriptUrl":"{}","timeoutMs":10000}}"#,
        url("/v1/graphql"),
        url("/link/v2/stable/link-initialize.js")
    ));
    Reflect::set(&options, &"onEvent".into(), &on_event).unwrap();
    (
        QuilttReconnect::new(options).expect("valid options"),
        events,
    )
}

pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// `bridge.reconnect({ connectionId, <this generation's features> })`, settled: the input most
/// tests send.
pub async fn reconnect(bridge: &QuilttReconnect, connection_id: &str) -> Result<JsValue, JsValue> {
    settle(bridge.reconnect(SANDBOX.input(connection_id))).await
}

/// The stages of a repair through Link, in order, as `progress` events report them.
pub const REPAIR_STAGES: [&str; 5] = [
    "initializing",
    "link_loading",
    "link_open",
    "closing",
    "done",
];

pub fn stages(events: &Array) -> Vec<String> {
    events
        .iter()
        .filter(|e| text(e, "type").as_deref() == Some("progress"))
        .filter_map(|e| text(&e, "stage"))
        .collect()
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Builds an instance with extra options (a JSON object text merged over the defaults).
pub fn bridge_with(options_json: &str) -> (QuilttReconnect, Array) {
    bridge_from(options(options_json))
}

/// The options [`bridge_with`] builds: the session token, the sandbox's endpoint and script, a
/// 10 s timeout, and `options_json` (a JSON object text) merged over them.
pub fn options(options_json: &str) -> JsValue {
    let options = json(&format!(
        r#"{{"token":"{SESSION_TOKEN}","endpoint":"{}","plaidScriptUrl":"{}","timeoutMs":10000}}"#,
        url("/v1/graphql"),
        url("/link/v2/stable/link-initialize.js")
    ));
    let extra = json(options_json);
    js_sys::Object::assign(
        options.unchecked_ref::<js_sys::Object>(),
        extra.unchecked_ref::<js_sys::Object>(),
    );
    options
}

/// Builds an instance from `options` (which gain an `onEvent`) whose events are collected into
/// the returned array.
pub fn bridge_from(options: JsValue) -> (QuilttReconnect, Array) {
    let events = Array::new();
    let push: Function = Reflect::get(&events, &"push".into())
        .unwrap()
        .unchecked_into();
    Reflect::set(&options, &"onEvent".into(), &push.bind0(&events)).unwrap();
    (
        QuilttReconnect::new(options).expect("valid options"),
        events,
    )
}

/// `window.Plaid.stats.<name>` of the Link stand-in (`created`, `destroyed`, `destroyWhileOpen`);
/// `None` before the stand-in has loaded.
pub fn plaid_stat(name: &str) -> Option<f64> {
    let plaid = Reflect::get(&js_sys::global(), &"Plaid".into()).unwrap_or(JsValue::UNDEFINED);
    get(&plaid, &format!("stats.{name}")).as_f64()
}

/// Sets fault knobs (cleared with [`clear_faults`]).
pub async fn faults(knobs: &str) {
    admin("POST", "/__sandbox/faults", Some(knobs)).await;
}

/// Clears every fault knob.
pub async fn clear_faults() {
    admin("DELETE", "/__sandbox/faults", None).await;
}

/// Seeds a connection with a raw JSON body.
pub async fn seed_json(body: &str) {
    admin("POST", "/__sandbox/seed", Some(body)).await;
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// The flow records the bridge keeps in this tab's `sessionStorage`: key and JSON text.
pub fn saved_flow_entries() -> Vec<(String, String)> {
    let storage = session_storage();
    let mut entries: Vec<(String, String)> = (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|key| key.starts_with("quiltt-reconnect:flow:"))
        .filter_map(|key| Some((key.clone(), storage.get_item(&key).unwrap()?)))
        .collect();
    entries.sort();
    entries
}

/// The flow records' JSON texts.
pub fn saved_flows() -> Vec<String> {
    saved_flow_entries()
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// Puts `entries` back into `sessionStorage` as they were: what a page that was left leaves.
pub fn restore_saved_flows(entries: &[(String, String)]) {
    let storage = session_storage();
    for (key, text) in entries {
        storage.set_item(key, text).unwrap();
    }
}

/// Every GraphQL request the sandbox has logged since its start, in order (the log of every
/// page of the run: compare lengths before and after to find one test's requests).
pub async fn request_log() -> Vec<JsValue> {
    Array::from(&admin("GET", "/__sandbox/requests", None).await)
        .iter()
        .collect()
}

/// Waits (at most 5 s) until the sandbox has received a request for `operation` after the
/// first `since` entries of its log and not answered it yet; returns its log entry.
pub async fn in_flight(operation: &str, since: usize) -> JsValue {
    for _ in 0..250 {
        let log = request_log().await;
        let found = log.into_iter().skip(since).find(|r| {
            text(r, "operation").as_deref() == Some(operation) && get(r, "status").is_null()
        });
        if let Some(request) = found {
            return request;
        }
        sleep(20).await;
    }
    panic!("no {operation} request reached the sandbox");
}

/// `value` (an options object, or a fresh one when `undefined`) with `signal` set.
pub fn with_signal(value: JsValue, signal: &web_sys::AbortSignal) -> JsValue {
    let value = match value.is_undefined() {
        true => js_sys::Object::new().into(),
        false => value,
    };
    Reflect::set(&value, &"signal".into(), signal).unwrap();
    value
}

/// Waits until `events` holds Plaid's event `name` (Link is open), at most 5 s.
pub async fn wait_for_plaid_event(events: &Array, name: &str) {
    for _ in 0..250 {
        if events.iter().any(|e| {
            text(&e, "type").as_deref() == Some("plaid")
                && text(&e, "name").as_deref() == Some(name)
        }) {
            return;
        }
        sleep(20).await;
    }
    panic!("Plaid never sent {name}");
}

/// Keeps the test page where it is when Link would send it to an OAuth bank: the Link stand-in
/// calls `PlaidSandbox.navigate(url)` instead. Returns the array that collects those URLs and the
/// `PlaidSandbox` hooks object (which takes the stand-in's other hooks too).
pub fn hold_navigation() -> (Array, JsValue) {
    let sent_to = Array::new();
    let record: Function = Reflect::get(&sent_to, &"push".into())
        .unwrap()
        .unchecked_into();
    let hooks = json("{}");
    Reflect::set(&hooks, &"navigate".into(), &record.bind0(&sent_to)).unwrap();
    Reflect::set(&js_sys::global(), &"PlaidSandbox".into(), &hooks).unwrap();
    (sent_to, hooks)
}

/// The URL Link sent the page to (collected by [`hold_navigation`]), waited for up to 5 s.
pub async fn bank_redirect(sent_to: &Array) -> String {
    for _ in 0..250 {
        if sent_to.length() > 0 {
            break;
        }
        sleep(20).await;
    }
    sent_to
        .get(0)
        .as_string()
        .expect("Link sent the page to the bank")
}

/// The file name of Plaid's Link script (the sandbox serves its stand-in under it).
pub const PLAID_SCRIPT_FILE: &str = "link-initialize.js";

/// Whether the page has `window.Plaid`.
pub fn plaid_defined() -> bool {
    Reflect::get(&js_sys::global(), &"Plaid".into()).is_ok_and(|p| p.is_object())
}

/// The page's `<script>` tags that load Plaid's script.
pub fn plaid_script_tags() -> u32 {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector_all(&format!("script[src*='{PLAID_SCRIPT_FILE}']"))
        .unwrap()
        .length()
}
