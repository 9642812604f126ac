import { DateTime } from 'luxon';
import type { INode } from 'n8n-workflow';

import { parseDayInput } from '../../nodes/HalLeonardDam/dayInput';
import {
	addMonths,
	dayFromParts,
	formatDamDate,
	isoDay,
	parseDamDate,
	splitRange,
	todayIn,
} from '../../nodes/HalLeonardDam/days';

const node = { name: 'Hal Leonard DAM' } as INode;
const day = (y: number, m: number, d: number) => dayFromParts(y, m, d)!;

describe('DAM days', () => {
	it('reads the DAM’s unpadded yyyy/m/d and the padded and dashed forms as the same day', () => {
		expect(parseDamDate('2015/12/7')).toBe(day(2015, 12, 7));
		expect(parseDamDate('2015/12/07')).toBe(day(2015, 12, 7));
		expect(parseDamDate('2015-12-07')).toBe(day(2015, 12, 7));
		expect(parseDamDate(' 2015/1/2 ')).toBe(day(2015, 1, 2));
		expect(parseDamDate('2015/12/7 13:45:00')).toBe(day(2015, 12, 7));
	});

	it('refuses what is not a calendar day', () => {
		for (const text of ['2015/2/30', '2015/13/1', '2015/0/10', '15/12/7', '2015/12', 'yesterday', '', '2015/12/7x']) {
			expect(parseDamDate(text)).toBeUndefined();
		}
		expect(parseDamDate(20151207)).toBeUndefined();
		expect(parseDamDate('2016/2/29')).toBe(day(2016, 2, 29)); // leap day
		expect(parseDamDate('2015/2/29')).toBeUndefined();
	});

	it('writes requests unpadded, as the DAM documents, and output as ISO', () => {
		expect(formatDamDate(day(2015, 12, 7))).toBe('2015/12/7');
		expect(formatDamDate(day(2025, 1, 1))).toBe('2025/1/1');
		expect(formatDamDate(day(2015, 11, 26))).toBe('2015/11/26');
		expect(isoDay(day(2025, 1, 1))).toBe('2025-01-01');
	});

	it('counts across month and year ends', () => {
		expect(formatDamDate(day(2024, 12, 31) + 1)).toBe('2025/1/1');
		expect(formatDamDate(day(2024, 2, 28) + 1)).toBe('2024/2/29');
		expect(formatDamDate(day(2023, 2, 28) + 1)).toBe('2023/3/1');
		expect(formatDamDate(addMonths(day(2024, 11, 30), 3))).toBe('2025/2/28');
		expect(formatDamDate(addMonths(day(2024, 1, 31), 1))).toBe('2024/2/29');
		expect(formatDamDate(addMonths(day(2024, 10, 15), 3))).toBe('2025/1/15');
	});

	it('splits a range into consecutive pieces without gaps or overlaps', () => {
		const pieces = splitRange(day(2024, 1, 1), day(2024, 12, 31), 89);
		expect(pieces[0][0]).toBe(day(2024, 1, 1));
		expect(pieces.at(-1)![1]).toBe(day(2024, 12, 31));
		for (let i = 1; i < pieces.length; i++) expect(pieces[i][0]).toBe(pieces[i - 1][1]);
		expect(pieces.every(([a, b]) => b - a <= 89 && b > a)).toBe(true);
		// Every piece fits in three calendar months, the DAM's limit, even February to April.
		expect(pieces.every(([a, b]) => b <= addMonths(a, 3))).toBe(true);
		expect(day(2023, 2, 1) + 89).toBe(addMonths(day(2023, 2, 1), 3));
	});

	it('tells the DAM’s day from an instant, in the DAM’s zone, whatever the local zone', () => {
		// 2025-01-01T05:30Z is 23:30 on Dec 31 in Chicago, 21:30 in Los Angeles, 16:30 on Jan 1 in Sydney.
		const instant = Date.parse('2025-01-01T05:30:00Z');
		expect(isoDay(todayIn('America/Chicago', instant))).toBe('2024-12-31');
		expect(isoDay(todayIn('UTC', instant))).toBe('2025-01-01');
		expect(isoDay(todayIn('Australia/Sydney', instant))).toBe('2025-01-01');
		expect(isoDay(todayIn('America/Chicago', Date.parse('2025-01-01T06:00:00Z')))).toBe('2025-01-01');
	});

	it('takes a date field’s calendar date as written, for every user', () => {
		expect(parseDayInput('2024-01-15', 'Start Date', node)).toBe(day(2024, 1, 15));
		expect(parseDayInput('2024/1/15', 'Start Date', node)).toBe(day(2024, 1, 15));
		expect(parseDayInput('2024-01-15T00:00:00', 'Start Date', node)).toBe(day(2024, 1, 15));
		// A user in UTC+10 and one in UTC−8 typing their local midnight of the 15th both mean the 15th.
		expect(parseDayInput('2024-01-15T00:00:00+10:00', 'Start Date', node)).toBe(day(2024, 1, 15));
		expect(parseDayInput('2024-01-15T23:59:00-08:00', 'Start Date', node)).toBe(day(2024, 1, 15));
		expect(
			parseDayInput(DateTime.fromISO('2024-01-15T08:00:00', { zone: 'Australia/Sydney' }), 'Start Date', node),
		).toBe(day(2024, 1, 15));
		expect(
			parseDayInput(DateTime.fromISO('2024-01-15T20:00:00', { zone: 'America/Los_Angeles' }), 'Start Date', node),
		).toBe(day(2024, 1, 15));
		expect(parseDayInput(new Date(Date.UTC(2024, 0, 15, 12)), 'Start Date', node)).toBe(day(2024, 1, 15));
	});

	it('names the field of an invalid date', () => {
		expect(() => parseDayInput('2024-13-01', 'Stop Date', node)).toThrow('Stop Date is not a valid date: "2024-13-01"');
		expect(() => parseDayInput('', 'Start Date', node)).toThrow(/^Start Date is not a valid date/);
		expect(() => parseDayInput(undefined, 'Start Date', node)).toThrow(/^Start Date is not a valid date/);
	});
});
