// The floor: Quiltt's reconnect flow for Plaid by hand, no dependencies. Initialize and the Plaid
// script load in parallel; then Plaid.create + open; onSuccess -> connectorPlaidClose, sent with
// `keepalive` as quiltt-reconnect sends it, so that the user's repair survives leaving the page
// and both send the same requests (up to 64 KiB of body, as browsers allow; `closeKeepalive: false`
// is the bench's row without it).
// The documents are what Quiltt's live API accepts today (its 2025-04 schema): a non-null $input,
// the record's status and token, Institution.logo as Image { url }; the records select what
// quiltt-reconnect's own documents do (the same reply).
const INIT = "mutation($input:ConnectorPlaidInitializeInput!){connectorPlaidInitialize(input:$input){success record{status token expiration hostedLinkUrl linkToken requestId}errors{code message}}}";
const CLOSE = "mutation($input:ConnectorPlaidCloseInput!){connectorPlaidClose(input:$input){success record{id status metadata institution{name logo{url}}accounts{id name mask type}}errors{code message}}}";
const UPDATE = "mutation($input:ConnectionUpdateInput!){connectionUpdate(input:$input){success record{id status metadata institution{name logo{url}}accounts{id name mask type}}errors{message}}}";
let script;
const loadPlaid = (src) => (script ??= new Promise((resolve, reject) => {
  const s = Object.assign(document.createElement("script"), { src, async: true });
  s.onload = () => resolve(window.Plaid);
  s.onerror = () => reject(new Error("PLAID_SCRIPT", (script = null)));
  document.head.append(s);
}));

export function createReconnect({ token, endpoint = "https://api.quiltt.io/v1/graphql",
  plaidScriptUrl = "https://cdn.plaid.com/link/v2/stable/link-initialize.js", closeKeepalive = true }) {
  const gql = async (query, input, field, keepalive = false) => {
    const body = JSON.stringify({ query, variables: { input } });
    // Browsers refuse keepalive bodies over 64 KiB: larger ones go without it.
    const res = await fetch(endpoint, { method: "POST", keepalive: keepalive && new Blob([body]).size <= 61440, body,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` } });
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { code: "HTTP" });
    const { data, errors } = await res.json();
    const payload = data?.[field];
    if (!payload?.success) throw Object.assign(new Error("GraphQL error"), { code: "GRAPHQL", errors: payload?.errors ?? errors });
    return payload.record;
  };
  return {
    preload: () => loadPlaid(plaidScriptUrl),
    updateMetadata: (id, metadata) => gql(UPDATE, { id, metadata }, "connectionUpdate"),
    async reconnect(input) {
      const plaid = loadPlaid(plaidScriptUrl);
      plaid.catch(() => {});
      const connector = await gql(INIT, input, "connectorPlaidInitialize");
      if (connector.status === "CONTINUE") return { outcome: "repaired", connector };
      const Plaid = await plaid;
      let handler;
      const done = await new Promise((resolve) => {
        handler = Plaid.create({ token: connector.linkToken,
          onSuccess: (publicToken, metadata) => resolve({ publicToken, metadata }),
          onExit: (error, metadata) => resolve({ exited: true, error, metadata }) });
        handler.open();
      });
      setTimeout(() => handler.destroy());
      if (done.exited) return { outcome: "exited", error: done.error, metadata: done.metadata };
      const { token } = connector, { publicToken, metadata } = done;
      return { outcome: "reconnected", connection: await gql(CLOSE, { token, publicToken, metadata }, "connectorPlaidClose", closeKeepalive) };
    },
  };
}
