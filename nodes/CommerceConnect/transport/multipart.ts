import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A `multipart/form-data` body written by hand, so a large file is streamed from n8n's binary
 * store to the socket: the body is a Readable of (field parts, file part header, the file's own
 * stream, closing boundary), never a Buffer or base64 copy of the file. Its exact length is known
 * up front (the file size comes from the binary's metadata), so the request carries a
 * Content-Length like a browser's upload instead of chunked transfer encoding, which some
 * upload front-ends refuse.
 */

export interface MultipartFile {
	/** Form field name, e.g. `image_media_item[asset]`. */
	field: string;
	fileName: string;
	contentType: string;
	/** Exact size in bytes. */
	size: number;
	/** Opens the file's content; called once per attempt. */
	open: () => Promise<Readable | Buffer>;
}

export interface MultipartBody {
	contentType: string;
	contentLength: number;
	/** A fresh stream of the whole body (the transport calls it once per attempt). */
	stream: () => Readable;
}

const CRLF = '\r\n';

/** Quotes a name for Content-Disposition the way browsers do (WHATWG form encoding). */
function quote(value: string): string {
	return value.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export function buildMultipart(
	fields: Array<[string, string]>,
	file: MultipartFile,
	boundary = `----n8nMediaSync${randomBytes(12).toString('hex')}`,
): MultipartBody {
	const fieldParts = fields.map(
		([name, value]) =>
			`--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(name)}"${CRLF}${CRLF}${value}${CRLF}`,
	);
	const head = Buffer.from(
		fieldParts.join('') +
			`--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.fileName)}"${CRLF}` +
			`Content-Type: ${file.contentType.replace(/[\r\n]/g, '')}${CRLF}${CRLF}`,
		'utf8',
	);
	const tail = Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'utf8');

	async function* generate(): AsyncGenerator<Buffer> {
		yield head;
		const content = await file.open();
		let sent = 0;
		if (Buffer.isBuffer(content)) {
			sent = content.length;
			if (sent === file.size) yield content;
		} else {
			for await (const chunk of content) {
				const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
				sent += buffer.length;
				if (sent > file.size) break;
				yield buffer;
			}
		}
		// The declared Content-Length must hold, or the server would wait for bytes that never come
		// (or read the next request from the rest): stop the upload instead.
		if (sent !== file.size) {
			throw new Error(
				`the binary file has ${sent > file.size ? 'more' : 'fewer'} bytes than its recorded size of ${file.size}; upload stopped`,
			);
		}
		yield tail;
	}

	return {
		contentType: `multipart/form-data; boundary=${boundary}`,
		contentLength: head.length + file.size + tail.length,
		stream: () => Readable.from(generate(), { objectMode: false }),
	};
}
