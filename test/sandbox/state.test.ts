import { SANDBOX_STATE_FORMAT, Sandbox, type SandboxState } from '../../sandbox/sandbox';

/**
 * `npm start` saves the sandbox's catalogue and rounds and a second run goes on from them: n8n's
 * triggers remember what they saw in the first run, so a sandbox that started over would show
 * them ids and days they take for old ones.
 */
describe('the sandbox goes on where an earlier run stopped', () => {
	const running: Sandbox[] = [];
	const start = async (options?: ConstructorParameters<typeof Sandbox>[0]) => {
		const sandbox = await new Sandbox(options).start();
		running.push(sandbox);
		return sandbox;
	};
	afterEach(async () => {
		await Promise.all(running.splice(0).map(async (sandbox) => await sandbox.stop()));
	});

	/** Through JSON, as it is saved in the demo's user folder. */
	const saved = (sandbox: Sandbox): SandboxState => JSON.parse(JSON.stringify(sandbox.state())) as SandboxState;

	it('keeps every catalogue, the round and the uploaded files', async () => {
		const first = await start();
		for (let round = 0; round < 4; round++) first.tick();
		first.commerceconnect.seed({
			url: 'https://pim.example.com/upload/score.pdf',
			product_id: 7002,
			media_item_type: 'FileMediaItem',
			tag_list: ['hal-leonard-00345679'],
			asset: { fileName: 'score.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 score') },
		});
		const state = saved(first);

		const second = await start({ identity: first.identity(), state });
		expect(second.restored).toBe(true);
		expect(second.rounds).toBe(4);
		expect(second.state()).toEqual({ ...state, savedAt: expect.any(String) });
		const upload = [...second.commerceconnect.items.values()].find((item) => item.asset);
		expect(upload?.asset?.bytes.toString()).toBe('%PDF-1.4 score');
	});

	it('makes changes the triggers have not seen yet: round 5, a new PantherMedia id, a new DAM asset, a newer PSRESTful version', async () => {
		const first = await start();
		for (let round = 0; round < 4; round++) first.tick();
		const pantherIds = first.panthermedia.events.map((event) => Number(event.id));
		const damAssets = new Set(first.halleonard.changes.map((change) => change.key.split('|')[1]));

		const second = await start({ identity: first.identity(), state: saved(first) });
		const tick = second.tick();
		expect(tick.round).toBe(5);
		const added = second.panthermedia.events.filter((event) => event.type === 'new').at(-1);
		expect(Number(added?.id)).toBeGreaterThan(Math.max(...pantherIds));
		const damChange = second.halleonard.changes.at(-1);
		expect(damAssets.has(String(damChange?.key.split('|')[1]))).toBe(false);
		// Round 5 changes 6234 again after round 2 (version 1 is the seed's).
		expect(second.psrestful.changes.at(-1)).toMatchObject({ supplier: 'HIT', productId: '6234', version: 3 });
	});

	it('starts from the seed when the saved state has another format', async () => {
		const first = await start();
		first.tick();
		const stale = { ...saved(first), format: SANDBOX_STATE_FORMAT + 1 } as unknown as SandboxState;
		const second = await start({ state: stale });
		expect(second.restored).toBe(false);
		expect(second.rounds).toBe(0);
		expect(second.tick().round).toBe(1);
	});
});
