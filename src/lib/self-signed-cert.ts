/**
 * A self-signed X.509 v3 certificate for a TLS server, made with node:crypto (which signs but cannot
 * issue certificates): the DER of RFC 5280 written by hand, as Go's `crypto.NewSelfSignedCertificate`
 * fills it in (a random 128-bit serial, valid from now for a year, client and server auth, not a CA),
 * plus the names it is valid for, so that a client trusting the file can check the host it dialled.
 */
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface SelfSignedOptions {
  /** The RSA private key that signs it, whose public half it certifies. */
  key: KeyObject;
  /** IP addresses and DNS names it is valid for. */
  names: readonly string[];
  /** Its common name. */
  commonName: string;
  now?: Date;
  /** Its serial number's 16 bytes; random by default. */
  serial?: Buffer;
}

/** The certificate in PEM. */
export function selfSignedCertificate(options: SelfSignedOptions): string {
  const now = options.now ?? new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 1);
  const name = sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(options.commonName)))));
  const algorithm = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00])); // sha256WithRSA
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(options.serial ?? randomBytes(16)),
    algorithm,
    name,
    sequence(utcTime(now), utcTime(notAfter)),
    name,
    createPublicKey(options.key).export({ type: 'spki', format: 'der' }),
    tlv(0xa3, sequence(...extensions(options.names))),
  );
  const signature = sign('sha256', tbs, options.key);
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function extensions(names: readonly string[]): Buffer[] {
  const critical = tlv(0x01, Buffer.from([0xff]));
  const altNames = names.map((n) => (isIP(n) === 0 ? tlv(0x82, Buffer.from(n)) : tlv(0x87, ipBytes(n))));
  return [
    // key usage: digital signature (bit 0)
    sequence(oid('2.5.29.15'), critical, octetString(tlv(0x03, Buffer.from([7, 0x80])))),
    // extended key usage: server and client auth
    sequence(oid('2.5.29.37'), octetString(sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
    // basic constraints: not a CA
    sequence(oid('2.5.29.19'), critical, octetString(sequence())),
    ...(altNames.length === 0 ? [] : [sequence(oid('2.5.29.17'), octetString(sequence(...altNames)))]),
  ];
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::` to the missing groups of zeros
  const [head = '', tail] = ip.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const front = groups(head);
  const back = groups(tail ?? '');
  const zeros = tail === undefined ? [] : Array<string>(8 - front.length - back.length).fill('0');
  return Buffer.concat([...front, ...zeros, ...back].map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

// --- DER ----------------------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

/**
 * A non-negative INTEGER in DER's one encoding: no leading zero bytes (a random serial starting with
 * 0x00 is refused by OpenSSL as "illegal padding"), but one where a high first bit would read as
 * negative.
 */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, (minimal[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const base128 = (n: number): number[] => {
    const out = [n % 128];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) out.unshift(0x80 | (v % 128));
    return out;
  };
  return tlv(0x06, Buffer.from([first * 40 + second, ...rest.flatMap(base128)]));
}

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280: for years before 2050). */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-21T19:04:40.123Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text));
}
