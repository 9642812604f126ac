/**
 * Text a user, an expression or an upstream node may put into a field, chosen to break a request
 * that is built by pasting strings together: path traversal, a query string, a CRLF with a fake
 * header, quotes, JSON and XML metacharacters, unicode, control characters, a fake multipart part.
 * Each input test sends them through a node and checks on the mock that they arrived as data.
 */
export const HOSTILE_TEXT = [
	['path traversal', '../../api/v2/products/1'],
	['a query string', 'x?per_page=100000&page=1&code=other&api_key=stolen'],
	['a CRLF and a fake header', 'front\r\nAuthorization: Token token=stolen'],
	['quotes of every kind', `"double" 'single' \`back\``],
	['JSON metacharacters', '"}, "product_id": 1, "x": {"'],
	['markup', '<script>alert(1)</script>&amp;</AssetId>]]>'],
	['unicode and emoji', 'Ärmel-Größe 🧢 日本 – café'],
	['a NUL and other control characters', 'a\u0000b\u0007c\u001bd'],
	['a multipart boundary and part header', '--boundary\r\nContent-Disposition: form-data; name="product_id"\r\n\r\n1'],
] as const;
