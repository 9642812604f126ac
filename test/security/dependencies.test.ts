import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The runtime dependencies (the only code this package brings into an n8n process besides its
 * own) stay at or above the versions that fixed the advisories that matter to it: installed in
 * node_modules, locked in package-lock.json, and — what users get when n8n installs the package —
 * as the lowest version package.json's range allows.
 */

type Version = [number, number, number, string];

/** Each floor with the advisory that set it. Several floors per package: each is checked. */
const FLOORS: Array<{ name: string; floor: string; why: string }> = [
	{
		name: 'fast-xml-parser',
		floor: '5.5.7',
		why: 'CVE-2026-33036 and CVE-2026-33349: entity expansion limits bypassed (numeric references; limits set to 0)',
	},
	{
		name: 'fast-xml-parser',
		floor: '5.7.0',
		why: 'GHSA-gh4j-gqv2-49f6: XMLBuilder comment and CDATA injection (this package builds DAM documents with XMLBuilder)',
	},
	{
		name: 'fast-xml-parser',
		floor: '5.10.1',
		why: 'GHSA-8r6m-32jq-jx6q: a repeated DOCTYPE resets the entity expansion limits',
	},
	{ name: 'crypto-js', floor: '4.2.0', why: 'CVE-2023-46233: PBKDF2 defaults to SHA-1 with one iteration' },
];

const root = join(__dirname, '..', '..');
const readJson = <T>(path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

function parseVersion(text: string): Version | undefined {
	const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
	return match ? [Number(match[1]), Number(match[2]), Number(match[3]), match[4] ?? ''] : undefined;
}

/** < 0 when a is lower. A prerelease sorts below its release (5.5.7-beta < 5.5.7). */
function compare(a: Version, b: Version): number {
	for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
	if (a[3] === b[3]) return 0;
	if (a[3] === '') return 1;
	if (b[3] === '') return -1;
	return a[3] < b[3] ? -1 : 1;
}

/**
 * The lowest version an npm range can resolve to, for the range forms a package.json should use
 * (`^1.2.3`, `~1.2.3`, `>=1.2.3 <2`, `1.2.3`, alternatives joined by `||`). Undefined for a range
 * with no lower bound (`*`, `x`, `<2`, `latest`, a URL): such a range must fail the check.
 */
function lowestOf(range: string): Version | undefined {
	const alternatives = range.split('||').map((part) => part.trim());
	let lowest: Version | undefined;
	for (const alternative of alternatives) {
		const comparators = alternative.split(/\s+/).filter(Boolean);
		let bound: Version | undefined;
		for (const comparator of comparators) {
			if (comparator.startsWith('<')) continue; // an upper bound says nothing about the lowest
			if (/^>(?!=)/.test(comparator)) return undefined; // ">1.2.3": not a form this package uses; be strict
			const version = parseVersion(comparator.replace(/^(\^|~|>=|=)/, ''));
			if (!version) return undefined; // "*", "x", "1.x", tags, URLs
			if (!bound || compare(version, bound) > 0) bound = version;
		}
		if (!bound) return undefined;
		if (!lowest || compare(bound, lowest) < 0) lowest = bound;
	}
	return lowest;
}

describe('runtime dependencies meet their security floors', () => {
	const pkg = readJson<{ dependencies: Record<string, string> }>('package.json');
	const lock = readJson<{ packages: Record<string, { version?: string; dependencies?: Record<string, string> }> }>(
		'package-lock.json',
	);
	const show = (v: Version) => `${v[0]}.${v[1]}.${v[2]}${v[3] ? `-${v[3]}` : ''}`;

	it('package.json has exactly the two runtime dependencies the floors cover', () => {
		expect(Object.keys(pkg.dependencies).sort()).toEqual(['crypto-js', 'fast-xml-parser']);
		expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
	});

	it.each(FLOORS)(
		'$name ≥ $floor installed, locked, and as the lowest version package.json allows ($why)',
		({ name, floor }) => {
			const minimum = parseVersion(floor)!;
			const installed = parseVersion(readJson<{ version: string }>(`node_modules/${name}/package.json`).version);
			const locked = parseVersion(lock.packages[`node_modules/${name}`]?.version ?? '');
			const lowest = lowestOf(pkg.dependencies[name]);
			expect({
				installed: installed && show(installed),
				locked: locked && show(locked),
				rangeLowest: lowest && show(lowest),
			}).toEqual({
				installed: expect.any(String),
				locked: expect.any(String),
				rangeLowest: expect.any(String),
			});
			for (const [what, version] of [
				['installed', installed!],
				['locked', locked!],
				[`lowest of "${pkg.dependencies[name]}"`, lowest!],
			] as const) {
				if (compare(version, minimum) < 0)
					throw new Error(`${name}: ${what} is ${show(version)}, below the floor ${floor}`);
			}
		},
	);

	it('reads ranges the way npm resolves their lowest version, and refuses ranges without a lower bound', () => {
		const lowest = (range: string) => {
			const v = lowestOf(range);
			return v && show(v);
		};
		expect(lowest('^5.12.1')).toBe('5.12.1');
		expect(lowest('~4.2.0')).toBe('4.2.0');
		expect(lowest('>=5.5.7 <6')).toBe('5.5.7');
		expect(lowest('5.5.7')).toBe('5.5.7');
		expect(lowest('^4.5.5 || ^5.10.1')).toBe('4.5.5');
		expect(lowest('^5.10.1-beta.1')).toBe('5.10.1-beta.1');
		for (const open of ['*', 'x', '5.x', '<6', 'latest', '']) expect(lowest(open)).toBeUndefined();
		expect(compare(parseVersion('5.10.1-beta.1')!, parseVersion('5.10.1')!)).toBeLessThan(0);
		expect(compare(parseVersion('5.9.9')!, parseVersion('5.10.1')!)).toBeLessThan(0);
	});
});
