/**
 * ICE candidate lines, as SDP carries them and as trickle ICE sends them.
 *
 *   a=candidate:<foundation> <component-id> <transport> <priority>
 *               <connection-address> <port> typ <cand-type>
 *               [raddr <connection-address>] [rport <port>]
 *               *(<extension-att-name> <extension-att-value>)
 *
 * The grammar is RFC 8839 §5.1 (which took it over from RFC 5245 §15.1);
 * `tcptype active|passive|so`, right after `rport`, is what RFC 6544 §4.5
 * adds for ICE-TCP (its grammar requires it on TCP candidates; Chrome of 2014
 * left it out, libwebrtc still reads such lines, and so does this codec); `a=end-of-candidates` is the SDP attribute of RFC 8840 (§8) that
 * carries trickle ICE's end-of-candidates indication (RFC 8838).
 *
 * Why this file keeps the spelling of what it read: the tests hold every
 * candidate line real browsers wrote (test/wire/ice-candidate.test.ts) and ask
 * that parse → serialise gives the same line back. Two things differ between
 * real writers and are therefore kept: the transport's case (Chromium writes
 * `udp`, Firefox `UDP`; `transportText`) and unknown extensions, in order
 * (`generation 0 network-cost 999`, `ufrag …`, `network-id …`: libwebrtc's).
 * Keywords are read case-insensitively, as RFC 5234 §2.3 says quoted ABNF
 * strings are, and written in lower case, as every implementation writes them.
 *
 * Parsing reads untrusted text (a remote peer's SDP or trickled candidate):
 * it never throws, and returns an error value naming the field, the offending
 * token and its offset. Serialising reads values our code built: a candidate
 * that would not parse back is a programming error, so it throws.
 */

import type { AddressFamily } from '../io/address.js';
import type { WireDecodeError } from './errors.js';
import { parseIPv4, parseIPv6 } from '../io/ip.js';

/** RFC 8445 §5.1.1: host, server-reflexive, peer-reflexive, relayed. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
/** RFC 8839 defines UDP; RFC 6544 adds TCP. Other transports are refused. */
export type CandidateTransport = 'udp' | 'tcp';
/** RFC 6544 §4.5: who opens the TCP connection ("so" = simultaneous open). */
export type TcpType = 'active' | 'passive' | 'so';

/** An `extension-att-name extension-att-value` pair that this codec does not interpret. */
export interface CandidateExtension {
  readonly name: string;
  readonly value: string;
}

/** One candidate, as the `candidate-attribute` of RFC 8839 §5.1 describes it. */
export interface IceCandidate {
  /** 1 to 32 `ice-char`s (ALPHA / DIGIT / "+" / "/"). */
  readonly foundation: string;
  /** 1 to 256 (RFC 8445 §5.1.2.1). */
  readonly component: number;
  readonly transport: CandidateTransport;
  /** 1 to 2^31 − 1 (RFC 8445 §5.1.2). */
  readonly priority: number;
  /** An IPv4 or IPv6 address, or an FQDN such as an mDNS `<uuid>.local` name (RFC 8839 §5.1), as written. */
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
  /** `raddr`: for reflexive and relayed candidates, the address they were derived from (RFC 8445 §5.3). */
  readonly relatedAddress?: string | undefined;
  /** `rport`. */
  readonly relatedPort?: number | undefined;
  /** ICE-TCP only. libwebrtc treats a TCP candidate without one as passive; this codec leaves it absent. */
  readonly tcpType?: TcpType | undefined;
  readonly extensions: readonly CandidateExtension[];
  /** The transport as it was written (`UDP`, `udp`, `Tcp`), when read from text; absent means lower case. */
  readonly transportText?: string | undefined;
}

/** Which prefix the text had: a whole SDP line, the W3C `RTCIceCandidate.candidate` form, or the bare value. */
export type CandidatePrefix = 'a=candidate:' | 'candidate:' | '';

/** Why a candidate line could not be parsed. */
export type CandidateParseErrorCode =
  /** A line break inside the text (only one trailing CRLF or LF is allowed). */
  | 'line-break'
  /** An `a=` line that is not `a=candidate:`. */
  | 'not-a-candidate'
  /** A field is empty: two spaces in a row, or a leading or trailing space (the grammar has one SP). */
  | 'empty-field'
  /** Fewer than the eight fields up to and including the candidate type. */
  | 'too-few-fields'
  | 'bad-foundation'
  | 'bad-component'
  /** A transport other than UDP or TCP (RFC 8839 allows extensions; none is implemented). */
  | 'unsupported-transport'
  | 'bad-priority'
  | 'bad-address'
  | 'bad-port'
  /** The seventh field is not `typ`. */
  | 'missing-typ'
  | 'unknown-candidate-type'
  | 'bad-related-address'
  | 'bad-related-port'
  /**
   * `raddr`, `rport` or `tcptype` among the extensions: the grammars put them
   * right after the candidate type, in that order (RFC 8839 §5.1, RFC 6544
   * §4.5), and a second one means nothing.
   */
  | 'misplaced-keyword'
  /** `tcptype` with a value other than active, passive, so (RFC 6544 §4.5). */
  | 'bad-tcptype'
  | 'tcptype-on-udp'
  /** An extension name that is not an RFC 3261 `token`. */
  | 'bad-extension-name'
  /** An extension value that is not visible ASCII (`*VCHAR`). */
  | 'bad-extension-value'
  /** An extension name with no value after it. */
  | 'extension-without-value';

/** A parse failure: code, words, the character offset in the text handed to the parser, and the token found there. */
export interface CandidateParseError extends WireDecodeError<CandidateParseErrorCode> {
  readonly token: string;
}

/** What `parseCandidate` gives: the candidate, or why the line is not one. */
export type CandidateParseResult =
  | { readonly ok: true; readonly candidate: IceCandidate; readonly prefix: CandidatePrefix }
  | { readonly ok: false; readonly error: CandidateParseError };

/** RFC 8840 §8: no more candidates will follow for this data stream (this generation). */
export const END_OF_CANDIDATES = 'end-of-candidates';

/** What `parseIceAttribute` gives: a candidate, end-of-candidates, or why the line is neither. */
export type IceAttributeParseResult =
  | { readonly ok: true; readonly kind: 'candidate'; readonly candidate: IceCandidate; readonly prefix: CandidatePrefix }
  | { readonly ok: true; readonly kind: 'end-of-candidates' }
  | { readonly ok: false; readonly error: CandidateParseError };

/** Thrown by {@link serializeCandidate} for a candidate whose line would not parse back. */
export class CandidateFormatError extends Error {
  override readonly name = 'CandidateFormatError';
  constructor(
    readonly code: CandidateParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const MAX_PRIORITY = 2 ** 31 - 1;
const DIGITS = /^[0-9]+$/;
const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
/** RFC 3261 §25.1 `token`. */
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
/** RFC 5234 `VCHAR`, one or more (an empty value cannot be told apart from a missing one). */
const VCHARS = /^[\x21-\x7e]+$/;
/** RFC 4566 §9 `FQDN = 4*(alpha-numeric / "-" / ".")`: what mDNS `<uuid>.local` names are. */
const FQDN = /^[A-Za-z0-9.-]{4,}$/;

/** `a=end-of-candidates` or `end-of-candidates` (one trailing CRLF or LF allowed). */
export function isEndOfCandidates(text: string): boolean {
  const line = stripLineEnd(text);
  return line === `a=${END_OF_CANDIDATES}` || line === END_OF_CANDIDATES;
}

/** Reads a candidate line or the end-of-candidates marker: what a trickle ICE message or an SDP m-section can hold. */
export function parseIceAttribute(text: string): IceAttributeParseResult {
  if (isEndOfCandidates(text)) return { ok: true, kind: 'end-of-candidates' };
  const result = parseCandidate(text);
  return result.ok ? { ok: true, kind: 'candidate', candidate: result.candidate, prefix: result.prefix } : result;
}

/**
 * Reads `a=candidate:…`, `candidate:…` or the bare value. Never throws. A
 * trailing CRLF or LF is allowed (libwebrtc allows it too), nothing else.
 */
export function parseCandidate(text: string): CandidateParseResult {
  const line = stripLineEnd(text);
  const lineBreak = line.search(/[\r\n]/);
  if (lineBreak >= 0) return fail('line-break', 'a candidate is one line; found a line break inside it', lineBreak, line[lineBreak] ?? '');

  let prefix: CandidatePrefix = '';
  let start = 0;
  if (line.startsWith('a=')) {
    if (line.slice(2, 12).toLowerCase() !== 'candidate:') {
      return fail('not-a-candidate', 'an a= line that is not a=candidate:', 0, line.slice(0, line.indexOf(':') + 1 || line.length));
    }
    prefix = 'a=candidate:';
    start = 12;
  } else if (line.slice(0, 10).toLowerCase() === 'candidate:') {
    prefix = 'candidate:';
    start = 10;
  }

  if (line.length === start) return fail('too-few-fields', 'the candidate is empty', start, '');
  const fields = splitFields(line, start);
  const empty = fields.find((f) => f.text === '');
  if (empty) return fail('empty-field', 'fields are separated by exactly one space', empty.offset, '');
  if (fields.length < 8) {
    return fail('too-few-fields', `a candidate has at least 8 fields up to its type; found ${fields.length}`, line.length, '');
  }
  const [foundation, component, transport, priority, address, port, typ, type] = fields as [Field, Field, Field, Field, Field, Field, Field, Field];

  const checks: [Field, CandidateParseErrorCode, string | null][] = [
    [foundation, 'bad-foundation', foundationProblem(foundation.text)],
    [component, 'bad-component', componentProblem(component.text)],
    [transport, 'unsupported-transport', transportProblem(transport.text)],
    [priority, 'bad-priority', priorityProblem(priority.text)],
    [address, 'bad-address', addressProblem(address.text)],
    [port, 'bad-port', portProblem(port.text)],
    [typ, 'missing-typ', typ.text.toLowerCase() === 'typ' ? null : 'the seventh field must be "typ"'],
    [type, 'unknown-candidate-type', candidateTypeOf(type.text) ? null : 'the type must be host, srflx, prflx or relay'],
  ];
  for (const [field, code, problem] of checks) if (problem !== null) return fail(code, problem, field.offset, field.text);

  const candidateTransport = transport.text.toLowerCase() as CandidateTransport;
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  let i = 8;
  const at = (k: number): Field | undefined => fields[k];
  if (at(i)?.text.toLowerCase() === 'raddr') {
    const value = at(i + 1);
    const problem = value === undefined ? 'raddr needs an address after it' : addressProblem(value.text);
    if (problem !== null) return fail('bad-related-address', problem, value?.offset ?? line.length, value?.text ?? '');
    relatedAddress = (value as Field).text;
    i += 2;
  }
  if (at(i)?.text.toLowerCase() === 'rport') {
    const value = at(i + 1);
    const problem = value === undefined ? 'rport needs a port after it' : portProblem(value.text);
    if (problem !== null) return fail('bad-related-port', problem, value?.offset ?? line.length, value?.text ?? '');
    relatedPort = Number((value as Field).text);
    i += 2;
  }

  let tcpType: TcpType | undefined;
  if (at(i)?.text.toLowerCase() === 'tcptype') {
    const name = at(i) as Field;
    const value = at(i + 1);
    if (candidateTransport !== 'tcp') return fail('tcptype-on-udp', 'tcptype is for TCP candidates (RFC 6544)', name.offset, name.text);
    tcpType = value === undefined ? undefined : tcpTypeOf(value.text);
    if (tcpType === undefined) return fail('bad-tcptype', 'tcptype must be active, passive or so', value?.offset ?? line.length, value?.text ?? '');
    i += 2;
  }

  const extensions: CandidateExtension[] = [];
  for (; i < fields.length; i += 2) {
    const name = fields[i] as Field;
    const value = fields[i + 1];
    if (value === undefined) return fail('extension-without-value', `extension "${name.text}" has no value`, name.offset, name.text);
    const lower = name.text.toLowerCase();
    if (lower === 'raddr' || lower === 'rport' || lower === 'tcptype') {
      return fail('misplaced-keyword', `${lower} must come right after the candidate type (and raddr, rport), once`, name.offset, name.text);
    }
    const nameProblem = extensionNameProblem(name.text);
    if (nameProblem !== null) return fail('bad-extension-name', nameProblem, name.offset, name.text);
    const valueProblem = extensionValueProblem(value.text);
    if (valueProblem !== null) return fail('bad-extension-value', valueProblem, value.offset, value.text);
    extensions.push({ name: name.text, value: value.text });
  }

  const candidate: IceCandidate = {
    foundation: foundation.text,
    component: Number(component.text),
    transport: candidateTransport,
    priority: Number(priority.text),
    address: address.text,
    port: Number(port.text),
    type: candidateTypeOf(type.text) as CandidateType,
    ...(relatedAddress !== undefined && { relatedAddress }),
    ...(relatedPort !== undefined && { relatedPort }),
    ...(tcpType !== undefined && { tcpType }),
    extensions,
    ...(transport.text !== candidateTransport && { transportText: transport.text }),
  };
  return { ok: true, candidate, prefix };
}

/**
 * Writes the candidate, by default in the W3C `RTCIceCandidate.candidate`
 * form (`candidate:…`); pass `'a=candidate:'` for an SDP line.
 * Throws {@link CandidateFormatError} if the result would not parse back.
 */
export function serializeCandidate(candidate: IceCandidate, prefix: CandidatePrefix = 'candidate:'): string {
  const c = candidate;
  const transport = c.transportText ?? c.transport;
  const problems: [CandidateParseErrorCode, string | null][] = [
    ['bad-foundation', foundationProblem(c.foundation)],
    ['bad-component', componentProblem(String(c.component))],
    ['unsupported-transport', transportProblem(transport) ?? (transport.toLowerCase() === c.transport ? null : 'transportText disagrees with transport')],
    ['bad-priority', priorityProblem(String(c.priority))],
    ['bad-address', addressProblem(c.address)],
    ['bad-port', portProblem(String(c.port))],
    ['unknown-candidate-type', candidateTypeOf(c.type) === c.type ? null : 'the type must be host, srflx, prflx or relay'],
    ['bad-related-address', c.relatedAddress === undefined ? null : addressProblem(c.relatedAddress)],
    ['bad-related-port', c.relatedPort === undefined ? null : portProblem(String(c.relatedPort))],
    ['bad-tcptype', c.tcpType === undefined || tcpTypeOf(c.tcpType) === c.tcpType ? null : 'tcptype must be active, passive or so'],
    ['tcptype-on-udp', c.tcpType !== undefined && c.transport !== 'tcp' ? 'tcptype is for TCP candidates (RFC 6544)' : null],
  ];
  for (const e of c.extensions) {
    const reserved = ['raddr', 'rport', 'tcptype'].includes(e.name.toLowerCase());
    problems.push(['bad-extension-name', reserved ? `"${e.name}" is not an extension; use the candidate's own field` : extensionNameProblem(e.name)]);
    problems.push(['bad-extension-value', extensionValueProblem(e.value)]);
  }
  for (const [code, problem] of problems) if (problem !== null) throw new CandidateFormatError(code, problem);

  let out = `${prefix}${c.foundation} ${c.component} ${transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) out += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) out += ` rport ${c.relatedPort}`;
  if (c.tcpType !== undefined) out += ` tcptype ${c.tcpType}`;
  for (const e of c.extensions) out += ` ${e.name} ${e.value}`;
  return out;
}

/** The value of a named extension (`generation`, `ufrag`, `network-cost`…), or undefined. */
export function candidateExtension(candidate: IceCandidate, name: string): string | undefined {
  return candidate.extensions.find((e) => e.name === name)?.value;
}

/** What kind of connection address: RFC 8839 §5.1 tells IPv6 from IPv4 by the colon. */
export function connectionAddressKind(address: string): AddressFamily | 'FQDN' | null {
  if (address.includes(':')) return parseIPv6(address) === null ? null : 'IPv6';
  if (/^[0-9.]+$/.test(address)) return parseIPv4(address) === null ? null : 'IPv4';
  return FQDN.test(address) ? 'FQDN' : null;
}

// ---- fields ----

interface Field {
  readonly text: string;
  readonly offset: number;
}

function splitFields(line: string, start: number): Field[] {
  const fields: Field[] = [];
  let offset = start;
  for (const text of line.slice(start).split(' ')) {
    fields.push({ text, offset });
    offset += text.length + 1;
  }
  return fields;
}

function stripLineEnd(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

function fail(code: CandidateParseErrorCode, message: string, offset: number, token: string): CandidateParseResult {
  return { ok: false, error: { code, message, offset, token } };
}

/** Digits only (no sign, point or exponent), at most `maxDigits` of them, so that Number() is exact. */
function decimal(text: string, maxDigits: number): number | null {
  return text.length <= maxDigits && DIGITS.test(text) ? Number(text) : null;
}

function foundationProblem(text: string): string | null {
  return FOUNDATION.test(text) ? null : 'a foundation is 1 to 32 letters, digits, "+" or "/"';
}

function componentProblem(text: string): string | null {
  const n = decimal(text, 3);
  return n !== null && n >= 1 && n <= 256 ? null : 'the component ID is an integer from 1 to 256';
}

function transportProblem(text: string): string | null {
  const lower = text.toLowerCase();
  return lower === 'udp' || lower === 'tcp' ? null : 'the transport must be UDP or TCP';
}

function priorityProblem(text: string): string | null {
  const n = decimal(text, 10);
  return n !== null && n >= 1 && n <= MAX_PRIORITY ? null : 'the priority is an integer from 1 to 2^31-1';
}

function portProblem(text: string): string | null {
  const n = decimal(text, 5);
  return n !== null && n <= 65535 ? null : 'a port is an integer from 0 to 65535';
}

function addressProblem(text: string): string | null {
  return connectionAddressKind(text) === null ? 'not an IPv4 address, an IPv6 address or a host name' : null;
}

function extensionNameProblem(text: string): string | null {
  return TOKEN.test(text) ? null : 'an extension name is a token (letters, digits and -.!%*_+`\'~)';
}

function extensionValueProblem(text: string): string | null {
  return VCHARS.test(text) ? null : 'an extension value is visible ASCII';
}

function candidateTypeOf(text: string): CandidateType | undefined {
  const lower = text.toLowerCase();
  return lower === 'host' || lower === 'srflx' || lower === 'prflx' || lower === 'relay' ? lower : undefined;
}

function tcpTypeOf(text: string): TcpType | undefined {
  const lower = text.toLowerCase();
  return lower === 'active' || lower === 'passive' || lower === 'so' ? lower : undefined;
}
