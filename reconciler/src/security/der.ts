/**
 * The few DER (X.690) encodings the mesh's certificates need, and the reading of a stored root's
 * fields. Issuing certificates is on the path of every connecting proxy; encoding them directly
 * costs a small fraction of a generic ASN.1 library building and serializing a schema tree for each.
 */

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One type-length-value element with the given tag byte. */
export function element(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export function sequence(...items: Buffer[]): Buffer {
  return element(TAG.sequence, Buffer.concat(items));
}

export function set(...items: Buffer[]): Buffer {
  return element(TAG.set, Buffer.concat(items));
}

export function boolean(value: boolean): Buffer {
  return element(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, sign byte added). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  const trimmed = magnitude.subarray(start);
  return element(TAG.integer, trimmed[0] > 0x7f ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Buffer {
  return unsignedInteger(Buffer.from([value]));
}

/** An OBJECT IDENTIFIER from its dotted form, e.g. "2.5.29.17". */
export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift(0x80 | (rest & 0x7f));
    bytes.push(...base128);
  }
  return element(TAG.objectIdentifier, Buffer.from(bytes));
}

export function octetString(content: Buffer): Buffer {
  return element(TAG.octetString, content);
}

/** A BIT STRING of whole bytes, or with `unusedBits` trailing bits of the last byte unused. */
export function bitString(content: Buffer, unusedBits = 0): Buffer {
  return element(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), content]));
}

export function utf8String(text: string): Buffer {
  return element(TAG.utf8String, Buffer.from(text, 'utf8'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in whole seconds UTC. */
export function certificateTime(instant: Date): Buffer {
  const iso = instant.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return instant.getUTCFullYear() < 2050
    ? element(TAG.utcTime, Buffer.from(digits.slice(2), 'ascii'))
    : element(TAG.generalizedTime, Buffer.from(digits, 'ascii'));
}

/** A context-specific tag [number]: constructed (explicit wrapping) or primitive (implicit). */
export function contextTag(number: number, content: Buffer, constructed: boolean): Buffer {
  return element((constructed ? 0xa0 : 0x80) | number, content);
}

/** One element read from DER: its tag byte, its content, and the whole element's bytes. */
export interface DerElement {
  readonly tag: number;
  readonly content: Buffer;
  readonly whole: Buffer;
}

/** The element at `offset`; throws on a truncated or indefinite-length encoding (not DER). */
export function readElement(bytes: Buffer, offset = 0): DerElement {
  if (offset + 2 > bytes.length) throw new Error('DER: truncated element');
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length encoding');
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + bytes[offset + 2 + index];
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new Error('DER: element runs past the end of its container');
  return { tag, content: bytes.subarray(offset + header, end), whole: bytes.subarray(offset, end) };
}

/** The elements a constructed element (SEQUENCE, SET, explicit tag) holds, in order. */
export function readChildren(container: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < container.content.length;) {
    const child = readElement(container.content, offset);
    children.push(child);
    offset += child.whole.length;
  }
  return children;
}

/** The dotted form of an OBJECT IDENTIFIER's content. */
export function objectIdentifierText(content: Buffer): string {
  const arcs = [Math.floor(content[0] / 40), content[0] % 40];
  let arc = 0;
  for (const byte of content.subarray(1)) {
    arc = arc * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(arc);
      arc = 0;
    }
  }
  return arcs.join('.');
}
