'use strict';
/**
 * A tiny PSRESTful stand-in on 127.0.0.1 for the n8n scripts (plain Node.js, so it runs next to
 * n8n without ts-node). It speaks just enough of the API for the credential test and the trigger:
 *
 *   GET /extra/v2/suppliers?page=&page_size=           → {suppliers: […], page, total_pages}
 *   GET /v1.1.0/suppliers/{code}/media-modified-since/?since=YYYY-MM-DDTHH:MM:SS
 *       → {MediaDateModifiedArray: {MediaDateModified: [{productId}, …]}, ServiceMessageArray: null}
 *         listing the products whose media changed at or after `since` (naive UTC, as PSRESTful)
 *
 * Every request must carry the X-API-Key header (401 otherwise, in FastAPI's {detail} shape).
 * Changes are added with change(); every request is logged in `requests`.
 */
const crypto = require('node:crypto');
const http = require('node:http');

class PsRestfulStandIn {
	constructor({ apiKey = `standin-${crypto.randomBytes(12).toString('hex')}` } = {}) {
		this.apiKey = apiKey;
		this.suppliers = [{ id: 1, code: 'HIT', name: 'Hit Promotional Products' }];
		/** supplier → productId → time (ms) of the last media change */
		this.changes = new Map();
		this.requests = [];
		this.server = http.createServer((req, res) => this.handle(req, res));
	}

	/** Records a media change of a product (default: now). */
	change(supplier, productId, at = Date.now()) {
		if (!this.changes.has(supplier)) this.changes.set(supplier, new Map());
		this.changes.get(supplier).set(String(productId), at);
	}

	async start() {
		await new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(0, '127.0.0.1', resolve);
		});
		this.url = `http://127.0.0.1:${this.server.address().port}`;
		return this.url;
	}

	async stop() {
		this.server.closeAllConnections?.();
		await new Promise((resolve) => this.server.close(() => resolve()));
	}

	/** Requests to a path prefix (e.g. '/v1.1.0/suppliers/HIT/media-modified-since/'). */
	requestsTo(prefix) {
		return this.requests.filter((r) => r.path.startsWith(prefix));
	}

	handle(req, res) {
		const url = new URL(req.url, 'http://standin');
		const record = {
			at: Date.now(),
			method: req.method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			keyOk: false,
		};
		this.requests.push(record);
		const send = (status, body) => {
			const text = JSON.stringify(body);
			res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
			res.end(text);
		};
		record.keyOk = req.headers['x-api-key'] === this.apiKey;
		if (!record.keyOk) return send(401, { detail: 'Invalid API key' });
		if (req.method !== 'GET') return send(405, { detail: 'Method Not Allowed' });

		if (url.pathname === '/extra/v2/suppliers') {
			return send(200, { suppliers: this.suppliers, page: 1, total_pages: 1 });
		}
		const modified = url.pathname.match(/^\/v1\.1\.0\/suppliers\/([^/]+)\/media-modified-since\/?$/);
		if (modified) {
			const supplier = decodeURIComponent(modified[1]);
			const since = Date.parse(`${url.searchParams.get('since') ?? ''}Z`);
			if (Number.isNaN(since))
				return send(422, { detail: [{ loc: ['query', 'since'], msg: 'invalid datetime', type: 'value_error' }] });
			const listed = [...(this.changes.get(supplier) ?? new Map())]
				.filter(([, at]) => at >= since)
				.map(([productId]) => ({ productId }));
			record.listed = listed.map((p) => p.productId);
			return send(200, { MediaDateModifiedArray: { MediaDateModified: listed }, ServiceMessageArray: null });
		}
		return send(404, { detail: 'Not Found' });
	}
}

module.exports = { PsRestfulStandIn };
