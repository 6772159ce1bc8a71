//! What the bridge keeps in `sessionStorage` (this tab only, gone when the tab closes): each
//! flow's record, so that a later page of the tab can finish it, and which generation of Quiltt's
//! schema each endpoint speaks. Storage that is unavailable (a sandboxed frame, privacy settings)
//! or full is skipped: the flow goes on, and only a later page would find nothing to finish (or
//! find the generation again).
//!
//! A flow's record belongs to the operation that saved or claimed it, for as long as that runs
//! on this page (the page's `OWNED` list); no other operation of the page takes it meanwhile.
//! Records that have expired and that no operation owns are swept.

use std::cell::RefCell;

use serde::Serialize;

use quiltt_reconnect_core::machine::SavedFlow;
use quiltt_reconnect_core::FlowId;
use quiltt_reconnect_core::Json;
use quiltt_reconnect_core::SchemaGeneration;

/// The prefix of a flow's record's key; its id follows.
const FLOW_KEY: &str = "quiltt-reconnect:flow:";

/// Where the version before kept an OAuth flow's state; swept.
const LEGACY_OAUTH_KEY: &str = "quiltt-reconnect:oauth";

/// The prefix of the `sessionStorage` key of an endpoint's generation (the endpoint follows).
const SCHEMA_KEY: &str = "quiltt-reconnect:schema:";

thread_local! {
    /// The records running operations of this page own.
    static OWNED: RefCell<Vec<FlowId>> = const { RefCell::new(Vec::new()) };
    /// The generation each endpoint speaks, as learned on this page.
    static SCHEMAS: RefCell<Vec<(String, SchemaGeneration)>> = const { RefCell::new(Vec::new()) };
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn owned(id: FlowId) -> bool {
    OWNED.with(|o| o.borrow().contains(&id))
}

fn own(id: FlowId) {
    OWNED.with(|o| {
        let mut owned = o.borrow_mut();
        if !owned.contains(&id) {
            owned.push(id);
        }
    });
}

/// Lets `id` go: no operation of this page owns it any more.
pub(super) fn release(id: FlowId) {
    OWNED.with(|o| o.borrow_mut().retain(|owned| *owned != id));
}

/// Takes `id` for an operation; `false` when another one owns it.
pub(super) fn claim(id: FlowId) -> bool {
    if owned(id) {
        return false;
    }
    own(id);
    true
}

/// Saves `flow`, made at `endpoint`, owned by the operation that saves it.
pub(super) fn save(endpoint: &str, flow: &SavedFlow) {
    own(flow.id());
    #[derive(Serialize)]
    struct Stored<'a> {
        endpoint: &'a str,
        flow: Json,
    }
    let Some(storage) = session_storage() else {
        return;
    };
    let text = flow
        .to_json()
        .and_then(|flow| Json::from_serde(&Stored { endpoint, flow }))
        .and_then(|stored| stored.to_json_string());
    if let Ok(text) = text {
        let _ = storage.set_item(&format!("{FLOW_KEY}{}", flow.id()), &text);
    }
}

/// Deletes the record `id`.
pub(super) fn forget(id: FlowId) {
    release(id);
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(&format!("{FLOW_KEY}{id}"));
    }
}

/// Every flow record of the tab, with the endpoint it was made at and its key.
fn records() -> Vec<(String, String, Option<SavedFlow>)> {
    let Some(storage) = session_storage() else {
        return Vec::new();
    };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(FLOW_KEY))
        .collect();
    keys.into_iter()
        .map(|key| {
            let stored = storage
                .get_item(&key)
                .ok()
                .flatten()
                .and_then(|text| Json::parse(&text).ok());
            let endpoint = stored
                .as_ref()
                .and_then(|s| s.get("endpoint")?.as_string())
                .unwrap_or_default();
            let flow = stored.and_then(|s| SavedFlow::from_json(&s.get("flow")?));
            (key, endpoint, flow)
        })
        .collect()
}

/// The records made at `endpoint`.
pub(super) fn saved(endpoint: &str) -> Vec<SavedFlow> {
    records()
        .into_iter()
        .filter(|(_, at, _)| at == endpoint)
        .filter_map(|(_, _, flow)| flow)
        .collect()
}

/// Deletes the records no operation of this page owns that are of no use any more at `now_ms`
/// (expired, or unreadable), and the older version's OAuth state.
pub(crate) fn sweep(now_ms: f64) {
    let Some(storage) = session_storage() else {
        return;
    };
    let _ = storage.remove_item(LEGACY_OAUTH_KEY);
    for (key, _, flow) in records() {
        let stale = match flow {
            Some(flow) => !owned(flow.id()) && flow.is_expired(now_ms),
            None => true,
        };
        if stale {
            let _ = storage.remove_item(&key);
        }
    }
}

/// The generation `endpoint` speaks, as learned on this page or an earlier page of the tab.
pub(super) fn known_schema(endpoint: &str) -> Option<SchemaGeneration> {
    let on_page = SCHEMAS.with(|s| {
        s.borrow()
            .iter()
            .find(|(e, _)| e == endpoint)
            .map(|(_, g)| *g)
    });
    if on_page.is_some() {
        return on_page;
    }
    let text = session_storage()?
        .get_item(&format!("{SCHEMA_KEY}{endpoint}"))
        .ok()??;
    let generation = SchemaGeneration::parse(&text)?;
    SCHEMAS.with(|s| s.borrow_mut().push((endpoint.to_owned(), generation)));
    Some(generation)
}

/// Remembers that `endpoint` speaks `generation`, for the page and the tab's later pages.
pub(super) fn remember_schema(endpoint: &str, generation: SchemaGeneration) {
    SCHEMAS.with(|s| {
        let mut known = s.borrow_mut();
        known.retain(|(e, _)| e != endpoint);
        known.push((endpoint.to_owned(), generation));
    });
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(&format!("{SCHEMA_KEY}{endpoint}"), generation.as_str());
    }
}
