// @ts-check
'use strict';
/**
 * Read-only look into an n8n user folder's SQLite database, with the sqlite3 module of the
 * installed runtime (run in a child process on the runtime's Node, so the calling script needs
 * no native module). For the end-to-end tests' checks of what n8n persisted: workflow static
 * data and durable poll cursors.
 */
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/** @typedef {import('./install').Install} Install */

/**
 * @param {string} userFolder
 * @returns {string}
 */
function databaseFile(userFolder) {
	return path.join(userFolder, '.n8n', 'database.sqlite');
}

/**
 * Rows of a read-only SQL query, as sqlite3 returns them (column name → value).
 * @param {Install} install
 * @param {string} userFolder
 * @param {string} sql
 * @param {unknown[]} [params]
 * @returns {Array<Record<string, unknown>>}
 */
function query(install, userFolder, sql, params = []) {
	const script = `
const sqlite3 = require(${JSON.stringify(path.join(install.runtime.installDir, 'node_modules', 'sqlite3'))});
const db = new sqlite3.Database(${JSON.stringify(databaseFile(userFolder))}, sqlite3.OPEN_READONLY, (error) => {
  if (error) { console.error(error.message); process.exit(2); }
  db.all(${JSON.stringify(sql)}, ${JSON.stringify(params)}, (err, rows) => {
    if (err) { console.error(err.message); process.exit(3); }
    process.stdout.write(JSON.stringify(rows));
    db.close();
  });
});`;
	const result = spawnSync(install.node.bin, ['-e', script], { encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`SQLite query failed: ${result.stderr.trim()}\n${sql}`);
	return JSON.parse(result.stdout);
}

/**
 * The saved static data of a workflow (parsed), or undefined.
 * @param {Install} install
 * @param {string} userFolder
 * @param {string} workflowId
 * @returns {unknown}
 */
function workflowStaticData(install, userFolder, workflowId) {
	const rows = query(install, userFolder, 'SELECT staticData FROM workflow_entity WHERE id = ?', [workflowId]);
	if (rows.length === 0 || rows[0].staticData == null) return undefined;
	return typeof rows[0].staticData === 'string' ? JSON.parse(rows[0].staticData) : rows[0].staticData;
}

/**
 * Durable poll cursors (n8n 2.36+ table poller_state), or [] when the table does not exist.
 * @param {Install} install
 * @param {string} userFolder
 * @param {string} workflowId
 * @returns {Array<Record<string, unknown>>} the table's rows, `cursor` parsed
 */
function pollerState(install, userFolder, workflowId) {
	const tables = query(
		install,
		userFolder,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'poller_state'",
	);
	if (tables.length === 0) return [];
	return query(install, userFolder, 'SELECT * FROM poller_state WHERE workflowId = ?', [workflowId]).map((row) => ({
		...row,
		cursor: typeof row.cursor === 'string' ? JSON.parse(row.cursor) : row.cursor,
	}));
}

module.exports = { query, workflowStaticData, pollerState, databaseFile };
