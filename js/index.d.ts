// wasm-bindgen's declarations use `[Symbol.dispose]`; this makes them compile in projects
// whose `lib` predates ES2025/esnext (TypeScript 5.2+), even with `skipLibCheck: false`.
/// <reference lib="esnext.disposable" />
// Types of the package's entry point: the wasm-bindgen API plus the <quiltt-reconnect> element
// (importing this also brings the `HTMLElementTagNameMap` entry for "quiltt-reconnect").
export * from "./quiltt_reconnect.js";
export { default } from "./quiltt_reconnect.js";
export { QuilttReconnectElement, TAG_NAME } from "./element.js";
export type { QuilttReconnectElementEventMap, QuilttReconnectErrorDetail } from "./element.js";
