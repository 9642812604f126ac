/**
 * The resources of the PantherMedia node and the operations of each, as its parameters name them. The
 * router's table is typed by it, and test/shared/routers.test.ts holds the description to it.
 */
export type PantherMediaMap = {
	media: 'poll' | 'getInfo' | 'downloadPreview' | 'search';
};
