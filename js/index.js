// The package's entry point: the wasm-bindgen API (default export `init`, `QuilttReconnect`, ...)
// plus the <quiltt-reconnect> custom element, which registers itself on import.
export * from "./quiltt_reconnect.js";
export { default } from "./quiltt_reconnect.js";
export { QuilttReconnectElement, TAG_NAME } from "./element.js";
