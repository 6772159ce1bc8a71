// The package's entry point: wasm-bindgen's module (default export `init`, `QuilttReconnect`, the
// types), a runtime guard for its errors, and the <quiltt-reconnect> element, which registers
// itself on import.
import { QuilttReconnect as Generated } from "./quiltt_reconnect.js";
import { quilttReconnectError } from "./error.js";
import { watchIterator } from "./watch.js";

export * from "./quiltt_reconnect.js";
export { default } from "./quiltt_reconnect.js";
export { QuilttReconnectElement, TAG_NAME } from "./element.js";

/** Whether `value` is an error of this package (for `catch (e)`, where `e` is `unknown`). */
export function isQuilttReconnectError(value) {
  return value instanceof Error && value.name === "QuilttReconnectError" && typeof value.code === "string";
}

/** wasm-bindgen's class; constructed before `init()` has loaded the module, it says so. */
export class QuilttReconnect extends Generated {
  constructor(options) {
    try {
      super(options);
    } catch (error) {
      // The class's own failures are QuilttReconnectErrors; a TypeError is the missing module.
      if (!(error instanceof TypeError)) throw error;
      throw quilttReconnectError("INVALID_INPUT", "call `await init()` before `new QuilttReconnect()`: the WebAssembly module is not loaded yet");
    }
  }

  /** Watches a connection: an async iterator of its status changes (see the .d.ts). */
  watch(connectionId, options) {
    return watchIterator(options?.signal, (onChange, stop) => this.watchChanges(connectionId, options, onChange, stop));
  }
}
