import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { credentialTypes, declaredPaths } from '../harness/registry';

/**
 * Every "Docs" link n8n shows for the package (a node's panel and the node creator: the codex
 * file's primaryDocumentation; a credential's "read the docs": credentialDocumentation and the
 * credential's documentationUrl) and every relative link of the README and docs/ lead somewhere:
 * a link into this repository names a file that exists and, with #anchor, a heading of it as
 * GitHub renders anchors. A link elsewhere is https.
 */
const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { homepage: string };
/** https://github.com/<owner>/<repo>, from the homepage (which is that plus #readme). */
const repository = pkg.homepage.replace(/#.*$/, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen; repeats get -1, -2… */
function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	let inFence = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
		if (inFence) continue;
		for (const html of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(html[1]);
		const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (!heading) continue;
		const text = heading[1]
			.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
			.replace(/<[^>]+>/g, '');
		const slug = text
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/\s/g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return anchors;
}

/** Why a link into the repository does not resolve, or undefined when it does. */
function brokenRepoLink(file: string, anchor: string | undefined): string | undefined {
	const full = join(root, file);
	if (!existsSync(full)) return `${file} does not exist`;
	if (!anchor) return undefined;
	if (!file.endsWith('.md')) return `${file} is not Markdown, so it has no #${anchor}`;
	const anchors = anchorsOf(readFileSync(full, 'utf8'));
	return anchors.has(anchor) ? undefined : `${file} has no heading for #${anchor}`;
}

/** A link n8n shows: into this repository (README or a file on main) or elsewhere. */
function brokenDocsUrl(url: string): string | undefined {
	if (!url.startsWith(repository)) return /^https:\/\/[^/]+/.test(url) ? undefined : `${url} is not an https URL`;
	const rest = url.slice(repository.length);
	const onMain = /^\/blob\/main\/([^#]+)(?:#(.+))?$/.exec(rest);
	if (onMain) return brokenRepoLink(onMain[1], onMain[2]);
	const inReadme = /^(?:#(.+))?$/.exec(rest);
	if (inReadme) return brokenRepoLink('README.md', inReadme[1]);
	return `${url}: a link into the repository must be ${repository}[#anchor] or ${repository}/blob/main/<file>[#anchor]`;
}

interface Codex {
	node: string;
	resources: { primaryDocumentation: Array<{ url: string }>; credentialDocumentation?: Array<{ url: string }> };
}

const codexFiles = declaredPaths().nodes.map((path) => path.replace(/^dist\//, '').replace(/\.js$/, '.json'));

describe('documentation links', () => {
	it.each(codexFiles)('%s: its Docs links resolve, the node’s own into docs/', (file) => {
		const codex = JSON.parse(readFileSync(join(root, file), 'utf8')) as Codex;
		const primary = codex.resources.primaryDocumentation.map((entry) => entry.url);
		const credential = (codex.resources.credentialDocumentation ?? []).map((entry) => entry.url);
		expect(primary.length).toBeGreaterThan(0);
		for (const url of [...primary, ...credential]) expect({ url, broken: brokenDocsUrl(url) }).toEqual({ url });
		// The node's reference is its provider's page in docs/, like every node's.
		for (const url of [...primary, ...credential])
			expect(url).toMatch(new RegExp(`^${repository.replace(/[.]/g, '\\.')}/blob/main/docs/[a-z]+\\.md(#|$)`));
	});

	it.each([...credentialTypes().values()].map((credential) => [credential.name, credential.documentationUrl]))(
		'the %s credential’s docs link (%s) is https',
		(_name, url) => {
			expect({ url, broken: brokenDocsUrl(String(url)) }).toEqual({ url });
		},
	);

	const markdown = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)].filter((file) =>
		file.endsWith('.md'),
	);

	it.each(markdown)('%s: every relative link and image names an existing file and heading', (file) => {
		const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
		const broken: string[] = [];
		for (const match of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
			const target = match[1];
			if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
			const [path, anchor] = target.split('#');
			const resolved = path === '' ? file : relative(root, join(root, dirname(file), decodeURI(path)));
			const why = brokenRepoLink(resolved, anchor);
			if (why) broken.push(`${target}: ${why}`);
		}
		expect(broken).toEqual([]);
	});

	it('computes anchors as GitHub does', () => {
		const anchors = anchorsOf(
			[
				'# PSRESTful',
				'## CommerceConnect node — resource Media Item',
				'### PSRESTful — [docs/psrestful.md](docs/psrestful.md)',
				'## Timing: changes arrive days late — none is lost',
				'## Errors',
				'## Errors',
				'```',
				'# not a heading',
				'```',
			].join('\n'),
		);
		expect([...anchors]).toEqual([
			'psrestful',
			'commerceconnect-node--resource-media-item',
			'psrestful--docspsrestfulmd',
			'timing-changes-arrive-days-late--none-is-lost',
			'errors',
			'errors-1',
		]);
	});
});
