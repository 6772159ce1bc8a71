// wasm-bindgen's declarations use `[Symbol.dispose]`; this makes them compile in projects
// whose `lib` predates ES2025/esnext (TypeScript 5.2+), even with `skipLibCheck: false`.
/// <reference lib="esnext.disposable" />
// Types of the package's entry point: the wasm-bindgen API plus the <quiltt-reconnect> element
// (importing this also brings the `HTMLElementTagNameMap` entry for "quiltt-reconnect").
import type { QuilttReconnectError } from "./quiltt_reconnect.js";
export * from "./quiltt_reconnect.js";
export { default } from "./quiltt_reconnect.js";
export { QuilttReconnectElement, TAG_NAME } from "./element.js";
export type { QuilttReconnectElementEventMap, QuilttReconnectErrorDetail, QuilttReconnectSyncDetail } from "./element.js";

/** Whether `value` is an error of this package: narrows `catch (e)`'s `unknown`. */
export declare function isQuilttReconnectError(value: unknown): value is QuilttReconnectError;
