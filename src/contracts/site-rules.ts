import { z } from 'zod';
import { formatCidr, parseCidr } from '../domain/site/cidr.js';
import { siteName } from './distribution.js';

/**
 * Subnet rules: a computer whose agent tells no site (`--site`) is at the site of the
 * rule whose subnet holds the address the server sees it at, the longest prefix winning.
 */

/** A subnet, IPv4 or IPv6, host bits zero; read into its canonical text. */
export const cidrText = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const parsed = parseCidr(text.trim());
    if (parsed.ok) return formatCidr(parsed.cidr);
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });

export const siteRuleRequest = z.object({ cidr: cidrText, site: siteName });
export type SiteRuleRequest = z.input<typeof siteRuleRequest>;

export const siteRuleView = z.object({
  id: z.string(),
  /** Canonical: `10.1.0.0/16`, `2001:db8::/32`. */
  cidr: z.string(),
  site: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** The computers it places now (their agent tells no site and it is their longest match). */
  computers: z.number(),
});
export type SiteRuleView = z.infer<typeof siteRuleView>;

/** Every rule, by site then subnet: they are few, so not paged. */
export const siteRuleList = z.object({ items: z.array(siteRuleView) });

/** A rule added or removed, and how many computers' sites changed with it. */
export const siteRuleChange = siteRuleView.extend({ moved: z.number() });
export type SiteRuleChange = z.infer<typeof siteRuleChange>;
