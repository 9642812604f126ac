import { nestsDeeperThan } from '../../shared/json';
import type { ApiFailure } from '../../shared/transport/errors';
import { excerpt } from '../../shared/transport/errors';
import type { ApiRequest, RawResponse } from '../../shared/transport/http';
import { FIELD_LABELS } from '../model';

/**
 * CommerceConnect's error bodies are not documented. It is a Rails application documented with
 * Apipie, so three shapes are expected and all are read:
 * - model validation (422): `{"errors": {"url": ["can't be blank"]}}` (or a list of full messages);
 * - parameter validation (Apipie) and authentication (Devise): `{"error": "…"}`;
 * - anything else: `{"message": "…"}`, or a plain/HTML body.
 */
export interface RailsError {
	message?: string;
	/** API field names named by a validation error, in order. */
	fields: string[];
}

export function readRailsError(text: string): RailsError {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	if (body === undefined) {
		// An HTML error page says nothing useful; a short plain text might.
		const plain = text.trim();
		if (!plain || /^<(!doctype|html)/i.test(plain)) return { fields: [] };
		return { message: excerpt(plain), fields: [] };
	}
	if (!body || typeof body !== 'object')
		return { message: typeof body === 'string' ? excerpt(body) : undefined, fields: [] };
	// Reading it recurses; an error body nested this deep is not a message anyone wrote.
	if (nestsDeeperThan(body)) return { fields: [] };
	const record = body as Record<string, unknown>;
	const fields: string[] = [];
	const parts: string[] = [];

	const errors = record.errors;
	if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
		for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
			const field = key.replace(/\]/g, '').split(/[.[]/).pop() ?? key;
			if (!fields.includes(field)) fields.push(field);
			const messages = Array.isArray(value) ? value.map(String) : [String(value)];
			for (const message of messages) parts.push(`${key} ${message}`);
		}
	} else if (Array.isArray(errors)) {
		parts.push(...errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))));
	} else if (typeof errors === 'string') {
		parts.push(errors);
	}
	for (const key of ['error', 'message']) {
		const value = record[key];
		if (typeof value === 'string' && value.trim()) parts.push(value);
		else if (value && typeof value === 'object' && typeof (value as Record<string, unknown>).message === 'string') {
			parts.push((value as Record<string, string>).message);
		}
	}
	// Apipie names the parameter inside its message: "Invalid parameter 'media_item[position]' value …".
	for (const part of parts) {
		const match = /parameter '([^']+)'/i.exec(part);
		if (match) {
			const field = match[1].replace(/\]/g, '').split('[').pop() ?? match[1];
			if (!fields.includes(field)) fields.push(field);
		}
	}
	return { message: parts.length > 0 ? excerpt(parts.join('; '), 500) : undefined, fields };
}

/** "URL (url), Product ID (product_id)". */
export function labelFields(fields: readonly string[]): string {
	return fields.map((f) => (FIELD_LABELS[f] ? `${FIELD_LABELS[f]} (${f})` : f)).join(', ');
}

/** Maps a non-2xx answer to a failure with the API's own message and what to do about it. */
export function describeCommerceConnectFailure(
	response: RawResponse,
	request: ApiRequest,
): Partial<ApiFailure> | undefined {
	if (response.status >= 200 && response.status < 300) return undefined;
	const { message, fields } = readRailsError(response.body.toString('utf8'));
	const failure: Partial<ApiFailure> = { kind: 'http', providerMessage: message };
	switch (response.status) {
		case 401:
			failure.hint =
				'Check the email and API token in the CommerceConnect credential: the token must belong to the user with that email. (CommerceConnect calls static tokens deprecated; if your account was moved to API accounts, ask CommerceConnect support for a token.)';
			break;
		case 403:
			failure.hint =
				'The credential is valid, but this CommerceConnect user may not do this. Ask an administrator for the permission.';
			break;
		case 404:
			failure.hint = /\/media_items\/\d+$/.test(request.url)
				? 'No media item has this ID (it may have been deleted). Check the Media Item ID.'
				: 'Check the IDs and codes you passed, and the Base URL in the credential.';
			break;
		case 422:
			failure.hint =
				fields.length > 0
					? `CommerceConnect rejected ${fields.length === 1 ? 'this field' : 'these fields'}: ${labelFields(fields)}. Fix ${fields.length === 1 ? 'it' : 'them'} in the node and run again.`
					: 'CommerceConnect could not process the request: check the fields named in the message.';
			failure.cause = 'configuration-invalid';
			break;
	}
	return failure;
}
