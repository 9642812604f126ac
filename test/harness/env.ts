/**
 * Jest setup (runs before every test file): gives n8n-core a private user folder so it creates
 * its instance settings and binary-data store in a temporary directory, never in ~/.n8n.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import 'reflect-metadata';

import './clock';

if (!process.env.N8N_USER_FOLDER || !process.env.N8N_USER_FOLDER.includes('media-sync-test-')) {
	process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'media-sync-test-'));
}
process.env.N8N_DEFAULT_BINARY_DATA_MODE ??= 'filesystem';
process.env.N8N_LOG_LEVEL ??= 'silent';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
