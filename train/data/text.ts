// Text files as the data readers need them: strict UTF-8, and where the first byte that is not
// UTF-8 sits (line and column), so a wrongly encoded file is one line that says where to look.

/** The text of UTF-8 bytes, a leading byte order mark dropped; other bytes are an error naming `file`, line and column. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const { line, column, byte } = firstInvalidUtf8(bytes);
    const hex = byte.toString(16).toUpperCase().padStart(2, '0');
    throw new Error(`${file} line ${line}, column ${column}: byte 0x${hex} is not UTF-8; save the file as UTF-8`);
  }
}

/**
 * Where decoding first fails. Valid UTF-8 survives decoding and encoding again byte for byte, and
 * a decoder replaces what is not UTF-8 with U+FFFD, so the first byte that differs after the round
 * trip is in the first sequence that is not UTF-8. Lines count '\n'; columns count characters from 1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { line: number; column: number; byte: number } {
  const roundTrip = new TextEncoder().encode(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
  let at = 0;
  while (at < bytes.length && bytes[at] === roundTrip[at]) at++;
  const lineStart = at === 0 ? 0 : bytes.lastIndexOf(0x0a, at - 1) + 1;
  const line = 1 + bytes.subarray(0, lineStart).filter((b) => b === 0x0a).length;
  // `stream` holds back a sequence that the cut ends inside of: the bad sequence starts there.
  const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, at), { stream: true });
  const start = lineStart + new TextEncoder().encode(before).length;
  return { line, column: [...before].length + 1, byte: bytes[start] };
}

/** Lines as Python's `for line in f` gives them: no empty line after a final newline. */
export function textLines(text: string): string[] {
  const all = text.split(/\r\n|\r|\n/);
  if (all.at(-1) === '') all.pop();
  return all;
}
