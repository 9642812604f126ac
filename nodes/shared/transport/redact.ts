/**
 * Secret redaction. Every text that leaves the transport in an error (message, description,
 * response excerpt, URL) passes through here, so an API key echoed by a server, a signature in a
 * query string or a vendor key inside an XML document never reaches the n8n UI or logs.
 *
 * A server decides how it echoes a secret, so a secret is matched in every form it can take on
 * the way back: as sent, URL-encoded, JSON- or XML-escaped, and in any letter case (a proxy that
 * upper-cases a header, a host name the URL parser lower-cased). Texts are redacted before they
 * are cut to an excerpt wherever the transport can; where a cut text arrives (a parser's
 * excerpt), a long enough start of a secret just before the cut is masked too.
 */

const MASK = '[redacted]';

/** Shorter values (e.g. a vendor id "1") would mangle unrelated text, and are not secret enough to need it. */
const MIN_SECRET_LENGTH = 4;

/** A start of a secret at least this long, just before a cut, is taken for the secret. */
const MIN_CUT_PREFIX = 6;

/** Marks the end of an excerpt (see `excerpt` in errors.ts). */
export const CUT_MARK = '…';

/** Query / form / XML field names whose values are secret whatever their value is. */
const SECRET_FIELD_PATTERN =
	/((?:api[_-]?key|api[_-]?secret|access[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|signature|vendor[_-]?key)=)[^&\s"'<]*/gi;
const SECRET_XML_PATTERN = /(<(VendorKey|ApiKey|Password|Token)>)[^<]*(<\/\2>)/gi;
const AUTH_HEADER_PATTERN = /(Token token=)[^\s,"']*(,\s*email=)?/gi;

const xmlEscape = (text: string) =>
	text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');

/** Every form a secret can come back in, longest first (so a longer form is masked whole). */
export function secretForms(secrets: readonly string[]): string[] {
	const forms = new Set<string>();
	for (const secret of secrets) {
		if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
		forms.add(secret);
		forms.add(encodeURIComponent(secret));
		forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
		forms.add(JSON.stringify(secret).slice(1, -1));
		forms.add(xmlEscape(secret));
	}
	return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Masks what remains of a secret where a text was cut (its end, or an excerpt's cut mark): the
 * longest start of any form of a secret, of at least {@link MIN_CUT_PREFIX} characters, that
 * ends right there.
 */
function maskCutPrefixes(text: string, forms: readonly string[]): string {
	const cuts: number[] = [];
	for (let at = text.indexOf(CUT_MARK); at >= 0; at = text.indexOf(CUT_MARK, at + 1)) cuts.push(at);
	cuts.push(text.length);
	let out = text;
	// Right to left, so masking one cut does not move the positions of the cuts before it.
	for (const cut of cuts.reverse()) {
		const before = out.slice(0, cut).toLowerCase();
		let longest = 0;
		for (const form of forms) {
			const lower = form.toLowerCase();
			for (let length = Math.min(lower.length - 1, before.length); length >= MIN_CUT_PREFIX; length--) {
				if (length <= longest) break;
				if (before.endsWith(lower.slice(0, length))) {
					longest = length;
					break;
				}
			}
		}
		if (longest > 0) out = `${out.slice(0, cut - longest)}${MASK}${out.slice(cut)}`;
	}
	return out;
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
	const forms = secretForms(secrets);
	let out = text;
	for (const form of forms) out = out.replace(new RegExp(escapeRegExp(form), 'gi'), MASK);
	if (forms.length > 0) out = maskCutPrefixes(out, forms);
	return out
		.replace(SECRET_FIELD_PATTERN, `$1${MASK}`)
		.replace(SECRET_XML_PATTERN, `$1${MASK}$3`)
		.replace(AUTH_HEADER_PATTERN, `$1${MASK}$2`);
}

/**
 * Masks every form of the secrets in a response body, byte for byte, before anything reads an
 * excerpt of it. The body is viewed as Latin-1 (one character per byte, so the bytes around a
 * secret stay exactly as they were, whatever the body's real encoding), and each form is looked
 * for as the bytes of its UTF-8 encoding.
 */
export function redactBody(body: Buffer, secrets: readonly string[]): Buffer {
	const forms = secretForms(secrets).map((form) => Buffer.from(form, 'utf8').toString('latin1'));
	if (forms.length === 0 || body.length === 0) return body;
	let text = body.toString('latin1');
	let changed = false;
	for (const form of forms) {
		const pattern = new RegExp(escapeRegExp(form), 'gi');
		if (pattern.test(text)) {
			changed = true;
			text = text.replace(pattern, MASK);
		}
	}
	return changed ? Buffer.from(text, 'latin1') : body;
}

/** Collects the string values of the credential fields named secret by a credential type. */
export function secretValues(credentials: Record<string, unknown> | undefined, fields: readonly string[]): string[] {
	if (!credentials) return [];
	const values: string[] = [];
	for (const field of fields) {
		const value = credentials[field];
		if (typeof value === 'string' && value !== '') values.push(value);
	}
	return values;
}
