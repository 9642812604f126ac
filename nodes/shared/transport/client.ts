import type { IDataObject } from 'n8n-workflow';

import { ApiClient, type ClientOptions, type HttpContext, type ProviderProfile } from './http';

/**
 * What every provider's client shares: the transport client for the provider's profile, and the
 * settings it needs from the credential (base URL, environment…), read and checked once per node
 * run. A provider's client adds only its requests.
 */
export abstract class ProviderClient<Settings> {
	readonly http: ApiClient;

	private settingsRead?: Promise<Settings>;

	constructor(
		protected readonly ctx: HttpContext,
		protected readonly profile: ProviderProfile,
		options: ClientOptions = {},
	) {
		this.http = new ApiClient(ctx, profile, options);
	}

	/** The credential's settings, read once; an invalid one is refused before anything is sent. */
	protected async settings(): Promise<Settings> {
		this.settingsRead ??= this.ctx
			.getCredentials(this.profile.credentialType)
			.then((credentials) => this.readSettings(credentials as IDataObject));
		return await this.settingsRead;
	}

	/** Reads (and checks) what the client needs from the decrypted credential. */
	protected abstract readSettings(credentials: IDataObject): Settings;
}

/** A base URL from a credential: its default when empty, without surrounding spaces or trailing slashes. */
export function baseUrlOf(value: unknown, fallback: string): string {
	return String(value || fallback)
		.trim()
		.replace(/\/+$/, '');
}

/**
 * What a trigger's saved state belongs to: the account and endpoint (plus whatever the trigger
 * adds). When it changes, the state is someone else's and the trigger starts over.
 */
export function endpointKey(...parts: unknown[]): string {
	return parts.map((part) => String(part ?? '')).join('|');
}
