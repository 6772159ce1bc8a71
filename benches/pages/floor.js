// The start-up floor's entry module: an init() that loads a module the way wasm-bindgen's glue
// loads ours (fetch + WebAssembly.instantiateStreaming), for the empty module the bench serves
// at /floor/empty.wasm (the 8-byte header). bench-page.js imports it and times init() as it
// times ours, so the two differ only in the module's bytes and the glue's own work.
export default async function init() {
  const { instance } = await WebAssembly.instantiateStreaming(fetch("/floor/empty.wasm"), {});
  return instance.exports;
}
