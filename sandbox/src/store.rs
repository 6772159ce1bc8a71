//! The in-memory state of the sandbox: connections, and the Plaid-like token rules.
//!
//! Token rules, as Plaid and Quiltt apply them:
//! - `connectorPlaidInitialize` on a broken connection mints a link token and a connector token,
//!   bound to each other and to the connection; the link token expires after the configured TTL.
//! - The Link stand-in mints a public token when Link succeeds, bound to that link token.
//! - `connectorPlaidClose` accepts a public token once, only with the connector token of the
//!   same initialize, and only before the link token expired; it repairs the connection. Quiltt
//!   dedupes closes by `clientMutationId`: a retry with the same `clientMutationId` and tokens
//!   as a close that succeeded answers that close's result again.
//! - OAuth (Plaid's redirect flow): an initialize with `redirectUri` remembers it with the link
//!   token; Link hands the user to the bank with an `oauth_state_id` bound to that link token,
//!   and resumes only with the same link token and that state id, once.
//!
//! Syncing, as Quiltt reports it: a close moves the connection to `SYNCING` and, after the
//! configured delay, to the configured outcome (`SYNCED` or an error). Nothing runs in the
//! background: the store records when the connection settles and into what, and
//! [`Store::settle`] applies what is due before anything reads the store.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util::{logo_png, random_id};

/// The state of a connection, as the admin API stores it: every status of every schema
/// generation (2025's); an older generation's GraphQL `ConnectionStatus` reads the ones it lacks
/// as its nearest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionStatus {
    /// The connection is being created.
    Initializing,
    /// Data is being synchronised.
    Syncing,
    /// Healthy: data is up to date.
    Synced,
    /// The provider is being upgraded.
    Upgrading,
    /// The connection is being disconnected.
    Disconnecting,
    /// The connection was disconnected.
    Disconnected,
    /// Broken; the user can repair it (for example new credentials): update mode is needed.
    ErrorRepairable,
    /// Broken by a service error.
    ErrorService,
    /// Broken by a provider error.
    ErrorProvider,
    /// Broken by an institution error.
    ErrorInstitution,
}

impl ConnectionStatus {
    /// The GraphQL (and admin API) name, e.g. `ERROR_REPAIRABLE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "INITIALIZING",
            Self::Syncing => "SYNCING",
            Self::Synced => "SYNCED",
            Self::Upgrading => "UPGRADING",
            Self::Disconnecting => "DISCONNECTING",
            Self::Disconnected => "DISCONNECTED",
            Self::ErrorRepairable => "ERROR_REPAIRABLE",
            Self::ErrorService => "ERROR_SERVICE",
            Self::ErrorProvider => "ERROR_PROVIDER",
            Self::ErrorInstitution => "ERROR_INSTITUTION",
        }
    }

    /// Every status, in declaration order.
    pub const ALL: [Self; 10] = [
        Self::Initializing,
        Self::Syncing,
        Self::Synced,
        Self::Upgrading,
        Self::Disconnecting,
        Self::Disconnected,
        Self::ErrorRepairable,
        Self::ErrorService,
        Self::ErrorProvider,
        Self::ErrorInstitution,
    ];

    /// The statuses a sync ends in: `SYNCED`, or the error a failed sync reports. Not the
    /// states a sync passes through or that other operations cause (`INITIALIZING`, `SYNCING`,
    /// `UPGRADING`, `DISCONNECTING`, `DISCONNECTED`).
    pub const SYNC_OUTCOMES: [Self; 5] = [
        Self::Synced,
        Self::ErrorRepairable,
        Self::ErrorService,
        Self::ErrorProvider,
        Self::ErrorInstitution,
    ];

    /// Whether a sync can end in this status (one of [`Self::SYNC_OUTCOMES`]).
    pub fn ends_sync(self) -> bool {
        Self::SYNC_OUTCOMES.contains(&self)
    }

    /// Parses a status spelled as in GraphQL (`SYNCED`, `ERROR_REPAIRABLE`, ...) that a sync
    /// can end in (`--sync-outcome`, `syncOutcome`); the error says which names are accepted.
    pub fn parse_sync_outcome(name: &str) -> Result<Self, String> {
        let outcomes = names(&Self::SYNC_OUTCOMES);
        match name.parse::<Self>() {
            Ok(status) if status.ends_sync() => Ok(status),
            Ok(status) => Err(format!(
                "{status} is not a status a sync ends in: use {outcomes}"
            )),
            Err(_) => Err(format!(
                "unknown connection status {:?}: use {outcomes}",
                name.trim()
            )),
        }
    }

    /// Whether `connectorPlaidInitialize` answers `CONTINUE` (no user action needed).
    pub fn is_healthy(self) -> bool {
        matches!(
            self,
            Self::Synced | Self::Syncing | Self::Initializing | Self::Upgrading
        )
    }
}

impl std::fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ConnectionStatus {
    type Err = String;

    /// Accepts the GraphQL names, e.g. `SYNCED`, `ERROR_REPAIRABLE`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
            .ok_or_else(|| {
                format!(
                    "unknown connection status {name:?}: use {}",
                    names(&Self::ALL)
                )
            })
    }
}

/// The GraphQL names of `statuses`, as `A, B or C`.
fn names(statuses: &[ConnectionStatus]) -> String {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// How a repaired connection syncs: `SYNCING` for `delay` after the close, then `outcome`
/// (at once when `delay` is zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// How long the connection stays `SYNCING` after a close.
    pub delay: Duration,
    /// The status it settles in: one of [`ConnectionStatus::SYNC_OUTCOMES`].
    pub outcome: ConnectionStatus,
}

impl Default for SyncSettings {
    /// No delay, `SYNCED`.
    fn default() -> Self {
        Self {
            delay: Duration::ZERO,
            outcome: ConnectionStatus::Synced,
        }
    }
}

impl SyncSettings {
    /// The sync a close at `now` starts, or none when the delay is zero (the close settles
    /// the connection at once).
    fn start(self, now: Instant) -> Option<PendingSync> {
        (!self.delay.is_zero()).then(|| PendingSync {
            // A delay too long for the clock never ends.
            settles_at: now.checked_add(self.delay),
            outcome: self.outcome,
        })
    }
}

/// A sync in progress: when the connection settles (never: `None`), and into what.
#[derive(Clone, Copy, Debug)]
struct PendingSync {
    settles_at: Option<Instant>,
    outcome: ConnectionStatus,
}

impl PendingSync {
    /// The connection's status at `now`: `SYNCING` until it settles, the outcome after.
    fn status_at(self, now: Instant) -> ConnectionStatus {
        match self.settles_at {
            Some(at) if now >= at => self.outcome,
            _ => ConnectionStatus::Syncing,
        }
    }
}

/// A financial institution.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Institution {
    /// Plaid's institution id, e.g. `ins_56`.
    pub institution_id: String,
    /// Display name.
    pub name: String,
    /// Base64-encoded PNG (GraphQL serves it as `logo { url }`, a `data:image/png;base64,` URL).
    pub logo: String,
}

impl Institution {
    /// The logo as a URL: a `data:` URL of the PNG.
    pub fn logo_url(&self) -> String {
        format!("data:image/png;base64,{}", self.logo)
    }

    /// An institution with a generated logo in `color`.
    pub fn new(institution_id: &str, name: &str, color: [u8; 3]) -> Self {
        Self {
            institution_id: institution_id.to_owned(),
            name: name.to_owned(),
            logo: base64::engine::general_purpose::STANDARD.encode(logo_png(color)),
        }
    }
}

/// An account of a connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Account id.
    #[serde(default)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Last digits of the account number.
    #[serde(default)]
    pub mask: Option<String>,
    /// Plaid account type (`depository`, `credit`, `loan`, `investment`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Plaid account subtype (`checking`, `savings`, `credit card`, ...).
    #[serde(default)]
    pub subtype: Option<String>,
}

/// A Quiltt connection.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Connection id.
    pub id: String,
    /// Current status.
    pub status: ConnectionStatus,
    /// The institution.
    pub institution: Institution,
    /// The accounts.
    pub accounts: Vec<Account>,
    /// Custom metadata stored with `connectionUpdate` (a JSON object) or null.
    pub metadata: Option<Value>,
    /// The institution logs in with OAuth: Link hands the user to the bank (redirecting the
    /// page to the initialize's `redirectUri` when it had one) and resumes afterwards.
    pub oauth: bool,
    /// How the Link stand-in behaves for this connection (`{ "mode": "success" }`, ...).
    pub link_behavior: Option<Value>,
}

/// Body of `POST /__sandbox/seed`: creates or replaces one connection.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRequest {
    /// Connection id.
    pub id: String,
    /// Status; default `ERROR_REPAIRABLE`.
    #[serde(default)]
    pub status: Option<ConnectionStatus>,
    /// Institution; default First Platypus Bank.
    #[serde(default)]
    pub institution: Option<SeedInstitution>,
    /// Accounts; default a checking and a savings account.
    #[serde(default)]
    pub accounts: Option<Vec<Account>>,
    /// Initial metadata (a JSON object) or null.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// The institution logs in with OAuth; default false.
    #[serde(default)]
    pub oauth: bool,
    /// Link stand-in behaviour for this connection.
    #[serde(default)]
    pub link_behavior: Option<Value>,
}

/// Institution part of a [`SeedRequest`].
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedInstitution {
    /// Display name.
    pub name: String,
    /// Plaid institution id; derived from the name when absent.
    #[serde(default)]
    pub institution_id: Option<String>,
    /// Base64 PNG; generated when absent.
    #[serde(default)]
    pub logo: Option<String>,
}

/// A failed Plaid-like operation: a stable code, Plaid's broad error type, a developer message
/// and a message for the end user, none of them with a token value in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaidFailure {
    /// Stable code, e.g. `INVALID_PUBLIC_TOKEN`.
    pub code: &'static str,
    /// Plaid's broad categorisation, e.g. `INVALID_INPUT`, `OAUTH_ERROR`.
    pub kind: &'static str,
    /// Human-readable message for developers.
    pub message: String,
    /// A message to show the end user.
    pub display_message: &'static str,
}

/// What Link and Quiltt tell an end user when something on their side went wrong.
const TRY_AGAIN: &str = "Something went wrong while reconnecting your account. Please try again.";

impl PlaidFailure {
    /// A failure of Plaid's type `INVALID_INPUT` (a request the client can correct).
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            kind: "INVALID_INPUT",
            message: message.into(),
            display_message: TRY_AGAIN,
        }
    }

    /// Changes the Plaid error type.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Changes the message for the end user.
    pub fn display(mut self, display_message: &'static str) -> Self {
        self.display_message = display_message;
        self
    }

    fn not_found(id: &str) -> Self {
        Self::new("NOT_FOUND", format!("Connection {id} was not found"))
            .kind("INVALID_REQUEST")
            .display("This connection could not be found. It may have been removed.")
    }

    fn oauth(code: &'static str, message: &str) -> Self {
        Self::new(code, message).kind("OAUTH_ERROR")
    }
}

/// A successful `connectorPlaidClose`.
#[derive(Clone, Debug)]
pub struct CloseOutcome {
    /// The repaired connection, as the close that repaired it answered.
    pub connection: Connection,
    /// True when this was a retry of that close (same `clientMutationId` and tokens), answered
    /// again without exchanging the public token a second time.
    pub replayed: bool,
}

/// Where Link sends the user for an OAuth login (Plaid's redirect flow).
#[derive(Clone, Debug)]
pub struct OAuthStart {
    /// The state id Link appends to `redirectUri` and expects back when it resumes.
    pub oauth_state_id: String,
    /// `redirectUri` with `oauth_state_id=<id>` added to its query.
    pub redirect_url: String,
}

/// Result of a successful `connectorPlaidInitialize`.
#[derive(Clone, Debug)]
pub enum InitializeOutcome {
    /// The connection is healthy: no Link session needed.
    Continue,
    /// The connection is healthy, and the app asked for update mode with account selection
    /// (`update: { accountSelectionEnabled: true }`): `CONTINUE` with a Link session in which
    /// the user can add accounts (the close adds one).
    AddAccounts {
        /// The new link token.
        link_token: String,
        /// The connector token to pass to `connectorPlaidClose`.
        connector_token: String,
        /// When the link token expires.
        expiration: SystemTime,
    },
    /// Link must be opened with this link token.
    ActionRequired {
        /// The new link token.
        link_token: String,
        /// The connector token to pass to `connectorPlaidClose`.
        connector_token: String,
        /// When the link token expires.
        expiration: SystemTime,
    },
}

/// A Link session as the stand-in script sees it.
#[derive(Clone, Debug)]
pub struct LinkSessionView {
    /// The connection the link token was minted for.
    pub connection: Connection,
    /// The request id of the initialize that minted it.
    pub request_id: String,
    /// The initialize's `redirectUri`, if it had one.
    pub redirect_uri: Option<String>,
}

#[derive(Clone, Debug)]
struct LinkTokenRecord {
    connector_token: String,
    connection_id: String,
    expires_at: SystemTime,
    request_id: String,
    redirect_uri: Option<String>,
    /// A session on a healthy connection to add accounts: its close adds one.
    adds_account: bool,
}

#[derive(Clone, Debug)]
struct PublicTokenRecord {
    link_token: String,
    /// Set by the close that exchanged it.
    closed: Option<ClosedRecord>,
}

/// What a close that succeeded answered, for its retries.
#[derive(Clone, Debug)]
struct ClosedRecord {
    client_mutation_id: Option<String>,
    answer: Connection,
    /// The sync that close started: a retry answers the status it has reached.
    sync: Option<PendingSync>,
}

impl ClosedRecord {
    /// The close's answer again, with the status its sync has reached at `now`.
    fn replay(&self, now: Instant) -> Connection {
        let mut answer = self.answer.clone();
        if let Some(sync) = self.sync {
            answer.status = sync.status_at(now);
        }
        answer
    }
}

#[derive(Clone, Debug)]
struct OAuthStateRecord {
    link_token: String,
    processed: bool,
}

/// All mutable sandbox state.
#[derive(Debug)]
pub struct Store {
    connections: BTreeMap<String, Connection>,
    link_tokens: HashMap<String, LinkTokenRecord>,
    /// connector token → link token
    connector_tokens: HashMap<String, String>,
    public_tokens: HashMap<String, PublicTokenRecord>,
    oauth_states: HashMap<String, OAuthStateRecord>,
    /// connection id → its sync in progress
    syncing: HashMap<String, PendingSync>,
    default_ttl: Duration,
    ttl: Duration,
    default_sync: SyncSettings,
    sync: SyncSettings,
}

impl Store {
    /// A store with the seed connections, the given link token lifetime and sync settings.
    pub fn new(link_token_ttl: Duration, sync: SyncSettings) -> Self {
        Self {
            connections: seed_connections(),
            link_tokens: HashMap::new(),
            connector_tokens: HashMap::new(),
            public_tokens: HashMap::new(),
            oauth_states: HashMap::new(),
            syncing: HashMap::new(),
            default_ttl: link_token_ttl,
            ttl: link_token_ttl,
            default_sync: sync,
            sync,
        }
    }

    /// Removes `flag` from a connection's link behaviour; true when it was set. Used for
    /// one-shot behaviours such as `expireFirstToken`.
    pub fn take_behavior_flag(&mut self, connection_id: &str, flag: &str) -> bool {
        let Some(Value::Object(behavior)) = self
            .connections
            .get_mut(connection_id)
            .and_then(|c| c.link_behavior.as_mut())
        else {
            return false;
        };
        behavior.remove(flag) == Some(Value::Bool(true))
    }

    /// The connection a connector token was minted for, if the token is known.
    pub fn connection_of_connector_token(&self, connector_token: &str) -> Option<String> {
        let link_token = self.connector_tokens.get(connector_token)?;
        self.link_tokens
            .get(link_token)
            .map(|record| record.connection_id.clone())
    }

    /// Restores the seed connections, forgets every token, sync in progress, and the TTL and
    /// sync overrides.
    pub fn reset(&mut self) {
        *self = Self::new(self.default_ttl, self.default_sync);
    }

    /// The current link token lifetime.
    pub fn link_token_ttl(&self) -> Duration {
        self.ttl
    }

    /// Changes the link token lifetime for tokens minted from now on.
    pub fn set_link_token_ttl(&mut self, ttl: Duration) {
        self.ttl = ttl;
    }

    /// The current sync settings.
    pub fn sync_settings(&self) -> SyncSettings {
        self.sync
    }

    /// Changes the sync settings for closes from now on (a sync in progress keeps its own).
    pub fn set_sync_settings(&mut self, sync: SyncSettings) {
        self.sync = sync;
    }

    /// Settles every sync that is due at `now`: its connection takes the outcome recorded by
    /// the close that started it. Called before anything reads the store.
    pub fn settle(&mut self, now: Instant) {
        let connections = &mut self.connections;
        self.syncing.retain(|id, pending| {
            let status = pending.status_at(now);
            if status == ConnectionStatus::Syncing {
                return true;
            }
            if let Some(connection) = connections.get_mut(id) {
                connection.status = status;
            }
            false
        });
    }

    /// All connections, ordered by id.
    pub fn connections(&self) -> Vec<Connection> {
        self.connections.values().cloned().collect()
    }

    /// One connection.
    pub fn connection(&self, id: &str) -> Option<Connection> {
        self.connections.get(id).cloned()
    }

    /// Creates or replaces a connection.
    pub fn seed(&mut self, req: SeedRequest) -> Result<Connection, String> {
        if req.id.trim().is_empty() {
            return Err("id must not be empty".into());
        }
        if let Some(m) = &req.metadata {
            if !(m.is_object() || m.is_null()) {
                return Err("metadata must be a JSON object".into());
            }
        }
        let institution = match req.institution {
            Some(i) => {
                let derived = format!(
                    "ins_{}",
                    i.name
                        .to_ascii_lowercase()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect::<String>()
                );
                let mut inst = Institution::new(
                    i.institution_id.as_deref().unwrap_or(&derived),
                    &i.name,
                    color_for(&i.name),
                );
                if let Some(logo) = i.logo {
                    inst.logo = logo;
                }
                inst
            }
            None => Institution::new("ins_109508", "First Platypus Bank", [0x1f, 0x6f, 0x4a]),
        };
        let accounts = req.accounts.unwrap_or_else(|| {
            vec![
                account("", "Plaid Checking", "0000", "depository", "checking"),
                account("", "Plaid Saving", "1111", "depository", "savings"),
            ]
        });
        let accounts = accounts
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                if a.id.is_empty() {
                    a.id = format!("acct_{}_{}", req.id, i + 1);
                }
                a
            })
            .collect();
        let connection = Connection {
            id: req.id.clone(),
            status: req.status.unwrap_or(ConnectionStatus::ErrorRepairable),
            institution,
            accounts,
            metadata: req.metadata.filter(|m| !m.is_null()),
            oauth: req.oauth,
            link_behavior: req.link_behavior,
        };
        // A seeded status wins over a sync in progress.
        self.syncing.remove(&req.id);
        self.connections.insert(req.id, connection.clone());
        Ok(connection)
    }

    /// `connectorPlaidInitialize` in update mode for `connection_id`; `redirect_uri` is kept
    /// with the link token for Link's OAuth redirect.
    pub fn initialize(
        &mut self,
        connection_id: Option<&str>,
        redirect_uri: Option<&str>,
        request_id: &str,
        account_selection: bool,
    ) -> Result<InitializeOutcome, PlaidFailure> {
        let Some(id) = connection_id else {
            return Err(PlaidFailure::new(
                "NOT_FOUND",
                "Connection was not found: connectionId is required in update mode",
            )
            .kind("INVALID_REQUEST"));
        };
        let connection = self
            .connections
            .get(id)
            .ok_or_else(|| PlaidFailure::not_found(id))?;
        let healthy = connection.status.is_healthy();
        if healthy && !account_selection {
            return Ok(InitializeOutcome::Continue);
        }
        let link_token = random_id("link-sandbox");
        let connector_token = random_id("connector-sandbox");
        let expiration = SystemTime::now() + self.ttl;
        self.link_tokens.insert(
            link_token.clone(),
            LinkTokenRecord {
                connector_token: connector_token.clone(),
                connection_id: id.to_owned(),
                expires_at: expiration,
                request_id: request_id.to_owned(),
                redirect_uri: redirect_uri.map(str::to_owned),
                adds_account: healthy,
            },
        );
        self.connector_tokens
            .insert(connector_token.clone(), link_token.clone());
        Ok(match healthy {
            true => InitializeOutcome::AddAccounts {
                link_token,
                connector_token,
                expiration,
            },
            false => InitializeOutcome::ActionRequired {
                link_token,
                connector_token,
                expiration,
            },
        })
    }

    fn live_link_token(&self, link_token: &str) -> Result<&LinkTokenRecord, PlaidFailure> {
        let record = self
            .link_tokens
            .get(link_token)
            .ok_or_else(|| PlaidFailure::new("INVALID_LINK_TOKEN", "The link token is invalid"))?;
        if SystemTime::now() >= record.expires_at {
            return Err(
                PlaidFailure::new("INVALID_LINK_TOKEN", "The link token has expired")
                    .display("This session has expired. Please try again."),
            );
        }
        Ok(record)
    }

    /// What the Link stand-in needs to show a session for `link_token`.
    pub fn link_session(&self, link_token: &str) -> Result<LinkSessionView, PlaidFailure> {
        let record = self.live_link_token(link_token)?;
        let connection = self
            .connections
            .get(&record.connection_id)
            .cloned()
            .ok_or_else(|| PlaidFailure::not_found(&record.connection_id))?;
        Ok(LinkSessionView {
            connection,
            request_id: record.request_id.clone(),
            redirect_uri: record.redirect_uri.clone(),
        })
    }

    /// Link hands the user to the bank: a fresh `oauth_state_id` bound to `link_token`, and the
    /// page to go to, the initialize's `redirectUri` with the state id in its query.
    pub fn oauth_start(&mut self, link_token: &str) -> Result<OAuthStart, PlaidFailure> {
        let view = self.link_session(link_token)?;
        let Some(redirect_uri) = view.redirect_uri else {
            return Err(PlaidFailure::new(
                "INVALID_FIELD",
                "OAuth institutions require a redirect_uri: pass redirectUri to connectorPlaidInitialize",
            )
            .kind("INVALID_REQUEST"));
        };
        let oauth_state_id = random_id("oauth-state");
        self.oauth_states.insert(
            oauth_state_id.clone(),
            OAuthStateRecord {
                link_token: link_token.to_owned(),
                processed: false,
            },
        );
        let redirect_url = with_query_param(&redirect_uri, "oauth_state_id", &oauth_state_id);
        Ok(OAuthStart {
            oauth_state_id,
            redirect_url,
        })
    }

    /// Link is re-initialized after the bank sent the user back to `received_redirect_uri`:
    /// its `oauth_state_id` must be one Link handed out for this `link_token`, not yet used.
    pub fn oauth_resume(
        &mut self,
        link_token: &str,
        received_redirect_uri: &str,
    ) -> Result<LinkSessionView, PlaidFailure> {
        let view = self.link_session(link_token)?;
        let state_id = query_param(received_redirect_uri, "oauth_state_id").unwrap_or_default();
        let record = self.oauth_states.get_mut(&state_id).ok_or_else(|| {
            PlaidFailure::oauth(
                "OAUTH_STATE_ID_NOT_FOUND",
                "the oauth_state_id in receivedRedirectUri was not issued by Link",
            )
        })?;
        if record.link_token != link_token {
            return Err(PlaidFailure::oauth(
                "INCORRECT_LINK_TOKEN",
                "link token does not match original link token",
            ));
        }
        if record.processed {
            return Err(PlaidFailure::oauth(
                "OAUTH_STATE_ID_ALREADY_PROCESSED",
                "the oauth_state_id has already been processed",
            ));
        }
        record.processed = true;
        Ok(view)
    }

    /// Link succeeded: mints a public token bound to `link_token`.
    pub fn mint_public_token(
        &mut self,
        link_token: &str,
    ) -> Result<(String, LinkSessionView), PlaidFailure> {
        let view = self.link_session(link_token)?;
        let public_token = random_id("public-sandbox");
        self.public_tokens.insert(
            public_token.clone(),
            PublicTokenRecord {
                link_token: link_token.to_owned(),
                closed: None,
            },
        );
        Ok((public_token, view))
    }

    /// `connectorPlaidClose`: exchanges the public token and repairs the connection. A retry
    /// of a close that succeeded, with the same `client_mutation_id` (not none) and tokens,
    /// answers that close's result again.
    pub fn close(
        &mut self,
        connector_token: &str,
        public_token: &str,
        client_mutation_id: Option<&str>,
    ) -> Result<CloseOutcome, PlaidFailure> {
        if !self.connector_tokens.contains_key(connector_token) {
            return Err(PlaidFailure::new(
                "INVALID_CONNECTOR_TOKEN",
                "The connector token is invalid: call connectorPlaidInitialize first",
            ));
        }
        let public = self.public_tokens.get(public_token).ok_or_else(|| {
            PlaidFailure::new(
                "INVALID_PUBLIC_TOKEN",
                "The public token is invalid: pass the public token from Plaid Link's onSuccess",
            )
        })?;
        let record = self.link_tokens.get(&public.link_token).ok_or_else(|| {
            PlaidFailure::new("INVALID_PUBLIC_TOKEN", "The public token is invalid")
        })?;
        if record.connector_token != connector_token {
            return Err(PlaidFailure::new(
                "INVALID_CONNECTOR_TOKEN",
                "The connector token does not belong to the Link session that produced the public token",
            ));
        }
        if let Some(closed) = &public.closed {
            if client_mutation_id.is_some()
                && closed.client_mutation_id.as_deref() == client_mutation_id
            {
                return Ok(CloseOutcome {
                    connection: closed.replay(Instant::now()),
                    replayed: true,
                });
            }
            return Err(PlaidFailure::new(
                "PUBLIC_TOKEN_ALREADY_USED",
                "The public token was already exchanged; a public token can be used once",
            ));
        }
        if SystemTime::now() >= record.expires_at {
            return Err(PlaidFailure::new(
                "EXPIRED",
                "The Link session has expired: initialize again",
            )
            .display("This session has expired. Please try again."));
        }
        let connection_id = record.connection_id.clone();
        let adds_account = record.adds_account;
        let sync = self.sync.start(Instant::now());
        let connection = self
            .connections
            .get_mut(&connection_id)
            .ok_or_else(|| PlaidFailure::not_found(&connection_id))?;
        connection.status = match sync {
            Some(_) => ConnectionStatus::Syncing,
            None => self.sync.outcome,
        };
        if adds_account {
            let n = connection.accounts.len() + 1;
            let id = format!("{connection_id}_added_{n}");
            let mask = format!("{:04}", 7000 + n);
            let added = account(&id, "Added Savings", &mask, "depository", "savings");
            connection.accounts.push(added);
        }
        let repaired = connection.clone();
        // A repair during a sync restarts it.
        match sync {
            Some(pending) => self.syncing.insert(connection_id, pending),
            None => self.syncing.remove(&connection_id),
        };
        if let Some(p) = self.public_tokens.get_mut(public_token) {
            p.closed = Some(ClosedRecord {
                client_mutation_id: client_mutation_id.map(str::to_owned),
                answer: repaired.clone(),
                sync,
            });
        }
        Ok(CloseOutcome {
            connection: repaired,
            replayed: false,
        })
    }

    /// Sets (`Some(Some(object))`), clears (`Some(None)`) or keeps (`None`) the metadata.
    pub fn update_metadata(
        &mut self,
        id: &str,
        metadata: Option<Option<Value>>,
    ) -> Result<Connection, String> {
        let connection = self
            .connections
            .get_mut(id)
            .ok_or_else(|| format!("Connection {id} was not found"))?;
        match metadata {
            None => {}
            Some(None) | Some(Some(Value::Null)) => connection.metadata = None,
            Some(Some(v)) if v.is_object() => connection.metadata = Some(v),
            Some(Some(_)) => return Err("metadata must be a JSON object".into()),
        }
        Ok(connection.clone())
    }

    /// Breaks a connection (default `ERROR_REPAIRABLE`) so it needs repair.
    pub fn set_status(&mut self, id: &str, status: ConnectionStatus) -> Result<Connection, String> {
        let connection = self
            .connections
            .get_mut(id)
            .ok_or_else(|| format!("Connection {id} was not found"))?;
        connection.status = status;
        // A simulated status wins over a sync in progress.
        self.syncing.remove(id);
        Ok(connection.clone())
    }
}

fn account(id: &str, name: &str, mask: &str, kind: &str, subtype: &str) -> Account {
    Account {
        id: id.to_owned(),
        name: name.to_owned(),
        mask: Some(mask.to_owned()),
        kind: Some(kind.to_owned()),
        subtype: Some(subtype.to_owned()),
    }
}

/// `url` with `key=value` added to its query (before any `#fragment`).
fn with_query_param(url: &str, key: &str, value: &str) -> String {
    let (base, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{base}{separator}{key}={value}{fragment}")
}

/// The value of `key` in `url`'s query, if present (ids here need no percent-decoding).
fn query_param(url: &str, key: &str) -> Option<String> {
    let query = url.split('#').next()?.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| v.to_owned())
    })
}

fn color_for(name: &str) -> [u8; 3] {
    let h = crate::util::crc32(name.as_bytes()).to_be_bytes();
    [h[0] / 2 + 40, h[1] / 2 + 40, h[2] / 2 + 40]
}

fn seed_connections() -> BTreeMap<String, Connection> {
    let conn = |id: &str, status, institution, accounts| Connection {
        id: String::from(id),
        status,
        institution,
        accounts,
        metadata: None,
        oauth: false,
        link_behavior: None,
    };
    let list = vec![
        conn(
            "conn_healthy",
            ConnectionStatus::Synced,
            Institution::new("ins_127989", "Bank of America", [0xe3, 0x18, 0x37]),
            vec![
                account(
                    "acct_boa_checking",
                    "Adv Plus Banking",
                    "4321",
                    "depository",
                    "checking",
                ),
                account(
                    "acct_boa_credit",
                    "Customized Cash Rewards",
                    "8812",
                    "credit",
                    "credit card",
                ),
            ],
        ),
        conn(
            "conn_login_required",
            ConnectionStatus::ErrorRepairable,
            Institution::new("ins_128026", "Capital One", [0x00, 0x4a, 0x79]),
            vec![
                account(
                    "acct_cap1_checking",
                    "360 Checking",
                    "1180",
                    "depository",
                    "checking",
                ),
                account(
                    "acct_cap1_savings",
                    "360 Performance Savings",
                    "2291",
                    "depository",
                    "savings",
                ),
            ],
        ),
        conn(
            "conn_chase_checking",
            ConnectionStatus::ErrorRepairable,
            Institution::new("ins_56", "Chase", [0x11, 0x7a, 0xca]),
            vec![account(
                "acct_chase_total",
                "Chase Total Checking",
                "0042",
                "depository",
                "checking",
            )],
        ),
        conn(
            "conn_wells_fargo",
            ConnectionStatus::Synced,
            Institution::new("ins_127991", "Wells Fargo", [0xd7, 0x1e, 0x28]),
            vec![
                account(
                    "acct_wf_checking",
                    "Everyday Checking",
                    "7731",
                    "depository",
                    "checking",
                ),
                account(
                    "acct_wf_savings",
                    "Way2Save Savings",
                    "5510",
                    "depository",
                    "savings",
                ),
                account(
                    "acct_wf_card",
                    "Active Cash Card",
                    "9902",
                    "credit",
                    "credit card",
                ),
            ],
        ),
        conn(
            "conn_credit_union",
            ConnectionStatus::ErrorRepairable,
            Institution::new(
                "ins_100103",
                "Navy Federal Credit Union",
                [0x00, 0x2f, 0x6c],
            ),
            vec![
                account(
                    "acct_nfcu_checking",
                    "Free EasyStart Checking",
                    "3087",
                    "depository",
                    "checking",
                ),
                account(
                    "acct_nfcu_savings",
                    "Share Savings",
                    "3001",
                    "depository",
                    "savings",
                ),
                account(
                    "acct_nfcu_card",
                    "cashRewards Credit Card",
                    "6620",
                    "credit",
                    "credit card",
                ),
                account("acct_nfcu_auto", "New Auto Loan", "7415", "loan", "auto"),
            ],
        ),
        conn(
            "conn_service_error",
            ConnectionStatus::ErrorService,
            Institution::new("ins_10", "American Express", [0x00, 0x6f, 0xcf]),
            vec![account(
                "acct_amex_gold",
                "Gold Card",
                "1005",
                "credit",
                "credit card",
            )],
        ),
        Connection {
            oauth: true,
            ..conn(
                "conn_oauth",
                ConnectionStatus::ErrorRepairable,
                Institution::new("ins_5", "Citibank Online", [0x05, 0x6d, 0xae]),
                vec![
                    account(
                        "acct_citi_checking",
                        "Citi Priority Checking",
                        "6644",
                        "depository",
                        "checking",
                    ),
                    account(
                        "acct_citi_card",
                        "Citi Custom Cash Card",
                        "3317",
                        "credit",
                        "credit card",
                    ),
                ],
            )
        },
    ];
    list.into_iter().map(|c| (c.id.clone(), c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(Duration::from_secs(60), SyncSettings::default())
    }

    fn action_required(s: &mut Store, id: &str) -> (String, String) {
        match s.initialize(Some(id), None, "req", false) {
            Ok(InitializeOutcome::ActionRequired {
                link_token,
                connector_token,
                ..
            }) => (link_token, connector_token),
            other => panic!("expected ACTION_REQUIRED, got {other:?}"),
        }
    }

    #[test]
    fn healthy_continues_and_broken_needs_action() {
        let mut s = store();
        assert!(matches!(
            s.initialize(Some("conn_healthy"), None, "r", false),
            Ok(InitializeOutcome::Continue)
        ));
        let (link, connector) = action_required(&mut s, "conn_login_required");
        assert!(link.starts_with("link-sandbox-"));
        assert!(connector.starts_with("connector-sandbox-"));
    }

    #[test]
    fn unknown_and_missing_ids_are_not_found() {
        let mut s = store();
        let err = s.initialize(Some("nope"), None, "r", false).unwrap_err();
        assert_eq!(err.code, "NOT_FOUND");
        assert_eq!(err.message, "Connection nope was not found");
        assert_eq!(
            s.initialize(None, None, "r", false).unwrap_err().code,
            "NOT_FOUND"
        );
    }

    #[test]
    fn close_repairs_once() {
        let mut s = store();
        let (link, connector) = action_required(&mut s, "conn_login_required");
        let (public, _) = s.mint_public_token(&link).unwrap();
        let c = s.close(&connector, &public, None).unwrap();
        assert_eq!(c.connection.status, ConnectionStatus::Synced);
        assert!(!c.replayed);
        let again = s.close(&connector, &public, None).unwrap_err();
        assert_eq!(again.code, "PUBLIC_TOKEN_ALREADY_USED");
        assert!(!again.message.contains(&public));
    }

    #[test]
    fn a_close_retried_with_its_client_mutation_id_answers_again() {
        let mut s = store();
        let (link, connector) = action_required(&mut s, "conn_login_required");
        let (public, _) = s.mint_public_token(&link).unwrap();
        let first = s.close(&connector, &public, Some("cm-1")).unwrap();
        s.update_metadata(
            "conn_login_required",
            Some(Some(serde_json::json!({"k": 1}))),
        )
        .unwrap();
        let retry = s.close(&connector, &public, Some("cm-1")).unwrap();
        assert!(retry.replayed);
        // The same answer as the first close (metadata changed since is not in it).
        assert_eq!(retry.connection.metadata, first.connection.metadata);
        for other in [None, Some("cm-2")] {
            let err = s.close(&connector, &public, other).unwrap_err();
            assert_eq!(err.code, "PUBLIC_TOKEN_ALREADY_USED");
        }
        // The retry still needs the connector token of that Link session.
        let (_, other_connector) = action_required(&mut s, "conn_chase_checking");
        let err = s
            .close(&other_connector, &public, Some("cm-1"))
            .unwrap_err();
        assert_eq!(err.code, "INVALID_CONNECTOR_TOKEN");
    }

    #[test]
    fn a_healthy_connection_opened_to_add_accounts_continues_with_a_session_that_adds_one() {
        let mut s = store();
        let before = s.connection("conn_healthy").unwrap().accounts.len();
        let Ok(InitializeOutcome::AddAccounts {
            link_token,
            connector_token,
            ..
        }) = s.initialize(Some("conn_healthy"), None, "r", true)
        else {
            panic!("CONTINUE with a Link session");
        };
        let (public, _) = s.mint_public_token(&link_token).unwrap();
        let closed = s.close(&connector_token, &public, None).unwrap();
        assert_eq!(closed.connection.accounts.len(), before + 1);
        assert!(matches!(
            s.initialize(Some("conn_login_required"), None, "r", true),
            Ok(InitializeOutcome::ActionRequired { .. })
        ));
    }

    #[test]
    fn oauth_state_binds_the_redirect_to_its_link_token_once() {
        let mut s = store();
        let tokens = |s: &mut Store, id: &str, redirect: Option<&str>| match s.initialize(
            Some(id),
            redirect,
            "r",
            false,
        ) {
            Ok(InitializeOutcome::ActionRequired { link_token, .. }) => link_token,
            other => panic!("{other:?}"),
        };
        let plain = tokens(&mut s, "conn_oauth", None);
        assert_eq!(s.oauth_start(&plain).unwrap_err().code, "INVALID_FIELD");
        let link = tokens(
            &mut s,
            "conn_oauth",
            Some("https://app.example/oauth?x=1#top"),
        );
        let start = s.oauth_start(&link).unwrap();
        assert_eq!(
            start.redirect_url,
            format!(
                "https://app.example/oauth?x=1&oauth_state_id={}#top",
                start.oauth_state_id
            )
        );
        let other = tokens(&mut s, "conn_login_required", Some("https://app.example/"));
        let err = s.oauth_resume(&other, &start.redirect_url).unwrap_err();
        assert_eq!(
            (err.kind, err.code),
            ("OAUTH_ERROR", "INCORRECT_LINK_TOKEN")
        );
        let err = s
            .oauth_resume(&link, "https://app.example/oauth?oauth_state_id=nope")
            .unwrap_err();
        assert_eq!(err.code, "OAUTH_STATE_ID_NOT_FOUND");
        assert!(s.oauth_resume(&link, &start.redirect_url).is_ok());
        let err = s.oauth_resume(&link, &start.redirect_url).unwrap_err();
        assert_eq!(err.code, "OAUTH_STATE_ID_ALREADY_PROCESSED");
    }

    #[test]
    fn query_params_are_added_and_read() {
        assert_eq!(with_query_param("https://a/b", "k", "v"), "https://a/b?k=v");
        assert_eq!(
            with_query_param("https://a/b?", "k", "v"),
            "https://a/b?k=v"
        );
        assert_eq!(
            with_query_param("https://a/b?x=1", "k", "v"),
            "https://a/b?x=1&k=v"
        );
        assert_eq!(
            query_param("https://a/b?x=1&k=v#f", "k").as_deref(),
            Some("v")
        );
        assert_eq!(query_param("https://a/b#?k=v", "k"), None);
    }

    #[test]
    fn close_rejects_foreign_connector_token_and_unknown_tokens() {
        let mut s = store();
        let (link, _) = action_required(&mut s, "conn_login_required");
        let (_, other_connector) = action_required(&mut s, "conn_chase_checking");
        let (public, _) = s.mint_public_token(&link).unwrap();
        assert_eq!(
            s.close(&other_connector, &public, None).unwrap_err().code,
            "INVALID_CONNECTOR_TOKEN"
        );
        assert_eq!(
            s.close("x", &public, None).unwrap_err().code,
            "INVALID_CONNECTOR_TOKEN"
        );
        assert_eq!(
            s.close(&other_connector, "public-x", None)
                .unwrap_err()
                .code,
            "INVALID_PUBLIC_TOKEN"
        );
    }

    #[test]
    fn expired_link_token_fails() {
        let mut s = store();
        s.set_link_token_ttl(Duration::ZERO);
        let (link, _) = action_required(&mut s, "conn_login_required");
        assert_eq!(
            s.link_session(&link).unwrap_err().code,
            "INVALID_LINK_TOKEN"
        );
        assert!(s.mint_public_token(&link).is_err());
        s.reset();
        assert_eq!(s.link_token_ttl(), Duration::from_secs(60));
    }

    fn syncing_store(delay: Duration, outcome: ConnectionStatus) -> Store {
        Store::new(Duration::from_secs(60), SyncSettings { delay, outcome })
    }

    /// Initialize, Link success and close for `id`; the close's answer.
    fn repair(s: &mut Store, id: &str) -> Connection {
        let (link, connector) = action_required(s, id);
        let (public, _) = s.mint_public_token(&link).unwrap();
        s.close(&connector, &public, None).unwrap().connection
    }

    fn status(s: &Store, id: &str) -> ConnectionStatus {
        s.connection(id).unwrap().status
    }

    #[test]
    fn a_repair_syncs_for_the_delay_then_settles_in_the_outcome() {
        let delay = Duration::from_secs(10);
        let mut s = syncing_store(delay, ConnectionStatus::ErrorRepairable);
        let closed = repair(&mut s, "conn_login_required");
        assert_eq!(closed.status, ConnectionStatus::Syncing);
        s.settle(Instant::now());
        assert_eq!(status(&s, "conn_login_required"), ConnectionStatus::Syncing);
        s.settle(Instant::now() + delay);
        assert_eq!(
            status(&s, "conn_login_required"),
            ConnectionStatus::ErrorRepairable
        );
        // Settled: it needs Link again.
        action_required(&mut s, "conn_login_required");
    }

    #[test]
    fn without_a_delay_the_close_settles_at_once() {
        let mut s = syncing_store(Duration::ZERO, ConnectionStatus::ErrorService);
        assert_eq!(
            repair(&mut s, "conn_login_required").status,
            ConnectionStatus::ErrorService
        );
        assert_eq!(
            repair(&mut store(), "conn_login_required").status,
            ConnectionStatus::Synced
        );
    }

    #[test]
    fn a_second_repair_restarts_the_sync() {
        let delay = Duration::from_secs(10);
        let mut s = syncing_store(delay, ConnectionStatus::Synced);
        let first = action_required(&mut s, "conn_login_required");
        let second = action_required(&mut s, "conn_login_required");
        let close = |s: &mut Store, (link, connector): &(String, String)| {
            let (public, _) = s.mint_public_token(link).unwrap();
            s.close(connector, &public, None).unwrap()
        };
        close(&mut s, &first);
        std::thread::sleep(Duration::from_millis(5));
        let restarted = Instant::now();
        close(&mut s, &second);
        // The first close's sync would have ended by now; the second's has not.
        s.settle(restarted + delay - Duration::from_millis(1));
        assert_eq!(status(&s, "conn_login_required"), ConnectionStatus::Syncing);
        s.settle(Instant::now() + delay);
        assert_eq!(status(&s, "conn_login_required"), ConnectionStatus::Synced);
    }

    #[test]
    fn a_simulated_or_seeded_status_ends_the_sync_and_a_reset_restores_the_settings() {
        let settings = SyncSettings {
            delay: Duration::from_secs(10),
            outcome: ConnectionStatus::Synced,
        };
        let mut s = Store::new(Duration::from_secs(60), settings);
        repair(&mut s, "conn_login_required");
        s.set_status("conn_login_required", ConnectionStatus::ErrorProvider)
            .unwrap();
        repair(&mut s, "conn_chase_checking");
        s.seed(serde_json::from_value(serde_json::json!({ "id": "conn_chase_checking" })).unwrap())
            .unwrap();
        s.settle(Instant::now() + Duration::from_secs(10));
        assert_eq!(
            status(&s, "conn_login_required"),
            ConnectionStatus::ErrorProvider
        );
        assert_eq!(
            status(&s, "conn_chase_checking"),
            ConnectionStatus::ErrorRepairable
        );
        s.set_sync_settings(SyncSettings::default());
        s.reset();
        assert_eq!(s.sync_settings(), settings);
    }

    #[test]
    fn only_statuses_a_sync_ends_in_are_sync_outcomes() {
        for status in ConnectionStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(
                ConnectionStatus::parse_sync_outcome(status.as_str()).is_ok(),
                ConnectionStatus::SYNC_OUTCOMES.contains(&status),
                "{status}"
            );
        }
        assert_eq!(
            ConnectionStatus::parse_sync_outcome(" ERROR_REPAIRABLE "),
            Ok(ConnectionStatus::ErrorRepairable)
        );
        let outcomes =
            "SYNCED, ERROR_REPAIRABLE, ERROR_SERVICE, ERROR_PROVIDER or ERROR_INSTITUTION";
        assert_eq!(
            ConnectionStatus::parse_sync_outcome("SYNCING"),
            Err(format!(
                "SYNCING is not a status a sync ends in: use {outcomes}"
            ))
        );
        assert_eq!(
            ConnectionStatus::parse_sync_outcome("synced"),
            Err(format!(
                "unknown connection status \"synced\": use {outcomes}"
            ))
        );
    }

    #[test]
    fn metadata_must_be_an_object() {
        let mut s = store();
        let c = s
            .update_metadata("conn_healthy", Some(Some(serde_json::json!({"a": 1}))))
            .unwrap();
        assert_eq!(c.metadata, Some(serde_json::json!({"a": 1})));
        assert!(s
            .update_metadata("conn_healthy", Some(Some(serde_json::json!([1]))))
            .unwrap_err()
            .contains("must be a JSON object"));
        let kept = s.update_metadata("conn_healthy", None).unwrap();
        assert!(kept.metadata.is_some());
    }
}
