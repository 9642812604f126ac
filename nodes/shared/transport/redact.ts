/**
 * Secret redaction. Every text that leaves the transport in an error (message, description,
 * response excerpt, URL) passes through here, so an API key echoed by a server, a signature in a
 * query string or a vendor key inside an XML document never reaches the n8n UI or logs.
 */

const MASK = '[redacted]';

/** Query / form / XML field names whose values are secret whatever their value is. */
const SECRET_FIELD_PATTERN =
	/((?:api[_-]?key|api[_-]?secret|access[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|signature|vendor[_-]?key)=)[^&\s"'<]*/gi;
const SECRET_XML_PATTERN = /(<(VendorKey|ApiKey|Password|Token)>)[^<]*(<\/\2>)/gi;
const AUTH_HEADER_PATTERN = /(Token token=)[^\s,"']*(,\s*email=)?/gi;

export function redactSecrets(text: string, secrets: readonly string[]): string {
	let out = text;
	for (const secret of secrets) {
		// Very short values (e.g. a vendor id "1") would mangle unrelated text; they are not secret
		// enough to need it either.
		if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
	}
	return out
		.replace(SECRET_FIELD_PATTERN, `$1${MASK}`)
		.replace(SECRET_XML_PATTERN, `$1${MASK}$3`)
		.replace(AUTH_HEADER_PATTERN, `$1${MASK}$2`);
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
