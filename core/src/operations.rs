//! The catalogue: every operation the bridge runs, each named once with its request, its decoder
//! and its machine. The [`driver`](crate::driver)'s functions and the browser crate's JavaScript
//! class both take their operations from here, and run them on the one driver.

use crate::error::Error;
use crate::id::FlowId;
use std::rc::Rc;

use crate::machine::{EventSink, ReconnectOptions, SavedFlow, Settings, WatchOptions};
pub use crate::machine::{Reconnect, Request, Watch};
pub use crate::quiltt::InitializeInput;
use crate::quiltt::{
    connection_request, connections_request, decode_connection_of, decode_connections,
    decode_update, update_request, Connection, ConnectionFilter, ConnectionUpdateInput,
    PendingClose,
};

/// The repair of `input.connection_id`: `connectorPlaidInitialize`, then Plaid Link in update
/// mode when Quiltt asks for it, then `connectorPlaidClose`; saved under `id` so a later page can
/// finish it.
///
/// # Errors
/// `INVALID_INPUT` when the input can't be sent.
pub fn reconnect(
    id: FlowId,
    input: InitializeInput,
    options: ReconnectOptions,
    settings: Settings,
    events: EventSink,
) -> Result<Reconnect, Error> {
    Reconnect::new(id, input, options, settings, events)
}

/// The flow `saved` holds, finished on this page: Link opened again (with `from_bank` as Plaid's
/// `receivedRedirectUri` after an OAuth bank sent the user back), or its close sent again;
/// `None` when what it holds has expired at `now_ms`.
pub fn resume(
    saved: SavedFlow,
    from_bank: Option<String>,
    settings: Settings,
    events: EventSink,
    now_ms: f64,
) -> Option<Reconnect> {
    Reconnect::resume(saved, from_bank, settings, events, now_ms)
}

/// The close a `CLOSE_FAILED` error carries, sent again (the very same request).
pub fn retry_close(pending: PendingClose, settings: Settings) -> Reconnect {
    Reconnect::retry_close(pending, settings)
}

/// `connectionUpdate`: stores `input.metadata` on the connection.
///
/// # Errors
/// `INVALID_INPUT` when the id is blank or the metadata is not an object (or `null`) or can't
/// be written as JSON.
pub fn update_metadata(
    input: &ConnectionUpdateInput,
    settings: Settings,
) -> Result<Request<Connection>, Error> {
    Ok(Request::new(
        update_request(input)?,
        decode_update,
        settings,
    ))
}

/// `connection(id)`: one connection, `None` when Quiltt knows no such id; a record of another id
/// is `BAD_RESPONSE`.
///
/// # Errors
/// `INVALID_INPUT` for a blank id.
pub fn connection(id: &str, settings: Settings) -> Result<Request<Option<Connection>>, Error> {
    let asked = id.to_owned();
    Ok(Request::new(
        connection_request(id)?,
        move |reply| decode_connection_of(reply, &asked),
        settings,
    ))
}

/// `connections(filter)`: the connections `filter` selects.
///
/// # Errors
/// `INVALID_INPUT` when the filter can't be sent.
pub fn connections(
    filter: &ConnectionFilter,
    settings: Settings,
) -> Result<Request<Vec<Connection>>, Error> {
    Ok(Request::new(
        connections_request(filter)?,
        decode_connections,
        settings,
    ))
}

/// `watch(id)`: reads the connection on a backed-off schedule until its status is one
/// `options.until` names, handing each status change to `changed`; `TIMEOUT` past the bound.
///
/// # Errors
/// `INVALID_INPUT` for a blank id or options [`WatchOptions::check`] refuses.
pub fn watch(
    id: &str,
    options: WatchOptions,
    settings: Settings,
    changed: Rc<dyn Fn(&Connection)>,
) -> Result<Watch, Error> {
    Watch::new(id, options, settings, changed)
}
