//! The JSON the root resolvers answer, which every other field reads its key from.
//!
//! An object carries the fields of every generation (`Connection.sourceType` of 2023 next to
//! `provider` and `features` of 2024+, `Account.lastFourDigits` next to `kind` and `taxonomy`,
//! …): the generation's SDL decides which of them a document can select. What differs in value
//! comes from the generation's [`Dialect`]: its [`Row`] and the enums of its SDL.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value as Json};

use super::{ErrorAt, Failure, LinkTokens, Row};
use crate::store::{self, ConnectionStatus};

/// A generation as the JSON needs it: its row, and its enums' values.
pub(super) struct Dialect {
    pub(super) row: &'static Row,
    /// enum type → its values, from the SDL.
    enums: HashMap<String, HashSet<String>>,
}

impl Dialect {
    pub(super) fn new(row: &'static Row, enums: HashMap<String, HashSet<String>>) -> Self {
        Self { row, enums }
    }

    fn has(&self, enumeration: &str, value: &str) -> bool {
        self.enums
            .get(enumeration)
            .is_some_and(|values| values.contains(value))
    }

    /// This generation's name for a stored status: the stored one if its `ConnectionStatus` has
    /// it, else the nearest it has (`UPGRADING` → `SYNCING`; `DISCONNECTING` → `DISCONNECTED` →
    /// `ERROR_PROVIDER`). So 2023 reads `UPGRADING` as `SYNCING` and both disconnect states as
    /// `ERROR_PROVIDER`, 2024 reads `DISCONNECTING` as `DISCONNECTED`, 2025 has all.
    pub(super) fn status(&self, stored: ConnectionStatus) -> &'static str {
        let mut status = stored;
        loop {
            if self.has("ConnectionStatus", status.as_str()) {
                return status.as_str();
            }
            status = match status {
                ConnectionStatus::Upgrading => ConnectionStatus::Syncing,
                ConnectionStatus::Disconnecting => ConnectionStatus::Disconnected,
                ConnectionStatus::Disconnected => ConnectionStatus::ErrorProvider,
                // Every generation has the others.
                _ => return stored.as_str(),
            };
        }
    }
}

/// A `Connection`. Its accounts' `connection` (nullable) is null: a copy of the connection in
/// each of its accounts would make a connection of n accounts hold n² of them (a million for
/// the benchmarks' 1,000), built for every reply whatever it selects.
pub(super) fn connection(d: &Dialect, c: &store::Connection) -> Json {
    let provider = d.row.provider;
    json!({
        "id": c.id,
        "status": d.status(c.status),
        "metadata": c.metadata,
        "institution": institution(d, &c.institution),
        "accounts": c.accounts.iter().map(|a| account(d, a, &c.institution)).collect::<Vec<_>>(),
        "externallyManaged": false,
        "features": d.row.features,
        "oauth": c.oauth,
        "provider": provider,
        "sourceType": provider,
    })
}

fn account(d: &Dialect, a: &store::Account, i: &store::Institution) -> Json {
    let provider = d.row.provider;
    json!({
        "id": a.id,
        "name": a.name,
        "mask": a.mask,
        "lastFourDigits": a.mask,
        "type": account_type(a),
        "kind": account_kind(a),
        "taxonomy": taxonomy(a).into_iter().filter(|m| d.has("AccountTaxonomyMember", m)).collect::<Vec<_>>(),
        "origin": provider,
        "provider": provider,
        "state": "OPEN",
        "verified": false,
        "metadata": null,
        "institution": institution(d, i),
    })
}

/// An `Institution`; its logo a `data:image/png;base64,` URL.
fn institution(d: &Dialect, i: &store::Institution) -> Json {
    let logo = json!({ "_sourcename": d.row.provider, "url": i.logo_url() });
    json!({ "id": i.institution_id, "name": i.name, "logos": [logo.clone()], "logo": logo })
}

/// The initialize record (`PlaidConnector` in 2023, `PlaidConnectorSession` since): the
/// generation names its status and connector token. `ACTION_REQUIRED` with the Link session's
/// tokens, `CONTINUE` with them (a healthy connection opened to add accounts), or `CONTINUE`
/// without any.
pub(super) fn session(d: &Dialect, request_id: String, tokens: Option<LinkTokens>) -> Json {
    let status = match &tokens {
        Some(t) if !t.healthy => "ACTION_REQUIRED",
        _ => "CONTINUE",
    };
    let mut record = json!({
        "expiration": tokens.as_ref().map(|t| &t.expiration),
        "hostedLinkUrl": null,
        "linkToken": tokens.as_ref().map(|t| &t.link_token),
        "requestId": request_id,
    });
    record[d.row.status_field] = json!(status);
    record[d.row.token_field] = json!(tokens.as_ref().map(|t| &t.connector_token));
    record
}

/// A `PlaidMutationError`.
pub(super) fn plaid_error(f: Failure) -> Json {
    json!({
        "code": f.code,
        "displayMessage": f.display_message,
        "message": f.message,
        "requestId": f.request_id,
        "type": f.kind,
    })
}

/// An `Error`.
pub(super) fn error(e: ErrorAt) -> Json {
    json!({ "message": e.message, "path": e.path })
}

/// `AccountType`, Quiltt's classification of a Plaid account type and subtype.
fn account_type(a: &store::Account) -> &'static str {
    match (a.kind.as_deref(), a.subtype.as_deref()) {
        (Some("depository"), Some("savings" | "money market" | "cd" | "hsa")) => "SAVINGS",
        (Some("depository"), _) => "CHECKING",
        (Some("credit"), _) => "CREDIT",
        (Some("loan"), _) => "LOAN",
        (Some("investment" | "brokerage"), _) => "INVESTMENT",
        _ => "OTHER",
    }
}

/// `AccountKind`, from the Plaid account type.
fn account_kind(a: &store::Account) -> Option<&'static str> {
    match a.kind.as_deref()? {
        "credit" => Some("CREDIT"),
        "depository" => Some("DEPOSITORY"),
        "investment" | "brokerage" => Some("INVESTMENT"),
        "loan" => Some("LOAN"),
        _ => None,
    }
}

/// `taxonomy` (2025): the account's place in `AccountTaxonomyMember`'s hierarchy as the sandbox
/// reads it, from the Plaid type and subtype: asset or liability, the kind, then the subtype's
/// member when there is one (`[ASSET, DEPOSITORY, SAVINGS]`, `[LIABILITY, LOAN, AUTO]`);
/// `[UNKNOWN]` for anything else.
fn taxonomy(a: &store::Account) -> Vec<&'static str> {
    let subtype = a.subtype.as_deref().unwrap_or_default();
    let (class, kind, leaf) = match a.kind.as_deref() {
        Some("depository") => (
            "ASSET",
            "DEPOSITORY",
            match subtype {
                "checking" => Some("SPENDING"),
                "savings" => Some("SAVINGS"),
                "money market" => Some("MONEY_MARKET"),
                "cd" => Some("CERTIFICATE_OF_DEPOSIT"),
                "hsa" => Some("HEALTH_SAVINGS_ACCOUNT"),
                "cash management" => Some("CASH_MANAGEMENT"),
                "prepaid" => Some("PREPAID"),
                "ebt" => Some("ELECTRONIC_BENEFIT_TRANSFER"),
                _ => None,
            },
        ),
        Some("credit") => (
            "LIABILITY",
            "CREDIT",
            match subtype {
                "credit card" => Some("CARD"),
                "line of credit" => Some("LINE_OF_CREDIT"),
                _ => None,
            },
        ),
        Some("loan") => (
            "LIABILITY",
            "LOAN",
            match subtype {
                "auto" => Some("AUTO"),
                "mortgage" => Some("MORTGAGE"),
                "student" => Some("STUDENT"),
                "home equity" => Some("HOME_EQUITY"),
                "line of credit" => Some("LINE_OF_CREDIT"),
                _ => None,
            },
        ),
        Some("investment" | "brokerage") => (
            "ASSET",
            "INVESTMENT",
            match subtype {
                "401k" | "403B" | "ira" | "roth" | "pension" | "retirement" => Some("RETIREMENT"),
                _ => None,
            },
        ),
        _ => return vec!["UNKNOWN"],
    };
    [Some(class), Some(kind), leaf]
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(kind: &str, subtype: &str) -> store::Account {
        store::Account {
            id: String::new(),
            name: String::new(),
            mask: None,
            kind: Some(kind.into()),
            subtype: Some(subtype.into()),
        }
    }

    #[test]
    fn account_types_follow_plaid_types_and_subtypes() {
        assert_eq!(account_type(&a("depository", "checking")), "CHECKING");
        assert_eq!(account_type(&a("depository", "savings")), "SAVINGS");
        assert_eq!(account_type(&a("credit", "credit card")), "CREDIT");
        assert_eq!(account_type(&a("loan", "auto")), "LOAN");
        assert_eq!(account_type(&a("other", "")), "OTHER");
        assert_eq!(account_kind(&a("brokerage", "")), Some("INVESTMENT"));
        assert_eq!(account_kind(&a("other", "")), None);
        assert_eq!(
            taxonomy(&a("depository", "savings")),
            ["ASSET", "DEPOSITORY", "SAVINGS"]
        );
        assert_eq!(taxonomy(&a("loan", "auto")), ["LIABILITY", "LOAN", "AUTO"]);
        assert_eq!(taxonomy(&a("credit", "charge")), ["LIABILITY", "CREDIT"]);
        assert_eq!(taxonomy(&a("other", "")), ["UNKNOWN"]);
    }
}
