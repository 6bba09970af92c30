/**
 * The follow-up checklist of a post-implementation review: what the team does after a
 * release, from the source process. Each item is marked done by a person, with a note.
 */
export const checklistItems = [
  'scan-baselines',
  'build-images',
  'risks',
  'maintenance-windows',
  'baseline',
] as const;
export type ChecklistItem = (typeof checklistItems)[number];

export const checklistTitles: Record<ChecklistItem, string> = {
  'scan-baselines': 'Add the vulnerability to the scan baselines and policy standards',
  'build-images': 'Update the build images',
  risks: 'Review the risks',
  'maintenance-windows': 'Consider maintenance window changes',
  baseline: 'Update or create the baseline',
};

/** An item marked done, as stored. */
export type ChecklistMark = {
  item: ChecklistItem;
  doneAt: number;
  doneBy: string;
  note: string | null;
};

export function isChecklistItem(text: string): text is ChecklistItem {
  return (checklistItems as readonly string[]).includes(text);
}
