//! Reading the methods' arguments: a connection id, the `signal` of an options object, and a
//! `reconnect()` input, each checked (`INVALID_INPUT`) before anything is sent or loaded.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::options::field;
use crate::error::Error;
use crate::id::FlowId;
use crate::machine::{aborted as aborted_error, EventSink, Reconnect, ReconnectOptions, Settings};
use crate::quiltt::{ConnectorPlaidInitializeInput, InitializeInput};
use crate::value::Json;

/// The `connectionId` argument of a method, as a string.
pub(super) fn connection_id_of(value: &JsValue) -> Result<String, Error> {
    value
        .as_string()
        .ok_or_else(|| Error::invalid("connectionId must be a non-empty string"))
}

/// Reads `value.signal`: absent, or an `AbortSignal`.
pub(super) fn read_signal(value: &JsValue) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let signal = field(value, "signal")?;
    if signal.is_undefined() || signal.is_null() {
        return Ok(None);
    }
    signal
        .dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| Error::invalid("signal must be an AbortSignal"))
}

/// A `reconnect()` input, read and checked.
pub(super) struct ReconnectCall {
    /// The input as given (the join key and the initialize input are made of it).
    pub(super) snapshot: Json,
    /// The typed input, checked.
    input: ConnectorPlaidInitializeInput,
    options: ReconnectOptions,
    pub(super) signal: Option<AbortSignal>,
}

impl ReconnectCall {
    /// Reads and checks `input`.
    ///
    /// # Errors
    /// `INVALID_INPUT`, or `ABORTED` when its signal has aborted already.
    pub(super) fn read(input: &JsValue) -> Result<Self, Error> {
        let signal = read_signal(input)?;
        let snapshot = Json::from(input.clone()).snapshot("reconnect() input")?;
        let always = match snapshot.get("alwaysOpenLink") {
            None => false,
            Some(v) if v.is_null() => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| Error::invalid("alwaysOpenLink must be a boolean"))?,
        };
        let parsed =
            ConnectorPlaidInitializeInput::from_json(&snapshot, &["signal", "alwaysOpenLink"])?;
        if let Some(uri) = &parsed.redirect_uri {
            crate::client::check_page_url(uri, "redirectUri")?;
        }
        if signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(aborted_error());
        }
        Ok(ReconnectCall {
            snapshot,
            input: parsed,
            options: ReconnectOptions::default().with_always_open_link(always),
            signal,
        })
    }

    /// The flow, saved under `id`, sending the app's input object as given, without the class's
    /// own fields.
    pub(super) fn flow(
        self,
        id: FlowId,
        settings: Settings,
        events: EventSink,
    ) -> Result<Reconnect, Error> {
        let sent = self.snapshot.without("signal").without("alwaysOpenLink");
        let input = InitializeInput::as_given(&self.input, sent);
        Reconnect::new(id, input, self.options, settings, events)
    }
}
