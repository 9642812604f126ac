import { parseJsonText } from '../attempt';
import { MalformedResponseError } from './answerErrors';
import { excerpt } from './errors';
import type { RawResponse } from './http';

/**
 * The JSON body of an answer (PSRESTful, CommerceConnect). An empty or unreadable body is a
 * malformed answer, reported with a short excerpt.
 */
export function parseJson(response: RawResponse): unknown {
	const text = response.body.toString('utf8');
	if (text.trim() === '') throw new MalformedResponseError('empty body where JSON was expected');
	const parsed = parseJsonText(text);
	if (!parsed.ok) throw new MalformedResponseError(`not valid JSON: ${excerpt(text, 80)}`);
	return parsed.value;
}
