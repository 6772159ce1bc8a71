//! The browser's [`Io`]: gloo-net requests with an `AbortController` and a timeout, gloo-timers
//! for waits, Plaid's script and Link through `#[wasm_bindgen]` bindings, a connection's lock
//! through Web Locks, and `sessionStorage` for what a flow needs to be finished on a later page. The JavaScript class and the Rust [`Client`](crate::Client) both run on
//! it. It decides nothing: every policy is the machines'.

pub(crate) mod bindings;
mod deadline;
mod fetch;
#[cfg(feature = "js")]
mod idle;
pub(crate) mod json;
mod link;
mod lock;
mod script;
#[cfg(feature = "js")]
mod signal;
mod storage;
mod token;

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use deadline::within;
#[cfg(feature = "js")]
pub(crate) use idle::when_idle;
use quiltt_reconnect_core::driver::Io;
use quiltt_reconnect_core::machine::{Clock, RetryPolicy, SavedFlow, SchemaChoice, Settings};
use quiltt_reconnect_core::FlowId;
use quiltt_reconnect_core::SessionToken;
use quiltt_reconnect_core::{Error, ErrorCode};
use quiltt_reconnect_core::{GraphqlRequest, HttpReply, SchemaGeneration};
use quiltt_reconnect_core::{LinkConfig, LinkFailure, LinkOutcome, PlaidEvent};
pub(crate) use script::is_nonce;
#[cfg(feature = "js")]
pub(crate) use script::start as start_script;
pub use script::TRUSTED_TYPES_POLICY;
#[cfg(feature = "js")]
pub(crate) use signal::aborted;
pub(crate) use storage::sweep;
pub use token::{TokenFuture, TokenSource};

/// A JavaScript value as a [`Json`](quiltt_reconnect_core::Json) (installs the page's JSON
/// backend first).
pub fn json_from_js(value: wasm_bindgen::JsValue) -> quiltt_reconnect_core::Json {
    json::use_page_json();
    json::from_js(value)
}

/// The JavaScript value of a [`Json`](quiltt_reconnect_core::Json).
pub fn json_to_js(value: &quiltt_reconnect_core::Json) -> wasm_bindgen::JsValue {
    json::to_js(value)
}

/// The page's address (`location.href`), where there is a page.
pub(crate) fn page_url() -> Option<String> {
    web_sys::window()?.location().href().ok()
}

/// The browser platform of one client: where requests go, the session token, the timeout, and
/// Plaid's script.
#[derive(Debug)]
pub(crate) struct BrowserIo {
    pub(crate) endpoint: String,
    pub(crate) token: TokenSource,
    pub(crate) timeout_ms: u32,
    pub(crate) script_url: String,
    /// The CSP nonce for Plaid's script tag, when the app gave one (else the page's own).
    pub(crate) nonce: Option<String>,
    pub(crate) policy: RetryPolicy,
    /// The generation of Quiltt's schema the app pinned, if it did.
    pub(crate) schema: Option<SchemaGeneration>,
}

impl Io for BrowserIo {
    type Held = Option<lock::Held>;

    fn settings(&self) -> Settings {
        Settings {
            policy: self.policy,
            token_refreshes: self.token.refreshes(),
            link_load_timeout_ms: self.timeout_ms,
            schema: match self.schema {
                Some(generation) => SchemaChoice {
                    generation,
                    pinned: true,
                },
                None => SchemaChoice {
                    generation: storage::known_schema(&self.endpoint)
                        .unwrap_or(SchemaGeneration::NEWEST),
                    pinned: false,
                },
            },
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            now_ms: js_sys::Date::now(),
            random: js_sys::Math::random(),
        }
    }

    async fn token(&self) -> Result<SessionToken, Error> {
        match within(self.timeout_ms, self.token.get()).await {
            Some(token) => token,
            None => Err(Error::new(
                ErrorCode::Timeout,
                format!(
                    "the session token function did not answer within {} ms",
                    self.timeout_ms
                ),
            )),
        }
    }

    async fn send(
        &self,
        request: &GraphqlRequest,
        token: &SessionToken,
    ) -> Result<HttpReply, Error> {
        fetch::post(&self.endpoint, request, token, self.timeout_ms).await
    }

    async fn sleep(&self, ms: u32) {
        TimeoutFuture::new(ms).await;
    }

    fn start_script(&self) {
        script::start(&self.script_url, self.nonce.as_deref(), self.timeout_ms);
    }

    async fn script(&self) -> Result<(), Error> {
        script::ready(&self.script_url, self.nonce.as_deref(), self.timeout_ms).await
    }

    async fn lock(&self, connection_id: &str) -> Option<lock::Held> {
        // Per endpoint and connection; no token in it.
        lock::lock(&format!(
            "quiltt-reconnect {} {connection_id}",
            self.endpoint
        ))
        .await
    }

    fn save(&self, flow: &SavedFlow) {
        storage::save(&self.endpoint, flow);
    }

    fn forget(&self, id: FlowId) {
        storage::forget(id);
    }

    fn release(&self, id: FlowId) {
        storage::release(id);
    }

    fn claim(&self, id: FlowId) -> bool {
        storage::claim(id)
    }

    fn saved(&self) -> Vec<SavedFlow> {
        storage::saved(&self.endpoint)
    }

    fn remember_schema(&self, generation: SchemaGeneration) {
        storage::remember_schema(&self.endpoint, generation);
    }

    async fn run_link(
        &self,
        config: &LinkConfig,
        events: Rc<dyn Fn(PlaidEvent)>,
    ) -> Result<LinkOutcome, LinkFailure> {
        link::run(config, events).await
    }
}
