// Quiltt's React SDK with its reconnect entry point: a QuilttButton with the broken
// connection's connectionId inside a QuilttProvider. Measured for size only: the flow itself
// runs in Quiltt's hosted iframe, which can't be reached here.
import { QuilttButton, QuilttProvider } from "@quiltt/react";
import { createRoot } from "react-dom/client";

export function mount(element, { token, connectorId, connectionId, onDone }) {
  createRoot(element).render(
    <QuilttProvider token={token}>
      <QuilttButton connectorId={connectorId} connectionId={connectionId} onExitSuccess={onDone}>
        Fix my bank connection
      </QuilttButton>
    </QuilttProvider>,
  );
}
