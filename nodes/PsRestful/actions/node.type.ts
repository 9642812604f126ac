/**
 * The resources of the PSRESTful node and the operations of each, as its parameters name them. The
 * router's table is typed by it, and test/shared/routers.test.ts holds the description to it.
 */
export type PsRestfulMap = {
	media: 'getContent' | 'getContentForMany' | 'getModifiedSince';
	supplier: 'getMany';
};
