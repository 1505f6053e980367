/**
 * Records the recorder created without recording the requests: 22 "seed" leads (seed 3..24) right
 * after `lead.create.02`, and 190 "Bulk Lead" rows before `lead.list.maxSize200.full`. Their values
 * are read back from the recorded list responses; the few attributes those lists do not show follow
 * the recorder's evident pattern (checked against every recorded value by `checkAgainstRecording`).
 */
import { listedRecords, type Exchange } from './recording.js';

export interface PlannedLead {
  /** the id the record had in the recording (when a recorded list shows it) */
  recordedId?: string;
  body: Record<string, unknown>;
}

const tiers = ['Platinum', 'Gold', 'Silver', 'Bronze'];
/** seeds 1, 2, 3 and 5 show Web Site, Call, Email, Web Site; every fourth one is not shown anywhere */
const seedSources = [null, 'Web Site', 'Call', 'Email'];
const seedTags: string[][] = [[], ['alpha'], ['beta'], ['alpha', 'gamma']];
const bulkStatuses = ['New', 'Assigned', 'In Process', 'Recycled'];
const bulkTiers = ['Gold', 'Silver', 'Bronze'];

/** The seed number of a seed lead is the tail of its phone number (+15550100004 → 4). */
const seedNumber = (phone: unknown) => (typeof phone === 'string' && /^\+155501000\d\d$/.test(phone) ? Number(phone.slice(-2)) : undefined);

export function seedLeads(exchanges: Exchange[]): PlannedLead[] {
  // rows of the final full list that no recorded request created, other than the bulk ones
  const createdByRecording = new Set(
    exchanges.filter((e) => e.method === 'POST' && e.path === '/api/v1/Lead' && e.status === 200).map((e) => String((e.responseBody as { id?: unknown }).id)),
  );
  return listedRecords(exchanges, 'lead.list.maxSize200.full')
    .filter((row) => !createdByRecording.has(String(row.id)) && !String(row.name).startsWith('Bulk Lead '))
    .map((row) => {
      const n = seedNumber(row.phoneNumber);
      if (n === undefined) throw new Error(`unexpected unrecorded lead ${String(row.name)}`);
      return {
        recordedId: String(row.id),
        body: {
          firstName: row.firstName,
          lastName: row.lastName,
          emailAddress: row.emailAddress,
          phoneNumber: row.phoneNumber,
          accountName: row.accountName,
          status: row.status,
          source: seedSources[n % 4],
          cMcpTier: tiers[n % 4],
          cMcpTags: seedTags[n % 4],
          cMcpNote: `seed ${n}`,
        },
      };
    });
}

export function bulkLeads(exchanges: Exchange[]): PlannedLead[] {
  const shown = new Map<string, Record<string, unknown>>();
  for (const name of ['lead.list.maxSize200.full', 'lead.list.page2']) {
    for (const row of listedRecords(exchanges, name)) if (String(row.name).startsWith('Bulk Lead ')) shown.set(String(row.name), row);
  }
  const count = Math.max(...[...shown.keys()].map((name) => Number(name.slice('Bulk Lead '.length))));
  const planned: PlannedLead[] = [];
  for (let n = 1; n <= count; n += 1) {
    const number = String(n).padStart(3, '0');
    const row = shown.get(`Bulk Lead ${number}`);
    planned.push({
      ...(row ? { recordedId: String(row.id) } : {}),
      body: {
        firstName: 'Bulk',
        lastName: `Lead ${number}`,
        emailAddress: `bulk${number}@bulk.example`,
        phoneNumber: `+15550200${number}`,
        status: bulkStatuses[n % 4],
        cMcpTier: bulkTiers[n % 3],
      },
    });
  }
  return planned;
}

/** Differences between the planned values and every value a recorded list shows for those rows. */
export function checkAgainstRecording(exchanges: Exchange[], planned: PlannedLead[]): string[] {
  const byId = new Map(planned.filter((p) => p.recordedId).map((p) => [p.recordedId as string, p.body]));
  const diffs: string[] = [];
  for (const name of ['lead.list.maxSize200.full', 'lead.list.page2']) {
    for (const row of listedRecords(exchanges, name)) {
      const body = byId.get(String(row.id));
      if (!body) continue;
      for (const key of ['firstName', 'lastName', 'emailAddress', 'phoneNumber', 'status', ...(String(row.name).startsWith('Bulk') ? ['cMcpTier'] : [])]) {
        if (key in row && key in body && row[key] !== body[key]) diffs.push(`${String(row.name)}.${key}: ${String(row[key])} vs ${String(body[key])}`);
      }
    }
  }
  return diffs;
}
