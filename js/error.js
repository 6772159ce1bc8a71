// The package's error class as the JavaScript side makes it, where the WebAssembly module can't
// (it is not loaded yet, or failed to load): an `Error` named `QuilttReconnectError` with a
// stable `code` and Quiltt's `errors` (none here), like the module's own.

/** A `QuilttReconnectError` with `code` and `message` (and `cause`, when given). */
export function quilttReconnectError(code, message, cause) {
  const error = cause === undefined ? new Error(message) : new Error(message, { cause });
  return Object.assign(error, { name: "QuilttReconnectError", code, errors: [] });
}
