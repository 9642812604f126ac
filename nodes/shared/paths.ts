/**
 * Values put into a URL path. A segment "." or ".." is not data to a URL parser or a server: it
 * is resolved away (RFC 3986 §5.2.4), so `/suppliers/HIT/medias/../` asks for another resource
 * than the product "..". Such an ID is refused, never sent; every other value is percent-encoded.
 */
export function isDotSegment(value: string): boolean {
	return value === '.' || value === '..';
}

/** Why a value cannot be a path segment, in words for an error; undefined when it can. */
export function dotSegmentProblem(value: string, field: string): string | undefined {
	return isDotSegment(value)
		? `${field} "${value}" cannot be sent: in a URL path it would address another resource instead`
		: undefined;
}
