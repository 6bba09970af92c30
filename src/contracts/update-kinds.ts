/** An update's severity and classification (no zod here: the CLI's help reads them). */

export const severities = ['critical', 'important', 'moderate', 'low', 'unspecified'] as const;
export const classifications = [
  'security',
  'critical',
  'feature-pack',
  'update-rollup',
  'service-pack',
  'definition',
  'driver',
  'tool',
  'update',
] as const;
