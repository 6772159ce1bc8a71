//! Reading the methods' arguments: a connection id, the `signal` of an options object, and a
//! `reconnect()` input, each checked (`INVALID_INPUT`) before anything is sent or loaded.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::options::field;
use crate::web::json::{from_js, without};
use quiltt_reconnect_core::machine::{
    aborted as aborted_error, EventSink, ReconnectOptions, Settings,
};
use quiltt_reconnect_core::operations::{self, InitializeInput, Reconnect};
use quiltt_reconnect_core::FlowId;
use quiltt_reconnect_core::{Error, Json, Until, WatchOptions};

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

/// A boolean option of the class's own (`alwaysOpenLink`, `confirm`): `false` when missing or
/// `null`.
fn flag(snapshot: &Json, name: &str) -> Result<bool, Error> {
    match snapshot.get(name) {
        None => Ok(false),
        Some(v) if v.is_null() => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| Error::invalid(format!("{name} must be a boolean"))),
    }
}

/// A `reconnect()` input, read and checked.
pub(super) struct ReconnectCall {
    /// The input's JSON text as given (the join key is made of it).
    pub(super) text: String,
    /// The initialize input: the snapshot without the class's own fields, read and checked.
    input: InitializeInput,
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
        let snapshot = from_js(input.clone()).snapshot("reconnect() input")?;
        let always = flag(&snapshot, "alwaysOpenLink")?;
        let confirm = flag(&snapshot, "confirm")?;
        // The join key is the whole input; Quiltt gets the snapshot (the bridge's own copy)
        // without the class's own fields.
        let text = snapshot.to_json_string()?;
        let sent = without(
            without(without(snapshot, "signal"), "alwaysOpenLink"),
            "confirm",
        );
        let parsed = InitializeInput::read(sent)?;
        if let Some(uri) = parsed.redirect_uri() {
            crate::client::check_page_url(uri, "redirectUri")?;
        }
        if signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(aborted_error());
        }
        Ok(ReconnectCall {
            text,
            input: parsed,
            options: ReconnectOptions::default()
                .with_always_open_link(always)
                .with_confirm(confirm),
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
        operations::reconnect(id, self.input, self.options, settings, events)
    }
}

/// A whole number of milliseconds option, `None` when missing or `null`.
fn milliseconds(options: &JsValue, name: &str) -> Result<Option<u32>, Error> {
    let value = field(options, name)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(ms) if ms.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&ms) => {
            Ok(Some(ms as u32))
        }
        _ => Err(Error::invalid(format!(
            "{name} must be a whole number of milliseconds"
        ))),
    }
}

/// Reads `watch()`'s options (`until`, `intervalMs`, `timeoutMs`; its `signal` is read apart),
/// checked before any request.
pub(super) fn read_watch_options(options: &JsValue) -> Result<WatchOptions, Error> {
    let mut watch = WatchOptions::default();
    if options.is_undefined() || options.is_null() {
        return Ok(watch);
    }
    if !options.is_object() {
        return Err(Error::invalid("watch() options must be an object"));
    }
    let until = field(options, "until")?;
    if !(until.is_undefined() || until.is_null()) {
        let statuses = from_js(until)
            .items()
            .ok_or_else(|| Error::invalid("until must be an array of connection statuses"))?
            .iter()
            .map(|s| s.as_string())
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| Error::invalid("until must be an array of connection statuses"))?;
        watch = watch.with_until(Until::Statuses(statuses));
    }
    if let Some(ms) = milliseconds(options, "intervalMs")? {
        watch = watch.with_interval_ms(ms);
    }
    if let Some(ms) = milliseconds(options, "timeoutMs")? {
        watch = watch.with_timeout_ms(ms);
    }
    watch.check()?;
    Ok(watch)
}
