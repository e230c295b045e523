/**
 * Bytes to text without Node: the parsers run wherever captured /proc text is (a browser, Deno).
 * Node's Buffer decodes several times faster than TextDecoder for the short strings of a listing,
 * so it is used when the runtime has it.
 */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const utf8Decoder = new TextDecoder("utf-8");

/** UTF-8 text of bytes[start, end); invalid sequences become U+FFFD. */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8", start, end);
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/** One character per byte (ISO 8859-1), for ASCII formats such as kallsyms. */
export function latin1Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1", start, end);
  let text = "";
  for (let at = start; at < end; at += 8192) text += String.fromCharCode(...bytes.subarray(at, Math.min(end, at + 8192)));
  return text;
}
