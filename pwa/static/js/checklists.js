// The per job-type checklists the phone works from (issue #15): the server's, synced as
// read-only `job_checklist` records (server/domain/checklists.json), kept in the records
// store like the fee schedule; the built-in lists of visit.js until the first pull.

import { tx } from "./db.js";
import { live } from "./records.js";
import { checklistFor } from "./visit.js";

/** The synced checklist record of a job type (newest revision), or null before it is pulled. */
export function syncedChecklist(jobType) {
  return tx(["records"], "readonly", async (t) => {
    const rows = live(await t.byIndex("records", "entity", "job_checklist")).filter((r) => r.job_type === jobType);
    return rows.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0] || null;
  });
}

/** This job's kit, entry and after-work lists. */
export async function jobChecklist(wo) {
  return checklistFor(wo, await syncedChecklist(wo?.type || "repair"));
}
