// The reconnect flow as Quiltt's reconnect guide writes it: Apollo Client's useMutation for
// connectorPlaidInitialize and connectorPlaidClose, react-plaid-link's usePlaidLink with the
// link token, open() when Link is ready. `createReconnect(...).reconnect(input)` mounts the
// component (as clicking a "Reconnect" button would) and resolves with the result.
// The documents are what Quiltt's live API accepts today (its 2025-04 schema): a non-null $input,
// the record's status and token, Institution.logo as Image { url }; the records select what
// quiltt-reconnect's own documents do (the same reply).
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { ApolloProvider, useMutation } from "@apollo/client/react";
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { usePlaidLink } from "react-plaid-link";

const INITIALIZE = gql`
  mutation ConnectorPlaidInitialize($input: ConnectorPlaidInitializeInput!) {
    connectorPlaidInitialize(input: $input) {
      success
      record { status token expiration hostedLinkUrl linkToken requestId }
      errors { code message }
    }
  }
`;
const CLOSE = gql`
  mutation ConnectorPlaidClose($input: ConnectorPlaidCloseInput!) {
    connectorPlaidClose(input: $input) {
      success
      record { id status metadata institution { name logo { url } } accounts { id name mask type } }
      errors { code message }
    }
  }
`;
const UPDATE = gql`
  mutation ConnectionUpdate($input: ConnectionUpdateInput!) {
    connectionUpdate(input: $input) {
      success
      record { id status metadata institution { name logo { url } } accounts { id name mask type } }
      errors { message }
    }
  }
`;

function Reconnect({ input, onDone, onError }) {
  const [initialize] = useMutation(INITIALIZE);
  const [close] = useMutation(CLOSE);
  const [connector, setConnector] = useState(null);

  useEffect(() => {
    initialize({ variables: { input } }).then(({ data }) => {
      const payload = data.connectorPlaidInitialize;
      if (!payload.success) throw Object.assign(new Error("GraphQL error"), { errors: payload.errors });
      if (payload.record.status === "CONTINUE") onDone({ outcome: "repaired", connector: payload.record });
      else setConnector(payload.record);
    }).catch(onError);
  }, [input.connectionId]);

  const { open, ready } = usePlaidLink({
    token: connector?.linkToken ?? null,
    onSuccess: (publicToken, metadata) => {
      close({ variables: { input: { token: connector.token, publicToken, metadata } } })
        .then(({ data }) => {
          const payload = data.connectorPlaidClose;
          if (!payload.success) throw Object.assign(new Error("GraphQL error"), { errors: payload.errors });
          onDone({ outcome: "reconnected", connection: payload.record });
        })
        .catch(onError);
    },
    onExit: (error, metadata) => onDone({ outcome: "exited", error, metadata }),
  });

  useEffect(() => {
    if (connector && ready) open();
  }, [connector, ready, open]);

  return null;
}

export function createReconnect({ token, endpoint = "https://api.quiltt.io/v1/graphql" }) {
  const client = new ApolloClient({
    link: new HttpLink({ uri: endpoint, headers: { Authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache(),
  });
  return {
    reconnect: (input) =>
      new Promise((resolve, reject) => {
        const host = document.body.appendChild(document.createElement("div"));
        const root = createRoot(host);
        const finish = (settle) => (value) => {
          setTimeout(() => {
            root.unmount();
            host.remove();
          });
          settle(value);
        };
        root.render(
          <ApolloProvider client={client}>
            <Reconnect input={input} onDone={finish(resolve)} onError={finish(reject)} />
          </ApolloProvider>,
        );
      }),
    updateMetadata: async (id, metadata) => {
      const { data } = await client.mutate({ mutation: UPDATE, variables: { input: { id, metadata } } });
      return data.connectionUpdate.record;
    },
  };
}
