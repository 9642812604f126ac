import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { dayFromParts } from '../../nodes/HalLeonardDam/days';
import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, logLines } from '../harness/n8n';
import { useFreshMock, withMock } from '../harness/servers';
import { HalLeonardMock, TestClock } from '../../sandbox/halleonard';
import { seededRandom } from '../../sandbox/random';
import type { Fault } from '../../sandbox/server';

/** Chicago is UTC−6 from November to March: every date in these tests is in that season. */
const chicago = (local: string) => Date.parse(`${local}:00-06:00`);
const HOUR = 3_600_000;

type Output = INodeExecutionData[][] | null;
const items = (out: Output) => (out ? out[0].map((i) => i.json) : []);
const summary = (out: Output) =>
	items(out)
		.map((j) =>
			j.event === 'fileModified'
				? `file ${String(j.assetId)} ${String(j.lastModified)}`
				: `${String(j.event)} ${String(j.assetId)}`,
		)
		.sort();

describe('Hal Leonard DAM Trigger', () => {
	const clock = new TestClock();
	let mock: HalLeonardMock;
	beforeEach(() => clock.install(chicago('2024-12-30T09:00')));
	afterEach(() => clock.uninstall());
	useFreshMock(() => (mock = new HalLeonardMock()));
	useRecordedSleeps();

	const credentials = () => ({
		halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
	});

	function trigger(
		parameters: Record<string, unknown> = {},
		options: { timezone?: string; durableCursors?: boolean } = {},
	) {
		const { syncOptions, ...rest } = parameters;
		return new PollHarness(
			{
				type: 'halLeonardDamTrigger',
				parameters: {
					events: ['modifiedFile', 'assetMetadata'],
					...rest,
					syncOptions: { minIntervalMinutes: 0, ...(syncOptions as IDataObject) },
				} as never,
				credentials: credentials(),
				timezone: options.timezone,
			},
			{ durableCursors: options.durableCursors },
		);
	}

	/** [request type, StartDate, StopDate] of the DAM requests since the last reset. */
	const requests = () =>
		mock.received.map((r) => {
			const root = r.document.DAMRequest as Record<string, Record<string, string>>;
			const type = Object.keys(root).find((k) => k !== 'RequestHdr')!;
			return [type, root[type].StartDate, root[type].StopDate];
		});
	const checkpoint = (harness: PollHarness, stream: string) =>
		((harness.memoryState[STATE_KEY] as IDataObject).streams as Record<string, { cp: IDataObject }>)[stream].cp;

	it('starts from the DAM’s today, emits each change once, and asks [watermark − 1 day, today + 2)', async () => {
		const harness = trigger();
		expect(await harness.poll()).toBeNull();
		// Activation: one ModifiedFileRequest for today reads the server clock and checks the credential.
		expect(requests()).toEqual([
			['ModifiedFileRequest', '2024/12/30', '2024/12/31'],
			['ModifiedFileRequest', '2024/12/30', '2025/1/1'],
			['AssetMetadataRequest', '2024/12/30', '2025/1/1'],
		]);

		clock.set(chicago('2024-12-30T10:00'));
		mock.modifyFile('1234');
		mock.changeAsset('1000');
		const out = await harness.poll();
		expect(summary(out)).toEqual(['file 1234 2024-12-30', 'metadataChanged 1000']);
		const file = items(out).find((j) => j.event === 'fileModified')!;
		expect(file).toEqual({
			event: 'fileModified',
			assetId: '1234',
			fileName: 'HL_DDS_0000000000001234.pdf',
			fileType: 'pdf',
			lastModified: '2024-12-30',
			damDate: '2024/12/30',
		});
		const metadata = items(out).find((j) => j.event === 'metadataChanged')!;
		expect(metadata).toMatchObject({
			assetId: '1000',
			kind: 'asset',
			deleted: false,
			changedFrom: '2024-12-30',
			changedBefore: '2024-12-31',
		});
		expect(metadata.metadata).toMatchObject({ AssetId: '1000', Title: 'Song 1000', Edition: '1' });

		// Today stays open: it is asked again, repeats are not emitted.
		clock.advance(2 * HOUR);
		expect(await harness.poll()).toBeNull();
		expect(checkpoint(harness, 'modifiedFile').wm).toBe(dayFromParts(2024, 12, 30));
		expect(stateSize(harness.memoryState[STATE_KEY] as IDataObject)).toBeLessThan(2048);
	});

	it('crosses the year end: late Dec 31 and early Jan 1 changes once each, the watermark moves only past closed days', async () => {
		clock.set(chicago('2024-12-31T20:00'));
		const harness = trigger({ events: ['modifiedFile'] });
		await harness.poll();

		clock.set(chicago('2024-12-31T23:30'));
		mock.modifyFile('1');
		clock.set(chicago('2024-12-31T23:45'));
		expect(summary(await harness.poll())).toEqual(['file 1 2024-12-31']);
		expect(checkpoint(harness, 'modifiedFile').wm).toBe(dayFromParts(2024, 12, 31));

		clock.set(chicago('2025-01-01T00:10'));
		mock.modifyFile('2');
		mock.received.length = 0;
		clock.set(chicago('2025-01-01T00:20'));
		expect(summary(await harness.poll())).toEqual(['file 2 2025-01-01']);
		expect(requests()).toEqual([['ModifiedFileRequest', '2024/12/31', '2025/1/3']]);
		expect(checkpoint(harness, 'modifiedFile').wm).toBe(dayFromParts(2025, 1, 1)); // Dec 31 closed

		clock.set(chicago('2025-01-02T08:00'));
		mock.received.length = 0;
		expect(await harness.poll()).toBeNull();
		expect(requests()).toEqual([['ModifiedFileRequest', '2024/12/31', '2025/1/4']]); // Jan 1 was open until now
		expect(checkpoint(harness, 'modifiedFile').wm).toBe(dayFromParts(2025, 1, 2));
		clock.set(chicago('2025-01-02T14:00'));
		mock.received.length = 0;
		expect(await harness.poll()).toBeNull();
		expect(requests()).toEqual([['ModifiedFileRequest', '2025/1/1', '2025/1/4']]);
	});

	it('gives users in UTC−8 and UTC+10 the same days', async () => {
		const scenario = async (zone: string) => {
			const previousTz = process.env.TZ;
			process.env.TZ = zone;
			try {
				const dam = new HalLeonardMock();
				dam.vendorKey = mock.vendorKey;
				return await withMock(dam, async () => {
					clock.set(chicago('2025-02-27T12:00'));
					dam.putFile('7', 'old.pdf', dayFromParts(2025, 2, 26)!);
					const harness = new PollHarness({
						type: 'halLeonardDamTrigger',
						parameters: {
							events: ['modifiedFile', 'assetMetadata'],
							firstRun: 'date',
							startDate: '2025-02-26T00:00:00',
							syncOptions: { minIntervalMinutes: 0 },
						} as never,
						credentials: {
							halLeonardDamApi: { vendorId: dam.vendorId, vendorKey: dam.vendorKey, endpoint: dam.endpoint },
						},
						timezone: zone,
					});
					const transcript: string[] = [];
					for (const [local, change] of [
						['2025-02-27T22:00', '8'],
						['2025-02-28T23:50', '9'],
						['2025-03-01T00:05', '10'],
						['2025-03-01T09:00', ''],
					] as const) {
						clock.set(chicago(local));
						if (change) {
							dam.modifyFile(change);
							dam.changeAsset(change);
						}
						transcript.push(`${local}: ${summary(await harness.poll()).join(', ')}`);
					}
					const sent = dam.received.map((r) => {
						const root = r.document.DAMRequest as Record<string, Record<string, string>>;
						const type = Object.keys(root).find((k) => k !== 'RequestHdr')!;
						return `${type} ${root[type].StartDate}–${root[type].StopDate}`;
					});
					return { transcript, sent };
				});
			} finally {
				process.env.TZ = previousTz;
			}
		};
		const west = await scenario('America/Los_Angeles');
		const east = await scenario('Australia/Sydney');
		expect(east).toEqual(west);
		expect(west.transcript).toEqual([
			'2025-02-27T22:00: file 7 2025-02-26, file 8 2025-02-27, metadataChanged 8',
			'2025-02-28T23:50: file 9 2025-02-28, metadataChanged 9',
			'2025-03-01T00:05: file 10 2025-03-01, metadataChanged 10',
			'2025-03-01T09:00: ',
		]);
		expect(west.sent).toContain('ModifiedFileRequest 2025/2/28–2025/3/3'); // Feb 28 + 3 days = Mar 3: no Feb 29 in 2025
	});

	it('with only complete days, waits for the day to end and then emits the day’s final state once', async () => {
		const complete = trigger({ events: ['modifiedFile'], completeDaysOnly: true });
		const sameDay = trigger({ events: ['modifiedFile'] }, {});
		await complete.poll();
		await sameDay.poll();

		clock.set(chicago('2024-12-30T11:00'));
		mock.modifyFile('5');
		clock.set(chicago('2024-12-30T12:00'));
		mock.received.length = 0;
		expect(await complete.poll()).toBeNull();
		expect(requests()).toEqual([]); // nothing closed since activation: nothing to ask
		expect(summary(await sameDay.poll())).toEqual(['file 5 2024-12-30']); // at once, before the second change

		clock.set(chicago('2024-12-30T18:00'));
		mock.modifyFile('5'); // changed again on the same day: same LastModified
		expect(await sameDay.poll()).toBeNull(); // the documented same-day limit of the default mode

		clock.set(chicago('2024-12-31T00:30'));
		mock.received.length = 0;
		expect(summary(await complete.poll())).toEqual(['file 5 2024-12-30']); // once, after both changes
		expect(requests()).toEqual([['ModifiedFileRequest', '2024/12/30', '2024/12/31']]); // StopDate = today: never today
		clock.set(chicago('2024-12-31T23:00'));
		mock.modifyFile('6');
		expect(await complete.poll()).toBeNull();
		clock.set(chicago('2025-01-01T06:00'));
		expect(summary(await complete.poll())).toEqual(['file 6 2024-12-31']);
	});

	it('emits metadata changes, a second change on the same day, and deletions as deletions', async () => {
		const harness = trigger({ events: ['assetMetadata'] });
		await harness.poll();
		clock.set(chicago('2024-12-30T10:00'));
		mock.changeAsset('1000');
		mock.changeAsset('2000', { kind: 'package', title: 'Klavierstücke für Anfänger' });
		const first = await harness.poll();
		expect(summary(first)).toEqual(['metadataChanged 1000', 'metadataChanged 2000']);
		expect(items(first).find((j) => j.assetId === '2000')).toMatchObject({
			kind: 'package',
			metadata: { Title: 'Klavierstücke für Anfänger' },
		});

		clock.set(chicago('2024-12-30T11:00'));
		mock.changeAsset('1000', { title: 'Für Elise (revised)' });
		const second = await harness.poll();
		expect(summary(second)).toEqual(['metadataChanged 1000']);
		expect(items(second)[0].metadata).toMatchObject({ Title: 'Für Elise (revised)', Edition: '2' });

		clock.set(chicago('2024-12-30T12:00'));
		mock.deleteAsset('1000');
		const third = await harness.poll();
		expect(items(third)).toEqual([
			expect.objectContaining({
				event: 'assetDeleted',
				assetId: '1000',
				kind: 'asset',
				deleted: true,
				metadata: expect.objectContaining({ action: 'delete' }),
			}),
		]);
		clock.advance(HOUR);
		expect(await harness.poll()).toBeNull();
		clock.set(chicago('2024-12-31T10:00'));
		expect(await harness.poll()).toBeNull(); // yesterday re-read through the lookback: still nothing twice
	});

	it('asks only for the chosen request type', async () => {
		const harness = trigger({ events: ['assetMetadata'], requestType: 'packages' });
		await harness.poll();
		clock.advance(HOUR);
		mock.changeAsset('1', { kind: 'asset' });
		mock.changeAsset('2', { kind: 'package' });
		expect(summary(await harness.poll())).toEqual(['metadataChanged 2']);
		expect((mock.received.at(-1)!.document.DAMRequest as IDataObject).AssetMetadataRequest).toMatchObject({
			'@_requestType': 'P',
		});
	});

	it('backfills from a date in three-month pieces, with no gap, nothing twice', async () => {
		mock.putAsset({ assetId: 'A1', kind: 'asset', title: 'June', day: dayFromParts(2024, 6, 3)! });
		mock.putAsset({ assetId: 'A2', kind: 'asset', title: 'August', day: dayFromParts(2024, 8, 30)! });
		mock.putAsset({ assetId: 'A3', kind: 'package', title: 'November', day: dayFromParts(2024, 11, 26)! });
		mock.putFile('F1', 'june.pdf', dayFromParts(2024, 6, 1)!);
		mock.putFile('F2', 'december.pdf', dayFromParts(2024, 12, 29)!);
		const harness = trigger({ firstRun: 'date', startDate: '2024-06-01' });
		const out = await harness.poll();
		expect(summary(out)).toEqual([
			'file F1 2024-06-01',
			'file F2 2024-12-29',
			'metadataChanged A1',
			'metadataChanged A2',
			'metadataChanged A3',
		]);
		const metadataRanges = requests().filter(([type]) => type === 'AssetMetadataRequest');
		expect(metadataRanges).toEqual([
			['AssetMetadataRequest', '2024/6/1', '2024/8/29'],
			['AssetMetadataRequest', '2024/8/29', '2024/11/26'],
			['AssetMetadataRequest', '2024/11/26', '2025/1/1'],
		]);
		clock.advance(HOUR);
		expect(await harness.poll()).toBeNull();
	});

	it('spreads a large day over polls at the per-poll cap, in order, without gaps or repeats', async () => {
		const harness = trigger({ events: ['modifiedFile'], syncOptions: { maxItemsPerPoll: 10 } });
		await harness.poll();
		clock.advance(HOUR);
		const ids = Array.from({ length: 25 }, (_, i) => `P${String(i).padStart(3, '0')}`);
		for (const id of ids) mock.modifyFile(id);
		const polls = [await harness.poll(), await harness.poll(), await harness.poll(), await harness.poll()];
		expect(polls.map((p) => items(p).length)).toEqual([10, 10, 5, 0]);
		expect(polls.flatMap((p) => items(p).map((j) => j.assetId))).toEqual(ids);
		expect(logLines.some((l) => /stopped at the per-poll item cap/.test(l.message))).toBe(true);
	});

	it('leaves its state untouched when a poll fails, and loses nothing', async () => {
		const harness = trigger();
		await harness.poll();
		clock.advance(HOUR);
		mock.modifyFile('X1');
		const before = JSON.stringify(harness.memoryState);
		mock.server.injectFault({ kind: 'status', status: 500, body: 'down', contentType: 'text/plain' }, { times: 4 });
		const error = await caught(() => harness.poll());
		expect(error.name).toBe('NodeApiError');
		expect(JSON.stringify(harness.memoryState)).toBe(before);
		expectNoSecrets(error, [mock.vendorKey]);
		expect(summary(await harness.poll())).toEqual(['file X1 2024-12-30']);
	});

	it('emits one stream’s changes when the other fails, and catches up the other next poll', async () => {
		const harness = trigger();
		await harness.poll();
		await harness.poll(); // streams take turns going first: now it is the files' turn
		clock.advance(HOUR);
		mock.modifyFile('Y1');
		mock.changeAsset('Y2');
		mock.server.injectFault({ kind: 'reset' }, { times: 4, match: (r) => r.text.includes('<AssetMetadataRequest') });
		expect(summary(await harness.poll())).toEqual(['file Y1 2024-12-30']);
		expect(
			logLines.some((l) => /emitting the 1 changes found so far, the rest is read again next poll/.test(l.message)),
		).toBe(true);
		expect(summary(await harness.poll())).toEqual(['metadataChanged Y2']);
		expect(await harness.poll()).toBeNull();
	});

	it('queries the DAM at most every 6 hours by default, but never holds back catching up', async () => {
		const harness = trigger({ events: ['modifiedFile'], syncOptions: { minIntervalMinutes: undefined } });
		await harness.poll();
		const queried: boolean[] = [];
		for (let hour = 1; hour <= 7; hour++) {
			clock.set(chicago('2024-12-30T09:00') + hour * HOUR);
			mock.received.length = 0;
			await harness.poll();
			queried.push(mock.received.length > 0);
		}
		expect(queried).toEqual([false, false, false, false, false, true, false]);
		expect(
			logLines.some((l) =>
				/up to date, last read \d+ min ago; the next read waits for the minimum interval of 360 min/.test(l.message),
			),
		).toBe(true);

		// A backlog (here: a backfill at a small per-poll cap) is read on every poll.
		for (let i = 0; i < 12; i++) mock.putFile(`B${i}`, `b${i}.pdf`, dayFromParts(2024, 10, 1 + i)!);
		const backfill = trigger({
			events: ['modifiedFile'],
			firstRun: 'date',
			startDate: '2024-10-01',
			syncOptions: { minIntervalMinutes: 360, maxItemsPerPoll: 5 },
		});
		const counts: number[] = [];
		for (let i = 0; i < 4; i++) {
			clock.advance(60_000);
			counts.push(items(await backfill.poll()).length);
		}
		expect(counts).toEqual([5, 5, 2, 0]);
	});

	it('survives restarts: never re-emits what was saved, never loses what was not', async () => {
		const harness = trigger({ events: ['modifiedFile'] });
		await harness.poll(); // first run: state only in memory
		clock.advance(HOUR);
		mock.modifyFile('R1');
		expect(summary(await harness.poll())).toEqual(['file R1 2024-12-30']); // emitted → saved
		clock.set(chicago('2024-12-31T08:00'));
		expect(await harness.poll()).toBeNull(); // the watermark moved in memory only
		harness.restart();
		expect(await harness.poll()).toBeNull(); // back to the saved state: re-reads, R1 not again
		mock.modifyFile('R2');
		harness.restart();
		clock.advance(HOUR);
		expect(summary(await harness.poll())).toEqual(['file R2 2024-12-31']);
	});

	it('returns a small real sample in manual mode and keeps no state', async () => {
		mock.putFile('S1', 's1.pdf', dayFromParts(2024, 12, 20)!);
		mock.changeAsset('S2');
		const harness = trigger();
		const out = await harness.poll({ mode: 'manual' });
		expect(summary(out)).toEqual(['file S1 2024-12-20', 'metadataChanged S2']);
		expect(harness.memoryState ?? {}).toEqual({});
		expect(harness.saved).toEqual({});
	});

	it('starts over when the request type changes', async () => {
		const harness = trigger({ events: ['assetMetadata'], firstRun: 'date', startDate: '2024-12-01' });
		mock.changeAsset('C1', { kind: 'asset' });
		expect(summary(await harness.poll())).toEqual(['metadataChanged C1']);
		harness.setParameter('requestType', 'assets');
		expect(summary(await harness.poll())).toEqual(['metadataChanged C1']);
		expect(logLines.some((l) => /settings changed; starting over/.test(l.message))).toBe(true);
	});

	it('follows the server’s clock, not this machine’s', async () => {
		mock.server.clockOffsetMs = 5 * HOUR; // the DAM is five hours ahead of this machine
		clock.set(chicago('2024-12-30T20:00')); // here: 20:00; at the DAM: 01:00 on Dec 31
		const harness = trigger({ events: ['modifiedFile'] });
		await harness.poll();
		// The activation request can only go by this machine's clock; the server's Date header wins from then on.
		expect(requests().slice(1)).toEqual([['ModifiedFileRequest', '2024/12/31', '2025/1/2']]);
		mock.modifyFile('T1');
		clock.advance(HOUR);
		expect(summary(await harness.poll())).toEqual(['file T1 2024-12-31']);
		expect(requests().at(-1)).toEqual(['ModifiedFileRequest', '2024/12/31', '2025/1/2']);
	});

	it('catches a change of a DAM that keeps a later zone than assumed, through the one-day lookback', async () => {
		mock.timeZone = 'America/Los_Angeles'; // the DAM's day ends two hours after Chicago's
		const harness = trigger({ events: ['modifiedFile'] });
		const noLookback = trigger({ events: ['modifiedFile'], syncOptions: { lookbackMinutes: 0 } });
		clock.set(chicago('2024-12-30T23:00'));
		await harness.poll();
		await noLookback.poll();
		clock.set(chicago('2024-12-31T00:30')); // Chicago: Dec 31 — the DAM (Pacific): still Dec 30
		expect(await harness.poll()).toBeNull();
		expect(await noLookback.poll()).toBeNull();
		clock.set(chicago('2024-12-31T01:30'));
		mock.modifyFile('Z1'); // LastModified 2024/12/30 (Pacific), after both watermarks passed Dec 30
		clock.set(chicago('2024-12-31T06:30'));
		expect(summary(await harness.poll())).toEqual(['file Z1 2024-12-30']);
		expect(await noLookback.poll()).toBeNull(); // lookback 0: the documented risk
	});

	it('refuses a billion-laughs answer quickly and keeps its state', async () => {
		const harness = trigger({ events: ['modifiedFile'] });
		await harness.poll();
		const before = JSON.stringify(harness.memoryState);
		const lol = [
			'<?xml version="1.0"?>',
			'<!DOCTYPE DAMResponse [ <!ENTITY lol "lol">',
			...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
			']>',
			'<DAMResponse><ModifiedFileResponse><ModifiedFile><AssetId>1</AssetId><FileName>&lol9;</FileName><LastModified>2024/12/30</LastModified></ModifiedFile></ModifiedFileResponse></DAMResponse>',
		].join('\n');
		mock.server.injectFault({ kind: 'malformed', body: lol, contentType: 'text/xml' }, { times: 4 });
		clock.advance(HOUR);
		const error = await caught(() => harness.poll());
		expect(error.message).toMatch(/declares XML entities/);
		expect(JSON.stringify(harness.memoryState)).toBe(before);
		expectNoSecrets(error, [mock.vendorKey]);
	}, 20_000);

	it('validates its settings before asking the DAM', async () => {
		const errors = [
			await caught(() => trigger({ events: [] }).poll()),
			await caught(() => trigger({ syncOptions: { timeZone: 'Mars/Olympus' } }).poll()),
			await caught(() => trigger({ firstRun: 'date', startDate: '2024-02-30' }).poll()),
			await caught(() => trigger({ syncOptions: { minIntervalMinutes: -1 } }).poll()),
		];
		expect(errors.map((e) => e.message)).toEqual([
			'Events is empty',
			'DAM Time Zone is not a time zone: "Mars/Olympus"',
			'Start Date is not a valid date: "2024-02-30"',
			'Minimum Minutes Between Polls must be a number of 0 or more, not -1',
		]);
		expect(errors.every((e) => e.name === 'NodeOperationError')).toBe(true);
		expect(mock.server.requests).toHaveLength(0);
		for (const error of errors) expectNoSecrets(error, [mock.vendorKey]);
	});

	it('says the credential lacks a vendor id before asking the DAM', async () => {
		const harness = new PollHarness({
			type: 'halLeonardDamTrigger',
			parameters: { events: ['modifiedFile'] } as never,
			credentials: { halLeonardDamApi: { vendorId: '', vendorKey: mock.vendorKey, endpoint: mock.endpoint } },
		});
		const error = await caught(() => harness.poll());
		expect(error.message).toBe('The Hal Leonard DAM credential has no Vendor ID');
		expect(mock.server.requests).toHaveLength(0);
		expectNoSecrets(error, [mock.vendorKey]);
	});

	it('over ten days of changes with 20 % faults: nothing skipped, nothing twice', async () => {
		const random = seededRandom(42);
		const faults: Fault[] = [
			{ kind: 'status', status: 500, body: 'oops', contentType: 'text/plain' },
			{ kind: 'status', status: 503, retryAfter: '1', body: 'busy', contentType: 'text/plain' },
			{ kind: 'truncate' },
			{ kind: 'malformed', body: '<DAMResponse><ModifiedFileResponse>', contentType: 'text/xml' },
			{ kind: 'reset' },
		];
		const harness = trigger({ syncOptions: { minIntervalMinutes: undefined } }); // the default: at most every 6 hours
		await harness.poll();
		mock.server.randomFaults = { rate: 0.2, random, faults };
		const emitted = new Map<string, number>();
		const lastChange = new Map<string, number>();
		let failed = 0;
		const poll = async () => {
			try {
				for (const j of items(await harness.poll())) {
					const id =
						j.event === 'fileModified'
							? `modifiedFile ${String(j.assetId)}|${String(j.fileName)} ${String(j.lastModified)}`
							: `assetMetadata asset|${String(j.assetId)} ${j.deleted ? 'deleted@' : ''}${String((j.metadata as IDataObject).Edition)}`;
					emitted.set(id, (emitted.get(id) ?? 0) + 1);
				}
			} catch {
				failed++;
			}
		};
		for (let hour = 0; hour < 24 * 10; hour++) {
			clock.advance(HOUR - 7 * 60_000 + Math.floor(random() * 14 * 60_000));
			if (random() < 0.5) {
				const n = Math.floor(random() * 12);
				const key = random() < 0.5 ? `f${n}` : `m${n}`;
				if (mock.server.now() - (lastChange.get(key) ?? -Infinity) > 30 * HOUR) {
					lastChange.set(key, mock.server.now());
					if (key.startsWith('f')) mock.modifyFile(key);
					else if (mock.assets.get(key) && !mock.assets.get(key)!.deleted && random() < 0.2) mock.deleteAsset(key);
					else mock.changeAsset(key);
				}
			}
			await poll();
		}
		mock.server.randomFaults = undefined;
		for (let i = 0; i < 16; i++) {
			clock.advance(2 * HOUR);
			await poll();
		}
		const expected = mock.changes.map((c) => `${c.stream} ${c.key} ${c.version}`);
		const lost = expected.filter((id) => !emitted.has(id));
		const duplicated = [...emitted.values()].filter((n) => n > 1).length;
		expect(expected.length).toBeGreaterThan(60);
		expect(mock.server.faultsApplied).not.toEqual({});
		expect({ lost, duplicated, unexpected: [...emitted.keys()].filter((id) => !expected.includes(id)) }).toEqual({
			lost: [],
			duplicated: 0,
			unexpected: [],
		});
		expect(failed).toBeLessThan(24 * 10);
	}, 60_000);
});
