/**
 * Safe XML parsing shared by every XML reader (UBL, CII, Factur-X attachments).
 *
 * Hostile input is refused before or while parsing, never expanded:
 * - any DOCTYPE or ENTITY declaration (no entity expansion, no external fetch: billion
 *   laughs and XXE never reach the parser);
 * - more than `maxBytes` bytes, or elements nested deeper than `maxDepth`;
 * - text that is not well-formed, or in an encoding this runtime does not know.
 *
 * The result is a small namespace-resolved tree: element names are local names (prefixes
 * stripped), each element knows its namespace URI, values are the text exactly as written
 * (only the five predefined entities and character references are decoded).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  /** Local name, prefix stripped (`cbc:ID` → `ID`). */
  readonly name: string;
  /** Namespace URI, or null for an element in no namespace. */
  readonly ns: string | null;
  /** Attributes by local name (namespace declarations excluded). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA included), surrounding white space stripped. */
  readonly text: string;
}

export interface XmlLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
}

export const XML_LIMITS: XmlLimits = { maxBytes: 20 * 1024 * 1024, maxDepth: 64 };

export type XmlParseResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly reason: string };

/** Parses XML bytes into a tree, or says in one sentence why the document is refused. */
export function parseXml(bytes: Uint8Array, limits: XmlLimits = XML_LIMITS): XmlParseResult {
  if (bytes.length > limits.maxBytes) {
    return fail(`XML is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit`);
  }
  const decoded = decodeXmlText(bytes);
  if (!decoded.ok) return decoded;
  const text = decoded.text;
  const declaration = /<!\s*(DOCTYPE|ENTITY)\b/i.exec(text);
  if (declaration) {
    return fail(`XML with a ${declaration[1]!.toUpperCase()} declaration is refused (no entity expansion or external fetch)`);
  }
  const depth = maxDepthOf(text, limits.maxDepth);
  if (depth > limits.maxDepth) return fail(`XML nests elements deeper than ${limits.maxDepth} levels`);
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const e = valid.err;
    return fail(`not well-formed XML: ${e.msg} (line ${e.line}, column ${e.col})`);
  }
  let ordered: unknown;
  try {
    ordered = PARSER(limits.maxDepth).parse(text);
  } catch (err) {
    return fail(`not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rootNode = (ordered as OrderedNode[]).find((n) => elementName(n) !== null);
  if (!rootNode) return fail('XML has no root element');
  return { ok: true, root: toElement(rootNode, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

// ---------------------------------------------------------------------------------------
// Decoding: BOM first, then the declared encoding; unknown encodings are refused.

function decodeXmlText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; reason: string } {
  let label = 'utf-8';
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) (label = 'utf-16le'), (start = 2);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) (label = 'utf-16be'), (start = 2);
  else {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1];
    if (declared !== undefined) label = declared;
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return fail(`not well-formed XML: unknown encoding "${label}"`);
  }
  try {
    return { ok: true, text: decoder.decode(bytes.subarray(start)) };
  } catch {
    return fail(`not well-formed XML: the bytes are not valid ${decoder.encoding}`);
  }
}

/**
 * The deepest element nesting, stopping early once `limit` is passed. A light tokenizer:
 * comments, CDATA, processing instructions and quoted attribute values are skipped.
 */
export function maxDepthOf(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text[i + 1];
    if (text.startsWith('<!--', i)) i = endOf(text, '-->', i);
    else if (text.startsWith('<![CDATA[', i)) i = endOf(text, ']]>', i);
    else if (next === '?' || next === '!') i = endOf(text, '>', i);
    else if (next === '/') {
      depth--;
      i = endOf(text, '>', i);
    } else {
      const close = tagEnd(text, i);
      if (depth + 1 > max) max = depth + 1;
      if (max > limit) return max;
      if (text[close - 1] !== '/') depth++;
      i = close + 1;
    }
    i = text.indexOf('<', i);
  }
  return max;
}

function endOf(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at === -1 ? text.length : at + token.length;
}

/** Index of the `>` closing the start tag at `from`, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return text.length;
}

// ---------------------------------------------------------------------------------------
// fast-xml-parser's ordered output → XmlElement with resolved namespaces.

type OrderedNode = Record<string, unknown>;
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

const PARSER = (maxDepth: number) =>
  new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: false,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: false,
    cdataPropName: CDATA,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });

function elementName(node: OrderedNode): string | null {
  for (const key of Object.keys(node)) if (key !== ATTRS && key !== TEXT && key !== CDATA) return key;
  return null;
}

function toElement(node: OrderedNode, scope: ReadonlyMap<string, string>): XmlElement {
  const qname = elementName(node)!;
  const rawAttrs = (node[ATTRS] ?? {}) as Record<string, string>;
  const inScope = new Map(scope);
  const attrs: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') inScope.set('', decodeEntities(value));
    else if (key.startsWith('xmlns:')) inScope.set(key.slice(6), decodeEntities(value));
    else attrs[localName(key)] = decodeEntities(String(value));
  }
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qname] ?? []) as OrderedNode[]) {
    if (TEXT in child) text += decodeEntities(String(child[TEXT]));
    else if (CDATA in child) text += cdataText(child[CDATA]);
    else if (elementName(child) !== null) children.push(toElement(child, inScope));
  }
  return { name: localName(qname), ns: inScope.get(prefix) || null, attrs, children, text: text.trim() };
}

function cdataText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String((v as OrderedNode)[TEXT] ?? '')).join('');
  return String(value ?? '');
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; anything else stays as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// ---------------------------------------------------------------------------------------
// Navigation by local names. A step may list alternatives: `'ExchangedDocument|HeaderExchangedDocument'`.

function matches(step: string, name: string): boolean {
  return step === name || (step.includes('|') && step.split('|').includes(name));
}

/** Direct children whose local name matches `step`. */
export function childrenOf(el: XmlElement | null | undefined, step: string): XmlElement[] {
  return el ? el.children.filter((c) => matches(step, c.name)) : [];
}

/** The first element at the path of local names below `el`, or null. */
export function find(el: XmlElement | null | undefined, ...path: string[]): XmlElement | null {
  let cur: XmlElement | null | undefined = el;
  for (const step of path) {
    cur = cur?.children.find((c) => matches(step, c.name));
    if (!cur) return null;
  }
  return cur ?? null;
}

/** Every element at the path (all matches at each step). */
export function findAll(el: XmlElement | null | undefined, ...path: string[]): XmlElement[] {
  let level: XmlElement[] = el ? [el] : [];
  for (const step of path) level = level.flatMap((e) => childrenOf(e, step));
  return level;
}

/** The text at the path, or null when the element is absent or empty. */
export function textAt(el: XmlElement | null | undefined, ...path: string[]): string | null {
  const found = find(el, ...path);
  return found && found.text !== '' ? found.text : null;
}

/** The attribute of the element at the path, or null. */
export function attrAt(el: XmlElement | null | undefined, attr: string, ...path: string[]): string | null {
  const found = find(el, ...path);
  const value = found?.attrs[attr];
  return value !== undefined && value.trim() !== '' ? value.trim() : null;
}

/** `{ns}local` as people read it in a refusal message. */
export function qualifiedName(el: XmlElement): string {
  return el.ns ? `{${el.ns}}${el.name}` : el.name;
}

/** An xs:boolean (`true`/`1`, `false`/`0`), or null for anything else. */
export function xsBoolean(text: string | null): boolean | null {
  const t = text?.trim().toLowerCase();
  return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : null;
}
